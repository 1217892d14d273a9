import { comparePlace, type ListingOrder, type PlaceKey } from '../../ports/order';

/**
 * Rows kept sorted in a listing's order (a time, then an id: {@link ListingOrder}), so that a page
 * is a binary search for its cursor and a walk forward from it, as an index scan in a database is:
 * O(log n + rows looked at), where a scan of the rows is O(n) per page. The in-memory store keeps
 * one per workspace and kind, and one per department of a workspace's agents.
 *
 * A sorted array of sorted chunks of at most 256 items: an insert or a delete is two binary
 * searches and a splice of one chunk (O(log n + 256); when a chunk is split, emptied or merged, a
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

  /**
   * @param order the listing's order.
   * @param chunk the most items a chunk holds before it is split in two: a splice within one stays
   *   a short copy. Tests pass a few, so that a few rows already make many chunks.
   */
  constructor(
    readonly order: ListingOrder<T>,
    readonly chunk = 256,
  ) {}

  /** How many items it holds. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item; its place must not be held already. */
  add(item: T): void {
    const [c, i] = this.#seek(this.#place(item), false);
    const chunk = this.#chunks[c];
    if (!chunk) {
      this.#chunks.push([item]);
    } else {
      chunk.splice(i, 0, item);
      if (chunk.length > this.chunk) this.#chunks.splice(c + 1, 0, chunk.splice(this.chunk >> 1));
    }
    this.#size++;
  }

  /** Takes out the item at `item`'s place; whether there was one. */
  delete(item: T): boolean {
    const place = this.#place(item);
    const [c, i] = this.#seek(place, false);
    const chunk = this.#chunks[c];
    const found = chunk?.[i];
    if (!chunk || found === undefined || this.#compare(found, place) !== 0) return false;
    chunk.splice(i, 1);
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
    let [c, i] = after ? this.#seek(after, true) : [0, 0];
    for (; c < this.#chunks.length && out.length < limit; c++, i = 0) {
      const chunk = this.#chunks[c]!;
      for (; i < chunk.length && out.length < limit; i++) if (keep(chunk[i]!)) out.push(chunk[i]!);
    }
    return out;
  }

  #place(item: T): PlaceKey {
    return [this.order.time(item), this.order.id(item)];
  }

  #compare(item: T, place: PlaceKey): number {
    return comparePlace(this.order.time(item), this.order.id(item), place);
  }

  /**
   * Where `place` goes: the chunk and the position in it of the first item at or after it (strictly
   * after it when `past`); one past the last chunk when every item comes before.
   */
  #seek(place: PlaceKey, past: boolean): [chunk: number, at: number] {
    const below = (item: T) => this.#compare(item, place) < (past ? 1 : 0);
    const chunks = this.#chunks;
    const last = chunks[chunks.length - 1];
    // Rows mostly join at the end of the order: one comparison places them.
    if (!last || below(last[last.length - 1]!)) return last && last.length < this.chunk ? [chunks.length - 1, last.length] : [chunks.length, 0];
    let low = 0;
    let high = chunks.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      const chunk = chunks[middle]!;
      if (below(chunk[chunk.length - 1]!)) low = middle + 1;
      else high = middle;
    }
    const chunk = chunks[low]!;
    let from = 0;
    let to = chunk.length;
    while (from < to) {
      const middle = (from + to) >> 1;
      if (below(chunk[middle]!)) from = middle + 1;
      else to = middle;
    }
    return [low, from];
  }
}
