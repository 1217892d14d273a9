/**
 * Filtered pages on PostgreSQL at 100,000 agents and 20,000 invitations in one workspace (among
 * a few small ones), and what a join and an availability change cost beside them. For each
 * filter `agentPage` / `invitationPage` allow, it times a page of 101 (what the roster asks for a
 * page of 100) from the start and from the middle of the filter's own rows, and runs EXPLAIN
 * (ANALYZE, BUFFERS) on the store's statement: the rows its scans read (kept and filtered out),
 * the buffers it touched and the index it walked. Not part of `npm run bench`; no assertions.
 *
 *   npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-pages.ts
 *
 * The workspace: 2% of agents inactive, 10% online; 20 departments: every agent in one of
 * dep_2…dep_19 (about 5,500 each), 30% also in dep_big (30,000), 50 also in dep_small. Invitations:
 * 85% accepted, 5% revoked, 10% expired, and the last 150 sent pending, 50 of them lapsed at
 * `now`. Three agents join each second, so ties on `joined_at` are broken by id.
 *
 * Three pages per filter: the first, one from the middle of the filter's rows, and the last, with 50
 * rows left (a walk that filters reads on to the end of the workspace to find that nothing follows).
 *
 * PAGES_RUNS (default 15: the median is printed), WRITES (default 300 joins, 300 availability changes).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createRoster, type Agent, type Department, type DepartmentId, type AgentFilter, type Invitation, type InvitationFilter, type WorkspaceId } from 'agent-roster';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { aDepartment, anAgent, anInvitation, T0 } from 'agent-roster/testing';
import { recordingPool, type PlanNode } from '../test/support/plans';
import { seeded } from './measure';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL, or run: npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-pages.ts');
  process.exit(2);
}
const AGENTS = 100_000;
const INVITATIONS = 20_000;
const RUNS = Number(process.env.PAGES_RUNS ?? 15);
const WRITES = Number(process.env.WRITES ?? 300);
const BATCH = 1_000;
const PASSWORD = 'correct horse battery staple';

const pool = new pg.Pool({ connectionString: url, max: 2 });
await migrate(pool);

/** The statements the store sends, so that the last one can be explained. */
const { pool: recording, log } = recordingPool(pool);
const store = new PostgresRosterStore(recording);

// ── The workspace ──────────────────────────────────────────────────────────────────────────────

let token = '';
const roster = createRoster({ store, deliverImmediately: false, acceptUrl: (t) => ((token = t), `https://chat.example.com/join?token=${t}`) });
// A few other workspaces first, so the indexes are shared as in production.
for (let w = 0; w < 3; w++) {
  await roster.createWorkspace({ name: `Other ${w}`, plan: 'custom', owner: { email: `owner-${randomUUID()}@other.example`, name: 'Owner', password: PASSWORD } });
}
const opened = (await roster.createWorkspace({ name: 'Pages', plan: 'custom', owner: { email: 'owner@pages.example', name: 'Owner', password: PASSWORD } }))._unsafeUnwrap();
const ws = opened.state.workspace.id as WorkspaceId;
const owner = { workspaceId: ws, agentId: opened.state.owner.id };

const scrambled = (k: number) => ((k * 7_919) % 1_000_003).toString(36).padStart(5, '0');
const joinedAt = (k: number) => new Date(T0.getTime() + Math.floor(k / 3) * 1000);
const sentAt = (k: number) => new Date(T0.getTime() + k * 60_000);
const now = new Date(sentAt(INVITATIONS).getTime() + 3_600_000);

/** A fixed pseudo-random sequence, so every run builds the same workspace. */
const random = seeded(20_261_206);
const agents: Agent[] = [];
for (let k = 0; k < AGENTS; k++) {
  // Agents who left are mostly early joiners: 4% of the first, none of the last, 2% overall.
  const status = random() < 0.04 * (1 - k / AGENTS) ? 'inactive' : 'active';
  const departmentIds = [`dep_${2 + Math.floor(random() * 18)}`, ...(random() < 0.3 ? ['dep_big'] : []), ...(k % 2_000 === 7 ? ['dep_small'] : [])];
  agents.push(
    anAgent({
      workspaceId: ws,
      id: `agt_${scrambled(k)}`,
      name: `Agent ${k}`,
      email: `a${k}@pages.example`,
      status,
      availability: status === 'active' && random() < 0.1 ? 'online' : 'away',
      departmentIds,
      joinedAt: joinedAt(k),
    }),
  );
}
const invitations: Invitation[] = [];
for (let k = 0; k < INVITATIONS; k++) {
  const pending = k >= INVITATIONS - 150;
  const roll = random();
  const status = pending ? 'pending' : roll < 0.85 ? 'accepted' : roll < 0.9 ? 'revoked' : 'expired';
  invitations.push(
    anInvitation({
      workspaceId: ws,
      id: `inv_${scrambled(k)}`,
      email: `i${k}@pages.example`,
      tokenHash: k.toString(16).padStart(64, '0'),
      status,
      sentAt: sentAt(k),
      ...(pending ? { expiresAt: k < INVITATIONS - 100 ? new Date(now.getTime() - 3_600_000) : new Date(now.getTime() + 86_400_000) } : {}),
      departmentIds: [`dep_${2 + (k % 18)}`],
    }),
  );
}
const seedingStarted = performance.now();
const departments = ['dep_small', 'dep_big', ...Array.from({ length: 18 }, (_, n) => `dep_${2 + n}`)].map((id) => aDepartment({ workspaceId: ws, id, name: id }));
const rows: (Department | Agent | Invitation)[] = [...departments, ...agents, ...invitations];
for (let from = 0; from < rows.length; from += BATCH) {
  const writes = rows.slice(from, from + BATCH);
  const outcome = await store.commit({ workspaceId: ws, expected: [], writes, removals: [], events: [], outbox: [] });
  if (!outcome.committed) throw new Error(`seeding failed: ${JSON.stringify(outcome)}`);
}
await pool.query('VACUUM ANALYZE');
const version = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
console.log(`PostgreSQL ${version}; ${AGENTS.toLocaleString('en-US')} agents and ${INVITATIONS.toLocaleString('en-US')} invitations seeded in ${((performance.now() - seedingStarted) / 1000).toFixed(1)} s\n`);

// ── Pages ──────────────────────────────────────────────────────────────────────────────────────

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 10 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(0)} µs`);

type Explained = { read: number; buffers: number; indexes: string[]; sort: boolean };

/**
 * What the store's last statement reads: the rows its scans of tables produce or filter out (a
 * department's page counts its agent_departments entries and then its agents' rows), the buffers
 * it touched, the indexes it used.
 */
async function explainLast(): Promise<Explained> {
  const { text, values } = log.at(-1)!;
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
  const top = (rows[0]['QUERY PLAN'] as { Plan: PlanNode & { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }[])[0]!.Plan;
  const out: Explained = { read: 0, buffers: top['Shared Hit Blocks'] + top['Shared Read Blocks'], indexes: [], sort: false };
  const walk = (node: PlanNode) => {
    // Scans of a table or of an index (Bitmap Index Scans are counted by their heap scan); not of a subquery.
    if (node['Relation Name'] !== undefined) {
      out.read += node['Actual Rows'] * node['Actual Loops'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    }
    if (node['Index Name'] && !out.indexes.includes(node['Index Name'])) out.indexes.push(node['Index Name']);
    if (node['Node Type'] === 'Sort') out.sort = true;
    node.Plans?.forEach(walk);
  };
  walk(top);
  return out;
}

async function measure(page: () => Promise<readonly unknown[]>): Promise<{ ms: number; rows: number; plan: Explained }> {
  const got = await page();
  const plan = await explainLast();
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    await page();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), rows: got.length, plan };
}

const cell = ({ ms, rows, plan }: Awaited<ReturnType<typeof measure>>) =>
  `${fmt(ms)} | ${rows} | ${plan.read.toLocaleString('en-US')} | ${plan.buffers.toLocaleString('en-US')} | ${plan.indexes.join(', ') || 'seq scan'}${plan.sort ? ' + sort' : ''}`;

console.log('| filter | matching | page | time (median) | rows back | rows read | buffers | plan |');
console.log('|---|---:|---|---:|---:|---:|---:|---|');

const byJoining = (a: Agent, b: Agent) => (a.joinedAt !== b.joinedAt ? (a.joinedAt < b.joinedAt ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const bySending = (a: Invitation, b: Invitation) => (a.sentAt !== b.sentAt ? (a.sentAt < b.sentAt ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const agentFilters: [string, AgentFilter][] = [
  ['none', {}],
  ['status inactive', { status: 'inactive' }],
  ['status active', { status: 'active' }],
  ['availability online', { availability: 'online' }],
  ['availability away', { availability: 'away' }],
  ['active + away', { status: 'active', availability: 'away' }],
  ['department small', { departmentId: 'dep_small' as DepartmentId }],
  ['department mid (dep_5)', { departmentId: 'dep_5' as DepartmentId }],
  ['department big', { departmentId: 'dep_big' as DepartmentId }],
  ['department big + online', { departmentId: 'dep_big' as DepartmentId, availability: 'online' }],
  ['department mid + inactive', { departmentId: 'dep_5' as DepartmentId, status: 'inactive' }],
];
const matches = (a: Agent, f: AgentFilter) =>
  (f.status === undefined || a.status === f.status) &&
  (f.availability === undefined || a.availability === f.availability) &&
  (f.departmentId === undefined || a.departmentIds.includes(f.departmentId));
const sortedAgents = [...agents].sort(byJoining);
for (const [name, filter] of agentFilters) {
  const matching = sortedAgents.filter((a) => matches(a, filter));
  const from = (a: Agent | undefined) => () => store.listAgents(ws, filter, { ...(a && { after: { joinedAt: a.joinedAt, id: a.id } }), limit: 101 });
  console.log(`| agents: ${name} | ${matching.length.toLocaleString('en-US')} | first | ${cell(await measure(from(undefined)))} |`);
  if (matching.length <= 151) continue; // one page holds them all
  console.log(`| | | middle | ${cell(await measure(from(matching[matching.length >> 1])))} |`);
  console.log(`| | | last (50 left) | ${cell(await measure(from(matching[matching.length - 51])))} |`);
}

const invitationFilters: [string, InvitationFilter['status'] | undefined][] = [
  ['none', undefined],
  ['pending at now', 'pending'],
  ['expired at now', 'expired'],
  ['accepted', 'accepted'],
  ['revoked', 'revoked'],
];
const lapsed = (i: Invitation) => i.status === 'pending' && Date.parse(i.expiresAt) <= now.getTime();
const sortedInvitations = [...invitations].sort(bySending);
for (const [name, status] of invitationFilters) {
  const filter: InvitationFilter = status === undefined ? {} : { status, now };
  const matching = sortedInvitations.filter((i) =>
    status === undefined ? true : status === 'pending' ? i.status === 'pending' && !lapsed(i) : status === 'expired' ? i.status === 'expired' || lapsed(i) : i.status === status,
  );
  const from = (i: Invitation | undefined) => () => store.listInvitations(ws, filter, { ...(i && { after: { sentAt: i.sentAt, id: i.id } }), limit: 101 });
  console.log(`| invitations: ${name} | ${matching.length.toLocaleString('en-US')} | first | ${cell(await measure(from(undefined)))} |`);
  if (matching.length <= 151) continue; // one page holds them all
  console.log(`| | | middle | ${cell(await measure(from(matching[matching.length >> 1])))} |`);
  console.log(`| | | last (50 left) | ${cell(await measure(from(matching[matching.length - 51])))} |`);
}

// ── Writes ─────────────────────────────────────────────────────────────────────────────────────

const pairs: number[] = [];
for (let n = 0; n < WRITES; n++) {
  const t0 = performance.now();
  const invited = await roster.inviteAgent(owner, { email: `join-${n}-${randomUUID()}@pages.example`, departmentIds: [n % 2 === 0 ? 'dep_big' : 'dep_5'] });
  if (invited.isErr()) throw new Error(`invite: ${invited.error.type}`);
  const accepted = await roster.acceptInvitation({ token, name: `Joiner ${n}`, password: PASSWORD });
  if (accepted.isErr()) throw new Error(`accept: ${accepted.error.type}`);
  pairs.push(performance.now() - t0);
}
const changes: number[] = [];
for (let n = 0; n < WRITES; n++) {
  const id = agents[(n * 331) % AGENTS]!.id;
  const loaded = (await store.loadAgent(ws, id))!;
  if (loaded.value.status !== 'active') continue;
  const t0 = performance.now();
  const changed = { ...loaded.value, availability: loaded.value.availability === 'online' ? ('away' as const) : ('online' as const) };
  const outcome = await store.commit({ workspaceId: ws, expected: [{ kind: 'agent', id, version: loaded.version }], writes: [changed], removals: [], events: [], outbox: [] });
  if (!outcome.committed) throw new Error(`availability: ${JSON.stringify(outcome)}`);
  changes.push(performance.now() - t0);
}
const p90 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
console.log(`\n| write, one at a time | n | median | p90 |\n|---|---:|---:|---:|`);
console.log(`| invite + accept (through the roster, into a department) | ${pairs.length} | ${fmt(median(pairs))} | ${fmt(p90(pairs))} |`);
console.log(`| availability change (one store commit) | ${changes.length} | ${fmt(median(changes))} | ${fmt(p90(changes))} |`);
await pool.end();
