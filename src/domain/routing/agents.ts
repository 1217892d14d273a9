import type { Result } from 'neverthrow';
import * as z from 'zod';
import type { Agent } from '../agent';
import { parseInput } from '../command';
import { pure } from '../pure';
import type { ValidationFailed } from '../errors';
import type { ConversationId } from '../ids';
import { Decider, type RoutingContext, type RoutingDecision } from './decider';
import type { ConversationRequeued } from './events';
import { syncAgentSchema, type SyncAgentInput } from './schemas';
import { conversationOf, isQueueMember, memberOf, type RoutingMember, type RoutingState } from './state';

/** Errors of {@link syncAgent}. */
export type SyncAgentError = ValidationFailed;

/**
 * Tells a queue an agent's current facts. The application calls it after every roster event that
 * changes them (activate, deactivate, availability, department assigned or removed, agent
 * deleted), for each queue concerned; facts the queue already has change nothing, so calling it
 * too often is harmless.
 *
 * - Becoming able to take conversations (online, activated, joining the department) drains the
 *   queue in arrival order. The agent is placed in the rotation just ahead of whoever is next in
 *   line (or keeps its own place, if later): it takes the next turn, but not ahead of agents who
 *   have waited longer than its own last turn, and the agent served last is never served again
 *   while it can take one. No flood is possible either way: every pick sends the agent to the
 *   back, so nobody takes a second turn while another taker waits for a first.
 * - Going away keeps the conversations the agent has; it just gets no new ones.
 * - Being deactivated, deleted or leaving the department puts its open conversations back at the
 *   front of the queue, in their original arrival order (and among conversations requeued before,
 *   oldest first), where others pick them up.
 *
 * Cost: O(k log n) for k conversations requeued or served, plus copying the few short arrays on
 * the way to each record the events touch and, when conversations are requeued, the waiting list.
 *
 * @example syncAgent(sales, routingFactsOf(bob), { now })
 * @example syncAgent(sales, { agentId: 'agt_bob', deleted: true }, { now })
 */
export function syncAgent(state: RoutingState, input: SyncAgentInput, context: RoutingContext): Result<RoutingDecision, SyncAgentError> {
  return parseInput(syncAgentSchema, input).map((i) => synced(state, [i], context));
}

/**
 * {@link syncAgent} for several agents of one queue at once, in order: every change is applied
 * before the queue is served, once, at the end. Use it when one roster change concerns several
 * agents (a department deleted takes all its members out): one `syncAgent` after another would
 * serve the queue between them, and could hand a requeued conversation to an agent whose own
 * change, leaving the queue too, is next in line. A refused input refuses the whole call, with
 * its index in the path (`1.agentId`), and changes nothing.
 *
 * @example syncAgents(everyone, [{ agentId: 'agt_bob', deleted: true }, routingFactsOf(cy)], { now })
 */
export function syncAgents(
  state: RoutingState,
  inputs: readonly SyncAgentInput[],
  context: RoutingContext,
): Result<RoutingDecision, SyncAgentError> {
  return parseInput(syncAgentsSchema, inputs).map((all) => synced(state, all, context));
}

// As many agents as the largest plan has seats.
const syncAgentsSchema = /* @__PURE__ */ pure(() => z.array(syncAgentSchema).max(1_000_000));

function synced(state: RoutingState, changes: readonly z.output<typeof syncAgentSchema>[], context: RoutingContext): RoutingDecision {
  let decider: Decider | undefined;
  for (const i of changes) {
    const deleted = i.deleted === true;
    const member = !deleted && isQueueMember(state.departmentId, i.departmentIds ?? []);
    const active = !deleted && i.active === true;
    const online = !deleted && i.online === true;
    const previous = decider ? decider.draft.member(i.agentId) : memberOf(state, i.agentId);
    const unchanged = previous ? member && previous.active === active && previous.online === online : !member;
    if (unchanged) continue;

    decider ??= new Decider(state, context);
    const reason: ConversationRequeued['data']['reason'] | null = deleted
      ? 'agent-deleted'
      : !member
        ? 'agent-left-department'
        : !active
          ? 'agent-deactivated'
          : null;
    if (previous && reason && previous.conversationIds.length > 0) {
      decider.emit('ConversationRequeued', { departmentId: state.departmentId, agentId: i.agentId, conversationIds: inArrivalOrder(state, previous), reason });
    }
    let lastAssignedSeq = previous?.lastAssignedSeq ?? 0;
    const couldTake = previous !== undefined && previous.active && previous.online;
    if (!couldTake && member && active && online) {
      // Just ahead of whoever is next in line, or its own place if that is later (never below 0).
      lastAssignedSeq = Math.max(lastAssignedSeq, (decider.index.minRotationPlace() ?? 0) - 1);
    }
    decider.emit('RoutingAgentSynced', { departmentId: state.departmentId, agentId: i.agentId, active, online, member, lastAssignedSeq });
  }
  return decider ? decider.finish() : { state, events: [] };
}

function inArrivalOrder(state: RoutingState, member: RoutingMember): readonly ConversationId[] {
  const arrival = (c: ConversationId) => conversationOf(state, c)?.arrival ?? 0;
  return [...member.conversationIds].sort((a, b) => arrival(a) - arrival(b));
}

/**
 * The facts {@link syncAgent} needs, read from a roster agent.
 *
 * @example syncAgent(sales, routingFactsOf(agent), { now })
 */
export function routingFactsOf(agent: Agent): SyncAgentInput {
  return {
    agentId: agent.id,
    active: agent.status === 'active',
    online: agent.status === 'active' && agent.availability === 'online',
    departmentIds: [...agent.departmentIds],
  };
}
