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
  OutboxKey,
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
import { PostgresSession } from './session';
import { WorkspaceTurns } from '../workspace-turns';
import type { SqlPool } from './sql-pool';
import { inTransaction } from './transaction';

/** An instant as the ISO-8601 text the domain uses (`2026-11-23T09:00:00.000Z`), whatever the driver's date parsing. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

type EventRow = { type: string; workspace_id: string; occurred_at: string; data: unknown };
const EVENT_COLUMNS = `type, workspace_id, ${iso('occurred_at')} AS occurred_at, data`;
const eventOf = (r: EventRow) => ({ type: r.type, workspaceId: r.workspace_id, occurredAt: r.occurred_at, data: r.data }) as WorkspaceEvent;

/**
 * Where a listing reads: the rows its ranges walk (`from`), their workspace column, and the two
 * columns of its order. With `rows`, `from` holds keys only and the page's documents are read
 * from `rows` by id, once the page is known.
 */
type ListingSource = Readonly<{ from: string; workspace: string; time: string; id: string; rows?: string }>;

/**
 * A listing of one workspace's rows: its conditions with their parameters, then its order and
 * page. Every filter a page takes has an index ordered like the page (migration 0006), so a page
 * reads the rows it returns, not the rows its filter refuses (ADR 0027).
 */
class Listing {
  readonly values: unknown[];
  readonly #source: ListingSource;
  readonly #where: string[];
  #either: readonly string[] = [];

  constructor(workspaceId: WorkspaceId, source: ListingSource) {
    this.values = [workspaceId];
    this.#source = source;
    this.#where = [`${source.workspace} = $1`];
  }

  /** A parameter holding `value`, to write into a condition. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds a condition. */
  where(condition: string): void {
    this.#where.push(condition);
  }

  /** Adds a condition on `value`, unless it is `undefined`. */
  when(value: unknown, condition: (param: string) => string): void {
    if (value !== undefined) this.where(condition(this.param(value)));
  }

  /**
   * Keeps the rows that meet one of `alternatives`, each a range of one index: a page reads each
   * range in order, at most a page of each, and keeps the first of them, rather than walk an
   * index on which the rows of each are spread among others. Without a page, they are or-ed.
   */
  either(alternatives: readonly string[]): void {
    this.#either = alternatives;
  }

  /**
   * The listing in (`time`, id) order, ids compared as in JavaScript (`COLLATE "C"`): rows after
   * `after` only ({@link afterCursor}), at most `limit`.
   */
  sql(after: PlaceKey | undefined, limit: number | undefined): string {
    const { from, time, id, rows } = this.#source;
    const where = [...this.#where];
    if (after !== undefined) where.push(afterCursor(time, id, this.param(after[0]), this.param(after[1])));
    const page = limit === undefined ? '' : ` LIMIT ${this.param(limit)}`;
    const alternatives = this.#either;
    const single = alternatives.length <= 1 || page === '';
    // One range hands its documents out as it reads them; ranges merged, or keys, say where each row goes.
    const columns = single && rows === undefined ? 'data' : `${rows === undefined ? 'data, ' : ''}${time} AS t, ${id} AS i`;
    const range = (conditions: readonly string[]) =>
      `SELECT ${columns} FROM ${from} WHERE ${conditions.join(' AND ')} ORDER BY ${time}, ${id} COLLATE "C"${page}`;
    const merged = single
      ? range(alternatives.length === 0 ? where : [...where, `(${alternatives.join(' OR ')})`])
      : `SELECT * FROM (${alternatives.map((alternative) => `(${range([...where, alternative])})`).join(' UNION ALL ')}) AS ranges ORDER BY t, i COLLATE "C"${page}`;
    // Each row of the page looked up by its id, in the page's order: the plan starts from the
    // keys whatever their share of the workspace. A join let the planner hash every agent of the
    // table to find one department's (and then sort the documents): at 20,000 agents, a
    // department of 2,000 read 22,000 rows.
    if (rows !== undefined) return `SELECT (SELECT r.data FROM ${rows} AS r WHERE r.id = page.i) AS data FROM (${merged}) AS page ORDER BY page.t, page.i COLLATE "C"`;
    return single ? merged : `SELECT data FROM (${merged}) AS page ORDER BY t, i COLLATE "C"`;
  }
}

/**
 * The rows after a page's cursor `(t, i)` in (`time`, `id` COLLATE "C") order, as a row comparison,
 * `(time, id COLLATE "C") >= (t, i)`, which an index ending in (time, id COLLATE "C") takes as
 * where its range starts, so a page from the middle of a tie (rows sharing one time) reads its own
 * rows, where `time >= t` and a test of the id on each row read every earlier row of the tie (ADR
 * 0027). The cursor's own row, if still there, is read and left out. `>=` rather than `>`: the
 * planner estimates a row comparison by its first column alone, and `time > t` inside a tie looks
 * empty, so it walked the unfiltered index past the rows a status filter refused (87 rows for an
 * agents' page of 20, 77 for a page of delivered emails).
 */
const afterCursor = (time: string, id: string, t: string, i: string) =>
  `(${time}, ${id} COLLATE "C") >= (${t}::timestamptz, ${i}::text) AND NOT (${time} = ${t}::timestamptz AND ${id} = ${i}::text)`;

const AGENTS: ListingSource = { from: 'agents', workspace: 'workspace_id', time: 'joined_at', id: 'id' };
/** A department's agents: agent_departments, kept by triggers, holds them in the page's order per presence. */
const DEPARTMENT_AGENTS: ListingSource = { from: 'agent_departments', workspace: 'workspace_id', time: 'joined_at', id: 'agent_id', rows: 'agents' };
const INVITATIONS: ListingSource = { from: 'invitations', workspace: 'workspace_id', time: 'sent_at', id: 'id' };

/** The (status, availability) pairs an agent can be in: an inactive agent is away (agents_inactive_is_away). */
const PRESENCES = [
  ['active', 'online'],
  ['active', 'away'],
  ['inactive', 'away'],
] as const;

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
/** Leases the due messages `pick` chooses ($1 now, $3 the lease in ms): unleased pending ones, locked rows skipped. */
const claimDue = (pick: string) => `WITH due AS (
  SELECT id FROM outbox
  WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
    AND (lease_until IS NULL OR lease_until <= $1::timestamptz)
  ${pick}
  FOR UPDATE SKIP LOCKED
)
UPDATE outbox AS o SET lease_until = $1::timestamptz + $3::double precision * interval '1 millisecond'
FROM due WHERE o.id = due.id
RETURNING ${OUTBOX_COLUMNS}`;
/** The earliest due, $2 of them. */
const CLAIM_OUTBOX = claimDue('ORDER BY next_attempt_at, seq LIMIT $2');
/** Those of the ids $2 that are due (through the primary key). */
const CLAIM_OUTBOX_MESSAGES = claimDue('AND id = ANY($2::text[])');

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
 * first, so only one of them holds a connection (unless a `lockLeaseMs` runs out: see the
 * constructor). Opt in only when your ports keep off this pool:
 * a session keeps its connection and the row lock from load to commit, across the ports the
 * command calls meanwhile (the account directory, `Identity.createLogin`). If those use this
 * pool, commands on different workspaces can each hold a connection while waiting for another,
 * and a slow port call holds up every other write to that workspace: in this process for as long
 * as it lasts, or for `lockLeaseMs` if you set one, and then for as long as the database lets a
 * lock wait last (the pool's `lock_timeout`).
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
  readonly #turns: WorkspaceTurns;
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
   *   `lockLeaseMs`: with `lockWorkspaces`, how long a command of this process may keep its
   *   workspace's turn (counted from the turn, a wait for a connection included) before the next
   *   one goes ahead to wait on the row lock, holding a connection: each lease that runs out
   *   behind a hung command costs one more (0 to 2,147,483,647; default: no lease). Set it only
   *   together with the pool's `lock_timeout`, and with ports that keep off this pool.
   * @throws TypeError when `lockLeaseMs` is out of range.
   */
  constructor(
    pool: SqlPool,
    options: Readonly<{ routingQueuesKept?: number | undefined; lockWorkspaces?: boolean | undefined; lockLeaseMs?: number | undefined }> = {},
  ) {
    // No lease unless asked for: past one, each waiting command would take a connection to wait
    // on the row lock instead of waiting here holding none, and without the pool's lock_timeout
    // a hung port call would then drain the pool for every workspace, not only its own.
    this.#turns = new WorkspaceTurns('PostgresRosterStore', options.lockLeaseMs ?? null);
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
    const { status, availability, departmentId } = filter;
    const q = new Listing(workspaceId, departmentId === undefined ? AGENTS : DEPARTMENT_AGENTS);
    q.when(departmentId, (p) => `department_id = ${p}`);
    // A presence filter is read as the pairs it allows, each a range of agents_by_presence_joining
    // (of agent_departments_by_joining within a department, where no filter is all three pairs).
    const pairs = PRESENCES.filter(([s, a]) => (status ?? s) === s && (availability ?? a) === a);
    const filtered = status !== undefined || availability !== undefined;
    if ((filtered || (departmentId !== undefined && page.limit !== undefined)) && pairs.length > 0) {
      q.either(pairs.map(([s, a]) => `status = '${s}' AND availability = '${a}'`));
    } else {
      // No presence filter (nor a department's page), or one no agent meets: inactive and online.
      q.when(status, (p) => `status = ${p}`);
      q.when(availability, (p) => `availability = ${p}`);
    }
    const rows = await this.#rows<DocumentRow>(q.sql(page.after && [page.after.joinedAt, page.after.id], page.limit), q.values);
    return rows.map((r) => r.data as Agent);
  }

  async listInvitations(workspaceId: WorkspaceId, filter: InvitationFilter = {}, page: PageBounds<InvitationKey> = {}): Promise<readonly Invitation[]> {
    const q = new Listing(workspaceId, INVITATIONS);
    const { status, now } = filter;
    if (status !== undefined && now !== undefined && (status === 'pending' || status === 'expired')) {
      // A pending invitation past its expiry is expired to whoever asks, before any sweep records it.
      const at = q.param(now.toISOString());
      if (status === 'pending') q.where(`status = 'pending' AND expires_at > ${at}::timestamptz`);
      else q.either([`status = 'expired'`, `status = 'pending' AND expires_at <= ${at}::timestamptz`]);
    } else {
      q.when(status, (p) => `status = ${p}`);
    }
    const rows = await this.#rows<DocumentRow>(q.sql(page.after && [page.after.sentAt, page.after.id], page.limit), q.values);
    return rows.map((r) => r.data as Invitation);
  }

  async listDepartments(workspaceId: WorkspaceId, now?: Date): Promise<readonly DepartmentSummary[]> {
    // Members are counted per department from agent_departments (one row per agent and
    // department, its index led by workspace and department: an index-only count of the
    // department's members), not by unnesting every agent of the workspace, which read and sorted
    // the whole team (22 ms at 20,000 agents against 3.6 ms). Pending invitations, few, through
    // the partial GIN index; given `now`, the pending ones that lapsed by then are left out, as
    // listInvitations lists them as expired.
    const rows = await this.#rows<{ data: unknown; members: string | number; pending: string | number }>(
      `SELECT d.data,
              (SELECT count(*) FROM agent_departments m WHERE m.workspace_id = d.workspace_id AND m.department_id = d.id) AS members,
              (SELECT count(*) FROM invitations i
                WHERE i.workspace_id = d.workspace_id AND i.status = 'pending' AND i.department_ids @> ARRAY[d.id]
                  AND ($2::timestamptz IS NULL OR i.expires_at > $2::timestamptz)) AS pending
         FROM departments d
        WHERE d.workspace_id = $1
        ORDER BY d.name_key COLLATE "C", d.${BY_ID}`,
      [workspaceId, now?.toISOString() ?? null],
    );
    return rows.map((r) => ({ department: r.data as Department, members: Number(r.members), pendingInvitations: Number(r.pending) }));
  }

  async loadAllDepartments(workspaceId: WorkspaceId): Promise<readonly Department[]> {
    // listDepartments' order, without its counts (which read every membership of the workspace).
    const rows = await this.#rows<DocumentRow>(`SELECT data FROM departments WHERE workspace_id = $1 ORDER BY name_key COLLATE "C", ${BY_ID}`, [workspaceId]);
    return rows.map((r) => r.data as Department);
  }

  async events(workspaceId: WorkspaceId): Promise<readonly WorkspaceEvent[]> {
    const rows = await this.#rows<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE workspace_id = $1 ORDER BY position`, [workspaceId]);
    return rows.map(eventOf);
  }

  /**
   * Positions are the log's own (`bigserial`, shared by every workspace): within one workspace
   * they grow in commit order, since every commit of a workspace appends while holding its row.
   * The order names the column (`events.position`): a bare `position` would be the output column,
   * the position as text, and `'10' < '9'` skipped events wherever a page crossed a power of ten.
   */
  async eventsAfter(workspaceId: WorkspaceId, after: string, limit: number): Promise<readonly PositionedEvent[]> {
    const rows = await this.#rows<EventRow & { position: string }>(
      `SELECT position::text AS position, ${EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND position > $2::bigint ORDER BY events.position LIMIT $3`,
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

  async claimOutboxMessages(ids: readonly string[], now: Date, leaseMs: number): Promise<readonly OutboxMessage[]> {
    if (ids.length === 0) return [];
    const rows = await this.#rows<OutboxRow>(CLAIM_OUTBOX_MESSAGES, [now.toISOString(), [...ids], leaseMs]);
    // RETURNING has no order; hand them out in the order named.
    const at = new Map<string, number>();
    ids.forEach((id, n) => at.has(id) || at.set(id, n));
    return rows.map(messageOf).sort((a, b) => at.get(a.id)! - at.get(b.id)!);
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
    // `text` refuses NUL; the roster replaces it already, a host calling the store may not.
    await this.#pool.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3::timestamptz, lease_until = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id, error.replace(/\0/g, '\uFFFD'), retryAt.toISOString()],
    );
  }

  /**
   * Without `page`, in enqueue order (`seq`). A page is one range scan of `outbox_by_creation`
   * (or, given a status, `outbox_by_status_and_creation`; migration 0004) from its cursor, the
   * index already in (created_at, id COLLATE "C") order: no sort, and no row outside the page read.
   * `created_at` holds what the commit wrote, a `createdAt` in whole milliseconds, as a cursor
   * spells it (a row inserted by hand with a finer time would stand just after its own cursor).
   */
  async listOutbox(workspaceId: WorkspaceId, status?: OutboxStatus, page?: PageBounds<OutboxKey>): Promise<readonly OutboxMessage[]> {
    if (!page) {
      const rows = await this.#rows<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox AS o WHERE o.workspace_id = $1 AND ($2::text IS NULL OR o.status = $2) ORDER BY o.seq`,
        [workspaceId, status ?? null],
      );
      return rows.map(messageOf);
    }
    const values: unknown[] = [workspaceId];
    const param = (value: unknown) => `$${values.push(value)}`;
    const where = ['o.workspace_id = $1'];
    // Conditions spelled out rather than `$n IS NULL OR …`, so each plan is the one its index serves.
    if (status !== undefined) where.push(`o.status = ${param(status)}`);
    if (page.after) where.push(afterCursor('o.created_at', 'o.id', param(page.after.createdAt), param(page.after.id)));
    const limit = page.limit === undefined ? '' : ` LIMIT ${param(page.limit)}`;
    const rows = await this.#rows<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM outbox AS o WHERE ${where.join(' AND ')} ORDER BY o.created_at, o.id COLLATE "C"${limit}`,
      values,
    );
    return rows.map(messageOf);
  }
}
