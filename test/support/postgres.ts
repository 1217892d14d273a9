/**
 * Postgres for test files. The target is decided once per run by
 * test/support/postgres-global-setup.ts; every test gets its own database:
 *
 *   let db: FreshDatabase;
 *   beforeAll(async () => { db = await freshDatabase(); });
 *   afterAll(() => db.close());
 *   … await db.pool.query('select $1::int as n', [1]) …
 *
 * `pool` is a real `pg.Pool` in both modes, so code written against `pg`
 * runs unchanged and sees the same value types (int8/numeric as strings,
 * timestamptz as Date, json parsed, …):
 *
 *  - server: a `CREATE DATABASE rt_<random>` on the target server, dropped
 *    (WITH (FORCE)) by close().
 *  - pglite: a new in-memory PGlite instance, reached through PGlite's own
 *    node-postgres wire adapter (`@electric-sql/pglite/node-postgres`), so pg
 *    does the parameter serialisation and result parsing exactly as it does
 *    against a server. PGlite is a single session, so the pool has max = 1:
 *    `pool.connect()` hands the one connection out to one caller at a time and
 *    queues the rest; that queue is the mutex that keeps BEGIN…COMMIT blocks
 *    from interleaving. Consequences to know about:
 *      - holding two clients at once (e.g. `await pool.connect()` twice
 *        without releasing) deadlocks on PGlite, and so do tests of
 *        concurrent-transaction behaviour (locks, SERIALIZABLE conflicts):
 *        guard those with `db.kind === 'server'`;
 *      - a client released with an error (`release(err)`, or any failing
 *        `pool.query`) is replaced; if it left a transaction open, the
 *        replacement rolls it back first, as a server would on disconnect.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { PostgresTarget } from './postgres-global-setup';

export type { PostgresTarget } from './postgres-global-setup';

export interface FreshDatabase {
  kind: 'server' | 'pglite';
  /** `rt_<random>` on a server; `postgres` on PGlite. */
  name: string;
  pool: pg.Pool;
  /** Ends the pool and drops the database (server) or closes PGlite. Idempotent. */
  close(): Promise<void>;
}

/** Where the Postgres suites run in this `vitest` run. */
export function postgresTarget(): PostgresTarget {
  const target = inject('postgres') as PostgresTarget | undefined;
  if (target === undefined) {
    throw new Error("no 'postgres' target: add 'test/support/postgres-global-setup.ts' to test.globalSetup");
  }
  return target;
}

/** A new, empty database that nothing else in this run can see. */
export async function freshDatabase(): Promise<FreshDatabase> {
  const target = postgresTarget();
  return target.kind === 'server' ? freshServerDatabase(target.url) : freshPGliteDatabase();
}

async function withAdmin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}

async function freshServerDatabase(baseUrl: string): Promise<FreshDatabase> {
  const name = `rt_${randomBytes(8).toString('hex')}`;
  // A throwaway cluster's databases collate as "C", where text compares code unit by code unit
  // whether or not a query says so; production databases mostly collate by a language's rules
  // ('Z' after 'a'). Test databases take English rules where the server has ICU (PostgreSQL 15
  // and later), so an ORDER BY or a comparison that forgets COLLATE "C" fails here, not there.
  await withAdmin(baseUrl, async (admin) => {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
    } catch {
      await admin.query(`CREATE DATABASE ${name}`);
    }
  });

  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString() });
  // Idle clients are terminated by DROP … WITH (FORCE) if close() ever has to
  // give up waiting for a leaked client; don't let that crash the worker.
  pool.on('error', () => {});

  return {
    kind: 'server',
    name,
    pool,
    close: once(async () => {
      // pool.end() waits for checked-out clients; a test that leaked one must
      // not hang teardown, FORCE below disconnects it anyway.
      await Promise.race([pool.end(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await withAdmin(baseUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }),
  };
}

let pgliteTemplate: Promise<File | Blob> | undefined;

async function freshPGliteDatabase(): Promise<FreshDatabase> {
  // Loaded lazily: server runs never pay for the WASM module.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PglitePgConnection } = await import('@electric-sql/pglite/node-postgres');
  // initdb is most of PGlite's start-up time, so it runs once per worker and
  // every database after the first starts from a copy of that data directory.
  pgliteTemplate ??= PGlite.create().then(async (template) => {
    try {
      return await template.dumpDataDir('none');
    } finally {
      await template.close();
    }
  });
  const db = await PGlite.create({ loadDataDir: await pgliteTemplate });

  // A fresh wire-protocol shim per pg client. (createPgConfig() shares one
  // shim between every client the pool ever makes, and a replaced client's
  // late 'end' event then kills its successor.)
  class PGliteClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connection: new PglitePgConnection({ pglite: db }) } as pg.ClientConfig);
    }
  }

  const pool = new pg.Pool({
    Client: PGliteClient,
    max: 1,
    idleTimeoutMillis: 0,
    onConnect: async (client) => {
      if (db.isInTransaction()) await client.query('ROLLBACK');
    },
  });
  pool.on('error', () => {});

  return {
    kind: 'pglite',
    name: 'postgres',
    pool,
    close: once(async () => {
      await Promise.race([pool.end(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await db.close();
    }),
  };
}

/**
 * `n` pools, one per worker: each its own connection on a server; PGlite's one connection,
 * shared, otherwise. The pools made are pushed onto `made` so the caller can end them.
 */
export function workerPools(db: FreshDatabase, n: number, made: pg.Pool[]): pg.Pool[] {
  const target = postgresTarget();
  if (target.kind !== 'server') return Array.from({ length: n }, () => db.pool);
  const url = new URL(target.url);
  url.pathname = `/${db.name}`;
  return Array.from({ length: n }, () => {
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    pool.on('error', () => {});
    made.push(pool);
    return pool;
  });
}
