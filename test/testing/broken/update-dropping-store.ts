/**
 * BROKEN ON PURPOSE: a store that drops every update of one kind of aggregate and still answers
 * `{ committed: true }` — an upsert written as `INSERT … ON CONFLICT DO NOTHING`. New aggregates
 * of that kind are stored; changes to them are lost.
 */
import { MemoryRosterStore, type AggregateKind, type Commit, type CommitOutcome } from 'agent-roster';

export class UpdateDroppingStore extends MemoryRosterStore {
  constructor(private readonly dropped: AggregateKind) {
    super({ lockWorkspaces: false });
  }

  override async commit(commit: Commit): Promise<CommitOutcome> {
    const updated = new Set(commit.expected.filter((e) => e.kind === this.dropped && e.version > 0).map((e) => e.id));
    return super.commit({ ...commit, writes: commit.writes.filter((w) => !(w.kind === this.dropped && updated.has(w.id))) });
  }
}
