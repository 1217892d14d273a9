/**
 * Random commands on one routing queue, for the tests of how queues are stored: agents join
 * (active, online) or leave, conversations are routed and closed, capacity changes.
 */
import { fc } from '@fast-check/vitest';
import { closeConversation, configureRouting, routeConversation, syncAgent, type RoutingState } from '../../src/domain/index';

const now = new Date('2026-11-23T09:00:00.000Z');

/** One command: agents are `agt_<agent>`, conversations `conv_<n>`. */
export type Step =
  | { kind: 'join'; agent: number }
  | { kind: 'leave'; agent: number }
  | { kind: 'route'; n: number }
  | { kind: 'close'; n: number }
  | { kind: 'configure'; capacity: number | null };

/** Steps on agents `agt_0`…`agt_<agents - 1>` and conversations `conv_0`…`conv_<conversations>`. */
export const stepArb = (agents: number, conversations = 400): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), agent: fc.nat({ max: agents - 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), agent: fc.nat({ max: agents - 1 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('route' as const), n: fc.nat({ max: conversations }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('close' as const), n: fc.nat({ max: conversations }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('configure' as const), capacity: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }) }) },
  );

/**
 * One step on a queue. Refusals (a conversation routed twice, a close of one never routed) leave
 * the state as it was, as the store would see it.
 */
export function applyStep(state: RoutingState, step: Step): RoutingState {
  const ctx = { now };
  const departmentIds = state.departmentId === null ? [] : [state.departmentId];
  const decided =
    step.kind === 'join'
      ? syncAgent(state, { agentId: `agt_${step.agent}`, active: true, online: true, departmentIds }, ctx)
      : step.kind === 'leave'
        ? syncAgent(state, { agentId: `agt_${step.agent}`, deleted: true }, ctx)
        : step.kind === 'route'
          ? routeConversation(state, { conversationId: `conv_${step.n}` }, ctx)
          : step.kind === 'close'
            ? closeConversation(state, { conversationId: `conv_${step.n}` }, ctx)
            : configureRouting(state, { capacity: step.capacity }, ctx);
  return decided.isOk() ? decided.value.state : state;
}
