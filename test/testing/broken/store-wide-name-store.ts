/**
 * BROKEN ON PURPOSE: a store that keeps department names unique across every workspace, where
 * the rule is one name per workspace: the SQL equivalent of `UNIQUE (name_key)` where
 * `UNIQUE (workspace_id, name_key)` was meant. Every tenant but the first to call a department
 * "Sales" is refused one, with an error that says the name is taken in their own workspace.
 */
import type { Commit, CommitOutcome, Department } from 'agent-roster';
import { OneCommitAtATimeStore } from './one-commit-at-a-time';

export class StoreWideDepartmentNameStore extends OneCommitAtATimeStore {
  /** name key → the id of the department holding it, whatever its workspace */
  readonly #holders = new Map<string, string>();

  /** One commit at a time (the base class), so the claims checked are those the commit writes against. */
  protected override async commitAlone(commit: Commit): Promise<CommitOutcome> {
    const written = commit.writes.filter((w): w is Department => w.kind === 'department');
    // Departments this commit renames or removes give their names up in it.
    const moving = new Set([...written.map((d) => d.id), ...commit.removals.filter((r) => r.kind === 'department').map((r) => r.id)]);
    for (const d of written) {
      const holder = this.#holders.get(d.nameKey);
      if (holder !== undefined && !moving.has(holder)) return { committed: false, reason: 'unique-violation', detail: 'dept-name' };
    }
    const outcome = await super.commitAlone(commit);
    if (outcome.committed) {
      for (const [nameKey, id] of this.#holders) if (moving.has(id)) this.#holders.delete(nameKey);
      for (const d of written) this.#holders.set(d.nameKey, d.id);
    }
    return outcome;
  }
}
