import { routingStateId, type Agent, type Department, type Invitation, type RoutingState, type Workspace } from '../../domain/index';
import { hasPassed } from '../../domain/time';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../../domain/ids';
import type { Email } from '../../domain/values';
import type { OutboxMessage, OutboxStatus } from '../../ports/outbox';
import type {
  Aggregate,
  AgentFilter,
  Commit,
  CommitOutcome,
  DepartmentSummary,
  InvitationFilter,
  RosterStore,
  Versioned,
  WorkspaceEvent,
} from '../../ports/store';

type Row<T> = { value: T; version: number };

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
const freeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) freeze(v);
  }
  return value;
};

/**
 * The embedded default store: everything in memory, with the same atomicity, versions and
 * uniqueness rules as a database, so tests against it mean something. Every method yields to
 * the event loop first, like real I/O, which lets concurrent use cases interleave.
 *
 * @example const roster = createRoster({ store: new MemoryRosterStore(), … })
 */
export class MemoryRosterStore implements RosterStore {
  readonly #rows = new Map<string, Row<Aggregate>>();
  /** unique key → `kind:id` of the holder */
  readonly #unique = new Map<string, string>();
  readonly #byWorkspace = new Map<string, Set<string>>();
  readonly #events = new Map<string, WorkspaceEvent[]>();
  readonly #outbox = new Map<string, OutboxMessage & { leaseUntil: number }>();

  async #io(): Promise<void> {
    await Promise.resolve();
  }

  #get<T extends Aggregate>(kind: T['kind'], id: string, workspaceId?: string): Versioned<T> | null {
    const row = this.#rows.get(keyOf(kind, id));
    if (!row) return null;
    if (workspaceId !== undefined && row.value.kind !== 'workspace' && row.value.workspaceId !== workspaceId) return null;
    return { value: row.value as T, version: row.version };
  }

  #all<T extends Aggregate>(workspaceId: string, kind: T['kind']): T[] {
    const out: T[] = [];
    for (const key of this.#byWorkspace.get(workspaceId) ?? []) {
      const row = this.#rows.get(key);
      if (row && row.value.kind === kind) out.push(row.value as T);
    }
    return out;
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
    const versioned = <T extends Aggregate>(a: T) => ({ value: a, version: this.#rows.get(keyOf(a.kind, a.id))!.version });
    return {
      agents: this.#all<Agent>(workspaceId, 'agent').filter((a) => a.departmentIds.includes(departmentId)).map(versioned),
      invitations: this.#all<Invitation>(workspaceId, 'invitation')
        .filter((i) => i.status === 'pending' && i.departmentIds.includes(departmentId))
        .map(versioned),
    };
  }
  async loadRoutingStates(workspaceId: WorkspaceId, departmentIds: readonly (DepartmentId | null)[]) {
    await this.#io();
    return departmentIds.flatMap((d) => this.#get<RoutingState>('routing', routingStateId(workspaceId, d), workspaceId) ?? []);
  }
  async lapsedInvitations(workspaceId: WorkspaceId, now: Date, limit: number) {
    await this.#io();
    return this.#all<Invitation>(workspaceId, 'invitation')
      .filter((i) => i.status === 'pending' && hasPassed(i.expiresAt, now))
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
      .slice(0, limit)
      .map((value) => ({ value, version: this.#rows.get(keyOf('invitation', value.id))!.version }));
  }

  async listAgents(workspaceId: WorkspaceId, filter: AgentFilter = {}) {
    await this.#io();
    return this.#all<Agent>(workspaceId, 'agent')
      .filter(
        (a) =>
          (filter.status === undefined || a.status === filter.status) &&
          (filter.availability === undefined || a.availability === filter.availability) &&
          (filter.departmentId === undefined || a.departmentIds.includes(filter.departmentId)),
      )
      .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.id.localeCompare(b.id));
  }
  async listInvitations(workspaceId: WorkspaceId, filter: InvitationFilter = {}) {
    await this.#io();
    const now = filter.now;
    const statusOf = (i: Invitation) => (now && i.status === 'pending' && hasPassed(i.expiresAt, now) ? 'expired' : i.status);
    return this.#all<Invitation>(workspaceId, 'invitation')
      .filter((i) => filter.status === undefined || statusOf(i) === filter.status)
      .sort((a, b) => a.sentAt.localeCompare(b.sentAt) || a.id.localeCompare(b.id));
  }
  async listDepartments(workspaceId: WorkspaceId): Promise<readonly DepartmentSummary[]> {
    await this.#io();
    const agents = this.#all<Agent>(workspaceId, 'agent');
    const pending = this.#all<Invitation>(workspaceId, 'invitation').filter((i) => i.status === 'pending');
    return this.#all<Department>(workspaceId, 'department')
      .sort((a, b) => a.nameKey.localeCompare(b.nameKey))
      .map((department) => ({
        department,
        members: agents.filter((a) => a.departmentIds.includes(department.id)).length,
        pendingInvitations: pending.filter((i) => i.departmentIds.includes(department.id)).length,
      }));
  }
  async events(workspaceId: WorkspaceId) {
    await this.#io();
    return [...(this.#events.get(workspaceId) ?? [])];
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
      if (old) for (const u of uniqueKeysOf(old.value)) if (this.#unique.get(u) === key) this.#unique.delete(u);
    }
    for (const r of commit.removals) {
      this.#rows.delete(keyOf(r.kind, r.id));
      this.#byWorkspace.get(commit.workspaceId)?.delete(keyOf(r.kind, r.id));
    }
    for (const a of commit.writes) {
      const key = keyOf(a.kind, a.id);
      // A copy, so the caller's objects stay theirs; except routing queues, frozen in place: they
      // can be large, and routing keeps its pick index per state object, so handing the same
      // object back keeps a pick O(log n) instead of rebuilding the index.
      const stored = a.kind === 'routing' ? freeze(a) : freeze(structuredClone(a));
      this.#rows.set(key, { value: stored, version: (this.#rows.get(key)?.version ?? 0) + 1 });
      const members = this.#byWorkspace.get(commit.workspaceId) ?? new Set();
      members.add(key);
      this.#byWorkspace.set(commit.workspaceId, members);
    }
    for (const [key, holder] of claims) this.#unique.set(key, holder);
    const log = this.#events.get(commit.workspaceId) ?? [];
    log.push(...commit.events.map((e) => freeze(structuredClone(e))));
    this.#events.set(commit.workspaceId, log);
    for (const m of commit.outbox) this.#outbox.set(m.id, { ...m, leaseUntil: 0 });
    return { committed: true };
  }

  async claimOutbox(now: Date, limit: number, leaseMs: number) {
    await this.#io();
    const t = now.getTime();
    const due = [...this.#outbox.values()]
      .filter((m) => m.status === 'pending' && Date.parse(m.nextAttemptAt) <= t && m.leaseUntil <= t)
      .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt))
      .slice(0, limit);
    for (const m of due) this.#outbox.set(m.id, { ...m, leaseUntil: t + leaseMs });
    return due.map(({ leaseUntil: _, ...m }) => m);
  }
  async markDelivered(id: string, at: Date) {
    await this.#io();
    const m = this.#outbox.get(id);
    if (m && m.status === 'pending') {
      this.#outbox.set(id, { ...m, status: 'delivered', attempts: m.attempts + 1, deliveredAt: at.toISOString(), text: '', html: null, leaseUntil: 0 });
    }
  }
  async markFailed(id: string, error: string, retryAt: Date) {
    await this.#io();
    const m = this.#outbox.get(id);
    if (m && m.status === 'pending') {
      this.#outbox.set(id, { ...m, attempts: m.attempts + 1, lastError: error, nextAttemptAt: retryAt.toISOString(), leaseUntil: 0 });
    }
  }
  async listOutbox(workspaceId: WorkspaceId, status?: OutboxStatus) {
    await this.#io();
    return [...this.#outbox.values()]
      .filter((m) => m.workspaceId === workspaceId && (status === undefined || m.status === status))
      .map(({ leaseUntil: _, ...m }) => m);
  }
}
