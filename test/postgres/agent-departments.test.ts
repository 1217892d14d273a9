/**
 * agent_departments (migration 0006, ADR 0027): a row per agent and department, with the agent's
 * presence and joining time, that department pages read in order. Triggers keep it in step with
 * agents in the same transaction, whoever writes: the store's commits or hand-written SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, DepartmentId, WorkspaceId } from 'agent-roster';
import { migrate, MIGRATIONS, PostgresRosterStore } from 'agent-roster/postgres';
import { aWorkspace, anAgent, T0 } from '../../src/testing/mothers';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

const WS = 'ws_lists' as WorkspaceId;
const OTHER = 'ws_other' as WorkspaceId;
const sales = 'dep_sales' as DepartmentId;
const support = 'dep_support' as DepartmentId;

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The table's rows, as `workspace department status availability joinedAt agent`, sorted. */
async function listed(db: FreshDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ row: string }>(
    `SELECT concat_ws(' ', workspace_id, department_id, status, availability, ${ISO('joined_at')}, agent_id) AS row FROM agent_departments`,
  );
  return rows.map((r) => r.row).sort();
}

/** What the table should hold for these agents. */
const rowsOf = (agents: readonly Agent[]) =>
  agents.flatMap((a) => a.departmentIds.map((d) => `${a.workspaceId} ${d} ${a.status} ${a.availability} ${a.joinedAt} ${a.id}`)).sort();

const bob = anAgent({ workspaceId: WS, name: 'Bob', departmentIds: [sales, support], joinedAt: new Date(T0.getTime() + 1_000) });
const cy = anAgent({ workspaceId: WS, name: 'Cy', departmentIds: [sales], availability: 'online', joinedAt: new Date(T0.getTime() + 2_000) });
const dee = anAgent({ workspaceId: WS, name: 'Dee', departmentIds: [], joinedAt: new Date(T0.getTime() + 3_000) });
const owner = anAgent({ workspaceId: WS, name: 'Ana', role: 'admin' });

describe('agent_departments', () => {
  let db: FreshDatabase;
  let store: PostgresRosterStore;
  const versions = new Map<string, number>();

  /** Commits writes and removals of agents of WS, expecting the versions this test wrote. */
  async function commit(writes: readonly Agent[], removals: readonly Agent[] = []) {
    const expected = [...writes, ...removals].map((a) => ({ kind: 'agent' as const, id: a.id, version: versions.get(a.id) ?? 0 }));
    const outcome = await store.commit({ workspaceId: WS, expected, writes, removals: removals.map((a) => ({ kind: 'agent' as const, id: a.id, removed: true as const })), events: [], outbox: [] });
    expect(outcome).toEqual({ committed: true });
    for (const a of writes) versions.set(a.id, (versions.get(a.id) ?? 0) + 1);
    for (const a of removals) versions.delete(a.id);
  }

  beforeAll(async () => {
    db = await freshDatabase();
    await migrate(db.pool);
    store = new PostgresRosterStore(db.pool);
    const outcome = await store.commit({ workspaceId: WS, expected: [], writes: [aWorkspace({ id: WS, ownerId: owner.id, plan: 'custom' }), owner], removals: [], events: [], outbox: [] });
    expect(outcome).toEqual({ committed: true });
    versions.set(owner.id, 1);
  });
  afterAll(() => db?.close());

  it('holds a row per department of each agent a commit creates, and none for an agent in none', async () => {
    await commit([bob, cy, dee]);
    expect(await listed(db)).toEqual(rowsOf([bob, cy]));
    expect(await listed(db)).toHaveLength(3);
    expect((await store.listAgents(WS, { departmentId: sales })).map((a) => a.id)).toEqual([bob.id, cy.id]);
  });

  it('follows an agent moved between departments, and changes of presence, in the same commit', async () => {
    const moved = { ...bob, departmentIds: [support] };
    const away = { ...cy, availability: 'away' as const };
    const joining = { ...dee, departmentIds: [sales] };
    await commit([moved, away, joining]);
    expect(await listed(db)).toEqual(rowsOf([moved, away, joining]));
    expect((await store.listAgents(WS, { departmentId: sales })).map((a) => a.id)).toEqual([cy.id, dee.id]);
    expect((await store.listAgents(WS, { departmentId: sales, availability: 'online' }, { limit: 10 })).map((a) => a.id)).toEqual([]);
    const inactive = { ...moved, status: 'inactive' as const };
    await commit([inactive]);
    expect(await listed(db)).toEqual(rowsOf([inactive, away, joining]));
    expect((await store.listAgents(WS, { departmentId: support, status: 'inactive' }, { limit: 10 })).map((a) => a.id)).toEqual([bob.id]);
  });

  it('forgets an agent a commit deletes', async () => {
    await commit([], [{ ...cy, availability: 'away' }]);
    expect(await listed(db)).toEqual(rowsOf([{ ...bob, departmentIds: [support], status: 'inactive' }, { ...dee, departmentIds: [sales] }]));
  });

  it('keeps in step with hand-written SQL too: inserts, moves, a new joining time, another workspace, deletes', async () => {
    await db.pool.query(`INSERT INTO workspaces (id, owner_id, data, version) VALUES ($1, 'agt_x', '{}', 1)`, [OTHER]);
    await db.pool.query(`INSERT INTO agents (id, workspace_id, email, role, status, availability, department_ids, joined_at, data, version)
      VALUES ('agt_eve', $1, 'eve@shop.com', 'agent', 'active', 'online', ARRAY['dep_sales', 'dep_sales', 'dep_support'], $2, '{}', 1)`, [WS, T0.toISOString()]);
    expect(await listed(db)).toContain(`${WS} dep_sales active online ${T0.toISOString()} agt_eve`);
    expect((await listed(db)).filter((r) => r.endsWith('agt_eve'))).toHaveLength(2);
    await db.pool.query(`UPDATE agents SET department_ids = ARRAY['dep_ops'], joined_at = joined_at + interval '1 hour', workspace_id = $1 WHERE id = 'agt_eve'`, [OTHER]);
    const later = new Date(T0.getTime() + 3_600_000).toISOString();
    expect((await listed(db)).filter((r) => r.endsWith('agt_eve'))).toEqual([`${OTHER} dep_ops active online ${later} agt_eve`]);
    // A write that changes none of what the table holds leaves it as it is.
    await db.pool.query(`UPDATE agents SET data = '{"touched": true}' WHERE id = 'agt_eve'`);
    expect((await listed(db)).filter((r) => r.endsWith('agt_eve'))).toHaveLength(1);
    await db.pool.query(`DELETE FROM agents WHERE workspace_id = $1`, [OTHER]);
    await db.pool.query(`DELETE FROM agents WHERE id = $1`, [dee.id]);
    expect(await listed(db)).toEqual(rowsOf([{ ...bob, departmentIds: [support], status: 'inactive' }]));
  });
});

describe('migration 0006', () => {
  let db: FreshDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db?.close());

  it('fills agent_departments from the agents already stored', async () => {
    await migrate(db.pool, MIGRATIONS.filter((m) => m.version <= 5));
    const store = new PostgresRosterStore(db.pool);
    const outcome = await store.commit({ workspaceId: WS, expected: [], writes: [aWorkspace({ id: WS, ownerId: owner.id, plan: 'custom' }), owner, bob, cy, dee], removals: [], events: [], outbox: [] });
    expect(outcome).toEqual({ committed: true });
    expect((await migrate(db.pool)).applied).toEqual(['0006_filtered_page_indexes', '0007_legacy_invitation_emails', '0008_agents_joining_order', '0009_invitations_sending_order', '0010_expired_invitations_closed_at']);
    expect(await listed(db)).toEqual(rowsOf([bob, cy]));
    expect((await store.listAgents(WS, { departmentId: sales }, { limit: 10 })).map((a) => a.id)).toEqual([bob.id, cy.id]);
    expect((await store.departmentMembers(WS, support)).agents.map((a) => a.value.id)).toEqual([bob.id]);
  });
});
