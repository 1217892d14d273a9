/**
 * Reading PostgreSQL's plans, for the tests and benchmarks that pin what a statement reads: the
 * store's statements recorded as it sends them, then run again under `EXPLAIN (ANALYZE, FORMAT JSON)`.
 */
import type { Aggregate, OutboxMessage, WorkspaceId } from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import { freshDatabase, type FreshDatabase } from './postgres';

/** One node of `EXPLAIN (ANALYZE, FORMAT JSON)`'s plan: the fields these checks read. */
export type PlanNode = Readonly<{
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Sort Space Type'?: string;
  'Sort Space Used'?: number;
  'Actual Total Time'?: number;
  Plans?: readonly PlanNode[];
}>;

/** A statement as the store sent it. */
export type Sent = Readonly<{ text: string; values: unknown[] }>;

/**
 * A pool that records every statement sent through `query` (sessions' connections are not
 * recorded), and the list it records into.
 *
 * @example const { pool, log } = recordingPool(db.pool); new PostgresRosterStore(pool); … log.at(-1)
 */
export function recordingPool(inner: SqlPool): { pool: SqlPool; log: Sent[] } {
  const log: Sent[] = [];
  return { pool: { query: (text, values = []) => (log.push({ text, values }), inner.query(text, values)), connect: () => inner.connect() }, log };
}

/** A plan's nodes, the root first. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/**
 * The rows a plan's scans of tables and indexes produced or filtered out (a Bitmap Index Scan is
 * counted by its heap scan; a scan of a subquery has no relation and counts nothing).
 */
export const rowsRead = (plan: PlanNode): number =>
  planNodes(plan).reduce(
    (sum, n) => sum + (n['Relation Name'] === undefined ? 0 : n['Actual Rows'] * n['Actual Loops'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)),
    0,
  );

/**
 * A fresh, migrated database holding each workspace's rows and outbox messages (written in commits
 * of 1,000), analysed so the planner knows them, and a store on it whose statements `log` records.
 *
 * @example const { db, store, log } = await filledStore([{ workspaceId, rows: [workspace, ...agents] }])
 */
export async function filledStore(
  workspaces: readonly Readonly<{ workspaceId: WorkspaceId; rows: readonly Aggregate[]; outbox?: readonly OutboxMessage[] }>[],
): Promise<{ db: FreshDatabase; store: PostgresRosterStore; log: Sent[] }> {
  const db = await freshDatabase();
  await migrate(db.pool);
  const { pool, log } = recordingPool(db.pool);
  const store = new PostgresRosterStore(pool);
  for (const { workspaceId, rows, outbox = [] } of workspaces) {
    for (let from = 0; from < Math.max(rows.length, outbox.length); from += 1_000) {
      const commit = { workspaceId, expected: [], writes: rows.slice(from, from + 1_000), removals: [], events: [], outbox: outbox.slice(from, from + 1_000) };
      const outcome = await store.commit(commit);
      if (!outcome.committed) throw new Error(`filling ${workspaceId}: ${JSON.stringify(outcome)}`);
    }
  }
  await db.pool.query('VACUUM ANALYZE');
  return { db, store, log };
}
