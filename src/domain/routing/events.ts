import type { AgentId, ConversationId, DepartmentId, WorkspaceId } from '../ids';
import type { IsoTime } from '../time';
import type { NoAgentReason } from './errors';
import type { RoutingConfig, RoutingStrategy } from './state';

/**
 * Routing events share the roster's envelope (`type`, `workspaceId`, `occurredAt`, `data`) and
 * each names its queue in `data.departmentId` (`null`: the workspace-wide queue), so one stream
 * can carry every queue of a workspace and {@link evolveRouting} picks out its own.
 *
 * @example type Closed = QueueEvent<'ConversationClosed', { conversationId: ConversationId; agentId: AgentId | null }>;
 */
export type QueueEvent<T extends string, D> = Readonly<{
  type: T;
  workspaceId: WorkspaceId;
  occurredAt: IsoTime;
  data: Readonly<{ departmentId: DepartmentId | null } & D>;
}>;

/** A conversation arrived and waits in the queue; `reason` says why nobody took it. */
export type ConversationQueued = QueueEvent<'ConversationQueued', { conversationId: ConversationId; reason: NoAgentReason }>;
/**
 * The strategy gave a conversation to an agent: a new arrival (`source: 'new'`) or the head of
 * the queue (`source: 'queue'`). `sequence` becomes the agent's place in the rotation.
 */
export type ConversationAssigned = QueueEvent<
  'ConversationAssigned',
  {
    conversationId: ConversationId;
    agentId: AgentId;
    source: 'new' | 'queue';
    strategy: RoutingStrategy;
    sequence: number;
  }
>;
/**
 * An agent could no longer keep its conversations, which went back to the front of the queue in
 * their original arrival order (as listed), ahead of conversations that never had an agent: each
 * before the first waiting conversation that arrived after it, so that conversations requeued
 * from several agents are still served oldest first.
 */
export type ConversationRequeued = QueueEvent<
  'ConversationRequeued',
  {
    agentId: AgentId;
    conversationIds: readonly ConversationId[];
    reason: 'agent-deactivated' | 'agent-left-department' | 'agent-deleted';
  }
>;
/**
 * A conversation ended, open with `agentId` or still waiting (`agentId: null`). `reason` is set
 * when routing closed it rather than a person: `'department-deleted'` when its queue went with its
 * department (route it again elsewhere if the chat goes on).
 */
export type ConversationClosed = QueueEvent<
  'ConversationClosed',
  { conversationId: ConversationId; agentId: AgentId | null; reason?: 'department-deleted' }
>;
/**
 * Someone moved a conversation by hand: from an agent or from the queue (`from: null`), to an
 * agent or back to the front of the queue (`to: null`). A transfer does not move the rotation.
 */
export type ConversationTransferred = QueueEvent<
  'ConversationTransferred',
  { conversationId: ConversationId; from: AgentId | null; to: AgentId | null }
>;
/**
 * The queue learnt an agent's current facts. `member: false` drops the agent from the queue.
 * `lastAssignedSeq` is its place in the rotation from now on.
 */
export type RoutingAgentSynced = QueueEvent<
  'RoutingAgentSynced',
  { agentId: AgentId; active: boolean; online: boolean; member: boolean; lastAssignedSeq: number }
>;
/** The queue's strategy or capacities changed; `config` is the whole new configuration. */
export type RoutingConfigured = QueueEvent<'RoutingConfigured', { config: RoutingConfig }>;

/** Every event of a routing queue. */
export type RoutingEvent =
  | ConversationQueued
  | ConversationAssigned
  | ConversationRequeued
  | ConversationClosed
  | ConversationTransferred
  | RoutingAgentSynced
  | RoutingConfigured;

/** The `type` of every {@link RoutingEvent}. */
export type RoutingEventType = RoutingEvent['type'];

/** The routing event of a given type. */
export type RoutingEventOf<T extends RoutingEventType> = Extract<RoutingEvent, { type: T }>;

/**
 * Builds a routing event for a queue; commands use it so envelopes are uniform.
 *
 * @example routingEvent('ConversationClosed', state, at, { conversationId, agentId: null })
 */
export function routingEvent<T extends RoutingEventType>(
  type: T,
  queue: Readonly<{ workspaceId: WorkspaceId; departmentId: DepartmentId | null }>,
  occurredAt: IsoTime,
  data: Omit<RoutingEventOf<T>['data'], 'departmentId'>,
): RoutingEventOf<T> {
  return { type, workspaceId: queue.workspaceId, occurredAt, data: { departmentId: queue.departmentId, ...data } } as unknown as RoutingEventOf<T>;
}
