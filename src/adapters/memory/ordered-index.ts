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
 * byDue.firstWhile(10, (m) => m.due <= Date.now()) // the due ones, earliest first
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
   * Looks only at the items it returns, those `take` refuses and one more, whatever the size of
   * the index; changes nothing, so the caller may change the index with what it got.
   */
  firstWhile(limit: number, within: (item: T) => boolean, take: (item: T) => boolean = () => true): T[] {
    const out: T[] = [];
    if (limit <= 0 || this.#items.length === 0) return out;
    // The frontier of the walk: positions in the heap whose parents were taken, itself a small
    // min-heap of positions (it holds at most k + 1 of them). A position's children join only
    // once it is taken, so the walk stops at the first item outside `within` and never looks past
    // it: O(k log k) for k items looked at.
    const frontier = new PositionHeap((a, b) => this.before(this.#items[a]!, this.#items[b]!));
    frontier.push(0);
    while (frontier.size > 0 && out.length < limit) {
      const n = frontier.pop();
      const item = this.#items[n]!;
      if (!within(item)) break;
      if (take(item)) out.push(item);
      if (2 * n + 1 < this.#items.length) frontier.push(2 * n + 1);
      if (2 * n + 2 < this.#items.length) frontier.push(2 * n + 2);
    }
    return out;
  }

  /**
   * Every item for which `within` holds, in no particular order; `within` must hold for a prefix
   * of the order (as for {@link firstWhile}). Looks only at those items and the children of the
   * last ones, whatever the size of the index: an item outside `within` ends its branch of the heap.
   */
  everyWhile(within: (item: T) => boolean): T[] {
    const out: T[] = [];
    const stack = this.#items.length > 0 ? [0] : [];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const item = this.#items[n];
      if (item === undefined || !within(item)) continue;
      out.push(item);
      stack.push(2 * n + 1, 2 * n + 2);
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

/** A plain binary min-heap of numbers under an order: the frontier of {@link OrderedIndex.firstWhile}. */
class PositionHeap {
  readonly #heap: number[] = [];
  constructor(readonly before: (a: number, b: number) => boolean) {}

  get size(): number {
    return this.#heap.length;
  }

  push(value: number): void {
    const heap = this.#heap;
    let n = heap.push(value) - 1;
    while (n > 0) {
      const parent = (n - 1) >> 1;
      if (!this.before(value, heap[parent]!)) break;
      heap[n] = heap[parent]!;
      n = parent;
    }
    heap[n] = value;
  }

  /** Takes the smallest; the heap must not be empty. */
  pop(): number {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let n = 0;
    for (;;) {
      let child = 2 * n + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, last)) break;
      heap[n] = heap[child]!;
      n = child;
    }
    heap[n] = last;
    return top;
  }
}
