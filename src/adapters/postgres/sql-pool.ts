/**
 * The small part of a `pg` Pool the store uses. Declaring it here, instead of importing `pg`,
 * keeps `pg` an optional peer dependency: anything with this shape works — a `pg.Pool`, a
 * pool of PGlite connections through `@electric-sql/pglite/node-postgres`, or a test double.
 */

/**
 * What a query answers: its rows, and how many rows a write touched.
 *
 * @example const { rows, rowCount } = await pool.query('DELETE FROM outbox WHERE status = $1', ['delivered'])
 */
export type SqlResult = Readonly<{ rows: readonly unknown[]; rowCount: number | null }>;

/**
 * Runs one statement. `values` fill `$1`, `$2`, …; a text without values may hold several
 * statements (the migrations need that).
 *
 * @example await db.query('select version from workspaces where id = $1', ['ws_1'])
 */
export interface SqlQueryable {
  /**
   * Runs `text` with `values` bound to `$1`, `$2`, …, and answers its rows and row count;
   * rejects when the database refuses the statement.
   *
   * @example const { rows } = await db.query('select id from agents where workspace_id = $1', [workspaceId])
   */
  query(text: string, values?: unknown[]): Promise<SqlResult>;
}

/**
 * One connection taken out of a pool: every statement of a transaction runs on it.
 * `release(error)` hands it back; passing an error tells the pool to discard it, which is what
 * must happen to a connection that died or was left inside a transaction.
 *
 * @example const client = await pool.connect(); try { … } finally { client.release(); }
 */
export interface SqlClient extends SqlQueryable {
  /**
   * Hands the connection back to its pool. Pass the error (or `true`) when the connection
   * failed, so the pool discards it instead of lending it out again.
   *
   * @example client.release(); // healthy: back into the pool; client.release(error) to drop it
   */
  release(error?: Error | boolean): void;
  /** `pg` clients emit `error` when their connection dies while checked out; the store listens. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  /**
   * Stops listening for `error`: the store calls it before releasing the client, so a
   * pooled connection does not keep a listener per transaction.
   *
   * @example client.removeListener?.('error', onError)
   */
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * A pool of connections: `query` runs a statement on any free connection, `connect` lends one
 * out for a transaction. A `pg.Pool` is one.
 *
 * @example
 * import pg from 'pg';
 * const pool: SqlPool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 */
export interface SqlPool extends SqlQueryable {
  /**
   * Lends out one connection, for a transaction whose statements must all run on it; the
   * caller must `release` it.
   *
   * @example const client = await pool.connect(); try { await client.query('BEGIN'); } finally { client.release(); }
   */
  connect(): Promise<SqlClient>;
}
