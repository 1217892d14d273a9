/**
 * Commits that touch tens of thousands of rows: the sweep of a large backlog of lapsed invitations
 * (ADR 0004) writes one row per invitation. Preparing such a commit must cost time linear in its
 * size, and locking its rows must go through the primary key whatever the size of the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invitation, WorkspaceId } from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import { writeCommit } from '../../src/adapters/postgres/commit';
import type { SqlClient } from '../../src/adapters/postgres/sql-pool';
import type { Commit } from '../../src/ports/store';
import { anInvitation, aWorkspace } from '../../src/testing/mothers';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

type Statement = Readonly<{ text: string; values: readonly unknown[] }>;

const invitations = (workspaceId: string, from: number, count: number, overrides: Parameters<typeof anInvitation>[0] = {}): Invitation[] =>
  Array.from({ length: count }, (_, n) =>
    anInvitation({ workspaceId, id: `inv_${workspaceId}_${from + n}`, email: `p${from + n}@${workspaceId.replace('_', '-')}.com`, ...overrides }),
  );

describe('a commit of tens of thousands of aggregates', () => {
  it('is prepared in time linear in its size: 10,000 rows updated and 10,000 created, in two statements', async () => {
    const N = 10_000;
    const WS = 'ws_sweep';
    const swept = invitations(WS, 0, N, { status: 'expired' });
    const created = invitations(WS, N, N);
    const workspace = aWorkspace({ id: WS });
    const commit: Commit = {
      workspaceId: workspace.id,
      expected: [
        { kind: 'workspace', id: workspace.id, version: 3 },
        ...swept.map((i) => ({ kind: 'invitation' as const, id: i.id, version: 1 })),
        ...created.map((i) => ({ kind: 'invitation' as const, id: i.id, version: 0 })),
      ],
      writes: [workspace, ...swept, ...created],
      removals: [],
      events: [],
      outbox: [],
    };
    // The database, answered by hand: the lock finds the workspace and the swept rows at the
    // versions expected, and the write touches every row it names (the workspace, the created,
    // the updated, in the order the write statement lists its parts).
    const sent: Statement[] = [];
    const client: SqlClient = {
      query: async (text, values = []) => {
        sent.push({ text, values });
        const rows =
          sent.length === 1
            ? [{ kind: 'workspace', id: WS, version: 3 }, ...swept.map((i) => ({ kind: 'invitation', id: i.id, version: 1 }))]
            : [{ w0: 1, w1: N, w2: N }];
        return { rows, rowCount: rows.length };
      },
      release: () => undefined,
    };
    const started = performance.now();
    const end = await writeCommit(client, commit);
    const elapsed = performance.now() - started;
    expect(end).toEqual({ commit: true, value: { committed: true } });
    expect(sent).toHaveLength(2);
    // About 0.1 s of linear work (JSON for the write statement, mostly); grouping the writes by
    // copying each kind's list per aggregate and searching them once per aggregate created took 30 s.
    expect(elapsed).toBeLessThan(2_000);
  });
});

/** Every scan in an `EXPLAIN (FORMAT JSON)` plan, as [node type, table]. */
function scansOf(plan: unknown): [string, string][] {
  if (Array.isArray(plan)) return plan.flatMap(scansOf);
  if (plan === null || typeof plan !== 'object') return [];
  const node = plan as Record<string, unknown>;
  const here: [string, string][] = typeof node['Relation Name'] === 'string' ? [[String(node['Node Type']), node['Relation Name']]] : [];
  return [...here, ...Object.values(node).flatMap(scansOf)];
}

describe('a large commit and read set on PostgreSQL', () => {
  let db: FreshDatabase;
  // Two workspaces, 3,000 pending invitations each. Asked for a third of the table by
  // `id = ANY(…)`, the planner rather scans all of it, every workspace's rows.
  const first = aWorkspace({ id: 'ws_first' });
  const pending = invitations('ws_first', 0, 3_000);
  beforeAll(async () => {
    db = await freshDatabase();
    await migrate(db.pool);
    const store = new PostgresRosterStore(db.pool);
    const seeded = { expected: [], removals: [], events: [], outbox: [] };
    for (const [workspace, rows] of [[first, pending], [aWorkspace({ id: 'ws_second' }), invitations('ws_second', 0, 3_000)]] as const) {
      expect(await store.commit({ ...seeded, workspaceId: workspace.id, writes: [workspace, ...rows] })).toEqual({ committed: true });
    }
    await db.pool.query('ANALYZE invitations');
  });
  afterAll(() => db?.close());

  /** The statements a store sends, on the pool and on the connections it takes from it. */
  function recording(pool: SqlPool): SqlPool & { log: Statement[] } {
    const log: Statement[] = [];
    return {
      log,
      query: (text, values = []) => (log.push({ text, values }), pool.query(text, values)),
      connect: async () => {
        const client = await pool.connect();
        return {
          query: (text: string, values: unknown[] = []) => (log.push({ text, values }), client.query(text, values)),
          release: (error?: Error | boolean) => client.release(error),
        };
      },
    };
  }

  /** The tables a statement scans, and how, as the planner would run it now. */
  async function scansIn({ text, values }: Statement): Promise<[string, string][]> {
    const { rows } = await db.pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, [...values]);
    return scansOf(rows[0]?.['QUERY PLAN']);
  }

  it('asks whether 2,000 invitations moved through the primary key, not by scanning the whole table', async () => {
    const pool = recording(db.pool);
    const store = new PostgresRosterStore(pool);
    const read = pending.slice(1_000).map((i) => ({ kind: 'invitation' as const, id: i.id, version: 1 }));
    expect(await store.versionsCurrent([{ kind: 'workspace', id: first.id, version: 1 }, ...read])).toBe(true);
    expect(await store.versionsCurrent([...read, { kind: 'invitation', id: pending[2_999]!.id, version: 2 }])).toBe(false);
    expect(await store.versionsCurrent([...read, { kind: 'invitation', id: 'inv_nobody', version: 0 }])).toBe(true);
    expect(await store.versionsCurrent([...read, { kind: 'invitation', id: 'inv_nobody', version: 1 }])).toBe(false);
    expect(pool.log).toHaveLength(4);
    const scans = await scansIn(pool.log[0]!);
    expect(scans).toContainEqual(['Index Scan', 'invitations']);
    expect(scans).not.toContainEqual(['Seq Scan', 'invitations']);
  });

  it('locks the 2,000 rows a sweep updates through the primary key, not by scanning the whole table', async () => {
    const pool = recording(db.pool);
    const expired = pending.slice(0, 2_000).map((i): Invitation => ({ ...i, status: 'expired', closedAt: i.expiresAt }));
    const sweep = {
      workspaceId: first.id as WorkspaceId,
      expected: [{ kind: 'workspace' as const, id: first.id, version: 1 }, ...expired.map((i) => ({ kind: 'invitation' as const, id: i.id, version: 1 }))],
      writes: expired,
      removals: [],
      events: [],
      outbox: [],
    };
    expect(await new PostgresRosterStore(pool).commit(sweep)).toEqual({ committed: true });
    const [lock] = pool.log.filter((s) => s.text.includes('FOR NO KEY UPDATE'));
    expect(lock).toBeDefined();
    const scans = await scansIn(lock!);
    expect(scans).toContainEqual(['Index Scan', 'invitations']);
    expect(scans).not.toContainEqual(['Seq Scan', 'invitations']);
  });
});
