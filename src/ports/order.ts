import type { Agent, Invitation } from '../domain/index';
import type { OutboxMessage } from './outbox';

// The orders the store port promises for its listings, as code: the in-memory store, the roster
// (which trims what any store lists to a page) and the tests compare rows with the same function,
// so no two of them can disagree on where a row stands. The rest of ports/ is interfaces; these
// helpers live here because both the adapters and the application layer depend on them, and
// neither may import the other.

/**
 * The place of a row in a listing's order: a time, then an id, each compared as a string with
 * `<`. Both are ASCII (canonical ISO instants; ids of `[A-Za-z0-9_-]`), where code units, code
 * points and UTF-8 bytes order alike, so `<` agrees with PostgreSQL's `COLLATE "C"`; text that may
 * hold other characters (names) is compared with `compareCodePoints` instead. Times are
 * canonical ISO instants, so as strings they sort as instants.
 */
export type PlaceKey = readonly [time: string, id: string];

/** -1, 0 or 1 as the row at (`time`, `id`) comes before, at or after `place`. */
export function comparePlace(time: string, id: string, place: PlaceKey): number {
  if (time !== place[0]) return time < place[0] ? -1 : 1;
  return id === place[1] ? 0 : id < place[1] ? -1 : 1;
}

/** How a listing orders its rows: by a time, then by id. */
export type ListingOrder<T> = Readonly<{ time: (row: T) => string; id: (row: T) => string }>;

/** Agents by `joinedAt`, then id: {@link RosterStore.listAgents}' order. */
export const BY_JOINING: ListingOrder<Agent> = { time: (a) => a.joinedAt, id: (a) => a.id };
/** Invitations by `sentAt`, then id: {@link RosterStore.listInvitations}' order. */
export const BY_SENDING: ListingOrder<Invitation> = { time: (i) => i.sentAt, id: (i) => i.id };

/** Outbox messages by `createdAt`, then id: {@link RosterStore.listOutbox}' page order. */
export const BY_CREATION: ListingOrder<OutboxMessage> = { time: (m) => m.createdAt, id: (m) => m.id };

/** Where a row stands in `order`. */
export const placeOf = <T>(order: ListingOrder<T>, row: T): PlaceKey => [order.time(row), order.id(row)];

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
 * The events of a log after position `after`, numbered 1, 2, 3…: what a store without
 * `eventsAfter` (the roster reads its whole log) and the in-memory store (whose positions are
 * those numbers) answer.
 */
export function positionedSlice<E>(log: readonly E[], after: string, limit: number): { position: string; event: E }[] {
  const from = Number(after); // beyond the log when larger than any index, exact below 2^53
  return log.slice(from, from + limit).map((event, i) => ({ position: String(from + i + 1), event }));
}
