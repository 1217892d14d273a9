/**
 * A memory store that takes commits one at a time, for broken stores whose flaw is a rule: the
 * claims they check are then those each commit writes against, so they fail for the rule they
 * break, not for a race. A subclass overrides `commitAlone` and calls `super.commitAlone` to
 * commit for real.
 */
import { MemoryRosterStore, type Commit, type CommitOutcome } from 'agent-roster';

export class OneCommitAtATimeStore extends MemoryRosterStore {
  #turn: Promise<unknown> = Promise.resolve();

  constructor() {
    super({ lockWorkspaces: false });
  }

  override commit(commit: Commit): Promise<CommitOutcome> {
    const outcome = this.#turn.then(() => this.commitAlone(commit));
    this.#turn = outcome.catch(() => undefined);
    return outcome;
  }

  /** Commits for real; the previous commit has finished. */
  protected commitAlone(commit: Commit): Promise<CommitOutcome> {
    return super.commit(commit);
  }
}
