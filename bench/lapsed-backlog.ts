/**
 * The first seat-relevant use case after a backlog of lapsed invitations (ADR 0004): a workspace
 * holds n pending invitations, all lapsed, none recorded as expired; `inviteAgent` sweeps them all
 * into its commit. Prints, per store and n: a refused invite (the owner's own email: it loads and
 * expires the backlog, is refused, and rolls the sweep back), the first invite that commits (the
 * sweep), the next one (nothing left to sweep), and the first one's cost per swept invitation,
 * which stays flat while the sweep is linear in n. Not part of `npm run bench`; no assertions.
 *
 *   npx tsx bench/lapsed-backlog.ts                                         in memory only
 *   npx tsx scripts/pg-cluster.ts -- npx tsx bench/lapsed-backlog.ts        and on PostgreSQL
 *
 * BACKLOG_SIZES (default 100,1000,10000,30000), BACKLOG_RUNS (default 3: the median is printed, and
 * the range) and BACKLOG_STORES (default `memory,postgres`) narrow it down. BACKLOG_EMAILS says
 * what each lapsed invitation left in the outbox: `none` (the default), `delivered` (its email
 * went out) or `pending` (the mailer was down: the sweep withdraws every one of them, ADR 0025).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import * as domain from 'agent-roster';
import { createRoster, ManualClock, MemoryRosterStore, type ActorRef, type RosterStore } from 'agent-roster';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';

const SIZES = (process.env.BACKLOG_SIZES ?? '100,1000,10000,30000').split(',').map(Number);
const RUNS = Number(process.env.BACKLOG_RUNS ?? 3);
const STORES = (process.env.BACKLOG_STORES ?? 'memory,postgres').split(',');
const BATCH = 1_000;
const EMAILS = process.env.BACKLOG_EMAILS ?? 'none';
if (!['none', 'delivered', 'pending'].includes(EMAILS)) throw new Error('BACKLOG_EMAILS must be none, delivered or pending');

/** The invitation email an invitation left in the outbox, as the roster enqueues it (BACKLOG_EMAILS). */
const emailOf = (invitation: domain.Invitation): domain.OutboxMessage => ({
  id: `msg_${invitation.id.slice(4)}`,
  workspaceId: invitation.workspaceId,
  idempotencyKey: `invitation:${invitation.id}:0`,
  to: invitation.email,
  subject: 'Join Backlog',
  text: EMAILS === 'delivered' ? '' : `https://chat.example.com/join?token=${invitation.id}`,
  html: null,
  status: EMAILS === 'delivered' ? 'delivered' : 'pending',
  attempts: 1,
  createdAt: invitation.sentAt,
  nextAttemptAt: invitation.sentAt,
  deliveredAt: EMAILS === 'delivered' ? invitation.sentAt : null,
  lastError: null,
  topic: `invitation:${invitation.id}`,
  expiresAt: invitation.expiresAt,
});

/**
 * A workspace on `store` with `n` invitations sent and lapsed. They are decided by the domain and
 * committed straight to the store, a thousand at a time: inviting 30,000 people through the roster
 * one by one would take minutes on PostgreSQL, and the store holds the same rows either way.
 */
async function aBacklog(store: RosterStore, n: number) {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const roster = createRoster({ store, clock, deliverImmediately: false });
  const opened = (
    await roster.createWorkspace({ name: 'Backlog', plan: 'custom', owner: { email: `owner-${n}@backlog.example`, name: 'Owner', password: 'correct horse battery staple' } })
  )._unsafeUnwrap();
  const ana: ActorRef = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
  let workspace = opened.state.workspace;
  let version = (await store.loadWorkspace(workspace.id))!.version;
  const owner = opened.state.owner;
  for (let from = 0; from < n; from += BATCH) {
    const invitations: domain.Invitation[] = [];
    const events: domain.RosterEvent[] = [];
    for (let k = from; k < Math.min(n, from + BATCH); k++) {
      const d = domain
        .inviteAgent({ workspace, actor: owner, departments: [] }, { email: `p${k}@backlog.example` }, {
          now: clock.now(),
          invitationId: domain.invitationIdSchema.parse(`inv_${workspace.id.slice(3)}_${k}`),
          tokenHash: domain.tokenHashSchema.parse(createHash('sha256').update(`${workspace.id}:${k}`).digest('hex')),
          emailStatus: 'available',
        })
        ._unsafeUnwrap();
      workspace = d.state.workspace;
      invitations.push(d.state.invitation);
      events.push(...d.events);
    }
    const outcome = await store.commit({
      workspaceId: workspace.id,
      expected: [{ kind: 'workspace', id: workspace.id, version }, ...invitations.map((i) => ({ kind: 'invitation' as const, id: i.id, version: 0 }))],
      writes: [workspace, ...invitations],
      removals: [],
      events,
      outbox: EMAILS === 'none' ? [] : invitations.map(emailOf),
    });
    if (!outcome.committed) throw new Error(`seeding failed: ${JSON.stringify(outcome)}`);
    version++;
  }
  clock.advance({ days: 8 });
  return { roster, ana, owner: owner.email };
}

async function timeInvite(roster: ReturnType<typeof createRoster>, ana: ActorRef, email: string, refused?: string): Promise<number> {
  const t0 = performance.now();
  const invited = await roster.inviteAgent(ana, { email });
  const ms = performance.now() - t0;
  if (refused === undefined ? invited.isErr() : invited.isOk() || invited.error.type !== refused) {
    throw new Error(`invite of ${email} answered ${JSON.stringify(invited.isOk() ? 'ok' : invited.error)}`);
  }
  return ms;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

async function measure(name: string, makeStore: () => Promise<RosterStore>): Promise<void> {
  console.log(`\n### ${name}, lapsed invitations' emails: ${EMAILS}\n`);
  console.log('| lapsed n | refused invite (sweeps n, rolls back) | first invite (sweeps n), median [range] | next invite | µs per swept invitation |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const n of SIZES) {
    const refused: number[] = [];
    const first: number[] = [];
    const next: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const store = await makeStore();
      const { roster, ana, owner } = await aBacklog(store, n);
      // The owner's own email: refused (EmailAlreadyExists) after sweeping, so the sweep rolls back.
      refused.push(await timeInvite(roster, ana, owner, 'EmailAlreadyExists'));
      first.push(await timeInvite(roster, ana, 'first@backlog.example'));
      next.push(await timeInvite(roster, ana, 'next@backlog.example'));
    }
    const range = (xs: number[]) => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;
    console.log(`| ${n.toLocaleString('en-US')} | ${ms(median(refused))} [${range(refused)}] | ${ms(median(first))} [${range(first)}] | ${ms(median(next))} | ${((median(first) * 1000) / n).toFixed(0)} |`);
  }
}

if (STORES.includes('memory')) await measure('In memory (MemoryRosterStore)', async () => new MemoryRosterStore());
const url = process.env.DATABASE_URL;
if (STORES.includes('postgres')) {
  if (!url) {
    console.log('\n(PostgreSQL skipped: run through `npx tsx scripts/pg-cluster.ts -- npx tsx bench/lapsed-backlog.ts`)');
  } else {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    await migrate(pool);
    const server = (await pool.query('SHOW server_version')).rows[0] as { server_version: string };
    await measure(`PostgreSQL ${server.server_version} (PostgresRosterStore)`, async () => new PostgresRosterStore(pool));
    await pool.end();
  }
}
