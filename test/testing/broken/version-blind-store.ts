/**
 * BROKEN ON PURPOSE: a store that forgets optimistic concurrency. Its commit writes whatever it
 * is given, never checking that the aggregates it read are still at the versions it read — the
 * SQL equivalent of `UPDATE workspaces SET … WHERE id = $1` without `AND version = $2`.
 *
 * One command at a time it behaves perfectly. Two at once (two admins inviting in the same
 * second) both read the workspace, both decide, and the second write silently replaces the
 * first: a lost update of the seat counters. It has no sessions either (`lockWorkspaces: false`),
 * as a store written by hand usually has not: the in-memory store's workspace locks would make
 * the commands that change the counters take turns, and hide most of the bug.
 */
import { MemoryRosterStore, type Commit, type CommitOutcome } from 'agent-roster';

export class VersionBlindStore extends MemoryRosterStore {
  constructor() {
    super({ lockWorkspaces: false });
  }

  override async commit(commit: Commit): Promise<CommitOutcome> {
    return super.commit({ ...commit, expected: [] });
  }
}
