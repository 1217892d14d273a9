/**
 * Races through `createRoster` on PostgreSQL. On a real server every worker has its own
 * connection (its own one-connection pool), so the database really interleaves their
 * transactions. On PGlite, which is one session, the workers share its single connection: their
 * loads and decisions still interleave between statements, so the same version conflicts arise
 * and each test asserts the same property, only without truly parallel transactions.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapturingMailer,
  checkRoster,
  createRoster,
  ManualClock,
  MemoryIdentity,
  replay,
  type ActorRef,
  type MailMessage,
  type Mailer,
  type RosterOptions,
  type RosterState,
  type WorkspaceId,
} from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import type { CommitOutcome, RosterSession, RosterStore } from '../../src/ports/store';
import { freshDatabase, postgresTarget, workerPools, type FreshDatabase } from '../support/postgres';

const PASSWORD = 'correct horse battery staple';
let db: FreshDatabase;
const extraPools: pg.Pool[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
  const target = postgresTarget();
  console.log(
    target.kind === 'server'
      ? '[postgres] roster races: one connection per worker on a real server'
      : `[postgres] roster races on PGlite, workers sharing its one connection (${target.reason})`,
  );
});
afterAll(async () => {
  await Promise.all(extraPools.map((p) => p.end()));
  await db?.close();
});

const pools = (n: number): SqlPool[] => workerPools(db, n, extraPools);

type Tally = Record<'committed' | 'stale-version' | 'unique-violation', number>;

/**
 * A store that counts how its commits ended, to report how hard the workers collided: its own
 * commits and those of the sessions it opens (commands that lock the workspace commit there).
 */
function counted<S extends object & { commit: RosterStore['commit'] }>(store: S, tally: Tally): S {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'commit') {
        return async (...args: Parameters<RosterStore['commit']>): Promise<CommitOutcome> => {
          const outcome = await target.commit(...args);
          tally[outcome.committed ? 'committed' : outcome.reason]++;
          return outcome;
        };
      }
      const value: unknown = Reflect.get(target, property);
      if (property === 'begin' && typeof value === 'function') return async () => counted(await (value as () => Promise<RosterSession>).call(target), tally);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const newTally = (): Tally => ({ committed: 0, 'stale-version': 0, 'unique-violation': 0 });

/** Rosters for `n` workers over their own pools; generous retries so every race ends in a decision. */
function workers(n: number, tally: Tally, options: RosterOptions = {}) {
  return pools(n).map((pool) =>
    createRoster({ maxAttempts: 100, deliverImmediately: false, ...options, store: counted(new PostgresRosterStore(pool, { lockWorkspaces }), tally) }),
  );
}

/** A workspace opened by Ana through the shared pool, with a helper to add accepted agents. */
async function aWorkspace(plan: string, options: RosterOptions = {}) {
  const store = new PostgresRosterStore(db.pool);
  const mailer = new CapturingMailer();
  const roster = createRoster({ store, mailer, ...options });
  const opened = (
    await roster.createWorkspace({ name: 'Acme', plan, owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } })
  )._unsafeUnwrap();
  const workspaceId = opened.state.workspace.id;
  const ana: ActorRef = { workspaceId, agentId: opened.state.owner.id };
  const join = async (name: string): Promise<ActorRef> => {
    const email = `${name.toLowerCase()}@acme.com`;
    (await roster.inviteAgent(ana, { email }))._unsafeUnwrap();
    const accepted = await roster.acceptInvitation({ token: mailer.lastTokenFor(email) ?? '', name, password: PASSWORD });
    return { workspaceId, agentId: accepted._unsafeUnwrap().state.agent.id };
  };
  return { store, mailer, roster, workspaceId, ana, join };
}

/** The roster as stored, in the shape `replay` gives, to compare the two (invariant 8). */
async function storedState(store: RosterStore, workspaceId: WorkspaceId): Promise<RosterState> {
  const byId = <T extends { id: string }>(items: readonly T[]) => Object.fromEntries(items.map((i) => [i.id, i]));
  return {
    workspace: (await store.loadWorkspace(workspaceId))?.value ?? null,
    agents: byId(await store.listAgents(workspaceId)),
    invitations: byId(await store.listInvitations(workspaceId)),
    departments: byId((await store.listDepartments(workspaceId)).map((d) => d.department)),
  };
}

/** Every invariant holds, and the stored aggregates are exactly the fold of the stored events. */
async function expectSoundRoster(store: RosterStore, workspaceId: WorkspaceId) {
  const replayed = replay(await store.events(workspaceId));
  expect(checkRoster(replayed)).toEqual([]);
  expect(await storedState(store, workspaceId)).toEqual(replayed);
  return replayed;
}

const typesOf = (results: readonly { isErr(): boolean; error?: unknown }[]) =>
  results.flatMap((r) => (r.isErr() ? [(r.error as { type: string }).type] : []));

// Every race runs twice: with the store purely optimistic (the default) and with workspace locks.
let lockWorkspaces = false;

describe.each([false, true])('PostgresRosterStore under concurrent use cases (lockWorkspaces: %s)', (locking) => {
  beforeAll(() => {
    lockWorkspaces = locking;
  });

  it('lets 32 workers inviting into a 5-seat workspace take only the 4 free seats', async () => {
    const shop = await aWorkspace('pro');
    const tally = newTally();
    const results = await Promise.all(workers(32, tally).map((r, n) => r.inviteAgent(shop.ana, { email: `worker${n}@acme.com` })));

    expect(results.filter((r) => r.isOk())).toHaveLength(4);
    expect(new Set(typesOf(results))).toEqual(new Set(['SeatLimitReached']));
    const state = await expectSoundRoster(shop.store, shop.workspaceId);
    expect(state.workspace?.counts.pendingInvitations).toBe(4);
    expect(await shop.store.listInvitations(shop.workspaceId, { status: 'pending' })).toHaveLength(4);
    console.log(`[postgres] 32 invites into 4 free seats: ${JSON.stringify(tally)}`);
  });

  it('turns two racing accepts of one invitation into one agent, every time', async () => {
    const shop = await aWorkspace('custom');
    const identity = new MemoryIdentity();
    const tally = newTally();
    const [first, second] = workers(2, tally, { identity });
    const rounds = 8;
    const refusals = new Map<string, number>();
    for (let n = 0; n < rounds; n++) {
      const email = `racer${n}@acme.com`;
      (await shop.roster.inviteAgent(shop.ana, { email }))._unsafeUnwrap();
      const token = shop.mailer.lastTokenFor(email) ?? '';
      const results = await Promise.all([first!, second!].map((r, k) => r.acceptInvitation({ token, name: `Racer ${n}-${k}`, password: PASSWORD })));

      expect(results.filter((r) => r.isOk())).toHaveLength(1);
      // The loser reloads and is refused. Which refusal depends on where the winner's commit
      // fell between the loser's reads (the invitation first, then who holds its email): the
      // application reads row by row, not from one snapshot. Either way nothing was written.
      const [refusal] = typesOf(results);
      expect(['InvitationAlreadyAccepted', 'EmailAlreadyExists']).toContain(refusal);
      refusals.set(refusal!, (refusals.get(refusal!) ?? 0) + 1);
      expect(await shop.store.emailHolder(shop.workspaceId, email as never)).toBe('agent');
      // The loser's login was created before its commit and removed when the commit lost.
      expect([...identity.logins.values()].filter((l) => l.email === email)).toHaveLength(1);
    }
    const state = await expectSoundRoster(shop.store, shop.workspaceId);
    expect(Object.keys(state.agents)).toHaveLength(1 + rounds);
    expect((await shop.store.events(shop.workspaceId)).filter((e) => e.type === 'InvitationAccepted')).toHaveLength(rounds);
    console.log(`[postgres] ${rounds} rounds of 2 racing accepts: ${JSON.stringify(tally)}, losers refused with ${JSON.stringify(Object.fromEntries(refusals))}`);
  });

  it('records each of 150 lapsed invitations as expired exactly once, whichever racing command sweeps them', async () => {
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const shop = await aWorkspace('custom', { clock, deliverImmediately: false });
    const lapsed = [];
    for (let n = 0; n < 150; n++) lapsed.push((await shop.roster.inviteAgent(shop.ana, { email: `lapsed${n}@acme.com` }))._unsafeUnwrap().state.invitation);
    clock.advance({ days: 7 });
    const tally = newTally();
    const [inviting, resending, job, settings] = workers(4, tally, { clock });
    const results = await Promise.all([
      // The email of the last to lapse, and the one before it: freed only if every lapsed one is swept.
      inviting!.inviteAgent(shop.ana, { email: 'lapsed149@acme.com' }),
      resending!.resendInvitation(shop.ana, { invitationId: lapsed[148]!.id }),
      job!.expireLapsedInvitations(shop.workspaceId),
      settings!.changeSettings(shop.ana, { seatPolicy: { countInactiveAgents: false } }),
    ]);

    expect(typesOf(results)).toEqual([]);
    const expired = (await shop.store.events(shop.workspaceId)).flatMap((e) => (e.type === 'InvitationExpired' ? [e.data.invitationId] : []));
    expect([...expired].sort()).toEqual(lapsed.map((i) => i.id).sort());
    const state = await expectSoundRoster(shop.store, shop.workspaceId);
    expect(state.workspace?.counts.pendingInvitations).toBe(2);
    expect((await shop.roster.seatUsage(shop.ana))._unsafeUnwrap().counts.pendingInvitations).toBe(2);
    // The 150 emails never sent were withdrawn with their invitations' expiry (ADR 0025): only the
    // new invitation's and the resend's are left. The outbox is shared by every workspace of this
    // database: deliver them, so no later test's dispatcher finds them due first.
    expect((await shop.store.listOutbox(shop.workspaceId, 'withdrawn')).map((m) => m.idempotencyKey).sort()).toEqual(
      lapsed.map((i) => `invitation:${i.id}:0`).sort(),
    );
    expect((await shop.roster.deliverOutbox(1000))._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(await shop.store.listOutbox(shop.workspaceId, 'pending')).toEqual([]);
    console.log(`[postgres] 4 commands racing over 150 lapsed invitations: ${JSON.stringify(tally)}`);
  });

  it('lets one of six concurrent ownership transfers through, leaving exactly one owner', async () => {
    const shop = await aWorkspace('custom');
    const targets: ActorRef[] = [];
    for (const name of ['Bob', 'Cy', 'Dee', 'Eve', 'Fay', 'Gus']) targets.push(await shop.join(name));
    const tally = newTally();
    const results = await Promise.all(
      workers(targets.length, tally).map((r, n) => r.transferOwnership(shop.ana, { toAgentId: targets[n]!.agentId })),
    );

    const winners = results.flatMap((r, n) => (r.isOk() ? [targets[n]!.agentId] : []));
    expect(winners).toHaveLength(1);
    // Once Ana is no longer the owner, the others' retries are refused: only the owner transfers.
    expect(new Set(typesOf(results))).toEqual(new Set(['PermissionDenied']));
    const state = await expectSoundRoster(shop.store, shop.workspaceId);
    expect(state.workspace?.ownerId).toBe(winners[0]);
    expect(state.agents[winners[0]!]?.role).toBe('admin');
    console.log(`[postgres] 6 concurrent ownership transfers: ${JSON.stringify(tally)}`);
  });

  it('never creates more departments than the plan allows, nor two with one name', async () => {
    const shop = await aWorkspace('pro');
    const tally = newTally();
    const distinct = await Promise.all(workers(16, tally).map((r, n) => r.createDepartment(shop.ana, { name: `Team ${n}` })));
    expect(distinct.filter((r) => r.isOk())).toHaveLength(5);
    expect(new Set(typesOf(distinct))).toEqual(new Set(['DepartmentLimitReached']));
    expect(await shop.store.listDepartments(shop.workspaceId)).toHaveLength(5);
    await expectSoundRoster(shop.store, shop.workspaceId);

    const other = await aWorkspace('pro');
    const same = await Promise.all(workers(8, tally).map((r) => r.createDepartment(other.ana, { name: 'Sales' })));
    expect(same.filter((r) => r.isOk())).toHaveLength(1);
    expect(new Set(typesOf(same))).toEqual(new Set(['DepartmentNameTaken']));
    await expectSoundRoster(other.store, other.workspaceId);
    console.log(`[postgres] 16 department creations at a limit of 5, then 8 of one name: ${JSON.stringify(tally)}`);
  });

  it('delivers every outbox message exactly once with two dispatchers racing, through mailer failures', async () => {
    const shop = await aWorkspace('custom', { deliverImmediately: false });
    const messages = 40;
    for (let n = 0; n < messages; n++) (await shop.roster.inviteAgent(shop.ana, { email: `queued${n}@acme.com` }))._unsafeUnwrap();
    const queued = await shop.store.listOutbox(shop.workspaceId, 'pending');
    expect(queued).toHaveLength(messages);
    // The dispatchers deliver whatever is due in the database: the emails earlier tests' workers
    // left queued (they run with deliverImmediately off) go out too, each once as well.
    const ours = new Set(queued.map((m) => m.idempotencyKey));

    // One mailer behind both dispatchers, recording every accepted send (no deduplication here,
    // so a duplicate delivery would show), slow enough for the two to overlap, and failing the
    // first attempt at every fifth message so retries race too.
    const delivered: string[] = [];
    const attempts = new Map<string, number>();
    const mailer: Mailer = {
      async send(m: MailMessage) {
        const attempt = (attempts.get(m.idempotencyKey) ?? 0) + 1;
        attempts.set(m.idempotencyKey, attempt);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (attempt === 1 && Number(m.to.match(/\d+/)?.[0]) % 5 === 0) throw new Error('mailer unavailable');
        delivered.push(m.idempotencyKey);
      },
    };
    const dispatchers = workers(2, newTally(), { mailer, retry: { baseDelayMs: 0, maxDelayMs: 0 } });
    const runs = await Promise.all(
      dispatchers.map(async (roster) => {
        let sent = 0;
        for (let idle = 0; idle < 3; ) {
          const report = (await roster.deliverOutbox(3))._unsafeUnwrap();
          sent += report.delivered;
          idle = report.delivered + report.failed === 0 ? idle + 1 : 0;
        }
        return sent;
      }),
    );

    expect(delivered.filter((key) => ours.has(key))).toHaveLength(messages);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(runs[0]! + runs[1]!).toBe(delivered.length);
    expect(await shop.store.listOutbox(shop.workspaceId, 'pending')).toEqual([]);
    const outbox = await shop.store.listOutbox(shop.workspaceId, 'delivered');
    expect(new Set(outbox.map((m) => m.idempotencyKey))).toEqual(ours);
    expect(outbox.every((m) => m.text === '' && m.html === null)).toBe(true);
    console.log(`[postgres] 40 messages, 2 dispatchers: delivered ${runs.join(' + ')}, ${[...attempts.values()].filter((a) => a > 1).length} retried`);
  });
});
