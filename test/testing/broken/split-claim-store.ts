/**
 * BROKEN ON PURPOSE: a store that keeps outbox leases itself (a `lease_until` column of its own)
 * and claims in two ways a hand-written claim often takes:
 * - `'limit-first'`: picks the earliest due messages, `limit` of them, then leaves out those
 *   leased (`ORDER BY next_attempt_at LIMIT $2` in a subquery, the lease tested outside it). While
 *   one dispatcher is sending the earliest email, another asking for one gets nothing, and mail
 *   queues behind one slow send.
 * - `'select-then-lease'`: selects the due, unleased messages, then leases them in a second round
 *   trip, without `FOR UPDATE SKIP LOCKED` or a re-check. Dispatchers that select before the first
 *   lease lands all take the same messages, and each sends the email.
 * Every other method is the in-memory store's; marks end the lease, as they do there.
 */
import { MemoryRosterStore, type Commit, type CommitOutcome, type OutboxMessage, type WorkspaceId } from 'agent-roster';

export class SplitClaimStore extends MemoryRosterStore {
  readonly #workspaces = new Set<WorkspaceId>();
  /** message id → epoch ms its lease ends */
  readonly #leases = new Map<string, number>();

  constructor(private readonly flaw: 'limit-first' | 'select-then-lease') {
    super({ lockWorkspaces: false });
  }

  override async commit(commit: Commit): Promise<CommitOutcome> {
    this.#workspaces.add(commit.workspaceId);
    return super.commit(commit);
  }

  /** Pending messages due at `t`, earliest due first (enqueue order within a tie). */
  async #due(t: number): Promise<OutboxMessage[]> {
    const pending: OutboxMessage[] = [];
    for (const id of this.#workspaces) pending.push(...(await this.listOutbox(id, 'pending')));
    return pending.filter((m) => Date.parse(m.nextAttemptAt) <= t).sort((a, b) => Date.parse(a.nextAttemptAt) - Date.parse(b.nextAttemptAt));
  }

  #free(m: OutboxMessage, t: number): boolean {
    return (this.#leases.get(m.id) ?? -Infinity) <= t;
  }

  override async claimOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const t = now.getTime();
    const due = await this.#due(t);
    const picked = this.flaw === 'limit-first' ? due.slice(0, limit).filter((m) => this.#free(m, t)) : due.filter((m) => this.#free(m, t)).slice(0, limit);
    // The UPDATE that leases them, a round trip after the SELECT.
    if (this.flaw === 'select-then-lease') await new Promise((resolve) => setImmediate(resolve));
    for (const m of picked) this.#leases.set(m.id, t + leaseMs);
    return picked;
  }

  override async claimOutboxMessages(ids: readonly string[], now: Date, leaseMs: number): Promise<OutboxMessage[]> {
    const t = now.getTime();
    const due = new Map((await this.#due(t)).map((m) => [m.id, m]));
    const picked = [...new Set(ids)].flatMap((id) => due.get(id) ?? []).filter((m) => this.#free(m, t));
    for (const m of picked) this.#leases.set(m.id, t + leaseMs);
    return picked;
  }

  override async markDelivered(id: string, at: Date): Promise<void> {
    await super.markDelivered(id, at);
    this.#leases.delete(id);
  }

  override async markFailed(id: string, error: string, retryAt: Date): Promise<void> {
    await super.markFailed(id, error, retryAt);
    this.#leases.delete(id);
  }
}
