/**
 * Items kept in order, in short sorted arrays ("chunks") laid end to end. Internal to routing: it
 * never reaches persisted state or the public API.
 *
 * Why not a binary heap: routing's commonest move is "the first agent takes a conversation and
 * goes to the back" (round-robin), and the back is a new maximum. A heap pays 2·log2(n)
 * comparisons to sift that agent down (34 at 100,000 agents, each a string comparison while
 * rotation places tie); here it is a `shift()` on the first chunk and a `push()` on the last
 * after one comparison, whatever n is. Inserting anywhere else is a binary search over the
 * chunks' last items and then inside one chunk (≈ log2(n) comparisons) plus a splice of at most
 * 64 items.
 *
 * Each item records the chunk it sits in (in the field named at construction), so removing an
 * item whose key has just changed needs no search by key, and no comparison.
 *
 * Items are compared through `before(a, b)`, which must be a strict total order (routing breaks
 * every tie by agent id). Every call to `before` is counted in `counter.comparisons`, which is how
 * the tests prove the bounds without timing anything.
 */
export type Comparisons = { comparisons: number };

const MAX_CHUNK = 64;
const HALF = 32; // MAX_CHUNK / 2, as a literal so bundles that never route drop it (see buckets.ts)

/** @internal */
export class OrderedList<K extends string, T extends { [F in K]: unknown[] | null }> {
  private chunks: T[][] = [];

  /**
   * Builds the list from items already in order, in O(n).
   *
   * @example new OrderedList((a, b) => a.seq < b.seq, { comparisons: 0 }, 'rotationChunk', sorted)
   */
  constructor(
    private readonly isBefore: (a: T, b: T) => boolean,
    readonly counter: Comparisons,
    private readonly field: K,
    sorted: readonly T[] = [],
  ) {
    for (let from = 0; from < sorted.length; from += HALF) {
      const chunk = sorted.slice(from, from + HALF);
      for (const item of chunk) this.home(item, chunk);
      this.chunks.push(chunk);
    }
  }

  /** The first item in order. O(1). */
  first(): T | undefined {
    return this.chunks[0]?.[0];
  }

  /** Every item, in order. O(n), no comparison. */
  items(): T[] {
    // Not chunks.flat(): V8's flat() costs about ten times this loop.
    const items: T[] = [];
    for (const chunk of this.chunks) for (const item of chunk) items.push(item);
    return items;
  }

  /** Takes every item out. O(n), no comparison. */
  clear(): void {
    for (const chunk of this.chunks) for (const item of chunk) this.home(item, null);
    this.chunks = [];
  }

  /** Whether the item is in the list. O(1). */
  has(item: T): boolean {
    return item[this.field] !== null;
  }

  /** Adds an item that is not in the list. O(1) at either end, O(log n) comparisons elsewhere. */
  insert(item: T): void {
    const chunks = this.chunks;
    const lastAt = chunks.length - 1;
    const last = chunks[lastAt];
    if (last === undefined) {
      chunks.push([item]);
      return this.home(item, chunks[0]!);
    }
    if (this.before(last[last.length - 1]!, item)) return this.add(lastAt, last.length, item);
    // The first chunk whose last item comes after the new one takes it.
    let low = 0;
    let high = chunks.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      const chunk = chunks[mid]!;
      if (this.before(chunk[chunk.length - 1]!, item)) low = mid + 1;
      else high = mid;
    }
    const chunk = chunks[low]!;
    let from = 0;
    let to = chunk.length - 1;
    while (from < to) {
      const mid = (from + to) >> 1;
      if (this.before(chunk[mid]!, item)) from = mid + 1;
      else to = mid;
    }
    this.add(low, from, item);
  }

  /** Takes an item out, if it is in. No comparison; O(64) to close the gap. */
  remove(item: T): void {
    const chunk = item[this.field] as T[] | null;
    if (chunk === null) return;
    this.home(item, null);
    // The head of the list is the commonest item to go (the agent picked): shift() it.
    if (chunk[0] === item) chunk.shift();
    else chunk.splice(chunk.indexOf(item), 1);
    // The head chunk empties every 32 turns of a round-robin queue: shift() lets V8 drop the
    // array's first slot in place, where splice() would move every chunk after it.
    if (chunk.length === 0) {
      if (this.chunks[0] === chunk) this.chunks.shift();
      else this.chunks.splice(this.chunks.indexOf(chunk), 1);
    }
  }

  private add(chunkAt: number, at: number, item: T): void {
    const chunk = this.chunks[chunkAt]!;
    if (at === chunk.length) chunk.push(item);
    else chunk.splice(at, 0, item);
    this.home(item, chunk);
    if (chunk.length > MAX_CHUNK) {
      const tail = chunk.splice(HALF);
      for (const moved of tail) this.home(moved, tail);
      this.chunks.splice(chunkAt + 1, 0, tail);
    }
  }

  private home(item: T, chunk: T[] | null): void {
    (item as Record<K, unknown[] | null>)[this.field] = chunk;
  }

  private before(a: T, b: T): boolean {
    this.counter.comparisons++;
    return this.isBefore(a, b);
  }
}
