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
  readonly #leaseMs: number | null;

  /**
   * @param owner The store's name, for the refusal of a bad `leaseMs`.
   * @param leaseMs A store's `lockLeaseMs`: how long a session may keep its turn before the next
   *   one is let through anyway (`null`: for as long as it likes). A session past its lease goes
   *   on as an optimistic one: its commit is still checked against every version it read (and on
   *   PostgreSQL it keeps its row lock, which the next one then waits on), so it may lose a race,
   *   never corrupt a workspace. The lease is what keeps one hung port call (an identity provider
   *   that never answers) from holding up every command of its workspace for good.
   * @throws TypeError when `leaseMs` is not a number from 0 to 2,147,483,647 (setTimeout's range:
   *   NaN, Infinity or a string would make the lease end at once or never).
   */
  constructor(owner: string, leaseMs: number | null) {
    if (leaseMs !== null && (typeof leaseMs !== 'number' || !(leaseMs >= 0 && leaseMs <= 2_147_483_647))) {
      throw new TypeError(`${owner}: lockLeaseMs must be a number of milliseconds from 0 to 2147483647; got ${String(leaseMs)}`);
    }
    this.#leaseMs = leaseMs;
  }

  /** Waits for the workspace's turn; the function returned hands the turn on (call it once). */
  async take(workspaceId: string): Promise<() => void> {
    const before = this.#tails.get(workspaceId) ?? Promise.resolve();
    let leave!: () => void;
    const mine = new Promise<void>((resolve) => (leave = resolve));
    const tail = before.then(() => mine);
    this.#tails.set(workspaceId, tail);
    await before;
    // Unref'd: a lease never keeps a process alive that has nothing else to do.
    const lease = this.#leaseMs === null ? undefined : setTimeout(leave, this.#leaseMs);
    (lease as { unref?: () => void } | undefined)?.unref?.();
    return () => {
      clearTimeout(lease);
      leave();
      if (this.#tails.get(workspaceId) === tail) this.#tails.delete(workspaceId);
    };
  }
}
