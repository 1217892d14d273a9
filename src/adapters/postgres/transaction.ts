import type { SqlClient, SqlPool } from './sql-pool';

/**
 * How a transaction body ends: commit, or roll back, and what to answer either way.
 *
 * @example return { commit: false, value: { committed: false, reason: 'stale-version', detail } };
 */
export type TransactionEnd<T> = Readonly<{ commit: boolean; value: T }>;

/**
 * Rolls back, swallowing the failure of a connection that is already gone. Returns that failure
 * so the caller can tell the pool to discard the connection instead of reusing it.
 *
 * @example client.release(await rollbackQuietly(client))
 */
export async function rollbackQuietly(client: SqlClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Runs `use` on one connection of `pool` and hands it back. `broke(error)` (also called when the
 * connection emits `error`) marks it failed, and it is then released with the error, so the pool
 * drops it rather than hand a half-open transaction, or a session still holding a lock, to
 * someone else.
 *
 * @example await onConnection(pool, (client, broke) => transactionOn(client, body, broke))
 */
export async function onConnection<T>(pool: SqlPool, use: (client: SqlClient, broke: (error: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A `pg` client whose connection dies while checked out emits `error`; unheard, that event
  // would crash the process. The failing query rejects as well, which is what we act on.
  const broke = (error: Error) => {
    broken ??= error;
  };
  client.on?.('error', broke);
  try {
    return await use(client, broke);
  } finally {
    client.removeListener?.('error', broke);
    client.release(broken);
  }
}

/**
 * Runs `body` in one READ COMMITTED transaction on `client`, then commits or rolls back as it
 * says. A thrown error rolls back and is rethrown; a rollback that fails too means the connection
 * is gone, and is passed to `broke`.
 *
 * READ COMMITTED is set explicitly: the store's correctness argument (every row it writes or
 * relies on is locked or version-checked) is made for it, whatever the server's default is.
 *
 * @example await transactionOn(client, async (c) => ({ commit: true, value: await c.query('…') }), broke)
 */
export async function transactionOn<T>(client: SqlClient, body: (client: SqlClient) => Promise<TransactionEnd<T>>, broke: (error: Error) => void): Promise<T> {
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const end = await body(client);
    await client.query(end.commit ? 'COMMIT' : 'ROLLBACK');
    return end.value;
  } catch (error) {
    // Whether the body, BEGIN or COMMIT failed (a deferred constraint fails at COMMIT), a
    // ROLLBACK that goes through proves the connection is healthy and outside any transaction;
    // one that fails means the connection is gone and the pool must drop it.
    const failed = await rollbackQuietly(client);
    if (failed) broke(failed);
    throw error;
  }
}

/**
 * Runs `body` in one READ COMMITTED transaction ({@link transactionOn}) on a connection of
 * `pool` ({@link onConnection}).
 *
 * @example await inTransaction(pool, async (client) => ({ commit: true, value: await client.query('…') }))
 */
export function inTransaction<T>(pool: SqlPool, body: (client: SqlClient) => Promise<TransactionEnd<T>>): Promise<T> {
  return onConnection(pool, (client, broke) => transactionOn(client, body, broke));
}
