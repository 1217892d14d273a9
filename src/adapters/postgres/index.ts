/**
 * `agent-roster/postgres`: the roster's store on PostgreSQL 15+ (or PGlite).
 *
 * `pg` is an optional peer: nothing here imports it at run time. Pass any pool with `query` and
 * `connect` — a `pg.Pool`, or PGlite through its node-postgres connector.
 *
 * @example
 * import pg from 'pg';
 * import { createRoster } from 'agent-roster';
 * import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 * const roster = createRoster({ store: new PostgresRosterStore(pool) });
 *
 * @packageDocumentation
 */
export { PostgresRosterStore } from './store';
export { migrate, type MigrateOptions, type MigrationReport } from './migrate';
export { MIGRATIONS, type Migration } from './migrations';
export type { SqlClient, SqlPool, SqlQueryable, SqlResult } from './sql-pool';
