import type { Agent, Department, Invitation, RoutingState, Workspace } from '../../domain/index';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../../domain/ids';
import type { Email } from '../../domain/values';
import type { OutboxMessage, OutboxStatus } from '../../ports/outbox';
import type {
  AgentFilter,
  AgentKey,
  Commit,
  CommitOutcome,
  DepartmentSummary,
  ExpectedVersion,
  InvitationFilter,
  InvitationKey,
  PageBounds,
  PositionedEvent,
  RosterSession,
  RosterStore,
  Versioned,
  WorkspaceEvent,
} from '../../ports/store';
import { WITHDRAWN, writeCommit } from './commit';
import { CommittedQueues } from './committed-queues';
import { conflictOf } from './errors';
import { BY_ID, PostgresReads } from './reads';
import type { PlaceKey } from '../../ports/order';
import { PostgresSession, WorkspaceTurns } from './session';
import type { SqlPool } from './sql-pool';
import { inTransaction } from './transaction';

/** An instant as the ISO-8601 text the domain uses (`2026-11-23T09:00:00.000Z`), whatever the driver's date parsing. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

type EventRow = { type: string; workspace_id: string; occurred_at: string; data: unknown };
const EVENT_COLUMNS = `type, workspace_id, ${iso('occurred_at')} AS occurred_at, data`;
const eventOf = (r: EventRow) => ({ type: r.type, workspaceId: r.workspace_id, occurredAt: r.occurred_at, data: r.data }) as WorkspaceEvent;

/** A listing of one workspace's rows: its conditions with their parameters, then its order and page. */
class Listing {
  readonly values: unknown[];
  readonly #where = ['workspace_id = $1'];

  constructor(workspaceId: WorkspaceId) {
    this.values = [workspaceId];
  }

  #param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds a condition on `value`, unless it is `undefined`. */
  when(value: unknown, condition: (param: string) => string): void {
    if (value !== undefined) this.#where.push(condition(this.#param(value)));
  }

  /**
   * The listing in (`time`, id) order, ids compared as in JavaScript (`COLLATE "C"`): rows after
   * `after` only, at most `limit`. The condition on `time` alone lets the index on
   * (workspace_id, time, id) start the scan at the page.
   */
  sql(table: string, time: string, after: PlaceKey | undefined, limit: number | undefined): string {
    if (after !== undefined) {
      const t = this.#param(after[0]);
      const id = this.#param(after[1]);
      this.#where.push(`${time} >= ${t}::timestamptz AND (${time} > ${t}::timestamptz OR ${BY_ID} > ${id})`);
    }
    const page = limit === undefined ? '' : ` LIMIT ${this.#param(limit)}`;
    return `SELECT data FROM ${table} WHERE ${this.#where.join(' AND ')} ORDER BY ${time}, ${BY_ID}${page}`;
  }
}

type DocumentRow = { data: unknown; version: number | string };

/** The outbox columns a message is made of, read from the table aliased `o`. */
const OUTBOX_COLUMNS = `o.id, o.workspace_id, o.idempotency_key, o.to_address, o.subject, o.body_text, o.body_html,
  o.status, o.attempts, ${iso('o.created_at')} AS created_at, ${iso('o.next_attempt_at')} AS next_attempt_at,
  ${iso('o.delivered_at')} AS delivered_at, o.last_error, o.seq, o.topic, ${iso('o.expires_at')} AS expires_at`;

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
  topic: string | null;
  expires_at: string | null;
};

/** A message as enqueued: `topic` and `expiresAt` only when it had them (NULL on rows from before migration 0002). */
const messageOf = (r: OutboxRow): OutboxMessage => ({
  ...(r.topic === null ? {} : { topic: r.topic }),
  ...(r.expires_at === null ? {} : { expiresAt: r.expires_at }),
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

/**
 * The roster on PostgreSQL (15 or later; PGlite too). Every aggregate is a row with its version;
 * a commit is one READ COMMITTED transaction that locks the rows it relies on, checks their
 * versions, writes, appends events and enqueues email, so it lands whole or not at all, and the
 * schema's constraints hold the uniqueness and ownership rules even against a bug above.
 *
 * Run {@link migrate} first. The store holds no state of its own: any number of application
 * instances may share one database.
 *
 * By default the store is purely optimistic: a command that lost a race on a workspace's counters
 * reloads and decides again. With `lockWorkspaces: true`, commands that change a workspace's
 * counters (invites, accepts, seats, departments…) run in a session ({@link RosterStore.begin})
 * that locks the workspace's row as it loads it, so commands racing on one workspace wait for each
 * other instead of colliding and retrying; those of one workspace in this process queue in memory
 * first, so only one of them holds a connection. Opt in only when your ports keep off this pool:
 * a session keeps its connection and the row lock from load to commit, across the ports the
 * command calls meanwhile (the account directory, `Identity.createLogin`). If those use this
 * pool, commands on different workspaces can each hold a connection while waiting for another,
 * and a slow port call holds up every other write to that workspace.
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
  readonly #reads: PostgresReads;
  readonly #turns = new WorkspaceTurns();
  /**
   * A session that locks the workspace as a command loads it (see {@link RosterSession}); present
   * only when the store was made with `lockWorkspaces: true`.
   */
  readonly begin?: () => Promise<RosterSession>;

  /**
   * @param pool a `pg.Pool`, or anything with its `query` and `connect` (see {@link SqlPool}).
   * @param options `routingQueuesKept`: how many routing queues this store keeps the committed
   *   object of, to hand it back on the next load (default 1000; 0 turns that off).
   *   `lockWorkspaces`: whether commands that change a workspace's counters lock its row as
   *   they load it (default false; see the class notes before turning it on).
   */
  constructor(pool: SqlPool, options: Readonly<{ routingQueuesKept?: number; lockWorkspaces?: boolean }> = {}) {
    this.#pool = pool;
    this.#queues = new CommittedQueues(options.routingQueuesKept ?? 1_000);
    this.#reads = new PostgresReads((text, values) => pool.query(text, values), this.#queues);
    if (options.lockWorkspaces === true) {
      const deps = { pool, queues: this.#queues, turns: this.#turns, commitAlone: (commit: Commit) => this.commit(commit) };
      this.begin = async () => new PostgresSession(deps);
    }
  }

  async #rows<T>(text: string, values: unknown[]): Promise<T[]> {
    return (await this.#pool.query(text, values)).rows as T[];
  }

  loadWorkspace(id: WorkspaceId): Promise<Versioned<Workspace> | null> {
    return this.#reads.loadWorkspace(id);
  }

  loadAgent(workspaceId: WorkspaceId, id: AgentId): Promise<Versioned<Agent> | null> {
    return this.#reads.loadAgent(workspaceId, id);
  }

  loadInvitation(workspaceId: WorkspaceId, id: InvitationId): Promise<Versioned<Invitation> | null> {
    return this.#reads.loadInvitation(workspaceId, id);
  }

  findInvitationByTokenHash(tokenHash: string): Promise<Versioned<Invitation> | null> {
    return this.#reads.findInvitationByTokenHash(tokenHash);
  }

  loadDepartments(workspaceId: WorkspaceId, ids: readonly DepartmentId[]): Promise<readonly Versioned<Department>[]> {
    return this.#reads.loadDepartments(workspaceId, ids);
  }

  emailHolder(workspaceId: WorkspaceId, email: Email): Promise<'agent' | 'pending-invitation' | null> {
    return this.#reads.emailHolder(workspaceId, email);
  }

  departmentNameTaken(workspaceId: WorkspaceId, nameKey: string, exceptId?: DepartmentId): Promise<boolean> {
    return this.#reads.departmentNameTaken(workspaceId, nameKey, exceptId);
  }

  departmentMembers(
    workspaceId: WorkspaceId,
    departmentId: DepartmentId,
  ): Promise<Readonly<{ agents: readonly Versioned<Agent>[]; invitations: readonly Versioned<Invitation>[] }>> {
    return this.#reads.departmentMembers(workspaceId, departmentId);
  }

  loadRoutingStates(workspaceId: WorkspaceId, departmentIds: readonly (DepartmentId | null)[]): Promise<readonly Versioned<RoutingState>[]> {
    return this.#reads.loadRoutingStates(workspaceId, departmentIds);
  }

  lapsedInvitations(workspaceId: WorkspaceId, now: Date, limit: number): Promise<readonly Versioned<Invitation>[]> {
    return this.#reads.lapsedInvitations(workspaceId, now, limit);
  }

  countLapsedInvitations(workspaceId: WorkspaceId, now: Date): Promise<number> {
    return this.#reads.countLapsedInvitations(workspaceId, now);
  }

  versionsCurrent(expected: readonly ExpectedVersion[]): Promise<boolean> {
    return this.#reads.versionsCurrent(expected);
  }

  async listAgents(workspaceId: WorkspaceId, filter: AgentFilter = {}, page: PageBounds<AgentKey> = {}): Promise<readonly Agent[]> {
    const q = new Listing(workspaceId);
    q.when(filter.status, (p) => `status = ${p}`);
    q.when(filter.availability, (p) => `availability = ${p}`);
    q.when(filter.departmentId, (p) => `department_ids @> ARRAY[${p}::text]`);
    const rows = await this.#rows<DocumentRow>(q.sql('agents', 'joined_at', page.after && [page.after.joinedAt, page.after.id], page.limit), q.values);
    return rows.map((r) => r.data as Agent);
  }

  async listInvitations(workspaceId: WorkspaceId, filter: InvitationFilter = {}, page: PageBounds<InvitationKey> = {}): Promise<readonly Invitation[]> {
    const q = new Listing(workspaceId);
    const { status, now } = filter;
    if (status !== undefined && now !== undefined && (status === 'pending' || status === 'expired')) {
      // A pending invitation past its expiry is expired to whoever asks, before any sweep records it.
      q.when(now.toISOString(), (p) =>
        status === 'pending'
          ? `status = 'pending' AND expires_at > ${p}::timestamptz`
          : `(status = 'expired' OR (status = 'pending' AND expires_at <= ${p}::timestamptz))`,
      );
    } else {
      q.when(status, (p) => `status = ${p}`);
    }
    const rows = await this.#rows<DocumentRow>(q.sql('invitations', 'sent_at', page.after && [page.after.sentAt, page.after.id], page.limit), q.values);
    return rows.map((r) => r.data as Invitation);
  }

  async listDepartments(workspaceId: WorkspaceId, now?: Date): Promise<readonly DepartmentSummary[]> {
    // Counts for every department in one pass over the workspace's agents and pending
    // invitations, instead of a count query per department; given `now`, the pending ones that
    // lapsed by then are left out, as listInvitations lists them as expired.
    const rows = await this.#rows<{ data: unknown; members: string | number; pending: string | number }>(
      `WITH members AS (
         SELECT department_id, count(DISTINCT id) AS n FROM agents, unnest(department_ids) AS department_id
          WHERE workspace_id = $1 GROUP BY department_id
       ), pending AS (
         SELECT department_id, count(DISTINCT id) AS n FROM invitations, unnest(department_ids) AS department_id
          WHERE workspace_id = $1 AND status = 'pending' AND ($2::timestamptz IS NULL OR expires_at > $2::timestamptz)
          GROUP BY department_id
       )
       SELECT d.data, coalesce(members.n, 0) AS members, coalesce(pending.n, 0) AS pending
         FROM departments d
         LEFT JOIN members ON members.department_id = d.id
         LEFT JOIN pending ON pending.department_id = d.id
        WHERE d.workspace_id = $1
        ORDER BY d.name_key COLLATE "C", d.${BY_ID}`,
      [workspaceId, now?.toISOString() ?? null],
    );
    return rows.map((r) => ({ department: r.data as Department, members: Number(r.members), pendingInvitations: Number(r.pending) }));
  }

  async events(workspaceId: WorkspaceId): Promise<readonly WorkspaceEvent[]> {
    const rows = await this.#rows<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE workspace_id = $1 ORDER BY position`, [workspaceId]);
    return rows.map(eventOf);
  }

  /**
   * Positions are the log's own (`bigserial`, shared by every workspace): within one workspace
   * they grow in commit order, since every commit of a workspace appends while holding its row.
   */
  async eventsAfter(workspaceId: WorkspaceId, after: string, limit: number): Promise<readonly PositionedEvent[]> {
    const rows = await this.#rows<EventRow & { position: string }>(
      `SELECT position::text AS position, ${EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND position > $2::bigint ORDER BY position LIMIT $3`,
      [workspaceId, after, limit],
    );
    return rows.map((r) => ({ position: r.position, event: eventOf(r) }));
  }

  async commit(commit: Commit): Promise<CommitOutcome> {
    const queues = this.#queues.prepare(commit);
    try {
      const outcome = await inTransaction(this.#pool, (client) => writeCommit(client, commit, queues));
      if (outcome.committed) this.#queues.rememberWrites(queues);
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

  async markWithdrawn(id: string): Promise<void> {
    await this.#pool.query(
      `UPDATE outbox SET ${WITHDRAWN} WHERE id = $1 AND status = 'pending'`,
      [id],
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
