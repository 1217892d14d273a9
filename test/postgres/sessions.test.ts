/**
 * PostgresRosterStore's sessions on a real server: the workspace lock holds across store
 * instances (other processes, as far as the database can tell), a lock wait cut short by
 * `lock_timeout` is a lost race rather than a failure, and commands of one workspace in one
 * process queue without holding connections, so a small pool shared with a port does not run dry.
 * PGlite is one session, so none of this can be shown there; the store contract covers the rest.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturingMailer, createRoster, MemoryIdentity, type ActorRef, type Identity } from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import type { WorkspaceId } from '../../src/domain/ids';
import { freshDatabase, postgresTarget, type FreshDatabase } from '../support/postgres';

const PASSWORD = 'correct horse battery staple';
const onServer = postgresTarget().kind === 'server';
let db: FreshDatabase;
const pools: pg.Pool[] = [];

/** A pool of its own on the test database; `options` are the server settings its connections start with. */
function aPool(max: number, options?: string): pg.Pool {
  const target = postgresTarget();
  if (target.kind !== 'server') throw new Error('server only');
  const url = new URL(target.url);
  url.pathname = `/${db.name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max, ...(options ? { options } : {}) });
  pool.on('error', () => {});
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(async () => {
  // A pool whose clients a failed test left checked out would never end: do not wait on it.
  await Promise.race([Promise.all(pools.map((p) => p.end())), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  await db?.close();
});

async function aWorkspace(store: PostgresRosterStore, plan = 'custom') {
  const roster = createRoster({ store, deliverImmediately: false });
  const opened = (await roster.createWorkspace({ name: 'Acme', plan, owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
  const ana: ActorRef = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
  return { workspaceId: opened.state.workspace.id as WorkspaceId, ana, workspace: opened.state.workspace };
}

/** Sessions are opt-in: every store here turns them on. */
const LOCKING = { lockWorkspaces: true } as const;

/**
 * A locking store on `pool` with a workspace, a session holding that workspace, and a second
 * session not yet asking for it.
 */
async function aHeldWorkspace(pool: SqlPool, options: ConstructorParameters<typeof PostgresRosterStore>[1] = LOCKING) {
  const store = new PostgresRosterStore(pool, options);
  const { workspaceId } = await aWorkspace(store);
  const holder = await store.begin!();
  await holder.lockWorkspace(workspaceId);
  return { store, workspaceId, holder, next: await store.begin!() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgresRosterStore sessions are opt-in', () => {
  it('offers no session unless made with lockWorkspaces: true', () => {
    expect(new PostgresRosterStore(db.pool).begin).toBeUndefined();
    expect(new PostgresRosterStore(db.pool, { lockWorkspaces: false }).begin).toBeUndefined();
    expect(typeof new PostgresRosterStore(db.pool, LOCKING).begin).toBe('function');
  });
});

/**
 * A pool whose connections refuse a statement while another is running on them, as pg 9 will
 * (pg 8 queues it and warns), and log the statements they are asked for in order.
 */
function aStrictPool() {
  const asked: string[] = [];
  const overlaps: string[] = [];
  const pool: SqlPool = {
    query: async () => ({ rows: [], rowCount: 0 }),
    connect: async () => {
      let busy = false;
      return {
        query: async (text: string) => {
          asked.push(text.replace(/\s+/g, ' ').trim());
          if (busy) overlaps.push(text);
          busy = true;
          await sleep(2);
          busy = false;
          return { rows: [], rowCount: 0 };
        },
        release: () => undefined,
      };
    },
  };
  return { pool, asked, overlaps };
}

describe("a session's statements on its connection", () => {
  it('run one at a time, in the order asked, when a use case reads in parallel', async () => {
    const strict = aStrictPool();
    const session = await new PostgresRosterStore(strict.pool, LOCKING).begin!();
    const ws = 'ws_1' as WorkspaceId;
    await session.lockWorkspace(ws);
    const reads = await Promise.all([
      session.loadAgent(ws, 'agt_1' as never),
      session.emailHolder(ws, 'bob@acme.com' as never),
      session.departmentNameTaken(ws, 'sales'),
      session.loadInvitation(ws, 'inv_1' as never),
    ]);
    await session.end();
    expect(reads).toEqual([null, null, false, null]);
    expect(strict.overlaps).toEqual([]);
    expect(strict.asked).toEqual([
      'BEGIN ISOLATION LEVEL READ COMMITTED',
      expect.stringMatching(/FROM workspaces .*FOR NO KEY UPDATE$/),
      expect.stringMatching(/FROM agents /),
      expect.stringMatching(/FROM email_claims /),
      expect.stringMatching(/FROM departments /),
      expect.stringMatching(/FROM invitations /),
      'ROLLBACK',
    ]);
  });

  it('end() rolls back after the statements already running, and those still waiting do not run', async () => {
    const strict = aStrictPool();
    const session = await new PostgresRosterStore(strict.pool, LOCKING).begin!();
    const ws = 'ws_1' as WorkspaceId;
    await session.lockWorkspace(ws);
    const running = session.loadAgent(ws, 'agt_1' as never);
    const waiting = expect(session.loadInvitation(ws, 'inv_1' as never)).rejects.toThrow(/session has ended/);
    await Promise.resolve();
    await session.end();
    expect(await running).toBeNull();
    await waiting;
    expect(strict.overlaps).toEqual([]);
    expect(strict.asked.at(-1)).toBe('ROLLBACK');
    expect(strict.asked.filter((t) => /invitations/.test(t))).toEqual([]);
  });

  it('hands the workspace on only once its rollback is done, even when end() is called twice at once', async () => {
    const strict = aStrictPool();
    // Note when each ROLLBACK is done, not only when it is asked.
    const connect = strict.pool.connect.bind(strict.pool);
    strict.pool.connect = async () => {
      const client = await connect();
      const query = client.query.bind(client);
      return Object.assign(client, {
        query: async (text: string, values?: readonly unknown[]) => {
          const answer = await query(text, values as never);
          if (text === 'ROLLBACK') strict.asked.push('ROLLBACK done');
          return answer;
        },
      });
    };
    const store = new PostgresRosterStore(strict.pool, LOCKING);
    const ws = 'ws_1' as WorkspaceId;
    const first = await store.begin!();
    await first.lockWorkspace(ws);
    const second = await store.begin!();
    const waiting = second.lockWorkspace(ws);
    await Promise.all([first.end(), first.end()]);
    await waiting;
    await second.end();
    // The second session's BEGIN comes after the first one's ROLLBACK is done, not while it runs.
    expect(strict.asked.filter((t) => /^(BEGIN|ROLLBACK)/.test(t))).toEqual([
      'BEGIN ISOLATION LEVEL READ COMMITTED', 'ROLLBACK', 'ROLLBACK done', 'BEGIN ISOLATION LEVEL READ COMMITTED', 'ROLLBACK', 'ROLLBACK done',
    ]);
  });
});

describe.runIf(onServer)('PostgresRosterStore sessions on a server', () => {
  it("holds another instance's session and commit off the workspace until it ends", async () => {
    const mine = new PostgresRosterStore(aPool(2), LOCKING);
    const theirs = new PostgresRosterStore(aPool(2), LOCKING);
    const { workspaceId, workspace } = await aWorkspace(mine);
    const held = await mine.begin!();
    await held.lockWorkspace(workspaceId);

    const waiting = await theirs.begin!();
    let locked = false;
    const theirLock = waiting.lockWorkspace(workspaceId).then((o) => ((locked = true), o));
    let committed = false;
    const theirCommit = theirs
      .commit({ workspaceId, expected: [{ kind: 'workspace', id: workspaceId, version: 1 }], writes: [], removals: [], events: [], outbox: [] })
      .then((o) => ((committed = true), o));
    await sleep(200);
    expect({ locked, committed }).toEqual({ locked: false, committed: false });

    const renamed = { ...workspace, name: 'Acme Ltd' };
    const expected = [{ kind: 'workspace' as const, id: workspaceId, version: 1 }];
    expect(await held.commit({ workspaceId, expected, writes: [renamed], removals: [], events: [], outbox: [] })).toEqual({ committed: true });
    expect(await theirLock).toEqual({ locked: true, workspace: { value: renamed, version: 2 } });
    await waiting.end();
    // The plain commit expected version 1, which the session moved on: refused, not lost.
    expect(await theirCommit).toMatchObject({ committed: false, reason: 'stale-version' });
  });

  it('takes nothing when it is ended while waiting for its turn, and leaves the workspace free', async () => {
    const pool = aPool(2);
    const { store, workspaceId, holder: first, next: second } = await aHeldWorkspace(pool);
    const secondLock = second.lockWorkspace(workspaceId); // queued behind `first` in this process
    await second.end();
    await first.end();
    await expect(secondLock).rejects.toThrow(/session has ended/);
    // No connection kept and no lock held: a third session locks at once, and the pool is whole.
    const third = await store.begin!();
    expect(await third.lockWorkspace(workspaceId)).toMatchObject({ locked: true });
    await third.end();
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  it('answers a lock wait cut short by lock_timeout as a lost race, and the roster decides again', async () => {
    const holder = new PostgresRosterStore(aPool(2), LOCKING);
    const impatient = new PostgresRosterStore(aPool(2, '-c lock_timeout=100'), LOCKING);
    const { workspaceId, ana } = await aWorkspace(holder);
    const held = await holder.begin!();
    await held.lockWorkspace(workspaceId);

    const waiting = await impatient.begin!();
    expect(await waiting.lockWorkspace(workspaceId)).toMatchObject({ locked: false, reason: 'stale-version' });
    await waiting.end();

    // Through the roster: the invite loses the lock race while the lock is held, then gets in once it is let go.
    const roster = createRoster({ store: impatient, deliverImmediately: false, maxAttempts: 50 });
    const invited = roster.inviteAgent(ana, { email: 'bob@acme.com' });
    await sleep(300);
    await held.end();
    expect((await invited).isOk()).toBe(true);
  });

  it("lets a session of this process past its lease (lockLeaseMs) through to the row lock, where lock_timeout answers a lost race", async () => {
    const { workspaceId, holder: hung, next } = await aHeldWorkspace(aPool(3, '-c lock_timeout=100'), { ...LOCKING, lockLeaseMs: 50 });
    // Without the lease it would wait in this process's queue for as long as `hung` holds its turn.
    const outcome = await Promise.race([next.lockWorkspace(workspaceId), sleep(2_000).then(() => 'still waiting' as const)]);
    expect(outcome).toMatchObject({ locked: false, reason: 'stale-version' });
    await next.end();
    await hung.end();
  });

  it('keeps no lease unless asked: a command behind a hung one waits in this process, holding no connection', async () => {
    // With the in-memory store's 2 s lease, each waiting command would take a connection to wait
    // on the row lock: a hung port call would then drain the pool for every workspace.
    const pool = aPool(3);
    const { workspaceId, holder: hung, next } = await aHeldWorkspace(pool);
    const nextLock = next.lockWorkspace(workspaceId);
    const outcome = await Promise.race([nextLock, sleep(2_300).then(() => 'still waiting' as const)]);
    expect(outcome).toBe('still waiting');
    expect(pool.totalCount - pool.idleCount).toBe(1); // the hung session's, and no other
    await hung.end();
    expect(await nextLock).toMatchObject({ locked: true });
    await next.end();
  });

  it.each([-1, Number.NaN, 2 ** 31])('refuses lockLeaseMs %s with a TypeError', (lockLeaseMs) => {
    expect(() => new PostgresRosterStore(db.pool, { ...LOCKING, lockLeaseMs })).toThrow(/PostgresRosterStore: lockLeaseMs must be a number of milliseconds/);
  });

  it('queues one workspace\'s commands off the pool: 12 accepts through a 2-connection pool its identity port shares', async () => {
    const pool = aPool(2);
    const store = new PostgresRosterStore(pool, LOCKING);
    const { ana } = await aWorkspace(store);
    await pool.query('CREATE TABLE IF NOT EXISTS session_test_logins (agent_id text PRIMARY KEY, email text NOT NULL)');
    // An identity port on the same pool, as a host keeping logins in the same database would write it.
    const memory = new MemoryIdentity();
    const identity: Identity = {
      async createLogin(login) {
        await pool.query('INSERT INTO session_test_logins (agent_id, email) VALUES ($1, $2)', [login.agentId, login.email]);
        await memory.createLogin(login);
      },
      async deleteLogin(agentId) {
        await pool.query('DELETE FROM session_test_logins WHERE agent_id = $1', [agentId]);
      },
    };
    const mailer = new CapturingMailer();
    const roster = createRoster({ store, identity, mailer, deliverImmediately: true, maxAttempts: 50 });
    const emails = Array.from({ length: 12 }, (_, n) => `agent${n}@acme.com`);
    for (const email of emails) (await roster.inviteAgent(ana, { email }))._unsafeUnwrap();

    const accepted = await Promise.race([
      Promise.all(emails.map((email, n) => roster.acceptInvitation({ token: mailer.lastTokenFor(email) ?? '', name: `Agent ${n}`, password: PASSWORD }))),
      sleep(20_000).then(() => 'stuck' as const),
    ]);
    expect(accepted).not.toBe('stuck');
    if (accepted === 'stuck') return;
    expect(accepted.filter((r) => r.isOk())).toHaveLength(12);
    expect((await pool.query('SELECT count(*)::int AS n FROM session_test_logins')).rows[0]).toEqual({ n: 12 });
  });

  it('never asks a pg client for a query while it is executing one, so pg does not warn', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const pool = aPool(4);
      // What pg checks before it warns (its private queue), checked on every call.
      let overlaps = 0;
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        const pg = client as unknown as { _activeQuery: unknown; _queryQueue: unknown[] };
        (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
          if (pg._activeQuery || pg._queryQueue.length > 0) overlaps++;
          return query(...args);
        };
      });
      const mailer = new CapturingMailer();
      const roster = createRoster({ store: new PostgresRosterStore(pool, LOCKING), mailer });
      const { ana } = await aWorkspace(new PostgresRosterStore(pool, LOCKING));
      const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department.id;
      for (const email of ['bob@acme.com', 'cy@acme.com']) (await roster.inviteAgent(ana, { email, departmentIds: [sales] }))._unsafeUnwrap();
      const accepted = await Promise.all(
        ['bob@acme.com', 'cy@acme.com'].map((email) => roster.acceptInvitation({ token: mailer.lastTokenFor(email) ?? '', name: 'Agent', password: PASSWORD })),
      );
      expect(accepted.map((r) => r.isOk())).toEqual([true, true]);
      (await roster.editAgent(ana, { agentId: accepted[0]!._unsafeUnwrap().state.agent.id, email: 'bobby@acme.com' }))._unsafeUnwrap();
      await sleep(20); // process.emitWarning reports on a later tick
      expect(overlaps).toBe(0);
      expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
