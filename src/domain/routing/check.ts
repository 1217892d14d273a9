import { canTakeConversation, conversationOf, conversationsOf, membersOf, type RoutingState } from './state';

/**
 * Checks a queue's own invariants, recounting from its records; returns every broken one
 * explained, `[]` when all hold:
 * - every conversation is in exactly one place: waiting once in the queue, or open with exactly
 *   one member, and `routed = waiting + open + closed` (nothing lost, nothing duplicated);
 * - an inactive member is never online and holds no conversation (invariant 5 of the rules, docs/domain.md);
 * - nobody waits while a member could take a conversation;
 * - no member's rotation place is ahead of the last sequence handed out.
 *
 * @example expect(checkRoutingState(state)).toEqual([])
 */
export function checkRoutingState(state: RoutingState): readonly string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const place = (conversationId: string, where: string) => {
    const before = seen.get(conversationId);
    if (before !== undefined) problems.push(`Conversation ${conversationId} is both ${before} and ${where}.`);
    seen.set(conversationId, where);
    const record = conversationOf(state, conversationId);
    const expected = where === 'waiting' ? null : where.slice('open with '.length);
    if (!record) problems.push(`Conversation ${conversationId} is ${where} but has no record.`);
    else if (record.agentId !== expected) problems.push(`Conversation ${conversationId} is ${where} but its record says ${record.agentId ?? 'waiting'}.`);
  };
  for (const c of state.queue) place(c, 'waiting');
  let open = 0;
  const members = membersOf(state);
  for (const m of members) {
    for (const c of m.conversationIds) place(c, `open with ${m.agentId}`);
    open += m.conversationIds.length;
    if (!m.active && m.online) problems.push(`Member ${m.agentId} is inactive but online.`);
    if (!m.active && m.conversationIds.length > 0) problems.push(`Member ${m.agentId} is inactive but holds ${m.conversationIds.length} conversation(s).`);
    if (m.lastAssignedSeq > state.lastSequence) problems.push(`Member ${m.agentId} has rotation place ${m.lastAssignedSeq} beyond ${state.lastSequence}.`);
  }
  for (const { conversationId: c } of conversationsOf(state)) {
    if (!seen.has(c)) problems.push(`Conversation ${c} has a record but is neither waiting nor open.`);
  }
  if (state.routed !== state.queue.length + open + state.closed) {
    problems.push(`${state.routed} conversations were routed but ${state.queue.length} wait, ${open} are open and ${state.closed} closed.`);
  }
  if (state.queue.length > 0) {
    for (const m of members) {
      if (canTakeConversation(state, m)) problems.push(`${state.queue.length} conversation(s) wait while ${m.agentId} could take one.`);
    }
  }
  return problems;
}
