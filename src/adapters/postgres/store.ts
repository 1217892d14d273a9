import type { Agent, Department, Invitation, RoutingState, Workspace } from '../../domain/index';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../../domain/ids';
import type { Email } from '../../domain/values';
import type { OutboxMessage, OutboxStatus } from '../../ports/outbox';
import type {
  AgentFilter,
  Commit,
  CommitOutcome,
  DepartmentSummary,
  InvitationFilter,
  RosterStore,
  Versioned,
  WorkspaceEvent,
} from '../../ports/store';
import { writeCommit } from './commit';
import { CommittedQueues, queueKeyOf } from './committed-queues';
import { conflictOf } from './errors';
import type { SqlPool } from './sql-pool';
import { inTransaction } from './transaction';

/** An instant as the ISO-8601 text the domain uses (`2026-11-23T09:00:00.000Z`), whatever the driver's date parsing. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

type DocumentRow = { data: unknown; version: number | string };
const versioned = <T>(row: DocumentRow): Versioned<T> => ({ value: row.data as T, version: Number(row.version) });

/** The outbox columns a message is made of, read from the table aliased `o`. */
const OUTBOX_COLUMNS = `o.id, o.workspace_id, o.idempotency_key, o.to_address, o.subject, o.body_text, o.body_html,
  o.status, o.attempts, ${iso('o.created_at')} AS created_at, ${iso('o.next_attempt_at')} AS next_attempt_at,
  ${iso('o.delivered_at')} AS delivered_at, o.last_error, o.seq`;

type OutboxRow = {
  id: string;
  workspace_id: string;
  idempotency_key: string;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  status: OutboxStatus;
  attempts: number | string;
  created_at: string;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
  seq: number | string;
};

const messageOf = (r: OutboxRow): OutboxMessage => ({
  id: r.id,
  workspaceId: r.workspace_id as WorkspaceId,
  idempotencyKey: r.idempotency_key,
  to: r.to_address,
  subject: r.subject,
  text: r.body_text,
  html: r.body_html,
  status: r.status,
  attempts: Number(r.attempts),
  createdAt: r.created_at,
  nextAttemptAt: r.next_attempt_at,
  deliveredAt: r.delivered_at,
  lastError: r.last_error,
});

// Leases due messages in one statement. SKIP LOCKED lets dispatchers running this at the same
// moment split the due messages between them instead of queueing on each other's rows; a row
// another dispatcher leased a moment ago is re-checked against its new lease and left out.
const CLAIM_OUTBOX = `WITH due AS (
  SELECT id FROM outbox
  WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
    AND (lease_until IS NULL OR lease_until <= $1::timestamptz)
  ORDER BY next_attempt_at, seq
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE outbox AS o SET lease_until = $1::timestamptz + $3::double precision * interval '1 millisecond'
FROM due WHERE o.id = due.id
RETURNING ${OUTBOX_COLUMNS}`;

// Row order for ties: "C" collation, so the order of ids does not depend on the database locale.
const BY_ID = 'id COLLATE "C"';

/**
 * The roster on PostgreSQL (15 or later; PGlite too). Every aggregate is a row with its version;
 * a commit is one READ COMMITTED transaction that locks the rows it relies on, checks their
 * versions, writes, appends events and enqueues email, so it lands whole or not at all, and the
 * schema's constraints hold the uniqueness and ownership rules even against a bug above.
 *
 * Run {@link migrate} first. The store holds no state of its own: any number of application
 * instances may share one database.
 *
 * @example
 * import pg from 'pg';
 * import { createRoster } from 'agent-roster';
 * import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 * const roster = createRoster({ store: new PostgresRosterStore(pool) });
 */
export class PostgresRosterStore implements RosterStore {
  readonly #pool: SqlPool;
  readonly #queues: CommittedQueues;

  /**
   * @param pool a `pg.Pool`, or anything with its `query` and `connect` (see {@link SqlPool}).
   * @param options `routingQueuesKept`: how many routing queues this store keeps the committed
   *   object of, to hand it back on the next load (default 1000; 0 turns that off).
   */
  constructor(pool: SqlPool, options: Readonly<{ routingQueuesKept?: number }> = {}) {
    this.#pool = pool;
    this.#queues = new CommittedQueues(options.routingQueuesKept ?? 1_000);
  }

  async #rows<T>(text: string, values: unknown[]): Promise<T[]> {
    return (await this.#pool.query(text, values)).rows as T[];
  }

  async #one<T>(table: string, where: string, values: unknown[]): Promise<Versioned<T> | null> {
    const [row] = await this.#rows<DocumentRow>(`SELECT data, version FROM ${table} WHERE ${where}`, values);
    return row ? versioned<T>(row) : null;
  }

  loadWorkspace(id: WorkspaceId): Promise<Versioned<Workspace> | null> {
    return this.#one('workspaces', 'id = $1', [id]);
  }

  loadAgent(workspaceId: WorkspaceId, id: AgentId): Promise<Versioned<Agent> | null> {
    return this.#one('agents', 'workspace_id = $1 AND id = $2', [workspaceId, id]);
  }

  loadInvitation(workspaceId: WorkspaceId, id: InvitationId): Promise<Versioned<Invitation> | null> {
    return this.#one('invitations', 'workspace_id = $1 AND id = $2', [workspaceId, id]);
  }

  findInvitationByTokenHash(tokenHash: string): Promise<Versioned<Invitation> | null> {
    return this.#one('invitations', 'token_hash = $1', [tokenHash]);
  }

  async loadDepartments(workspaceId: WorkspaceId, ids: readonly DepartmentId[]): Promise<readonly Versioned<Department>[]> {
    if (ids.length === 0) return [];
    // One query for the whole list, answered in the order asked.
    const rows = await this.#rows<DocumentRow>(
      `SELECT d.data, d.version FROM unnest($2::text[]) WITH ORDINALITY AS wanted(id, n)
       JOIN departments d ON d.id = wanted.id WHERE d.workspace_id = $1 ORDER BY wanted.n`,
      [workspaceId, [...ids]],
    );
    return rows.map((r) => versioned<Department>(r));
  }

  async emailHolder(workspaceId: WorkspaceId, email: Email): Promise<'agent' | 'pending-invitation' | null> {
    const [row] = await this.#rows<{ holder_kind: string }>(
      'SELECT holder_kind FROM email_claims WHERE workspace_id = $1 AND email = $2',
      [workspaceId, email],
    );
    if (!row) return null;
    return row.holder_kind === 'agent' ? 'agent' : 'pending-invitation';
  }

  async departmentNameTaken(workspaceId: WorkspaceId, nameKey: string, exceptId?: DepartmentId): Promise<boolean> {
    const [row] = await this.#rows<{ taken: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM departments WHERE workspace_id = $1 AND name_key = $2 AND id IS DISTINCT FROM $3::text) AS taken`,
      [workspaceId, nameKey, exceptId ?? null],
    );
    return row?.taken === true;
  }

  async departmentMembers(
    workspaceId: WorkspaceId,
    departmentId: DepartmentId,
  ): Promise<Readonly<{ agents: readonly Versioned<Agent>[]; invitations: readonly Versioned<Invitation>[] }>> {
    // Both lists in one round trip; each side is a GIN lookup on the department id.
    const rows = await this.#rows<DocumentRow & { kind: string }>(
      `SELECT kind, data, version FROM (
         SELECT 'agent' AS kind, data, version, joined_at AS since, id FROM agents
          WHERE workspace_id = $1 AND department_ids @> ARRAY[$2::text]
         UNION ALL
         SELECT 'invitation', data, version, sent_at, id FROM invitations
          WHERE workspace_id = $1 AND status = 'pending' AND department_ids @> ARRAY[$2::text]
       ) AS member ORDER BY kind, since, ${BY_ID}`,
      [workspaceId, departmentId],
    );
    return {
      agents: rows.filter((r) => r.kind === 'agent').map((r) => versioned<Agent>(r)),
      invitations: rows.filter((r) => r.kind === 'invitation').map((r) => versioned<Invitation>(r)),
    };
  }

  async loadRoutingStates(workspaceId: WorkspaceId, departmentIds: readonly (DepartmentId | null)[]): Promise<readonly Versioned<RoutingState>[]> {
    if (departmentIds.length === 0) return [];
    const keys = departmentIds.map(queueKeyOf);
    // The document is left out where the row is still the write this store committed: that
    // object is handed back instead (see CommittedQueues).
    const load = (known: string[]) =>
      this.#rows<{ queue_key: string; version: number | string; stamp: string; data: RoutingState | null }>(
        `SELECT r.queue_key, r.version, r.stamp, CASE WHEN r.stamp = ANY($3::text[]) THEN NULL ELSE r.data END AS data
           FROM unnest($2::text[]) WITH ORDINALITY AS wanted(queue_key, n)
           JOIN routing_states r ON r.workspace_id = $1 AND r.queue_key = wanted.queue_key
          ORDER BY wanted.n`,
        [workspaceId, keys, known],
      );
    let rows = await load(this.#queues.stampsOf(workspaceId, keys));
    const found = rows.map((r) => r.data ?? this.#queues.recall(workspaceId, r.queue_key, r.stamp));
    // Another load or commit evicted a remembered queue meanwhile: read the documents after all.
    if (found.some((v) => v === undefined)) rows = await load([]);
    return rows.map((r, n) => ({ value: (r.data ?? found[n])!, version: Number(r.version) }));
  }

  async lapsedInvitations(workspaceId: WorkspaceId, now: Date, limit: number): Promise<readonly Versioned<Invitation>[]> {
    const rows = await this.#rows<DocumentRow>(
      `SELECT data, version FROM invitations
        WHERE workspace_id = $1 AND status = 'pending' AND expires_at <= $2::timestamptz
        ORDER BY expires_at, ${BY_ID} LIMIT $3`,
      [workspaceId, now.toISOString(), limit],
    );
    return rows.map((r) => versioned<Invitation>(r));
  }

  async listAgents(workspaceId: WorkspaceId, filter: AgentFilter = {}): Promise<readonly Agent[]> {
    const values: unknown[] = [workspaceId];
    const where = ['workspace_id = $1'];
    const when = (value: unknown, condition: (param: string) => string) => {
      if (value === undefined) return;
      values.push(value);
      where.push(condition(`$${values.length}`));
    };
    when(filter.status, (p) => `status = ${p}`);
    when(filter.availability, (p) => `availability = ${p}`);
    when(filter.departmentId, (p) => `department_ids @> ARRAY[${p}::text]`);
    const rows = await this.#rows<DocumentRow>(`SELECT data FROM agents WHERE ${where.join(' AND ')} ORDER BY joined_at, ${BY_ID}`, values);
    return rows.map((r) => r.data as Agent);
  }

  async listInvitations(workspaceId: WorkspaceId, filter: InvitationFilter = {}): Promise<readonly Invitation[]> {
    const values: unknown[] = [workspaceId];
    let where = 'workspace_id = $1';
    const { status, now } = filter;
    if (status !== undefined && now !== undefined && (status === 'pending' || status === 'expired')) {
      // A pending invitation past its expiry is expired to whoever asks, before any sweep records it.
      values.push(now.toISOString());
      where +=
        status === 'pending'
          ? ` AND status = 'pending' AND expires_at > $2::timestamptz`
          : ` AND (status = 'expired' OR (status = 'pending' AND expires_at <= $2::timestamptz))`;
    } else if (status !== undefined) {
      values.push(status);
      where += ' AND status = $2';
    }
    const rows = await this.#rows<DocumentRow>(`SELECT data FROM invitations WHERE ${where} ORDER BY sent_at, ${BY_ID}`, values);
    return rows.map((r) => r.data as Invitation);
  }

  async listDepartments(workspaceId: WorkspaceId): Promise<readonly DepartmentSummary[]> {
    // Counts for every department in one pass over the workspace's agents and pending
    // invitations, instead of a count query per department.
    const rows = await this.#rows<{ data: unknown; members: string | number; pending: string | number }>(
      `WITH members AS (
         SELECT department_id, count(DISTINCT id) AS n FROM agents, unnest(department_ids) AS department_id
          WHERE workspace_id = $1 GROUP BY department_id
       ), pending AS (
         SELECT department_id, count(DISTINCT id) AS n FROM invitations, unnest(department_ids) AS department_id
          WHERE workspace_id = $1 AND status = 'pending' GROUP BY department_id
       )
       SELECT d.data, coalesce(members.n, 0) AS members, coalesce(pending.n, 0) AS pending
         FROM departments d
         LEFT JOIN members ON members.department_id = d.id
         LEFT JOIN pending ON pending.department_id = d.id
        WHERE d.workspace_id = $1
        ORDER BY d.name_key COLLATE "C", d.${BY_ID}`,
      [workspaceId],
    );
    return rows.map((r) => ({ department: r.data as Department, members: Number(r.members), pendingInvitations: Number(r.pending) }));
  }

  async events(workspaceId: WorkspaceId): Promise<readonly WorkspaceEvent[]> {
    const rows = await this.#rows<{ type: string; workspace_id: string; occurred_at: string; data: unknown }>(
      `SELECT type, workspace_id, ${iso('occurred_at')} AS occurred_at, data FROM events WHERE workspace_id = $1 ORDER BY position`,
      [workspaceId],
    );
    return rows.map((r) => ({ type: r.type, workspaceId: r.workspace_id, occurredAt: r.occurred_at, data: r.data }) as WorkspaceEvent);
  }

  async commit(commit: Commit): Promise<CommitOutcome> {
    const stamps = new Map(commit.writes.flatMap((a) => (a.kind === 'routing' ? [[a, this.#queues.newStamp()] as const] : [])));
    try {
      const outcome = await inTransaction(this.#pool, (client) => writeCommit(client, commit, stamps));
      if (outcome.committed) for (const [queue, stamp] of stamps) this.#queues.remember(queue as RoutingState, stamp);
      return outcome;
    } catch (error) {
      // Conflicts the database detected (a unique key at COMMIT, a deadlock) are answers;
      // anything else — a dead connection, a broken foreign key — is a failure to report.
      const conflict = conflictOf(error);
      if (conflict) return conflict;
      throw error;
    }
  }

  async claimOutbox(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxMessage[]> {
    const rows = await this.#rows<OutboxRow>(CLAIM_OUTBOX, [now.toISOString(), limit, leaseMs]);
    // RETURNING has no order; hand messages out oldest-due first, as they were picked.
    rows.sort((a, b) => (a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : Number(a.seq) - Number(b.seq)));
    return rows.map(messageOf);
  }

  async markDelivered(id: string, at: Date): Promise<void> {
    await this.#pool.query(
      `UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = $2::timestamptz,
         body_text = '', body_html = NULL, lease_until = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id, at.toISOString()],
    );
  }

  async markFailed(id: string, error: string, retryAt: Date): Promise<void> {
    // The lease ends with the attempt, so the retry time alone decides when it is due again.
    await this.#pool.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3::timestamptz, lease_until = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id, error, retryAt.toISOString()],
    );
  }

  async listOutbox(workspaceId: WorkspaceId, status?: OutboxStatus): Promise<readonly OutboxMessage[]> {
    const rows = await this.#rows<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM outbox AS o WHERE o.workspace_id = $1 AND ($2::text IS NULL OR o.status = $2) ORDER BY o.seq`,
      [workspaceId, status ?? null],
    );
    return rows.map(messageOf);
  }
}
