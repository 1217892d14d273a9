import type { AgentId, ConversationId } from '../ids';
import { isoTime, type IsoTime } from '../time';
import { takeIndex, keepIndex, type RoutingIndex } from './agent-index';
import type { RoutingEvent, RoutingEventOf, RoutingEventType } from './events';
import { RoutingDraft } from './evolve';
import type { RoutingState } from './state';

/** What a successful routing command decided: the queue's new state and the events that explain it. */
export type RoutingDecision = Readonly<{ state: RoutingState; events: readonly RoutingEvent[] }>;

/** Facts every routing command gets from its caller. */
export type RoutingContext = Readonly<{ now: Date }>;

/**
 * The working side of a routing command. Each event it emits is applied at once to a draft of
 * the state (the same fold as {@link replayRouting}) and to the agent index, so later choices in
 * the same command (draining several conversations, say) see the earlier ones. Commands create a
 * decider only after every check that can fail has passed: a decider takes the state's index,
 * and must end with {@link Decider.finish}.
 *
 * @internal
 */
export class Decider {
  readonly index: RoutingIndex;
  readonly draft: RoutingDraft;
  private readonly events: RoutingEvent[] = [];
  private readonly at: IsoTime;
  private sequence: number;

  constructor(
    private readonly state: RoutingState,
    context: RoutingContext,
  ) {
    this.at = isoTime(context.now);
    this.index = takeIndex(state);
    this.draft = new RoutingDraft(state);
    this.sequence = state.lastSequence;
  }

  /**
   * Records an event and applies it. `data` is given whole, the queue's `departmentId` first:
   * building it as one literal costs a seventh of spreading the fields into a new object, and a
   * route is only a few events.
   */
  emit<T extends RoutingEventType>(type: T, data: RoutingEventOf<T>['data']): void {
    const e = { type, workspaceId: this.state.workspaceId, occurredAt: this.at, data } as RoutingEventOf<T>;
    this.events.push(e);
    this.draft.apply(e);
    this.index.apply(e);
  }

  /** Gives a conversation to an agent the strategy picked, moving the agent to the back of the rotation. */
  assign(conversationId: ConversationId, agentId: AgentId, source: 'new' | 'queue'): void {
    this.sequence += 1;
    this.emit('ConversationAssigned', {
      departmentId: this.state.departmentId,
      conversationId,
      agentId,
      source,
      strategy: this.draft.config.strategy,
      sequence: this.sequence,
    });
  }

  /**
   * Serves waiting conversations, first in line first, while anyone can take one. Every decision
   * ends here, so a queue never holds a conversation that an agent had room for. O(k log n) for
   * k conversations served; O(1) when nothing can move.
   */
  private drain(): void {
    for (;;) {
      const conversationId = this.draft.firstWaiting();
      if (conversationId === undefined) return;
      const agent = this.index.pick();
      if (!agent) return;
      this.assign(conversationId, agent.agentId, 'queue');
    }
  }

  /** Drains the queue and returns the decision; the index is filed under the new state. */
  finish(): RoutingDecision {
    this.drain();
    const state = this.draft.result();
    keepIndex(state, this.index);
    return { state, events: this.events };
  }
}
