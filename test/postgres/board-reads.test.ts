/**
 * The availability board's reads on PostgreSQL, in a workspace of 3,000 agents who all joined at
 * one instant (an import), so that only the id orders them, beside two others like it. The whole
 * team comes in its listing's order straight from an index (migration 0008), where the index in
 * the database's collation left the planner to sort every document; the first page of the team
 * reads its own rows, where the ties made it read the whole team; and one department's listing
 * starts from agent_departments and looks its agents up by id, where the planner hashed every
 * agent of the table to find a department holding a third of them. Each workspace also holds
 * 3,000 invitations sent at that instant (a bulk invite): a page from the middle of either tie
 * starts its scan at its cursor (one row comparison on an index ending in id COLLATE "C", and
 * migration 0009 for invitations), where it read every earlier row of the tie. The outbox holds
 * an email for each invitation, all enqueued at that instant too, a quarter of them delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentFilter, AgentId, DepartmentId, Invitation, InvitationFilter, InvitationId, IsoTime, OutboxMessage, OutboxStatus, WorkspaceId } from 'agent-roster';
import type { PostgresRosterStore } from 'agent-roster/postgres';
import { aDepartment, aWorkspace, anAgent, anInvitation, T0 } from '../../src/testing/mothers';
import { filledStore, planNodes, rowsRead, type PlanNode, type Sent } from '../support/plans';
import type { FreshDatabase } from '../support/postgres';

const WS = 'ws_board' as WorkspaceId;
const AGENTS = 3_000;

/** A workspace of `AGENTS` agents in three departments, all joined at T0, and as many invitations, all sent at T0. */
const aTeam = (workspaceId: WorkspaceId) => {
  const departments = [0, 1, 2].map((n) => aDepartment({ id: `dep_${workspaceId}_${n}`, name: `Team ${n}`, workspaceId }));
  // Ids in mixed case, so that code-point order ('B' < 'a') differs from most locales' order.
  const agents: Agent[] = Array.from({ length: AGENTS }, (_, k) => {
    const status = k % 41 === 5 ? 'inactive' : 'active';
    return anAgent({
      workspaceId,
      id: `agt_${workspaceId}_${((k * 7_919) % 100_003).toString(36)}${k % 2 === 0 ? 'A' : 'b'}`,
      email: `a${k}@${workspaceId.replaceAll('_', '-')}.example`,
      status,
      availability: status === 'active' && k % 9 === 2 ? 'online' : 'away',
      departmentIds: [departments[k % 3]!.id],
      joinedAt: T0,
    });
  });
  const invitations: Invitation[] = Array.from({ length: AGENTS }, (_, k) =>
    anInvitation({
      workspaceId,
      id: `inv_${workspaceId}_${((k * 7_919) % 100_003).toString(36)}${k % 2 === 0 ? 'A' : 'b'}`,
      email: `i${k}@${workspaceId.replaceAll('_', '-')}.example`,
      status: k % 4 === 1 ? 'revoked' : 'pending',
      sentAt: T0,
    }),
  );
  // One email per invitation, enqueued at T0; ids in mixed case, as above.
  const outbox: OutboxMessage[] = invitations.map((invitation, k) => ({
    id: `msg_${invitation.id.slice(4)}`,
    workspaceId,
    idempotencyKey: `key_${invitation.id}`,
    to: invitation.email,
    subject: 'You are invited',
    text: 'Join us',
    html: null,
    status: 'pending',
    attempts: 0,
    createdAt: T0.toISOString(),
    nextAttemptAt: T0.toISOString(),
    deliveredAt: null,
    lastError: null,
    topic: `invitation:${invitation.id}`,
  }));
  return { workspace: aWorkspace({ id: workspaceId, ownerId: agents[0]!.id, plan: 'custom' }), departments, agents, invitations, outbox };
};
// Two other workspaces share the tables, as in production: the board's is a third of them.
const teams = [WS, 'ws_other_1' as WorkspaceId, 'ws_other_2' as WorkspaceId].map(aTeam);
const { departments, agents, invitations } = teams[0]!;
const codePoints = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const ids = (xs: readonly { id: string }[]) => xs.map((x) => x.id);

let db: FreshDatabase;
let log: Sent[] = [];
let store: PostgresRosterStore;

beforeAll(async () => {
  ({ db, store, log } = await filledStore(
    teams.map((team) => ({ workspaceId: team.workspace.id, rows: [team.workspace, ...team.departments, ...team.agents, ...team.invitations], outbox: team.outbox })),
  ));
  // A quarter of the emails delivered, as delivery leaves them (no body).
  const delivered = teams.flatMap((team) => team.outbox.filter((_, k) => k % 4 === 3).map((m) => m.id));
  await db.pool.query(`UPDATE outbox SET status = 'delivered', delivered_at = created_at, body_text = '' WHERE id = ANY($1)`, [delivered]);
  await db.pool.query('VACUUM ANALYZE outbox');
}, 120_000);
afterAll(() => db?.close());

/** The plan the store's last statement ran, with its actual rows; with `workMem`, the memory a sort may take before it spills. */
async function lastPlan(workMem?: string): Promise<PlanNode> {
  const { text, values } = log.at(-1)!;
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    if (workMem !== undefined) await client.query(`SET LOCAL work_mem = '${workMem}'`);
    const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
    return (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}
/** Sorts (of any kind) above a scan of `agents`: the documents sorted after they were read. */
const sortsOfAgents = (plan: PlanNode) => planNodes(plan).filter((n) => n['Node Type'].endsWith('Sort') && planNodes(n).some((m) => m['Relation Name'] === 'agents'));

describe("the availability board's reads on PostgreSQL", () => {
  it('reads the whole team in its order from an index, sorting nothing', async () => {
    const team = await store.listAgents(WS);
    expect(team.map((a) => a.id)).toEqual([...agents].sort(codePoints).map((a) => a.id));
    // 3,000 documents sort in memory; with a sort that would spill, as 20,000 did at the default
    // work_mem, the planner reads the index, which holds the order itself.
    const plan = await lastPlan('64kB');
    expect(sortsOfAgents(plan)).toEqual([]);
    expect(planNodes(plan).filter((n) => n['Relation Name'] === 'agents').map((n) => n['Index Name'])).toEqual(['agents_by_joining_in_order']);
  });

  it("reads the team's first page without reading the rest, though every agent joined at one instant", async () => {
    const page = await store.listAgents(WS, {}, { limit: 20 });
    expect(page.map((a) => a.id)).toEqual([...agents].sort(codePoints).slice(0, 20).map((a) => a.id));
    expect(rowsRead(await lastPlan())).toBeLessThanOrEqual(20);
  });

  it("reads one department's agents by id from agent_departments, never the rest of the team", async () => {
    const sales = departments[1]!.id as DepartmentId;
    const members = agents.filter((a) => a.departmentIds.includes(sales)).sort(codePoints);
    expect((await store.listAgents(WS, { departmentId: sales })).map((a) => a.id)).toEqual(members.map((a) => a.id));
    const plan = await lastPlan();
    // Each member's row through the primary key, once: no scan of the team, no sort of documents.
    const ofAgents = planNodes(plan).filter((n) => n['Relation Name'] === 'agents');
    expect(ofAgents.map((n) => [n['Node Type'], n['Index Name']])).toEqual([['Index Scan', 'agents_pkey']]);
    expect(rowsRead(plan)).toBe(2 * members.length);
    expect(sortsOfAgents(plan)).toEqual([]);
  });

  it('reads the first page of invitations from an index in their order, sorting nothing (migration 0009)', async () => {
    const sorted = [...invitations].sort(codePoints);
    expect(ids(await store.listInvitations(WS, {}, { limit: 20 }))).toEqual(ids(sorted.slice(0, 20)));
    const plan = await lastPlan();
    expect(planNodes(plan).filter((n) => n['Node Type'].endsWith('Sort'))).toEqual([]);
    expect(planNodes(plan).filter((n) => n['Relation Name'] === 'invitations').map((n) => n['Index Name'])).toEqual(['invitations_by_sending_in_order']);
    expect(rowsRead(plan)).toBeLessThanOrEqual(20);
  });

  describe('a page from the middle of a tie reads about the rows it returns, not the tie before it', () => {
    // The cursor stands at the middle of 3,000 rows that share one instant: only the id, compared
    // by code point, places the page. The previous condition (`time >= t AND (time > t OR id > i)`)
    // let an index start at the instant only, and read the 1,500 rows before the cursor too. A
    // range now starts at the cursor's own row, which it reads and leaves out: a page of `LIMIT`
    // reads `LIMIT + 1` rows of each range.
    const LIMIT = 20;
    const at = <T extends { id: string }>(sorted: readonly T[]) => sorted[Math.floor(sorted.length / 2)]!;

    /**
     * Reads the page after the middle row of `sorted` (a tie: every row at T0), checks it holds the
     * next `LIMIT` rows, and answers how many rows its statement read.
     */
    const middlePage = async <T extends { id: string }>(sorted: readonly T[], read: (after: Readonly<{ at: IsoTime; id: string }>) => Promise<readonly { id: string }[]>) => {
      const cursor = at(sorted);
      const page = await read({ at: T0.toISOString() as IsoTime, id: cursor.id });
      expect(ids(page)).toEqual(ids(sorted.slice(sorted.indexOf(cursor) + 1).slice(0, LIMIT)));
      return rowsRead(await lastPlan());
    };
    const agentsAfter = (filter: AgentFilter) => (after: Readonly<{ at: IsoTime; id: string }>) =>
      store.listAgents(WS, filter, { after: { joinedAt: after.at, id: after.id as AgentId }, limit: LIMIT });
    const invitationsAfter = (filter: InvitationFilter) => (after: Readonly<{ at: IsoTime; id: string }>) =>
      store.listInvitations(WS, filter, { after: { sentAt: after.at, id: after.id as InvitationId }, limit: LIMIT });

    it("reads the team's middle page", async () => {
      expect(await middlePage([...agents].sort(codePoints), agentsAfter({}))).toBeLessThanOrEqual(LIMIT + 1);
    });

    it("reads the away agents' middle page (two ranges, active and away, inactive)", async () => {
      const sorted = agents.filter((a) => a.availability === 'away').sort(codePoints);
      // at most a page from each of the two ranges, merged
      expect(await middlePage(sorted, agentsAfter({ availability: 'away' }))).toBeLessThanOrEqual(2 * (LIMIT + 1));
    });

    it("reads a department's middle page: a page of each presence range in agent_departments, then its agents by id", async () => {
      const sales = departments[1]!.id as DepartmentId;
      const sorted = agents.filter((a) => a.departmentIds.includes(sales)).sort(codePoints);
      // three ranges (one per presence pair) of at most a page each, then the page's agents
      expect(await middlePage(sorted, agentsAfter({ departmentId: sales }))).toBeLessThanOrEqual(3 * (LIMIT + 1) + LIMIT);
    });

    it("reads the invitations' middle page", async () => {
      expect(await middlePage([...invitations].sort(codePoints), invitationsAfter({}))).toBeLessThanOrEqual(LIMIT + 1);
    });

    it("reads the revoked invitations' middle page (invitations_by_status_sending)", async () => {
      const sorted = invitations.filter((i) => i.status === 'revoked').sort(codePoints);
      expect(await middlePage(sorted, invitationsAfter({ status: 'revoked' }))).toBeLessThanOrEqual(LIMIT + 1);
    });

    describe("the outbox's middle page", () => {
      const outboxAfter = (status?: OutboxStatus) => (after: Readonly<{ at: IsoTime; id: string }>) =>
        store.listOutbox(WS, status, { after: { createdAt: after.at, id: after.id }, limit: LIMIT });
      /** The workspace's messages as the store holds them, with `status`, in page order. */
      const held = async (status?: OutboxStatus) => [...(await store.listOutbox(WS, status))].sort(codePoints);

      it('of every message (outbox_by_creation)', async () => {
        expect(await middlePage(await held(), outboxAfter())).toBeLessThanOrEqual(LIMIT + 1);
      });

      // A status filter reads its own index's range from the cursor: with `>`, taken for an empty
      // range inside the tie, the planner walked outbox_by_creation and read 77 rows for a page of
      // 20 delivered emails (a quarter of them).
      it('of the delivered messages (outbox_by_status_and_creation)', async () => {
        const sorted = await held('delivered');
        expect(sorted.length).toBe(AGENTS / 4);
        expect(await middlePage(sorted, outboxAfter('delivered'))).toBeLessThanOrEqual(LIMIT + 1);
      });

      // Three emails in four are pending: walking every message and leaving the delivered out is
      // as good a plan as the status index, and either reads about a page.
      it('of the pending messages', async () => {
        const sorted = await held('pending');
        expect(sorted.length).toBe((AGENTS * 3) / 4);
        expect(await middlePage(sorted, outboxAfter('pending'))).toBeLessThanOrEqual(2 * (LIMIT + 1));
      });
    });
  });
});
