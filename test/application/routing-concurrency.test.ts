/**
 * Routing racing the roster, explored by fast-check's scheduler: every store call waits for the
 * scheduler, so each run tries another interleaving of conversations being routed while an agent
 * is deactivated, goes away, leaves the department or is deleted.
 *
 * What must hold whatever the interleaving:
 * - no conversation is ever assigned to an agent who, at that commit, is inactive, away or not a
 *   member of the queue: checked on the event log (the roster replayed up to each assignment)
 *   and on the final stored state;
 * - no conversation is lost or duplicated: every conversation routed is waiting, open or closed,
 *   exactly once, and `routed = open + waiting + closed` in every queue;
 * - the stored queues are the replay of their events, and the roster obeys its invariants.
 *
 * Set ROSTER_CONCURRENCY_STATS=<file> to append how many runs, commits, conflicts and retries
 * each race produced; the tests print nothing.
 */
import fc from 'fast-check';
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { report, scheduledStore } from '../support/scheduled-store';
import {
  CapturingMailer,
  checkHistory,
  checkRoster,
  checkRoutingState,
  conversationOf,
  createRoster,
  emptyRoutingState,
  initialRosterState,
  isQueueMember,
  ManualClock,
  memberOf,
  membersOf,
  MemoryIdentity,
  MemoryRosterStore,
  replay,
  replayRouting,
  ROSTER_EVENT_TYPES,
  routingFactsOf,
  type ActorRef,
  type CommitOutcome,
  type DepartmentId,
  type Roster,
  type RosterStore,
  type RoutingEvent,
  type WorkspaceEvent,
  type WorkspaceId,
} from 'agent-roster';

const NO_BACKOFF = { baseDelayMs: 0, maxDelayMs: 0 };
const PASSWORD = 'correct horse battery staple';
const RUNS = 100;

/** What one race produced over all its runs. */
type Stats = { runs: number; commits: number; staleVersions: number; retries: number; gaveUp: number; requeued: number; waitingAtEnd: number };
const newStats = (): Stats => ({ runs: 0, commits: 0, staleVersions: 0, retries: 0, gaveUp: 0, requeued: 0, waitingAtEnd: 0 });

/** What the race does to Bob while conversations arrive. */
type Leave = 'deactivate' | 'go away' | 'leave the department' | 'be deleted';
const leave = (roster: Roster, ana: ActorRef, bob: ActorRef, sales: DepartmentId, how: Leave) => {
  switch (how) {
    case 'deactivate':
      return roster.deactivateAgent(ana, { agentId: bob.agentId });
    case 'go away':
      return roster.setAvailability(bob, { agentId: bob.agentId, availability: 'away' });
    case 'leave the department':
      return roster.removeAgentFromDepartment(ana, { agentId: bob.agentId, departmentId: sales });
    case 'be deleted':
      return roster.deleteAgent(ana, { agentId: bob.agentId });
  }
};

/**
 * One run's world, built without scheduling: Sales with Bob and Cy, Bob online and holding
 * conversations in Sales and in the workspace-wide queue; Cy online or away; a Sales capacity.
 */
async function aWorld(s: fc.Scheduler, stats: Stats, setup: Readonly<{ cyOnline: boolean; capacity: number | null }>) {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const mailer = new CapturingMailer();
  const identity = new MemoryIdentity();
  // Purely optimistic, so that every read and commit (retries included) is a scheduling point: a
  // session's calls would go to the store itself, past the scheduler.
  const store = new MemoryRosterStore({ lockWorkspaces: false });
  const common = { clock, mailer, identity } as const;
  const direct = createRoster({ ...common, store });
  // The scheduler picks every interleaving; a wall-clock backoff between attempts would only make
  // a run depend on timing, and its seed no longer replay it.
  const racing = createRoster({ ...common, store: scheduledStore(s, store, stats), conflictBackoff: NO_BACKOFF, maxAttempts: 50, deliverImmediately: false });
  const opened = (
    await direct.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } })
  )._unsafeUnwrap();
  const workspaceId = opened.state.workspace.id;
  const ana: ActorRef = { workspaceId, agentId: opened.state.owner.id };
  const sales = (await direct.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department.id;
  const join = async (name: string): Promise<ActorRef> => {
    const email = `${name.toLowerCase()}@acme.com`;
    (await direct.inviteAgent(ana, { email }))._unsafeUnwrap();
    const token = mailer.lastTokenFor(email) ?? 'no-token-was-sent';
    const agentId = (await direct.acceptInvitation({ token, name, password: PASSWORD }))._unsafeUnwrap().state.agent.id;
    (await direct.assignAgentToDepartments(ana, { agentId, departmentIds: [sales] }))._unsafeUnwrap();
    return { workspaceId, agentId };
  };
  const bob = await join('Bob');
  const cy = await join('Cy');
  (await direct.configureRouting(ana, { departmentId: sales, capacity: setup.capacity }))._unsafeUnwrap();
  (await direct.setAvailability(bob, { agentId: bob.agentId, availability: 'online' }))._unsafeUnwrap();
  // Bob alone online: whatever arrives now is his (up to the capacity).
  for (const c of ['conv_a', 'conv_b']) (await direct.routeConversation(workspaceId, { departmentId: sales, conversationId: c }))._unsafeUnwrap();
  (await direct.routeConversation(workspaceId, { departmentId: null, conversationId: 'conv_w' }))._unsafeUnwrap();
  if (setup.cyOnline) (await direct.setAvailability(cy, { agentId: cy.agentId, availability: 'online' }))._unsafeUnwrap();
  return { store, racing, workspaceId, ana, bob, cy, sales };
}

const typeOf = (r: Result<unknown, { type: string }>) => (r.isOk() ? 'ok' : r.error.type);
const isRoutingEvent = (e: WorkspaceEvent): e is RoutingEvent => !ROSTER_EVENT_TYPES.has(e.type);

/**
 * Walks the log in commit order with the roster replayed alongside: every conversation handed to
 * an agent (by the strategy or by a transfer) went to one who, at that point, was active, online
 * and a member of the queue. Within a commit the roster's events come before the routing events
 * they cause, so "at that point" is "at that commit".
 */
function expectNoAssignmentToIneligible(events: readonly WorkspaceEvent[]) {
  let roster = initialRosterState;
  const wrong: string[] = [];
  for (const e of events) {
    if (!isRoutingEvent(e)) {
      roster = replay([e], roster);
      continue;
    }
    const to = e.type === 'ConversationAssigned' ? e.data.agentId : e.type === 'ConversationTransferred' ? e.data.to : null;
    if (to === null) continue;
    const agent = roster.agents[to];
    const queue = e.data.departmentId ?? 'workspace-wide';
    if (!agent) wrong.push(`${e.type} of ${'conversationId' in e.data ? e.data.conversationId : '?'} to deleted agent ${to} in ${queue}`);
    else if (agent.status !== 'active') wrong.push(`${e.type} to inactive ${agent.name} in ${queue}`);
    else if (agent.availability !== 'online') wrong.push(`${e.type} to away ${agent.name} in ${queue}`);
    else if (!isQueueMember(e.data.departmentId, agent.departmentIds)) wrong.push(`${e.type} to ${agent.name}, not a member of ${queue}`);
  }
  expect(wrong).toEqual([]);
}

/** The stored workspace is the replay of its log, every invariant holds, and every queue matches the roster. */
async function expectConsistent(store: MemoryRosterStore, workspaceId: WorkspaceId) {
  const events = await store.events(workspaceId);
  const roster = replay(events);
  expect(checkRoster(roster)).toEqual([]);
  expect(checkHistory(events)).toEqual([]);
  const departmentIds = Object.keys(roster.departments) as DepartmentId[];
  const rows = await store.loadRoutingStates(workspaceId, [null, ...departmentIds]);
  expect(rows.map((r) => r.value.departmentId)).toEqual([null, ...departmentIds]);
  const routingEvents = events.filter(isRoutingEvent);
  for (const { value: queue } of rows) {
    expect(checkRoutingState(queue)).toEqual([]);
    expect(replayRouting(routingEvents, emptyRoutingState(workspaceId, queue.departmentId))).toEqual(queue);
    const belonging = Object.values(roster.agents).filter((a) => isQueueMember(queue.departmentId, a.departmentIds));
    expect(membersOf(queue).map((m) => m.agentId).sort()).toEqual(belonging.map((a) => a.id).sort());
    for (const agent of belonging) {
      const facts = routingFactsOf(agent);
      expect(memberOf(queue, agent.id)).toMatchObject({ active: facts.active, online: facts.online });
      if (agent.status === 'inactive') expect(memberOf(queue, agent.id)?.conversationIds).toEqual([]);
    }
  }
  return { events, roster, queues: rows.map((r) => r.value) };
}

const LEAVES: readonly Leave[] = ['deactivate', 'go away', 'leave the department', 'be deleted'];

describe('routing racing the roster', () => {
  for (const how of LEAVES) {
    it(`conversations arriving while Bob is told to ${how}: never assigned to him once he cannot take them, none lost or duplicated`, async () => {
      const stats = newStats();
      await fc.assert(
        fc.asyncProperty(
          fc.scheduler(),
          fc.boolean(),
          fc.constantFrom(null, 1, 2, 3),
          fc.array(fc.constantFrom<'sales' | 'workspace'>('sales', 'workspace'), { minLength: 1, maxLength: 4 }),
          async (s, cyOnline, capacity, arrivals) => {
            stats.runs++;
            const world = await aWorld(s, stats, { cyOnline, capacity });
            const { store, racing, workspaceId, ana, bob, sales } = world;
            const before = await store.loadRoutingStates(workspaceId, [null, sales]);
            const routedBefore = new Map(before.map((r) => [r.value.departmentId, r.value.routed]));
            const queueOfArrival = (q: 'sales' | 'workspace') => (q === 'sales' ? sales : null);

            const settled = await s.waitFor(
              Promise.all([
                leave(racing, ana, bob, sales, how),
                ...arrivals.map((q, n) => racing.routeConversation(workspaceId, { departmentId: queueOfArrival(q), conversationId: `conv_${n}` })),
              ]),
            );
            const [left, ...routes] = settled;
            stats.gaveUp += settled.filter((r) => r.isErr() && r.error.type === 'ConcurrencyConflict').length;
            stats.retries = stats.staleVersions - stats.gaveUp;
            expect(typeOf(left)).toBe('ok');
            expect(routes.map(typeOf)).toEqual(routes.map(() => 'ok'));

            const { events, queues } = await expectConsistent(store, workspaceId);
            expectNoAssignmentToIneligible(events);
            stats.requeued += events.filter((e) => e.type === 'ConversationRequeued').length;

            // Every arrival is in its queue exactly once (checkRoutingState saw to "once"), none went missing.
            for (const [n, q] of arrivals.entries()) {
              const queue = queues.find((x) => x.departmentId === queueOfArrival(q))!;
              expect(conversationOf(queue, `conv_${n}`), `conv_${n}`).toBeDefined();
            }
            for (const queue of queues) {
              const arrived = arrivals.filter((q) => queueOfArrival(q) === queue.departmentId).length;
              expect(queue.routed).toBe((routedBefore.get(queue.departmentId) ?? 0) + arrived);
              expect(queue.closed).toBe(0);
              // And the conversations that were there before the race are still there.
              for (const c of queue.departmentId === null ? ['conv_w'] : ['conv_a', 'conv_b']) expect(conversationOf(queue, c), c).toBeDefined();
              stats.waitingAtEnd += queue.queue.length;
            }

            // Going away keeps what Bob holds (he may have been given some before it); every other way out takes it all.
            const held = queues.flatMap((q) => memberOf(q, bob.agentId)?.conversationIds ?? []);
            if (how === 'go away') for (const q of queues) expect(memberOf(q, bob.agentId)?.online).toBe(false);
            else expect(held).toEqual([]);
          },
        ),
        { numRuns: RUNS },
      );
      report(`routeConversation × ${how}`, stats);
      // The race is real: routing and the roster change collide on the queues they share.
      expect(stats.staleVersions).toBeGreaterThan(0);
      expect(stats.gaveUp).toBe(0);
    });
  }
});
