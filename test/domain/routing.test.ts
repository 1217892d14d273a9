import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Result } from 'neverthrow';
import {
  agentIdSchema,
  conversationIdSchema,
  departmentIdSchema,
  emailSchema,
  event,
  invitationIdSchema,
  replay,
  workspaceIdSchema,
  PLANS,
  DEFAULT_SEAT_POLICY,
  type Agent,
  type ConversationId,
  type DepartmentId,
  type RosterEvent,
} from '../../src/domain/index';
import {
  availabilityBoard,
  checkRoutingState,
  closeConversation,
  closeQueue,
  configureRouting,
  emptyRoutingState,
  evolveRouting,
  conversationsOf,
  isEligibleForRouting,
  memberOf,
  membersOf,
  replayRouting,
  routeConversation,
  routingEvent,
  routingFactsOf,
  syncAgent,
  syncAgents,
  transferConversation,
  MAX_WAITING,
  type ConfigureRoutingInput,
  type RouteOutcome,
  type RoutingDecision,
  type RoutingError,
  type RoutingEvent,
  type RoutingState,
  type SyncAgentInput,
} from '../../src/domain/routing/index';
import { RoutingIndex, cachedIndexOf, routingIndexStats } from '../../src/domain/routing/agent-index';
import { BucketsDraft, byAgentId, entriesOf, lookup, type Buckets } from '../../src/domain/routing/buckets';
import { indexChunks, indexSizes, indexSnapshot, listProblems } from '../support/routing-index';

// ---------------------------------------------------------------------------
// A small harness: a queue, the commands applied to it, and what they emitted.
// ---------------------------------------------------------------------------

const now = new Date('2026-11-23T09:00:00.000Z');
const ctx = { now };
const ws = workspaceIdSchema.parse('ws_shop');
const sales = departmentIdSchema.parse('dep_sales');
const support = departmentIdSchema.parse('dep_support');
const A = 'agt_a';
const B = 'agt_b';
const C = 'agt_c';
const D = 'agt_d';

type Queue = ReturnType<typeof aQueue>;

/** A queue for Sales (or another department / the workspace-wide queue), optionally configured. */
function aQueue(options: { departmentId?: DepartmentId | null; config?: ConfigureRoutingInput } = {}) {
  const departmentId = options.departmentId === undefined ? sales : options.departmentId;
  let state = emptyRoutingState(ws, departmentId);
  const history: RoutingEvent[] = [];
  let lastEvents: readonly RoutingEvent[] = [];
  const home = departmentId === null ? [sales] : [departmentId];
  const apply = <T extends RoutingDecision>(result: Result<T, RoutingError>): T => {
    if (result.isErr()) throw new Error(`expected success, got ${result.error.type}: ${result.error.message}`);
    state = result.value.state;
    history.push(...result.value.events);
    lastEvents = result.value.events;
    expect(checkRoutingState(state)).toEqual([]);
    return result.value;
  };
  const facts = (agentId: string, status: 'online' | 'away' | 'inactive', departmentIds: readonly string[] = home) => ({
    agentId,
    active: status !== 'inactive',
    online: status === 'online',
    departmentIds: [...departmentIds],
  });
  const q = {
    get state() {
      return state;
    },
    history,
    get lastEvents() {
      return lastEvents;
    },
    lastTypes: () => lastEvents.map((e) => e.type),
    configure: (input: ConfigureRoutingInput) => apply(configureRouting(state, input, ctx)),
    sync: (input: SyncAgentInput) => apply(syncAgent(state, input, ctx)),
    online: (...agentIds: string[]) => agentIds.forEach((id) => q.sync(facts(id, 'online'))),
    away: (agentId: string) => q.sync(facts(agentId, 'away')),
    deactivate: (agentId: string) => q.sync(facts(agentId, 'inactive')),
    moveTo: (agentId: string, departmentIds: readonly string[], status: 'online' | 'away' | 'inactive' = 'online') =>
      q.sync(facts(agentId, status, departmentIds)),
    delete: (agentId: string) => q.sync({ agentId, deleted: true }),
    route: (conversationId: string): RouteOutcome => apply(routeConversation(state, { conversationId }, ctx)).outcome,
    /** Routes n new conversations and returns who got each (`null`: it waits). */
    routeMany: (n: number, prefix = 'conv_') => {
      const start = state.routed;
      return Array.from({ length: n }, (_, i) => {
        const outcome = q.route(`${prefix}${start + i + 1}`);
        return outcome.type === 'Assigned' ? outcome.agentId : null;
      });
    },
    close: (conversationId: string) => apply(closeConversation(state, { conversationId }, ctx)),
    transfer: (conversationId: string, to: string) => apply(transferConversation(state, { conversationId, to }, ctx)),
    openOf: (agentId: string) => memberOf(state, agentId)?.conversationIds ?? [],
  };
  if (options.config) q.configure(options.config);
  return q;
}

const counts = (assigned: readonly (string | null)[]) =>
  assigned.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a ?? 'waiting']: (acc[a ?? 'waiting'] ?? 0) + 1 }), {});

const assignedIn = (q: Queue) =>
  q.lastEvents.flatMap((e) => (e.type === 'ConversationAssigned' ? [[e.data.conversationId, e.data.agentId]] : []));

// ---------------------------------------------------------------------------

describe('who may receive a routed conversation', () => {
  it('routes only to agents who are active, online and in the department', () => {
    const q = aQueue();
    q.online(A);
    q.away(B);
    q.deactivate(C);
    q.moveTo(D, [support]);
    expect(q.routeMany(6)).toEqual([A, A, A, A, A, A]);
  });

  it('gives nothing to an agent in no department, even from the workspace-wide queue', () => {
    const q = aQueue({ departmentId: null });
    q.online(A);
    q.moveTo(B, []);
    expect(memberOf(q.state, B)).toBeUndefined();
    expect(q.routeMany(3)).toEqual([A, A, A]);
  });

  it('lets the workspace-wide queue use agents of any department', () => {
    const q = aQueue({ departmentId: null });
    q.moveTo(A, [support]);
    q.moveTo(B, [sales, support]);
    expect(q.routeMany(4)).toEqual([A, B, A, B]);
  });

  it('skips agents at capacity, and per-agent capacities override the default', () => {
    const q = aQueue({ config: { capacity: 1, capacities: { [B]: 3 } } });
    q.online(A, B);
    expect(q.routeMany(5)).toEqual([A, B, B, B, null]);
  });

  it('treats capacity 0 as "receives nothing"', () => {
    const q = aQueue({ config: { capacities: { [A]: 0 } } });
    q.online(A, B);
    expect(q.routeMany(3)).toEqual([B, B, B]);
  });

  it('agrees with isEligibleForRouting on roster agents', () => {
    const agent = (status: Agent['status'], availability: Agent['availability'], departmentIds: DepartmentId[]) =>
      ({ status, availability, departmentIds }) as unknown as Agent;
    expect(isEligibleForRouting(agent('active', 'online', [sales]), sales)).toBe(true);
    expect(isEligibleForRouting(agent('active', 'away', [sales]), sales)).toBe(false);
    expect(isEligibleForRouting(agent('inactive', 'away', [sales]), sales)).toBe(false);
    expect(isEligibleForRouting(agent('active', 'online', [support]), sales)).toBe(false);
    expect(isEligibleForRouting(agent('active', 'online', [support]), null)).toBe(true);
    expect(isEligibleForRouting(agent('active', 'online', []), null)).toBe(false);
  });
});

describe('what reading a queue gives back', () => {
  it('shares a frozen empty list between members with no open conversation, so pushing into it cannot leak', () => {
    const q = aQueue();
    q.online(A, B);
    q.route('conv_1');
    q.close('conv_1');
    const lists = [memberOf(q.state, A)!.conversationIds, memberOf(q.state, B)!.conversationIds];
    for (const list of lists) {
      expect(list).toEqual([]);
      expect(Object.isFrozen(list)).toBe(true);
      expect(() => (list as ConversationId[]).push('conv_x' as ConversationId)).toThrow(TypeError);
    }
    expect(memberOf(q.state, A)!.conversationIds).toEqual([]);
  });
});

describe('why a conversation waits', () => {
  it('says department-empty when the department has nobody', () => {
    const q = aQueue();
    const outcome = q.route('conv_1');
    expect(outcome).toMatchObject({ type: 'Queued', position: 1, why: { type: 'NoAgentAvailable', reason: 'department-empty' } });
    expect(outcome.type === 'Queued' && outcome.why.message).toMatch(/Nobody is in this department/);
    expect(q.lastEvents).toEqual([
      {
        type: 'ConversationQueued',
        workspaceId: ws,
        occurredAt: '2026-11-23T09:00:00.000Z',
        data: { departmentId: sales, conversationId: 'conv_1', reason: 'department-empty' },
      },
    ]);
  });

  it('says nobody-online when members are away or inactive', () => {
    const q = aQueue();
    q.away(A);
    q.deactivate(B);
    expect(q.route('conv_1')).toMatchObject({ type: 'Queued', why: { reason: 'nobody-online' } });
  });

  it('says everybody-at-capacity when the online agents are full, and counts positions', () => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A);
    q.away(B);
    q.route('conv_1');
    expect(q.route('conv_2')).toMatchObject({ type: 'Queued', position: 1, why: { reason: 'everybody-at-capacity' } });
    expect(q.route('conv_3')).toMatchObject({ type: 'Queued', position: 2, why: { reason: 'everybody-at-capacity' } });
  });

  it('words each reason for the workspace-wide queue, which has no department of its own', () => {
    const why = (outcome: RouteOutcome) => (outcome.type === 'Queued' ? outcome.why : null);
    const q = aQueue({ departmentId: null, config: { capacity: 1 } });
    const empty = why(q.route('conv_1'));
    expect(empty).toMatchObject({ reason: 'department-empty' });
    expect(empty?.message).toBe(
      'Nobody is in any department yet, so the conversation waits. Assign agents to a department: the workspace-wide queue routes to agents who are in one.',
    );
    q.away(A);
    expect(why(q.route('conv_2'))).toMatchObject({
      reason: 'nobody-online',
      message: 'No agent in any department is online, so the conversation waits for the first one who is.',
    });
    q.online(A);
    expect(why(q.route('conv_3'))).toMatchObject({
      reason: 'everybody-at-capacity',
      message: 'Every online agent is at capacity, so the conversation waits for a free slot.',
    });
    for (const message of [empty?.message, why(q.route('conv_4'))?.message]) expect(message).not.toMatch(/this department/);
  });
});

describe('round-robin', () => {
  it('rotates through the online agents', () => {
    const q = aQueue();
    q.online(A, B, C);
    expect(q.routeMany(7)).toEqual([A, B, C, A, B, C, A]);
  });

  it('skips an agent who is away and lets it back in without a flood', () => {
    const q = aQueue();
    q.online(A, B, C);
    q.routeMany(3);
    q.away(B);
    expect(q.routeMany(6)).toEqual([A, C, A, C, A, C]);
    q.online(B);
    const next = q.routeMany(9);
    expect(counts(next)).toEqual({ [A]: 3, [B]: 3, [C]: 3 });
  });

  it('places a newcomer just ahead of the next in line, then gives it one turn per round', () => {
    const q = aQueue();
    q.online(A, B);
    q.routeMany(10); // A's last turn was #9, B's #10
    q.online(C);
    expect(memberOf(q.state, C)?.lastAssignedSeq).toBe(8);
    expect(q.routeMany(3)).toEqual([C, A, B]);
  });

  it('never serves the agent it just served again while someone who came back online waits, whatever their ids', () => {
    // B sorts after A, so being level with A (as returners were placed before) lost B the tie.
    const q = aQueue();
    q.online(A);
    expect(q.routeMany(1)).toEqual([A]);
    q.online(B);
    expect(q.routeMany(4)).toEqual([B, A, B, A]);
    // The same with the ids the other way round: C comes back while B was just served.
    const r = aQueue();
    r.online(C, B);
    r.routeMany(2); // B (#1), then C (#2)
    r.away(C);
    expect(r.routeMany(2)).toEqual([B, B]);
    r.online(C);
    expect(r.routeMany(3)).toEqual([C, B, C]);
  });

  it('keeps rotation places at 0 or more: nobody served yet, a returner is level with the rest', () => {
    const q = aQueue();
    q.online(B);
    q.online(A);
    expect([memberOf(q.state, A)?.lastAssignedSeq, memberOf(q.state, B)?.lastAssignedSeq]).toEqual([0, 0]);
    expect(q.routeMany(2)).toEqual([A, B]);
  });

  it('does not count manual transfers as turns', () => {
    const q = aQueue();
    q.online(A, B);
    q.route('conv_1'); // A
    q.transfer('conv_1', B);
    expect(q.routeMany(2)).toEqual([B, A]);
  });
});

describe('least-busy', () => {
  it('gives the next conversation to the agent with the fewest open', () => {
    const q = aQueue({ config: { strategy: 'least-busy' } });
    q.online(A, B);
    q.routeMany(4); // A, B, A, B
    q.close('conv_2');
    q.close('conv_4');
    expect(q.routeMany(3)).toEqual([B, B, A]);
  });

  it('breaks ties in favour of whoever was assigned longest ago', () => {
    const q = aQueue({ config: { strategy: 'least-busy' } });
    q.online(C);
    q.route('conv_1'); // C
    q.online(A);
    q.route('conv_2'); // A (0 open)
    q.online(B);
    q.route('conv_3'); // B (0 open)
    for (const c of ['conv_1', 'conv_2', 'conv_3']) q.close(c);
    // Everybody has 0 open; C was assigned first, then A, then B — whatever their ids say.
    expect(q.routeMany(3)).toEqual([C, A, B]);
  });

  it('never goes over capacity', () => {
    const q = aQueue({ config: { strategy: 'least-busy', capacity: 2 } });
    q.online(A, B);
    expect(q.routeMany(5)).toEqual([A, B, A, B, null]);
    expect(q.openOf(A)).toHaveLength(2);
    expect(q.openOf(B)).toHaveLength(2);
  });
});

describe('the waiting queue', () => {
  it('drains in arrival order when an agent comes online', () => {
    const q = aQueue();
    q.away(A);
    q.routeMany(3);
    q.online(A);
    expect(q.lastTypes()).toEqual(['RoutingAgentSynced', 'ConversationAssigned', 'ConversationAssigned', 'ConversationAssigned']);
    expect(assignedIn(q)).toEqual([
      ['conv_1', A],
      ['conv_2', A],
      ['conv_3', A],
    ]);
    expect(q.lastEvents.filter((e) => e.type === 'ConversationAssigned').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ source: 'queue', strategy: 'round-robin' }),
    );
  });

  it('gives one agent a whole waiting line in one decision, leaving every earlier state as it was', () => {
    // The draft adds to the lists it made itself rather than copying them (a drain of k was O(k²));
    // lists of earlier states, and of states returned before, must never be written.
    const q = aQueue();
    q.away(A);
    q.online(B);
    q.routeMany(2);
    q.away(B);
    q.routeMany(40);
    const before = q.state;
    const snapshot = JSON.stringify(before);
    const held = memberOf(before, B)!.conversationIds;
    q.online(A);
    expect(q.openOf(A)).toEqual(Array.from({ length: 40 }, (_, i) => `conv_${i + 3}`));
    const drained = q.state;
    q.transfer('conv_1', A);
    q.route('conv_43');
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(memberOf(before, B)!.conversationIds).toBe(held);
    expect(memberOf(drained, A)!.conversationIds).toHaveLength(40);
    expect(q.openOf(A)).toHaveLength(42);
    expect(replayRouting(q.history, emptyRoutingState(ws, sales))).toEqual(q.state);
  });

  it('drains when an agent is activated or joins the department', () => {
    const q = aQueue();
    q.deactivate(A);
    q.moveTo(B, [support]);
    q.routeMany(2);
    q.online(A);
    expect(assignedIn(q)).toEqual([
      ['conv_1', A],
      ['conv_2', A],
    ]);
    q.route('conv_3'); // A
    q.configure({ capacity: 1 });
    q.route('conv_4'); // waits: A is over its new capacity
    q.moveTo(B, [support, sales]);
    expect(assignedIn(q)).toEqual([['conv_4', B]]);
  });

  it('serves the next in line when an agent frees capacity by closing', () => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A);
    q.routeMany(3); // conv_1 → A; conv_2 and conv_3 wait
    q.close('conv_1');
    expect(assignedIn(q)).toEqual([['conv_2', A]]);
    expect(q.state.queue).toEqual(['conv_3']);
  });

  it('serves waiting conversations when the capacity is raised', () => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A);
    q.routeMany(3);
    q.configure({ capacity: null });
    expect(assignedIn(q)).toEqual([
      ['conv_2', A],
      ['conv_3', A],
    ]);
  });

  it('closes a waiting conversation when the visitor leaves', () => {
    const q = aQueue();
    q.routeMany(3);
    q.close('conv_2');
    expect(q.state.queue).toEqual(['conv_1', 'conv_3']);
    expect(q.lastEvents[0]).toMatchObject({ type: 'ConversationClosed', data: { conversationId: 'conv_2', agentId: null } });
    expect(q.state).toMatchObject({ routed: 3, closed: 1 });
  });
});

describe('a full waiting line', () => {
  /** Routes `n` new conversations straight through the command (no per-step check: the line is long). */
  const routeWaiting = (start: RoutingState, n: number, prefix: string) => {
    let state = start;
    for (let i = 0; i < n; i++) state = routeConversation(state, { conversationId: `${prefix}${i}` }, ctx)._unsafeUnwrap().state;
    return state;
  };

  it(`refuses a new conversation once ${MAX_WAITING} wait (WaitingLineFull, nothing changes), and still puts conversations back in line past it`, () => {
    let state = syncAgent(emptyRoutingState(ws, sales), { agentId: A, active: true, online: true, departmentIds: [sales] }, ctx)._unsafeUnwrap().state;
    state = routeWaiting(state, 3, 'conv_held_'); // all three go to A
    state = syncAgent(state, { agentId: A, active: true, online: false, departmentIds: [sales] }, ctx)._unsafeUnwrap().state;
    state = routeWaiting(state, MAX_WAITING - 1, 'conv_w');
    // One more place: the last to fit is queued at the back, like any other.
    const last = routeConversation(state, { conversationId: 'conv_last' }, ctx)._unsafeUnwrap();
    expect(last.outcome).toMatchObject({ type: 'Queued', position: MAX_WAITING });
    state = last.state;

    const refused = routeConversation(state, { conversationId: 'conv_one_too_many' }, ctx);
    expect(refused._unsafeUnwrapErr()).toEqual({
      type: 'WaitingLineFull',
      waiting: MAX_WAITING,
      message: `${MAX_WAITING} conversations are already waiting in this queue, so no more are taken until some are served or closed.`,
    });
    expect(state.queue).toHaveLength(MAX_WAITING);
    // Already in the queue answers as before: the line is not the question.
    expect(routeConversation(state, { conversationId: 'conv_w0' }, ctx)._unsafeUnwrapErr().type).toBe('ConversationAlreadyRouted');

    // A's three go back in line when A is deleted: a requeue is never refused.
    state = syncAgent(state, { agentId: A, deleted: true }, ctx)._unsafeUnwrap().state;
    expect(state.queue).toHaveLength(MAX_WAITING + 3);
    expect(state.queue.slice(0, 3)).toEqual(['conv_held_0', 'conv_held_1', 'conv_held_2']);
    expect(checkRoutingState(state)).toEqual([]);

    // Closing one that waits makes room again only below the bound.
    for (const c of ['conv_held_0', 'conv_held_1', 'conv_held_2']) state = closeConversation(state, { conversationId: c }, ctx)._unsafeUnwrap().state;
    expect(routeConversation(state, { conversationId: 'conv_one_too_many' }, ctx)._unsafeUnwrapErr().type).toBe('WaitingLineFull');
    state = closeConversation(state, { conversationId: 'conv_w0' }, ctx)._unsafeUnwrap().state;
    expect(routeConversation(state, { conversationId: 'conv_one_too_many' }, ctx)._unsafeUnwrap().outcome).toMatchObject({ type: 'Queued', position: MAX_WAITING });
  });
});

describe('closing a queue whose department is deleted', () => {
  it('closes the waiting conversations in queue order, then the open ones by id, each with its reason', () => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A, B);
    q.routeMany(4); // conv_1 and conv_2 go to A and B, conv_3 and conv_4 wait
    const before = q.state;
    const frozen = JSON.stringify(before);
    const decision = closeQueue(before, ctx);
    const open = Object.fromEntries(conversationsOf(before).map((c) => [c.conversationId, c.agentId]));
    expect(decision.events.map((e) => e.type)).toEqual(Array(4).fill('ConversationClosed'));
    expect(decision.events.map((e) => e.data)).toEqual([
      { departmentId: sales, conversationId: 'conv_3', agentId: null, reason: 'department-deleted' },
      { departmentId: sales, conversationId: 'conv_4', agentId: null, reason: 'department-deleted' },
      { departmentId: sales, conversationId: 'conv_1', agentId: open['conv_1'], reason: 'department-deleted' },
      { departmentId: sales, conversationId: 'conv_2', agentId: open['conv_2'], reason: 'department-deleted' },
    ]);
    // Nothing is served from the freed slots: the queue is going away.
    expect(conversationsOf(decision.state)).toEqual([]);
    expect(decision.state.queue).toEqual([]);
    expect(checkRoutingState(decision.state)).toEqual([]);
    expect(replayRouting(decision.events, before)).toEqual(decision.state);
    expect(JSON.stringify(before)).toBe(frozen);
  });

  it('decides nothing for a queue with no conversations', () => {
    const q = aQueue();
    q.online(A);
    expect(closeQueue(q.state, ctx)).toEqual({ state: q.state, events: [] });
  });
});

describe('when an agent changes', () => {
  it('takes several agents at once and serves the queue once, after all of them: nobody leaving is handed what another left', () => {
    const q = aQueue({ departmentId: null });
    q.online(A, B, C);
    q.routeMany(3); // A, B, C
    // A and B leave the workspace-wide queue in one change: what A held must not go to B.
    const d = syncAgents(q.state, [{ agentId: A, deleted: true }, { agentId: B, active: true, online: true, departmentIds: [] }], ctx)._unsafeUnwrap();
    const assigned = d.events.flatMap((e) => (e.type === 'ConversationAssigned' ? [[e.data.conversationId, e.data.agentId]] : []));
    expect(assigned).toEqual([['conv_1', C], ['conv_2', C]]);
    expect(checkRoutingState(d.state)).toEqual([]);
    // One agent: exactly syncAgent.
    const one = { agentId: C, active: false, online: false, departmentIds: [sales] };
    expect(syncAgents(q.state, [one], ctx)._unsafeUnwrap()).toEqual(syncAgent(q.state, one, ctx)._unsafeUnwrap());
    // A refused input refuses the call, naming its place; nothing to change changes nothing.
    expect(syncAgents(q.state, [one, { ...one, agentId: 'bob' }], ctx)._unsafeUnwrapErr().issues.map((i) => i.path)).toEqual(['1.agentId']);
    expect(syncAgents(q.state, [], ctx)._unsafeUnwrap()).toEqual({ state: q.state, events: [] });
  });

  it('lets an away agent keep its conversations but gives it no new ones', () => {
    const q = aQueue();
    q.online(A, B);
    q.routeMany(2); // A, B
    q.away(A);
    expect(q.lastTypes()).toEqual(['RoutingAgentSynced']);
    expect(q.openOf(A)).toEqual(['conv_1']);
    expect(q.routeMany(2)).toEqual([B, B]);
  });

  it('requeues a deactivated agent\'s conversations at the front, in arrival order', () => {
    const q = aQueue({ config: { capacity: 2 } });
    q.online(A, B);
    q.routeMany(5); // A: 1,3  B: 2,4  conv_5 waits
    q.deactivate(A);
    expect(q.lastEvents[0]).toMatchObject({
      type: 'ConversationRequeued',
      data: { agentId: A, conversationIds: ['conv_1', 'conv_3'], reason: 'agent-deactivated' },
    });
    expect(q.state.queue).toEqual(['conv_1', 'conv_3', 'conv_5']);
    q.close('conv_2');
    expect(assignedIn(q)).toEqual([['conv_1', B]]);
  });

  it('hands requeued conversations straight to agents with room', () => {
    const q = aQueue();
    q.online(A, B);
    q.routeMany(4); // A: 1,3  B: 2,4
    q.delete(A);
    expect(q.lastTypes()).toEqual(['ConversationRequeued', 'RoutingAgentSynced', 'ConversationAssigned', 'ConversationAssigned']);
    expect(q.lastEvents[0]).toMatchObject({ data: { reason: 'agent-deleted' } });
    expect(assignedIn(q)).toEqual([
      ['conv_1', B],
      ['conv_3', B],
    ]);
    expect(memberOf(q.state, A)).toBeUndefined();
  });

  it('requeues when the agent leaves the department, and forgets it', () => {
    const q = aQueue();
    q.online(A);
    q.routeMany(2);
    q.moveTo(A, [support]);
    expect(q.lastEvents[0]).toMatchObject({ type: 'ConversationRequeued', data: { reason: 'agent-left-department' } });
    expect(memberOf(q.state, A)).toBeUndefined();
    expect(q.state.queue).toEqual(['conv_1', 'conv_2']);
  });

  it('keeps conversations of the workspace-wide queue while the agent is in some department', () => {
    const q = aQueue({ departmentId: null });
    q.moveTo(A, [sales, support]);
    q.routeMany(2);
    q.moveTo(A, [support]);
    expect(q.lastEvents).toEqual([]);
    q.moveTo(A, []);
    expect(q.lastEvents[0]).toMatchObject({ type: 'ConversationRequeued', data: { reason: 'agent-left-department' } });
  });

  it('keeps the line first come, first served when conversations are requeued one agent after another', () => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A, B);
    expect(q.routeMany(2)).toEqual([A, B]);
    q.away(A);
    q.away(B);
    q.routeMany(1); // 3 waits
    q.deactivate(A);
    q.deactivate(B);
    expect(q.state.queue).toEqual(['conv_1', 'conv_2', 'conv_3']);
    q.online(C); // takes conv_1
    expect(q.state.queue).toEqual(['conv_2', 'conv_3']);
    q.deactivate(C);
    expect(q.state.queue).toEqual(['conv_1', 'conv_2', 'conv_3']);
  });

  it('puts requeued conversations ahead of ones that never had an agent', () => {
    const q = aQueue({ config: { capacity: 2 } });
    q.online(A);
    q.routeMany(4); // A: 1,2   3,4 wait
    q.deactivate(A);
    expect(q.state.queue).toEqual(['conv_1', 'conv_2', 'conv_3', 'conv_4']);
  });

  it('changes nothing when the facts are the ones it already has', () => {
    const q = aQueue();
    q.online(A);
    const before = q.state;
    q.online(A);
    expect(q.lastEvents).toEqual([]);
    expect(q.state).toBe(before);
    q.moveTo(B, [support]);
    expect(q.lastEvents).toEqual([]);
  });

  it('reads the facts from a roster agent with routingFactsOf', () => {
    const bob = { id: agentIdSchema.parse(B), status: 'active', availability: 'online', departmentIds: [sales] } as unknown as Agent;
    expect(routingFactsOf(bob)).toEqual({ agentId: B, active: true, online: true, departmentIds: [sales] });
    const q = aQueue();
    q.sync(routingFactsOf(bob));
    expect(q.route('conv_1')).toEqual({ type: 'Assigned', agentId: B });
  });

  it('reads an inactive agent as offline, whatever its availability says', () => {
    // The rules never leave an inactive agent online; a record that says so anyway (a host's
    // import) must still not make it eligible.
    const dee = { id: agentIdSchema.parse(B), status: 'inactive', availability: 'online', departmentIds: [sales] } as unknown as Agent;
    expect(routingFactsOf(dee)).toEqual({ agentId: B, active: false, online: false, departmentIds: [sales] });
  });
});

describe('transfers', () => {
  it('moves a conversation to an eligible agent, and the freed slot serves the queue', () => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A, B);
    q.routeMany(3); // A: 1, B: 2, conv_3 waits
    q.close('conv_2'); // B takes conv_3
    q.online(C);
    q.transfer('conv_1', C);
    expect(q.lastEvents[0]).toMatchObject({ type: 'ConversationTransferred', data: { conversationId: 'conv_1', from: A, to: C } });
    expect(q.openOf(C)).toEqual(['conv_1']);
    expect(q.openOf(A)).toEqual([]);
  });

  it.each([
    ['not-a-member', D],
    ['inactive', C],
    ['away', B],
    ['at-capacity', A],
  ] as const)('refuses an agent who is %s', (reason, agentId) => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A, B);
    q.routeMany(2); // A: 1, B: 2
    q.away(B);
    q.deactivate(C);
    q.online(D);
    q.moveTo(D, [support]);
    // Transfer a conversation the target does not hold: B's conv_2 to A, A's conv_1 to the others.
    const conversationId = agentId === A ? 'conv_2' : 'conv_1';
    const result = transferConversation(q.state, { conversationId, to: agentId }, ctx);
    expect(result._unsafeUnwrapErr()).toMatchObject({ type: 'AgentNotEligible', agentId, reason, message: expect.any(String) });
  });

  it("words a non-member's refusal for the workspace-wide queue too, which has no department", () => {
    const q = aQueue({ departmentId: null });
    q.online(A);
    q.routeMany(1);
    const refused = transferConversation(q.state, { conversationId: 'conv_1', to: D }, ctx)._unsafeUnwrapErr();
    expect(refused).toMatchObject({ reason: 'not-a-member', message: `Agent ${D} is not a member of this queue, so it cannot take its conversations.` });
  });

  it('puts a conversation back at the front of the queue', () => {
    const q = aQueue({ config: { capacity: 1 } });
    q.online(A);
    q.routeMany(2); // A: conv_1, conv_2 waits
    q.transfer('conv_1', 'queue');
    // conv_1 goes to the front, so A (the only one with room) gets it back before conv_2.
    expect(q.lastTypes()).toEqual(['ConversationTransferred', 'ConversationAssigned']);
    expect(assignedIn(q)).toEqual([['conv_1', A]]);
    expect(q.state.queue).toEqual(['conv_2']);
    q.away(A);
    q.transfer('conv_1', 'queue');
    expect(q.state.queue).toEqual(['conv_1', 'conv_2']);
  });

  it('changes nothing when the conversation is already there', () => {
    const q = aQueue();
    q.online(A);
    q.route('conv_1');
    q.transfer('conv_1', A);
    expect(q.lastEvents).toEqual([]);
    q.away(A);
    q.route('conv_2');
    q.transfer('conv_2', 'queue');
    expect(q.lastEvents).toEqual([]);
  });

  it('does not know a conversation that was closed or never routed', () => {
    const q = aQueue();
    q.online(A);
    q.route('conv_1');
    q.close('conv_1');
    for (const result of [
      transferConversation(q.state, { conversationId: 'conv_1', to: A }, ctx),
      closeConversation(q.state, { conversationId: 'conv_1' }, ctx),
      closeConversation(q.state, { conversationId: 'conv_9' }, ctx),
    ]) {
      expect(result._unsafeUnwrapErr()).toMatchObject({ type: 'ConversationNotFound', message: expect.stringContaining('conv_') });
    }
  });
});

describe('bad input and refusals', () => {
  const q = aQueue();
  q.online(A);
  q.route('conv_1');
  const state = q.state;

  it.each([
    ['an unknown key', () => routeConversation(state, { conversationId: 'conv_2', priority: 1 } as never, ctx)],
    ['a malformed conversation id', () => routeConversation(state, { conversationId: 'abc' }, ctx)],
    ['a malformed agent id', () => transferConversation(state, { conversationId: 'conv_1', to: 'bob' }, ctx)],
    ['an inactive agent said to be online', () => syncAgent(state, { agentId: B, active: false, online: true, departmentIds: [] }, ctx)],
    ['missing facts', () => syncAgent(state, { agentId: B, active: true }, ctx)],
    ['facts next to deleted', () => syncAgent(state, { agentId: B, deleted: true, active: true }, ctx)],
    ['a negative capacity', () => configureRouting(state, { capacity: -1 }, ctx)],
    ['a fractional capacity', () => configureRouting(state, { capacity: 1.5 }, ctx)],
    ['an unknown strategy', () => configureRouting(state, { strategy: 'random' as never }, ctx)],
    ['nothing to configure', () => configureRouting(state, {}, ctx)],
    ['a capacity keyed by a non-agent id', () => configureRouting(state, { capacities: { bob: 1 } }, ctx)],
    ['a throwing getter', () => routeConversation(state, Object.defineProperty({}, 'conversationId', { get: () => { throw new Error('boom'); }, enumerable: true }) as never, ctx)],
  ])('refuses %s with ValidationFailed', (_, command) => {
    const error = command()._unsafeUnwrapErr();
    expect(error.type).toBe('ValidationFailed');
    expect(error.message).toMatch(/^Invalid input/);
    expect(q.state).toBe(state);
  });

  // Zod's record skips a `__proto__` key without a word; configureRouting refuses it instead, as
  // it refuses any other key that is not an agent id, naming the field.
  it.each([
    ['a capacity', '{"__proto__": 3}'],
    ['an object', '{"__proto__": {"polluted": 1}, "agt_a": 2}'],
    ['null', '{"agt_a": 2, "__proto__": null}'],
  ])('refuses a "__proto__" key in capacities holding %s, naming it, without touching any prototype', (_, json) => {
    const error = configureRouting(state, { capacities: JSON.parse(json) as Record<string, number> }, ctx)._unsafeUnwrapErr();
    expect(error).toEqual({
      type: 'ValidationFailed',
      issues: [{ path: 'capacities.__proto__', message: 'must be an agent id like "agt_…": capacities are keyed by agent id' }],
      message: 'Invalid input: capacities.__proto__: must be an agent id like "agt_…": capacities are keyed by agent id.',
    });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(q.state).toBe(state);
  });

  it('reports a "__proto__" key beside the other problems of the input', () => {
    const input = JSON.parse('{"strategy": "random", "capacities": {"__proto__": 1, "bob": 2, "agt_a": -1}}') as never;
    const error = configureRouting(state, input, ctx)._unsafeUnwrapErr();
    expect(error.issues.map((i) => i.path).sort()).toEqual(['capacities.__proto__', 'capacities.agt_a', 'capacities.bob', 'strategy']);
    expect(error.issues.find((i) => i.path === 'capacities.bob')?.message).toBe('must be an agent id like "agt_…": capacities are keyed by agent id');
  });

  it('reads the input once: a getter cannot hide the "__proto__" key from the check and show it to the schema', () => {
    let reads = 0;
    const input = Object.defineProperty({}, 'capacities', {
      enumerable: true,
      get: () => (++reads === 1 ? (JSON.parse('{"__proto__": 1}') as Record<string, number>) : { agt_a: 1 }),
    });
    expect(configureRouting(state, input, ctx)._unsafeUnwrapErr().issues.map((i) => i.path)).toEqual(['capacities.__proto__']);
    expect(reads).toBe(1);
  });

  it('still takes capacities keyed by agent ids, and an inherited "__proto__" is not the input\'s', () => {
    expect(configureRouting(state, { capacities: { agt_a: 2 } }, ctx)._unsafeUnwrap().state.config.capacities).toEqual({ agt_a: 2 });
    const inherited = Object.create({ ['__proto__']: 5 }) as Record<string, number>;
    inherited['agt_a'] = 3;
    expect(configureRouting(state, { capacities: inherited }, ctx)._unsafeUnwrap().state.config.capacities).toEqual({ agt_a: 3 });
  });

  it.each(['bob', '', 'Queue', 'agt_', 5, null])('refuses a transfer to %j naming both choices, an agent id or "queue"', (to) => {
    const error = transferConversation(state, { conversationId: 'conv_1', to } as never, ctx)._unsafeUnwrapErr();
    expect(error).toEqual({
      type: 'ValidationFailed',
      issues: [{ path: 'to', message: 'must be an agent id like "agt_…" or "queue"' }],
      message: 'Invalid input: to: must be an agent id like "agt_…" or "queue".',
    });
  });

  it('names the bad field', () => {
    const error = syncAgent(state, { agentId: B, active: false, online: true, departmentIds: [] }, ctx)._unsafeUnwrapErr();
    expect(error).toMatchObject({ type: 'ValidationFailed', issues: [{ path: 'online', message: 'an inactive agent is never online' }] });
  });

  it('refuses to route a conversation that is already open or waiting', () => {
    expect(routeConversation(state, { conversationId: 'conv_1' }, ctx)._unsafeUnwrapErr()).toMatchObject({
      type: 'ConversationAlreadyRouted',
      agentId: A,
    });
  });

  it('routes a closed conversation again (a reopened chat)', () => {
    const closed = closeConversation(state, { conversationId: 'conv_1' }, ctx)._unsafeUnwrap().state;
    const again = routeConversation(closed, { conversationId: 'conv_1' }, ctx)._unsafeUnwrap();
    expect(again.outcome).toEqual({ type: 'Assigned', agentId: A });
    expect(again.state).toMatchObject({ routed: 2, closed: 1 });
  });
});

describe('events and replay', () => {
  function busyQueue() {
    const q = aQueue({ config: { strategy: 'least-busy', capacity: 2 } });
    q.online(A, B);
    q.routeMany(6);
    q.away(B);
    q.close('conv_1');
    q.transfer('conv_3', 'queue');
    q.deactivate(A);
    q.online(C);
    q.delete(B);
    q.configure({ strategy: 'round-robin', capacities: { [C]: 5 } });
    return q;
  }

  it('rebuilds the state by replaying the events', () => {
    const q = busyQueue();
    const empty = emptyRoutingState(ws, sales);
    expect(replayRouting(q.history, empty)).toEqual(q.state);
    expect(q.history.reduce(evolveRouting, empty)).toEqual(q.state);
  });

  it('keeps state and events plain JSON', () => {
    const q = busyQueue();
    expect(JSON.parse(JSON.stringify(q.state))).toEqual(q.state);
    expect(JSON.parse(JSON.stringify(q.history))).toEqual(q.history);
  });

  it('ignores events of other queues and other workspaces', () => {
    const q = busyQueue();
    const at = q.history[0]!.occurredAt;
    const other = [
      routingEvent('ConversationQueued', { workspaceId: ws, departmentId: support }, at, { conversationId: conversationIdSchema.parse('conv_x'), reason: 'department-empty' }),
      routingEvent('ConversationQueued', { workspaceId: workspaceIdSchema.parse('ws_other'), departmentId: sales }, at, { conversationId: conversationIdSchema.parse('conv_y'), reason: 'department-empty' }),
    ];
    expect(replayRouting(other, q.state)).toBe(q.state);
  });

  it('records the configuration as a whole and only when it changes', () => {
    const q = aQueue();
    q.configure({ strategy: 'least-busy', capacities: { [B]: 2, [A]: 1 } });
    expect(q.lastEvents[0]).toMatchObject({
      type: 'RoutingConfigured',
      data: { config: { strategy: 'least-busy', capacity: null, capacities: { [A]: 1, [B]: 2 } } },
    });
    q.configure({ capacities: { [A]: 1, [B]: 2 } });
    expect(q.lastEvents).toEqual([]);
    q.configure({ capacities: {} });
    expect(q.state.config).toEqual({ strategy: 'least-busy', capacity: null });
  });
});

describe('the availability board', () => {
  const at = '2026-11-23T09:00:00.000Z' as never;
  const email = (s: string) => emailSchema.parse(s);
  const e = (type: RosterEvent['type'], data: object) => event(type as never, ws, at, data as never) as RosterEvent;
  const joined = (id: string, name: string, departmentIds: DepartmentId[]) =>
    e('InvitationAccepted', {
      invitationId: invitationIdSchema.parse(`inv_${id}`),
      agentId: agentIdSchema.parse(`agt_${id}`),
      email: email(`${id}@shop.com`),
      name,
      role: 'agent',
      departmentIds,
    });
  const roster = replay([
    e('WorkspaceCreated', {
      name: 'Shop',
      plan: PLANS.custom,
      seatPolicy: DEFAULT_SEAT_POLICY,
      invitationTtlHours: 168,
      owner: { agentId: agentIdSchema.parse('agt_owner'), email: email('owner@shop.com'), name: 'Olga' },
    }),
    e('DepartmentCreated', { departmentId: support, name: 'Support' }),
    e('DepartmentCreated', { departmentId: sales, name: 'Sales' }),
    joined('ana', 'Ana', [sales, support]),
    joined('bob', 'Bob', [sales]),
    joined('cy', 'Cy', [support]),
    e('AvailabilityChanged', { agentId: 'agt_ana', availability: 'online', changedBy: 'agt_ana' }),
    e('AvailabilityChanged', { agentId: 'agt_bob', availability: 'online', changedBy: 'agt_bob' }),
    e('AgentDeactivated', { agentId: 'agt_cy', deactivatedBy: 'agt_owner' }),
  ]);
  const queueFor = (departmentId: DepartmentId | null) => {
    const q = aQueue({ departmentId });
    for (const agent of Object.values(roster.agents)) q.sync(routingFactsOf(agent));
    return q;
  };

  it('lists each department\'s agents by availability with their open conversations', () => {
    const salesQ = queueFor(sales);
    salesQ.routeMany(3); // Ana, Bob, Ana
    const supportQ = queueFor(support);
    supportQ.routeMany(1); // Ana
    const board = availabilityBoard(roster, [salesQ.state, supportQ.state]);
    expect(board).toEqual({
      departments: [
        {
          departmentId: sales,
          name: 'Sales',
          online: [
            { agentId: 'agt_ana', name: 'Ana', openConversations: 2 },
            { agentId: 'agt_bob', name: 'Bob', openConversations: 1 },
          ],
          away: [],
          inactive: [],
          waiting: 0,
        },
        {
          departmentId: support,
          name: 'Support',
          online: [{ agentId: 'agt_ana', name: 'Ana', openConversations: 1 }],
          away: [],
          inactive: [{ agentId: 'agt_cy', name: 'Cy', openConversations: 0 }],
          waiting: 0,
        },
      ],
      withoutDepartment: [{ agentId: 'agt_owner', name: 'Olga', openConversations: 0 }],
    });
  });

  it('adds a row for the workspace-wide queue, with its waiting count', () => {
    const all = queueFor(null);
    all.sync({ agentId: 'agt_ana', active: true, online: false, departmentIds: [sales] });
    all.sync({ agentId: 'agt_bob', active: true, online: false, departmentIds: [sales] });
    all.routeMany(2);
    const board = availabilityBoard(roster, [all.state, { ...all.state, workspaceId: workspaceIdSchema.parse('ws_other'), departmentId: sales }]);
    expect(board.departments.map((d) => [d.departmentId, d.waiting])).toEqual([
      [sales, 0],
      [support, 0],
      [null, 2],
    ]);
    expect(board.departments[2]!.inactive.map((a) => a.agentId)).toEqual(['agt_cy']);
  });

  it('lists an agent stored inactive yet online (a damaged roster, invariant 5) as inactive, where it takes nothing', () => {
    const cy = roster.agents['agt_cy']!;
    const damaged = { ...roster, agents: { ...roster.agents, [cy.id]: { ...cy, availability: 'online' as const } } };
    const row = availabilityBoard(damaged).departments.find((d) => d.departmentId === support)!;
    expect(row.inactive.map((a) => a.agentId)).toEqual(['agt_cy']);
    expect(row.online.map((a) => a.agentId)).toEqual(['agt_ana']);
  });
});

describe('cost of picking an agent', () => {
  const log2 = (n: number) => Math.ceil(Math.log2(n));

  function bigQueue(n: number, strategy: 'round-robin' | 'least-busy') {
    const at = '2026-11-23T09:00:00.000Z' as never;
    const events: RoutingEvent[] = [
      routingEvent('RoutingConfigured', { workspaceId: ws, departmentId: sales }, at, { config: { strategy, capacity: 3 } }),
    ];
    for (let i = 0; i < n; i++) {
      events.push(
        routingEvent('RoutingAgentSynced', { workspaceId: ws, departmentId: sales }, at, {
          agentId: agentIdSchema.parse(`agt_${i}`),
          active: true,
          online: true,
          member: true,
          lastAssignedSeq: 0,
        }),
      );
    }
    return replayRouting(events, emptyRoutingState(ws, sales));
  }

  it.each(['round-robin', 'least-busy'] as const)(
    'with 10,000 agents, %s compares O(log n) times per command and never rebuilds its index',
    (strategy) => {
      const n = 10_000;
      let state = bigQueue(n, strategy);
      const buildsBefore = routingIndexStats.builds;
      let index = new RoutingIndex(state); // a fresh build, to read its size and its O(n) build cost
      expect(indexSizes(index).rotation).toBe(n);
      const worst = { comparisons: 0 };
      const open: string[] = [];
      for (let i = 1; i <= 300; i++) {
        const cached = cachedIndexOf(state);
        const before = cached?.counter.comparisons ?? 0;
        const decision =
          i % 3 === 0
            ? closeConversation(state, { conversationId: open.shift()! }, ctx)._unsafeUnwrap()
            : routeConversation(state, { conversationId: `conv_${i}` }, ctx)._unsafeUnwrap();
        if (i % 3 !== 0) open.push(`conv_${i}`);
        index = cachedIndexOf(decision.state)!;
        if (i > 1) worst.comparisons = Math.max(worst.comparisons, index.counter.comparisons - before);
        // The new state shares every array the command did not touch: one member changed, so the
        // only new arrays are the path from the root to its bucket, not a copy of 10,000 agents.
        expect(newArraysPerLevel(decision.state.members, state.members).every((count) => count <= 1)).toBe(true);
        state = decision.state;
      }
      // One build on the first command, then the index is handed from state to state.
      expect(routingIndexStats.builds - buildsBefore).toBe(1);
      // Each command moves an agent in at most two ordered lists, each move ≤ log2(n) + 2 comparisons.
      expect(worst.comparisons).toBeGreaterThan(0);
      expect(worst.comparisons).toBeLessThanOrEqual(2 * 2 * log2(n) + 2);
      expect(indexSnapshot(new RoutingIndex(state))).toEqual(indexSnapshot(index));
      expect(listProblems(index)).toEqual([]);
    },
  );

  it('configures a queue of 10,000 without re-sorting it: only agents whose capacity changed move, a new strategy keeps the rotation', () => {
    const n = 10_000;
    let state = bigQueue(n, 'least-busy');
    for (let i = 1; i <= 30; i++) state = routeConversation(state, { conversationId: `conv_${i}` }, ctx)._unsafeUnwrap().state;
    const configure = (input: Parameters<typeof configureRouting>[1]) => {
      const index = cachedIndexOf(state)!;
      const before = indexChunks(index);
      const comparisons = index.counter.comparisons;
      state = configureRouting(state, input, ctx)._unsafeUnwrap().state;
      expect(cachedIndexOf(state)).toBe(index);
      const after = indexChunks(index);
      const fresh = (was: readonly unknown[] | null, now: readonly unknown[] | null) => (now === null ? null : now.filter((chunk) => !was?.includes(chunk)).length);
      expect(indexSnapshot(index)).toEqual(indexSnapshot(new RoutingIndex(state)));
      expect(listProblems(index)).toEqual([]);
      return { comparisons: index.counter.comparisons - comparisons, rotation: fresh(before.rotation, after.rotation), load: fresh(before.load, after.load) };
    };
    const oneMove = 2 * (log2(n) + 2);
    // One agent's override: out of both lists, then back in, each list keeping its arrays (a split makes at most one).
    expect(configure({ capacities: { agt_5000: 0 } })).toEqual({ comparisons: 0, rotation: 0, load: 0 });
    const back = configure({ capacities: {} });
    expect(back.comparisons).toBeLessThanOrEqual(oneMove);
    expect(back.rotation! + back.load!).toBeLessThanOrEqual(2);
    // A lower default: the 30 agents holding a conversation leave, nobody else is touched.
    expect(configure({ capacity: 1 })).toEqual({ comparisons: 0, rotation: 0, load: 0 });
    expect(indexSizes(cachedIndexOf(state)!)).toEqual({ rotation: n - 30, load: n - 30 });
    // A new strategy keeps the rotation list as it is and builds or drops the other without comparing.
    expect(configure({ strategy: 'round-robin' })).toEqual({ comparisons: 0, rotation: 0, load: null });
    expect(configure({ strategy: 'least-busy' })).toMatchObject({ comparisons: 0, rotation: 0 });
    // A higher default: the 30 come back, one insertion each (the least-busy list is built anew, then kept).
    const higher = configure({ strategy: 'round-robin', capacity: 3 });
    expect(higher.comparisons).toBeLessThanOrEqual(30 * (log2(n) + 2));
    expect(higher.rotation).toBeLessThanOrEqual(1);
    expect(configure({ strategy: 'least-busy' })).toMatchObject({ comparisons: 0, rotation: 0 });
    expect(indexSizes(cachedIndexOf(state)!)).toEqual({ rotation: n, load: n });
  });

  it('moves a round-robin agent to the back in constant comparisons, whatever the size', () => {
    const perRoute = (n: number) => {
      let state = bigQueue(n, 'round-robin');
      state = configureRouting(state, { capacity: null }, ctx)._unsafeUnwrap().state;
      let worst = 0;
      for (let i = 1; i <= 200; i++) {
        const before = cachedIndexOf(state)?.counter.comparisons ?? 0;
        const decision = routeConversation(state, { conversationId: `conv_${i}` }, ctx)._unsafeUnwrap();
        if (i > 1) worst = Math.max(worst, cachedIndexOf(decision.state)!.counter.comparisons - before);
        state = decision.state;
      }
      return worst;
    };
    // One comparison: with the last of the rotation, to see the agent goes after it.
    expect(perRoute(10)).toBe(1);
    expect(perRoute(10_000)).toBe(1);
  });

  it('hands each queue its index over while commands alternate between queues', () => {
    const sales = aQueue();
    const everywhere = aQueue({ departmentId: null });
    sales.online(A, B);
    everywhere.online(A, B, C);
    sales.route('conv_1');
    everywhere.route('conv_1');
    const builds = routingIndexStats.builds;
    for (let i = 2; i < 10; i++) {
      sales.route(`conv_${i}`);
      everywhere.route(`conv_${i}`);
      sales.close(`conv_${i - 1}`);
    }
    expect(routingIndexStats.builds).toBe(builds);
    expect(indexSnapshot(cachedIndexOf(sales.state)!)).toEqual(indexSnapshot(new RoutingIndex(sales.state)));
    expect(indexSnapshot(cachedIndexOf(everywhere.state)!)).toEqual(indexSnapshot(new RoutingIndex(everywhere.state)));
  });

  it('rebuilds (once) when a command is given an older state object, and still answers right', () => {
    const q = aQueue();
    q.online(A, B);
    const older = q.state;
    q.route('conv_1'); // A
    const builds = routingIndexStats.builds;
    const again = routeConversation(older, { conversationId: 'conv_1' }, ctx)._unsafeUnwrap();
    expect(again.outcome).toEqual({ type: 'Assigned', agentId: A });
    expect(routingIndexStats.builds).toBe(builds + 1);
  });
});

describe('bucketed records', () => {
  type Rec = { agentId: string; n: number };
  const ids = Array.from({ length: 1000 }, (_, i) => `agt_${i}`);
  const filledTable = () => {
    const draft = new BucketsDraft<Rec>([], byAgentId);
    ids.forEach((agentId, n) => draft.set(agentId, { agentId, n }));
    return draft.result();
  };
  /** Every bucket of a table, and the depth of the deepest. */
  const bucketsOf = (table: Buckets<Rec>) => {
    const buckets: unknown[][] = [];
    let depth = 0;
    const walk = (node: readonly unknown[], level: number) => {
      if (node.some((slot) => slot === null || Array.isArray(slot))) node.forEach((slot) => Array.isArray(slot) && walk(slot, level + 1));
      else {
        buckets.push([...node]);
        depth = Math.max(depth, level);
      }
    };
    walk(table, 0);
    return { buckets, depth };
  };

  it('finds every entry, keeps buckets small, and never changes the original', () => {
    const filled = filledTable();
    expect(ids.every((id, n) => lookup(filled, id, byAgentId)?.n === n)).toBe(true);
    expect(entriesOf(filled)).toHaveLength(1000);
    const { buckets, depth } = bucketsOf(filled);
    expect(Math.max(...buckets.map((b) => b.length / 2))).toBeLessThanOrEqual(16);
    expect(depth).toBeLessThanOrEqual(3); // 1,000 records: 32 × 32 buckets at most, no deeper

    const snapshot = JSON.stringify(filled);
    const next = new BucketsDraft(filled, byAgentId);
    ids.filter((_, i) => i % 2 === 0).forEach((id) => next.delete(id));
    next.set('agt_new', { agentId: 'agt_new', n: -1 });
    const halved = next.result();
    expect(JSON.stringify(filled)).toBe(snapshot);
    expect(entriesOf(halved)).toHaveLength(501);
    expect(lookup(halved, 'agt_0', byAgentId)).toBeUndefined();
    expect(lookup(halved, 'agt_1', byAgentId)?.n).toBe(1);
    expect(lookup(halved, 'agt_new', byAgentId)?.n).toBe(-1);
    expect(JSON.parse(JSON.stringify(halved))).toEqual(halved);
  });

  it('shares every array a change did not touch', () => {
    const before = filledTable();
    const change = new BucketsDraft(before, byAgentId);
    change.set('agt_5', { agentId: 'agt_5', n: 55 });
    const after = change.result();
    const perLevel = newArraysPerLevel(after, before);
    expect(perLevel.every((count) => count === 1)).toBe(true); // one path: root, branches, bucket
    expect(perLevel.length).toBeLessThanOrEqual(bucketsOf(before).depth + 1);
    expect(lookup(before, 'agt_5', byAgentId)?.n).toBe(5);
    expect(lookup(after, 'agt_5', byAgentId)?.n).toBe(55);
  });

  it('gives emptied buckets and branches back, down to an empty table', () => {
    const draft = new BucketsDraft(filledTable(), byAgentId);
    ids.forEach((id) => draft.delete(id));
    expect(draft.result()).toEqual([]);
  });

  it('still reads a queue stored by 0.1.0 (buckets keyed by id), and rewrites it on the first command', () => {
    // The 0.1.0 layout: 2^k objects keyed by id, an id in bucket fnv1a(id) mod 2^k.
    const fnv = (id: string) => [...id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193), 0x811c9dc5) >>> 0;
    const legacy = <T>(records: T[], key: (r: T) => string, length: number) => {
      const table: Record<string, T>[] = Array.from({ length }, () => ({}));
      for (const r of records) table[fnv(key(r)) % length]![key(r)] = r;
      return table;
    };
    const q = aQueue();
    q.online(A, B, C);
    q.routeMany(4);
    const members = membersOf(q.state);
    const conversations = conversationsOf(q.state);
    const stored = JSON.parse(JSON.stringify({ ...q.state, members: legacy(members, (m) => m.agentId, 4), conversations: legacy(conversations, (c) => c.conversationId, 2) })) as RoutingState;

    expect(membersOf(stored).sort(byId)).toEqual(members.sort(byId));
    expect(conversationsOf(stored)).toHaveLength(4);
    expect(memberOf(stored, A)).toEqual(memberOf(q.state, A));
    expect(checkRoutingState(stored)).toEqual([]);
    const next = routeConversation(stored, { conversationId: 'conv_5' }, ctx)._unsafeUnwrap();
    const expected = routeConversation(q.state, { conversationId: 'conv_5' }, ctx)._unsafeUnwrap();
    expect(next.events).toEqual(expected.events);
    expect(membersOf(next.state).sort(byId)).toEqual(membersOf(expected.state).sort(byId));
    expect(next.state.members.some((slot) => typeof slot === 'number' || Array.isArray(slot))).toBe(true); // the new layout
    expect(checkRoutingState(next.state)).toEqual([]);
  });
});

/**
 * How many arrays of `after` are not shared with `before`, per level of the table: a change that
 * copied only the path to one record has at most one per level.
 */
function newArraysPerLevel(after: Buckets<unknown>, before: Buckets<unknown>): number[] {
  const old = new Set<unknown>();
  const collect = (node: readonly unknown[]) => {
    old.add(node);
    for (const slot of node) if (Array.isArray(slot)) collect(slot);
  };
  collect(before);
  const counts: number[] = [];
  const walk = (node: readonly unknown[], level: number) => {
    if (old.has(node)) return;
    counts[level] = (counts[level] ?? 0) + 1;
    for (const slot of node) if (Array.isArray(slot)) walk(slot, level + 1);
  };
  walk(after, 0);
  return counts;
}

const byId = (a: { agentId: string }, b: { agentId: string }) => (a.agentId < b.agentId ? -1 : 1);

describe('hostile inputs (test/fixtures/hostile-inputs.json)', () => {
  // The fixture holds a bare `Infinity`, which strict JSON does not allow.
  const fixture = JSON.parse(
    readFileSync(fileURLToPath(new URL('../fixtures/hostile-inputs.json', import.meta.url)), 'utf8').replace(/\bInfinity\b/g, '1e999'),
  ) as { wrong_types: unknown[]; object_payloads_json: string[]; names_invalid: string[]; emails_invalid: string[] };
  const payloads = fixture.object_payloads_json.map((json) => JSON.parse(json) as unknown);
  const strings = [...fixture.names_invalid, ...fixture.emails_invalid];
  const q = aQueue();
  q.online(A);
  q.route('conv_1');
  const state = q.state;

  const commands: Record<string, (input: never) => Result<unknown, RoutingError>> = {
    routeConversation: (input) => routeConversation(state, input, ctx),
    closeConversation: (input) => closeConversation(state, input, ctx),
    transferConversation: (input) => transferConversation(state, input, ctx),
    syncAgent: (input) => syncAgent(state, input, ctx),
    // Each hostile input as one of several agents' facts, after a valid one.
    syncAgents: (input) => syncAgents(state, [validInputs['syncAgent'] as never, input], ctx),
    configureRouting: (input) => configureRouting(state, input, ctx),
  };
  const validInputs: Record<string, Record<string, unknown>> = {
    routeConversation: { conversationId: 'conv_2' },
    closeConversation: { conversationId: 'conv_1' },
    transferConversation: { conversationId: 'conv_1', to: 'queue' },
    syncAgent: { agentId: B, active: true, online: true, departmentIds: [sales] },
    syncAgents: { agentId: C, active: true, online: false, departmentIds: [sales] },
    configureRouting: { strategy: 'least-busy', capacity: 2, capacities: { [A]: 1 } },
  };

  // Values of the fixture that some fields rightly accept: booleans for flags, `[]` for "no
  // departments", small integers and null for capacities, and `{}` for "no overrides" (a
  // `__proto__` key is refused, not dropped: that payload is no "no overrides").
  const legitimate = (field: string, value: unknown): boolean => {
    if (field === 'active' || field === 'online') return typeof value === 'boolean';
    if (field === 'departmentIds') return Array.isArray(value) && value.length === 0;
    if (field === 'capacity') return value === null || (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 10_000);
    if (field === 'capacities') return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
    return false;
  };

  it.each(Object.keys(commands))('%s refuses wrong types and hostile objects, whole or in any field', (name) => {
    const command = commands[name]!;
    const valid = validInputs[name]!;
    expect(command(valid as never).isOk()).toBe(true);
    const inputs: unknown[] = [...fixture.wrong_types, ...payloads];
    for (const field of Object.keys(valid)) {
      for (const bad of [...fixture.wrong_types, ...payloads, ...strings]) {
        if (!legitimate(field, bad)) inputs.push({ ...valid, [field]: bad });
      }
    }
    for (const input of inputs) {
      const result = command(input as never);
      expect(result.isErr(), `${name}(${JSON.stringify(input)}) should be refused`).toBe(true);
      expect(result._unsafeUnwrapErr().type).toBe('ValidationFailed');
    }
    expect(q.state).toBe(state);
  });

  it('syncAgents refuses a list that is no list of facts, whole', () => {
    for (const bad of [...fixture.wrong_types, ...payloads].filter((v) => !(Array.isArray(v) && v.length === 0))) {
      const result = syncAgents(state, bad as never, ctx);
      expect(result.isErr(), `syncAgents(${JSON.stringify(bad)}) should be refused`).toBe(true);
      expect(result._unsafeUnwrapErr().type).toBe('ValidationFailed');
    }
  });
});
