/**
 * The availability board on PostgreSQL at 2,000 and 20,000 agents in one workspace of 10
 * departments (beside a few small workspaces): the whole board, one department's board, and the
 * store reads they make (`listAgents` of the whole team, `loadAllDepartments` and
 * `listDepartments`, a department's `listAgents`), each timed (median of BOARD_RUNS) and its statement run under EXPLAIN (ANALYZE,
 * BUFFERS): the rows its scans read, the buffers it touched, the indexes it walked, whether it
 * sorted (and on disk), and its time in the server alone (median of BOARD_RUNS executions).
 * Then the write every index pays: invite + accept through the roster, one at a time. Not part
 * of `npm run bench`; no assertions.
 *
 *   npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-board.ts
 *
 * Every agent is in one of dep_0…dep_9; 2% inactive, 10% of the active ones online; three agents
 * join each second, so ties on `joined_at` are broken by id; with BOARD_JOINED=together, all of
 * them at one instant (an import, or a fixed clock), where only the id orders them. BOARD_SIZES
 * (default 2000,20000), BOARD_RUNS (default 15), WRITES (default 200).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createRoster, type Agent, type DepartmentId, type WorkspaceId } from 'agent-roster';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { aDepartment, anAgent, T0 } from 'agent-roster/testing';
import { recordingPool, type PlanNode } from '../test/support/plans';
import { seeded } from './measure';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL, or run: npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-board.ts');
  process.exit(2);
}
const SIZES = (process.env.BOARD_SIZES ?? '2000,20000').split(',').map(Number);
const RUNS = Number(process.env.BOARD_RUNS ?? 15);
const WRITES = Number(process.env.WRITES ?? 200);
const DEPARTMENTS = 10;
const TOGETHER = process.env.BOARD_JOINED === 'together';
const BATCH = 1_000;
const PASSWORD = 'correct horse battery staple';

const pool = new pg.Pool({ connectionString: url, max: 4 });
await migrate(pool);

/** The statements the store sends, so that they can be explained. */
const { pool: recording, log } = recordingPool(pool);
const store = new PostgresRosterStore(recording);
let token = '';
const roster = createRoster({ store, deliverImmediately: false, acceptUrl: (t) => ((token = t), `https://chat.example.com/join?token=${t}`) });

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
const fmt = (ms: number) => (ms >= 10 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`);

type Explained = { read: number; buffers: number; indexes: string[]; sort: string; ms: number };

/** What a statement reads: rows its scans produced or filtered out, buffers, indexes, sorts. */
async function explain({ text, values }: { text: string; values: unknown[] }): Promise<Explained> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
  const top = (rows[0]['QUERY PLAN'] as { Plan: PlanNode & { 'Shared Hit Blocks': number; 'Shared Read Blocks': number; 'Temp Read Blocks'?: number } }[])[0]!.Plan;
  const out: Explained = { read: 0, buffers: top['Shared Hit Blocks'] + top['Shared Read Blocks'], indexes: [], sort: '', ms: top['Actual Total Time'] ?? 0 };
  const walk = (node: PlanNode) => {
    if (node['Relation Name'] !== undefined) out.read += node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0);
    if (node['Index Name'] && !out.indexes.includes(node['Index Name'])) out.indexes.push(node['Index Name']);
    if (node['Node Type'].endsWith('Sort')) out.sort += ` + ${node['Node Type'].toLowerCase()}${node['Sort Space Type'] ? ` (${node['Sort Space Type'].toLowerCase()} ${node['Sort Space Used']} kB)` : ''}`;
    node.Plans?.forEach(walk);
  };
  walk(top);
  // The time in the server alone (no transfer, no parsing), as the median of RUNS executions.
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const again = await pool.query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${text}`, values);
    times.push((again.rows[0]['QUERY PLAN'] as { 'Execution Time': number }[])[0]!['Execution Time']);
  }
  out.ms = median(times);
  return out;
}

/** Times `op` (median of RUNS after one run), and explains the statements it sent matching `which`. */
async function measure(op: () => Promise<unknown>, which: (text: string) => boolean = () => true) {
  const from = log.length;
  await op();
  const sent = log.slice(from).filter((s) => which(s.text));
  const plans = [];
  for (const s of sent) plans.push(await explain(s));
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    await op();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), plans };
}

const line = (name: string, { ms, plans }: Awaited<ReturnType<typeof measure>>) =>
  `| ${name} | ${fmt(ms)} | ${plans
    .map((p) => `${p.read.toLocaleString('en-US')} rows, ${p.buffers.toLocaleString('en-US')} buffers, ${p.indexes.join(', ') || 'seq scan'}${p.sort} (${fmt(p.ms)} in the server)`)
    .join('; ')} |`;

// A few other workspaces first, so the indexes are shared as in production.
for (let w = 0; w < 3; w++) {
  await roster.createWorkspace({ name: `Other ${w}`, plan: 'custom', owner: { email: `owner-${randomUUID()}@other.example`, name: 'Owner', password: PASSWORD } });
}
const version = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
const workMem = (await pool.query<{ work_mem: string }>('SHOW work_mem')).rows[0]!.work_mem;
console.log(`PostgreSQL ${version}, work_mem ${workMem}; agents joined ${TOGETHER ? 'at one instant' : 'three a second'}`);

const scrambled = (k: number) => ((k * 7_919) % 1_000_003).toString(36).padStart(5, '0');
for (const size of SIZES) {
  const opened = (await roster.createWorkspace({ name: `Board ${size}`, plan: 'custom', owner: { email: `owner@board-${size}.example`, name: 'Owner', password: PASSWORD } }))._unsafeUnwrap();
  const ws = opened.state.workspace.id as WorkspaceId;
  const owner = { workspaceId: ws, agentId: opened.state.owner.id };
  const random = seeded(20_261_207 + size);
  const departments = Array.from({ length: DEPARTMENTS }, (_, n) => aDepartment({ workspaceId: ws, id: `dep_${size}_${n}`, name: `Team ${n}` }));
  const agents: Agent[] = [];
  for (let k = 0; k < size; k++) {
    const status = random() < 0.02 ? 'inactive' : 'active';
    agents.push(
      anAgent({
        workspaceId: ws,
        id: `agt_${size}_${scrambled(k)}`,
        name: `Agent ${k}`,
        email: `a${k}@board-${size}.example`,
        status,
        availability: status === 'active' && random() < 0.1 ? 'online' : 'away',
        departmentIds: [departments[Math.floor(random() * DEPARTMENTS)]!.id],
        joinedAt: new Date(T0.getTime() + (TOGETHER ? 0 : Math.floor(k / 3) * 1000)),
      }),
    );
  }
  const rows = [...departments, ...agents];
  for (let from = 0; from < rows.length; from += BATCH) {
    const outcome = await store.commit({ workspaceId: ws, expected: [], writes: rows.slice(from, from + BATCH), removals: [], events: [], outbox: [] });
    if (!outcome.committed) throw new Error(`seeding failed: ${JSON.stringify(outcome)}`);
  }
  await pool.query('VACUUM ANALYZE');
  const one = departments[3]!.id as DepartmentId;
  const members = agents.filter((a) => a.departmentIds.includes(one)).length;

  console.log(`\n${size.toLocaleString('en-US')} agents in ${DEPARTMENTS} departments (one of ${members.toLocaleString('en-US')} below)\n`);
  console.log('| read | median | statement: rows read, buffers, plan |\n|---|---:|---|');
  console.log(line('whole board', await measure(async () => (await roster.availabilityBoard(owner))._unsafeUnwrap(), (t) => !t.includes('routing_states') && !t.includes('FROM workspaces') && !t.includes('FROM agents WHERE workspace_id = $1 AND id = $2'))));
  console.log(line('one department board', await measure(async () => (await roster.availabilityBoard(owner, { departmentId: one }))._unsafeUnwrap(), (t) => t.includes('agent_departments'))));
  console.log(line('store.listAgents(ws)', await measure(() => store.listAgents(ws))));
  console.log(line('store.listDepartments(ws)', await measure(() => store.listDepartments(ws))));
  console.log(line('store.loadAllDepartments(ws)', await measure(() => store.loadAllDepartments(ws))));
  console.log(line('store.listAgents(ws, { departmentId })', await measure(() => store.listAgents(ws, { departmentId: one }))));

  if (size !== SIZES.at(-1) || WRITES === 0) continue;
  const pairs: number[] = [];
  const wal0 = (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  for (let n = 0; n < WRITES; n++) {
    const t0 = performance.now();
    const invited = await roster.inviteAgent(owner, { email: `join-${n}-${randomUUID()}@board.example`, departmentIds: [departments[n % DEPARTMENTS]!.id] });
    if (invited.isErr()) throw new Error(`invite: ${invited.error.type}`);
    const accepted = await roster.acceptInvitation({ token, name: `Joiner ${n}`, password: PASSWORD });
    if (accepted.isErr()) throw new Error(`accept: ${accepted.error.type}`);
    pairs.push(performance.now() - t0);
  }
  const wal = (await pool.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes', [wal0])).rows[0]!.bytes;
  console.log(`\n| write, one at a time | n | median | p90 | WAL per write |\n|---|---:|---:|---:|---:|`);
  console.log(`| invite + accept (roster, into a department) | ${pairs.length} | ${fmt(median(pairs))} | ${fmt(p90(pairs))} | ${Math.round(Number(wal) / pairs.length).toLocaleString('en-US')} B |`);
}
await pool.end();
