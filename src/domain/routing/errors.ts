import type { ValidationFailed } from '../errors';
import type { AgentId, ConversationId } from '../ids';

/**
 * The shape every routing error shares, like the roster's {@link DomainFailure}: a stable `type`
 * to switch on, the data a UI needs, and an English `message`.
 *
 * @example const e: RoutingFailure<'ConversationNotFound', { conversationId: ConversationId }> = routingFail.conversationNotFound(id);
 */
export type RoutingFailure<T extends string, D = object> = Readonly<{ type: T; message: string } & D>;

/**
 * Why nobody could take a conversation right now:
 * - `department-empty`: the queue has no members (nobody in the department, or in any department
 *   for the workspace-wide queue);
 * - `nobody-online`: it has members, but none is active and online;
 * - `everybody-at-capacity`: someone is online, but every such agent holds as many open
 *   conversations as its capacity allows.
 */
export type NoAgentReason = 'department-empty' | 'nobody-online' | 'everybody-at-capacity';

/**
 * Not an error: the answer that comes with a conversation that has to wait, saying why, so a
 * widget can tell the visitor ("all our agents are busy") and a dashboard can tell the admin.
 */
export interface NoAgentAvailable extends Readonly<{ type: 'NoAgentAvailable'; reason: NoAgentReason; message: string }> {}

/** A conversation this queue is not handling (never routed here, or already closed). */
export interface ConversationNotFound extends RoutingFailure<'ConversationNotFound', { conversationId: ConversationId }> {}
/** The conversation is already waiting or open in this queue. */
export interface ConversationAlreadyRouted extends RoutingFailure<
  'ConversationAlreadyRouted',
  { conversationId: ConversationId; agentId: AgentId | null }
> {}
/**
 * Why an agent cannot take a transferred conversation: not a member of the queue (or never
 * synced into it), inactive, away, or already at capacity.
 */
export type NotEligibleReason = 'not-a-member' | 'inactive' | 'away' | 'at-capacity';
/** A transfer named an agent who may not take the conversation; `reason` says why. */
export interface AgentNotEligible extends RoutingFailure<'AgentNotEligible', { agentId: AgentId; reason: NotEligibleReason }> {}

/**
 * A new conversation found {@link MAX_WAITING} already waiting in the queue: it is not routed,
 * and nothing changes. A chat widget shows its offline form, as live-chat products do when
 * their queue is full.
 */
export interface WaitingLineFull extends RoutingFailure<'WaitingLineFull', { waiting: number }> {}

/**
 * How many conversations may wait in one queue before a new one is refused
 * ({@link WaitingLineFull}). Conversations put back in line (their agent was deactivated, left
 * the department or was deleted, or a transfer sent them back) are never refused, so the line may hold more. The line is
 * one array in the queue's state, copied by each route that changes it: the bound keeps that copy
 * (10,000 ids: about 0.1 ms in memory) within what V8 allocates cheaply.
 */
export const MAX_WAITING = 10_000;

/** Every error a routing command can return. */
export type RoutingError = ValidationFailed | ConversationNotFound | ConversationAlreadyRouted | AgentNotEligible | WaitingLineFull;

/**
 * Builders keep the words of each answer in one place, so every surface shows the same message.
 *
 * @example routingFail.agentNotEligible(bobId, 'away').message // 'Agent agt_bob is away. Only online agents take new conversations.'
 */
export const routingFail = {
  /**
   * The conversation is not waiting or open in this queue.
   *
   * @example routingFail.conversationNotFound(conversationId)
   */
  conversationNotFound: (conversationId: ConversationId): ConversationNotFound => ({
    type: 'ConversationNotFound',
    conversationId,
    message: `Conversation ${conversationId} is not waiting or open in this queue.`,
  }),
  /**
   * The conversation is already in this queue; `agentId` is who has it, `null` while it waits.
   *
   * @example routingFail.conversationAlreadyRouted(conversationId, null)
   */
  conversationAlreadyRouted: (conversationId: ConversationId, agentId: AgentId | null): ConversationAlreadyRouted => ({
    type: 'ConversationAlreadyRouted',
    conversationId,
    agentId,
    message:
      agentId === null
        ? `Conversation ${conversationId} is already waiting in this queue.`
        : `Conversation ${conversationId} is already open with agent ${agentId}.`,
  }),
  /**
   * A transfer named an agent who may not take the conversation; the message says why.
   *
   * @example routingFail.agentNotEligible(agentId, 'at-capacity')
   */
  agentNotEligible: (agentId: AgentId, reason: NotEligibleReason): AgentNotEligible => ({
    type: 'AgentNotEligible',
    agentId,
    reason,
    message: {
      'not-a-member': `Agent ${agentId} is not a member of this queue, so it cannot take its conversations.`,
      inactive: `Agent ${agentId} is inactive and cannot chat. Activate the agent first.`,
      away: `Agent ${agentId} is away. Only online agents take new conversations.`,
      'at-capacity': `Agent ${agentId} already has as many open conversations as its capacity allows.`,
    }[reason],
  }),
  /**
   * The queue already has `waiting` conversations waiting, {@link MAX_WAITING} or more.
   *
   * @example routingFail.waitingLineFull(10_000).message
   */
  waitingLineFull: (waiting: number): WaitingLineFull => ({
    type: 'WaitingLineFull',
    waiting,
    message: `${waiting} conversations are already waiting in this queue, so no more are taken until some are served or closed.`,
  }),
  /**
   * Not an error: why a conversation waits, worded for a visitor-facing widget or a dashboard.
   * `queue` says whose queue it is: a department's, or the workspace-wide one, whose members are
   * the agents in any department (so "this department" would name nothing).
   *
   * @example routingFail.noAgentAvailable('nobody-online')
   * @example routingFail.noAgentAvailable('department-empty', 'workspace-wide').message // 'Nobody is in any department yet, …'
   */
  noAgentAvailable: (reason: NoAgentReason, queue: 'department' | 'workspace-wide' = 'department'): NoAgentAvailable => ({
    type: 'NoAgentAvailable',
    reason,
    message: (queue === 'workspace-wide'
      ? {
          'department-empty':
            'Nobody is in any department yet, so the conversation waits. Assign agents to a department: the workspace-wide queue routes to agents who are in one.',
          'nobody-online': 'No agent in any department is online, so the conversation waits for the first one who is.',
          'everybody-at-capacity': 'Every online agent is at capacity, so the conversation waits for a free slot.',
        }
      : {
          'department-empty': 'Nobody is in this department yet, so the conversation waits. Assign agents to the department.',
          'nobody-online': 'No agent of this department is online, so the conversation waits for the first one who is.',
          'everybody-at-capacity': 'Every online agent of this department is at capacity, so the conversation waits for a free slot.',
        })[reason],
  }),
};
