/**
 * `checkRoutingState` is public: users' property tests call it on every queue they build. Every
 * other test only sees it answer `[]` on states the commands made, which a checker that checks
 * nothing also does; here each rule it checks is broken on purpose, as a store could hand back a
 * damaged queue, and its message is expected. Last, what the commands do when handed such a queue.
 */
import { describe, expect, it } from 'vitest';
import { departmentIdSchema, workspaceIdSchema, type ConversationId } from '../../src/domain/index';
import {
  checkRoutingState,
  closeConversation,
  configureRouting,
  conversationOf,
  emptyRoutingState,
  memberOf,
  routeConversation,
  syncAgent,
  type RoutedConversation,
  type RoutingMember,
  type RoutingState,
} from '../../src/domain/routing/index';
import { BucketsDraft, byAgentId, byConversationId } from '../../src/domain/routing/buckets';

const ctx = { now: new Date('2026-11-23T09:00:00.000Z') };
const sales = departmentIdSchema.parse('dep_sales');
const ANA = 'agt_ana';
const BOB = 'agt_bob';

/**
 * A sound Sales queue, built by the commands: capacity 1, Ana holds conv_1, Bob conv_2, conv_3
 * waits, and conv_4 waited and was closed. routed 4 = 1 waiting + 2 open + 1 closed; lastSequence 2.
 */
function aSoundQueue(): RoutingState {
  let state = emptyRoutingState(workspaceIdSchema.parse('ws_shop'), sales);
  state = configureRouting(state, { capacity: 1 }, ctx)._unsafeUnwrap().state;
  for (const agentId of [ANA, BOB]) state = syncAgent(state, { agentId, active: true, online: true, departmentIds: [sales] }, ctx)._unsafeUnwrap().state;
  for (const conversationId of ['conv_1', 'conv_2', 'conv_3', 'conv_4']) state = routeConversation(state, { conversationId }, ctx)._unsafeUnwrap().state;
  return closeConversation(state, { conversationId: 'conv_4' }, ctx)._unsafeUnwrap().state;
}

const conv = (id: string) => id as ConversationId;

/** The queue with one member's record replaced, or added. */
function withMember(state: RoutingState, agentId: string, change: Partial<RoutingMember>): RoutingState {
  const draft = new BucketsDraft<RoutingMember>(state.members, byAgentId);
  const before = memberOf(state, agentId) ?? { agentId: agentId as RoutingMember['agentId'], active: true, online: true, lastAssignedSeq: 0, conversationIds: [] };
  draft.set(agentId, { ...before, ...change });
  return { ...state, members: draft.result() };
}

/** The queue with one conversation's record replaced. */
function withConversation(state: RoutingState, conversationId: string, change: Partial<RoutedConversation>): RoutingState {
  const draft = new BucketsDraft<RoutedConversation>(state.conversations, byConversationId);
  draft.set(conversationId, { ...conversationOf(state, conversationId)!, ...change });
  return { ...state, conversations: draft.result() };
}

describe('checkRoutingState', () => {
  it('finds nothing wrong in the queue every other example breaks', () => {
    const sound = aSoundQueue();
    expect([sound.routed, sound.queue, sound.closed, sound.lastSequence]).toEqual([4, ['conv_3'], 1, 2]);
    expect(memberOf(sound, ANA)?.conversationIds).toEqual(['conv_1']);
    expect(memberOf(sound, BOB)?.conversationIds).toEqual(['conv_2']);
    expect(checkRoutingState(sound)).toEqual([]);
  });

  it('finds an inactive member holding conversations', () => {
    const broken = withMember(aSoundQueue(), ANA, { active: false, online: false });
    expect(checkRoutingState(broken)).toEqual(['Member agt_ana is inactive but holds 1 conversation(s).']);
  });

  it('finds an inactive member online', () => {
    const broken = withMember(aSoundQueue(), 'agt_cy', { active: false, online: true });
    expect(checkRoutingState(broken)).toEqual(['Member agt_cy is inactive but online.']);
  });

  it('finds a conversation both waiting and open, and the count it throws off', () => {
    const sound = aSoundQueue();
    const broken = { ...sound, queue: [...sound.queue, conv('conv_1')] };
    expect(checkRoutingState(broken)).toEqual([
      'Conversation conv_1 is waiting but its record says agt_ana.',
      'Conversation conv_1 is both waiting and open with agt_ana.',
      '4 conversations were routed but 2 wait, 2 are open and 1 closed.',
    ]);
  });

  it('finds a conversation whose record names another agent than the one holding it', () => {
    const broken = withConversation(aSoundQueue(), 'conv_1', { agentId: BOB as RoutedConversation['agentId'] });
    expect(checkRoutingState(broken)).toEqual(['Conversation conv_1 is open with agt_ana but its record says agt_bob.']);
  });

  it('finds a waiting conversation with no record', () => {
    const sound = aSoundQueue();
    const broken = { ...sound, queue: [...sound.queue, conv('conv_9')], routed: 5 };
    expect(checkRoutingState(broken)).toEqual(['Conversation conv_9 is waiting but has no record.']);
  });

  it('finds a record left behind by a conversation that is neither waiting nor open', () => {
    // conv_3 closed, counted, taken out of the line, but its record kept.
    const broken = { ...aSoundQueue(), queue: [], closed: 2 };
    expect(checkRoutingState(broken)).toEqual(['Conversation conv_3 has a record but is neither waiting nor open.']);
  });

  it('finds a routed count that does not add up', () => {
    const broken = { ...aSoundQueue(), routed: 5 };
    expect(checkRoutingState(broken)).toEqual(['5 conversations were routed but 1 wait, 2 are open and 1 closed.']);
  });

  it('finds a rotation place beyond the last sequence handed out, and takes one at it', () => {
    const sound = aSoundQueue();
    expect(checkRoutingState(withMember(sound, ANA, { lastAssignedSeq: sound.lastSequence }))).toEqual([]);
    expect(checkRoutingState(withMember(sound, ANA, { lastAssignedSeq: sound.lastSequence + 1 }))).toEqual([
      'Member agt_ana has rotation place 3 beyond 2.',
    ]);
  });

  it('finds conversations waiting while a member could take one', () => {
    // Ana's capacity raised without serving the line.
    const sound = aSoundQueue();
    const broken = { ...sound, config: { ...sound.config, capacities: { [ANA]: 2 } } };
    expect(checkRoutingState(broken)).toEqual(['1 conversation(s) wait while agt_ana could take one.']);
  });
});

// States a store could hand back although no command makes them. The commands' own tests cannot
// reach these branches, so a planted bug there survived them.
describe('routing from a damaged queue', () => {
  it('routes nothing to a member stored inactive but online: an inactive agent never receives a conversation', () => {
    const damaged = withMember(emptyRoutingState(workspaceIdSchema.parse('ws_shop'), sales), 'agt_cy', { active: false, online: true });
    const decided = routeConversation(damaged, { conversationId: 'conv_1' }, ctx)._unsafeUnwrap();
    expect(decided.outcome.type).toBe('Queued');
    expect(memberOf(decided.state, 'agt_cy')?.conversationIds).toEqual([]);
  });

  it('serves those already waiting before a newcomer when a member turns out to have room', () => {
    // conv_3 waits although Ana's capacity was raised to 2 without serving the line.
    const sound = aSoundQueue();
    const damaged = { ...sound, config: { ...sound.config, capacities: { [ANA]: 2 } } };
    const decided = routeConversation(damaged, { conversationId: 'conv_5' }, ctx)._unsafeUnwrap();
    expect(decided.outcome).toMatchObject({ type: 'Queued', position: 1 });
    expect(memberOf(decided.state, ANA)?.conversationIds).toEqual(['conv_1', 'conv_3']);
    expect(checkRoutingState(decided.state)).toEqual([]);
  });
});
