import { MIGRATIONS, type Migration } from './migrations';
import type { SqlClient, SqlPool } from './sql-pool';
import { onConnection, transactionOn } from './transaction';

/**
 * What {@link migrate} did: the migrations it applied now, and those found already applied.
 *
 * @example const { applied } = await migrate(pool); if (applied.length) log.info(`schema: ${applied.join(', ')}`);
 */
export type MigrationReport = Readonly<{ applied: readonly string[]; alreadyApplied: readonly string[] }>;

// Every instance that migrates at start-up takes this lock, so one applies and the others wait
// and then find nothing left to do. A session lock, held across the attempts and the pauses
// between them (see migrate).
const KEY = `hashtextextended('agent-roster migrations', 0)`;
const LOCK = `SELECT pg_advisory_lock(${KEY})`;
const UNLOCK = `SELECT pg_advisory_unlock(${KEY}) AS unlocked`;
// Whether this session holds it: pg_locks shows a bigint key as its high and low halves, objsubid 1.
const HELD = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
  AND objsubid = 1 AND ((classid::int8 << 32) | objid::int8) = ${KEY}) AS held`;

// Behind a pooler in transaction mode (PgBouncer's pool_mode = transaction) each transaction may
// run on another server session: the lock taken in one is not held in the next, and is left
// behind on a session the pool keeps open.
const NOT_HELD =
  'agent-roster: migrate does not hold its advisory lock in the transaction that would apply the migrations: its transactions ran on ' +
  'different server sessions, as behind a pooler in transaction mode (PgBouncer pool_mode = transaction). Nothing was applied. ' +
  'migrate needs a session connection: a direct connection to PostgreSQL, or a PgBouncer pool in session mode';

const LEDGER = `CREATE TABLE IF NOT EXISTS agent_roster_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

type Applied = { version: number; name: string; checksum: string };

/** The ledger's rows by version; none when the ledger does not exist yet. A read needs no CREATE. */
async function readLedger(client: SqlClient): Promise<Map<number, Applied>> {
  const { rows } = await client.query(`SELECT to_regclass('agent_roster_migrations') IS NOT NULL AS present`);
  if (!(rows[0] as { present: boolean }).present) return new Map();
  const ledger = await client.query('SELECT version, name, checksum FROM agent_roster_migrations');
  return new Map((ledger.rows as Applied[]).map((r) => [Number(r.version), r]));
}

/** The migrations, in order, with their checksums, refusing one edited after it was applied. */
async function plan(migrations: readonly Migration[], applied: ReadonlyMap<number, Applied>) {
  const steps = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const checksum = await sha256Hex(migration.sql);
    const done = applied.get(migration.version);
    // An edited migration would leave databases that ran the old text and new ones that run
    // the new text with different schemas under one version number: refuse loudly.
    if (done && done.checksum !== checksum) {
      throw new Error(`agent-roster migration ${migration.name} was changed after it was applied (checksum ${done.checksum} in the database)`);
    }
    steps.push({ migration, checksum, done: Boolean(done) });
  }
  return steps;
}

/** Takes the migrations' lock, waiting as long as another instance's migration lasts. */
async function takeLock(client: SqlClient, broke: (error: Error) => void): Promise<void> {
  // The pool's lock_timeout and statement_timeout are meant for commands, and would fail the
  // start-up of every instance but the one migrating. A session lock taken in a transaction
  // outlives it.
  await transactionOn(
    client,
    async (c) => {
      await c.query('SET LOCAL lock_timeout = 0');
      await c.query('SET LOCAL statement_timeout = 0');
      await c.query(LOCK);
      return { commit: true, value: undefined };
    },
    broke,
  );
}

/** One attempt, in the transaction it runs in, under the migrations' lock: every pending migration, or none. */
async function applyPending(client: SqlClient, migrations: readonly Migration[], lockTimeoutMs: number): Promise<MigrationReport> {
  // No DDL without the lock: two instances would both apply.
  if (!((await client.query(HELD)).rows[0] as { held: boolean }).held) throw new Error(NOT_HELD);
  await client.query('SET LOCAL statement_timeout = 0');
  // Not so for its DDL's table locks: PostgreSQL queues every later query on a table behind a
  // lock request that waits, reads included (DROP INDEX asks for ACCESS EXCLUSIVE), so a DDL
  // waiting behind one long transaction would stall the table for as long as that transaction
  // lasts. Past lockTimeoutMs the attempt fails with 55P03, rolls back and is retried (migrate),
  // as it is when chosen as a deadlock's victim (40P01) or failing serialization (40001).
  await client.query(`SET LOCAL lock_timeout = ${lockTimeoutMs}`);
  await client.query(LEDGER);
  // Read again under the lock: another instance may have applied them meanwhile.
  const steps = await plan(migrations, await readLedger(client));
  const report = { applied: [] as string[], alreadyApplied: [] as string[] };
  for (const { migration, checksum, done } of steps) {
    if (done) {
      report.alreadyApplied.push(migration.name);
      continue;
    }
    await client.query(migration.sql);
    await client.query('INSERT INTO agent_roster_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      checksum,
    ]);
    report.applied.push(migration.name);
  }
  return report;
}

/**
 * How {@link migrate} waits for the table locks its DDL needs, and tries again after an attempt
 * that failed for another session's doing: a lock timeout (`55P03`), a deadlock whose victim it
 * was (`40P01`) or a serialization failure (`40001`), each of which rolled the attempt back
 * whole. Every field is optional.
 *
 * @example await migrate(pool, MIGRATIONS, { lockTimeoutMs: 2_000, onRetry: ({ attempt, delayMs }) => log.warn(`migrate: lock wait, attempt ${attempt}, again in ${delayMs} ms`) })
 */
export type MigrateOptions = Readonly<{
  /**
   * How long one lock wait of a migration may last (its transaction's `lock_timeout`) before the
   * attempt rolls back, to be retried. Default 1,000. `0` waits without limit, in one attempt,
   * holding up every query on the table for as long as whatever it waits for (a deadlock or a
   * serialization failure is still tried again).
   */
  lockTimeoutMs?: number | undefined;
  /**
   * The pause before the first retry, doubling after each, up to 30 s (or `retryDelayMs`, if
   * larger); each pause is drawn between half and the whole of that. Default 1,000; at least 1
   * (`0` is refused: it would never double, and the attempts would follow each other without a
   * pause, holding up the table almost all the time; to wait for locks without retrying,
   * `lockTimeoutMs: 0`).
   */
  retryDelayMs?: number | undefined;
  /**
   * Attempts in all, the first included; past it, the last attempt's error (`55P03`, `40P01` or
   * `40001`) is thrown.
   * Default `Infinity`: a migration waits for its locks as it waits for another instance's
   * migration, and a deploy step that must end puts a timeout around it.
   */
  maxAttempts?: number | undefined;
  /**
   * Called before each pause with the attempt that failed, the pause and the error, for a log
   * line ("migration waiting for a lock, see pg_stat_activity"; `error.code` tells which).
   *
   * A callback that throws stops the retries: `migrate` releases its lock, hands its connection
   * back and rejects with what the callback threw, with the failed attempt's error (`55P03`…) as
   * its `cause`, so throwing is how a deploy step gives up early (on a deadline, on shutdown).
   * When that value cannot take a `cause` (not an object, frozen, or with a `cause` of its own),
   * `migrate` rejects instead with an `AggregateError` whose `errors` hold it and whose `cause`
   * is the attempt's error; the attempt's error itself, rethrown, is rejected with unchanged.
   */
  onRetry?: ((retry: Readonly<{ attempt: number; delayMs: number; error: unknown }>) => void) | undefined;
}>;

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const MAX_RETRY_DELAY_MS = 30_000;

function optionMs(options: MigrateOptions, key: 'lockTimeoutMs' | 'retryDelayMs', fallback: number, least: 0 | 1): number {
  const value = options[key] ?? fallback;
  if (!Number.isInteger(value) || value < least || value > MAX_TIMEOUT_MS) {
    throw new TypeError(`migrate: ${key} must be a whole number of milliseconds from ${least} to ${MAX_TIMEOUT_MS}, got ${String(value)}`);
  }
  return value;
}

function settingsOf(options: MigrateOptions) {
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (!(maxAttempts === Number.POSITIVE_INFINITY || (Number.isInteger(maxAttempts) && maxAttempts >= 1))) {
    throw new TypeError(`migrate: maxAttempts must be a whole number from 1, or Infinity, got ${String(maxAttempts)}`);
  }
  if (options.onRetry !== undefined && typeof options.onRetry !== 'function') throw new TypeError('migrate: onRetry must be a function');
  return {
    lockTimeoutMs: optionMs(options, 'lockTimeoutMs', 1_000, 0),
    // Not 0: a pause that doubles from 0 stays 0, so the attempts would follow each other for
    // ever, each holding up the table for lockTimeoutMs. Not pausing is what lockTimeoutMs: 0
    // already does, in one attempt.
    retryDelayMs: optionMs(options, 'retryDelayMs', 1_000, 1),
    maxAttempts,
    onRetry: options.onRetry,
  };
}

/**
 * The SQLSTATEs of an attempt that failed for another session's doing, and was rolled back whole,
 * so trying again is safe: lock_not_available (a lock wait passed lock_timeout),
 * deadlock_detected (the attempt was the deadlock's victim) and serialization_failure.
 */
const RETRIED = new Set(['55P03', '40P01', '40001']);

function isRetried(error: unknown): boolean {
  return typeof error === 'object' && error !== null && RETRIED.has((error as { code?: unknown }).code as string);
}

/**
 * What migrate rejects with when `onRetry` threw `thrown` after `attempt` failed with `error`:
 * `thrown`, carrying `error` as its `cause` (a callback that gives up must not hide why the
 * attempt failed), or both in an AggregateError when `thrown` cannot carry it.
 */
function withCause(thrown: unknown, error: unknown, attempt: number): unknown {
  if (thrown === error) return thrown;
  if (typeof thrown === 'object' && thrown !== null && Object.isExtensible(thrown) && !Object.hasOwn(thrown, 'cause')) {
    // As `new Error(message, { cause })` installs it: own, writable, not enumerable.
    Object.defineProperty(thrown, 'cause', { value: error, writable: true, configurable: true, enumerable: false });
    return thrown;
  }
  const code = (error as { code?: unknown }).code;
  return new AggregateError([thrown], `migrate: onRetry threw after attempt ${attempt} failed (${String(code)}); nothing was applied`, { cause: error });
}

/** The pause after `attempt` failed: doubling from `first`, capped, drawn between half and the whole. */
function pauseAfter(attempt: number, first: number): number {
  const ceiling = Math.min(Math.max(first, MAX_RETRY_DELAY_MS), first * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * Brings the database schema up to date: applies every migration not yet recorded in
 * `agent_roster_migrations`, all in one transaction, under an advisory lock its connection holds
 * until it is done (through retries and their pauses). Idempotent, and safe to call from every
 * instance at start-up: they queue on the lock, one applies, the rest find nothing to do. A
 * failure rolls everything back. Versions the database has and this
 * package does not know (a newer release migrated it) are left alone.
 *
 * With nothing pending it only reads the ledger: no lock, no CREATE, so a role with the
 * application's grants may call it. With something pending it needs CREATE on the schema; it
 * waits without limit for another instance's migration (`statement_timeout` is 0 for its
 * transaction only), but each of its DDL's table-lock waits only `options.lockTimeoutMs` (1 s):
 * a lock request that waits holds up every later query on its table, reads included, so past
 * that the attempt rolls back, the queries behind it run, and after a pause the pending
 * migrations are tried again, by default until they pass ({@link MigrateOptions}); so are they
 * after an attempt chosen as a deadlock's victim (`40P01`) or failing serialization (`40001`).
 * Invalid options reject with a `TypeError`.
 *
 * It needs a session connection (a direct one, or a PgBouncer pool in session mode): behind a
 * pooler in transaction mode its transactions run on different server sessions, the lock taken
 * in one is not held in the next, and it rejects, applying nothing.
 *
 * @example
 * import pg from 'pg';
 * import { migrate } from 'agent-roster/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool); // { applied: [every migration, '0001_roster' to the last], alreadyApplied: [] } the first time
 */
export async function migrate(pool: SqlPool, migrations: readonly Migration[] = MIGRATIONS, options: MigrateOptions = {}): Promise<MigrationReport> {
  const settings = settingsOf(options);
  return onConnection(pool, async (client, broke) => {
    // Read first, without the lock: when every migration is recorded (every start but the first
    // after an upgrade), there is nothing to wait for and nothing that needs CREATE on the schema,
    // so an application role with only the documented grants can call migrate on every start.
    const steps = await plan(migrations, await readLedger(client));
    if (steps.every((s) => s.done)) return { applied: [], alreadyApplied: steps.map((s) => s.migration.name) };
    // The lock is held across attempts and the pauses between them, so that other instances
    // wait on it, which holds up no table. A transaction lock, let go by each attempt's rollback,
    // let them take turns at the table instead: with four instances behind one long transaction,
    // the table was held up 7.6 s of 8, the pauses protecting nothing.
    await takeLock(client, broke);
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await transactionOn(client, async (c) => ({ commit: true, value: await applyPending(c, migrations, settings.lockTimeoutMs) }), broke);
        } catch (error) {
          if (!isRetried(error) || attempt >= settings.maxAttempts) throw error;
          const delayMs = pauseAfter(attempt, settings.retryDelayMs);
          try {
            settings.onRetry?.({ attempt, delayMs, error });
          } catch (thrown) {
            throw withCause(thrown, error, attempt);
          }
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      }
    } finally {
      // A connection that cannot let go, or that does not hold the lock (another session took it,
      // behind a pooler), is dropped by the pool, which ends its session and a lock it holds.
      await client.query(UNLOCK).then(
        ({ rows }) => {
          if (!(rows[0] as { unlocked: boolean }).unlocked) broke(new Error('agent-roster: migrate found its advisory lock not held by its session when letting go of it'));
        },
        (error: unknown) => broke(error instanceof Error ? error : new Error(String(error))),
      );
    }
  });
}
