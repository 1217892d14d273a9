import { z } from 'zod';
import type { Agent, Invitation } from '../domain/index';
import { agentIdSchema, departmentIdSchema, invitationIdSchema } from '../domain/ids';
import { pure } from '../domain/pure';
import { isoTime } from '../domain/time';
import { availabilitySchema } from '../domain/schemas';

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

/** -1, 0 or 1 as the row at (`time`, `id`) comes before, at or after `place`. */
function comparePlace(time: string, id: string, place: PlaceKey): number {
  if (time !== place[0]) return time < place[0] ? -1 : 1;
  return id === place[1] ? 0 : id < place[1] ? -1 : 1;
}

/** How a listing orders its rows: by a time, then by id. */
export type ListingOrder<T> = Readonly<{ time: (row: T) => string; id: (row: T) => string }>;

/** Agents by `joinedAt`, then id: {@link RosterStore.listAgents}' order. */
export const BY_JOINING: ListingOrder<Agent> = { time: (a) => a.joinedAt, id: (a) => a.id };
/** Invitations by `sentAt`, then id: {@link RosterStore.listInvitations}' order. */
export const BY_SENDING: ListingOrder<Invitation> = { time: (i) => i.sentAt, id: (i) => i.id };

/** Where a row stands in `order`. */
const placeOf = <T>(order: ListingOrder<T>, row: T): PlaceKey => [order.time(row), order.id(row)];

/**
 * The rows after `after`, in order, at most `limit` of them: the whole listing sorted when there
 * is no limit, else one pass that keeps the best `limit` rows seen so far in a sorted array, so a
 * page of k out of n rows costs about n comparisons (n log k at worst), not a sort of all n.
 *
 * @example firstInOrder(agents, BY_JOINING, undefined, 50) // the first 50 agents to join
 */
export function firstInOrder<T>(rows: Iterable<T>, order: ListingOrder<T>, after: PlaceKey | undefined, limit?: number): T[] {
  const kept: { row: T; place: PlaceKey }[] = [];
  for (const row of rows) {
    const time = order.time(row);
    const id = order.id(row);
    if (after !== undefined && comparePlace(time, id, after) <= 0) continue;
    if (limit === undefined) {
      kept.push({ row, place: [time, id] });
      continue;
    }
    if (kept.length === limit && (limit === 0 || comparePlace(time, id, kept[limit - 1]!.place) >= 0)) continue;
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (comparePlace(time, id, kept[middle]!.place) > 0) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, { row, place: [time, id] });
    if (kept.length > limit) kept.pop();
  }
  if (limit === undefined) kept.sort((a, b) => comparePlace(a.place[0], a.place[1], b.place));
  return kept.map((k) => k.row);
}

/**
 * One page of a long listing. `cursor` marks the end of this page: pass it as `after` to read on
 * (it is `null` only when nothing has been read yet: an empty first page). `more` says whether
 * rows were left after this page when it was read. A listing of agents or invitations is read by
 * asking again while `more`; an event log, which keeps growing, by keeping the last `cursor` and
 * asking again later.
 *
 * @example
 * const agents: Agent[] = [];
 * for (let after: string | null = null, more = true; more; ) {
 *   const page = await roster.agentPage(ana, { after, limit: 100 });
 *   if (page.isErr()) throw new Error(page.error.message); // a failing store is not the end of the list
 *   agents.push(...page.value.items);
 *   ({ cursor: after, more } = page.value);
 * }
 */
export type Page<T> = Readonly<{ items: readonly T[]; cursor: string | null; more: boolean }>;

/** How many rows a page holds when the query does not say. */
export const DEFAULT_PAGE_SIZE = 100;
/** The most rows one page may hold. */
export const MAX_PAGE_SIZE = 1000;

const NOT_A_CURSOR = 'is not a cursor this listing gave';
const limitSchema = /* @__PURE__ */ z.int().min(1).max(MAX_PAGE_SIZE).optional();

/**
 * An instant as {@link isoTime} writes it, years 0001–9999 (what PostgreSQL's `timestamptz`
 * reads), naming a real date: `Date.parse` gives it back unchanged.
 */
const isCanonicalInstant = (time: string) =>
  /^(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(time) && new Date(Date.parse(time)).toISOString() === time;

/** A cursor of a (time, id) listing: `<ISO instant>~<id>`, the place of the last row of a page. */
const placeCursor = (id: z.ZodType<string>) =>
  // Typed as the tuple itself rather than PlaceKey, which stays internal: the exported schemas' output names it.
  z.string().transform((cursor, ctx): readonly [time: string, id: string] => {
    const [time = '', rest, extra] = cursor.split('~');
    if (extra === undefined && rest !== undefined && id.safeParse(rest).success && isCanonicalInstant(time)) return [time, rest];
    ctx.addIssue(NOT_A_CURSOR);
    return z.NEVER;
  });

/** `null` for `after` reads from the start, so `after: page.cursor` works on the first page too. */
const afterSchema = <T extends z.ZodType>(cursor: T) => cursor.nullable().optional().transform((c) => c ?? undefined);

/** Query of `agentPage`: the filters of `listAgents`, `after` a cursor it gave, `limit` 1–1000 (100). */
export const agentPageSchema = /* @__PURE__ */ pure(() =>
  agentFilterSchema.extend({ after: afterSchema(placeCursor(agentIdSchema)), limit: limitSchema }),
);
/** Query of `invitationPage`: the filters of `listInvitations`, `after` a cursor it gave, `limit` 1–1000 (100). */
export const invitationPageSchema = /* @__PURE__ */ pure(() =>
  invitationFilterSchema.extend({ after: afterSchema(placeCursor(invitationIdSchema)), limit: limitSchema }),
);

/** The largest position a store may give an event: PostgreSQL's `bigint`. */
const MAX_POSITION = '9223372036854775807';

/** Whether decimal position `a` comes after `b` (both without leading zeros). */
const laterPosition = (a: string, b: string): boolean => (a.length !== b.length ? a.length > b.length : a > b);

/**
 * A short tag of a workspace id (FNV-1a, 32 bits, base 36) that an event cursor carries, so that
 * a cursor kept for one workspace and handed to another is refused rather than silently skipping
 * that workspace's events (positions may come from one sequence shared by all workspaces).
 */
export function workspaceTag(workspaceId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < workspaceId.length; i++) hash = Math.imul(hash ^ workspaceId.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** An event cursor: `<position>.<workspace tag>`; the position a whole number up to {@link MAX_POSITION}. */
const eventCursor = /* @__PURE__ */ pure(() =>
  z.string().transform((cursor, ctx): readonly [position: string, tag: string] => {
    const [position = '', tag = '', extra] = cursor.split('.');
    if (extra === undefined && /^[1-9]\d{0,18}$/.test(position) && !laterPosition(position, MAX_POSITION) && /^[0-9a-z]{1,7}$/.test(tag)) return [position, tag];
    ctx.addIssue(NOT_A_CURSOR);
    return z.NEVER;
  }),
);
/** Query of `eventPage`: `after` a cursor it gave, `limit` 1–1000 (100). */
export const eventPageSchema = /* @__PURE__ */ pure(() => z.strictObject({ after: afterSchema(eventCursor), limit: limitSchema }));

/**
 * The events of a log after position `after`, numbered 1, 2, 3…: what a store without
 * `eventsAfter` (the roster reads its whole log) and the in-memory store (whose positions are
 * those numbers) answer.
 */
export function positionedSlice<E>(log: readonly E[], after: string, limit: number): { position: string; event: E }[] {
  const from = Number(after); // beyond the log when larger than any index, exact below 2^53
  return log.slice(from, from + limit).map((event, i) => ({ position: String(from + i + 1), event }));
}

/**
 * A page of a workspace's log from events a store gave with their positions, asked for one more
 * than the page holds after position `from` (`'0'`: the start): trimmed again as {@link pageOf}
 * trims, its cursor the last position read (or `after`'s, when nothing new) with the workspace's tag.
 */
export function eventPageOf<E>(rows: readonly { position: string; event: E }[], after: string | undefined, tag: string, limit: number): Page<E> {
  const page = rows.filter((r) => laterPosition(r.position, after ?? '0')).slice(0, limit + 1);
  const items = page.slice(0, limit);
  const last = items.at(-1)?.position ?? after;
  return { items: items.map((r) => r.event), cursor: last === undefined ? null : `${last}.${tag}`, more: page.length > limit };
}

/**
 * A page from rows a store listed for it, asked for one row more than the page holds: trimmed
 * to the rows after `after` and to `limit` again, so a store that ignored the bounds is still
 * read right (only slower), and `more` is whether that extra row came.
 */
export function pageOf<T>(rows: Iterable<T>, order: ListingOrder<T>, after: PlaceKey | undefined, limit: number): Page<T> {
  const page = firstInOrder(rows, order, after, limit + 1);
  const items = page.slice(0, limit);
  const last = items.at(-1);
  const end = last === undefined ? after : placeOf(order, last);
  return { items, cursor: end ? `${canonicalTime(end[0])}~${end[1]}` : null, more: page.length > limit };
}

/** A stored time in the form cursors take, should a store hold one spelled otherwise (`…:00Z`). */
const canonicalTime = (time: string) => {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : isoTime(new Date(ms));
};
