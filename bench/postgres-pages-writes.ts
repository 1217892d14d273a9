/**
 * What migration 0006 (filtered page indexes, agent_departments) costs writes: two databases in
 * one cluster, one migrated to 0003 and one to the end, each with a workspace of 100,000 agents
 * (as bench/postgres-pages.ts builds it), then rounds of joins (invite + accept through the
 * roster, into a department) and of availability changes (one store commit each), taking turns
 * between the two databases so that both see the same load. The store's commit is the same code
 * on both: only the schema differs. Not part of `npm run bench`; no assertions.
 *
 *   npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-pages-writes.ts
 *
 * It also prints how long 0006 took on the filled database, and the sizes of the agents' tables and
 * indexes in both.
 *
 * ROUNDS (default 6) of PER_ROUND (default 50) writes of each kind.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createRoster, type Agent, type WorkspaceId } from 'agent-roster';
import { migrate, MIGRATIONS, PostgresRosterStore } from 'agent-roster/postgres';
import { aDepartment, anAgent, T0 } from 'agent-roster/testing';
import { seeded } from './measure';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL, or run: npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-pages-writes.ts');
  process.exit(2);
}
const AGENTS = 100_000;
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const PER_ROUND = Number(process.env.PER_ROUND ?? 50);
const PASSWORD = 'correct horse battery staple';

const admin = new pg.Pool({ connectionString: url, max: 1 });
const suffix = randomUUID().slice(0, 8);

async function database(name: string, upTo: number) {
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url!);
  target.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: target.toString(), max: 2 });
  // Both start at 0003 and are filled; one is then migrated on, which times 0006 on 100,000 agents.
  await migrate(pool, MIGRATIONS.filter((m) => m.version <= 3));
  const store = new PostgresRosterStore(pool);
  let token = '';
  const roster = createRoster({ store, deliverImmediately: false, acceptUrl: (t) => ((token = t), `https://chat.example.com/join?token=${t}`) });
  const opened = (await roster.createWorkspace({ name: 'Pages', plan: 'custom', owner: { email: 'owner@pages.example', name: 'Owner', password: PASSWORD } }))._unsafeUnwrap();
  const ws = opened.state.workspace.id as WorkspaceId;
  const random = seeded(20_261_206);
  const agents: Agent[] = [];
  for (let k = 0; k < AGENTS; k++) {
    const status = random() < 0.04 * (1 - k / AGENTS) ? 'inactive' : 'active';
    agents.push(
      anAgent({
        workspaceId: ws,
        id: `agt_${k.toString(36)}`,
        name: `Agent ${k}`,
        email: `a${k}@pages.example`,
        status,
        availability: status === 'active' && random() < 0.1 ? 'online' : 'away',
        departmentIds: [`dep_${2 + Math.floor(random() * 18)}`, ...(random() < 0.3 ? ['dep_big'] : []), ...(k % 2_000 === 7 ? ['dep_small'] : [])],
        joinedAt: new Date(T0.getTime() + Math.floor(k / 3) * 1000),
      }),
    );
  }
  const departments = ['dep_small', 'dep_big', ...Array.from({ length: 18 }, (_, n) => `dep_${2 + n}`)].map((id) => aDepartment({ workspaceId: ws, id, name: id }));
  const rows = [...departments, ...agents];
  for (let from = 0; from < rows.length; from += 1_000) {
    const outcome = await store.commit({ workspaceId: ws, expected: [], writes: rows.slice(from, from + 1_000), removals: [], events: [], outbox: [] });
    if (!outcome.committed) throw new Error(`seeding failed: ${JSON.stringify(outcome)}`);
  }
  if (upTo > 3) {
    const t0 = performance.now();
    const { applied } = await migrate(pool, MIGRATIONS.filter((m) => m.version <= upTo));
    console.log(`${applied.join(', ')} on ${AGENTS.toLocaleString('en-US')} agents: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }
  await pool.query('VACUUM ANALYZE');
  const sizes = await pool.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND (c.relname LIKE 'agent%' OR c.relname LIKE 'invitations_by%') AND c.relkind IN ('r', 'i') ORDER BY 1`,
  );
  console.log(`${name}: ${sizes.rows.map((r) => `${r.name} ${r.size}`).join(', ')}`);
  const owner = { workspaceId: ws, agentId: opened.state.owner.id };
  let joined = 0;
  let changed = 0;
  return {
    name,
    pool,
    joins: [] as number[],
    changes: [] as number[],
    wal: { joins: 0, changes: 0 },
    async join() {
      const n = joined++;
      const t0 = performance.now();
      const invited = await roster.inviteAgent(owner, { email: `join-${n}@pages.example`, departmentIds: [n % 2 === 0 ? 'dep_big' : 'dep_5'] });
      if (invited.isErr()) throw new Error(`invite: ${invited.error.type}`);
      const accepted = await roster.acceptInvitation({ token, name: `Joiner ${n}`, password: PASSWORD });
      if (accepted.isErr()) throw new Error(`accept: ${accepted.error.type}`);
      this.joins.push(performance.now() - t0);
    },
    async change() {
      const id = agents[(changed++ * 331) % AGENTS]!.id;
      const loaded = (await store.loadAgent(ws, id))!;
      if (loaded.value.status !== 'active') return;
      const t0 = performance.now();
      const value = { ...loaded.value, availability: loaded.value.availability === 'online' ? ('away' as const) : ('online' as const) };
      const outcome = await store.commit({ workspaceId: ws, expected: [{ kind: 'agent', id, version: loaded.version }], writes: [value], removals: [], events: [], outbox: [] });
      if (!outcome.committed) throw new Error(`availability: ${JSON.stringify(outcome)}`);
      this.changes.push(performance.now() - t0);
    },
  };
}

const before = await database(`pages_0003_${suffix}`, 3);
const after = await database(`pages_0006_${suffix}`, 6);
// WAL written is what the writes cost the server in bytes, whatever the machine's load: both
// databases share the cluster's WAL, but they take turns, so each phase's growth is its own.
const lsn = async () => (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
const walSince = async (from: string) => Number((await admin.query<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS n', [from])).rows[0]!.n);
for (let round = 0; round < ROUNDS; round++) {
  for (const db of round % 2 === 0 ? [before, after] : [after, before]) {
    let from = await lsn();
    for (let n = 0; n < PER_ROUND; n++) await db.join();
    db.wal.joins += await walSince(from);
    from = await lsn();
    for (let n = 0; n < PER_ROUND; n++) await db.change();
    db.wal.changes += await walSince(from);
  }
}
const quantile = (xs: readonly number[], q: number) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * q)]!;
const fmt = (ms: number) => (ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`);
console.log(`| write, one at a time, 100,000 agents | schema | n | median | p90 | WAL per write |\n|---|---|---:|---:|---:|---:|`);
for (const db of [before, after]) {
  const schema = db === before ? 'up to 0003' : 'with 0006';
  console.log(`| invite + accept (roster, into a department) | ${schema} | ${db.joins.length} | ${fmt(quantile(db.joins, 0.5))} | ${fmt(quantile(db.joins, 0.9))} | ${Math.round(db.wal.joins / db.joins.length).toLocaleString('en-US')} B |`);
}
for (const db of [before, after]) {
  const schema = db === before ? 'up to 0003' : 'with 0006';
  console.log(`| availability change (store commit) | ${schema} | ${db.changes.length} | ${fmt(quantile(db.changes, 0.5))} | ${fmt(quantile(db.changes, 0.9))} | ${Math.round(db.wal.changes / db.changes.length).toLocaleString('en-US')} B |`);
}
for (const db of [before, after]) await db.pool.end();
await admin.end();
