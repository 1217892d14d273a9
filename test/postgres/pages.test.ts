/**
 * Paged listings on PostgreSQL: the suite of test/support/pages-suite.ts on `PostgresRosterStore`,
 * one migrated database for the file, every workspace of it side by side (as in production), so
 * that event positions come from the one sequence all workspaces share and cursors reach SQL.
 */
import { afterAll, beforeAll } from 'vitest';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { describePages } from '../support/pages-suite';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(() => db?.close());

describePages('paged listings on PostgresRosterStore', () => new PostgresRosterStore(db.pool));
