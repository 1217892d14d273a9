/**
 * What the schema guarantees on its own, whoever writes (this store or hand-written SQL), and
 * how the store reads: one statement per read, each served by an index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoster, type AgentId, type DepartmentId, type Email, type WorkspaceId } from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import { aDepartment, anAgent, anEmail, anInvitation, aTokenHash, aWorkspace, hoursAfter, T0 } from '../../src/testing/mothers';
import { hostile } from '../support/hostile-inputs';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

const PASSWORD = 'correct horse battery staple';
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(() => db?.close());

/** Ana's workspace with Bob (an agent) and Cy (an admin), opened through the roster. */
async function aShop() {
  const store = new PostgresRosterStore(db.pool);
  const sent: { to: string; text: string }[] = [];
  const roster = createRoster({ store, mailer: { send: async (m) => void sent.push(m) } });
  const opened = await roster.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } });
  const { workspace, owner } = opened._unsafeUnwrap().state;
  const ana = { workspaceId: workspace.id, agentId: owner.id };
  const join = async (name: string, role: 'admin' | 'agent') => {
    const email = `${name.toLowerCase()}@acme.com`;
    (await roster.inviteAgent(ana, { email, role }))._unsafeUnwrap();
    const token = sent.filter((m) => m.to === email).at(-1)?.text.match(/token=([\w-]+)/)?.[1] ?? '';
    return (await roster.acceptInvitation({ token, name, password: PASSWORD }))._unsafeUnwrap().state.agent.id;
  };
  const bob = await join('Bob', 'agent');
  const cy = await join('Cy', 'admin');
  return { store, workspaceId: workspace.id, ana: owner.id, bob, cy };
}

/** Runs hand-written statements in one transaction; answers `committed` or the SQLSTATE that stopped it. */
async function attempt(...statements: readonly (readonly [string, (readonly unknown[])?])[]): Promise<string> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    for (const [text, values] of statements) await client.query(text, values ? [...values] : []);
    await client.query('COMMIT');
    return 'committed';
  } catch (error) {
    await client.query('ROLLBACK');
    return String((error as { code?: string }).code);
  } finally {
    client.release();
  }
}

describe('the schema on its own', () => {
  it('keeps the owner an admin agent of the workspace, checked at COMMIT', async () => {
    const shop = await aShop();
    const other = await aShop();
    const setRole = (id: AgentId, role: string) => [`UPDATE agents SET role = $2 WHERE id = $1`, [id, role]] as const;
    const setOwner = (ws: WorkspaceId, id: AgentId) => [`UPDATE workspaces SET owner_id = $2 WHERE id = $1`, [ws, id]] as const;

    expect(await attempt(setRole(shop.ana, 'agent'))).toBe('23503');
    expect(await attempt([`DELETE FROM agents WHERE id = $1`, [shop.ana]])).toBe('23503');
    expect(await attempt(setOwner(shop.workspaceId, shop.bob))).toBe('23503');
    expect(await attempt(setOwner(shop.workspaceId, other.cy))).toBe('23503');
    expect(await attempt(setOwner(shop.workspaceId, 'agt_nobody' as AgentId))).toBe('23503');
    // A transfer in one transaction, in any order: hand over, promote the new owner, demote the old.
    expect(await attempt(setOwner(shop.workspaceId, shop.bob), setRole(shop.ana, 'agent'), setRole(shop.bob, 'admin'))).toBe('committed');
    expect(await attempt([`DELETE FROM agents WHERE id = $1`, [shop.ana]])).toBe('committed');
  });

  it('never lets an inactive agent be online', async () => {
    const shop = await aShop();
    expect(await attempt([`UPDATE agents SET status = 'inactive', availability = 'online' WHERE id = $1`, [shop.bob]])).toBe('23514');
    expect(await attempt([`UPDATE agents SET status = 'inactive', availability = 'away' WHERE id = $1`, [shop.bob]])).toBe('committed');
  });

  it('shares one email key space between agents and pending invitations, whoever writes', async () => {
    const shop = await aShop();
    const invitation = (email: string, status: string, id: string) =>
      [
        `INSERT INTO invitations (id, workspace_id, email, status, token_hash, department_ids, sent_at, expires_at, data, version)
         VALUES ($1, $2, $3, $4, $5, '{}', now(), now() + interval '7 days', '{}', 1)`,
        [id, shop.workspaceId, email, status, aTokenHash(id)],
      ] as const;
    expect(await attempt(invitation('bob@acme.com', 'pending', 'inv_hand_1'))).toBe('23505');
    expect(await attempt(invitation('bob@acme.com', 'revoked', 'inv_hand_2'))).toBe('committed');
    expect(await attempt(invitation('dee@acme.com', 'pending', 'inv_hand_3'))).toBe('committed');
    expect(await shop.store.emailHolder(shop.workspaceId, 'dee@acme.com' as Email)).toBe('pending-invitation');
    expect(
      await attempt([
        `INSERT INTO agents (id, workspace_id, email, role, status, availability, department_ids, joined_at, data, version)
         VALUES ('agt_hand', $1, 'dee@acme.com', 'agent', 'active', 'away', '{}', now(), '{}', 1)`,
        [shop.workspaceId],
      ]),
    ).toBe('23505');
    // Accepting by hand: the invitation stops pending and the agent takes its email, in one go.
    expect(
      await attempt(
        [
          `INSERT INTO agents (id, workspace_id, email, role, status, availability, department_ids, joined_at, data, version)
           VALUES ('agt_dee', $1, 'dee@acme.com', 'agent', 'active', 'away', '{}', now(), '{}', 1)`,
          [shop.workspaceId],
        ],
        [`UPDATE invitations SET status = 'accepted' WHERE id = 'inv_hand_3'`],
      ),
    ).toBe('committed');
    expect(await shop.store.emailHolder(shop.workspaceId, 'dee@acme.com' as Email)).toBe('agent');
  });

  it('keeps the event log append-only', async () => {
    const shop = await aShop();
    expect(await attempt([`UPDATE events SET type = 'Forged' WHERE workspace_id = $1`, [shop.workspaceId]])).toBe('42501');
    expect(await attempt([`DELETE FROM events WHERE workspace_id = $1`, [shop.workspaceId]])).toBe('42501');
    expect((await shop.store.events(shop.workspaceId)).length).toBeGreaterThan(0);
  });

  it('never keeps the body of a delivered or withdrawn email, and knows no other status', async () => {
    const shop = await aShop();
    const stored = (id: string, body: string, status = 'delivered') =>
      [
        `INSERT INTO outbox (id, workspace_id, idempotency_key, to_address, subject, body_text, status, attempts, created_at, next_attempt_at)
         VALUES ($1, $2, $1, 'dee@acme.com', 'Join us', $3, $4, 1, now(), now())`,
        [id, shop.workspaceId, body, status],
      ] as const;
    expect(await attempt(stored('msg_hand_1', 'https://chat.example.com/join?token=secret'))).toBe('23514');
    expect(await attempt(stored('msg_hand_2', ''))).toBe('committed');
    expect(await attempt(stored('msg_hand_3', 'https://chat.example.com/join?token=secret', 'withdrawn'))).toBe('23514');
    expect(await attempt(stored('msg_hand_4', '', 'withdrawn'))).toBe('committed');
    expect(await attempt(stored('msg_hand_5', '', 'cancelled'))).toBe('23514');
    const sent = await shop.store.listOutbox(shop.workspaceId, 'delivered');
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((m) => m.text === '' && m.html === null)).toBe(true);
    expect((await shop.store.listOutbox(shop.workspaceId, 'withdrawn')).map((m) => m.id)).toEqual(['msg_hand_4']);
  });
});

describe('what the store keeps', () => {
  it('gives back tricky names, emails and department names exactly as written, and finds them', async () => {
    const fixture = hostile;
    const store = new PostgresRosterStore(db.pool);
    const WS = 'ws_tricky' as WorkspaceId;
    // Canonically distinct emails only: u@bücher.de and u@xn--bcher-kva.de are one mailbox.
    const emails = [...new Set(fixture.emails_valid.map(anEmail))];
    expect(emails.length).toBeGreaterThan(5);
    const agents = emails.map((email, n) =>
      // The name is set after the mother: it derives a key from the name, which "李小龙" has none of.
      ({ ...anAgent({ workspaceId: WS, id: `agt_t${n}`, email, description: `Line one\nLine 'two' -- ${n}` }), name: fixture.names_valid[n % fixture.names_valid.length]! }),
    );
    const departments = fixture.names_valid.map((name, n) => aDepartment({ workspaceId: WS, id: `dep_t${n}`, name }));
    const writes = [aWorkspace({ id: WS, ownerId: 'agt_t0', plan: 'custom' }), ...departments, ...agents];
    expect(await store.commit({ workspaceId: WS, expected: [], writes, removals: [], events: [], outbox: [] })).toEqual({ committed: true });
    for (const agent of agents) {
      expect(await store.loadAgent(WS, agent.id)).toEqual({ value: agent, version: 1 });
      expect(await store.emailHolder(WS, anEmail(agent.email))).toBe('agent');
    }
    for (const department of departments) expect(await store.departmentNameTaken(WS, department.nameKey)).toBe(true);
    expect(new Set((await store.listDepartments(WS)).map((d) => d.department.name))).toEqual(new Set(fixture.names_valid));
  });
});

describe('a refused commit', () => {
  it('names the uniqueness rule it broke, in the words of the memory store', async () => {
    const store = new PostgresRosterStore(db.pool);
    const WS = 'ws_rules' as WorkspaceId;
    const commit = (...writes: Parameters<PostgresRosterStore['commit']>[0]['writes']) =>
      store.commit({ workspaceId: WS, expected: writes.map((a) => ({ kind: a.kind, id: a.id, version: 0 })), writes, removals: [], events: [], outbox: [] });
    const zed = anAgent({ workspaceId: WS, id: 'agt_zed', email: 'zed@rules.com' });
    const sales = aDepartment({ workspaceId: WS, id: 'dep_sales', name: 'Sales' });
    const invited = anInvitation({ workspaceId: WS, id: 'inv_yan', email: 'yan@rules.com', tokenHash: aTokenHash('yan') });
    expect(await commit(aWorkspace({ id: WS, ownerId: 'agt_zed' }), zed, sales, invited)).toEqual({ committed: true });

    expect(await commit(anAgent({ workspaceId: WS, id: 'agt_zed2', email: 'zed@rules.com' }))).toMatchObject({ reason: 'unique-violation', detail: 'email' });
    expect(await commit(anInvitation({ workspaceId: WS, id: 'inv_zed', email: 'zed@rules.com', tokenHash: aTokenHash('z') }))).toMatchObject({
      reason: 'unique-violation',
      detail: 'email',
    });
    expect(await commit(anInvitation({ workspaceId: WS, id: 'inv_x', email: 'x@rules.com', tokenHash: aTokenHash('yan') }))).toMatchObject({
      reason: 'unique-violation',
      detail: 'token',
    });
    expect(await commit(aDepartment({ workspaceId: WS, id: 'dep_sales2', name: 'SALES' }))).toMatchObject({ reason: 'unique-violation', detail: 'dept-name' });
    expect(await commit(zed)).toMatchObject({ reason: 'stale-version', detail: 'agent agt_zed is at version 1, expected 0' });
  });
});

type Statement = { text: string; values: unknown[] };

/** A pool that writes down every statement it is given. */
function recording(pool: SqlPool): SqlPool & { log: Statement[] } {
  const log: Statement[] = [];
  return {
    log,
    query: (text, values = []) => (log.push({ text, values }), pool.query(text, values)),
    connect: () => pool.connect(),
  };
}

describe('how the store reads', () => {
  const WS = 'ws_big' as WorkspaceId;
  const departments = Array.from({ length: 20 }, (_, n) => aDepartment({ workspaceId: WS, id: `dep_${n}`, name: `Team ${n}` }));
  const depIds = departments.map((d) => d.id);
  const agents = Array.from({ length: 60 }, (_, n) =>
    anAgent({ workspaceId: WS, id: `agt_${n}`, name: `Agent ${n}`, email: `agent${n}@big.com`, departmentIds: [depIds[n % 20]!, depIds[(n + 1) % 20]!] }),
  );
  const invitations = Array.from({ length: 40 }, (_, n) =>
    anInvitation({ workspaceId: WS, id: `inv_${n}`, email: `invitee${n}@big.com`, departmentIds: [depIds[n % 20]!], expiresAt: hoursAfter(T0, n) }),
  );

  /** Every read of the store, once. */
  const readEverything = async (store: PostgresRosterStore) => {
    const dep = depIds[3] as DepartmentId;
    await store.loadWorkspace(WS);
    await store.loadAgent(WS, agents[0]!.id);
    await store.loadInvitation(WS, invitations[0]!.id);
    await store.findInvitationByTokenHash(invitations[1]!.tokenHash);
    await store.loadDepartments(WS, depIds);
    await store.emailHolder(WS, agents[5]!.email);
    await store.departmentNameTaken(WS, departments[2]!.nameKey, departments[1]!.id);
    await store.departmentMembers(WS, dep);
    await store.loadRoutingStates(WS, [null, dep]);
    await store.lapsedInvitations(WS, hoursAfter(T0, 10), 100);
    await store.countLapsedInvitations(WS, hoursAfter(T0, 10));
    await store.listAgents(WS, { status: 'active', availability: 'away', departmentId: dep });
    await store.listAgents(WS, { status: 'active' });
    await store.listAgents(WS);
    await store.listInvitations(WS, { status: 'expired', now: hoursAfter(T0, 10) });
    await store.listInvitations(WS, { status: 'revoked' });
    await store.listDepartments(WS);
    await store.listDepartments(WS, hoursAfter(T0, 10));
    await store.loadAllDepartments(WS);
    await store.events(WS);
    await store.listOutbox(WS, 'pending');
    await store.listOutbox(WS, undefined, { after: { createdAt: T0.toISOString(), id: 'msg_0' }, limit: 101 });
    await store.listOutbox(WS, 'delivered', { after: { createdAt: T0.toISOString(), id: 'msg_0' }, limit: 101 });
    await store.claimOutbox(T0, 10, 1_000);
  };

  beforeAll(async () => {
    const store = new PostgresRosterStore(db.pool);
    const commit = { workspaceId: WS, expected: [], removals: [], events: [], outbox: [] };
    const workspace = aWorkspace({ id: WS, ownerId: 'agt_0', plan: 'custom' });
    expect(await store.commit({ ...commit, writes: [workspace, ...departments, ...agents, ...invitations] })).toEqual({ committed: true });
  });

  it('answers each read with one statement, however large the workspace', async () => {
    const pool = recording(db.pool);
    await readEverything(new PostgresRosterStore(pool));
    expect(pool.log).toHaveLength(24);
    const summaries = await new PostgresRosterStore(db.pool).listDepartments(WS);
    expect(summaries).toHaveLength(20);
    expect(summaries.every((s) => s.members === 6 && s.pendingInvitations === 2)).toBe(true);
    // At hour 10 the first 11 invitations (hours 0–10) have lapsed: departments 0–10 lose one each.
    const later = await new PostgresRosterStore(db.pool).listDepartments(WS, hoursAfter(T0, 10));
    expect(later.map((s) => s.pendingInvitations).reduce((a, b) => a + b, 0)).toBe(40 - 11);
    expect(await new PostgresRosterStore(db.pool).countLapsedInvitations(WS, hoursAfter(T0, 10))).toBe(11);
  });

  it('serves every read from an index, never a scan of a whole table', async () => {
    const pool = recording(db.pool);
    await readEverything(new PostgresRosterStore(pool));
    for (const { text, values } of pool.log) {
      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        // Tables this small are cheaper to scan, so the planner is told scans cost a fortune:
        // a sequential scan left in the plan means no index fits the query.
        await client.query('SET LOCAL enable_seqscan = off');
        const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
        const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
        expect(plan, text).not.toMatch(/"Node Type":"Seq Scan"/);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
  });

  it('reads a page of the outbox as one range scan of an index from its cursor, in order, with nothing to sort, among thousands of messages', async () => {
    // 4,000 messages in this workspace (a few pending, some withdrawn, most delivered), 2,000 in
    // another, five to a second; ANALYZEd, so the planner weighs real sizes (no setting forced).
    await db.pool.query(`INSERT INTO outbox (id, workspace_id, idempotency_key, to_address, subject, body_text, status, attempts, created_at, next_attempt_at)
      SELECT 'msg_' || md5(w || n::text), w, w || n, 'x@acme.com', 'Join us', '',
        CASE WHEN n % 50 = 0 THEN 'pending' WHEN n % 7 = 0 THEN 'withdrawn' ELSE 'delivered' END, 1,
        timestamptz '2026-11-23 09:00:00Z' + (n / 5) * interval '1 second', now()
      FROM (VALUES ('${WS}', 4000), ('ws_other', 2000)) AS ws (w, size), generate_series(1, size) AS n`);
    await db.pool.query('ANALYZE outbox');
    const pool = recording(db.pool);
    const store = new PostgresRosterStore(pool);
    const first = await store.listOutbox(WS, undefined, { limit: 101 });
    expect(first).toHaveLength(101);
    const middle = first[50]!;
    const after = { createdAt: middle.createdAt, id: middle.id };
    expect((await store.listOutbox(WS, undefined, { after, limit: 101 }))[0]).toEqual(first[51]);
    expect((await store.listOutbox(WS, 'pending', { after, limit: 101 })).every((m) => m.status === 'pending')).toBe(true);
    expect(await store.listOutbox(WS, 'withdrawn', { after, limit: 10 })).toHaveLength(10);
    for (const { text, values } of pool.log) {
      const { rows } = await db.pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
      expect(plan, text).toMatch(/"Node Type":"Index Scan".*"Index Name":"outbox_by_(status_and_)?creation"/);
      expect(plan, text).not.toMatch(/"Node Type":"(Sort|Incremental Sort|Seq Scan|Bitmap Heap Scan)"/);
    }
    await db.pool.query(`DELETE FROM outbox WHERE workspace_id IN ('${WS}', 'ws_other')`);
  });
});
