/**
 * Pages of the in-memory store's listings at 100,000 rows, and the writes that keep them: what
 * `listAgents` / `listInvitations` answer for a page of 101 (what the roster asks for a page of
 * 100) from the start, from the middle, of one department, and with a status filter that matches
 * 50 rows spread over the whole workspace (the walk's worst case: it looks at every row after the
 * cursor); the whole listing; and a join, an availability change and a resend committed one at a
 * time. Not part of `npm run bench`; no assertions.
 *
 *   npx tsx bench/listing-pages.ts
 *
 * PAGES_ROWS (default 100000) and PAGES_RUNS (default 30: the median is printed, and the range).
 */
import { MemoryRosterStore, type Agent, type AgentFilter, type Invitation, type InvitationFilter, type RosterStore } from 'agent-roster';
import { anAgent, anInvitation, T0 } from 'agent-roster/testing';

const N = Number(process.env.PAGES_ROWS ?? 100_000);
const RUNS = Number(process.env.PAGES_RUNS ?? 30);
const DEPARTMENTS = 10;
const WS = 'ws_pages';
const BATCH = 1_000;

/** Three rows share each second, and ids are not in joining order, so ties are broken by id. */
const instant = (k: number) => new Date(T0.getTime() + Math.floor(k / 3) * 1000).toISOString();
const scrambled = (k: number) => ((k * 7_919) % 1_000_003).toString(36).padStart(5, '0');

async function seed(store: RosterStore) {
  const agentTemplate = anAgent({ workspaceId: WS, id: 'agt_template', email: 'template@pages.example' });
  const invitationTemplate = anInvitation({ workspaceId: WS, id: 'inv_template', email: 'template@pages.example' });
  const agents: Agent[] = [];
  const invitations: Invitation[] = [];
  for (let k = 0; k < N; k++) {
    agents.push({
      ...agentTemplate,
      id: `agt_${scrambled(k)}` as Agent['id'],
      email: `a${k}@pages.example` as Agent['email'],
      joinedAt: instant(k) as Agent['joinedAt'],
      departmentIds: [`dep_${k % DEPARTMENTS}` as Agent['departmentIds'][number]],
      status: k % 2_000 === 1_000 ? 'inactive' : 'active',
    });
    invitations.push({
      ...invitationTemplate,
      id: `inv_${scrambled(k)}` as Invitation['id'],
      email: `i${k}@pages.example` as Invitation['email'],
      tokenHash: k.toString(16).padStart(64, '0') as Invitation['tokenHash'],
      sentAt: instant(k) as Invitation['sentAt'],
      expiresAt: new Date(Date.parse(instant(k)) + 7 * 86_400_000).toISOString() as Invitation['expiresAt'],
      ...(k % 2_000 === 1_000 ? { status: 'revoked' as const, closedAt: instant(k) as Invitation['sentAt'] } : {}),
    });
  }
  for (let from = 0; from < N; from += BATCH) {
    const writes = [...agents.slice(from, from + BATCH), ...invitations.slice(from, from + BATCH)];
    const outcome = await store.commit({
      workspaceId: WS as Agent['workspaceId'],
      expected: writes.map((a) => ({ kind: a.kind, id: a.id, version: 0 })),
      writes,
      removals: [],
      events: [],
      outbox: [],
    });
    if (!outcome.committed) throw new Error(`seeding failed: ${JSON.stringify(outcome)}`);
  }
  return { agents, invitations };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms * 1000).toFixed(ms < 0.01 ? 1 : 0)} µs`);

async function time(what: string, runs: number, body: (run: number) => Promise<unknown>): Promise<void> {
  await body(-1);
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    await body(run);
    samples.push(performance.now() - t0);
  }
  console.log(`| ${what} | ${fmt(median(samples))} | ${fmt(Math.min(...samples))}–${fmt(Math.max(...samples))} |`);
}

const store = new MemoryRosterStore();
const ws = WS as Agent['workspaceId'];
const t0 = performance.now();
const { agents, invitations } = await seed(store);
console.log(`\n${N.toLocaleString('en-US')} agents and ${N.toLocaleString('en-US')} invitations seeded in ${fmt(performance.now() - t0)}\n`);
console.log('| read or write | median | range |');
console.log('|---|---:|---:|');

const sortedAgents = [...agents].sort((a, b) => (a.joinedAt !== b.joinedAt ? (a.joinedAt < b.joinedAt ? -1 : 1) : a.id < b.id ? -1 : 1));
const middle = sortedAgents[N >> 1]!;
const agentPage = (filter: AgentFilter, after?: Agent) => store.listAgents(ws, filter, { after: after && { joinedAt: after.joinedAt, id: after.id }, limit: 101 });
const invitationPage = (filter: InvitationFilter, after?: Invitation) => store.listInvitations(ws, filter, { after: after && { sentAt: after.sentAt, id: after.id }, limit: 101 });
const check = (rows: readonly unknown[], n: number) => {
  if (rows.length !== n) throw new Error(`expected ${n} rows, got ${rows.length}`);
};

await time('agents: page of 101 from the start', RUNS, async () => check(await agentPage({}), 101));
await time('agents: page of 101 from the middle', RUNS, async () => check(await agentPage({}, middle), 101));
await time('agents: page of 101 of one department (1 in 10), from the middle', RUNS, async () => check(await agentPage({ departmentId: 'dep_3' as Agent['departmentIds'][number] }, middle), 101));
await time('agents: page with `status: inactive` (50 rows match), from the start', RUNS, async () => check(await agentPage({ status: 'inactive' }), N / 2_000));
await time('agents: page with `status: active`, from the middle', RUNS, async () => check(await agentPage({ status: 'active' }, middle), 101));
const sortedInvitations = [...invitations].sort((a, b) => (a.sentAt !== b.sentAt ? (a.sentAt < b.sentAt ? -1 : 1) : a.id < b.id ? -1 : 1));
const now = new Date(Date.parse(instant(N >> 1)) + 7 * 86_400_000);
await time('invitations: page of 101 from the middle', RUNS, async () => check(await invitationPage({}, sortedInvitations[N >> 1]), 101));
await time('invitations: page with `status: revoked` (50 rows match), from the start', RUNS, async () => check(await invitationPage({ status: 'revoked' }), N / 2_000));
await time('invitations: page with `status: expired` at a `now` half of them lapsed by, from the start', RUNS, async () => check(await invitationPage({ status: 'expired', now }), 101));
await time('agents: the whole listing, no page', Math.min(RUNS, 10), async () => check(await store.listAgents(ws), N));
await time('agents: one department, whole (10,000 rows)', Math.min(RUNS, 10), async () => check(await store.listAgents(ws, { departmentId: 'dep_3' as Agent['departmentIds'][number] }), N / DEPARTMENTS));

// Writes, one commit each: a join (the largest key so far), an availability change in place, a resend (moved to the end).
const versions = new Map<string, number>();
const write = async (a: Agent | Invitation, created = false) => {
  const version = created ? 0 : (versions.get(a.id) ?? 1);
  const outcome = await store.commit({ workspaceId: ws, expected: [{ kind: a.kind, id: a.id, version }], writes: [a], removals: [], events: [], outbox: [] });
  if (!outcome.committed) throw new Error(`write failed: ${JSON.stringify(outcome)}`);
  versions.set(a.id, version + 1);
};
const later = (k: number) => new Date(T0.getTime() + 86_400_000 * 400 + k * 1000).toISOString();
const WRITES = 1_000;
await time(`${WRITES} joins, one commit each`, 10, async (run) => {
  for (let j = 0; j < WRITES; j++) {
    const k = (run + 1) * WRITES + j;
    await write({ ...agents[0]!, id: `agt_new_${k}` as Agent['id'], email: `new${k}@pages.example` as Agent['email'], joinedAt: later(k) as Agent['joinedAt'] }, true);
  }
}).then(() => undefined);
await time(`${WRITES} availability changes, one commit each`, 10, async (run) => {
  for (let j = 0; j < WRITES; j++) {
    const a = agents[(j * 97 + (run + 1) * 13) % N]!;
    await write({ ...a, availability: (run + j) % 2 === 0 ? 'online' : 'away' });
  }
});
await time(`${WRITES} resends (sentAt moved to now), one commit each`, 10, async (run) => {
  for (let j = 0; j < WRITES; j++) {
    const i = invitations[(j * 101 + (run + 1) * 17) % N]!;
    await write({ ...i, sentAt: later((run + 1) * WRITES + j) as Invitation['sentAt'], resendCount: run + 1 });
  }
});
