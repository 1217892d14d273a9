/**
 * BROKEN ON PURPOSE: a store whose commit answers `{ committed: true }` to a commit with nothing
 * to write (no aggregate, removal, event, message or withdrawal) without checking its `expected`
 * versions: "nothing to do, nothing can go wrong". It has no `versionsCurrent`, as a store written
 * for 0.1.0 has not.
 *
 * That is exactly what the roster commits after refusing a command, to learn whether a read
 * behind the refusal moved (src/application/transaction.ts, `readsMoved`): answered "committed",
 * every refusal is final, even one decided on a workspace another command has just changed
 * (an invite refused for a seat that a revoke had freed a moment before).
 */
import { MemoryRosterStore, type Commit, type CommitOutcome } from 'agent-roster';

export class EmptyCommitShortcutStore extends MemoryRosterStore {
  constructor() {
    super({ lockWorkspaces: false });
    // An own property over the class's method: the roster and the contract see no versionsCurrent.
    Object.defineProperty(this, 'versionsCurrent', { value: undefined });
  }

  override async commit(commit: Commit): Promise<CommitOutcome> {
    const writesNothing =
      commit.writes.length === 0 && commit.removals.length === 0 && commit.events.length === 0 && commit.outbox.length === 0 && (commit.withdraw ?? []).length === 0;
    return writesNothing ? { committed: true } : super.commit(commit);
  }
}
