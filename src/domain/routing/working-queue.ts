import type { ConversationId } from '../ids';

/**
 * A queue while a command decides or a replay folds. It copies the line once, when the new state
 * is made: until a change in the middle needs its own copy, it reads the state's line where it
 * is, takes the head by moving a start index (not `Array#shift`), and keeps arrivals apart. So a
 * route that queues, or serves the first in line, copies the line once rather than twice; the
 * line being plain data in the state, one copy per change is the least. Putting conversations
 * back at the front reuses the room the head left when it can. Internal: persisted queues are
 * plain arrays.
 *
 * @internal
 */
export class WorkingQueue {
  /** The line from `head` on: the state's own array, read-only, until {@link own} copies it. */
  private items: readonly ConversationId[];
  private owned = false;
  private head = 0;
  /** Arrivals at the back, while `items` is still the state's. */
  private arrivals: ConversationId[] = [];

  constructor(initial: readonly ConversationId[]) {
    this.items = initial;
  }

  /** Number of waiting conversations. */
  get length(): number {
    return this.items.length - this.head + this.arrivals.length;
  }

  /** The conversation served next. */
  first(): ConversationId | undefined {
    return this.head < this.items.length ? this.items[this.head] : this.arrivals[0];
  }

  /** Adds an arrival at the back. */
  push(conversationId: ConversationId): void {
    if (this.owned) (this.items as ConversationId[]).push(conversationId);
    else this.arrivals.push(conversationId);
  }

  /** Puts conversations at the front, keeping their order. */
  prepend(conversationIds: readonly ConversationId[]): void {
    const items = this.own();
    if (conversationIds.length <= this.head) {
      this.head -= conversationIds.length;
      for (let i = 0; i < conversationIds.length; i++) items[this.head + i] = conversationIds[i]!;
    } else {
      this.items = [...conversationIds, ...items.slice(this.head)];
      this.head = 0;
    }
  }

  /**
   * Puts conversations that had an agent back in line, each ahead of the first waiting one that
   * arrived after it, so that requeues one after another keep the line first come, first served
   * (conversations that never had an agent arrived later, and stay behind). `conversationIds`
   * are in arrival order; only the front of the line up to where the last of them goes is walked.
   */
  requeue(conversationIds: readonly ConversationId[], arrival: (c: ConversationId) => number): void {
    const items = this.own();
    const first = items[this.head];
    if (first === undefined || arrival(first) > arrival(conversationIds[conversationIds.length - 1]!)) return this.prepend(conversationIds);
    const front: ConversationId[] = [];
    let at = this.head;
    for (const c of conversationIds) {
      const a = arrival(c);
      while (at < items.length && arrival(items[at]!) < a) front.push(items[at++]!);
      front.push(c);
    }
    this.items = [...front, ...items.slice(at)];
    this.head = 0;
  }

  /** Removes one conversation wherever it waits: O(1) at the head, O(queue) elsewhere. */
  remove(conversationId: ConversationId): void {
    if (this.head < this.items.length && this.items[this.head] === conversationId) {
      this.head++;
      return;
    }
    const items = this.own();
    const at = items.indexOf(conversationId, this.head);
    if (at >= 0) items.splice(at, 1);
  }

  /**
   * The queue as a fresh array, first to be served first. `Array.from`, not `slice`: a stored
   * line is frozen (the in-memory store freezes what it keeps), and V8 (Node 20) copies a frozen
   * array through `slice` some 70 times slower than through `Array.from` (8,000 ids: 247 µs
   * against 3.2 µs), which made each route into a long line cost half a millisecond.
   */
  toArray(): ConversationId[] {
    const line = Array.from(this.items);
    if (this.head > 0) line.splice(0, this.head);
    for (const c of this.arrivals) line.push(c);
    return line;
  }

  /** The line as an array of this queue's own, arrivals included, to change in place. */
  private own(): ConversationId[] {
    if (!this.owned) {
      this.items = this.toArray();
      this.head = 0;
      this.arrivals = [];
      this.owned = true;
    }
    return this.items as ConversationId[];
  }
}
