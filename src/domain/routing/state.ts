import type { Agent } from '../agent';
import type { AgentId, ConversationId, DepartmentId, WorkspaceId } from '../ids';
import type { IsoTime } from '../time';
import { byAgentId, byConversationId, entriesOf, lookup, type Buckets } from './buckets';

/**
 * How a queue picks among the agents who may take a conversation.
 * - `round-robin`: fair rotation; the agent whose last routed conversation is the oldest goes next.
 * - `least-busy`: the agent with the fewest open conversations; ties go to whoever was assigned
 *   longest ago.
 */
export type RoutingStrategy = 'round-robin' | 'least-busy';

/**
 * A queue's settings. `capacity` is how many open conversations an agent may hold at once
 * (`null`: no limit); `capacities` overrides it per agent (`null` there: no limit for that agent).
 * Capacity applies to both strategies.
 */
export type RoutingConfig = Readonly<{
  strategy: RoutingStrategy;
  capacity: number | null;
  capacities?: Readonly<Record<string, number | null>>;
}>;

/**
 * What the queue knows about one of its agents. An agent appears here exactly while it is a
 * member of the queue's department (or, for a workspace-wide queue, of any department): an agent
 * who leaves has its conversations requeued and its record dropped.
 */
export type RoutingMember = Readonly<{
  agentId: AgentId;
  active: boolean;
  online: boolean;
  /**
   * The agent's place in the rotation: the sequence number of its last routed conversation, or
   * the place it was given when it (re)joined the rotation. Smallest goes next.
   */
  lastAssignedSeq: number;
  /** Open conversations, in the order they were assigned. Read-only: members with none may share one frozen empty array. */
  conversationIds: readonly ConversationId[];
}>;

/** A conversation the queue is handling: waiting (`agentId: null`) or open with an agent. */
export type RoutedConversation = Readonly<{
  conversationId: ConversationId;
  /** 1 for the first conversation this queue ever routed, 2 for the next…: the arrival order. */
  arrival: number;
  routedAt: IsoTime;
  agentId: AgentId | null;
}>;

/**
 * One routing queue: a department's, or the workspace-wide one (`departmentId: null`, whose
 * members are the agents in any department). Plain readonly data that survives
 * `JSON.parse(JSON.stringify(state))`; the fold of its events from {@link emptyRoutingState}.
 * Closed conversations leave the state; `routed` and `closed` keep count so that
 * `routed = queue.length + open conversations + closed` can be checked.
 *
 * `members` and `conversations` are records keyed by id, kept in a small hash trie of arrays (see
 * {@link Buckets}) so that a command copies a few short arrays, not every agent of a large
 * department. Read them with {@link memberOf}, {@link membersOf}, {@link conversationOf} and
 * {@link conversationsOf}.
 *
 * @example
 * const sales = emptyRoutingState(workspaceId, departmentIdSchema.parse('dep_sales'))
 */
export type RoutingState = Readonly<{
  kind: 'routing';
  /** `<workspaceId>:<departmentId>`, or `<workspaceId>:workspace` for the workspace-wide queue. */
  id: string;
  workspaceId: WorkspaceId;
  departmentId: DepartmentId | null;
  config: RoutingConfig;
  members: Buckets<RoutingMember>;
  conversations: Buckets<RoutedConversation>;
  /** Waiting conversations, first to be served first. */
  queue: readonly ConversationId[];
  /** The last sequence number given to a routed assignment. */
  lastSequence: number;
  /** Conversations routed into this queue so far. */
  routed: number;
  /** Conversations closed so far. */
  closed: number;
}>;

/**
 * The settings a new queue starts with: round-robin, no capacity limit.
 *
 * @example emptyRoutingState(workspaceId, null).config === DEFAULT_ROUTING_CONFIG // true
 */
export const DEFAULT_ROUTING_CONFIG: RoutingConfig = { strategy: 'round-robin', capacity: null };

/**
 * The id a store keeps a queue under: one queue per department, and one for the whole workspace.
 *
 * @example routingStateId(workspaceId, null) // 'ws_…:workspace'
 */
export function routingStateId(workspaceId: WorkspaceId, departmentId: DepartmentId | null): string {
  return `${workspaceId}:${departmentId ?? 'workspace'}`;
}

/**
 * A queue with no agents and no conversations, before any of its events.
 *
 * @example const state = replayRouting(events, emptyRoutingState(workspaceId, null))
 */
export function emptyRoutingState(workspaceId: WorkspaceId, departmentId: DepartmentId | null): RoutingState {
  return {
    kind: 'routing',
    id: routingStateId(workspaceId, departmentId),
    workspaceId,
    departmentId,
    config: DEFAULT_ROUTING_CONFIG,
    members: [],
    conversations: [],
    queue: [],
    lastSequence: 0,
    routed: 0,
    closed: 0,
  };
}

/**
 * A member of a queue, by agent id; `undefined` when the agent is not a member. O(log n), a hash
 * and a few short arrays.
 *
 * @example memberOf(sales, 'agt_ana')?.conversationIds.length // open conversations of Ana in Sales
 */
export function memberOf(state: RoutingState, agentId: string): RoutingMember | undefined {
  return lookup(state.members, agentId, byAgentId);
}

/**
 * Every member of a queue, in no particular order. O(n).
 *
 * @example membersOf(sales).filter((m) => m.online).length
 */
export function membersOf(state: RoutingState): RoutingMember[] {
  return entriesOf(state.members);
}

/**
 * A waiting or open conversation, by id; `undefined` when the queue is not handling it. O(log n),
 * like {@link memberOf}.
 *
 * @example conversationOf(sales, 'conv_42')?.agentId // who has it, or null while it waits
 */
export function conversationOf(state: RoutingState, conversationId: string): RoutedConversation | undefined {
  return lookup(state.conversations, conversationId, byConversationId);
}

/**
 * Every waiting or open conversation of a queue, in no particular order. O(n).
 *
 * @example conversationsOf(sales).filter((c) => c.agentId === null).length // same as sales.queue.length
 */
export function conversationsOf(state: RoutingState): RoutedConversation[] {
  return entriesOf(state.conversations);
}

/**
 * How many open conversations an agent may hold in a queue with this config; `null` is no limit.
 *
 * @example capacityOf({ strategy: 'least-busy', capacity: 3, capacities: { agt_ana: 5 } }, 'agt_ana') // 5
 */
export function capacityOf(config: RoutingConfig, agentId: string): number | null {
  const overrides = config.capacities;
  if (overrides !== undefined && Object.hasOwn(overrides, agentId)) return overrides[agentId] ?? null;
  return config.capacity;
}

/**
 * Whether an agent with these departments belongs to a queue. The workspace-wide queue takes
 * agents in any department: an agent in no department receives no routed conversations.
 *
 * @example isQueueMember(null, []) // false
 */
export function isQueueMember(queueDepartmentId: DepartmentId | null, departmentIds: readonly DepartmentId[]): boolean {
  return queueDepartmentId === null ? departmentIds.length > 0 : departmentIds.includes(queueDepartmentId);
}

/**
 * Whether a roster agent may receive new conversations of a queue (capacity aside): active,
 * online, and a member.
 *
 * @example isEligibleForRouting(ana, salesId) // true when Ana is active, online and in Sales
 */
export function isEligibleForRouting(agent: Agent, queueDepartmentId: DepartmentId | null): boolean {
  return agent.status === 'active' && agent.availability === 'online' && isQueueMember(queueDepartmentId, agent.departmentIds);
}

/**
 * Whether a member of a queue may take one more conversation: active, online and under capacity.
 *
 * @example canTakeConversation(state, memberOf(state, 'agt_ana')!)
 */
export function canTakeConversation(state: RoutingState, member: RoutingMember): boolean {
  const capacity = capacityOf(state.config, member.agentId);
  return member.active && member.online && (capacity === null || member.conversationIds.length < capacity);
}
