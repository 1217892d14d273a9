import * as z from 'zod';
import { agentIdSchema, departmentIdSchema, invitationIdSchema } from '../domain/ids';
import { pure } from '../domain/pure';
import { isoTime } from '../domain/time';
import { availabilitySchema } from '../domain/schemas';
import { firstInOrder, placeOf, type ListingOrder, type PlaceKey } from '../ports/order';

/** Filters of `listAgents`. */
export const agentFilterSchema = /* @__PURE__ */ pure(() => z.strictObject({
  status: z.enum(['active', 'inactive']).optional(),
  availability: availabilitySchema.optional(),
  departmentId: departmentIdSchema.optional(),
}));
/** Filters of `listInvitations`. */
export const invitationFilterSchema = /* @__PURE__ */ pure(() => z.strictObject({ status: z.enum(['pending', 'accepted', 'revoked', 'expired']).optional() }));

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
const isCanonicalInstant = (time: string) => {
  // A well-formed impossible instant (hour 24, minute 60) parses to NaN, whose toISOString throws;
  // an impossible day (February 30) parses to another day, which the comparison refuses.
  const ms = /^(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(time) ? Date.parse(time) : Number.NaN;
  return !Number.isNaN(ms) && new Date(ms).toISOString() === time;
};

/**
 * A cursor as a page query reads it: where the page before ended (`at`), and a short tag of the
 * workspace it was given for, which the roster compares with the workspace it reads.
 */
export type Cursor<At> = Readonly<{ at: At; tag: string }>;

/**
 * A cursor's text: `<where>~<workspace tag>`, `where` read by `readAt` (which answers `undefined`
 * for anything it did not write). Every cursor is bound to its workspace: handed to another one, it
 * would start that workspace's listing at a place that means nothing there (and skip events, where
 * positions come from one sequence shared by all workspaces).
 */
const cursorSchema = <At>(readAt: (where: string) => At | undefined) =>
  z.string().transform((cursor, ctx): Cursor<At> => {
    const cut = cursor.lastIndexOf('~');
    const tag = cursor.slice(cut + 1);
    const at = cut > 0 && /^[0-9a-z]{1,7}$/.test(tag) ? readAt(cursor.slice(0, cut)) : undefined;
    if (at !== undefined) return { at, tag };
    ctx.addIssue(NOT_A_CURSOR);
    return z.NEVER;
  });

/** The cursor that marks `where`, in the workspace tagged `tag`. */
const cursorText = (where: string, tag: string) => `${where}~${tag}`;

/** A cursor of a (time, id) listing: `<ISO instant>~<id>~<tag>`, the place of the last row of a page. */
const placeCursor = (id: z.ZodType<string>) =>
  // Typed as the tuple itself rather than PlaceKey, which stays internal: the exported schemas' output names it.
  cursorSchema((where): readonly [time: string, id: string] | undefined => {
    const [time = '', rest, extra] = where.split('~');
    return extra === undefined && rest !== undefined && id.safeParse(rest).success && isCanonicalInstant(time) ? [time, rest] : undefined;
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

/** The statuses `outbox` and `outboxPage` filter by. */
export const outboxStatusSchema = /* @__PURE__ */ z.enum(['pending', 'delivered', 'withdrawn']).optional();
/** An outbox message's id as the roster makes them (`msg_…`), as a cursor carries it. */
const outboxIdSchema = /* @__PURE__ */ z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/);
/** Query of `outboxPage`: the status `outbox` filters by, `after` a cursor it gave, `limit` 1–1000 (100). */
export const outboxPageSchema = /* @__PURE__ */ pure(() =>
  z.strictObject({ status: outboxStatusSchema, after: afterSchema(placeCursor(outboxIdSchema)), limit: limitSchema }),
);

/** The largest position a store may give an event: PostgreSQL's `bigint`. */
const MAX_POSITION = '9223372036854775807';

/** Whether decimal position `a` comes after `b` (both without leading zeros). */
const laterPosition = (a: string, b: string): boolean => (a.length !== b.length ? a.length > b.length : a > b);

/**
 * A short tag of a workspace id (FNV-1a, 32 bits, base 36) that every cursor carries, so that a
 * cursor kept for one workspace and handed to another is refused (see {@link cursorSchema}).
 */
export function workspaceTag(workspaceId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < workspaceId.length; i++) hash = Math.imul(hash ^ workspaceId.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** An event cursor: `<position>~<workspace tag>`; the position a whole number up to {@link MAX_POSITION}. */
const eventCursor = /* @__PURE__ */ pure(() =>
  cursorSchema((position) => (/^[1-9]\d{0,18}$/.test(position) && !laterPosition(position, MAX_POSITION) ? position : undefined)),
);
/** Query of `eventPage`: `after` a cursor it gave, `limit` 1–1000 (100). */
export const eventPageSchema = /* @__PURE__ */ pure(() => z.strictObject({ after: afterSchema(eventCursor), limit: limitSchema }));

/**
 * A page of a workspace's log from events a store gave with their positions, asked for one more
 * than the page holds after position `from` (`'0'`: the start): trimmed again as {@link pageOf}
 * trims, its cursor the last position read (or `after`'s, when nothing new) with the workspace's tag.
 */
export function eventPageOf<E>(rows: readonly { position: string; event: E }[], after: string | undefined, tag: string, limit: number): Page<E> {
  const page = rows.filter((r) => laterPosition(r.position, after ?? '0')).slice(0, limit + 1);
  const items = page.slice(0, limit);
  const last = items.at(-1)?.position ?? after;
  return { items: items.map((r) => r.event), cursor: last === undefined ? null : cursorText(last, tag), more: page.length > limit };
}

/**
 * A page from rows a store listed for it, asked for one row more than the page holds: trimmed
 * to the rows after `after` and to `limit` again, so a store that ignored the bounds is still
 * read right (only slower), and `more` is whether that extra row came.
 */
export function pageOf<T>(rows: Iterable<T>, order: ListingOrder<T>, after: PlaceKey | undefined, tag: string, limit: number): Page<T> {
  const page = firstInOrder(rows, order, after, limit + 1);
  const items = page.slice(0, limit);
  const last = items.at(-1);
  const end = last === undefined ? after : placeOf(order, last);
  return { items, cursor: end ? cursorText(`${canonicalTime(end[0])}~${end[1]}`, tag) : null, more: page.length > limit };
}

/** A stored time in the form cursors take, should a store hold one spelled otherwise (`…:00Z`). */
const canonicalTime = (time: string) => {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : isoTime(new Date(ms));
};
