import type { WorkspaceId } from '../../domain/ids';
import type { Commit, CommitOutcome, LockOutcome, RosterSession } from '../../ports/store';
import { writeCommit } from './commit';
import type { CommittedQueues } from './committed-queues';
import { conflictOf } from './errors';
import { PostgresReads, versioned } from './reads';
import type { SqlClient, SqlPool } from './sql-pool';
import { rollbackQuietly } from './transaction';
import type { WorkspaceTurns } from '../workspace-turns';

/** What a session needs of the store that opened it. */
export type SessionDeps = Readonly<{
  pool: SqlPool;
  queues: CommittedQueues;
  /** The store's turns per workspace, which a session waits on before it takes a connection. */
  turns: WorkspaceTurns;
  /** The store's own commit, for a session that never locked (it has no transaction to commit in). */
  commitAlone: (commit: Commit) => Promise<CommitOutcome>;
}>;

/**
 * One attempt of a use case on PostgreSQL (see {@link RosterSession}). Until it locks a workspace
 * its reads go to the pool like the store's; `lockWorkspace` waits for the workspace's turn in
 * this process, takes a connection, opens a READ COMMITTED transaction and locks the workspace's
 * row (`FOR NO KEY UPDATE`, the lock every commit of the workspace takes first), and every read
 * after that runs on that connection. `commit` writes in that transaction and commits it.
 *
 * While the lock is held nothing else in the workspace can commit, so the reads made after it
 * still hold at the commit; the commit checks every version anyway (reads made before the lock,
 * like the token lookup of an accept, may have moved).
 *
 * @example const session = new PostgresSession(deps); try { await session.lockWorkspace(id); … } finally { await session.end(); }
 */
export class PostgresSession implements RosterSession {
  readonly #deps: SessionDeps;
  readonly #poolReads: PostgresReads;
  readonly #ownReads: PostgresReads;
  #client: SqlClient | null = null;
  /** Whether a transaction is open on `#client`. */
  #open = false;
  #broken: Error | undefined;
  #ended = false;
  #leave: (() => void) | null = null;
  #ending: Promise<void> | undefined;
  /**
   * The end of the line of statements for `#client`, which never rejects. A `pg` client runs one
   * query at a time and queues the rest, but warns (deprecated, to be removed in pg 9) when asked
   * for a second before the first answered; the roster reads in parallel (`ResultAsync.combine`),
   * so the session queues them itself, in the order asked, and `commit` and `end` wait their turn.
   */
  #line: Promise<unknown> = Promise.resolve();
  readonly #onError = (error: Error) => {
    this.#broken ??= error;
  };

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#poolReads = new PostgresReads((text, values) => deps.pool.query(text, values), deps.queues);
    this.#ownReads = new PostgresReads((text, values) => this.#onOwnConnection(text, values), deps.queues);
  }

  get #reads(): PostgresReads {
    return this.#client ? this.#ownReads : this.#poolReads;
  }

  /** Runs `work` once every statement asked for before it has answered. */
  #inLine<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#line.then(work);
    this.#line = run.catch(() => undefined);
    return run;
  }

  /** Runs `work` on `#client` in its turn, unless the session ended while it waited. */
  #inTurn<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    const client = this.#client;
    return this.#inLine(() => {
      if (this.#client !== client || !client) throw new Error('agent-roster: this session has ended');
      return work(client);
    });
  }

  async #onOwnConnection(text: string, values: unknown[]) {
    if (this.#ended || !this.#client) throw new Error('agent-roster: this session has ended');
    return this.#inTurn((client) => client.query(text, values));
  }

  async lockWorkspace(id: WorkspaceId): Promise<LockOutcome> {
    if (this.#ended) throw new Error('agent-roster: this session has ended');
    if (this.#leave) throw new Error('agent-roster: a session locks one workspace, once');
    const leave = await this.#deps.turns.take(id);
    // end() may have run while this waited: hand the turn on and take nothing.
    if (this.#ended) {
      leave();
      throw new Error('agent-roster: this session has ended');
    }
    this.#leave = leave;
    try {
      const client = await this.#deps.pool.connect();
      if (this.#ended) {
        // end() ran while the pool lent us a connection (and has handed the turn on): give it back.
        client.release();
        throw new Error('agent-roster: this session has ended');
      }
      client.on?.('error', this.#onError);
      this.#client = client;
      // Open before BEGIN is sent, so that a failed BEGIN is rolled back (and the connection
      // proven healthy or dropped) by end(), like any other failure inside the transaction.
      this.#open = true;
      const { rows } = await this.#inTurn(async (c) => {
        await c.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        return c.query('SELECT data, version FROM workspaces WHERE id = $1 FOR NO KEY UPDATE', [id]);
      });
      const row = rows[0] as { data: unknown; version: number | string } | undefined;
      return { locked: true, workspace: row ? versioned(row) : null };
    } catch (error) {
      // A deadlock or a lock wait cut short by the host's lock_timeout lost a race: decide again.
      const conflict = conflictOf(error);
      if (conflict && !conflict.committed && conflict.reason === 'stale-version') return { locked: false, reason: 'stale-version', detail: conflict.detail };
      throw error;
    }
  }

  async commit(commit: Commit): Promise<CommitOutcome> {
    if (this.#ended) throw new Error('agent-roster: this session has ended');
    const client = this.#client;
    if (!client) {
      this.#ended = true;
      return this.#deps.commitAlone(commit);
    }
    const queues = this.#deps.queues.prepare(commit);
    try {
      const end = await this.#inTurn(async (c) => {
        const ending = await writeCommit(c, commit, queues);
        await c.query(ending.commit ? 'COMMIT' : 'ROLLBACK');
        return ending;
      });
      this.#open = false;
      if (end.value.committed) this.#deps.queues.rememberWrites(queues);
      return end.value;
    } catch (error) {
      // Conflicts the database detected (a unique key at COMMIT, a deadlock) are answers;
      // anything else — a dead connection, a broken foreign key — is a failure to report.
      const conflict = conflictOf(error);
      if (conflict) return conflict;
      throw error;
    } finally {
      await this.end();
    }
  }

  /**
   * Ends the session: rolls back what it did not commit, gives its connection back and hands the
   * workspace on. A second call, even one made while the first is rolling back, waits for the same
   * end rather than handing the workspace on before the rollback is done.
   */
  end(): Promise<void> {
    return (this.#ending ??= this.#end());
  }

  async #end(): Promise<void> {
    this.#ended = true;
    const client = this.#client;
    this.#client = null;
    if (client) {
      // A ROLLBACK that goes through proves the connection healthy; one that fails means it is
      // gone, and the pool must drop it rather than lend out a half-open transaction. It waits
      // for the statements already running (a read that failed fast may have left others in
      // flight); those still waiting their turn find the session ended and do not run.
      if (this.#open) this.#broken ??= await this.#inLine(() => rollbackQuietly(client));
      this.#open = false;
      client.removeListener?.('error', this.#onError);
      client.release(this.#broken);
    }
    const leave = this.#leave;
    this.#leave = null;
    leave?.();
  }

  loadWorkspace: RosterSession['loadWorkspace'] = (...args) => this.#reads.loadWorkspace(...args);
  loadAgent: RosterSession['loadAgent'] = (...args) => this.#reads.loadAgent(...args);
  loadInvitation: RosterSession['loadInvitation'] = (...args) => this.#reads.loadInvitation(...args);
  findInvitationByTokenHash: RosterSession['findInvitationByTokenHash'] = (...args) => this.#reads.findInvitationByTokenHash(...args);
  loadDepartments: RosterSession['loadDepartments'] = (...args) => this.#reads.loadDepartments(...args);
  emailHolder: RosterSession['emailHolder'] = (...args) => this.#reads.emailHolder(...args);
  departmentNameTaken: RosterSession['departmentNameTaken'] = (...args) => this.#reads.departmentNameTaken(...args);
  departmentMembers: RosterSession['departmentMembers'] = (...args) => this.#reads.departmentMembers(...args);
  loadRoutingStates: RosterSession['loadRoutingStates'] = (...args) => this.#reads.loadRoutingStates(...args);
  lapsedInvitations: RosterSession['lapsedInvitations'] = (...args) => this.#reads.lapsedInvitations(...args);
  versionsCurrent = (...args: Parameters<PostgresReads['versionsCurrent']>) => this.#reads.versionsCurrent(...args);
}
