import { MIGRATIONS, type Migration } from './migrations';
import type { SqlClient, SqlPool } from './sql-pool';
import { inTransaction } from './transaction';

/**
 * What {@link migrate} did: the migrations it applied now, and those found already applied.
 *
 * @example const { applied } = await migrate(pool); if (applied.length) log.info(`schema: ${applied.join(', ')}`);
 */
export type MigrationReport = Readonly<{ applied: readonly string[]; alreadyApplied: readonly string[] }>;

// Every instance that migrates at start-up takes this lock, so one applies and the others wait
// and then find nothing left to do.
const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('agent-roster migrations', 0))`;

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

async function applyPending(client: SqlClient, migrations: readonly Migration[]): Promise<MigrationReport> {
  // Read first, without the lock: when every migration is recorded (every start but the first
  // after an upgrade), there is nothing to wait for and nothing that needs CREATE on the schema,
  // so an application role with only the documented grants can call migrate on every start.
  let steps = await plan(migrations, await readLedger(client));
  if (steps.some((s) => !s.done)) {
    // A migration waits as long as it has to, for another instance's migration (the lock) and for
    // the table locks its DDL needs: the pool's lock_timeout and statement_timeout are meant for
    // commands, and would fail the start-up of every instance but the one migrating.
    await client.query('SET LOCAL lock_timeout = 0');
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query(LOCK);
    await client.query(LEDGER);
    // Read again under the lock: another instance may have applied them meanwhile.
    steps = await plan(migrations, await readLedger(client));
  }
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
 * Brings the database schema up to date: applies every migration not yet recorded in
 * `agent_roster_migrations`, all in one transaction under an advisory lock. Idempotent, and
 * safe to call from every instance at start-up: they queue on the lock, one applies, the rest
 * find nothing to do. A failure rolls everything back. Versions the database has and this
 * package does not know (a newer release migrated it) are left alone.
 *
 * With nothing pending it only reads the ledger: no lock, no CREATE, so a role with the
 * application's grants may call it. With something pending it needs CREATE on the schema, and it
 * waits without limit (`lock_timeout` and `statement_timeout` are set to 0 for its transaction
 * only), for another instance's migration and for its DDL's table locks.
 *
 * @example
 * import pg from 'pg';
 * import { migrate } from 'agent-roster/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool); // { applied: ['0001_roster', '0002_outbox_withdrawal', '0003_routing_chunks', '0004_outbox_pages', '0005_routing_chunk_versions', '0006_filtered_page_indexes', '0007_legacy_invitation_emails'], alreadyApplied: [] } the first time
 */
export function migrate(pool: SqlPool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  return inTransaction(pool, async (client) => ({ commit: true, value: await applyPending(client, migrations) }));
}
