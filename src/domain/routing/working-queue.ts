import type { ConversationId } from '../ids';

/**
 * A mutable copy of a queue while a command decides or a replay folds: taking the head is O(1)
 * (a moving start index instead of `Array#shift`), putting conversations back at the front reuses
 * the room the head left when it can. Internal: persisted queues are plain arrays.
 *
 * @internal
 */
export class WorkingQueue {
  private items: ConversationId[];
  private head = 0;

  constructor(initial: readonly ConversationId[]) {
    this.items = initial.slice();
  }

  /** Number of waiting conversations. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** The conversation served next. */
  first(): ConversationId | undefined {
    return this.items[this.head];
  }

  /** Adds an arrival at the back. */
  push(conversationId: ConversationId): void {
    this.items.push(conversationId);
  }

  /** Puts conversations at the front, keeping their order. */
  prepend(conversationIds: readonly ConversationId[]): void {
    if (conversationIds.length <= this.head) {
      this.head -= conversationIds.length;
      for (let i = 0; i < conversationIds.length; i++) this.items[this.head + i] = conversationIds[i]!;
    } else {
      this.items = [...conversationIds, ...this.items.slice(this.head)];
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
    const first = this.items[this.head];
    if (first === undefined || arrival(first) > arrival(conversationIds[conversationIds.length - 1]!)) return this.prepend(conversationIds);
    const front: ConversationId[] = [];
    let at = this.head;
    for (const c of conversationIds) {
      const a = arrival(c);
      while (at < this.items.length && arrival(this.items[at]!) < a) front.push(this.items[at++]!);
      front.push(c);
    }
    this.items = [...front, ...this.items.slice(at)];
    this.head = 0;
  }

  /** Removes one conversation wherever it waits: O(1) at the head, O(queue) elsewhere. */
  remove(conversationId: ConversationId): void {
    if (this.items[this.head] === conversationId) {
      this.head++;
      return;
    }
    const at = this.items.indexOf(conversationId, this.head);
    if (at >= 0) this.items.splice(at, 1);
  }

  /** The queue as a fresh array, first to be served first. */
  toArray(): ConversationId[] {
    return this.items.slice(this.head);
  }
}
