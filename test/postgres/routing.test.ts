/**
 * Routing queues on PostgreSQL: kept like the other aggregates, handed back as the very object
 * this store committed (routing keeps its pick index per object), and safe under racing routes.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkRoutingState,
  createRoster,
  emptyRoutingState,
  membersOf,
  type ActorRef,
  type DepartmentId,
  type RoutingState,
  type WorkspaceId,
} from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import { routingIndexStats } from '../../src/domain/routing/agent-index';
import { aWorkspace } from '../../src/testing/mothers';
import { freshDatabase, postgresTarget, workerPools, type FreshDatabase } from '../support/postgres';

const PASSWORD = 'correct horse battery staple';
let db: FreshDatabase;
const extraPools: pg.Pool[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(async () => {
  await Promise.all(extraPools.map((p) => p.end()));
  await db?.close();
});

const pools = (n: number): SqlPool[] => workerPools(db, n, extraPools);

const dep = (id: string) => id as DepartmentId;

describe('routing queues in PostgresRosterStore', () => {
  const WS = 'ws_queues' as WorkspaceId;
  const everywhere = emptyRoutingState(WS, null);
  const sales = emptyRoutingState(WS, dep('dep_sales'));
  const commit = (store: PostgresRosterStore, writes: RoutingState[], expected: number) =>
    store.commit({
      workspaceId: WS,
      expected: writes.map((w) => ({ kind: 'routing' as const, id: w.id, version: expected })),
      writes,
      removals: [],
      events: [],
      outbox: [],
    });

  beforeAll(async () => {
    const store = new PostgresRosterStore(db.pool);
    expect(await store.commit({ workspaceId: WS, expected: [], writes: [aWorkspace({ id: WS })], removals: [], events: [], outbox: [] })).toEqual({
      committed: true,
    });
    expect(await commit(store, [everywhere, sales], 0)).toEqual({ committed: true });
  });

  it('loads the queues asked for, in that order, versioned, and only from their workspace', async () => {
    const store = new PostgresRosterStore(db.pool, { routingQueuesKept: 0 });
    const loaded = await store.loadRoutingStates(WS, [dep('dep_sales'), dep('dep_none'), null]);
    expect(loaded).toEqual([
      { value: sales, version: 1 },
      { value: everywhere, version: 1 },
    ]);
    expect(await store.loadRoutingStates('ws_other' as WorkspaceId, [null, dep('dep_sales')])).toEqual([]);
    expect(await store.loadRoutingStates(WS, [])).toEqual([]);
  });

  it('hands back the very object this store committed, and a fresh one once another instance wrote', async () => {
    const mine = new PostgresRosterStore(db.pool);
    const theirs = new PostgresRosterStore(db.pool);
    const [current] = await mine.loadRoutingStates(WS, [dep('dep_support')]);
    expect(current).toBeUndefined();

    const support: RoutingState = { ...emptyRoutingState(WS, dep('dep_support')), routed: 3 };
    expect(await commit(mine, [support], 0)).toEqual({ committed: true });
    expect((await mine.loadRoutingStates(WS, [dep('dep_support')]))[0]?.value).toBe(support);
    const seenByTheirs = (await theirs.loadRoutingStates(WS, [dep('dep_support')]))[0];
    expect(seenByTheirs).toEqual({ value: support, version: 1 });
    expect(seenByTheirs?.value).not.toBe(support);

    const changed: RoutingState = { ...support, routed: 4 };
    expect(await commit(theirs, [changed], 1)).toEqual({ committed: true });
    const reloaded = (await mine.loadRoutingStates(WS, [dep('dep_support')]))[0];
    expect(reloaded).toEqual({ value: changed, version: 2 });
    expect(reloaded?.value).not.toBe(changed);
    expect((await theirs.loadRoutingStates(WS, [dep('dep_support')]))[0]?.value).toBe(changed);
  });

  it('refuses a stale queue, and removes one', async () => {
    const store = new PostgresRosterStore(db.pool);
    const queue = emptyRoutingState(WS, dep('dep_billing'));
    expect(await commit(store, [queue], 0)).toEqual({ committed: true });
    expect(await commit(store, [{ ...queue, routed: 1 }], 0)).toMatchObject({ committed: false, reason: 'stale-version' });
    expect(
      await store.commit({
        workspaceId: WS,
        expected: [{ kind: 'routing', id: queue.id, version: 1 }],
        writes: [],
        removals: [{ kind: 'routing', id: queue.id, removed: true }],
        events: [],
        outbox: [],
      }),
    ).toEqual({ committed: true });
    expect(await store.loadRoutingStates(WS, [dep('dep_billing')])).toEqual([]);
  });
});

describe('routing through the roster on PostgreSQL', () => {
  /** Ana's workspace with a Sales department and three agents online in it, capacity 2 each. */
  async function aSalesTeam() {
    const store = new PostgresRosterStore(db.pool);
    const sent: { to: string; text: string }[] = [];
    const roster = createRoster({ store, mailer: { send: async (m) => void sent.push(m) } });
    const opened = await roster.createWorkspace({ name: 'Acme', plan: 'custom', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } });
    const { workspace, owner } = opened._unsafeUnwrap().state;
    const ana: ActorRef = { workspaceId: workspace.id, agentId: owner.id };
    const salesId = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department.id;
    for (const name of ['Bob', 'Cy', 'Dee']) {
      const email = `${name.toLowerCase()}@acme.com`;
      (await roster.inviteAgent(ana, { email, departmentIds: [salesId] }))._unsafeUnwrap();
      const token = sent.filter((m) => m.to === email).at(-1)?.text.match(/token=([\w-]+)/)?.[1] ?? '';
      const agentId = (await roster.acceptInvitation({ token, name, password: PASSWORD }))._unsafeUnwrap().state.agent.id;
      (await roster.setAvailability({ workspaceId: workspace.id, agentId }, { agentId, availability: 'online' }))._unsafeUnwrap();
    }
    (await roster.configureRouting(ana, { departmentId: salesId, capacity: 2 }))._unsafeUnwrap();
    return { store, roster, workspaceId: workspace.id, salesId };
  }

  it('routes ten racing conversations into six seats: each lands once, nobody over capacity', async () => {
    const team = await aSalesTeam();
    const workers = pools(10).map((pool) => createRoster({ store: new PostgresRosterStore(pool), maxAttempts: 100 }));
    const results = await Promise.all(
      workers.map((r, n) => r.routeConversation(team.workspaceId, { departmentId: team.salesId, conversationId: `conv_${n}` })),
    );
    const outcomes = results.map((r) => r._unsafeUnwrap().outcome.type);
    expect(outcomes.filter((o) => o === 'Assigned')).toHaveLength(6);
    expect(outcomes.filter((o) => o === 'Queued')).toHaveLength(4);

    const [queue] = await team.store.loadRoutingStates(team.workspaceId, [team.salesId]);
    expect(checkRoutingState(queue!.value)).toEqual([]);
    expect(queue!.value.routed).toBe(10);
    expect(queue!.value.queue).toHaveLength(4);
    expect(membersOf(queue!.value).map((m) => m.conversationIds.length)).toEqual([2, 2, 2]);
    const routedEvents = (await team.store.events(team.workspaceId)).filter((e) => e.type === 'ConversationAssigned' || e.type === 'ConversationQueued');
    expect(routedEvents).toHaveLength(10);
  });

  it('reuses the routing index from one route to the next through the same store', async () => {
    const team = await aSalesTeam();
    await team.roster.routeConversation(team.workspaceId, { departmentId: team.salesId, conversationId: 'conv_first' });
    const builds = routingIndexStats.builds;
    for (let n = 0; n < 5; n++) {
      (await team.roster.closeConversation(team.workspaceId, { departmentId: team.salesId, conversationId: n === 0 ? 'conv_first' : `conv_${n - 1}` }))._unsafeUnwrap();
      (await team.roster.routeConversation(team.workspaceId, { departmentId: team.salesId, conversationId: `conv_${n}` }))._unsafeUnwrap();
    }
    expect(routingIndexStats.builds).toBe(builds);
  });
});
