/**
 * BROKEN ON PURPOSE: a store whose `claimOutbox` leases the latest due message first (an index
 * read backwards, `ORDER BY next_attempt_at DESC`). Every message still goes out while mail is
 * light, but under a steady flow the old ones and the retries wait behind the new, and an
 * invitation email can outlive its link.
 */
import { MemoryRosterStore, type Commit, type CommitOutcome, type OutboxMessage } from 'agent-roster';

export class NewestFirstClaimStore extends MemoryRosterStore {
  readonly #workspaces = new Set<string>();

  constructor() {
    super({ lockWorkspaces: false });
  }

  override async commit(commit: Commit): Promise<CommitOutcome> {
    this.#workspaces.add(commit.workspaceId);
    return super.commit(commit);
  }

  override async claimOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const pending: OutboxMessage[] = [];
    for (const id of this.#workspaces) pending.push(...(await this.listOutbox(id as never, 'pending')));
    const due = pending.filter((m) => Date.parse(m.nextAttemptAt) <= now.getTime()).sort((a, b) => Date.parse(b.nextAttemptAt) - Date.parse(a.nextAttemptAt));
    const claimed: OutboxMessage[] = [];
    for (const m of due) {
      if (claimed.length >= limit) break;
      claimed.push(...(await this.claimOutboxMessages([m.id], now, leaseMs)));
    }
    return claimed;
  }
}
