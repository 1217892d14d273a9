import type { AgentId, ConversationId } from '../ids';
import { BucketsDraft, byAgentId, byConversationId } from './buckets';
import type { RoutingEvent } from './events';
import type { RoutedConversation, RoutingMember, RoutingState } from './state';
import { WorkingQueue } from './working-queue';

/**
 * The open conversations of a member who has none: one shared empty array. A member's record is
 * read again only at its next turn, which in a large queue is long after its last close; an empty
 * array made at that close would by then be a cache miss of its own (and one more object for the
 * collector to promote), this one never is. It is frozen, as states may be, and equal to `[]`.
 */
const NO_CONVERSATIONS: readonly ConversationId[] = /* @__PURE__ */ Object.freeze([]);

/**
 * Replays events onto a queue. Events of other workspaces or other queues are skipped, so a
 * workspace's whole routing stream can be folded into each of its queues.
 *
 * Records are copied on first write and only then: replaying k events costs O(k log n) plus one
 * copy of each array on the way to a record they touch (see `Buckets`) and of the queue, not one
 * copy per event. That is why commands fold their events here in one batch.
 *
 * @example const state = replayRouting(events, emptyRoutingState(workspaceId, salesId))
 */
export function replayRouting(events: Iterable<RoutingEvent>, from: RoutingState): RoutingState {
  const draft = new RoutingDraft(from);
  for (const e of events) {
    if (e.workspaceId === from.workspaceId && e.data.departmentId === from.departmentId) draft.apply(e);
  }
  return draft.result();
}

/**
 * Applies one event to a queue: `evolveRouting(state, e)` is `replayRouting([e], state)`.
 * Prefer {@link replayRouting} for many events; it copies each record once.
 *
 * @example const next = decision.events.reduce(evolveRouting, state)
 */
export function evolveRouting(state: RoutingState, e: RoutingEvent): RoutingState {
  return replayRouting([e], state);
}

/**
 * A queue being changed: {@link replayRouting} folds events into it, and commands decide on it,
 * so the state a command returns is by construction the fold of the events it returns.
 *
 * @internal
 */
export class RoutingDraft {
  private readonly members: BucketsDraft<RoutingMember>;
  private readonly conversations: BucketsDraft<RoutedConversation>;
  private queue: WorkingQueue | null = null;
  // The scalar fields as they stand now; `touched` says whether any of them changed.
  private currentConfig: RoutingState['config'];
  private lastSequence: number;
  private routed: number;
  private closed: number;
  private touched = false;
  // Open-conversation lists this draft made and nobody else has seen: adding to one is a push. An
  // agent draining a waiting line of k takes k conversations in one decision; copying its list
  // for each made that O(k²) (10,000 waiting: seconds). The last list made waits in a field, the
  // others in a Set made only when a decision copies a second list: a route copies one, and a
  // WeakSet made and filled per decision cost a route at 10 agents about a quarter more.
  private made: readonly ConversationId[] | undefined;
  private madeBefore: Set<readonly ConversationId[]> | undefined;

  constructor(private readonly base: RoutingState) {
    this.members = new BucketsDraft(base.members, byAgentId);
    this.conversations = new BucketsDraft(base.conversations, byConversationId);
    this.currentConfig = base.config;
    this.lastSequence = base.lastSequence;
    this.routed = base.routed;
    this.closed = base.closed;
  }

  apply(e: RoutingEvent): void {
    switch (e.type) {
      case 'ConversationQueued':
        this.arrive(e.data.conversationId, e.occurredAt, null);
        this.writableQueue().push(e.data.conversationId);
        return;
      case 'ConversationAssigned': {
        const { conversationId, agentId, source, sequence } = e.data;
        if (source === 'new') this.arrive(conversationId, e.occurredAt, agentId);
        else {
          this.writableQueue().remove(conversationId);
          this.setAgentOf(conversationId, agentId);
        }
        const m = this.member(agentId);
        if (m) this.setMember(m, sequence, this.adding(m, conversationId));
        this.lastSequence = Math.max(this.lastSequence, sequence);
        this.touched = true;
        return;
      }
      case 'ConversationClosed': {
        const { conversationId, agentId } = e.data;
        if (agentId === null) this.writableQueue().remove(conversationId);
        else this.release(agentId, [conversationId]);
        this.conversations.delete(conversationId);
        this.closed++;
        this.touched = true;
        return;
      }
      case 'ConversationTransferred': {
        const { conversationId, from, to } = e.data;
        if (from === null) this.writableQueue().remove(conversationId);
        else this.release(from, [conversationId]);
        if (to === null) this.writableQueue().prepend([conversationId]);
        else {
          const m = this.member(to);
          if (m) this.setMember(m, m.lastAssignedSeq, this.adding(m, conversationId));
        }
        this.setAgentOf(conversationId, to);
        return;
      }
      case 'ConversationRequeued': {
        const { agentId, conversationIds } = e.data;
        this.release(agentId, conversationIds);
        this.writableQueue().requeue(conversationIds, (c) => this.conversation(c)?.arrival ?? 0);
        for (const c of conversationIds) this.setAgentOf(c, null);
        return;
      }
      case 'RoutingAgentSynced': {
        const { agentId, active, online, member, lastAssignedSeq } = e.data;
        const current = this.member(agentId);
        const conversationIds = current?.conversationIds ?? NO_CONVERSATIONS;
        // A member who left keeps no record: its conversations were requeued by the event before.
        if (!member && conversationIds.length === 0) this.members.delete(agentId);
        else this.members.set(agentId, { agentId, active, online, lastAssignedSeq, conversationIds });
        return;
      }
      case 'RoutingConfigured':
        this.currentConfig = e.data.config;
        this.touched = true;
        return;
    }
  }

  result(): RoutingState {
    const base = this.base;
    // What it returns is published: no list of it may change after.
    this.made = this.madeBefore = undefined;
    if (!this.touched && !this.members.touched && !this.conversations.touched && this.queue === null) return base;
    // One literal rather than spreads: the state's shape stays the same object shape every time.
    return {
      kind: 'routing',
      id: base.id,
      workspaceId: base.workspaceId,
      departmentId: base.departmentId,
      config: this.currentConfig,
      members: this.members.result(),
      conversations: this.conversations.result(),
      queue: this.queue?.toArray() ?? base.queue,
      lastSequence: this.lastSequence,
      routed: this.routed,
      closed: this.closed,
    };
  }

  /** The queue's settings now. */
  get config(): RoutingState['config'] {
    return this.currentConfig;
  }

  /** Number of conversations waiting now. */
  get queueLength(): number {
    return this.queue?.length ?? this.base.queue.length;
  }

  /** The conversation to be served next. */
  firstWaiting(): ConversationId | undefined {
    return this.queue ? this.queue.first() : this.base.queue[0];
  }

  /** A conversation as it stands now. */
  conversation(conversationId: ConversationId): RoutedConversation | undefined {
    return this.conversations.get(conversationId);
  }

  private arrive(conversationId: ConversationId, routedAt: RoutedConversation['routedAt'], agentId: AgentId | null): void {
    const arrival = ++this.routed;
    this.touched = true;
    this.conversations.set(conversationId, { conversationId, arrival, routedAt, agentId });
  }

  private setAgentOf(conversationId: ConversationId, agentId: AgentId | null): void {
    const conversation = this.conversation(conversationId);
    if (conversation) {
      const { arrival, routedAt } = conversation;
      this.conversations.set(conversationId, { conversationId, arrival, routedAt, agentId });
    }
  }

  private release(agentId: AgentId, conversationIds: readonly ConversationId[]): void {
    const m = this.member(agentId);
    if (!m) return;
    // One conversation (a close, a transfer) is the common case; a Set is for a whole requeue.
    const [only] = conversationIds;
    const many = conversationIds.length > 1 ? new Set<string>(conversationIds) : null;
    const left = m.conversationIds.filter((c) => (many ? !many.has(c) : c !== only));
    this.setMember(m, m.lastAssignedSeq, left.length === 0 ? NO_CONVERSATIONS : left);
  }

  /** A member's open conversations with one more: its own list when this draft made it, else a copy. */
  private adding(m: RoutingMember, conversationId: ConversationId): readonly ConversationId[] {
    const ids = m.conversationIds;
    if (ids === this.made || this.madeBefore?.has(ids)) {
      (ids as ConversationId[]).push(conversationId);
      return ids;
    }
    if (this.made) (this.madeBefore ??= new Set()).add(this.made);
    return (this.made = [...ids, conversationId]);
  }

  /** A member as it stands now. */
  member(agentId: AgentId): RoutingMember | undefined {
    return this.members.get(agentId);
  }

  /**
   * Writes a member's record with a new rotation place and open conversations, as one literal in
   * the field order every member record has (spreading the old record costs several times more).
   */
  private setMember(m: RoutingMember, lastAssignedSeq: number, conversationIds: readonly ConversationId[]): void {
    this.members.set(m.agentId, { agentId: m.agentId, active: m.active, online: m.online, lastAssignedSeq, conversationIds });
  }

  private writableQueue(): WorkingQueue {
    return (this.queue ??= new WorkingQueue(this.base.queue));
  }
}
