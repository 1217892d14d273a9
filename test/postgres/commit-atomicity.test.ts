/**
 * A commit is one transaction: whichever of its statements fails, and even when its connection
 * dies in the middle of it, nothing of it stays behind.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoster, type ActorRef, type Email, type WorkspaceId } from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlClient, type SqlPool } from 'agent-roster/postgres';
import type { RosterStore } from '../../src/ports/store';
import { freshDatabase, postgresTarget, type FreshDatabase } from '../support/postgres';

const PASSWORD = 'correct horse battery staple';
let db: FreshDatabase;
const extraPools: pg.Pool[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(async () => {
  await Promise.all(extraPools.map((p) => p.end()));
  await db?.close();
});

/** Ana's new workspace, opened through the shared pool. */
async function aWorkspace() {
  const store = new PostgresRosterStore(db.pool);
  const roster = createRoster({ store, deliverImmediately: false });
  const opened = await roster.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } });
  const { workspace, owner } = opened._unsafeUnwrap().state;
  return { store, workspaceId: workspace.id, ana: { workspaceId: workspace.id, agentId: owner.id } satisfies ActorRef };
}

/** Everything the store holds for a workspace, and who holds `email`: equal snapshots mean nothing changed. */
async function snapshot(store: RosterStore, workspaceId: WorkspaceId, email: string) {
  return {
    workspace: await store.loadWorkspace(workspaceId),
    agents: await store.listAgents(workspaceId),
    invitations: await store.listInvitations(workspaceId),
    events: await store.events(workspaceId),
    outbox: await store.listOutbox(workspaceId),
    holder: await store.emailHolder(workspaceId, email as Email),
  };
}

type Fault = 'statement fails' | 'connection dies';

/**
 * A pool whose transactions break at the first statement `failWhen` picks (BEGIN is statement 1).
 * "statement fails" leaves the connection usable, so the store's ROLLBACK runs; "connection dies"
 * fails that statement and every later one, ROLLBACK included, as a dropped connection would, so
 * the connection goes back to the pool as broken and the database rolls the transaction back.
 */
function faultyPool(pool: SqlPool, fault: Fault, failWhen: (text: string, n: number) => boolean): SqlPool & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    query: (text, values) => pool.query(text, values),
    async connect(): Promise<SqlClient> {
      const client = await pool.connect();
      let dead = false;
      return {
        async query(text, values) {
          statements.push(text);
          if (dead || failWhen(text, statements.length)) {
            dead = fault === 'connection dies';
            throw new Error(`${fault} at statement ${statements.length} (simulated)`);
          }
          return client.query(text, values);
        },
        release: (error) => client.release(error),
      };
    },
  };
}

describe('a commit that breaks half-way', () => {
  for (const fault of ['statement fails', 'connection dies'] as const) {
    it(`leaves nothing behind when a ${fault.replace('fails', 'fails at any point').replace('dies', 'dies at any point')}`, async () => {
      const shop = await aWorkspace();
      const email = 'cut@acme.com';
      const before = await snapshot(shop.store, shop.workspaceId, email);
      let failures = 0;
      for (let failAt = 1; ; failAt++) {
        const pool = faultyPool(db.pool, fault, (_, n) => n === failAt);
        const roster = createRoster({ store: new PostgresRosterStore(pool), deliverImmediately: false, maxAttempts: 1 });
        const result = await roster.inviteAgent(shop.ana, { email, departmentIds: [] });
        if (result.isOk()) {
          // The first run without a fault inside the transaction: every earlier run broke at
          // one of its statements, from BEGIN to COMMIT.
          expect(pool.statements.at(-1)).toBe('COMMIT');
          expect(failures).toBe(pool.statements.length);
          break;
        }
        failures++;
        expect(result.error).toMatchObject({ type: 'StoreUnavailable' });
        expect(await snapshot(shop.store, shop.workspaceId, email)).toEqual(before);
      }
      // BEGIN, the lock-and-check statement, the write statement, COMMIT at least.
      expect(failures).toBeGreaterThanOrEqual(4);
      expect((await shop.store.listInvitations(shop.workspaceId)).map((i) => i.email)).toEqual([email]);
    });
  }

  it('leaves nothing behind when the server terminates its connection mid-commit', async () => {
    const shop = await aWorkspace();
    const email = 'terminated@acme.com';
    const before = await snapshot(shop.store, shop.workspaceId, email);
    const target = postgresTarget();

    if (target.kind !== 'server') {
      // PGlite has one session and no pg_terminate_backend to aim at another: the connection
      // drops (as far as the store can tell) at the commit's write statement instead, and PGlite's
      // pool rolls the open transaction back, as a server does when a client disconnects.
      console.log(`[postgres] PGlite: the connection drop is simulated at the commit's write (${target.reason})`);
      const dying = faultyPool(db.pool, 'connection dies', (text) => text.startsWith('WITH w0'));
      const roster = createRoster({ store: new PostgresRosterStore(dying), deliverImmediately: false, maxAttempts: 1 });
      const cut = await roster.inviteAgent(shop.ana, { email });
      expect(cut._unsafeUnwrapErr()).toMatchObject({ type: 'StoreUnavailable' });
      // It broke at the statement that writes the invitation, the event and the email at once.
      const write = dying.statements.find((t) => t.startsWith('WITH w0'));
      expect(write).toMatch(/INSERT INTO invitations[\s\S]*INSERT INTO events[\s\S]*INSERT INTO outbox/);
    } else {
      const url = new URL(target.url);
      url.pathname = `/${db.name}`;
      const own = new pg.Pool({ connectionString: url.toString(), max: 1 });
      own.on('error', () => {});
      extraPools.push(own);
      const roster = createRoster({ store: new PostgresRosterStore(own), deliverImmediately: false, maxAttempts: 1 });

      // Hold a lock that only the email-claim trigger needs. It runs once the commit's write
      // statement has written every row (AFTER triggers fire at the end of the statement), so
      // the commit stops there with its workspace, invitation, event and email written.
      const blocker = await db.pool.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE email_claims IN EXCLUSIVE MODE');
      const pending = roster.inviteAgent(shop.ana, { email });

      let waiting: { pid: number; relation: string } | undefined;
      for (let tries = 0; !waiting && tries < 250; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const { rows } = await db.pool.query<{ pid: number; relation: string }>(
          `SELECT a.pid, l.relation::regclass::text AS relation
             FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
            WHERE a.datname = current_database() AND a.query LIKE 'WITH w0 AS%'`,
        );
        waiting = rows[0];
      }
      expect(waiting, 'the commit should be waiting in its write statement').toMatchObject({ relation: 'email_claims' });

      await db.pool.query('SELECT pg_terminate_backend($1)', [waiting!.pid]);
      const cut = await pending;
      await blocker.query('ROLLBACK');
      blocker.release();
      expect(cut._unsafeUnwrapErr()).toMatchObject({ type: 'StoreUnavailable' });
      console.log(`[postgres] commit terminated mid-flight answered: ${JSON.stringify(cut._unsafeUnwrapErr())}`);
    }

    expect(await snapshot(shop.store, shop.workspaceId, email)).toEqual(before);
    // Nothing is stuck either: the same invitation goes through afterwards.
    const again = createRoster({ store: shop.store, deliverImmediately: false });
    expect((await again.inviteAgent(shop.ana, { email })).isOk()).toBe(true);
  });
});
