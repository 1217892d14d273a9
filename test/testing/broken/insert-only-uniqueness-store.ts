/**
 * BROKEN ON PURPOSE: a store that checks a uniqueness rule when a row is inserted and not when it
 * is updated, as a key-value store does with `SETNX` on create and a plain `SET` on update: the
 * department names of a workspace (`'department'`), or its emails, held by agents and pending
 * invitations (`'agent'`). A rename onto another department's name, or an email change onto
 * another agent's or an invitee's, goes through; so do two renames racing onto one free name.
 *
 * The store it wraps holds the rule's key made unique (the holder's id appended), so that it does
 * not enforce the rule itself; the wrapper keeps the rule's own claims and gives the key back as
 * written on every read.
 */
import {
  type MemoryRosterStore,
  type Agent,
  type AgentFilter,
  type AgentKey,
  type Aggregate,
  type Commit,
  type CommitOutcome,
  type Department,
  type DepartmentId,
  type DepartmentSummary,
  type Email,
  type PageBounds,
  type WorkspaceId,
} from 'agent-roster';
import { OneCommitAtATimeStore } from './one-commit-at-a-time';

type Rule = 'department' | 'agent';

const MARK = '\u0001';
const plain = (key: string) => key.slice(0, key.includes(MARK) ? key.indexOf(MARK) : undefined);
const agentAsWritten = (a: Agent): Agent => ({ ...a, email: plain(a.email) as Email });
const departmentAsWritten = (d: Department): Department => ({ ...d, nameKey: plain(d.nameKey) });

export class InsertOnlyUniquenessStore extends OneCommitAtATimeStore {
  /** the rule's key (`workspace NUL key`) → `kind:id` of its holder */
  readonly #holders = new Map<string, string>();

  constructor(private readonly rule: Rule) {
    super();
  }

  /** The keys of the rule an aggregate holds while it is stored. */
  #keysOf(a: Aggregate): string[] {
    if (this.rule === 'department') return a.kind === 'department' ? [`${a.workspaceId}\u0000${a.nameKey}`] : [];
    if (a.kind === 'agent' || (a.kind === 'invitation' && a.status === 'pending')) return [`${a.workspaceId}\u0000${a.email}`];
    return [];
  }

  /** One commit at a time (the base class), so the claims checked are those the commit writes against. */
  protected override async commitAlone(commit: Commit): Promise<CommitOutcome> {
    const created = new Set(commit.expected.filter((e) => e.version === 0).map((e) => `${e.kind}:${e.id}`));
    const moving = new Set([...commit.writes, ...commit.removals].map((a) => `${a.kind}:${a.id}`));
    const claims = new Map<string, string>();
    for (const a of commit.writes) {
      const mine = `${a.kind}:${a.id}`;
      for (const key of this.#keysOf(a)) {
        // The bug: only an insert looks for another holder.
        const holder = claims.get(key) ?? this.#holders.get(key);
        if (created.has(mine) && holder !== undefined && holder !== mine && !(moving.has(holder) && !claims.has(key))) {
          return { committed: false, reason: 'unique-violation', detail: this.rule === 'department' ? 'dept-name' : 'email' };
        }
        claims.set(key, mine);
      }
    }
    const outcome = await super.commitAlone({ ...commit, writes: commit.writes.map((a) => this.#unique(a)) });
    if (outcome.committed) {
      for (const [key, holder] of this.#holders) if (moving.has(holder)) this.#holders.delete(key);
      for (const [key, holder] of claims) this.#holders.set(key, holder);
    }
    return outcome;
  }

  /** The aggregate as the wrapped store keeps it: the rule's key made unique to its holder. */
  #unique(a: Aggregate): Aggregate {
    if (this.rule === 'department' && a.kind === 'department') return { ...a, nameKey: `${a.nameKey}${MARK}${a.id}` };
    if (this.rule === 'agent' && a.kind === 'agent') return { ...a, email: `${a.email}${MARK}${a.id}` as Email };
    return a;
  }

  override async emailHolder(workspaceId: WorkspaceId, email: Email) {
    if (this.rule !== 'agent') return super.emailHolder(workspaceId, email);
    await super.emailHolder(workspaceId, email);
    const holder = this.#holders.get(`${workspaceId}\u0000${email}`);
    return holder === undefined ? null : holder.startsWith('agent:') ? 'agent' : 'pending-invitation';
  }
  override async departmentNameTaken(workspaceId: WorkspaceId, nameKey: string, exceptId?: DepartmentId) {
    if (this.rule !== 'department') return super.departmentNameTaken(workspaceId, nameKey, exceptId);
    await super.departmentNameTaken(workspaceId, nameKey, exceptId);
    const holder = this.#holders.get(`${workspaceId}\u0000${nameKey}`);
    return holder !== undefined && holder !== `department:${exceptId}`;
  }

  override async loadAgent(...args: Parameters<MemoryRosterStore['loadAgent']>) {
    const row = await super.loadAgent(...args);
    return row && { value: agentAsWritten(row.value), version: row.version };
  }
  override async listAgents(workspaceId: WorkspaceId, filter?: AgentFilter, page?: PageBounds<AgentKey>) {
    return (await super.listAgents(workspaceId, filter, page)).map(agentAsWritten);
  }
  override async departmentMembers(...args: Parameters<MemoryRosterStore['departmentMembers']>) {
    const members = await super.departmentMembers(...args);
    return { ...members, agents: members.agents.map((a) => ({ value: agentAsWritten(a.value), version: a.version })) };
  }
  override async loadDepartments(...args: Parameters<MemoryRosterStore['loadDepartments']>) {
    return (await super.loadDepartments(...args)).map((d) => ({ value: departmentAsWritten(d.value), version: d.version }));
  }
  override async listDepartments(workspaceId: WorkspaceId, now?: Date): Promise<readonly DepartmentSummary[]> {
    return (await super.listDepartments(workspaceId, now)).map((s) => ({ ...s, department: departmentAsWritten(s.department) }));
  }
  override async loadAllDepartments(workspaceId: WorkspaceId): Promise<readonly Department[]> {
    return (await super.loadAllDepartments(workspaceId)).map(departmentAsWritten);
  }
}
