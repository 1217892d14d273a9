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
 * Runs `body` in one READ COMMITTED transaction on one connection, then commits or rolls back as
 * it says. A thrown error rolls back and is rethrown. A connection that failed is released with
 * the error, so the pool drops it rather than handing a half-open transaction to someone else.
 *
 * READ COMMITTED is set explicitly: the store's correctness argument (every row it writes or
 * relies on is locked or version-checked) is made for it, whatever the server's default is.
 *
 * @example await inTransaction(pool, async (client) => ({ commit: true, value: await client.query('…') }))
 */
export async function inTransaction<T>(pool: SqlPool, body: (client: SqlClient) => Promise<TransactionEnd<T>>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A `pg` client whose connection dies while checked out emits `error`; unheard, that event
  // would crash the process. The failing query rejects as well, which is what we act on.
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on?.('error', onError);
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const end = await body(client);
    await client.query(end.commit ? 'COMMIT' : 'ROLLBACK');
    return end.value;
  } catch (error) {
    // Whether the body, BEGIN or COMMIT failed (a deferred constraint fails at COMMIT), a
    // ROLLBACK that goes through proves the connection is healthy and outside any transaction;
    // one that fails means the connection is gone and the pool must drop it.
    broken ??= await rollbackQuietly(client);
    throw error;
  } finally {
    client.removeListener?.('error', onError);
    client.release(broken);
  }
}
