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

async function applyPending(client: SqlClient, migrations: readonly Migration[]): Promise<MigrationReport> {
  await client.query(LOCK);
  await client.query(LEDGER);
  const { rows } = await client.query('SELECT version, name, checksum FROM agent_roster_migrations');
  const applied = new Map((rows as Applied[]).map((r) => [Number(r.version), r]));
  const report = { applied: [] as string[], alreadyApplied: [] as string[] };
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const checksum = await sha256Hex(migration.sql);
    const done = applied.get(migration.version);
    if (done) {
      // An edited migration would leave databases that ran the old text and new ones that run
      // the new text with different schemas under one version number: refuse loudly.
      if (done.checksum !== checksum) {
        throw new Error(`agent-roster migration ${migration.name} was changed after it was applied (checksum ${done.checksum} in the database)`);
      }
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
 * @example
 * import pg from 'pg';
 * import { migrate } from 'agent-roster/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool); // { applied: ['0001_roster', '0002_outbox_withdrawal', '0003_routing_chunks', '0004_outbox_pages', '0005_routing_chunk_versions', '0006_filtered_page_indexes'], alreadyApplied: [] } the first time
 */
export function migrate(pool: SqlPool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  return inTransaction(pool, async (client) => ({ commit: true, value: await applyPending(client, migrations) }));
}
