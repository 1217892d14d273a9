import { z } from 'zod';
import type { Agent, Invitation } from '../domain/index';
import { agentIdSchema, departmentIdSchema, invitationIdSchema } from '../domain/ids';
import { pure } from '../domain/pure';
import { availabilitySchema } from '../domain/schemas';
import type { AgentKey, InvitationKey } from '../ports/store';

/** Filters of `listAgents`. */
export const agentFilterSchema = /* @__PURE__ */ pure(() => z.strictObject({
  status: z.enum(['active', 'inactive']).optional(),
  availability: availabilitySchema.optional(),
  departmentId: departmentIdSchema.optional(),
}));
/** Filters of `listInvitations`. */
export const invitationFilterSchema = /* @__PURE__ */ pure(() => z.strictObject({ status: z.enum(['pending', 'accepted', 'revoked', 'expired']).optional() }));

/**
 * The place of a row in a listing's order: a time, then an id, each compared as a string, code
 * unit by code unit (what PostgreSQL's `COLLATE "C"` does). Times are canonical ISO instants, so
 * as strings they sort as instants.
 */
export type PlaceKey = readonly [time: string, id: string];

/** -1, 0 or 1 as `a` comes before, at or after `b`. */
export function comparePlaces(a: PlaceKey, b: PlaceKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

/** Where an agent stands in {@link RosterStore.listAgents}' order. */
export const agentPlace = (a: Agent | AgentKey): PlaceKey => [a.joinedAt, a.id];
/** Where an invitation stands in {@link RosterStore.listInvitations}' order. */
export const invitationPlace = (i: Invitation | InvitationKey): PlaceKey => [i.sentAt, i.id];

/**
 * The rows after `after`, in order, at most `limit` of them: the whole listing sorted when there
 * is no limit, else one pass that keeps the best `limit` rows seen so far in a sorted array, so a
 * page of k out of n rows costs about n comparisons (n log k at worst), not a sort of all n.
 *
 * @example firstInOrder(agents, agentPlace, undefined, 50) // the first 50 agents to join
 */
export function firstInOrder<T>(rows: Iterable<T>, place: (row: T) => PlaceKey, after: PlaceKey | undefined, limit?: number): T[] {
  const page: { key: PlaceKey; row: T }[] = [];
  for (const row of rows) {
    const key = place(row);
    if (after !== undefined && comparePlaces(key, after) <= 0) continue;
    if (limit === undefined) {
      page.push({ key, row });
      continue;
    }
    if (page.length === limit && (limit === 0 || comparePlaces(key, page[limit - 1]!.key) >= 0)) continue;
    let low = 0;
    let high = page.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (comparePlaces(page[middle]!.key, key) < 0) low = middle + 1;
      else high = middle;
    }
    page.splice(low, 0, { key, row });
    if (page.length > limit) page.pop();
  }
  if (limit === undefined) page.sort((a, b) => comparePlaces(a.key, b.key));
  return page.map((p) => p.row);
}

/**
 * One page of a long listing. `cursor` marks the end of this page: pass it as `after` to read on
 * (it is `null` only when nothing has been read yet: an empty first page). `more` says whether
 * rows were left after this page when it was read. A listing of agents or invitations is read by
 * asking again while `more`; an event log, which keeps growing, by keeping the last `cursor` and
 * asking again later.
 *
 * @example
 * let page = await roster.agentPage(ana, { limit: 100 }).unwrapOr(null);
 * while (page?.more) page = await roster.agentPage(ana, { after: page.cursor!, limit: 100 }).unwrapOr(null);
 */
export type Page<T> = Readonly<{ items: readonly T[]; cursor: string | null; more: boolean }>;

/** How many rows a page holds when the query does not say. */
export const DEFAULT_PAGE_SIZE = 100;
/** The most rows one page may hold. */
export const MAX_PAGE_SIZE = 1000;

const NOT_A_CURSOR = 'is not a cursor this listing gave';
const limitSchema = /* @__PURE__ */ z.int().min(1).max(MAX_PAGE_SIZE).optional();

/** A cursor of a (time, id) listing: `<ISO instant>~<id>`, the place of the last row of a page. */
const placeCursor = (id: z.ZodType<string>) =>
  z.string().transform((cursor, ctx): PlaceKey => {
    const [time = '', rest, extra] = cursor.split('~');
    if (extra === undefined && rest !== undefined && id.safeParse(rest).success && isCanonicalInstant(time)) return [time, rest];
    ctx.addIssue(NOT_A_CURSOR);
    return z.NEVER;
  });

const isCanonicalInstant = (time: string) => {
  const ms = Date.parse(time);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === time;
};

/** The cursor of a (time, id) listing after `place`. */
export const placeCursorOf = (place: PlaceKey): string => `${place[0]}~${place[1]}`;

/** Query of `agentPage`: the filters of `listAgents`, `after` a cursor it gave, `limit` 1–1000 (100). */
export const agentPageSchema = /* @__PURE__ */ pure(() =>
  agentFilterSchema.extend({ after: placeCursor(agentIdSchema).optional(), limit: limitSchema }),
);
/** Query of `invitationPage`: the filters of `listInvitations`, `after` a cursor it gave, `limit` 1–1000 (100). */
export const invitationPageSchema = /* @__PURE__ */ pure(() =>
  invitationFilterSchema.extend({ after: placeCursor(invitationIdSchema).optional(), limit: limitSchema }),
);
/** Query of `eventPage`: `after` a cursor it gave (an event's position), `limit` 1–1000 (100). */
export const eventPageSchema = /* @__PURE__ */ pure(() =>
  z.strictObject({
    after: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,15})$/, NOT_A_CURSOR)
      .transform(Number)
      .refine(Number.isSafeInteger, NOT_A_CURSOR)
      .optional(),
    limit: limitSchema,
  }),
);

/**
 * A page from rows a store listed for it, asked for one row more than the page holds: trimmed
 * to the rows after `after` and to `limit` again, so a store that ignored the bounds is still
 * read right (only slower), and `more` is whether that extra row came.
 */
export function pageOf<T>(rows: Iterable<T>, place: (row: T) => PlaceKey, after: PlaceKey | undefined, limit: number): Page<T> {
  const page = firstInOrder(rows, place, after, limit + 1);
  const items = page.slice(0, limit);
  const last = items.at(-1);
  return { items, cursor: last ? placeCursorOf(place(last)) : after ? placeCursorOf(after) : null, more: page.length > limit };
}
