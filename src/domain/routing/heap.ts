/**
 * A binary min-heap of items addressed by id, so an item can be removed or re-sorted after its
 * key changed in O(log n). Internal to routing: it never reaches persisted state or the public API.
 *
 * Items are compared through `before(a, b)`, which must be a strict total order (routing breaks
 * every tie by agent id). Every call to `before` is counted in `counter.comparisons`, which is how
 * the tests prove the O(log n) bound without timing anything.
 */
export type Comparisons = { comparisons: number };

/** @internal */
export class IndexedHeap<T extends { readonly agentId: string }> {
  private readonly items: T[] = [];
  private readonly positions = new Map<string, number>();

  /**
   * Builds the heap bottom-up in O(n) (Floyd's method): cheaper than n pushes when a whole
   * routing state is indexed for the first time.
   *
   * @example const heap = new IndexedHeap((a, b) => a.seq < b.seq, { comparisons: 0 }, agents)
   */
  constructor(
    private readonly isBefore: (a: T, b: T) => boolean,
    readonly counter: Comparisons,
    initial: Iterable<T> = [],
  ) {
    for (const item of initial) {
      this.positions.set(item.agentId, this.items.length);
      this.items.push(item);
    }
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Number of items. */
  get size(): number {
    return this.items.length;
  }

  /** The first item in order, without removing it. O(1). */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Whether an item with this id is in the heap. O(1). */
  has(id: string): boolean {
    return this.positions.has(id);
  }

  /** The items in no particular order (for snapshots in tests). */
  values(): readonly T[] {
    return this.items;
  }

  /** Adds an item whose id is not in the heap yet. O(log n). */
  push(item: T): void {
    this.positions.set(item.agentId, this.items.length);
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  /** Removes the item with this id, if present. O(log n). */
  remove(id: string): void {
    const at = this.positions.get(id);
    if (at === undefined) return;
    const last = this.items.pop()!;
    this.positions.delete(id);
    if (at === this.items.length) return;
    this.items[at] = last;
    this.positions.set(last.agentId, at);
    this.resort(at);
  }

  /** Restores order after the key of the item with this id changed. O(log n). */
  update(id: string): void {
    const at = this.positions.get(id);
    if (at !== undefined) this.resort(at);
  }

  private resort(at: number): void {
    if (at > 0 && this.before(this.items[at]!, this.items[(at - 1) >> 1]!)) this.siftUp(at);
    else this.siftDown(at);
  }

  private before(a: T, b: T): boolean {
    this.counter.comparisons++;
    return this.isBefore(a, b);
  }

  private siftUp(start: number): void {
    let at = start;
    const item = this.items[at]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = this.items[parentAt]!;
      if (!this.before(item, parent)) break;
      this.place(parent, at);
      at = parentAt;
    }
    this.place(item, at);
  }

  private siftDown(start: number): void {
    let at = start;
    const item = this.items[at]!;
    const length = this.items.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(this.items[right]!, this.items[left]!) ? right : left;
      if (!this.before(this.items[child]!, item)) break;
      this.place(this.items[child]!, at);
      at = child;
    }
    this.place(item, at);
  }

  private place(item: T, at: number): void {
    this.items[at] = item;
    this.positions.set(item.agentId, at);
  }
}
