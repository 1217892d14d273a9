import type { AgentId, ConversationId } from '../ids';
import { BucketsDraft } from './buckets';
import type { RoutingEvent } from './events';
import type { RoutedConversation, RoutingMember, RoutingState } from './state';
import { WorkingQueue } from './working-queue';

/**
 * Replays events onto a queue. Events of other workspaces or other queues are skipped, so a
 * workspace's whole routing stream can be folded into each of its queues.
 *
 * Records are copied on first write and only then: replaying k events costs O(k) plus one copy
 * of each bucket (see `Buckets`) and of the queue that the events touch, not one copy per event.
 * That is why commands fold their events here in one batch.
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
  private changed: { config?: RoutingState['config']; lastSequence?: number; routed?: number; closed?: number } = {};

  constructor(private readonly base: RoutingState) {
    this.members = new BucketsDraft(base.members);
    this.conversations = new BucketsDraft(base.conversations);
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
        this.updateMember(agentId, (m) => ({ ...m, lastAssignedSeq: sequence, conversationIds: [...m.conversationIds, conversationId] }));
        this.changed.lastSequence = Math.max(this.read('lastSequence'), sequence);
        return;
      }
      case 'ConversationClosed': {
        const { conversationId, agentId } = e.data;
        if (agentId === null) this.writableQueue().remove(conversationId);
        else this.release(agentId, [conversationId]);
        this.conversations.delete(conversationId);
        this.changed.closed = this.read('closed') + 1;
        return;
      }
      case 'ConversationTransferred': {
        const { conversationId, from, to } = e.data;
        if (from === null) this.writableQueue().remove(conversationId);
        else this.release(from, [conversationId]);
        if (to === null) this.writableQueue().prepend([conversationId]);
        else this.updateMember(to, (m) => ({ ...m, conversationIds: [...m.conversationIds, conversationId] }));
        this.setAgentOf(conversationId, to);
        return;
      }
      case 'ConversationRequeued': {
        const { agentId, conversationIds } = e.data;
        this.release(agentId, conversationIds);
        this.writableQueue().prepend(conversationIds);
        for (const c of conversationIds) this.setAgentOf(c, null);
        return;
      }
      case 'RoutingAgentSynced': {
        const { agentId, active, online, member, lastAssignedSeq } = e.data;
        const current = this.member(agentId);
        const conversationIds = current?.conversationIds ?? [];
        // A member who left keeps no record: its conversations were requeued by the event before.
        if (!member && conversationIds.length === 0) this.members.delete(agentId);
        else this.members.set(agentId, { agentId, active, online, lastAssignedSeq, conversationIds });
        return;
      }
      case 'RoutingConfigured':
        this.changed.config = e.data.config;
        return;
    }
  }

  result(): RoutingState {
    const touched = this.members.touched || this.conversations.touched || this.queue !== null || Object.keys(this.changed).length > 0;
    if (!touched) return this.base;
    return {
      ...this.base,
      ...this.changed,
      members: this.members.result(),
      conversations: this.conversations.result(),
      queue: this.queue?.toArray() ?? this.base.queue,
    };
  }

  /** The queue's settings now. */
  get config(): RoutingState['config'] {
    return this.changed.config ?? this.base.config;
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

  private read<K extends 'lastSequence' | 'routed' | 'closed'>(key: K): number {
    return this.changed[key] ?? this.base[key];
  }

  private arrive(conversationId: ConversationId, routedAt: RoutedConversation['routedAt'], agentId: AgentId | null): void {
    const arrival = this.read('routed') + 1;
    this.changed.routed = arrival;
    this.conversations.set(conversationId, { conversationId, arrival, routedAt, agentId });
  }

  private setAgentOf(conversationId: ConversationId, agentId: AgentId | null): void {
    const conversation = this.conversation(conversationId);
    if (conversation) this.conversations.set(conversationId, { ...conversation, agentId });
  }

  private release(agentId: AgentId, conversationIds: readonly ConversationId[]): void {
    const leaving = new Set<string>(conversationIds);
    this.updateMember(agentId, (m) => ({ ...m, conversationIds: m.conversationIds.filter((c) => !leaving.has(c)) }));
  }

  /** A member as it stands now. */
  member(agentId: AgentId): RoutingMember | undefined {
    return this.members.get(agentId);
  }

  private updateMember(agentId: AgentId, change: (m: RoutingMember) => RoutingMember): void {
    const current = this.member(agentId);
    if (current) this.members.set(agentId, change(current));
  }

  private writableQueue(): WorkingQueue {
    return (this.queue ??= new WorkingQueue(this.base.queue));
  }
}
