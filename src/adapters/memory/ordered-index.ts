/**
 * A min-heap of items addressed by a string key, so one item can be replaced or removed in
 * O(log n) and the smallest ones read in order without taking them out. The in-memory store keeps
 * one next to its rows wherever a use case asks for "the first few, oldest first" (lapsed
 * invitations, due outbox messages): answering from an index costs the same at 10 rows as at
 * 100,000, where a scan of the rows grows with every agent a workspace ever had.
 *
 * @example
 * const byDue = new OrderedIndex<{ id: string; due: number }>((m) => m.id, (a, b) => a.due < b.due);
 * byDue.set({ id: 'msg_1', due: 5 });
 * byDue.firstWhile(10, (m) => m.due <= now) // the due ones, earliest first
 */
export class OrderedIndex<T> {
  readonly #items: T[] = [];
  readonly #at = new Map<string, number>();

  /**
   * @param keyOf the key an item is addressed by; one item per key.
   * @param before a strict order: whether `a` comes before `b`. Make it total (break ties, by id
   *   say), so that equal keys come out in the same order every time.
   */
  constructor(
    readonly keyOf: (item: T) => string,
    readonly before: (a: T, b: T) => boolean,
  ) {}

  /** How many items the index holds. */
  get size(): number {
    return this.#items.length;
  }

  /** The item held under `key`, if any. */
  get(key: string): T | undefined {
    const n = this.#at.get(key);
    return n === undefined ? undefined : this.#items[n];
  }

  /** The first item in order, if any. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item, replacing the one held under the same key. */
  set(item: T): void {
    this.delete(this.keyOf(item));
    this.#items.push(item);
    this.#at.set(this.keyOf(item), this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  /** Removes the item held under `key`; whether there was one. */
  delete(key: string): boolean {
    const n = this.#at.get(key);
    if (n === undefined) return false;
    this.#at.delete(key);
    const last = this.#items.pop()!;
    if (n < this.#items.length) {
      this.#place(last, n);
      this.#down(n);
      this.#up(n);
    }
    return true;
  }

  /**
   * The first items in order, at most `limit`, while `within` holds — it must hold for a prefix
   * of the order and fail for the rest (`due <= now`, say) — skipping those `take` refuses.
   * Reads O(k log k) for the k items it looks at; changes nothing, so the caller may change the
   * index with what it got.
   */
  firstWhile(limit: number, within: (item: T) => boolean, take: (item: T) => boolean = () => true): T[] {
    const out: T[] = [];
    if (limit <= 0 || this.#items.length === 0) return out;
    // A second, small heap of positions in this one: the frontier of the walk in order. A
    // position's children are only pushed once it is popped, so the walk stops at the first
    // item outside `within` and never looks at anything after it.
    const frontier: number[] = [0];
    const less = (a: number, b: number) => this.before(this.#items[a]!, this.#items[b]!);
    while (frontier.length > 0 && out.length < limit) {
      const n = frontier[0]!;
      const last = frontier.pop()!;
      if (frontier.length > 0) {
        frontier[0] = last;
        siftDown(frontier, 0, less);
      }
      const item = this.#items[n]!;
      if (!within(item)) continue;
      if (take(item)) out.push(item);
      for (const child of [2 * n + 1, 2 * n + 2]) {
        if (child < this.#items.length) {
          frontier.push(child);
          siftUp(frontier, frontier.length - 1, less);
        }
      }
    }
    return out;
  }

  #place(item: T, n: number): void {
    this.#items[n] = item;
    this.#at.set(this.keyOf(item), n);
  }

  #up(n: number): void {
    const item = this.#items[n]!;
    while (n > 0) {
      const parent = (n - 1) >> 1;
      const above = this.#items[parent]!;
      if (!this.before(item, above)) break;
      this.#place(above, n);
      n = parent;
    }
    this.#place(item, n);
  }

  #down(n: number): void {
    const item = this.#items[n]!;
    const size = this.#items.length;
    for (;;) {
      let child = 2 * n + 1;
      if (child >= size) break;
      if (child + 1 < size && this.before(this.#items[child + 1]!, this.#items[child]!)) child++;
      const below = this.#items[child]!;
      if (!this.before(below, item)) break;
      this.#place(below, n);
      n = child;
    }
    this.#place(item, n);
  }
}

function siftUp(heap: number[], n: number, less: (a: number, b: number) => boolean): void {
  const value = heap[n]!;
  while (n > 0) {
    const parent = (n - 1) >> 1;
    if (!less(value, heap[parent]!)) break;
    heap[n] = heap[parent]!;
    n = parent;
  }
  heap[n] = value;
}

function siftDown(heap: number[], n: number, less: (a: number, b: number) => boolean): void {
  const value = heap[n]!;
  for (;;) {
    let child = 2 * n + 1;
    if (child >= heap.length) break;
    if (child + 1 < heap.length && less(heap[child + 1]!, heap[child]!)) child++;
    if (!less(heap[child]!, value)) break;
    heap[n] = heap[child]!;
    n = child;
  }
  heap[n] = value;
}
