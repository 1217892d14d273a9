/**
 * Turns per workspace among the sessions of one store, first come first served. The in-memory
 * store's sessions hold the turn itself as their lock on the workspace; PostgreSQL's wait for
 * their turn before they take a connection, so commands of one workspace queue here, in order,
 * holding nothing, and only the one whose turn it is holds a connection of the pool (waiting, at
 * most, on sessions of other processes).
 *
 * Exported from the core only so that `agent-roster/postgres` can share it: that subpath reaches
 * the core by the package name and may carry no copy of core code (tsup.config.ts,
 * scripts/check-package.ts). Not part of the public API.
 *
 * @internal
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
