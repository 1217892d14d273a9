/**
 * Paged listings on PostgreSQL: the suite of test/support/pages-suite.ts on `PostgresRosterStore`,
 * one migrated database for the file, every workspace of it side by side (as in production), so
 * that event positions come from the one sequence all workspaces share and cursors reach SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'agent-roster';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { aTeam, describePages, unwrap } from '../support/pages-suite';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(() => db?.close());

describePages('paged listings on PostgresRosterStore', () => new PostgresRosterStore(db.pool));

describe('eventPage on PostgreSQL, where positions are whole numbers of any length', () => {
  it('reads the log in numeric order when a page crosses a power of ten (as text, "100" sorts before "99")', async () => {
    // The sequence is shared by every workspace, so a long-lived database has long positions:
    // start this workspace's log a few short of the next power of ten.
    const { rows } = await db.pool.query<{ last: string }>('SELECT last_value::text AS last FROM events_position_seq');
    const next = 10n ** BigInt(rows[0]!.last.length + 1);
    await db.pool.query('SELECT setval(\'events_position_seq\', $1)', [String(next - 5n)]);
    const { roster, ana } = await aTeam({ store: new PostgresRosterStore(db.pool) });
    const log = await unwrap(roster.events(ana));
    expect(log.length).toBeGreaterThan(10);
    const read: unknown[] = [];
    let after: string | null = null;
    for (let more = true; more; ) {
      const page: Page<unknown> = await unwrap(roster.eventPage(ana, { after, limit: 3 }));
      read.push(...page.items);
      ({ cursor: after, more } = page);
    }
    expect(read).toEqual(log);
  });
});
