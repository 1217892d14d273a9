import { err, ok, type Result } from 'neverthrow';
import { parseInput, unreadableInput } from '../command';
import type { ValidationFailed } from '../errors';
import type { AgentId, ConversationId } from '../ids';
import { Decider, type RoutingContext, type RoutingDecision } from './decider';
import {
  MAX_WAITING,
  routingFail,
  type AgentNotEligible,
  type ConversationAlreadyRouted,
  type ConversationNotFound,
  type NoAgentAvailable,
  type NotEligibleReason,
  type WaitingLineFull,
} from './errors';
import {
  closeConversationSchema,
  routeConversationSchema,
  transferConversationSchema,
  type CloseConversationInput,
  type RouteConversationInput,
  type TransferConversationInput,
} from './schemas';
import { capacityOf, conversationOf, conversationsOf, memberOf, type RoutingState } from './state';

/** Where a routed conversation went: to an agent, or into the queue, with why it waits. */
export type RouteOutcome =
  | Readonly<{ type: 'Assigned'; agentId: AgentId }>
  | Readonly<{ type: 'Queued'; position: number; why: NoAgentAvailable }>;

/** The decision of {@link routeConversation}, with its outcome spelt out. */
export type RouteDecision = RoutingDecision & Readonly<{ outcome: RouteOutcome }>;

/** Errors of {@link routeConversation}. */
export type RouteConversationError = ValidationFailed | ConversationAlreadyRouted | WaitingLineFull;

/**
 * Routes a new conversation: the strategy gives it to an agent who is active, online, a member
 * of the queue and under capacity, or it waits at the back of the queue. Waiting is a success:
 * the outcome says why (`department-empty`, `nobody-online`, `everybody-at-capacity`).
 * A conversation closed earlier may be routed again (a reopened chat). With
 * {@link MAX_WAITING} already waiting, a new one is refused (`WaitingLineFull`).
 *
 * Cost: with a warm index (see `RoutingIndex`), O(1) to pick and, for round-robin, to move the
 * agent to the back (least-busy: O(log n)); plus copying the few short arrays on the way to each
 * record the events touch (O(log n)) and, when it has to wait, the waiting list.
 *
 * @example
 * routeConversation(sales, { conversationId: 'conv_42' }, { now }).map((d) => d.outcome)
 * // { type: 'Assigned', agentId: 'agt_ana' } or { type: 'Queued', position: 3, why: { type: 'NoAgentAvailable', reason: 'nobody-online', … } }
 */
export function routeConversation(
  state: RoutingState,
  input: RouteConversationInput,
  context: RoutingContext,
): Result<RouteDecision, RouteConversationError> {
  const conversationId = conversationTarget(input, routeConversationSchema);
  if (typeof conversationId !== 'string') return err(conversationId);
  const existing = conversationOf(state, conversationId);
  if (existing) return err(routingFail.conversationAlreadyRouted(conversationId, existing.agentId));
  // With anyone waiting the newcomer would queue (below), so a full line refuses it.
  if (state.queue.length >= MAX_WAITING) return err(routingFail.waitingLineFull(state.queue.length));
  const decider = new Decider(state, context);
  // Nobody jumps the line: with anyone waiting, the newcomer queues behind them.
  const agent = decider.draft.queueLength === 0 ? decider.index.pick() : undefined;
  if (agent) {
    decider.assign(conversationId, agent.agentId, 'new');
    const { state: next, events } = decider.finish();
    return ok({ state: next, events, outcome: { type: 'Assigned', agentId: agent.agentId } as const });
  }
  const reason = decider.index.whyNobody();
  decider.emit('ConversationQueued', { departmentId: state.departmentId, conversationId, reason });
  const decision = decider.finish();
  const routed = conversationOf(decision.state, conversationId);
  const why = routingFail.noAgentAvailable(reason, state.departmentId === null ? 'workspace-wide' : 'department');
  const outcome: RouteOutcome =
    routed?.agentId != null
      ? { type: 'Assigned', agentId: routed.agentId }
      : { type: 'Queued', position: decision.state.queue.lastIndexOf(conversationId) + 1, why };
  return ok({ state: decision.state, events: decision.events, outcome });
}

// `conversationIdSchema`'s pattern, for the fast path below; a property test checks that every
// input the fast path takes, zod's schema takes too, with the same result.
const CONVERSATION_ID = /^conv_[A-Za-z0-9_-]{1,64}$/;

/**
 * The conversation id of a `{ conversationId }` input, or why the input is refused.
 *
 * The common input — a plain object (not an array) whose one own enumerable key is
 * `conversationId`, holding a well-formed id — is recognised without zod: reading its keys and one
 * property and testing the id's pattern costs about 50 ns, where `parseInput` (the
 * prototype-safe copy, then the schema's parse) took about 0.3 µs, a fifth of a whole route at 10
 * agents. It is exactly what the schema accepts for such an input, read the way `parseInput`
 * reads it (own enumerable keys, each property read once), so the answer is the same.
 *
 * Every property is read at most once, here as in `parseInput`: when the one key holds something
 * else than a well-formed id, `parseInput` gets the value already read (so a getter cannot show
 * the fast path one value and zod another), and when reading throws (a Proxy, a getter) the input
 * is refused as unreadable, as `parseInput` refuses it, without a second read. Any other shape —
 * a missing or extra key, an array — goes through `parseInput`, which gives the `ValidationFailed`
 * with its field.
 */
function conversationTarget(input: unknown, schema: typeof routeConversationSchema): ConversationId | ValidationFailed {
  let target: unknown = input;
  try {
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
      const keys = Object.keys(input);
      if (keys.length === 1 && keys[0] === 'conversationId') {
        const id = (input as { conversationId: unknown }).conversationId;
        if (typeof id === 'string' && CONVERSATION_ID.test(id)) return id as ConversationId;
        target = { conversationId: id };
      }
    }
  } catch {
    return unreadableInput();
  }
  const parsed = parseInput(schema, target);
  return parsed.isOk() ? parsed.value.conversationId : parsed.error;
}

/** Errors of {@link closeConversation}. */
export type CloseConversationError = ValidationFailed | ConversationNotFound;

/**
 * Closes a conversation, open with an agent or still waiting (the visitor left). Closing an open
 * one frees a slot of the agent's capacity, so the first waiting conversation may be served.
 *
 * Cost: O(log n), plus O(waiting) when the closed conversation was waiting.
 *
 * @example closeConversation(sales, { conversationId: 'conv_42' }, { now })
 */
export function closeConversation(
  state: RoutingState,
  input: CloseConversationInput,
  context: RoutingContext,
): Result<RoutingDecision, CloseConversationError> {
  const conversationId = conversationTarget(input, closeConversationSchema);
  if (typeof conversationId !== 'string') return err(conversationId);
  const conversation = conversationOf(state, conversationId);
  if (!conversation) return err(routingFail.conversationNotFound(conversationId));
  const decider = new Decider(state, context);
  decider.emit('ConversationClosed', { departmentId: state.departmentId, conversationId, agentId: conversation.agentId });
  return ok(decider.finish());
}

/**
 * Closes every conversation of a queue whose department is being deleted, so none leaves routing
 * without an event: the waiting ones in queue order, then the open ones by id, each a
 * `ConversationClosed` with `reason: 'department-deleted'`. The caller then deletes the queue
 * (the roster does both in the department's delete commit). Never fails.
 *
 * Cost: O(n log n) in the queue's conversations.
 *
 * @example closeQueue(sales, { now }).events.length // every conversation Sales was handling
 */
export function closeQueue(state: RoutingState, context: RoutingContext): RoutingDecision {
  const open = conversationsOf(state)
    .filter((c) => c.agentId !== null)
    .sort((a, b) => (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0));
  if (state.queue.length === 0 && open.length === 0) return { state, events: [] };
  const decider = new Decider(state, context);
  const reason = 'department-deleted' as const;
  for (const conversationId of state.queue) {
    decider.emit('ConversationClosed', { departmentId: state.departmentId, conversationId, agentId: null, reason });
  }
  for (const c of open) {
    decider.emit('ConversationClosed', { departmentId: state.departmentId, conversationId: c.conversationId, agentId: c.agentId, reason });
  }
  return decider.finish();
}

/** Errors of {@link transferConversation}. */
export type TransferConversationError = ValidationFailed | ConversationNotFound | AgentNotEligible;

/**
 * Moves a conversation by hand: to a named agent, who must be active, online, a member of the
 * queue and under capacity; or back to the queue (`to: 'queue'`), where it goes to the front and
 * the strategy routes it again at once if anyone has room (it may pick the same agent: to keep
 * it away, set that agent away first). A waiting conversation waits because nobody has room, so
 * naming an agent for it fails with that agent's reason. Transfers leave the round-robin rotation
 * as it was: they are not the strategy's turns. Transferring to where the conversation already is
 * changes nothing.
 *
 * Cost: O(log n), plus serving at most one waiting conversation from the freed slot.
 *
 * @example transferConversation(sales, { conversationId: 'conv_42', to: 'agt_bob' }, { now })
 */
export function transferConversation(
  state: RoutingState,
  input: TransferConversationInput,
  context: RoutingContext,
): Result<RoutingDecision, TransferConversationError> {
  return parseInput(transferConversationSchema, input).andThen(({ conversationId, to }) => {
    const conversation = conversationOf(state, conversationId);
    if (!conversation) return err(routingFail.conversationNotFound(conversationId));
    const target = to === 'queue' ? null : to;
    if (conversation.agentId === target) return ok({ state, events: [] });
    if (target !== null) {
      const why = whyNotEligible(state, target);
      if (why) return err(routingFail.agentNotEligible(target, why));
    }
    const decider = new Decider(state, context);
    decider.emit('ConversationTransferred', { departmentId: state.departmentId, conversationId, from: conversation.agentId, to: target });
    return ok(decider.finish());
  });
}

function whyNotEligible(state: RoutingState, agentId: AgentId): NotEligibleReason | null {
  const member = memberOf(state, agentId);
  if (!member) return 'not-a-member';
  if (!member.active) return 'inactive';
  if (!member.online) return 'away';
  const capacity = capacityOf(state.config, agentId);
  return capacity !== null && member.conversationIds.length >= capacity ? 'at-capacity' : null;
}
