/**
 * The testing kit against `createRoster` on `PostgresRosterStore`: "our application layer on any
 * store" for the real store. Fewer sequences than on the in-memory store (each step is a few
 * round trips), the same checks; concurrent steps really interleave on a server and share
 * PGlite's one connection otherwise (see test/support/postgres.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { rosterDriver, rosterProperty } from 'agent-roster/testing';
import { freshDatabase, type FreshDatabase } from '../support/postgres';
import { RUNS, runsOf } from './property-runs';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(() => db?.close());

const SEQUENCES = Math.max(20, Math.ceil(RUNS / 10));

describe('the kit against createRoster on PostgresRosterStore', () => {
  it(`random sequences, concurrent steps included: outcomes, invariants, refusals and races all hold (${SEQUENCES} sequences)`, async () => {
    // One store over one database for every sequence: each opens a workspace of its own.
    const store = new PostgresRosterStore(db.pool);
    await fc.assert(rosterProperty(() => rosterDriver({ store })), runsOf('application layer on PostgreSQL', SEQUENCES));
  }, 300_000);
});
