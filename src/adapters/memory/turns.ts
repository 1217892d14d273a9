/**
 * Turns per workspace among the sessions of one in-memory store, first come first served: a
 * session's turn is its lock on the workspace. The same queue as PostgreSQL's (in
 * src/adapters/postgres/session.ts, where sessions wait for their turn before they take a
 * connection), kept apart because `agent-roster/postgres` may carry no copy of core code, and
 * the core does not export this.
 *
 * @example const leave = await turns.take(workspaceId); try { … } finally { leave(); }
 */
export class WorkspaceTurns {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for the workspace's turn; the function returned hands the turn on (call it once). */
  async take(workspaceId: string): Promise<() => void> {
    const before = this.#tails.get(workspaceId) ?? Promise.resolve();
    let leave!: () => void;
    const mine = new Promise<void>((resolve) => (leave = resolve));
    const tail = before.then(() => mine);
    this.#tails.set(workspaceId, tail);
    await before;
    return () => {
      leave();
      if (this.#tails.get(workspaceId) === tail) this.#tails.delete(workspaceId);
    };
  }
}
