import type { AggregateKind } from '../../ports/store';

/**
 * Where each kind of aggregate lives, and how its typed columns are read out of the aggregate's
 * JSON (`r`) by the statement that writes it. Deriving them in SQL, from the very JSON stored
 * in `data`, is what keeps the columns and the document from ever disagreeing. (A routing
 * queue's `x.stamp` and `x.chunks` are the columns not taken from the aggregate: see
 * {@link WriteItem}.) A column marked `kept` is set when the row is inserted, and by an update
 * only while it is still `NULL`.
 */
type Table = Readonly<{
  name: string;
  columns: readonly (readonly [column: string, fromJson: string, kept?: 'kept'])[];
}>;

const textArray = (field: string) => `ARRAY(SELECT jsonb_array_elements_text(x.r->'${field}'))`;
const instant = (field: string) => `(x.r->>'${field}')::timestamptz`;
const text = (field: string) => `x.r->>'${field}'`;

/**
 * The aggregate tables and their typed columns.
 *
 * @example TABLES.agent.name // 'agents'
 */
export const TABLES: Readonly<Record<AggregateKind, Table>> = {
  workspace: { name: 'workspaces', columns: [['owner_id', text('ownerId')]] },
  department: {
    name: 'departments',
    columns: [
      ['workspace_id', text('workspaceId')],
      ['name_key', text('nameKey')],
    ],
  },
  agent: {
    name: 'agents',
    columns: [
      ['workspace_id', text('workspaceId')],
      ['email', text('email')],
      ['role', text('role')],
      ['status', text('status')],
      ['availability', text('availability')],
      ['department_ids', textArray('departmentIds')],
      ['joined_at', instant('joinedAt')],
    ],
  },
  invitation: {
    name: 'invitations',
    columns: [
      ['workspace_id', text('workspaceId')],
      ['email', text('email')],
      ['status', text('status')],
      ['token_hash', text('tokenHash')],
      ['department_ids', textArray('departmentIds')],
      ['sent_at', instant('sentAt')],
      ['expires_at', instant('expiresAt')],
    ],
  },
  routing: {
    name: 'routing_states',
    columns: [
      ['workspace_id', text('workspaceId')],
      ['queue_key', `coalesce(${text('departmentId')}, 'workspace')`],
      ['stamp', 'x.stamp'],
      // Versions restart when a queue is deleted and created again: this names the run (ADR 0026).
      ['created_stamp', 'x.stamp', 'kept'],
      ['chunk_count', 'x.chunks'],
    ],
  },
};

/**
 * The order commits lock the tables in: a fixed order avoids deadlocks, and the workspace comes
 * first, so commits of one workspace queue there.
 *
 * @example for (const kind of KINDS) lock(TABLES[kind].name)
 */
export const KINDS: readonly AggregateKind[] = ['workspace', 'department', 'agent', 'invitation', 'routing'];

/**
 * One aggregate as the write statements take it: the aggregate, the version it is expected at
 * (for updates), and for routing queues a write stamp (see `routing_states.stamp`) and the number
 * of chunk rows the queue has after the write (`routing_states.chunk_count`).
 *
 * @example { value: agent, expected: 3, stamp: null }
 */
export type WriteItem = Readonly<{ value: unknown; expected: number | null; stamp: string | null; chunks?: number }>;

/**
 * The statements that write one kind of aggregate, each reading a JSON array of
 * {@link WriteItem}s from the parameter it is given (`$3`…) and returning a row per row it wrote,
 * so they can run together as parts of one statement and their row counts still tell what happened.
 *
 * @example `WITH w0 AS (${WRITES.agent.insertNew('$1')}) SELECT count(*) FROM w0`
 */
export type WriteStatements = Readonly<{
  /** Aggregates that must not exist yet: inserts those that do not. */
  insertNew: (param: string) => string;
  /** Aggregates expected at a version: updates the rows still at it. */
  updateAt: (param: string) => string;
  /** Aggregates written without an expectation: inserted at 1 or bumped by 1. */
  upsert: (param: string) => string;
}>;

function statementsFor({ name, columns }: Table): WriteStatements {
  const items = (param: string) =>
    `(SELECT e->'value' AS r, (e->>'expected')::integer AS expected, e->>'stamp' AS stamp, (e->>'chunks')::integer AS chunks ` +
    `FROM jsonb_array_elements(${param}::jsonb) AS e) AS x`;
  const set = (c: string, value: string, kept?: 'kept') => `${c} = ${kept ? `coalesce(t.${c}, ${value})` : value}`;
  const names = ['id', ...columns.map(([c]) => c), 'data', 'version'].join(', ');
  const values = [text('id'), ...columns.map(([, e]) => e), 'x.r', '1'].join(', ');
  const insert = (param: string) => `INSERT INTO ${name} AS t (${names}) SELECT ${values} FROM ${items(param)}`;
  return {
    insertNew: (param) => `${insert(param)} ON CONFLICT (id) DO NOTHING RETURNING 1`,
    updateAt: (param) =>
      `UPDATE ${name} AS t SET ${columns.map(([c, e, kept]) => set(c, e, kept)).join(', ')}, data = x.r, version = t.version + 1 ` +
      `FROM ${items(param)} WHERE t.id = x.r->>'id' AND t.version = x.expected RETURNING 1`,
    upsert: (param) =>
      `${insert(param)} ON CONFLICT (id) DO UPDATE SET ` +
      `${columns.map(([c, , kept]) => set(c, `EXCLUDED.${c}`, kept)).join(', ')}, data = EXCLUDED.data, version = t.version + 1 RETURNING 1`,
  };
}

/**
 * Write statements per kind.
 *
 * @example await client.query(WRITES.invitation.upsert('$1'), [JSON.stringify([invitation])])
 */
export const WRITES: Readonly<Record<AggregateKind, WriteStatements>> = {
  workspace: statementsFor(TABLES.workspace),
  department: statementsFor(TABLES.department),
  agent: statementsFor(TABLES.agent),
  invitation: statementsFor(TABLES.invitation),
  routing: statementsFor(TABLES.routing),
};
