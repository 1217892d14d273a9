import { routingStateId, type Agent, type Department, type Invitation, type RoutingState, type Workspace } from '../../domain/index';
import { hasPassed } from '../../domain/time';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../../domain/ids';
import type { Email } from '../../domain/values';
import type { OutboxMessage, OutboxStatus } from '../../ports/outbox';
import { OrderedIndex } from './ordered-index';
import { Listing } from './listing';
import { BY_JOINING, BY_SENDING, comparePlace, firstInOrder, positionedSlice, type ListingOrder, type PlaceKey } from '../../ports/order';
import { compareCodePoints } from '../../domain/text-order';
import { WorkspaceTurns } from '../workspace-turns';
import type {
  Aggregate,
  AgentFilter,
  AgentKey,
  Commit,
  CommitOutcome,
  DepartmentSummary,
  ExpectedVersion,
  InvitationFilter,
  InvitationKey,
  LockOutcome,
  OutboxKey,
  PageBounds,
  PositionedEvent,
  RosterSession,
  RosterStore,
  Versioned,
  WorkspaceEvent,
} from '../../ports/store';
import { DECISION_READS } from '../../ports/decision-reads';

/** A stored aggregate: its value and its version. */
type Row<T> = Readonly<{ value: T; version: number }>;

/** A pending invitation in the order it lapses: expiry, then id (as PostgreSQL orders them). */
type Lapsing = Readonly<{ key: string; id: string; at: number }>;

/**
 * The sets of row keys an aggregate is in while stored, by name, so that no use case scans a
 * workspace: its workspace's departments and routing queues (`department:<ws>`, `routing:<ws>`), and the
 * departments a pending invitation names (`invitation-in:<ws>:<dep>`, for department deletes and
 * counts). Agents and invitations are in listings instead ({@link listingsOf}).
 */
function setsOf(a: Aggregate): string[] {
  if (a.kind === 'workspace' || a.kind === 'agent') return [];
  if (a.kind === 'invitation') return a.status === 'pending' ? a.departmentIds.map((d) => `invitation-in:${a.workspaceId}:${d}`) : [];
  return [`${a.kind}:${a.workspaceId}`];
}

/** What a listing holds of a row. */
type Listed = Agent | Invitation;
const timeOf = (r: Listed) => (r.kind === 'agent' ? BY_JOINING.time(r) : BY_SENDING.time(r));
/**
 * A row's entry in its listings, one shared by all of them: its place (an agent by `joinedAt`, an
 * invitation by `sentAt`, then by id: {@link BY_JOINING}, {@link BY_SENDING}) and its current
 * value. A write that keeps the place swaps the value here, once for every listing, with no search.
 */
type Held<T extends Listed = Listed> = { readonly time: string; readonly id: string; row: T };
const BY_PLACE: ListingOrder<Held> = { time: (h) => h.time, id: (h) => h.id };

/**
 * The listings an agent or invitation is in while stored, each sorted in its listing's order, so
 * that a page is a binary search and a walk (see {@link Listing}): its workspace's rows of its
 * kind (`agent:<ws>`, `invitation:<ws>`), those of its kind and status (`agent-is:<ws>:<status>`,
 * `invitation-is:<ws>:<status>`: a status filter walks only rows of that status, however many
 * others the workspace's history left), and for an agent the departments it names
 * (`agent-in:<ws>:<dep>`, also for department members and counts).
 */
function listingsOf(a: Aggregate): Set<string> {
  if (a.kind !== 'agent' && a.kind !== 'invitation') return new Set();
  const ws = a.workspaceId;
  return new Set([`${a.kind}:${ws}`, `${a.kind}-is:${ws}:${a.status}`, ...(a.kind === 'agent' ? a.departmentIds.map((d) => `agent-in:${ws}:${d}`) : [])]);
}

/**
 * An outbox message as stored: `due` and `leaseUntil` in epoch ms (`NO_LEASE` when none: a
 * clock may read before 1970, where 0 would still be a lease), `seq` its enqueue order.
 */
type Queued = Readonly<{ message: OutboxMessage; seq: number; due: number; leaseUntil: number }>;
const NO_LEASE = -Infinity;

/** An outbox message's place in its workspace's page order: `createdAt`, then id ({@link BY_CREATION}). */
type Placed = Readonly<{ time: string; id: string }>;
const BY_PLACED: ListingOrder<Placed> = { time: (p) => p.time, id: (p) => p.id };

/** A department's pending invitations as {@link MemoryRosterStore.departmentMembers} lists them: {@link BY_SENDING}. */
const MEMBER_INVITATIONS: ListingOrder<Versioned<Invitation>> = { time: (v) => v.value.sentAt, id: (v) => v.value.id };

/**
 * The named set (see {@link setsOf}) of a workspace's pending outbox messages of one topic: what a
 * commit's `withdraw` names. Workspace ids hold no NUL, so no two pairs share a name.
 */
const topicSet = (workspaceId: string, topic: string) => `outbox-topic:${workspaceId}\u0000${topic}`;

/** The name of the listing of a workspace's outbox messages of one status (workspace ids hold no NUL: no workspace's own listing has it). */
const statusListing = (workspaceId: string, status: OutboxStatus) => `${workspaceId}\u0000${status}`;

/** Epoch ms of an instant; one that does not parse is never reached, as `Date.parse(x) <= t` never holds for it. */
const epochOf = (instant: string): number => {
  const t = Date.parse(instant);
  return Number.isNaN(t) ? Infinity : t;
};

/** Uniqueness keys an aggregate holds while it is stored. */
function uniqueKeysOf(a: Aggregate): string[] {
  switch (a.kind) {
    case 'agent':
      return [`email:${a.workspaceId}:${a.email}`];
    case 'invitation':
      return a.status === 'pending' ? [`email:${a.workspaceId}:${a.email}`, `token:${a.tokenHash}`] : [`token:${a.tokenHash}`];
    case 'department':
      return [`dept-name:${a.workspaceId}:${a.nameKey}`];
    case 'workspace':
    case 'routing':
      return [];
  }
}

const keyOf = (kind: string, id: string) => `${kind}:${id}`;
// The values are read before the freeze (V8 reads a frozen array's elements on a slow path), and
// only objects are visited: a waiting line of 20,000 ids is one pass, not 20,000 calls.
const freeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    const values = Object.values(value);
    Object.freeze(value);
    for (const v of values) if (v && typeof v === 'object') freeze(v);
  }
  return value;
};

/**
 * A session of the in-memory store (see {@link RosterSession}): `lockWorkspace` waits for the
 * workspace's turn among the store's sessions (first come, first served) and holds it until
 * `commit` or `end`, or until loading the workspace fails. Reads (`reads`: the store's own,
 * bound to it, inherited) and the commit go to the store, overrides included, with its checks:
 * the lock only makes commands racing on one workspace take turns instead of colliding.
 */
function memorySession(store: MemoryRosterStore, turns: WorkspaceTurns, reads: object): RosterSession {
  let ended = false;
  let locking = false;
  let leave: (() => void) | undefined;
  /** Refuses what a session cannot do: anything once it ended, a second lock. */
  const live = (again = false) => {
    if (ended || again) throw new Error('agent-roster: session ended or already locked');
  };
  const end = async () => {
    ended = true;
    leave?.();
    leave = undefined;
  };
  return Object.assign(Object.create(reads) as RosterSession, {
    async lockWorkspace(id: WorkspaceId): Promise<LockOutcome> {
      live(locking);
      locking = true;
      leave = await turns.take(id);
      try {
        // end() may have run while this waited: then the turn is handed on at once.
        live();
        return { locked: true, workspace: await store.loadWorkspace(id) };
      } catch (error) {
        // Of no use without its workspace: let go now, whether or not end() follows.
        await end();
        throw error;
      }
    },
    async commit(commit: Commit): Promise<CommitOutcome> {
      live();
      try {
        return await store.commit(commit);
      } finally {
        await end();
      }
    },
    end,
  });
}

/**
 * The embedded default store: everything in memory, with the same atomicity, versions and
 * uniqueness rules as a database, so tests against it mean something. Every method yields to
 * the event loop first, like real I/O, which lets concurrent use cases interleave.
 *
 * Like a database it keeps indexes next to the rows (emails, token hashes and names; pending
 * invitations by expiry; department members; due outbox messages by due time; agents,
 * invitations and outbox messages in list order, per workspace and per status, for pages), so what a use case asks of it costs the same in a
 * workspace of 10 agents as in one of 100,000.
 *
 * Commands that change a workspace's counters (invites, accepts, seats, departments…) run in a
 * session ({@link RosterStore.begin}) that locks the workspace in this process as they load it,
 * so a burst of them on one workspace takes turns rather than colliding and retrying (and, past
 * `maxAttempts`, failing with `ConcurrencyConflict`). A command keeps its turn for at most
 * `lockLeaseMs` (2 s): one whose port call hangs (an identity provider that never answers) then
 * lets the next through and goes on as an optimistic one, its commit still checked against every
 * version it read. Pass `lockWorkspaces: false` for the purely optimistic store, with no sessions.
 *
 * @example const roster = createRoster({ store: new MemoryRosterStore(), … })
 */
export class MemoryRosterStore implements RosterStore {
  /**
   * A session that locks a workspace while a command decides (see {@link RosterSession}); absent
   * when the store was made with `lockWorkspaces: false`.
   */
  readonly begin?: () => Promise<RosterSession>;

  /**
   * @param options `lockWorkspaces`: whether commands that change a workspace's counters take
   *   turns on it through sessions (default true; false: purely optimistic, no `begin`).
   *   `lockLeaseMs`: how long a command may keep its workspace's turn before the next one goes
   *   ahead without waiting for it (default 2,000; 0 to 2,147,483,647).
   * @throws TypeError when the runtime has no `structuredClone`, or `lockLeaseMs` is out of range.
   * @example const optimistic = new MemoryRosterStore({ lockWorkspaces: false });
   */
  constructor(options: Readonly<{ lockWorkspaces?: boolean | undefined; lockLeaseMs?: number | undefined }> = {}) {
    // Every commit is copied with it; without it every command would answer StoreUnavailable.
    if (typeof globalThis.structuredClone !== 'function') {
      throw new TypeError('MemoryRosterStore: this runtime has no structuredClone, which it copies commits with');
    }
    // Made (and its lease checked) even when unused, so a bad lockLeaseMs never goes unnoticed.
    const turns = new WorkspaceTurns('MemoryRosterStore', options.lockLeaseMs ?? 2_000);
    if (options.lockWorkspaces !== false) {
      // The store's reads, bound once (on the first session, when a subclass's are in place).
      let reads: object | undefined;
      this.begin = async () => memorySession(this, turns, (reads ??= Object.fromEntries(DECISION_READS.map((read) => [read, this[read].bind(this)]))));
    }
  }

  readonly #rows = new Map<string, Row<Aggregate>>();
  /** unique key → `kind:id` of the holder */
  readonly #unique = new Map<string, string>();
  /**
   * Named sets of row keys (see {@link setsOf}) and of outbox message ids (`outbox:<ws>`, and the
   * pending ones by topic: {@link topicSet}), in insertion order.
   */
  readonly #sets = new Map<string, Set<string>>();
  /** Each workspace's pending invitations, soonest to lapse first: what every seat-relevant use case sweeps. */
  readonly #lapsing = new Map<string, OrderedIndex<Lapsing>>();
  /** Agents and invitations in list order, by listing name (see {@link listingsOf}). */
  readonly #listings = new Map<string, Listing<Held>>();
  /** Each listed row's entry, by row key. */
  readonly #held = new Map<string, Held>();
  /** Within a commit: keys of rows taken out of the indexes whose listings wait for their new value (see {@link #index}). */
  readonly #leaving = new Set<string>();
  readonly #events = new Map<string, WorkspaceEvent[]>();

  readonly #outbox = new Map<string, Queued>();
  /**
   * Pending messages by due time, then enqueue order. Leased ones stay in it and are skipped, so a
   * claim looks at the messages it hands out and at those in flight, never at delivered ones.
   */
  readonly #pending = new OrderedIndex<Queued>(
    (q) => q.message.id,
    (a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq),
  );
  #enqueued = 0;
  /**
   * Outbox messages in page order (`createdAt`, then id), for pages of {@link listOutbox}: each
   * workspace's, by its id, and each workspace's of one status, by {@link statusListing} (what a
   * status filter walks, so that `pending` does not walk past every delivered message). A message
   * keeps its place for good: only an enqueue moves it in its workspace's listing, and a delivery
   * or a withdrawal from one status's listing to another's.
   */
  readonly #outboxPages = new Map<string, Listing<Placed>>();

  async #io(): Promise<void> {
    await Promise.resolve();
  }

  #get<T extends Aggregate>(kind: T['kind'], id: string, workspaceId?: string): Versioned<T> | null {
    const row = this.#rows.get(keyOf(kind, id));
    if (!row) return null;
    if (workspaceId !== undefined && row.value.kind !== 'workspace' && row.value.workspaceId !== workspaceId) return null;
    return { value: row.value as T, version: row.version };
  }

  #in(name: string): Iterable<string> {
    return this.#sets.get(name) ?? [];
  }

  #edit(name: string, key: string, adding: boolean): void {
    const set = this.#sets.get(name) ?? new Set<string>();
    if (adding) set.add(key);
    else set.delete(key);
    if (set.size > 0) this.#sets.set(name, set);
    else this.#sets.delete(name);
  }

  /** Rows of one kind in a workspace, in no particular order (a rewrite moves a row to the end): callers sort. */
  #all<T extends Aggregate>(workspaceId: string, kind: Exclude<T['kind'], 'workspace'>): T[] {
    return Array.from(this.#in(`${kind}:${workspaceId}`), (key) => this.#rows.get(key)!.value as T);
  }

  /** The listing of that name, or none when it holds no row. */
  #listing<T extends Listed>(name: string): Listing<Held<T>> | undefined {
    return this.#listings.get(name) as Listing<Held<T>> | undefined;
  }

  /**
   * Adds a stored aggregate to the indexes, or takes it out. An agent or invitation taken out
   * stays listed, its key in `#leaving`, until the value that replaces it is indexed (or
   * {@link #settle} runs, when the commit deletes it): most writes keep a row's place and
   * departments (an availability, a status), and then its listings only swap the value.
   */
  #index(key: string, a: Aggregate, adding: boolean): void {
    for (const name of setsOf(a)) this.#edit(name, key, adding);
    if (a.kind === 'agent' || a.kind === 'invitation') {
      if (adding) this.#relist(key, a);
      this.#leaving[adding ? 'delete' : 'add'](key);
    }
    if (a.kind !== 'invitation' || a.status !== 'pending') return;
    let lapsing = this.#lapsing.get(a.workspaceId);
    if (!lapsing) this.#lapsing.set(a.workspaceId, (lapsing = new OrderedIndex<Lapsing>((l) => l.key, (x, y) => x.at < y.at || (x.at === y.at && x.id < y.id))));
    if (adding) lapsing.set({ key, id: a.id, at: epochOf(a.expiresAt) });
    else lapsing.delete(key);
  }

  /** Moves a row from the listings of the value it is listed with to those of `now` (none: it was deleted). */
  #relist(key: string, now?: Listed): void {
    let held = this.#held.get(key);
    const from = held ? listingsOf(held.row) : new Set<string>();
    const to = now ? listingsOf(now) : new Set<string>();
    // A row keeps its id; when its time changes too (a resend), it moves in every listing.
    const stays = held !== undefined && now !== undefined && held.time === timeOf(now);
    for (const name of from) {
      const listing = this.#listings.get(name)!;
      if (!(stays && to.has(name)) && listing.delete(held!) && listing.size === 0) this.#listings.delete(name);
    }
    if (stays) held!.row = now!;
    else if (now) this.#held.set(key, (held = { time: timeOf(now), id: now.id, row: now }));
    else this.#held.delete(key);
    for (const name of to) {
      if (stays && from.has(name)) continue;
      let listing = this.#listings.get(name);
      if (!listing) this.#listings.set(name, (listing = new Listing(BY_PLACE)));
      listing.add(held!);
    }
  }

  /** Takes the rows a commit deleted out of their listings: those {@link #index} took out and no write put back. */
  #settle(): void {
    for (const key of this.#leaving) this.#relist(key);
    this.#leaving.clear();
  }

  async loadWorkspace(id: WorkspaceId) {
    await this.#io();
    return this.#get<Workspace>('workspace', id);
  }
  async loadAgent(workspaceId: WorkspaceId, id: AgentId) {
    await this.#io();
    return this.#get<Agent>('agent', id, workspaceId);
  }
  async loadInvitation(workspaceId: WorkspaceId, id: InvitationId) {
    await this.#io();
    return this.#get<Invitation>('invitation', id, workspaceId);
  }
  async findInvitationByTokenHash(tokenHash: string) {
    await this.#io();
    const holder = this.#unique.get(`token:${tokenHash}`);
    const row = holder ? this.#rows.get(holder) : undefined;
    return row ? { value: row.value as Invitation, version: row.version } : null;
  }
  async loadDepartments(workspaceId: WorkspaceId, ids: readonly DepartmentId[]) {
    await this.#io();
    return ids.flatMap((id) => this.#get<Department>('department', id, workspaceId) ?? []);
  }
  async emailHolder(workspaceId: WorkspaceId, email: Email) {
    await this.#io();
    const holder = this.#unique.get(`email:${workspaceId}:${email}`);
    if (!holder) return null;
    return holder.startsWith('agent:') ? 'agent' : 'pending-invitation';
  }
  async departmentNameTaken(workspaceId: WorkspaceId, nameKey: string, exceptId?: DepartmentId) {
    await this.#io();
    const holder = this.#unique.get(`dept-name:${workspaceId}:${nameKey}`);
    return holder !== undefined && holder !== keyOf('department', exceptId ?? '');
  }
  async departmentMembers(workspaceId: WorkspaceId, departmentId: DepartmentId) {
    await this.#io();
    // In the port's order, listAgents' and listInvitations': the agents as the department's
    // listing holds them; the pending invitations, a set in no useful order, sorted.
    const versioned = <T extends Aggregate>(key: string) => {
      const row = this.#rows.get(key)!;
      return { value: row.value as T, version: row.version };
    };
    const agents = this.#listing(`agent-in:${workspaceId}:${departmentId}`)?.after(undefined, Infinity, () => true) ?? [];
    const invitations = Array.from(this.#in(`invitation-in:${workspaceId}:${departmentId}`), (key) => versioned<Invitation>(key));
    return {
      agents: agents.map((a) => versioned<Agent>(keyOf('agent', a.id))),
      invitations: firstInOrder(invitations, MEMBER_INVITATIONS, undefined),
    };
  }
  async loadRoutingStates(workspaceId: WorkspaceId, departmentIds: readonly (DepartmentId | null)[]) {
    await this.#io();
    return departmentIds.flatMap((d) => this.#get<RoutingState>('routing', routingStateId(workspaceId, d), workspaceId) ?? []);
  }
  async lapsedInvitations(workspaceId: WorkspaceId, now: Date, limit: number) {
    await this.#io();
    const t = now.getTime();
    return (this.#lapsing.get(workspaceId)?.firstWhile(limit, (l) => l.at <= t) ?? []).map((l) => {
      const row = this.#rows.get(l.key)!;
      return { value: row.value as Invitation, version: row.version };
    });
  }

  async countLapsedInvitations(workspaceId: WorkspaceId, now: Date) {
    await this.#io();
    return this.#lapsed(workspaceId, now).length;
  }
  /** The workspace's pending invitations lapsed at `now`, in no particular order: about as many entries looked at as found. */
  #lapsed(workspaceId: WorkspaceId, now: Date): Lapsing[] {
    const t = now.getTime();
    return this.#lapsing.get(workspaceId)?.everyWhile((l) => l.at <= t) ?? [];
  }

  async versionsCurrent(expected: readonly ExpectedVersion[]) {
    await this.#io();
    return expected.every((e) => (this.#rows.get(keyOf(e.kind, e.id))?.version ?? 0) === e.version);
  }

  // A page is a binary search for its cursor in a listing and a walk forward from it: the smaller
  // of the department's own and the status's own when the filter names them (the workspace's when
  // it names neither), every filter checked on the way. A filter on the status alone walks only
  // rows of that status; an availability filter, which has no listing of its own, walks further
  // when few rows pass it: at worst to the end of the listing, as a database with no index on the
  // filtered column does.
  async listAgents(workspaceId: WorkspaceId, filter: AgentFilter = {}, page: PageBounds<AgentKey> = {}) {
    await this.#io();
    // The workspace's listing never holds fewer rows than the status's. One that holds no row (none
    // kept: undefined): no row passes that filter.
    const listings = [
      filter.departmentId === undefined ? `agent:${workspaceId}` : `agent-in:${workspaceId}:${filter.departmentId}`,
      ...(filter.status === undefined ? [] : [`agent-is:${workspaceId}:${filter.status}`]),
    ].map((n) => this.#listing<Agent>(n));
    const narrowest = listings.includes(undefined) ? undefined : listings.reduce((a, b) => (b!.size < a!.size ? b : a));
    return (
      narrowest
        ?.after(
          page.after && [page.after.joinedAt, page.after.id],
          page.limit ?? Infinity,
          ({ row: a }) =>
            (filter.status === undefined || a.status === filter.status) &&
            (filter.availability === undefined || a.availability === filter.availability) &&
            (filter.departmentId === undefined || a.departmentIds.includes(filter.departmentId)),
        )
        .map((h) => h.row) ?? []
    );
  }
  // A status filter walks the listing of its status. With a `now`, `pending` skips the lapsed
  // ones on the way, and `expired` adds the lapsed among the pending, found through the expiry
  // index: a page looks at the rows it returns and at the pending ones lapsed but not yet marked
  // expired, however long the workspace's history. When those are many (a backlog no command has
  // swept), sorting them all for each page cost O(L log L) a page (10,000: 0.2 s): they are then
  // taken from the pending listing instead, walked from the cursor. With one TTL they are its
  // oldest rows, so a page of them costs about a page of rows; after the TTL was shortened the
  // newest may lapse first, and a page walks past the older ones still pending (correct, slower).
  async listInvitations(workspaceId: WorkspaceId, filter: InvitationFilter = {}, page: PageBounds<InvitationKey> = {}) {
    await this.#io();
    const { now, status } = filter;
    const statusOf = (i: Invitation) => (now && i.status === 'pending' && hasPassed(i.expiresAt, now) ? 'expired' : i.status);
    const after: PlaceKey | undefined = page.after && [page.after.sentAt, page.after.id];
    const limit = page.limit ?? Infinity;
    const walk = (listing: string) =>
      this.#listing<Invitation>(listing)?.after(after, limit, ({ row }) => status === undefined || statusOf(row) === status) ?? [];
    const found = walk(status === undefined ? `invitation:${workspaceId}` : `invitation-is:${workspaceId}:${status}`);
    if (now && status === 'expired') {
      const lapsed = this.#lapsed(workspaceId, now);
      if (lapsed.length > 4 * limit) found.push(...walk(`invitation-is:${workspaceId}:pending`));
      else {
        for (const l of lapsed) {
          const held = this.#held.get(l.key)!;
          if (statusOf(held.row as Invitation) === status && (!after || comparePlace(held.time, held.id, after) > 0)) found.push(held as Held<Invitation>);
        }
      }
      found.sort((a, b) => comparePlace(a.time, a.id, [b.time, b.id]));
    }
    return found.slice(0, limit).map((h) => h.row);
  }
  /** The workspace's departments in listing order: by name key in code points, then id. */
  #departments(workspaceId: WorkspaceId): Department[] {
    return this.#all<Department>(workspaceId, 'department').sort((a, b) => compareCodePoints(a.nameKey, b.nameKey) || (a.id === b.id ? 0 : a.id < b.id ? -1 : 1));
  }
  async loadAllDepartments(workspaceId: WorkspaceId): Promise<readonly Department[]> {
    await this.#io();
    return this.#departments(workspaceId);
  }
  async listDepartments(workspaceId: WorkspaceId, now?: Date): Promise<readonly DepartmentSummary[]> {
    await this.#io();
    const count = (name: string) => (this.#sets.get(name)?.size ?? 0);
    // Pending invitations by department come from the department's set; the lapsed ones are
    // taken off, found through the expiry index: the cost grows with those, not with the workspace.
    const lapsed = new Map<string, number>();
    if (now) {
      for (const l of this.#lapsed(workspaceId, now)) {
        for (const d of new Set((this.#rows.get(l.key)!.value as Invitation).departmentIds)) lapsed.set(d, (lapsed.get(d) ?? 0) + 1);
      }
    }
    return this.#departments(workspaceId).map((department) => ({
      department,
      members: this.#listing(`agent-in:${workspaceId}:${department.id}`)?.size ?? 0,
      pendingInvitations: count(`invitation-in:${workspaceId}:${department.id}`) - (lapsed.get(department.id) ?? 0),
    }));
  }
  async events(workspaceId: WorkspaceId) {
    await this.#io();
    return [...(this.#events.get(workspaceId) ?? [])];
  }
  /** Positions are 1, 2, 3… within a workspace: a page is a slice of its log. */
  async eventsAfter(workspaceId: WorkspaceId, after: string, limit: number): Promise<readonly PositionedEvent[]> {
    await this.#io();
    return positionedSlice(this.#events.get(workspaceId) ?? [], after, limit);
  }

  async commit(commit: Commit): Promise<CommitOutcome> {
    await this.#io();
    // Everything below runs without yielding, so a commit is atomic.
    for (const e of commit.expected) {
      const current = this.#rows.get(keyOf(e.kind, e.id))?.version ?? 0;
      if (current !== e.version) {
        return { committed: false, reason: 'stale-version', detail: `${e.kind} ${e.id} is at version ${current}, expected ${e.version}` };
      }
    }
    // Copied before anything changes, so a value structuredClone refuses (a function, say) throws
    // here and leaves the store as it was, not half-committed. Routing queues are kept as given
    // (see below).
    const copies = commit.writes.map((a) => (a.kind === 'routing' ? a : structuredClone(a)));
    const events = commit.events.map((e) => structuredClone(e));
    const touched = new Set([...commit.writes.map((a) => keyOf(a.kind, a.id)), ...commit.removals.map((r) => keyOf(r.kind, r.id))]);
    const claims = new Map<string, string>();
    for (const a of commit.writes) {
      for (const key of uniqueKeysOf(a)) {
        const holder = claims.get(key) ?? this.#unique.get(key);
        const mine = keyOf(a.kind, a.id);
        if (holder !== undefined && holder !== mine && !(touched.has(holder) && !claims.has(key))) {
          return { committed: false, reason: 'unique-violation', detail: key.split(':')[0] ?? key };
        }
        claims.set(key, mine);
      }
    }
    for (const key of touched) {
      const old = this.#rows.get(key);
      if (!old) continue;
      for (const u of uniqueKeysOf(old.value)) if (this.#unique.get(u) === key) this.#unique.delete(u);
      this.#index(key, old.value, false);
    }
    for (const r of commit.removals) this.#rows.delete(keyOf(r.kind, r.id));
    for (const [n, a] of commit.writes.entries()) {
      const key = keyOf(a.kind, a.id);
      // A copy, so the caller's objects stay theirs; except routing queues, frozen in place: they
      // can be large, and routing keeps its pick index per state object, so handing the same
      // object back keeps a pick O(log n) instead of rebuilding the index.
      const stored = freeze(copies[n]!);
      const old = this.#rows.get(key);
      this.#rows.set(key, { value: stored, version: (old?.version ?? 0) + 1 });
    }
    // Indexed once every write is in place: a commit may write one aggregate more than once.
    for (const key of touched) {
      const row = this.#rows.get(key);
      if (row) this.#index(key, row.value, true);
    }
    this.#settle();
    for (const [key, holder] of claims) this.#unique.set(key, holder);
    const log = this.#events.get(commit.workspaceId) ?? [];
    for (const e of events) log.push(freeze(e));
    this.#events.set(commit.workspaceId, log);
    // Withdrawn before this commit's own messages are enqueued: a resend replaces its topic's message.
    for (const topic of commit.withdraw ?? []) this.#withdrawTopic(commit.workspaceId, topic);
    for (const m of commit.outbox) this.#enqueue(m);
    return { committed: true };
  }

  #withdrawTopic(workspaceId: WorkspaceId, topic: string): void {
    for (const id of [...this.#in(topicSet(workspaceId, topic))]) this.#withdraw(id);
  }

  /** A pending message becomes withdrawn: no body, no lease, never claimed again. */
  #withdraw(id: string): void {
    const q = this.#outbox.get(id);
    if (q && q.message.status === 'pending') this.#store({ ...q, message: { ...q.message, status: 'withdrawn', text: '', html: null }, leaseUntil: NO_LEASE });
  }

  /** Puts a message's place in the listing of that name, or takes it out (and the listing, once empty). */
  #file(name: string, m: OutboxMessage, adding: boolean): void {
    const listings = this.#outboxPages;
    let listing = listings.get(name);
    if (adding) {
      if (!listing) listings.set(name, (listing = new Listing(BY_PLACED)));
      listing.add({ time: m.createdAt, id: m.id });
    } else if (listing?.delete({ time: m.createdAt, id: m.id }) && listing.size === 0) listings.delete(name);
  }

  #enqueue(m: OutboxMessage): void {
    const old = this.#outbox.get(m.id);
    if (old && old.message.workspaceId !== m.workspaceId) this.#edit(`outbox:${old.message.workspaceId}`, m.id, false);
    if (old) this.#file(old.message.workspaceId, old.message, false);
    this.#file(m.workspaceId, m, true);
    // A message enqueued again under its id keeps its place among the due, as a map entry set again would.
    this.#store({ message: { ...m }, seq: old?.seq ?? ++this.#enqueued, due: epochOf(m.nextAttemptAt), leaseUntil: NO_LEASE });
    this.#edit(`outbox:${m.workspaceId}`, m.id, true);
  }

  /**
   * Stores a message, in the listing of its workspace and status (moved there when either, or its
   * place, changed); only a pending one is indexed for claims and in its topic's set (see {@link topicSet}).
   */
  #store(queued: Queued): void {
    const m = queued.message;
    const { id, status, workspaceId, topic } = m;
    const old = this.#outbox.get(id)?.message;
    if (old?.topic !== undefined) this.#edit(topicSet(old.workspaceId, old.topic), id, false);
    const listed = statusListing(workspaceId, status);
    if (!old || statusListing(old.workspaceId, old.status) !== listed || old.createdAt !== m.createdAt) {
      if (old) this.#file(statusListing(old.workspaceId, old.status), old, false);
      this.#file(listed, m, true);
    }
    this.#outbox.set(id, queued);
    if (status === 'pending') this.#pending.set(queued);
    else this.#pending.delete(id);
    if (status === 'pending' && topic !== undefined) this.#edit(topicSet(workspaceId, topic), id, true);
  }

  async claimOutbox(now: Date, limit: number, leaseMs: number) {
    await this.#io();
    const t = now.getTime();
    const due = this.#pending.firstWhile(limit, (q) => q.due <= t, (q) => q.leaseUntil <= t);
    for (const q of due) this.#store({ ...q, leaseUntil: t + leaseMs });
    return due.map((q) => ({ ...q.message }));
  }
  async claimOutboxMessages(ids: readonly string[], now: Date, leaseMs: number) {
    await this.#io();
    const t = now.getTime();
    const claimed: OutboxMessage[] = [];
    for (const id of new Set(ids)) {
      const q = this.#outbox.get(id);
      if (!q || q.message.status !== 'pending' || q.due > t || q.leaseUntil > t) continue;
      this.#store({ ...q, leaseUntil: t + leaseMs });
      claimed.push({ ...q.message });
    }
    return claimed;
  }
  async markDelivered(id: string, at: Date) {
    await this.#io();
    const q = this.#outbox.get(id);
    if (q && q.message.status === 'pending') {
      const m = q.message;
      this.#store({
        ...q,
        message: { ...m, status: 'delivered', attempts: m.attempts + 1, deliveredAt: at.toISOString(), text: '', html: null },
        leaseUntil: NO_LEASE,
      });
    }
  }
  async markWithdrawn(id: string) {
    await this.#io();
    this.#withdraw(id);
  }
  async markFailed(id: string, error: string, retryAt: Date) {
    await this.#io();
    const q = this.#outbox.get(id);
    if (q && q.message.status === 'pending') {
      const m = q.message;
      const nextAttemptAt = retryAt.toISOString();
      this.#store({ ...q, message: { ...m, attempts: m.attempts + 1, lastError: error, nextAttemptAt }, due: epochOf(nextAttemptAt), leaseUntil: NO_LEASE });
    }
  }
  // Without a page, in enqueue order (the workspace's set keeps insertion order). A page is a
  // binary search for its cursor in the workspace's listing, or in that of its messages of the
  // filter's status, and a walk forward from it: it looks at the messages it returns, however many
  // of other statuses the outbox holds (`pending`, among many delivered). A status's listing
  // holds exactly the messages of that status (`#store` moves a message as its status
  // changes), so the walk keeps every message it meets.
  async listOutbox(workspaceId: WorkspaceId, status?: OutboxStatus, page?: PageBounds<OutboxKey>) {
    await this.#io();
    const message = (id: string) => this.#outbox.get(id)!.message;
    const listing = this.#outboxPages.get(status === undefined ? workspaceId : statusListing(workspaceId, status));
    const ids = page
      ? (listing?.after(page.after && [page.after.createdAt, page.after.id], page.limit ?? Infinity, () => true) ?? []).map((p) => p.id)
      : Array.from(this.#in(`outbox:${workspaceId}`)).filter((id) => status === undefined || message(id).status === status);
    return ids.map((id) => ({ ...message(id) }));
  }
}
