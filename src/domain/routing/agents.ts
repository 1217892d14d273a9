import { ok, type Result } from 'neverthrow';
import type { Agent } from '../agent';
import { parseInput } from '../command';
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
 *   queue in arrival order. The agent is placed in the rotation level with whoever is next in
 *   line (or keeps its own place, if later): it takes a turn soon, but not ahead of agents who
 *   have waited longer than its own last turn. No flood is possible either way: every pick sends
 *   the agent to the back, so nobody takes a second turn while another taker waits for a first.
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
  return parseInput(syncAgentSchema, input).andThen((i) => {
    const deleted = i.deleted === true;
    const member = !deleted && isQueueMember(state.departmentId, i.departmentIds ?? []);
    const active = !deleted && i.active === true;
    const online = !deleted && i.online === true;
    const previous = memberOf(state, i.agentId);
    const unchanged = previous ? member && previous.active === active && previous.online === online : !member;
    if (unchanged) return ok({ state, events: [] });

    const decider = new Decider(state, context);
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
      lastAssignedSeq = Math.max(lastAssignedSeq, decider.index.minRotationPlace() ?? lastAssignedSeq);
    }
    decider.emit('RoutingAgentSynced', { departmentId: state.departmentId, agentId: i.agentId, active, online, member, lastAssignedSeq });
    return ok(decider.finish());
  });
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
