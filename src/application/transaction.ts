import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { Agent, Decision, Department, Invitation, RoutingState, Workspace } from '../domain/index';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../domain/ids';
import type { OutboxMessage } from '../ports/outbox';
import type { Aggregate, Commit, CommitOutcome, DecisionReads, ExpectedVersion, Removal, RosterSession, RosterStore, Versioned, WorkspaceEvent } from '../ports/store';
import { answerPortFailure, PortFailure } from './clock-and-random';
import { topicsClosedBy } from './outbox';
import { appFail, type ConcurrencyConflict, type ServiceUnavailable, type StoreUnavailable, type UnknownActor, type WorkspaceNotFound } from './errors';

const keyOf = (kind: string, id: string) => `${kind}:${id}`;

/** Where an attempt reads and commits: the store, or a session of it. */
export type AttemptStore = DecisionReads & Readonly<{ commit(commit: Commit): Promise<CommitOutcome> }>;

/**
 * One attempt of a use case: it loads through here, so every aggregate read is remembered with
 * its version, and the commit checks that none of them moved meanwhile.
 *
 * In a {@link RosterSession} (a store that can lock), loading the workspace also locks its row
 * until the attempt ends: commands racing on one workspace then wait for each other rather than
 * all deciding on the same version and all but one colliding. The version checks stay as they
 * are, so a store that cannot lock (or a read made before the lock) is still safe, only retried.
 */
export class Attempt {
  readonly #versions = new Map<string, ExpectedVersion>();
  workspaceId: WorkspaceId | null = null;
  /** Set when locking the workspace lost a race: the attempt is decided again, as after a conflict. */
  lostRace = false;
  readonly store: AttemptStore;

  constructor(
    store: AttemptStore,
    readonly now: Date,
    readonly session: RosterSession | null = null,
  ) {
    this.store = session ?? store;
  }

  /**
   * Wraps a store call: a rejection becomes `StoreUnavailable` (worded for a failed commit when
   * `committing`). A failing clock or random source met on the way is not the store's: its
   * {@link PortFailure} is thrown on, to `transact` or the use case, which answer the
   * `ServiceUnavailable` it carries.
   */
  read<T>(promise: () => Promise<T>, committing?: boolean): ResultAsync<T, StoreUnavailable> {
    return ResultAsync.fromPromise(Promise.resolve().then(promise), (e) => {
      if (e instanceof PortFailure) throw e;
      return appFail.store(e, committing);
    });
  }

  #track<T extends Aggregate>(row: Versioned<T> | null): T | null {
    if (row === null) return null;
    this.#versions.set(keyOf(row.value.kind, row.value.id), { kind: row.value.kind, id: row.value.id, version: row.version });
    return row.value;
  }

  #trackAll<T extends Aggregate>(rows: readonly Versioned<T>[]): T[] {
    return rows.map((r) => this.#track(r)!);
  }

  /** Loads the workspace, locking its row in a session; a lost lock race ends the attempt as a conflict. */
  #loadWorkspace(id: WorkspaceId): ResultAsync<Versioned<Workspace> | null, StoreUnavailable | ConcurrencyConflict> {
    const session = this.session;
    if (!session) return this.read(() => this.store.loadWorkspace(id));
    return this.read(() => session.lockWorkspace(id)).andThen((outcome) => {
      if (outcome.locked) return ok(outcome.workspace);
      this.lostRace = true;
      return err(appFail.conflict(1));
    });
  }

  workspace(id: WorkspaceId): ResultAsync<Workspace, WorkspaceNotFound | StoreUnavailable | ConcurrencyConflict> {
    return this.#loadWorkspace(id).andThen((row) => {
      const ws = this.#track(row);
      if (!ws) return err(appFail.workspaceNotFound(id));
      this.workspaceId = ws.id;
      return ok(ws);
    });
  }

  /** Like {@link workspace}, but a missing workspace is `null` rather than an error. */
  workspaceOrNull(id: WorkspaceId): ResultAsync<Workspace | null, StoreUnavailable | ConcurrencyConflict> {
    return this.#loadWorkspace(id).map((row) => {
      const ws = this.#track(row);
      if (ws) this.workspaceId = ws.id;
      return ws;
    });
  }

  /** Reads the workspace without locking or tracking it: for reads outside any transaction. */
  peekWorkspace(id: WorkspaceId): ResultAsync<Workspace | null, StoreUnavailable> {
    return this.read(() => this.store.loadWorkspace(id)).map((row) => row?.value ?? null);
  }

  actor(workspaceId: WorkspaceId, id: AgentId): ResultAsync<Agent, UnknownActor | StoreUnavailable> {
    return this.agent(workspaceId, id).andThen((a) => (a ? ok(a) : err(appFail.unknownActor(id))));
  }

  agent(workspaceId: WorkspaceId, id: AgentId): ResultAsync<Agent | null, StoreUnavailable> {
    return this.read(() => this.store.loadAgent(workspaceId, id)).map((row) => this.#track(row));
  }

  invitation(workspaceId: WorkspaceId, id: InvitationId): ResultAsync<Invitation | null, StoreUnavailable> {
    return this.read(() => this.store.loadInvitation(workspaceId, id)).map((row) => this.#track(row));
  }

  invitationByTokenHash(tokenHash: string): ResultAsync<Invitation | null, StoreUnavailable> {
    return this.read(() => this.store.findInvitationByTokenHash(tokenHash)).map((row) => this.#track(row));
  }

  departments(workspaceId: WorkspaceId, ids: readonly DepartmentId[]): ResultAsync<Department[], StoreUnavailable> {
    return this.read(() => this.store.loadDepartments(workspaceId, ids)).map((rows) => this.#trackAll(rows));
  }

  department(workspaceId: WorkspaceId, id: DepartmentId): ResultAsync<Department | null, StoreUnavailable> {
    return this.departments(workspaceId, [id]).map((found) => found[0] ?? null);
  }

  departmentMembers(workspaceId: WorkspaceId, id: DepartmentId) {
    return this.read(() => this.store.departmentMembers(workspaceId, id)).map(({ agents, invitations }) => ({
      members: this.#trackAll(agents),
      invitations: this.#trackAll(invitations),
    }));
  }

  routingStates(workspaceId: WorkspaceId, departmentIds: readonly (DepartmentId | null)[]): ResultAsync<RoutingState[], StoreUnavailable> {
    return this.read(() => this.store.loadRoutingStates(workspaceId, departmentIds)).map((rows) => this.#trackAll(rows));
  }

  lapsedInvitations(workspaceId: WorkspaceId, limit: number): ResultAsync<Invitation[], StoreUnavailable> {
    return this.read(() => this.store.lapsedInvitations(workspaceId, this.now, limit)).map((rows) => this.#trackAll(rows));
  }

  /**
   * Whether any aggregate read in this attempt has moved since: asked of the store when it can
   * answer (`versionsCurrent`), else checked by an empty commit. A store failure counts as
   * "nothing moved": the refusal stands, as it would have without the check.
   */
  async readsMoved(): Promise<boolean> {
    if (this.workspaceId === null || this.#versions.size === 0) return false;
    // Through a promise, so a store method written as a plain function that throws fails like one that rejects.
    if (this.store.versionsCurrent) {
      const versions = [...this.#versions.values()];
      return !(await Promise.resolve(versions).then((v) => this.store.versionsCurrent!(v)).catch(() => true));
    }
    // In a session this commit ends it, which is fine: the attempt is over either way.
    const check = this.commitOf([], []);
    const outcome = await Promise.resolve(check).then((c) => this.store.commit(c)).catch(() => ({ committed: true as const }));
    return !outcome.committed;
  }

  /**
   * The commit for a series of decisions: every aggregate their states hold is written (the
   * last state of each wins), removals are deleted, every aggregate read is version-checked, and
   * the pending emails of every invitation the events close are withdrawn.
   * Departments a command merely relied on come back in its state and are written unchanged: the
   * version bump is what makes a concurrent delete of that department collide.
   */
  commitOf(decisions: readonly Decision<object, WorkspaceEvent>[], outbox: readonly OutboxMessage[]) {
    const writes = new Map<string, Aggregate>();
    const removals = new Map<string, Removal>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (value === null || typeof value !== 'object' || !('kind' in value)) return;
      const item = value as Aggregate | Removal;
      const key = keyOf(item.kind, item.id);
      if ('removed' in item) {
        writes.delete(key);
        removals.set(key, item);
      } else {
        removals.delete(key);
        writes.set(key, item);
      }
    };
    for (const d of decisions) Object.values(d.state).forEach(visit);
    const expected = new Map(this.#versions);
    for (const [key, a] of writes) if (!expected.has(key)) expected.set(key, { kind: a.kind, id: a.id, version: 0 });
    const events = decisions.flatMap((d) => d.events);
    // Emails about what these events close are withdrawn in the same commit (ADR 0025).
    const withdraw = topicsClosedBy(events);
    return {
      workspaceId: this.workspaceId!,
      expected: [...expected.values()],
      writes: [...writes.values()],
      removals: [...removals.values()],
      events,
      outbox,
      ...(withdraw.length > 0 ? { withdraw } : {}),
    };
  }
}

/**
 * Runs a best-effort step (an undo, ending a session) whose failure changes nothing of the
 * answer: a rejection or a synchronous throw alike is ignored.
 */
async function settle(step: (() => Promise<unknown>) | null | undefined): Promise<void> {
  if (step) await Promise.resolve().then(step).catch(() => undefined);
}

/** What one attempt of a use case decided, before it is committed; `B` is what `beforeCommit` may fail with. */
export type Planned<T, B = never> = Readonly<{
  result: T;
  decisions: readonly Decision<object, WorkspaceEvent>[];
  outbox?: readonly OutboxMessage[];
  /** Runs after deciding and before committing; an error aborts the attempt with nothing written. */
  beforeCommit?: () => ResultAsync<void, B>;
  /**
   * Undoes `beforeCommit` when the commit did not happen, and when `beforeCommit` itself failed:
   * a call that timed out may have done its work all the same.
   */
  onAbort?: () => Promise<void>;
  /**
   * Whether this attempt's writes are in the store after all, asked when the commit failed
   * without saying (the store threw: the write may have gone through before the answer was
   * lost). When they are, the use case succeeds and `onAbort` is not called; when they are not,
   * or the store cannot tell, it fails with the store's error as before.
   */
  landed?: () => Promise<boolean>;
}>;

/** Settings of {@link transact}. */
export type TransactOptions = Readonly<{
  store: RosterStore;
  now: () => Date;
  maxAttempts: number;
  afterCommit?: (outbox: readonly OutboxMessage[]) => Promise<void>;
  /**
   * Lock the workspace up front in every attempt (in a store that can: {@link RosterStore.begin}).
   * For commands that change its counters: they all write its row, so racing ones would collide.
   * Any command locks from its second attempt on, once it has collided.
   */
  lockWorkspace?: boolean;
  /**
   * Waits before deciding again after attempt `attempt` collided: a short jittered backoff, so a
   * burst of writers that all collided do not all retry at the same instant and collide again.
   * None when absent (the next attempt starts at once).
   */
  pause?: (attempt: number) => Promise<void>;
}>;

/**
 * Runs load → decide → commit, and on a version conflict reloads and decides again (after
 * `pause`), up to `maxAttempts` times. A failed attempt writes nothing. A refusal decided on reads
 * that have not moved since is final at once: only a collision, or a refusal on reads that moved,
 * spends another attempt.
 */
export function transact<T, E, B = never>(
  options: TransactOptions,
  attempt: (a: Attempt) => ResultAsync<Planned<T, B>, E>,
): ResultAsync<T, E | B | ConcurrencyConflict | StoreUnavailable | ServiceUnavailable> {
  type Outcome = Result<T, E | B | ConcurrencyConflict | StoreUnavailable> | 'again';
  const once = async (a: Attempt, n: number): Promise<Outcome> => {
    const planned = await attempt(a);
    if (planned.isErr()) {
      if (a.lostRace) return n < options.maxAttempts ? 'again' : err(appFail.conflict(n));
      // A refusal is only as good as the reads behind it: if any of them moved meanwhile (two
      // racing accepts, say), decide again on fresh reads rather than refuse for a torn reason.
      if (n < options.maxAttempts && (await a.readsMoved())) return 'again';
      return err(planned.error);
    }
    const plan = planned.value;
    if (plan.decisions.every((d) => d.events.length === 0)) {
      // Nothing to commit, so no version check: like a refusal, a no-op answer is only as good
      // as its reads (an actor demoted meanwhile would be answered ok), so decide again if they moved.
      if (n < options.maxAttempts && (await a.readsMoved())) return 'again';
      return ok(plan.result);
    }
    const abort = () => settle(plan.onAbort);
    if (plan.beforeCommit) {
      const before = await plan.beforeCommit();
      if (before.isErr()) {
        await abort();
        return err(before.error);
      }
    }
    const outbox = plan.outbox ?? [];
    const outcome = await a.read(() => a.store.commit(a.commitOf(plan.decisions, outbox)), true);
    const endSession = () => settle(a.session && (() => a.session!.end()));
    let committed = outcome.isOk() && outcome.value.committed;
    let failure = outcome.isErr() ? outcome.error : undefined;
    if (failure && plan.landed) {
      // A store that threw may have committed before its answer was lost: look before undoing,
      // once the session has ended (rolled back, its connection free: a pool may have no other).
      await endSession();
      const landed = await plan.landed().catch(() => undefined);
      committed = landed === true;
      // Known not to have landed: nothing to check, as after any other failed call.
      if (landed === false) failure = appFail.store(failure.cause);
    }
    if (committed) {
      // Committed: a session failing to let go now changes nothing of that.
      await endSession();
      if (options.afterCommit && outbox.length > 0) await options.afterCommit(outbox).catch(() => undefined);
      return ok(plan.result);
    }
    await abort();
    if (failure) return err(failure);
    return n < options.maxAttempts ? 'again' : err(appFail.conflict(n));
  };
  const attempts = async (): Promise<Result<T, E | B | ConcurrencyConflict | StoreUnavailable>> => {
    for (let n = 1; ; n++) {
      // Read before a session opens: a clock that throws must not leave a transaction open.
      const now = options.now();
      // From the second attempt on, every command locks: it has collided once already.
      let session: RosterSession | null = null;
      if ((options.lockWorkspace || n > 1) && options.store.begin) {
        try {
          session = await options.store.begin();
        } catch (error) {
          return err(appFail.store(error));
        }
      }
      const a = new Attempt(options.store, now, session);
      let outcome: Outcome;
      try {
        outcome = await once(a, n);
      } finally {
        // Ends the transaction (rolling back what did not commit) before anything else runs:
        // a retry, the caller, or delivery, which may need a connection of the same pool.
        await settle(session && (() => session!.end()));
      }
      if (outcome !== 'again') return outcome;
      if (options.pause) await options.pause(n);
    }
  };
  // The clock or random source failing in an attempt (reading the time, drawing an id) ends the
  // use case before it commits, with the error the failure carries.
  const run = (): Promise<Result<T, E | B | ConcurrencyConflict | StoreUnavailable | ServiceUnavailable>> =>
    attempts().catch(answerPortFailure);
  return new ResultAsync(run());
}
