/** The reads that follow later changes (test/application/store-follows-changes.ts), on PostgreSQL. */
import { afterAll, beforeAll } from 'vitest';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { describeStoreFollowsChanges } from '../application/store-follows-changes';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(() => db?.close());

const EMPTY = `TRUNCATE workspaces, agents, agent_departments, invitations, departments, email_claims, routing_states, routing_chunks, events, outbox RESTART IDENTITY`;

describeStoreFollowsChanges('PostgresRosterStore', async () => {
  await db.pool.query(EMPTY);
  return { store: new PostgresRosterStore(db.pool) };
});
