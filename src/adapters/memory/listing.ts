import type { comparePlace, ListingOrder, PlaceKey } from '../../ports/order';

/**
 * Rows kept sorted in a listing's order (a time, then an id: {@link ListingOrder}), so that a page
 * is a binary search for its cursor and a walk forward from it, as an index scan in a database is:
 * O(log n + rows looked at), where a scan of the rows is O(n) per page. The in-memory store keeps
 * one per workspace and kind, and one per department of a workspace's agents.
 *
 * A sorted array of sorted chunks of at most 256 items: an insert or a delete is two binary
 * searches (for the chunk, then within it) and a splice of one chunk (O(log n + 256); when a chunk is split, emptied or merged, a
 * splice of the array of chunks too, one entry per chunk), and a row joining at the end of the order,
 * as agents join and invitations are sent at `now`, goes to the last chunk after one comparison.
 * One item per place: (time, id) identifies a row.
 *
 * @example
 * const byJoining = new Listing(BY_JOINING);
 * byJoining.add(agent);
 * byJoining.after(['2026-11-23T09:00:00.000Z', 'agt_ana'], 50, (a) => a.status === 'active') // the next 50 active
 */
export class Listing<T> {
  readonly #chunks: T[][] = [];
  #size = 0;
  /** Where the last {@link #seek} landed: a chunk, and a position in it. */
  #c = 0;
  #i = 0;

  /**
   * @param order the listing's order.
   * @param chunk the most items a chunk holds before it is split in two: a splice within one stays
   *   a short copy. Tests pass a few, so that a few rows already make many chunks.
   */
  constructor(
    readonly order: ListingOrder<T>,
    readonly chunk = 256,
  ) {
    // A full chunk splits in two halves: a chunk of one would split into an empty one.
    if (!(chunk >= 2)) throw new RangeError('chunk < 2');
  }

  /** How many items it holds. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item; its place must not be held already. */
  add(item: T): void {
    this.#seek(this.order.time(item), this.order.id(item), false);
    const c = this.#c;
    const chunk = this.#chunks[c];
    if (!chunk) {
      this.#chunks.push([item]);
    } else {
      chunk.splice(this.#i, 0, item);
      if (chunk.length > this.chunk) this.#chunks.splice(c + 1, 0, chunk.splice(this.chunk >> 1));
    }
    this.#size++;
  }

  /** Takes out the item at `item`'s place; whether there was one. */
  delete(item: T): boolean {
    if (!this.#find(item)) return false;
    const c = this.#c;
    const chunk = this.#chunks[c]!;
    chunk.splice(this.#i, 1);
    this.#size--;
    // A chunk that shrank to a quarter joins its successor when both fit in one, so deletes never
    // leave many near-empty chunks behind to binary-search through.
    const next = this.#chunks[c + 1];
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    else if (next && chunk.length < this.chunk >> 2 && chunk.length + next.length <= this.chunk) this.#chunks.splice(c, 2, chunk.concat(next));
    return true;
  }

  /**
   * The items after `after` (all of them when it is `undefined`), in order, that `keep` takes, at
   * most `limit`. Looks at the items it returns and at those `keep` refuses on the way: a filter
   * that few items pass walks on to the end of the listing, so its worst case is every item after
   * `after` — O(log n + k + s) for k returned and s refused.
   */
  after(after: PlaceKey | undefined, limit: number, keep: (item: T) => boolean): T[] {
    const out: T[] = [];
    if (after) this.#seek(after[0], after[1], true);
    else this.#c = this.#i = 0;
    for (let c = this.#c, i = this.#i; c < this.#chunks.length && out.length < limit; c++, i = 0) {
      const chunk = this.#chunks[c]!;
      for (; i < chunk.length && out.length < limit; i++) if (keep(chunk[i]!)) out.push(chunk[i]!);
    }
    return out;
  }

  /** Whether an item holds `item`'s place; where it is, into `#c` and `#i` (see {@link #seek}). */
  #find(item: T): boolean {
    const time = this.order.time(item);
    const id = this.order.id(item);
    this.#seek(time, id, false);
    const found = this.#chunks[this.#c]?.[this.#i];
    return found !== undefined && this.order.time(found) === time && this.order.id(found) === id;
  }

  /**
   * Whether `item` comes before (time, id), or is at it when `past`: strings compared with `<`, as
   * {@link comparePlace} does (times and ids are ASCII: code unit order is code point order). One
   * comparison for the order and for cursors alike, so a cursor lands where the listing sorts it.
   */
  #below(item: T, time: string, id: string, past: boolean): boolean {
    const t = this.order.time(item);
    if (t !== time) return t < time;
    const i = this.order.id(item);
    return past ? i <= id : i < id;
  }

  /**
   * Where (time, id) goes, into `#c` and `#i` (fields, not a tuple: an insert allocates nothing
   * it keeps): the chunk and the position in it of the first item at or after it (strictly after
   * it when `past`); one past the last chunk when every item comes before and the last is full.
   */
  #seek(time: string, id: string, past: boolean): void {
    const chunks = this.#chunks;
    const last = chunks[chunks.length - 1];
    // Rows mostly join at the end of the order: one comparison places them.
    if (!last || this.#below(last[last.length - 1]!, time, id, past)) {
      const room = last !== undefined && last.length < this.chunk;
      this.#c = room ? chunks.length - 1 : chunks.length;
      this.#i = room ? last.length : 0;
      return;
    }
    let low = 0;
    let high = chunks.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      const chunk = chunks[middle]!;
      if (this.#below(chunk[chunk.length - 1]!, time, id, past)) low = middle + 1;
      else high = middle;
    }
    const chunk = chunks[low]!;
    let from = 0;
    let to = chunk.length;
    while (from < to) {
      const middle = (from + to) >> 1;
      if (this.#below(chunk[middle]!, time, id, past)) from = middle + 1;
      else to = middle;
    }
    this.#c = low;
    this.#i = from;
  }
}
