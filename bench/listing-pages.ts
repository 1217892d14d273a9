/**
 * Pages of the in-memory store's listings on workspaces with a history, at 2,000, 20,000 and
 * 100,000 agents: what `listAgents` / `listInvitations` / `listOutbox` answer for a page of 101
 * (what the roster asks for a page of 100), unfiltered and with each status filter, and the
 * writes that keep the listings at the largest size. Not part of `npm run bench`; no assertions.
 *
 * Each workspace is built as the roster builds one, in batches of 200: the invitations sent (and
 * their emails enqueued), the emails delivered, the invitations accepted (the agents join), so
 * rows of every status interleave in the order pages walk. Of the first n invitations 97% are
 * accepted, 1% revoked and 2% expired; 2% of the agents are deactivated and 1% online; then n/10
 * invitations stay pending, their emails delivered but for the last 200. So pending invitations
 * and emails sort after every accepted or delivered one, as they do in a real workspace.
 *
 *   npx tsx bench/listing-pages.ts
 *
 * PAGES_SIZES (default 2000,20000,100000) and PAGES_RUNS (default 30: the median is printed, and the range).
 */
import { MemoryRosterStore, type Agent, type Aggregate, type AgentFilter, type Invitation, type InvitationFilter, type OutboxMessage, type OutboxStatus } from 'agent-roster';
import { anAgent, anInvitation, aTokenHash, aWorkspace, T0 } from 'agent-roster/testing';

const SIZES = (process.env.PAGES_SIZES ?? '2000,20000,100000').split(',').map(Number);
const RUNS = Number(process.env.PAGES_RUNS ?? 30);
const DEPARTMENTS = 10;
const WS = 'ws_pages' as Agent['workspaceId'];
const BATCH = 200;
const PAGE = 101;

const instant = (s: number) => new Date(T0.getTime() + s * 1000);
const department = (k: number) => `dep_${k % DEPARTMENTS}` as Agent['departmentIds'][number];

/** A workspace of `n` agents with the history described above; `versions` holds every row's version. */
async function history(n: number) {
  const store = new MemoryRosterStore();
  const versions = new Map<string, number>();
  const commit = async (writes: readonly Aggregate[], outbox: readonly OutboxMessage[] = []) => {
    const outcome = await store.commit({ workspaceId: WS, expected: writes.map((a) => ({ kind: a.kind, id: a.id, version: versions.get(a.id) ?? 0 })), writes, removals: [], events: [], outbox });
    if (!outcome.committed) throw new Error(`commit failed: ${JSON.stringify(outcome)}`);
    for (const a of writes) versions.set(a.id, (versions.get(a.id) ?? 0) + 1);
  };
  await commit([aWorkspace({ id: WS })]);
  let second = 0;
  const invite = (k: number, sentAt: Date) => {
    const invitation = anInvitation({ workspaceId: WS, id: `inv_${k}`, email: `a${k}@pages.example`, sentAt, departmentIds: [department(k)] });
    const email: OutboxMessage = {
      id: `msg_${k}`, workspaceId: WS, idempotencyKey: `msg_${k}`, to: invitation.email, subject: 'Join us', text: 'link', html: null, status: 'pending',
      attempts: 0, createdAt: sentAt.toISOString(), nextAttemptAt: sentAt.toISOString(), deliveredAt: null, lastError: null, topic: `invitation:${invitation.id}`,
    };
    return { invitation: { ...invitation, tokenHash: aTokenHash(`pages:${k}`) }, email };
  };
  const agents: Agent[] = [];
  const invitations: Invitation[] = [];
  for (let from = 0; from < n; from += BATCH) {
    const sent = Array.from({ length: Math.min(BATCH, n - from) }, (_, j) => invite(from + j, instant(second++)));
    await commit(
      sent.map((s) => s.invitation),
      sent.map((s) => s.email),
    );
    for (const s of sent) await store.markDelivered(s.email.id, instant(second));
    const closed: Aggregate[] = [];
    for (const [j, { invitation }] of sent.entries()) {
      const k = from + j;
      const at = instant(second++);
      if (k % 100 === 37) closed.push({ ...invitation, status: 'revoked', closedAt: at.toISOString() as Invitation['closedAt'] });
      else if (k % 50 === 11) closed.push({ ...invitation, status: 'expired', closedAt: at.toISOString() as Invitation['closedAt'] });
      else {
        const agent = anAgent({ workspaceId: WS, id: `agt_${k}`, email: invitation.email, joinedAt: at, departmentIds: [department(k)], availability: k % 100 === 5 ? 'online' : 'away' });
        closed.push({ ...invitation, status: 'accepted', closedAt: at.toISOString() as Invitation['closedAt'], agentId: agent.id }, agent);
        agents.push(agent);
      }
    }
    await commit(closed);
    invitations.push(...(closed.filter((a) => a.kind === 'invitation') as Invitation[]));
    const leaving = agents.slice(-BATCH).filter((a) => Number(a.id.slice(4)) % 50 === 1);
    if (leaving.length) await commit(leaving.map((a) => ({ ...a, status: 'inactive' as const, availability: 'away' as const })));
  }
  for (let from = n; from < n + n / 10; from += BATCH) {
    const sent = Array.from({ length: Math.min(BATCH, n + n / 10 - from) }, (_, j) => invite(from + j, instant(second++)));
    await commit(
      sent.map((s) => s.invitation),
      sent.map((s) => s.email),
    );
    invitations.push(...sent.map((s) => s.invitation));
    if (from + BATCH < n + n / 10) for (const s of sent) await store.markDelivered(s.email.id, instant(second));
  }
  return { store, versions, agents, invitations, now: instant(second), end: second };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms * 1000).toFixed(ms < 0.01 ? 1 : 0)} µs`);

async function time(runs: number, body: (run: number) => Promise<unknown>): Promise<string> {
  await body(-1);
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    await body(run);
    samples.push(performance.now() - t0);
  }
  return `${fmt(median(samples))} (${fmt(Math.min(...samples))}–${fmt(Math.max(...samples))})`;
}

const results = new Map<string, string[]>();
let writes: (() => Promise<void>) | undefined;
for (const n of SIZES) {
  const t0 = performance.now();
  const { store, versions, agents, invitations, now, end } = await history(n);
  console.log(`${n.toLocaleString('en-US')} agents' workspace built in ${fmt(performance.now() - t0)}`);
  const middle = agents[agents.length >> 1]!;
  const agentPage = (filter: AgentFilter, after?: Agent) => store.listAgents(WS, filter, { after: after && { joinedAt: after.joinedAt, id: after.id }, limit: PAGE });
  const invitationPage = (filter: InvitationFilter) => store.listInvitations(WS, filter, { limit: PAGE });
  const outboxPage = (status?: OutboxStatus) => store.listOutbox(WS, status, { limit: PAGE });
  const reads: [string, () => Promise<readonly unknown[]>][] = [
    ['agents: no filter (control)', () => agentPage({})],
    ['agents: `status: inactive` (2%)', () => agentPage({ status: 'inactive' })],
    ['agents: `status: inactive` and a department', () => agentPage({ status: 'inactive', departmentId: department(1) })],
    ['agents: `status: active` and a department, from the middle', () => agentPage({ status: 'active', departmentId: department(3) }, middle)],
    ['agents: `availability: online` (1%; no listing of its own)', () => agentPage({ availability: 'online' })],
    ['invitations: no filter (control)', () => invitationPage({})],
    ['invitations: `status: pending` (n/10, after every accepted one)', () => invitationPage({ status: 'pending' })],
    ['invitations: `status: pending` as of `now`', () => invitationPage({ status: 'pending', now })],
    ['invitations: `status: revoked` (1%)', () => invitationPage({ status: 'revoked' })],
    ['invitations: `status: expired` as of `now` (2%, none lapsed)', () => invitationPage({ status: 'expired', now })],
    ['outbox: no filter (control)', () => outboxPage()],
    ['outbox: `status: pending` (the last 200)', () => outboxPage('pending')],
    ['outbox: `status: withdrawn` (none)', () => outboxPage('withdrawn')],
  ];
  for (const [what, read] of reads) {
    let rows = 0;
    const figure = await time(RUNS, async () => (rows = (await read()).length));
    (results.get(what) ?? results.set(what, []).get(what)!).push(`${figure} [${rows}]`);
  }
  writes = async () => {
    // One commit each, at the largest size: a join (the largest key so far), an availability
    // change (in place), a deactivation and back (between status listings), a resend (moved to the end).
    const WRITES = 1_000;
    const write = async (a: Agent | Invitation) => {
      const version = versions.get(a.id) ?? 0;
      const outcome = await store.commit({ workspaceId: WS, expected: [{ kind: a.kind, id: a.id, version }], writes: [a], removals: [], events: [], outbox: [] });
      if (!outcome.committed) throw new Error(`write failed: ${JSON.stringify(outcome)}`);
      versions.set(a.id, version + 1);
    };
    const later = (k: number) => instant(end + 1 + k);
    const active = agents.filter((a) => a.status === 'active');
    const pending = invitations.filter((i) => i.status === 'pending');
    const line = (what: string, figure: string) => console.log(`| ${what} | ${figure} |`);
    console.log(`\n| ${WRITES} writes at ${n.toLocaleString('en-US')} agents, one commit each | median (range) of 10 rounds |\n|---|---:|`);
    line('joins', await time(10, async (run) => {
      for (let j = 0; j < WRITES; j++) {
        const k = (run + 1) * WRITES + j;
        await write({ ...agents[0]!, id: `agt_new_${k}` as Agent['id'], email: `new${k}@pages.example` as Agent['email'], joinedAt: later(k).toISOString() as Agent['joinedAt'] });
      }
    }));
    line('availability changes', await time(10, async (run) => {
      for (let j = 0; j < WRITES; j++) await write({ ...active[(j * 97 + (run + 1) * 13) % active.length]!, availability: (run + j) % 2 === 0 ? 'online' : 'away' });
    }));
    line('deactivations (odd rounds: reactivations)', await time(10, async (run) => {
      for (let j = 0; j < WRITES; j++) await write({ ...active[(j * 89) % active.length]!, status: (run & 1) === 0 ? 'inactive' : 'active' });
    }));
    line('resends (sentAt moved to now)', await time(10, async (run) => {
      for (let j = 0; j < WRITES; j++) {
        const i = pending[(j * 101 + (run + 1) * 17) % pending.length]!;
        await write({ ...i, sentAt: later(20 * WRITES + (run + 1) * WRITES + j).toISOString() as Invitation['sentAt'], resendCount: run + 1 });
      }
    }));
  };
}

console.log(`\n| page of ${PAGE} from the start, [rows returned] | ${SIZES.map((n) => n.toLocaleString('en-US')).join(' | ')} |`);
console.log(`|---|${SIZES.map(() => '---:').join('|')}|`);
for (const [what, figures] of results) console.log(`| ${what} | ${figures.join(' | ')} |`);
await writes?.();
