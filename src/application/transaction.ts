import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { Agent, Decision, Department, Invitation, RoutingState, Workspace } from '../domain/index';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../domain/ids';
import type { OutboxMessage } from '../ports/outbox';
import type { Aggregate, ExpectedVersion, Removal, RosterStore, Versioned, WorkspaceEvent } from '../ports/store';
import { appFail, type ConcurrencyConflict, type StoreUnavailable, type UnknownActor, type WorkspaceNotFound } from './errors';

const keyOf = (kind: string, id: string) => `${kind}:${id}`;

/**
 * One attempt of a use case: it loads through here, so every aggregate read is remembered with
 * its version, and the commit checks that none of them moved meanwhile.
 */
export class Attempt {
  readonly #versions = new Map<string, ExpectedVersion>();
  workspaceId: WorkspaceId | null = null;

  constructor(
    readonly store: RosterStore,
    readonly now: Date,
  ) {}

  /** Wraps a store call: a rejection becomes `StoreUnavailable`. */
  read<T>(promise: () => Promise<T>): ResultAsync<T, StoreUnavailable> {
    return ResultAsync.fromPromise(Promise.resolve().then(promise), appFail.store);
  }

  #track<T extends Aggregate>(row: Versioned<T> | null): T | null {
    if (row === null) return null;
    this.#versions.set(keyOf(row.value.kind, row.value.id), { kind: row.value.kind, id: row.value.id, version: row.version });
    return row.value;
  }

  #trackAll<T extends Aggregate>(rows: readonly Versioned<T>[]): T[] {
    return rows.map((r) => this.#track(r)!);
  }

  workspace(id: WorkspaceId): ResultAsync<Workspace, WorkspaceNotFound | StoreUnavailable> {
    return this.read(() => this.store.loadWorkspace(id)).andThen((row) => {
      const ws = this.#track(row);
      if (!ws) return err(appFail.workspaceNotFound(id));
      this.workspaceId = ws.id;
      return ok(ws);
    });
  }

  /** Like {@link workspace}, but a missing workspace is `null` rather than an error. */
  workspaceOrNull(id: WorkspaceId): ResultAsync<Workspace | null, StoreUnavailable> {
    return this.read(() => this.store.loadWorkspace(id)).map((row) => {
      const ws = this.#track(row);
      if (ws) this.workspaceId = ws.id;
      return ws;
    });
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

  /** Whether any aggregate read in this attempt has moved since: checked by an empty commit. */
  async readsMoved(): Promise<boolean> {
    if (this.workspaceId === null || this.#versions.size === 0) return false;
    const check = this.commitOf([], []);
    const outcome = await this.store.commit(check).catch(() => ({ committed: true as const }));
    return !outcome.committed;
  }

  /**
   * The commit for a series of decisions: every aggregate their states hold is written (the
   * last state of each wins), removals are deleted, and every aggregate read is version-checked.
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
    return {
      workspaceId: this.workspaceId!,
      expected: [...expected.values()],
      writes: [...writes.values()],
      removals: [...removals.values()],
      events: decisions.flatMap((d) => d.events),
      outbox,
    };
  }
}

/** What one attempt of a use case decided, before it is committed; `B` is what `beforeCommit` may fail with. */
export type Planned<T, B = never> = Readonly<{
  result: T;
  decisions: readonly Decision<object, WorkspaceEvent>[];
  outbox?: readonly OutboxMessage[];
  /** Runs after deciding and before committing; an error aborts the attempt with nothing written. */
  beforeCommit?: () => ResultAsync<void, B>;
  /** Undoes `beforeCommit` when the commit did not happen. */
  onAbort?: () => Promise<void>;
}>;

/** Settings of {@link transact}. */
export type TransactOptions = Readonly<{
  store: RosterStore;
  now: () => Date;
  maxAttempts: number;
  afterCommit?: (outbox: readonly OutboxMessage[]) => Promise<void>;
}>;

/**
 * Runs load → decide → commit, and on a version conflict reloads and decides again, up to
 * `maxAttempts` times. A failed attempt writes nothing.
 */
export function transact<T, E, B = never>(
  options: TransactOptions,
  attempt: (a: Attempt) => ResultAsync<Planned<T, B>, E>,
): ResultAsync<T, E | B | ConcurrencyConflict | StoreUnavailable> {
  const run = async (): Promise<Result<T, E | B | ConcurrencyConflict | StoreUnavailable>> => {
    for (let n = 1; ; n++) {
      const a = new Attempt(options.store, options.now());
      const planned = await attempt(a);
      if (planned.isErr()) {
        // A refusal is only as good as the reads behind it: if any of them moved meanwhile (two
        // racing accepts, say), decide again on fresh reads rather than refuse for a torn reason.
        if (n < options.maxAttempts && (await a.readsMoved())) continue;
        return err(planned.error);
      }
      const plan = planned.value;
      if (plan.decisions.every((d) => d.events.length === 0)) return ok(plan.result);
      if (plan.beforeCommit) {
        const before = await plan.beforeCommit();
        if (before.isErr()) return err(before.error);
      }
      const outbox = plan.outbox ?? [];
      const outcome = await a.read(() => options.store.commit(a.commitOf(plan.decisions, outbox)));
      if (outcome.isOk() && outcome.value.committed) {
        if (options.afterCommit && outbox.length > 0) await options.afterCommit(outbox).catch(() => undefined);
        return ok(plan.result);
      }
      await plan.onAbort?.().catch(() => undefined);
      if (outcome.isErr()) return err(outcome.error);
      if (n >= options.maxAttempts) return err(appFail.conflict(n));
    }
  };
  return new ResultAsync(run());
}
