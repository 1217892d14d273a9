/**
 * Routing through `createRoster`: conversations routed to online members by round-robin or
 * least-busy, waiting with a reason when nobody can take them, requeued when their agent leaves,
 * closed and transferred by the host's chat backend; the admins' availability board; every error.
 *
 * After every test the workspace is checked whole: its roster is the replay of its events and
 * obeys DOMAIN.md's invariants; every stored queue obeys its own invariants and is exactly the
 * replay of its routing events from an empty queue; every queue knows exactly the roster agents
 * who belong to it, with their current facts; and no inactive agent (nor anyone outside the
 * queue's department) holds an open conversation.
 */
import type { Result } from 'neverthrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CapturingMailer,
  checkHistory,
  checkRoster,
  checkRoutingState,
  conversationOf,
  conversationsOf,
  createRoster,
  departmentIdSchema,
  emptyRoutingState,
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
  type ConfigureRoutingInput,
  type DepartmentId,
  type Roster,
  type RoutingEvent,
  type RoutingState,
  type WorkspaceEvent,
  type WorkspaceId,
} from 'agent-roster';
import { hostile } from '../support/hostile-inputs';

const PASSWORD = 'correct horse battery staple';

type Shop = Awaited<ReturnType<typeof aShop>>;
/** Every shop a test opened, checked whole after the test. */
const opened: { store: MemoryRosterStore; workspaceId: WorkspaceId }[] = [];

/**
 * A roster on a ManualClock and an in-memory store, with Ana as owner of "Acme" (in no
 * department), and helpers that speak the way the tests do.
 */
async function aShop(plan = 'enterprise') {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const mailer = new CapturingMailer();
  const store = new MemoryRosterStore();
  const roster = createRoster({ clock, mailer, identity: new MemoryIdentity(), store });
  const created = (
    await roster.createWorkspace({ name: 'Acme', plan, owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } })
  )._unsafeUnwrap();
  const workspaceId = created.state.workspace.id;
  const ana: ActorRef = { workspaceId, agentId: created.state.owner.id };

  const department = async (name: string) => (await roster.createDepartment(ana, { name }))._unsafeUnwrap().state.department.id;
  /**
   * Invites `name@acme.com`, accepts, then assigns the departments with `assignAgentToDepartments`
   * (which syncs routing; see the test on invitations naming departments for why not at invite).
   */
  const join = async (name: string, departmentIds: readonly DepartmentId[] = [], role: 'agent' | 'admin' = 'agent'): Promise<ActorRef> => {
    const email = `${name.toLowerCase()}@acme.com`;
    (await roster.inviteAgent(ana, { email, role }))._unsafeUnwrap();
    const token = mailer.lastTokenFor(email) ?? 'no-token-was-sent';
    const agentId = (await roster.acceptInvitation({ token, name, password: PASSWORD }))._unsafeUnwrap().state.agent.id;
    if (departmentIds.length > 0) (await roster.assignAgentToDepartments(ana, { agentId, departmentIds: [...departmentIds] }))._unsafeUnwrap();
    return { workspaceId, agentId };
  };
  const online = async (who: ActorRef) => (await roster.setAvailability(who, { agentId: who.agentId, availability: 'online' }))._unsafeUnwrap();
  const away = async (who: ActorRef) => (await roster.setAvailability(who, { agentId: who.agentId, availability: 'away' }))._unsafeUnwrap();

  /** Routes a conversation and returns where it went; a minute passes between arrivals. */
  const route = async (departmentId: DepartmentId | null, conversationId: string) => {
    clock.advance({ minutes: 1 });
    return (await roster.routeConversation(workspaceId, { departmentId, conversationId }))._unsafeUnwrap().outcome;
  };
  const close = async (departmentId: DepartmentId | null, conversationId: string) =>
    (await roster.closeConversation(workspaceId, { departmentId, conversationId }))._unsafeUnwrap();
  const configure = async (departmentId: DepartmentId | null, config: ConfigureRoutingInput) =>
    (await roster.configureRouting(ana, { departmentId, ...config }))._unsafeUnwrap();

  /** The queue as stored. */
  const queueOf = async (departmentId: DepartmentId | null): Promise<RoutingState> => {
    const [row] = await store.loadRoutingStates(workspaceId, [departmentId]);
    if (!row) throw new Error(`no queue for ${departmentId ?? 'the workspace'}`);
    return row.value;
  };
  /** Who holds a conversation (`null`: waiting; `undefined`: not in the queue). */
  const holderOf = async (departmentId: DepartmentId | null, conversationId: string) => conversationOf(await queueOf(departmentId), conversationId)?.agentId;
  /** An agent's open conversations in a queue, in the order they were assigned. */
  const openOf = async (departmentId: DepartmentId | null, who: ActorRef) => memberOf(await queueOf(departmentId), who.agentId)?.conversationIds ?? [];
  /** Runs a use case and returns the events its commit appended to the log. */
  const committedBy = async (useCase: () => Promise<{ isOk(): boolean }>) => {
    const before = (await store.events(workspaceId)).length;
    const result = await useCase();
    expect(result.isOk()).toBe(true);
    return (await store.events(workspaceId)).slice(before);
  };
  /** Everything stored for the workspace, to show that a failure changed nothing. */
  const snapshot = async () => {
    const departments = await store.listDepartments(workspaceId);
    return {
      workspace: await store.loadWorkspace(workspaceId),
      agents: await store.listAgents(workspaceId),
      departments,
      queues: await store.loadRoutingStates(workspaceId, [null, ...departments.map((d) => d.department.id)]),
      events: await store.events(workspaceId),
    };
  };

  const shop = { clock, mailer, store, roster, workspaceId, ana, department, join, online, away, route, close, configure, queueOf, holderOf, openOf, committedBy, snapshot };
  opened.push(shop);
  return shop;
}

const isRoutingEvent = (e: WorkspaceEvent): e is RoutingEvent => !ROSTER_EVENT_TYPES.has(e.type);

/** The whole-workspace checks this file makes after every test (see the header). */
async function expectConsistent({ store, workspaceId }: Pick<Shop, 'store' | 'workspaceId'>) {
  const events = await store.events(workspaceId);
  const roster = replay(events);
  expect(checkRoster(roster)).toEqual([]);
  expect(checkHistory(events)).toEqual([]);
  expect(Object.values(roster.agents).sort(byId)).toEqual([...(await store.listAgents(workspaceId))].sort(byId));

  const departmentIds = Object.keys(roster.departments) as DepartmentId[];
  const rows = await store.loadRoutingStates(workspaceId, [null, ...departmentIds]);
  expect(rows.map((r) => r.value.departmentId)).toEqual([null, ...departmentIds]);
  const routingEvents = events.filter(isRoutingEvent);
  for (const { value: queue } of rows) {
    const name = queue.departmentId ?? 'workspace-wide';
    expect(checkRoutingState(queue), name).toEqual([]);
    expect(replayRouting(routingEvents, emptyRoutingState(workspaceId, queue.departmentId)), name).toEqual(queue);
    // The queue knows exactly the agents who belong to it, with their facts as the roster has them.
    const belonging = Object.values(roster.agents).filter((a) => isQueueMember(queue.departmentId, a.departmentIds));
    expect(membersOf(queue).map((m) => m.agentId).sort(), name).toEqual(belonging.map((a) => a.id).sort());
    for (const agent of belonging) {
      const facts = routingFactsOf(agent);
      expect(memberOf(queue, agent.id), `${name}: ${agent.name}`).toMatchObject({ active: facts.active, online: facts.online });
      // DOMAIN.md invariant 5: an inactive agent never holds a routed conversation.
      if (agent.status === 'inactive') expect(memberOf(queue, agent.id)?.conversationIds, `${name}: ${agent.name}`).toEqual([]);
    }
  }
}
const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

afterEach(async () => {
  for (const shop of opened.splice(0)) await expectConsistent(shop);
});

/** The error of a failed use case, checked to be of `type`. */
async function failure<V, E extends { type: string }, T extends E['type']>(outcome: PromiseLike<Result<V, E>>, type: T): Promise<Extract<E, { type: T }>> {
  const result = await outcome;
  if (result.isOk()) throw new Error(`Expected ${type}, but the use case succeeded.`);
  expect(result.error.type).toBe(type);
  return result.error as Extract<E, { type: T }>;
}

describe('routing a conversation', () => {
  it('gives it to an online member of the department', async () => {
    const { department, join, online, route, holderOf, roster, workspaceId } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    await online(bob);
    expect(await route(sales, 'conv_1')).toEqual({ type: 'Assigned', agentId: bob.agentId });
    expect(await holderOf(sales, 'conv_1')).toBe(bob.agentId);
    const again = (await roster.routeConversation(workspaceId, { departmentId: sales, conversationId: 'conv_2' }))._unsafeUnwrap();
    expect(again.events).toMatchObject([
      { type: 'ConversationAssigned', data: { departmentId: sales, conversationId: 'conv_2', agentId: bob.agentId, source: 'new', strategy: 'round-robin' } },
    ]);
  });

  it('queues it, saying nobody is online, while every member is away', async () => {
    const { department, join, route, queueOf } = await aShop();
    const sales = await department('Sales');
    await join('Bob', [sales]);
    await join('Cy', [sales]);
    const outcome = await route(sales, 'conv_1');
    expect(outcome).toMatchObject({ type: 'Queued', position: 1, why: { type: 'NoAgentAvailable', reason: 'nobody-online' } });
    if (outcome.type === 'Queued') expect(outcome.why.message).toMatch(/online/);
    expect(await route(sales, 'conv_2')).toMatchObject({ type: 'Queued', position: 2, why: { reason: 'nobody-online' } });
    expect((await queueOf(sales)).queue).toEqual(['conv_1', 'conv_2']);
  });

  it('queues it, saying the department is empty, when nobody is in it', async () => {
    const { department, route, online, ana } = await aShop();
    const sales = await department('Sales');
    await online(ana); // online, but in no department
    expect(await route(sales, 'conv_1')).toMatchObject({ type: 'Queued', position: 1, why: { reason: 'department-empty' } });
  });

  it('says a department with members is not empty, even when they joined through an invitation naming it', async () => {
    // Accepting an invitation that names departments puts the agent in them (away): the queues
    // must know it from that commit on, or "why nobody" says "department-empty" about Bob's team.
    const { department, roster, ana, mailer, route } = await aShop();
    const sales = await department('Sales');
    (await roster.inviteAgent(ana, { email: 'bob@acme.com', departmentIds: [sales] }))._unsafeUnwrap();
    const token = mailer.lastTokenFor('bob@acme.com') ?? 'no-token-was-sent';
    (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    expect(await route(sales, 'conv_1')).toMatchObject({ type: 'Queued', why: { reason: 'nobody-online' } });
  });

  it('queues it, saying everybody is at capacity, once online members are full', async () => {
    const { department, join, online, route, configure, queueOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    await online(bob);
    await online(cy);
    const configured = await configure(sales, { capacity: 1 });
    expect(configured.events).toMatchObject([{ type: 'RoutingConfigured', data: { config: { strategy: 'round-robin', capacity: 1 } } }]);
    const first = await route(sales, 'conv_1');
    const second = await route(sales, 'conv_2');
    expect([first, second].map((o) => (o.type === 'Assigned' ? o.agentId : null)).sort()).toEqual([bob.agentId, cy.agentId].sort());
    expect(await route(sales, 'conv_3')).toMatchObject({ type: 'Queued', position: 1, why: { reason: 'everybody-at-capacity' } });
    expect((await queueOf(sales)).config).toEqual({ strategy: 'round-robin', capacity: 1 });
  });

  it('serves waiting conversations in arrival order as agents come online', async () => {
    const { department, join, online, route, configure, queueOf, holderOf, committedBy, roster } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    await configure(sales, { capacity: 1 });
    for (const c of ['conv_1', 'conv_2', 'conv_3']) expect(await route(sales, c)).toMatchObject({ type: 'Queued', why: { reason: 'nobody-online' } });

    const bobBack = await committedBy(async () => roster.setAvailability(bob, { agentId: bob.agentId, availability: 'online' }));
    // One commit: the availability change, the queues learning it, and the first waiting conversation served.
    expect(bobBack[0]?.type).toBe('AvailabilityChanged');
    const inSales = bobBack.filter((e) => isRoutingEvent(e) && e.data.departmentId === sales);
    expect(inSales.map((e) => e.type)).toEqual(['RoutingAgentSynced', 'ConversationAssigned']);
    expect(inSales[1]).toMatchObject({ data: { conversationId: 'conv_1', agentId: bob.agentId, source: 'queue' } });
    await online(cy);
    expect(await holderOf(sales, 'conv_2')).toBe(cy.agentId);
    expect((await queueOf(sales)).queue).toEqual(['conv_3']);
    // A newcomer never jumps the line: with conv_3 waiting, conv_4 waits behind it.
    expect(await route(sales, 'conv_4')).toMatchObject({ type: 'Queued', position: 2 });
    expect((await queueOf(sales)).queue).toEqual(['conv_3', 'conv_4']);
  });

  it('serves the waiting line when an online agent is assigned to the department, in the same commit', async () => {
    const { department, route, online, roster, ana, join, committedBy, holderOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob'); // in no department yet
    await online(bob);
    expect(await route(sales, 'conv_1')).toMatchObject({ type: 'Queued', why: { reason: 'department-empty' } });
    expect(await route(null, 'conv_2')).toMatchObject({ type: 'Queued', why: { reason: 'department-empty' } });
    const assigned = await committedBy(async () => roster.assignAgentToDepartments(ana, { agentId: bob.agentId, departmentIds: [sales] }));
    expect(assigned.filter((e) => e.type === 'ConversationAssigned').map((e) => e.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ departmentId: sales, conversationId: 'conv_1', agentId: bob.agentId }),
        expect.objectContaining({ departmentId: null, conversationId: 'conv_2', agentId: bob.agentId }),
      ]),
    );
    expect(await holderOf(sales, 'conv_1')).toBe(bob.agentId);
    expect(await holderOf(null, 'conv_2')).toBe(bob.agentId);
  });

  it('drains the queue at once when a capacity is raised', async () => {
    const { department, join, online, route, configure, queueOf, openOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    await online(bob);
    await configure(sales, { capacity: 0 }); // 0 pauses the queue
    expect(await route(sales, 'conv_1')).toMatchObject({ type: 'Queued', why: { reason: 'everybody-at-capacity' } });
    expect(await route(sales, 'conv_2')).toMatchObject({ type: 'Queued' });
    const raised = await configure(sales, { capacities: { [bob.agentId]: 2 } });
    expect(raised.events.map((e) => e.type)).toEqual(['RoutingConfigured', 'ConversationAssigned', 'ConversationAssigned']);
    expect(await openOf(sales, bob)).toEqual(['conv_1', 'conv_2']);
    expect((await queueOf(sales)).queue).toEqual([]);
    // Setting what is already set changes nothing.
    expect((await configure(sales, { capacity: 0 })).events).toEqual([]);
  });
});

describe('when an agent can no longer keep its conversations', () => {
  const leaves = {
    'is deactivated': { reason: 'agent-deactivated', act: (s: Shop, who: ActorRef) => s.roster.deactivateAgent(s.ana, { agentId: who.agentId }) },
    'is deleted': { reason: 'agent-deleted', act: (s: Shop, who: ActorRef) => s.roster.deleteAgent(s.ana, { agentId: who.agentId }) },
    'is removed from the department': {
      reason: 'agent-left-department',
      act: (s: Shop, who: ActorRef, departmentId: DepartmentId) => s.roster.removeAgentFromDepartment(s.ana, { agentId: who.agentId, departmentId }),
    },
  } as const;

  for (const [how, { reason, act }] of Object.entries(leaves)) {
    it(`requeues them at the front, in arrival order, when the agent ${how}; another member picks them up`, async () => {
      const shop = await aShop();
      const { department, join, online, route, configure, queueOf, holderOf, openOf, close, committedBy } = shop;
      const sales = await department('Sales');
      const bob = await join('Bob', [sales]);
      const cy = await join('Cy', [sales]);
      await online(bob);
      await online(cy);
      await configure(sales, { capacity: 2 });
      for (const c of ['conv_1', 'conv_2', 'conv_3', 'conv_4']) expect(await route(sales, c)).toMatchObject({ type: 'Assigned' });
      expect(await route(sales, 'conv_5')).toMatchObject({ type: 'Queued', why: { reason: 'everybody-at-capacity' } });
      // Round-robin alternated, so whoever got conv_1 also got conv_3.
      const leaver = (await holderOf(sales, 'conv_1')) === bob.agentId ? bob : cy;
      const stayer = leaver === bob ? cy : bob;
      expect(await openOf(sales, leaver)).toEqual(['conv_1', 'conv_3']);

      const events = await committedBy(async () => act(shop, leaver, sales));
      expect(events.find((e) => e.type === 'ConversationRequeued')).toMatchObject({
        data: { departmentId: sales, agentId: leaver.agentId, conversationIds: ['conv_1', 'conv_3'], reason },
      });
      // Back at the front, ahead of conv_5 which never had an agent, in their first arrival order.
      expect((await queueOf(sales)).queue).toEqual(['conv_1', 'conv_3', 'conv_5']);
      expect(memberOf(await queueOf(sales), leaver.agentId)?.conversationIds ?? []).toEqual([]);

      // The other member is full; each slot it frees goes to the first in line.
      await close(sales, 'conv_2');
      expect(await holderOf(sales, 'conv_1')).toBe(stayer.agentId);
      await close(sales, 'conv_4');
      expect(await holderOf(sales, 'conv_3')).toBe(stayer.agentId);
      expect((await queueOf(sales)).queue).toEqual(['conv_5']);
    });

    it(`hands the conversations to an online member with room in the same commit when the agent ${how}`, async () => {
      const shop = await aShop();
      const { department, join, online, route, openOf, committedBy } = shop;
      const sales = await department('Sales');
      const bob = await join('Bob', [sales]);
      const cy = await join('Cy', [sales]);
      await online(bob);
      await route(sales, 'conv_1');
      await route(sales, 'conv_2');
      await online(cy); // online after the conversations were routed: Bob holds both
      expect(await openOf(sales, bob)).toEqual(['conv_1', 'conv_2']);

      const events = await committedBy(async () => act(shop, bob, sales));
      const salesEvents = events.filter((e) => isRoutingEvent(e) && e.data.departmentId === sales);
      expect(salesEvents.map((e) => e.type)).toEqual(['ConversationRequeued', 'RoutingAgentSynced', 'ConversationAssigned', 'ConversationAssigned']);
      expect(salesEvents.slice(2)).toMatchObject([
        { data: { conversationId: 'conv_1', agentId: cy.agentId, source: 'queue' } },
        { data: { conversationId: 'conv_2', agentId: cy.agentId, source: 'queue' } },
      ]);
      expect(await openOf(sales, cy)).toEqual(['conv_1', 'conv_2']);
    });
  }

  it('lets an away agent keep its conversations; only new ones go elsewhere', async () => {
    const { department, join, online, away, route, openOf, queueOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    await online(bob);
    await route(sales, 'conv_1');
    await route(sales, 'conv_2');
    await away(bob);
    expect(await openOf(sales, bob)).toEqual(['conv_1', 'conv_2']);
    expect(await route(sales, 'conv_3')).toMatchObject({ type: 'Queued', why: { reason: 'nobody-online' } });
    await online(cy);
    expect(await openOf(sales, cy)).toEqual(['conv_3']);
    expect(await openOf(sales, bob)).toEqual(['conv_1', 'conv_2']);
    expect((await queueOf(sales)).queue).toEqual([]);
  });

  it('brings a reactivated agent back away, taking nothing until it goes online', async () => {
    const { department, join, online, route, roster, ana, openOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    await online(bob);
    await route(sales, 'conv_1');
    (await roster.deactivateAgent(ana, { agentId: bob.agentId }))._unsafeUnwrap();
    (await roster.activateAgent(ana, { agentId: bob.agentId }))._unsafeUnwrap();
    expect(await openOf(sales, bob)).toEqual([]);
    expect(await route(sales, 'conv_2')).toMatchObject({ type: 'Queued', why: { reason: 'nobody-online' } });
    await online(bob);
    expect(await openOf(sales, bob)).toEqual(['conv_1', 'conv_2']);
  });
});

describe('strategies', () => {
  it('round-robin spreads conversations evenly, in a fixed rotation', async () => {
    const { department, join, online, route } = await aShop();
    const sales = await department('Sales');
    const team = [await join('Bob', [sales]), await join('Cy', [sales]), await join('Dee', [sales])];
    for (const who of team) await online(who);
    const given: string[] = [];
    for (let n = 1; n <= 9; n++) {
      const outcome = await route(sales, `conv_${n}`);
      if (outcome.type !== 'Assigned') throw new Error(`conv_${n} waited`);
      given.push(outcome.agentId);
    }
    expect(new Set(given.slice(0, 3)).size).toBe(3);
    expect(given.slice(3, 6)).toEqual(given.slice(0, 3));
    expect(given.slice(6, 9)).toEqual(given.slice(0, 3));
    for (const who of team) expect(given.filter((a) => a === who.agentId)).toHaveLength(3);
  });

  it('least-busy picks the agent with the fewest open conversations, whoever had the last turn', async () => {
    const { department, join, online, route, close, configure, holderOf, openOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    await online(bob);
    await online(cy);
    await configure(sales, { strategy: 'least-busy' });
    for (const c of ['conv_1', 'conv_2', 'conv_3', 'conv_4']) await route(sales, c);
    expect((await openOf(sales, bob)).length).toBe(2);
    expect((await openOf(sales, cy)).length).toBe(2);
    // Whoever got conv_4 had the last turn; round-robin would now pick the other one.
    const last = (await holderOf(sales, 'conv_4')) === bob.agentId ? bob : cy;
    const other = last === bob ? cy : bob;
    await close(sales, (await openOf(sales, last))[0]!);
    expect(await route(sales, 'conv_5')).toEqual({ type: 'Assigned', agentId: last.agentId });
    await close(sales, (await openOf(sales, other))[0]!);
    expect(await route(sales, 'conv_6')).toEqual({ type: 'Assigned', agentId: other.agentId });
  });

  it('least-busy with a capacity, and a per-agent override, waits only when everyone is full', async () => {
    const { department, join, online, route, configure, openOf, queueOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    await online(bob);
    await online(cy);
    await configure(sales, { strategy: 'least-busy', capacity: 1, capacities: { [bob.agentId]: 3 } });
    for (const c of ['conv_1', 'conv_2', 'conv_3', 'conv_4']) expect(await route(sales, c)).toMatchObject({ type: 'Assigned' });
    expect((await openOf(sales, bob)).length).toBe(3);
    expect((await openOf(sales, cy)).length).toBe(1);
    expect(await route(sales, 'conv_5')).toMatchObject({ type: 'Queued', why: { reason: 'everybody-at-capacity' } });
    expect((await queueOf(sales)).config).toEqual({ strategy: 'least-busy', capacity: 1, capacities: { [bob.agentId]: 3 } });
  });
});

describe('the workspace-wide queue', () => {
  it('takes members of any department, never agents in none', async () => {
    const { department, join, online, route, queueOf, ana, openOf } = await aShop();
    const sales = await department('Sales');
    const support = await department('Support');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [support]);
    const dee = await join('Dee'); // in no department
    expect(await route(null, 'conv_1')).toMatchObject({ type: 'Queued', why: { reason: 'nobody-online' } });
    await online(dee);
    await online(ana);
    expect(await route(null, 'conv_2')).toMatchObject({ type: 'Queued', position: 2, why: { reason: 'nobody-online' } });
    await online(bob);
    expect(await openOf(null, bob)).toEqual(['conv_1', 'conv_2']);
    await online(cy);
    const next = [await route(null, 'conv_3'), await route(null, 'conv_4')];
    expect(next.map((o) => (o.type === 'Assigned' ? o.agentId : null)).sort()).toEqual([bob.agentId, cy.agentId].sort());
    const queue = await queueOf(null);
    expect(membersOf(queue).map((m) => m.agentId).sort()).toEqual([bob.agentId, cy.agentId].sort());
    expect(await openOf(null, dee)).toEqual([]);
    // Capacity is per queue: the department queues are untouched by workspace-wide conversations.
    expect(await openOf(sales, bob)).toEqual([]);
  });

  it('says it is empty in a workspace whose agents are in no department', async () => {
    const { route, online, ana } = await aShop();
    await online(ana);
    expect(await route(null, 'conv_1')).toMatchObject({ type: 'Queued', why: { reason: 'department-empty' } });
  });
});

describe('closing and transferring', () => {
  it('closing frees a slot and serves the first waiting conversation; a waiting one can close too', async () => {
    const { department, join, online, route, close, configure, queueOf, holderOf, roster, workspaceId } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    await online(bob);
    await configure(sales, { capacity: 1 });
    await route(sales, 'conv_1');
    expect(await route(sales, 'conv_2')).toMatchObject({ type: 'Queued', position: 1 });
    expect(await route(sales, 'conv_3')).toMatchObject({ type: 'Queued', position: 2 });

    const closed = await close(sales, 'conv_1');
    expect(closed.events).toMatchObject([
      { type: 'ConversationClosed', data: { conversationId: 'conv_1', agentId: bob.agentId } },
      { type: 'ConversationAssigned', data: { conversationId: 'conv_2', agentId: bob.agentId, source: 'queue' } },
    ]);
    expect(await holderOf(sales, 'conv_1')).toBeUndefined();
    // The visitor of conv_3 left before anyone answered.
    expect((await close(sales, 'conv_3')).events).toMatchObject([{ type: 'ConversationClosed', data: { conversationId: 'conv_3', agentId: null } }]);
    const queue = await queueOf(sales);
    expect({ waiting: queue.queue, routed: queue.routed, closed: queue.closed }).toEqual({ waiting: [], routed: 3, closed: 2 });
    await failure(roster.closeConversation(workspaceId, { departmentId: sales, conversationId: 'conv_3' }), 'ConversationNotFound');
    // A closed conversation may come back (the visitor wrote again).
    await close(sales, 'conv_2');
    expect(await route(sales, 'conv_1')).toEqual({ type: 'Assigned', agentId: bob.agentId });
  });

  it('transfers to a named eligible agent, and back to the front of the queue', async () => {
    const { department, join, online, away, route, queueOf, holderOf, roster, workspaceId } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    await online(bob);
    await online(cy);
    const first = await route(sales, 'conv_1');
    if (first.type !== 'Assigned') throw new Error('conv_1 waited');
    const from = first.agentId === bob.agentId ? bob : cy;
    const to = from === bob ? cy : bob;

    const moved = (await roster.transferConversation(workspaceId, { departmentId: sales, conversationId: 'conv_1', to: to.agentId }))._unsafeUnwrap();
    expect(moved.events).toMatchObject([{ type: 'ConversationTransferred', data: { conversationId: 'conv_1', from: from.agentId, to: to.agentId } }]);
    expect(await holderOf(sales, 'conv_1')).toBe(to.agentId);
    // Transferring to where it already is changes nothing.
    expect((await roster.transferConversation(workspaceId, { departmentId: sales, conversationId: 'conv_1', to: to.agentId }))._unsafeUnwrap().events).toEqual([]);

    // Back to the queue with nobody online: it waits at the front.
    await away(bob);
    await away(cy);
    await route(sales, 'conv_2');
    const back = (await roster.transferConversation(workspaceId, { departmentId: sales, conversationId: 'conv_1', to: 'queue' }))._unsafeUnwrap();
    expect(back.events).toMatchObject([{ type: 'ConversationTransferred', data: { conversationId: 'conv_1', from: to.agentId, to: null } }]);
    expect((await queueOf(sales)).queue).toEqual(['conv_1', 'conv_2']);
    await online(from);
    expect(await holderOf(sales, 'conv_1')).toBe(from.agentId);
    expect(await holderOf(sales, 'conv_2')).toBe(from.agentId);
  });

  it('refuses a transfer to an agent who may not take the conversation, saying why', async () => {
    const { department, join, online, route, configure, roster, workspaceId, ana, snapshot } = await aShop();
    const sales = await department('Sales');
    const support = await department('Support');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    const dee = await join('Dee', [sales]);
    const eve = await join('Eve', [support]);
    await online(bob);
    await online(dee);
    await online(eve);
    (await roster.deactivateAgent(ana, { agentId: dee.agentId }))._unsafeUnwrap();
    await configure(sales, { capacity: 1 });
    await route(sales, 'conv_1'); // Bob's: the only active online member
    expect(await route(sales, 'conv_2')).toMatchObject({ type: 'Queued' });
    const before = await snapshot();
    const transfer = (conversationId: string, to: ActorRef) =>
      failure(roster.transferConversation(workspaceId, { departmentId: sales, conversationId, to: to.agentId }), 'AgentNotEligible');
    expect(await transfer('conv_1', cy)).toMatchObject({ agentId: cy.agentId, reason: 'away' });
    expect(await transfer('conv_1', dee)).toMatchObject({ agentId: dee.agentId, reason: 'inactive' });
    expect(await transfer('conv_1', eve)).toMatchObject({ agentId: eve.agentId, reason: 'not-a-member' });
    expect(await transfer('conv_1', ana)).toMatchObject({ reason: 'not-a-member' });
    expect(await transfer('conv_2', bob)).toMatchObject({ agentId: bob.agentId, reason: 'at-capacity' });
    expect((await transfer('conv_1', cy)).message).toMatch(/away/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('errors', () => {
  it('WorkspaceNotFound for a workspace that does not exist', async () => {
    const { roster } = await aShop();
    await failure(roster.routeConversation('ws_nope', { departmentId: null, conversationId: 'conv_1' }), 'WorkspaceNotFound');
    await failure(roster.closeConversation('ws_nope', { departmentId: null, conversationId: 'conv_1' }), 'WorkspaceNotFound');
    await failure(roster.transferConversation('ws_nope', { departmentId: null, conversationId: 'conv_1', to: 'queue' }), 'WorkspaceNotFound');
  });

  it('DepartmentNotFound for an unknown department and for a deleted one', async () => {
    const { department, join, online, route, roster, workspaceId, ana, snapshot } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    await online(bob);
    await route(sales, 'conv_1');
    (await roster.deleteDepartment(ana, { departmentId: sales }))._unsafeUnwrap();
    const before = await snapshot();
    for (const departmentId of ['dep_nope', sales]) {
      expect(await failure(roster.routeConversation(workspaceId, { departmentId, conversationId: 'conv_2' }), 'DepartmentNotFound')).toMatchObject({ departmentId });
      await failure(roster.closeConversation(workspaceId, { departmentId, conversationId: 'conv_1' }), 'DepartmentNotFound');
      await failure(roster.transferConversation(workspaceId, { departmentId, conversationId: 'conv_1', to: 'queue' }), 'DepartmentNotFound');
      await failure(roster.configureRouting(ana, { departmentId, capacity: 2 }), 'DepartmentNotFound');
      // The read model answers "no such queue" rather than an error.
      expect((await roster.routingQueue(ana, departmentId))._unsafeUnwrap()).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('ConversationNotFound and ConversationAlreadyRouted, changing nothing', async () => {
    const { department, join, online, route, configure, roster, workspaceId, snapshot } = await aShop();
    const sales = await department('Sales');
    const support = await department('Support');
    const bob = await join('Bob', [sales]);
    await online(bob);
    await configure(sales, { capacity: 1 });
    await route(sales, 'conv_1');
    await route(sales, 'conv_2'); // waits
    const before = await snapshot();
    expect(await failure(roster.routeConversation(workspaceId, { departmentId: sales, conversationId: 'conv_1' }), 'ConversationAlreadyRouted')).toMatchObject({
      conversationId: 'conv_1',
      agentId: bob.agentId,
    });
    expect(await failure(roster.routeConversation(workspaceId, { departmentId: sales, conversationId: 'conv_2' }), 'ConversationAlreadyRouted')).toMatchObject({
      agentId: null,
    });
    // A queue only knows its own conversations.
    await failure(roster.closeConversation(workspaceId, { departmentId: support, conversationId: 'conv_1' }), 'ConversationNotFound');
    await failure(roster.transferConversation(workspaceId, { departmentId: null, conversationId: 'conv_1', to: 'queue' }), 'ConversationNotFound');
    expect(await failure(roster.closeConversation(workspaceId, { departmentId: sales, conversationId: 'conv_9' }), 'ConversationNotFound')).toMatchObject({
      conversationId: 'conv_9',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('PermissionDenied for a non-admin configuring routing or reading the queue or the board', async () => {
    const { department, join, roster, snapshot } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales], 'admin');
    const before = await snapshot();
    expect(await failure(roster.configureRouting(bob, { departmentId: sales, strategy: 'least-busy' }), 'PermissionDenied')).toMatchObject({
      capability: 'manageDepartments',
    });
    expect(await failure(roster.routingQueue(bob, sales), 'PermissionDenied')).toMatchObject({ capability: 'viewStatistics' });
    expect(await failure(roster.availabilityBoard(bob), 'PermissionDenied')).toMatchObject({ capability: 'viewStatistics' });
    expect(await snapshot()).toEqual(before);
    // Any admin may, not only the owner.
    (await roster.configureRouting(cy, { departmentId: sales, strategy: 'least-busy' }))._unsafeUnwrap();
    expect((await roster.routingQueue(cy, sales))._unsafeUnwrap()?.config.strategy).toBe('least-busy');
  });

  it('configureRouting: a capacity for an agent of another workspace, or of nobody, is AgentNotFound and changes nothing (invariant 7)', async () => {
    const { department, join, roster, ana, configure, snapshot } = await aShop();
    const other = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const dan = await join('Dan'); // of this workspace, in no department: not a member of Sales
    const stranger = await other.join('Eve', [await other.department('Sales')]);
    const before = await snapshot();
    for (const foreign of [stranger.agentId, other.ana.agentId, 'agt_nobody']) {
      expect(
        await failure(roster.configureRouting(ana, { departmentId: sales, capacities: { [bob.agentId]: 2, [foreign]: 3 } }), 'AgentNotFound'),
      ).toMatchObject({ agentId: foreign });
      expect(await failure(roster.configureRouting(ana, { departmentId: null, capacities: { [foreign]: 1 } }), 'AgentNotFound')).toMatchObject({ agentId: foreign });
    }
    expect(await snapshot()).toEqual(before);
    // A member, and an agent of the workspace outside the department, may both have one.
    await configure(sales, { capacities: { [bob.agentId]: 2, [dan.agentId]: 1 } });
    // An override kept for an agent deleted since may be passed back as it is, so that reading
    // the config, changing one entry and writing it back keeps working.
    (await roster.deleteAgent(ana, { agentId: dan.agentId }))._unsafeUnwrap();
    await configure(sales, { capacities: { [bob.agentId]: 3, [dan.agentId]: 1 } });
    expect((await roster.routingQueue(ana, sales))._unsafeUnwrap()?.config.capacities).toEqual({ [bob.agentId]: 3, [dan.agentId]: 1 });
    // It cannot be given a new value, though: Dan is nobody's agent now.
    const kept = await snapshot();
    for (const capacity of [2, null]) {
      expect(
        await failure(roster.configureRouting(ana, { departmentId: sales, capacities: { [bob.agentId]: 3, [dan.agentId]: capacity } }), 'AgentNotFound'),
      ).toMatchObject({ agentId: dan.agentId });
    }
    expect(await snapshot()).toEqual(kept);
    // Left out, it is dropped.
    await configure(sales, { capacities: { [bob.agentId]: 3 } });
    expect((await roster.routingQueue(ana, sales))._unsafeUnwrap()?.config.capacities).toEqual({ [bob.agentId]: 3 });
  });

  it('configureRouting checks its whole input before the actor, as every use case does', async () => {
    const { department, join, roster, ana, snapshot } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const before = await snapshot();
    const pathsOf = async (actor: typeof ana, departmentId: string) => {
      const refused = await failure(roster.configureRouting(actor, { departmentId, strategy: 'fastest' } as never), 'ValidationFailed');
      return refused.issues.map((i) => i.path);
    };
    // A non-admin, an unreadable actor and an unknown department all wait until the input is right.
    expect(await pathsOf(bob, sales)).toEqual(['strategy']);
    expect(await pathsOf({ workspaceId: ana.workspaceId, agentId: 'nobody' } as never, sales)).toEqual(['strategy']);
    expect(await pathsOf(ana, 'dep_gone')).toEqual(['strategy']);
    expect(await snapshot()).toEqual(before);
  });
});

describe('hostile inputs through every routing use case', () => {
  type Outcome = PromiseLike<Result<unknown, { type: string }>>;
  const BAD_IDS = ['', ' ', '__proto__', 'constructor', 'conv_', 'conv_ a', 'conv_a/b', `conv_${'a'.repeat(65)}`, 'agt_\u0000', 'dep_\u202Ex'];
  const payloads = hostile.object_payloads_json.map((json) => JSON.parse(json) as unknown);
  const notNull = hostile.wrong_types.filter((v) => v !== null);
  /** Wrong types that are not, by chance, a valid capacity (the fixture holds 0 and 42) or an empty record. */
  const notCapacity = notNull.filter((v) => !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 10_000));
  const notCapacities = hostile.wrong_types.filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));
  const ids = [...hostile.wrong_types, ...BAD_IDS];

  /** One use case: how to call it with a first argument and an input, a valid input, and hostile values per field. */
  type Case = Readonly<{
    name: string;
    call: (r: Roster, first: unknown, input: unknown) => Outcome;
    first: 'workspaceId' | 'actor';
    input: (s: Shop, sales: DepartmentId) => Record<string, unknown> | DepartmentId | null | undefined;
    fields: Readonly<Record<string, readonly unknown[]>>;
    /** An empty object is a valid whole input (every field optional). */
    emptyIsValid?: boolean;
  }>;
  const loose = (f: (...args: never[]) => unknown) => f as unknown as (...args: unknown[]) => Outcome;
  const cases: readonly Case[] = [
    {
      name: 'routeConversation',
      call: (r, w, i) => loose(r.routeConversation)(w, i),
      first: 'workspaceId',
      input: (_s, sales) => ({ departmentId: sales, conversationId: 'conv_new' }),
      fields: { departmentId: [...notNull, ...BAD_IDS, 'agt_x'], conversationId: [...ids, 'agt_x', 'dep_x'] },
    },
    {
      name: 'closeConversation',
      call: (r, w, i) => loose(r.closeConversation)(w, i),
      first: 'workspaceId',
      input: (_s, sales) => ({ departmentId: sales, conversationId: 'conv_1' }),
      fields: { departmentId: [...notNull, ...BAD_IDS], conversationId: [...ids, 'agt_x'] },
    },
    {
      name: 'transferConversation',
      call: (r, w, i) => loose(r.transferConversation)(w, i),
      first: 'workspaceId',
      input: (_s, sales) => ({ departmentId: sales, conversationId: 'conv_1', to: 'queue' }),
      fields: {
        departmentId: [...notNull, ...BAD_IDS],
        conversationId: [...ids, 'agt_x'],
        to: [...ids, 'QUEUE', ' queue', 'dep_x', 'conv_1'],
      },
    },
    {
      name: 'configureRouting',
      call: (r, a, i) => loose(r.configureRouting)(a, i),
      first: 'actor',
      input: (_s, sales) => ({ departmentId: sales, strategy: 'least-busy', capacity: 3, capacities: {} }),
      fields: {
        departmentId: [...notNull, ...BAD_IDS],
        strategy: [...hostile.wrong_types, 'ROUND-ROBIN', 'round robin', 'least_busy', '', 'fifo'],
        capacity: [...notCapacity, -1, 1.5, Number.NaN, '3', 10_001, Number.MAX_SAFE_INTEGER],
        // A `__proto__` key inside `capacities` is refused like any key that is not an agent id.
        capacities: [...notCapacities, ...payloads, JSON.parse('{"__proto__": 1}'), { agt_x: -1 }, { agt_x: '2' }, { dep_x: 1 }, { agt_x: 1.5 }],
      },
    },
    {
      name: 'routingQueue',
      call: (r, a, i) => loose(r.routingQueue)(a, i),
      first: 'actor',
      input: (_s, sales) => sales,
      fields: {},
    },
    {
      name: 'availabilityBoard',
      call: (r, a) => loose(r.availabilityBoard)(a),
      first: 'actor',
      input: () => undefined,
      fields: {},
    },
    {
      name: 'availabilityBoard of one department',
      call: (r, a, i) => loose(r.availabilityBoard)(a, i),
      first: 'actor',
      input: (_s, sales) => ({ departmentId: sales }),
      fields: { departmentId: [...hostile.wrong_types, ...BAD_IDS, 'agt_x', 'conv_x'] },
      emptyIsValid: true,
    },
  ];
  const badFirsts = (s: Shop) => ({
    workspaceId: [...hostile.wrong_types, ...payloads, ...BAD_IDS, `ws_${'a'.repeat(65)}`, s.ana],
    actor: [
      ...hostile.wrong_types,
      ...payloads,
      ...BAD_IDS,
      { workspaceId: s.workspaceId },
      { workspaceId: s.workspaceId, agentId: '__proto__' },
      { workspaceId: '__proto__', agentId: s.ana.agentId },
      { ...s.ana, extra: true },
    ],
  });

  for (const c of cases) {
    it(`${c.name}: ValidationFailed for every hostile value, never a throw, nothing committed`, async () => {
      const shop = await aShop();
      const { department, join, online, route, roster, workspaceId, ana, snapshot } = shop;
      const sales = await department('Sales');
      const bob = await join('Bob', [sales]);
      await online(bob);
      await route(sales, 'conv_1');
      const first = c.first === 'workspaceId' ? workspaceId : ana;
      const valid = c.input(shop, sales);
      const before = await snapshot();
      const refused: string[] = [];
      const expectRefused = async (label: string, f: unknown, input: unknown) => {
        const outcome = await c.call(roster, f, input);
        if (outcome.isOk() || outcome.error.type !== 'ValidationFailed') refused.push(`${label}: ${outcome.isOk() ? 'ok' : outcome.error.type}`);
      };
      for (const f of badFirsts(shop)[c.first]) await expectRefused(`${c.first} ${JSON.stringify(f)}`, f, valid);
      if (valid !== undefined) {
        const wholes = typeof valid === 'string' ? [...notNull, ...BAD_IDS, ...payloads] : [...hostile.wrong_types, ...payloads, { ...valid, extra: 1 }];
        const isEmpty = (w: unknown) => typeof w === 'object' && w !== null && !Array.isArray(w) && Object.keys(w).length === 0;
        for (const whole of wholes.filter((w) => !(c.emptyIsValid && isEmpty(w)))) await expectRefused(`input ${JSON.stringify(whole)}`, first, whole);
      }
      for (const [field, values] of Object.entries(c.fields)) {
        for (const v of values) await expectRefused(`${field} ${JSON.stringify(v)}`, first, { ...(valid as object), [field]: v });
      }
      expect(refused).toEqual([]);
      expect(await snapshot()).toEqual(before);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(({} as Record<string, unknown>).role).toBeUndefined();
      // The valid input itself goes through (the refusals came from what was made hostile).
      const fine = await c.call(roster, first, valid);
      expect(fine.isOk()).toBe(true);
    });
  }

  it('configureRouting: a "__proto__" key inside capacities is refused, naming it, and reaches neither a prototype nor the stored config', async () => {
    const { department, join, roster, ana, queueOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    for (const json of ['{"__proto__": {"isAdmin": true}}', '{"__proto__": 7}']) {
      const capacities = { ...(JSON.parse(json) as object), [bob.agentId]: 2 };
      const outcome = await roster.configureRouting(ana, { departmentId: sales, capacities } as never);
      expect(outcome._unsafeUnwrapErr()).toMatchObject({ type: 'ValidationFailed', issues: [{ path: 'capacities.__proto__' }] });
      const config = (await queueOf(sales)).config;
      expect(config.capacities).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    }
  });

  it('configureRouting: an input that changes nothing is refused, not silently accepted', async () => {
    const { department, roster, ana } = await aShop();
    const sales = await department('Sales');
    await failure(roster.configureRouting(ana, { departmentId: sales }), 'ValidationFailed');
  });
});

describe('the availability board', () => {
  /**
   * Sales (Bob, Cy, Dee inactive; capacity 1) and Support (Cy, Eve); Fay in no department. Bob and
   * Cy hold a Sales conversation each and a third waits; Cy went away keeping hers; Eve holds
   * Support's; the workspace-wide queue gave conv_5 to Bob or Eve.
   */
  const aBusyShop = async () => {
    const shop = await aShop();
    const { department, join, online, away, route, configure, roster, ana } = shop;
    const support = await department('Support');
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales, support]);
    const dee = await join('Dee', [sales]);
    const eve = await join('Eve', [support]);
    const fay = await join('Fay');
    for (const who of [bob, cy, dee, eve, fay]) await online(who);
    (await roster.deactivateAgent(ana, { agentId: dee.agentId }))._unsafeUnwrap();
    await configure(sales, { capacity: 1 });
    for (const c of ['conv_1', 'conv_2', 'conv_3']) await route(sales, c); // the third waits: Bob and Cy hold one each
    await away(cy); // keeps hers
    await route(support, 'conv_4'); // Eve: the only one online there now
    await route(null, 'conv_5'); // Bob or Eve
    return { ...shop, support, sales, bob, cy, dee, eve, fay };
  };
  it('lists each department by availability with open conversations and waiting counts, and who is in no department', async () => {
    const { roster, ana, support, sales, bob, cy, dee, eve, fay } = await aBusyShop();

    const board = (await roster.availabilityBoard(ana))._unsafeUnwrap();
    const entry = (who: ActorRef, name: string, openConversations: number) => ({ agentId: who.agentId, name, openConversations });
    expect(board.departments).toEqual([
      { departmentId: sales, name: 'Sales', online: [entry(bob, 'Bob', 1)], away: [entry(cy, 'Cy', 1)], inactive: [entry(dee, 'Dee', 0)], waiting: 1 },
      { departmentId: support, name: 'Support', online: [entry(eve, 'Eve', 1)], away: [entry(cy, 'Cy', 0)], inactive: [], waiting: 0 },
      {
        departmentId: null,
        name: null,
        online: [expect.objectContaining({ agentId: bob.agentId }), expect.objectContaining({ agentId: eve.agentId })],
        away: [entry(cy, 'Cy', 0)],
        inactive: [entry(dee, 'Dee', 0)],
        waiting: 0,
      },
    ]);
    const workspaceWide = board.departments[2]!;
    expect(workspaceWide.online.reduce((sum, a) => sum + a.openConversations, 0)).toBe(1);
    expect(board.withoutDepartment).toEqual([entry(ana, 'Ana', 0), entry(fay, 'Fay', 0)]);
    const names = (xs: readonly { name: string }[]) => xs.map((a) => a.name);
    expect({ online: names(board.everyone.online), away: names(board.everyone.away), inactive: names(board.everyone.inactive) }).toEqual({
      online: expect.arrayContaining(['Bob', 'Eve', 'Fay']),
      away: expect.arrayContaining(['Ana', 'Cy']),
      inactive: ['Dee'],
    });
    expect(board.everyone.online).toHaveLength(3);
    expect(board.everyone.away).toHaveLength(2);
  });

  it('whole: reads the departments without counting their members, and answers the same from a store that can only count them', async () => {
    const { roster, ana, store } = await aBusyShop();
    const counted = vi.spyOn(store, 'listDepartments');
    const board = (await roster.availabilityBoard(ana))._unsafeUnwrap();
    expect(counted).not.toHaveBeenCalled();
    // A store written before loadAllDepartments: the roster asks listDepartments and drops the counts.
    Object.defineProperty(store, 'loadAllDepartments', { value: undefined });
    expect((await roster.availabilityBoard(ana))._unsafeUnwrap()).toEqual(board);
    expect(counted).toHaveBeenCalledTimes(1);
  });

  it("of one department: that department's row of the whole board, no one outside it, everyone its members; null for no such department", async () => {
    const { roster, ana, department, support, sales } = await aBusyShop();

    const whole = (await roster.availabilityBoard(ana))._unsafeUnwrap();
    for (const d of [sales, support]) {
      const one = (await roster.availabilityBoard(ana, { departmentId: d }))._unsafeUnwrap();
      expect(one).toEqual({
        departments: [whole.departments.find((r) => r.departmentId === d)],
        withoutDepartment: [],
        everyone: {
          online: whole.everyone.online.filter((a) => a.departmentIds.includes(d)),
          away: whole.everyone.away.filter((a) => a.departmentIds.includes(d)),
          inactive: whole.everyone.inactive.filter((a) => a.departmentIds.includes(d)),
        },
      });
    }
    expect((await roster.availabilityBoard(ana, { departmentId: sales }))._unsafeUnwrap()?.departments[0]).toMatchObject({ waiting: 1, inactive: [{ name: 'Dee' }] });
    // An empty query is the whole board.
    expect((await roster.availabilityBoard(ana, {}))._unsafeUnwrap()).toEqual(whole);

    // No such department: unknown, deleted, or another workspace's. The same answer as routingQueue's.
    const other = (await roster.createWorkspace({ name: 'Other', owner: { email: 'olga@other.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    const olga = { workspaceId: other.state.workspace.id, agentId: other.state.owner.id };
    const theirs = (await roster.createDepartment(olga, { name: 'Sales' }))._unsafeUnwrap().state.department.id;
    const gone = await department('Gone');
    (await roster.deleteDepartment(ana, { departmentId: gone }))._unsafeUnwrap();
    for (const departmentId of [departmentIdSchema.parse('dep_nope'), theirs, gone]) {
      expect((await roster.availabilityBoard(ana, { departmentId }))._unsafeUnwrap()).toBeNull();
      expect((await roster.routingQueue(ana, departmentId))._unsafeUnwrap()).toBeNull();
    }
    expect((await roster.availabilityBoard(olga, { departmentId: theirs }))._unsafeUnwrap()?.departments.map((r) => r.name)).toEqual(['Sales']);
  });

  it('of one department: ValidationFailed at departmentId for a malformed id, and for unknown keys; PermissionDenied for a non-admin', async () => {
    const { department, join, roster, ana } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    for (const departmentId of ['sales', '', 'agt_x', null, 42]) {
      const refused = await failure(roster.availabilityBoard(ana, { departmentId } as never), 'ValidationFailed');
      expect(refused.issues.map((i) => i.path)).toEqual(['departmentId']);
    }
    await failure(roster.availabilityBoard(ana, { departmentId: sales, status: 'online' } as never), 'ValidationFailed');
    await failure(roster.availabilityBoard(ana, { department: sales } as never), 'ValidationFailed');
    await failure(roster.availabilityBoard(ana, null as never), 'ValidationFailed');
    expect(await failure(roster.availabilityBoard(bob, { departmentId: sales }), 'PermissionDenied')).toMatchObject({ capability: 'viewStatistics' });
  });
});

describe('deleting a department', () => {
  it('closes what its queue held, drops the queue, and takes its only-department members out of the workspace-wide queue', async () => {
    const { department, join, online, route, roster, ana, store, workspaceId, queueOf, openOf } = await aShop();
    const sales = await department('Sales');
    const support = await department('Support');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    const dee = await join('Dee', [sales, support]);
    for (const who of [bob, cy, dee]) await online(who);
    for (const c of ['conv_1', 'conv_2', 'conv_3']) await route(sales, c);
    (await roster.configureRouting(ana, { departmentId: sales, capacity: 1 }))._unsafeUnwrap();
    await route(sales, 'conv_7'); // everyone in Sales is at capacity: it waits
    for (const c of ['conv_4', 'conv_5', 'conv_6']) await route(null, c);
    expect((await openOf(null, bob)).length + (await openOf(null, cy)).length).toBe(2);
    const salesQueue = await queueOf(sales);
    expect(salesQueue.queue).toEqual(['conv_7']);

    const before = (await store.events(workspaceId)).length;
    (await roster.deleteDepartment(ana, { departmentId: sales }))._unsafeUnwrap();
    expect(await store.loadRoutingStates(workspaceId, [sales])).toEqual([]);
    // Nothing leaves routing without an event: the waiting one first, then the open ones by id,
    // all before DepartmentDeleted (the queue closes, then the department goes), so a read model
    // that drops the queue with the department is sent no close for it afterwards.
    const appended = (await store.events(workspaceId)).slice(before);
    expect(appended.map((e) => e.type).slice(0, 5)).toEqual([...Array<string>(4).fill('ConversationClosed'), 'DepartmentDeleted']);
    const closed = appended.filter((e) => e.type === 'ConversationClosed');
    expect(closed.map((e) => e.data)).toEqual([
      { departmentId: sales, conversationId: 'conv_7', agentId: null, reason: 'department-deleted' },
      ...['conv_1', 'conv_2', 'conv_3'].map((conversationId) => ({
        departmentId: sales,
        conversationId,
        agentId: conversationsOf(salesQueue).find((c) => c.conversationId === conversationId)!.agentId,
        reason: 'department-deleted',
      })),
    ]);
    const everywhere = await queueOf(null);
    // Bob and Cy are in no department now: out of the workspace-wide queue, their conversations requeued and taken by Dee.
    expect(membersOf(everywhere).map((m) => m.agentId)).toEqual([dee.agentId]);
    expect([...(await openOf(null, dee))].sort()).toEqual(['conv_4', 'conv_5', 'conv_6']);
    expect(everywhere.queue).toEqual([]);
  });

  it('never hands what one leaving member held to another leaving in the same commit', async () => {
    // Found by a race review: each member's change was served on its own, so Bob's requeued
    // conversation went to Cy, whose change (out of every department) came next.
    const { department, join, online, route, roster, ana, store, workspaceId, queueOf } = await aShop();
    const sales = await department('Sales');
    const bob = await join('Bob', [sales]);
    const cy = await join('Cy', [sales]);
    for (const who of [bob, cy]) await online(who);
    for (const c of ['conv_1', 'conv_2']) await route(null, c);
    const before = (await store.events(workspaceId)).length;
    const deleted = (await roster.deleteDepartment(ana, { departmentId: sales }))._unsafeUnwrap();
    const committed = (await store.events(workspaceId)).slice(before);
    expect(committed.filter((e) => e.type === 'ConversationAssigned')).toEqual([]);
    expect(deleted.events).toEqual(committed);
    const everywhere = await queueOf(null);
    expect(membersOf(everywhere)).toEqual([]);
    expect(everywhere.queue).toEqual(['conv_1', 'conv_2']);
  });
});
