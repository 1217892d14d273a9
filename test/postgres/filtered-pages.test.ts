/**
 * Filtered pages on PostgreSQL (ADR 0027): in a workspace of 3,000 agents and 1,000 invitations,
 * every page a filter allows is the listing's next rows (checked against the rows computed
 * here), and its statement reads about the rows it returns, not the rows its filter refuses:
 * EXPLAIN ANALYZE's scans of tables and indexes, kept and filtered out, stay within a few pages'
 * worth, where a walk of the joining order past 95% refused rows reads twenty times more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentFilter, AgentId, DepartmentId, Invitation, InvitationFilter, WorkspaceId } from 'agent-roster';
import type { PostgresRosterStore } from 'agent-roster/postgres';
import { aDepartment, aWorkspace, anAgent, anInvitation, T0 } from '../../src/testing/mothers';
import { filledStore, planNodes, rowsRead, type PlanNode, type Sent } from '../support/plans';
import type { FreshDatabase } from '../support/postgres';

const WS = 'ws_filtered' as WorkspaceId;
const AGENTS = 3_000;
const INVITATIONS = 1_000;
const LIMIT = 20;
/** What a page may read: three ranges of a page each, then the page's agents by id. */
const MOST_READ = 4 * LIMIT + 4;

let db: FreshDatabase;
let log: Sent[] = [];
let store: PostgresRosterStore;

const big = 'dep_big' as DepartmentId;
const small = 'dep_small' as DepartmentId;
const now = new Date(T0.getTime() + INVITATIONS * 60_000 + 3_600_000);

// Spreads that cross each other: 4% inactive (early joiners), a seventh of the active online, 30%
// in dep_big, 2% in dep_small, everyone in one of five others; three agents join each second.
const agents: Agent[] = Array.from({ length: AGENTS }, (_, k) => {
  const status = k % 19 === 3 && k < AGENTS * 0.8 ? 'inactive' : 'active';
  return anAgent({
    workspaceId: WS,
    id: `agt_${((k * 7_919) % 100_003).toString(36)}`,
    email: `a${k}@filtered.example`,
    status,
    availability: status === 'active' && k % 7 === 6 ? 'online' : 'away',
    departmentIds: [`dep_${k % 5}`, ...(k % 10 < 3 ? [big] : []), ...(k % 53 === 9 ? [small] : [])],
    joinedAt: new Date(T0.getTime() + Math.floor(k / 3) * 1000),
  });
});
// 80% accepted, 5% revoked, 10% expired; 50 pending at the end, the first 10 of them lapsed at `now`.
const invitations: Invitation[] = Array.from({ length: INVITATIONS }, (_, k) => {
  const pending = k >= INVITATIONS - 50;
  const sentAt = new Date(T0.getTime() + k * 60_000);
  return anInvitation({
    workspaceId: WS,
    id: `inv_${((k * 7_919) % 100_003).toString(36)}`,
    email: `i${k}@filtered.example`,
    status: pending ? 'pending' : k % 20 < 16 ? 'accepted' : k % 20 === 16 ? 'revoked' : 'expired',
    sentAt,
    ...(pending ? { expiresAt: new Date(now.getTime() + (k < INVITATIONS - 40 ? -60_000 : 86_400_000)) } : {}),
  });
});

const departmentRows = [big, small, ...[0, 1, 2, 3, 4].map((n) => `dep_${n}` as DepartmentId)].map((id) =>
  aDepartment({ id, name: `Team ${id}`, workspaceId: WS }),
);

beforeAll(async () => {
  ({ db, store, log } = await filledStore([
    { workspaceId: WS, rows: [aWorkspace({ id: WS, ownerId: agents[0]!.id, plan: 'custom' }), ...departmentRows, ...agents, ...invitations] },
  ]));
}, 120_000);
afterAll(() => db?.close());

/** The rows the store's last statement read from tables and indexes, kept or filtered out. */
async function rowsReadByLastStatement(): Promise<number> {
  const { text, values } = log.at(-1)!;
  const { rows } = await db.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
  return rowsRead((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
}

const inOrder = <T extends { id: string }>(at: (row: T) => string) => (a: T, b: T) =>
  at(a) !== at(b) ? (at(a) < at(b) ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

describe('filtered pages on PostgreSQL', () => {
  const statuses = [undefined, 'active', 'inactive'] as const;
  const availabilities = [undefined, 'online', 'away'] as const;
  const departments = [undefined, big, small] as const;
  const filters: AgentFilter[] = statuses.flatMap((status) =>
    availabilities.flatMap((availability) => departments.map((departmentId) => ({ ...(status && { status }), ...(availability && { availability }), ...(departmentId && { departmentId }) }))),
  );
  const sorted = [...agents].sort(inOrder((a) => a.joinedAt));

  it.each(filters.map((filter) => [JSON.stringify(filter), filter] as const))('agents %s: each page is the next rows, read without walking past refused ones', async (_, filter) => {
    const matching = sorted.filter(
      (a) =>
        (filter.status === undefined || a.status === filter.status) &&
        (filter.availability === undefined || a.availability === filter.availability) &&
        (filter.departmentId === undefined || a.departmentIds.includes(filter.departmentId)),
    );
    // The first page, one from the middle, and the last, which finds nothing after it.
    for (const from of [-1, matching.length >> 1, Math.max(matching.length - 5, 0) - 1]) {
      const after = from < 0 ? undefined : matching[from]!;
      const page = await store.listAgents(WS, filter, { ...(after && { after: { joinedAt: after.joinedAt, id: after.id as AgentId } }), limit: LIMIT });
      expect(page.map((a) => a.id)).toEqual(matching.slice(from + 1, from + 1 + LIMIT).map((a) => a.id));
      expect(await rowsReadByLastStatement()).toBeLessThanOrEqual(MOST_READ);
    }
  });

  const lapsed = (i: Invitation) => i.status === 'pending' && Date.parse(i.expiresAt) <= now.getTime();
  const invitationFilters: [string, InvitationFilter, (i: Invitation) => boolean][] = [
    ['pending at now', { status: 'pending', now }, (i) => i.status === 'pending' && !lapsed(i)],
    ['expired at now', { status: 'expired', now }, (i) => i.status === 'expired' || lapsed(i)],
    ['revoked', { status: 'revoked' }, (i) => i.status === 'revoked'],
    ['accepted', { status: 'accepted' }, (i) => i.status === 'accepted'],
  ];
  const sent = [...invitations].sort(inOrder((i) => i.sentAt));

  it.each(invitationFilters)('invitations %s: each page is the next rows, read without walking past refused ones', async (_, filter, keeps) => {
    const matching = sent.filter(keeps);
    for (const from of [-1, matching.length >> 1, Math.max(matching.length - 5, 0) - 1]) {
      const after = from < 0 ? undefined : matching[from]!;
      const page = await store.listInvitations(WS, filter, { ...(after && { after: { sentAt: after.sentAt, id: after.id } }), limit: LIMIT });
      expect(page.map((i) => i.id)).toEqual(matching.slice(from + 1, from + 1 + LIMIT).map((i) => i.id));
      expect(await rowsReadByLastStatement()).toBeLessThanOrEqual(MOST_READ);
    }
  });

  it("lists departments with their counts without reading the agents' rows", async () => {
    const listed = await store.listDepartments(WS, now);
    const lapsedAtNow = (i: Invitation) => i.status === 'pending' && Date.parse(i.expiresAt) <= now.getTime();
    expect(listed.map((d) => [d.department.id, d.members, d.pendingInvitations]).sort()).toEqual(
      departmentRows
        .map((d) => [d.id, agents.filter((a) => a.departmentIds.includes(d.id)).length, invitations.filter((i) => i.status === 'pending' && !lapsedAtNow(i) && i.departmentIds.includes(d.id)).length])
        .sort(),
    );
    // Members are counted from agent_departments' index, not by unnesting every agent of the
    // workspace (a sequential scan of agents and a sort of the whole team).
    const { text, values } = log.at(-1)!;
    const { rows } = await db.pool.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
    const relations = planNodes((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan).map((n) => n['Relation Name']);
    expect(relations).not.toContain('agents');
  });
});
