/**
 * The RosterStore contract, run against PostgresRosterStore on the run's Postgres target (a
 * real server when one is available, PGlite otherwise). One migrated database per file, emptied
 * before each contract test.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { describeStoreContract } from '../../src/testing/store-contract';
import { freshDatabase, postgresTarget, type FreshDatabase } from '../support/postgres';

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
  const target = postgresTarget();
  console.log(`[postgres] store contract on ${target.kind === 'server' ? 'a PostgreSQL server' : `PGlite (${target.reason})`}`);
});
afterAll(() => db?.close());

const EMPTY = `TRUNCATE workspaces, agents, agent_departments, invitations, departments, email_claims, routing_states, routing_chunks, events, outbox RESTART IDENTITY`;

// Optimistic by default; with lockWorkspaces the store also offers sessions, which the contract
// tests when present. A session holds a connection while the store reads and commits on others,
// so sessions are tested on a server only: PGlite has a single connection, on which a session
// and the store would wait for each other.
const variants = postgresTarget().kind === 'server' ? [false, true] : [false];
if (variants.length === 1) console.log('[postgres] PGlite has one connection: the contract with lockWorkspaces (sessions) runs on a server only');
for (const lockWorkspaces of variants) {
  describeStoreContract(
    `PostgresRosterStore (lockWorkspaces: ${lockWorkspaces})`,
    async () => {
      await db.pool.query(EMPTY);
      return { store: new PostgresRosterStore(db.pool, { lockWorkspaces }) };
    },
    { describe, it, expect, beforeEach, afterEach },
  );
}
