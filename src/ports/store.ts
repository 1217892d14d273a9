import type { Agent, Department, Invitation, RosterEvent, RoutingEvent, RoutingState, Workspace } from '../domain/index';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../domain/ids';
import type { Email } from '../domain/values';
import type { IsoTime } from '../domain/time';
import type { OutboxMessage, OutboxStatus } from './outbox';

/** Any aggregate a store keeps: the roster's four, and one routing queue per department plus one per workspace. */
export type Aggregate = Workspace | Agent | Invitation | Department | RoutingState;

/** Every event a workspace's log holds: roster events and routing events. */
export type WorkspaceEvent = RosterEvent | RoutingEvent;
/** The `kind` of an {@link Aggregate}. */
export type AggregateKind = Aggregate['kind'];

/** An aggregate with the version the store holds it at; versions start at 1 and grow by 1 per write. */
export type Versioned<T> = Readonly<{ value: T; version: number }>;

/** An aggregate a commit deletes. */
export type Removal = Readonly<{ kind: 'agent' | 'department' | 'routing'; id: string; removed: true }>;

/** The version a commit expects an aggregate to be at; `0` means "must not exist yet". */
export type ExpectedVersion = Readonly<{ kind: AggregateKind; id: string; version: number }>;

/**
 * Everything one command changed, written in one atomic step or not at all.
 * - every `expected` version must still hold (aggregates read but not written included), in
 *   every commit: one that writes nothing at all (no write, removal, event, message or
 *   withdrawal, only `expected`) is a version check, which the roster sends after refusing a
 *   command to learn whether a read behind the refusal moved. Answering it `committed` without
 *   checking (there is nothing to write) makes every such refusal final;
 * - every aggregate in `writes` is stored with its version + 1 (new ones at 1);
 * - `removals` are deleted; `events` are appended to the workspace's log; `outbox` is enqueued;
 * - every `pending` message of the workspace whose `topic` is in `withdraw` becomes `withdrawn`
 *   (its body dropped, its lease ended), whether leased or not; only messages of earlier commits:
 *   this commit's `outbox` is enqueued after, so a commit may replace a topic's message.
 * The store also enforces the uniqueness rules (one agent per email, one pending invitation per
 * email and none for an agent's email, one department per name key, unique token hashes) so that
 * even a bug above it cannot break them. Emails and name keys are unique per workspace (another
 * workspace may hold the same ones); token hashes across all workspaces. The rules hold on
 * updates as on inserts: an update that moves an agent's email or a department's name key onto
 * one another aggregate holds is refused (`unique-violation`) as the insert would be, while
 * keys that the commit itself frees (a swap, a rename and a removal) are free for its writes.
 */
export type Commit = Readonly<{
  workspaceId: WorkspaceId;
  expected: readonly ExpectedVersion[];
  writes: readonly Aggregate[];
  removals: readonly Removal[];
  events: readonly WorkspaceEvent[];
  outbox: readonly OutboxMessage[];
  /**
   * Topics (the `topic` of an {@link OutboxMessage}) whose pending messages this commit
   * withdraws: what they carry is no longer true (an invitation revoked, resent, accepted or
   * expired; ADR 0025). Absent or empty: none. A store that ignores it still works, but sends
   * emails whose link is dead.
   */
  withdraw?: readonly string[];
}>;

/** How a commit ended. A conflict writes nothing; the caller reloads and decides again. */
export type CommitOutcome =
  | Readonly<{ committed: true }>
  | Readonly<{ committed: false; reason: 'stale-version' | 'unique-violation'; detail: string }>;

/**
 * How {@link RosterSession.lockWorkspace} ended: the workspace (or `null`, none) with its row
 * held, or a lost race (a deadlock, a lock wait cut short by the host's `lock_timeout`) after
 * which the roster decides again, as after a conflicting commit.
 */
export type LockOutcome =
  | Readonly<{ locked: true; workspace: Versioned<Workspace> | null }>
  | Readonly<{ locked: false; reason: 'stale-version'; detail: string }>;

/** The reads a use case decides on, which a {@link RosterSession} runs inside its transaction. */
export type DecisionReads = Pick<
  RosterStore,
  | 'loadWorkspace'
  | 'loadAgent'
  | 'loadInvitation'
  | 'findInvitationByTokenHash'
  | 'loadDepartments'
  | 'emailHolder'
  | 'departmentNameTaken'
  | 'departmentMembers'
  | 'loadRoutingStates'
  | 'lapsedInvitations'
  | 'versionsCurrent'
>;


/**
 * One attempt of a use case inside one transaction of a store that can lock (see
 * {@link RosterStore.begin}). Its reads see what is committed when each runs, like the store's;
 * `lockWorkspace` also holds the workspace's row until the session ends, so another session
 * locking it waits instead of deciding on a version about to change; `commit` writes (with the
 * same checks as {@link RosterStore.commit}) and ends the session; `end` ends it, writing nothing
 * unless it committed. The roster calls `end` after every attempt, committed or not.
 *
 * The version checks of `commit` still decide: a lock only turns a likely conflict into a wait.
 * Nothing may rely on the lock for correctness. The in-memory store hands a workspace on once a
 * session has held it for its `lockLeaseMs` (a port call that hangs), and the late session's
 * commit is then checked like any other; a store of your own may do the same.
 */
export interface RosterSession extends DecisionReads {
  /**
   * Loads the workspace and holds its row until the session ends. Every commit of a workspace
   * takes that row first, so while it is held nothing in the workspace changes.
   *
   * @example const outcome = await session.lockWorkspace(workspaceId); // { locked: true, workspace: { value, version } }
   */
  lockWorkspace(id: WorkspaceId): Promise<LockOutcome>;
  /**
   * Optional, as on the store ({@link RosterStore.versionsCurrent}): whether every aggregate named
   * is still at its version, read inside the session's transaction.
   *
   * @example await session.versionsCurrent?.([{ kind: 'invitation', id: invitationId, version: 2 }])
   */
  versionsCurrent?(expected: readonly ExpectedVersion[]): Promise<boolean>;
  /**
   * Writes one command's decision atomically and ends the session (see {@link RosterStore.commit}).
   *
   * @example const outcome = await session.commit(commit); // { committed: true }
   */
  commit(commit: Commit): Promise<CommitOutcome>;
  /**
   * Ends the session: rolls back unless it committed, and lets go of what it held. Safe to call
   * more than once, and after `commit`.
   *
   * @example try { … } finally { await session.end(); }
   */
  end(): Promise<void>;
}

/**
 * Where a page of a listing starts, for listings too long to read at once: only rows listed
 * strictly after `after`, in the listing's order, and at most `limit` of them (the first ones).
 * `limit` counts the rows left after every filter of the listing: a page has `limit` rows unless
 * the listing ends within it, and the roster takes a shorter page as that end. A store that
 * applies a filter to the rows its LIMIT kept hands back short pages, and the listing stops early.
 * A store that ignores both is still correct, since the roster trims what it gets, but it then
 * reads the whole listing for every page.
 */
export type PageBounds<Key> = Readonly<{ after?: Key | undefined; limit?: number | undefined }>;

/** The place of an agent in {@link RosterStore.listAgents}' order: by `joinedAt`, then by `id`. */
export type AgentKey = Readonly<{ joinedAt: IsoTime; id: AgentId }>;

/** The place of an invitation in {@link RosterStore.listInvitations}' order: by `sentAt`, then by `id`. */
export type InvitationKey = Readonly<{ sentAt: IsoTime; id: InvitationId }>;

/**
 * The place of an outbox message in {@link RosterStore.listOutbox}'s page order: by `createdAt`,
 * then by `id` (as for agents). Neither changes while the message is stored, so a message keeps
 * its place whatever happens to its delivery.
 */
export type OutboxKey = Readonly<{ createdAt: string; id: string }>;

/** Filters of {@link RosterStore.listAgents}. */
export type AgentFilter = Readonly<{
  status?: Agent['status'];
  availability?: Agent['availability'];
  departmentId?: DepartmentId;
}>;

/** Filters of {@link RosterStore.listInvitations}; `expired` includes pending ones past expiry at `now`. */
export type InvitationFilter = Readonly<{ status?: Invitation['status']; now?: Date }>;

/**
 * An event of a workspace's log with its position: a whole number 1 or more, written in decimal
 * without leading zeros (a string, so that a 64-bit sequence is carried exactly). Positions grow
 * in commit order within a workspace (they need not be consecutive, nor start at 1), so "the
 * events after position p" is a cursor a reader can hold on to while the log grows.
 */
export type PositionedEvent = Readonly<{ position: string; event: WorkspaceEvent }>;

/**
 * A department with how many agents and pending invitations name it. Listed with a `now`
 * ({@link RosterStore.listDepartments}), `pendingInvitations` leaves out those lapsed at `now`.
 */
export type DepartmentSummary = Readonly<{ department: Department; members: number; pendingInvitations: number }>;

/**
 * Where rosters live. Reads answer the facts commands need; `commit` writes a decision
 * atomically with optimistic concurrency; the outbox methods let many dispatchers share work.
 * Every method may reject on an infrastructure failure; the roster turns that into `StoreUnavailable`.
 * The contract tests in `agent-roster/testing` check an implementation.
 */
export interface RosterStore {
  /**
   * The workspace with this id and its version, or `null` when there is none.
   *
   * @example const ws = await store.loadWorkspace(workspaceId); if (ws === null) console.warn('no such workspace');
   */
  loadWorkspace(id: WorkspaceId): Promise<Versioned<Workspace> | null>;
  /**
   * The agent with this id in the workspace and its version, or `null`; an agent of another
   * workspace is `null` too, so ids never leak across tenants.
   *
   * @example const agent = await store.loadAgent(workspaceId, agentId);
   */
  loadAgent(workspaceId: WorkspaceId, id: AgentId): Promise<Versioned<Agent> | null>;
  /**
   * The invitation with this id in the workspace and its version, or `null` (also for another
   * workspace's invitation).
   *
   * @example const invitation = await store.loadInvitation(workspaceId, invitationId);
   */
  loadInvitation(workspaceId: WorkspaceId, id: InvitationId): Promise<Versioned<Invitation> | null>;
  /** The invitation holding this token hash now, in any workspace (a resent invitation no longer answers to its old hash). */
  findInvitationByTokenHash(tokenHash: string): Promise<Versioned<Invitation> | null>;
  /** The departments among `ids` that exist in the workspace. */
  loadDepartments(workspaceId: WorkspaceId, ids: readonly DepartmentId[]): Promise<readonly Versioned<Department>[]>;
  /** Who in the workspace holds an email: an agent, a pending invitation, or nobody. */
  emailHolder(workspaceId: WorkspaceId, email: Email): Promise<'agent' | 'pending-invitation' | null>;
  /** Whether a department other than `exceptId` uses this name key. */
  departmentNameTaken(workspaceId: WorkspaceId, nameKey: string, exceptId?: DepartmentId): Promise<boolean>;
  /**
   * The agents and pending invitations that name a department: the agents by `joinedAt`, then id,
   * as {@link listAgents} lists them; the invitations by `sentAt`, then id, as
   * {@link listInvitations} does. Commands record them in this order (`DepartmentDeleted`'s
   * `agentIds` and `invitationIds`), so the same commands give the same events on every store.
   */
  departmentMembers(
    workspaceId: WorkspaceId,
    departmentId: DepartmentId,
  ): Promise<Readonly<{ agents: readonly Versioned<Agent>[]; invitations: readonly Versioned<Invitation>[] }>>;
  /**
   * The routing queues among `departmentIds` (`null` = the workspace-wide queue) that exist in
   * the workspace. A queue is the aggregate of kind `routing` whose id is
   * `routingStateId(workspaceId, departmentId)`. Return the very object committed last where you
   * can: routing keeps an index per state object, so handing back the same object spares
   * rebuilding it.
   */
  loadRoutingStates(workspaceId: WorkspaceId, departmentIds: readonly (DepartmentId | null)[]): Promise<readonly Versioned<RoutingState>[]>;
  /**
   * Pending invitations whose expiry is at or before `now`, earliest expiry first, at most `limit`. The
   * roster asks for all of them (`limit` = the workspace's `counts.pendingInvitations`, which
   * bounds them) and expires them in the commit of the use case (ADR 0004); only
   * `expireLapsedInvitations(workspaceId, limit)` asks for fewer.
   *
   * @example const lapsed = await store.lapsedInvitations(workspaceId, new Date(), workspace.counts.pendingInvitations);
   */
  lapsedInvitations(workspaceId: WorkspaceId, now: Date, limit: number): Promise<readonly Versioned<Invitation>[]>;
  /**
   * How many pending invitations of the workspace have lapsed at `now` (expiry at or before it):
   * as many as {@link lapsedInvitations} lists without a limit, counted where they are stored.
   * Reads use it to count out what the next sweep expires, without loading the invitations.
   * Optional: a store without it (one written for 0.1.0) is asked for {@link lapsedInvitations}
   * and the roster counts what comes back.
   *
   * @example const lapsed = await store.countLapsedInvitations?.(workspaceId, new Date()); // 0 when none
   */
  countLapsedInvitations?(workspaceId: WorkspaceId, now: Date): Promise<number>;
  /**
   * Optional: whether every aggregate named is still at the version given (`0`: still absent),
   * all at one instant. The roster asks it after refusing a command, to decide again if a read
   * behind the refusal moved; without it, it commits an empty change expecting those versions,
   * which costs a write transaction.
   *
   * @example await store.versionsCurrent?.([{ kind: 'invitation', id: invitationId, version: 2 }]) // false once it moved on
   */
  versionsCurrent?(expected: readonly ExpectedVersion[]): Promise<boolean>;

  /**
   * The workspace's agents, narrowed by `filter`, by `joinedAt` then `id` (ids compared byte by
   * byte, `COLLATE "C"`: they are ASCII, so `<` in JavaScript); for screens and reports, not for decisions (it carries no
   * versions). Given `page`, only that page of them ({@link PageBounds}).
   *
   * @example const online = await store.listAgents(workspaceId, { status: 'active', availability: 'online' }, { limit: 50 });
   */
  listAgents(workspaceId: WorkspaceId, filter?: AgentFilter, page?: PageBounds<AgentKey>): Promise<readonly Agent[]>;
  /**
   * The workspace's invitations, narrowed by `filter`, by `sentAt` then `id` (as for agents);
   * pass `now` so that the `expired` filter also takes pending invitations whose expiry has
   * passed (and `pending` leaves them out). They come back as stored: a lapsed one still says
   * `pending`. Given `page`, only that page of them ({@link PageBounds}).
   *
   * @example const pending = await store.listInvitations(workspaceId, { status: 'pending' });
   */
  listInvitations(workspaceId: WorkspaceId, filter?: InvitationFilter, page?: PageBounds<InvitationKey>): Promise<readonly Invitation[]>;
  /**
   * Every department of the workspace, by `nameKey` compared code point by code point (the
   * order of UTF-8 bytes, `COLLATE "C"` on a UTF-8 database; not JavaScript's `<`, which compares
   * UTF-16 code units), then id, with how many agents and pending
   * invitations name it, so a screen can show sizes without loading members. Given `now`, a pending invitation
   * lapsed at `now` (expiry at or before it) is not counted, as {@link listInvitations} lists it
   * as `expired`; without it, every invitation stored as pending is.
   *
   * @example const departments = await store.listDepartments(workspaceId, new Date());
   */
  listDepartments(workspaceId: WorkspaceId, now?: Date): Promise<readonly DepartmentSummary[]>;
  /**
   * Optional: every department of the workspace in {@link listDepartments}' order, without
   * counting anyone: the whole availability board needs the departments alone, and counting
   * members reads every membership of the workspace. A store without it (one written before it)
   * is asked for {@link listDepartments}, and the roster drops the counts.
   *
   * @example const departments = await store.loadAllDepartments?.(workspaceId); // [] when none
   */
  loadAllDepartments?(workspaceId: WorkspaceId): Promise<readonly Department[]>;
  /** The workspace's events in commit order. */
  events(workspaceId: WorkspaceId): Promise<readonly WorkspaceEvent[]>;
  /**
   * Optional: up to `limit` of the workspace's events with a position greater than `after`
   * (`'0'`: from the start; at most 9223372036854775807), in commit order, each with its
   * position ({@link PositionedEvent}). A log can grow without bound, so a store should answer
   * this from an index; without it the roster reads the whole log through {@link events} and
   * numbers the events 1, 2, 3…. Positions from a sequence shared by every workspace are fine if
   * commits of one workspace append one after another (PostgreSQL's store locks the workspace's
   * row first): a position taken before a commit that lands after a later one would be skipped.
   *
   * @example const next = await store.eventsAfter?.(workspaceId, lastPosition, 100);
   */
  eventsAfter?(workspaceId: WorkspaceId, after: string, limit: number): Promise<readonly PositionedEvent[]>;

  /**
   * Writes one command's decision atomically, or nothing: a stale `expected` version or a broken
   * uniqueness rule answers `{ committed: false }` and leaves the store unchanged (see {@link Commit}).
   * A commit with nothing to write is still checked: it is how the roster asks whether its reads
   * moved, when the store has no {@link versionsCurrent}.
   *
   * @example
   * const outcome = await store.commit(commit);
   * if (!outcome.committed) console.warn(outcome.reason, outcome.detail); // reload and decide again
   */
  commit(commit: Commit): Promise<CommitOutcome>;
  /**
   * Optional: a {@link RosterSession}, for stores that can lock a row from a read until the
   * commit (a SQL transaction). The roster runs the attempts of commands that change a
   * workspace's counters (seats, departments) in one, locking the workspace as it loads it, so
   * commands racing on one workspace wait for each other instead of colliding and retrying.
   * Stores without it (PostgreSQL's by default, the in-memory one with `lockWorkspaces: false`)
   * stay purely optimistic, which is just as correct, only retried more under contention.
   * Opening one should be cheap: take a connection when the session first needs one.
   *
   * @example const session = await store.begin?.(); try { await session?.lockWorkspace(workspaceId); } finally { await session?.end(); }
   */
  begin?(): Promise<RosterSession>;

  /**
   * Leases up to `limit` messages due at `now` (pending, `nextAttemptAt` at or before it, not
   * leased; never a delivered or withdrawn one), earliest due first, for `leaseMs`; a message
   * leased to one dispatcher is not handed to another until the lease runs out (at `now +
   * leaseMs` it is due again, as a message is at its `nextAttemptAt`), so a crashed dispatcher
   * loses nothing. The lease is the store's to keep: `OutboxMessage` has no field for
   * it. Messages come back as enqueued, `topic` and `expiresAt` included when they were given.
   *
   * `limit` counts the messages handed out: leased ones are left out before it applies, so with
   * the earliest due message leased, `claimOutbox(now, 1, …)` hands out the next due one. A claim
   * selects and leases in one atomic step (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
   * LOCKED)`, or a lock): claims racing from many dispatchers never hand one message out twice.
   */
  claimOutbox(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxMessage[]>;
  /**
   * Optional: leases the messages named, those of them that {@link claimOutbox} would hand out at
   * `now` (pending, due, not leased), in the order named. The roster calls it right after a
   * commit to send that commit's own emails and no one else's (`deliverImmediately`). A store
   * without it gets `claimOutbox(now, 10, …)` there instead: the command then sends whatever is
   * due, another workspace's backlog included, and perhaps not its own email.
   *
   * @example const mine = await store.claimOutboxMessages?.(commit.outbox.map((m) => m.id), now, 60_000);
   */
  claimOutboxMessages?(ids: readonly string[], now: Date, leaseMs: number): Promise<readonly OutboxMessage[]>;
  /**
   * Records a delivery and counts its attempt; the stored body is dropped, since it held the
   * plaintext token. A message no longer pending is left as it is: a second call for a delivered
   * message changes nothing, and a message withdrawn while it was being sent stays withdrawn.
   */
  markDelivered(id: string, at: Date): Promise<void>;
  /**
   * Records a failed attempt (counts it, keeps `error`) and when to try again; ends the lease.
   * A message no longer pending (delivered, withdrawn) is left as it is. The roster passes at
   * most 1,000 code units, with no NUL and no unpaired surrogate; a store that cannot keep some
   * text it is given may replace characters, but must still count the attempt.
   */
  markFailed(id: string, error: string, retryAt: Date): Promise<void>;
  /**
   * Optional: withdraws a pending message that will not be sent (its link lapsed before it could
   * go out, ADR 0025): status `withdrawn`, body dropped, lease ended, attempts unchanged. A
   * message no longer pending is left as it is. Without it, delivery sends such a message anyway.
   *
   * @example await store.markWithdrawn?.(message.id)
   */
  markWithdrawn?(id: string): Promise<void>;
  /**
   * Outbox messages of a workspace, optionally by status. Without `page`: all of them, in the
   * order they were enqueued. Given `page` (even `{}`): by `createdAt` then `id` (ids compared byte
   * by byte, as for agents; {@link OutboxKey}), and only that page of them
   * ({@link PageBounds}). Delivered and withdrawn messages stay, so a busy workspace's outbox
   * grows without bound: a store should answer a page from an index. Optional for a store of
   * your own: one that ignores `page` (and lists in any order) is still read right, since the
   * roster sorts and trims what it gets, only slower.
   *
   * @example const next = await store.listOutbox(workspaceId, 'pending', { after: { createdAt: last.createdAt, id: last.id }, limit: 100 });
   */
  listOutbox(workspaceId: WorkspaceId, status?: OutboxStatus, page?: PageBounds<OutboxKey>): Promise<readonly OutboxMessage[]>;
}
