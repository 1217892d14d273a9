import type { Agent, Department, Invitation, RoutingState, Workspace } from '../../domain/index';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../../domain/ids';
import type { Email } from '../../domain/values';
import type { AggregateKind, DecisionReads, ExpectedVersion, Versioned } from '../../ports/store';
import { queueKeyOf, type CommittedQueues } from './committed-queues';
import { catchUp, joinQueue, type Node, type StoredQueue, type StoredRoot } from './routing-chunks';
import type { SqlResult } from './sql-pool';
import { TABLES } from './tables';

/** Runs one statement somewhere: on any connection of the pool, or on one session's. */
export type RunStatement = (text: string, values: unknown[]) => Promise<SqlResult>;

type DocumentRow = { data: unknown; version: number | string };

/**
 * A routing queue's root row (`path` null), or one of its chunk rows, which follow it and carry
 * only `n`, `stamp`, `path` and `data`. A root's `since` is the version its chunk rows were read
 * after (the version this store held, in the same run of versions), or null when they all were.
 */
type QueueRow = {
  n: string | number;
  id: string | null;
  queue_key: string | null;
  version: number | string | null;
  stamp: string | null;
  created_stamp: string | null;
  chunk_count: number | string | null;
  since: number | string | null;
  path: string | null;
  data: unknown;
};

type ChunkMap = Map<string, Readonly<{ node: Node; stamp: string }>>;

/** The queues a load read, each root row with the chunks it found. */
type Queues = { row: QueueRow; chunks: ChunkMap }[];

/**
 * A row's document and version as the store hands them out.
 *
 * @example versioned<Agent>({ data: agent, version: '3' }) // { value: agent, version: 3 }
 */
export const versioned = <T>(row: DocumentRow): Versioned<T> => ({ value: row.data as T, version: Number(row.version) });

/**
 * Row order for ties: "C" collation, so the order of ids does not depend on the database locale.
 *
 * @example `ORDER BY expires_at, ${BY_ID}`
 */
export const BY_ID = 'id COLLATE "C"';

/**
 * The reads a use case decides on, in SQL, over whatever runs the statements: the store runs them
 * on its pool, a session on its own connection inside its transaction. One implementation for
 * both, so a command reads the same way whether it locks or not.
 *
 * @example const reads = new PostgresReads((text, values) => pool.query(text, values), queues);
 */
export class PostgresReads implements Required<DecisionReads> {
  readonly #run: RunStatement;
  readonly #queues: CommittedQueues;

  constructor(run: RunStatement, queues: CommittedQueues) {
    this.#run = run;
    this.#queues = queues;
  }

  async #rows<T>(text: string, values: unknown[]): Promise<T[]> {
    return (await this.#run(text, values)).rows as T[];
  }

  async #one<T>(table: string, where: string, values: unknown[]): Promise<Versioned<T> | null> {
    const [row] = await this.#rows<DocumentRow>(`SELECT data, version FROM ${table} WHERE ${where}`, values);
    return row ? versioned<T>(row) : null;
  }

  loadWorkspace(id: WorkspaceId): Promise<Versioned<Workspace> | null> {
    return this.#one('workspaces', 'id = $1', [id]);
  }

  loadAgent(workspaceId: WorkspaceId, id: AgentId): Promise<Versioned<Agent> | null> {
    return this.#one('agents', 'workspace_id = $1 AND id = $2', [workspaceId, id]);
  }

  loadInvitation(workspaceId: WorkspaceId, id: InvitationId): Promise<Versioned<Invitation> | null> {
    return this.#one('invitations', 'workspace_id = $1 AND id = $2', [workspaceId, id]);
  }

  findInvitationByTokenHash(tokenHash: string): Promise<Versioned<Invitation> | null> {
    return this.#one('invitations', 'token_hash = $1', [tokenHash]);
  }

  async loadDepartments(workspaceId: WorkspaceId, ids: readonly DepartmentId[]): Promise<readonly Versioned<Department>[]> {
    if (ids.length === 0) return [];
    // One query for the whole list, answered in the order asked.
    const rows = await this.#rows<DocumentRow>(
      `SELECT d.data, d.version FROM unnest($2::text[]) WITH ORDINALITY AS wanted(id, n)
       JOIN departments d ON d.id = wanted.id WHERE d.workspace_id = $1 ORDER BY wanted.n`,
      [workspaceId, [...ids]],
    );
    return rows.map((r) => versioned<Department>(r));
  }

  async emailHolder(workspaceId: WorkspaceId, email: Email): Promise<'agent' | 'pending-invitation' | null> {
    const [row] = await this.#rows<{ holder_kind: string }>(
      'SELECT holder_kind FROM email_claims WHERE workspace_id = $1 AND email = $2',
      [workspaceId, email],
    );
    if (!row) return null;
    return row.holder_kind === 'agent' ? 'agent' : 'pending-invitation';
  }

  async departmentNameTaken(workspaceId: WorkspaceId, nameKey: string, exceptId?: DepartmentId): Promise<boolean> {
    const [row] = await this.#rows<{ taken: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM departments WHERE workspace_id = $1 AND name_key = $2 AND id IS DISTINCT FROM $3::text) AS taken`,
      [workspaceId, nameKey, exceptId ?? null],
    );
    return row?.taken === true;
  }

  async departmentMembers(
    workspaceId: WorkspaceId,
    departmentId: DepartmentId,
  ): Promise<Readonly<{ agents: readonly Versioned<Agent>[]; invitations: readonly Versioned<Invitation>[] }>> {
    // Both lists in one round trip: the agents from the department's list (agent_departments),
    // the pending invitations by a GIN lookup on the department id.
    const rows = await this.#rows<DocumentRow & { kind: string }>(
      `SELECT kind, data, version FROM (
         SELECT 'agent' AS kind, a.data, a.version, m.joined_at AS since, m.agent_id AS id
           FROM agent_departments AS m JOIN agents AS a ON a.id = m.agent_id
          WHERE m.workspace_id = $1 AND m.department_id = $2
         UNION ALL
         SELECT 'invitation', data, version, sent_at, id FROM invitations
          WHERE workspace_id = $1 AND status = 'pending' AND department_ids @> ARRAY[$2::text]
       ) AS member ORDER BY kind, since, ${BY_ID}`,
      [workspaceId, departmentId],
    );
    return {
      agents: rows.filter((r) => r.kind === 'agent').map((r) => versioned<Agent>(r)),
      invitations: rows.filter((r) => r.kind === 'invitation').map((r) => versioned<Invitation>(r)),
    };
  }

  async loadRoutingStates(workspaceId: WorkspaceId, departmentIds: readonly (DepartmentId | null)[]): Promise<readonly Versioned<RoutingState>[]> {
    if (departmentIds.length === 0) return [];
    const keys = departmentIds.map(queueKeyOf);
    // What this store holds of each queue, taken before the read: a commit meanwhile replaces an
    // entry but never changes one, so a chunk the read leaves out is still here afterwards.
    const held = keys.map((key) => this.#queues.knownChunks(workspaceId, key));
    const knownRoots = this.#queues.stampsOf(workspaceId, keys);
    // The chunks written since the version held; failing that (a path gone that the count alone
    // shows), the list of chunks, fetching those not held.
    let queues = await this.#readQueues(workspaceId, keys, knownRoots, held, true);
    if (queues === 'list') queues = (await this.#readQueues(workspaceId, keys, knownRoots, held, false)) as Queues | null;
    const found = (queues ?? []).map(({ row }) => (row.data === null ? this.#queues.recall(workspaceId, row.queue_key!, row.stamp!) : undefined));
    // A chunk was rewritten between the two reads, or another load or commit evicted a
    // remembered queue meanwhile: read everything, in one statement, after all.
    if (queues === null || queues.some(({ row }, n) => row.data === null && found[n] === undefined)) {
      queues = (await this.#readQueues(workspaceId, keys, [], keys.map(() => undefined), false)) as Queues;
    }
    return queues.map(({ row, chunks }, n) => {
      if (row.data === null) return { value: found[n]!, version: Number(row.version) };
      const value = joinQueue(row.data as StoredRoot, new Map([...chunks].map(([path, { node }]) => [path, node])));
      // What the database holds under this stamp, so that the next commit writes only what it
      // changes, and the next load asks only for what was written since.
      this.#queues.remember(value, row.stamp!, { chunks, version: Number(row.version), created: row.created_stamp });
      return { value, version: Number(row.version) };
    });
  }

  /**
   * Each queue's root row, then its chunk rows (see routing-chunks.ts), in one statement so that
   * they are read at one instant. A root still at a stamp in `knownRoots` is not sent, nor are its
   * chunks: the store hands back the object it remembers (see CommittedQueues).
   *
   * With `since`, of a queue this store holds at some version (`held`) of the root row's current
   * run of versions (`created_stamp`, which a queue deleted and created again does not share),
   * only the chunk rows written after that version are sent: the others are the ones held, but
   * for the paths gone, which {@link catchUp} works out and the root row's `chunk_count` checks.
   * When the count disagrees, answers `'list'`: call again without `since`.
   *
   * Otherwise, of a queue this store holds chunks of, the chunk rows come without their data, and
   * a second statement fetches only those it does not hold under the same stamp: a stamp names
   * the write that stored the chunk, so what it fetches is what the first statement saw, unless
   * the chunk was rewritten meanwhile (then `null`: read everything). This is how a queue stored
   * before migration 0005 is caught up on, whose rows carry no versions.
   */
  async #readQueues(
    workspaceId: WorkspaceId,
    keys: readonly string[],
    knownRoots: readonly string[],
    held: readonly (StoredQueue | undefined)[],
    since: boolean,
  ): Promise<Queues | 'list' | null> {
    const rows = await this.#rows<QueueRow>(
      `WITH roots AS (
         SELECT r.id, r.queue_key, r.version, r.stamp, r.created_stamp, r.chunk_count, r.stamp = ANY($3::text[]) AS known, r.data, wanted.n,
                wanted.listed, CASE WHEN r.created_stamp = wanted.created THEN wanted.since END AS since
           FROM unnest($2::text[], $4::text[], $5::integer[], $6::boolean[]) WITH ORDINALITY AS wanted(queue_key, created, since, listed, n)
           JOIN routing_states r ON r.workspace_id = $1 AND r.queue_key = wanted.queue_key
       )
       SELECT n, id, queue_key, version, stamp, created_stamp, chunk_count, since, NULL AS path, CASE WHEN known THEN NULL ELSE data END AS data FROM roots
       UNION ALL
       SELECT roots.n, NULL, NULL, NULL, c.stamp, NULL, NULL, NULL, c.path, CASE WHEN roots.since IS NULL AND roots.listed THEN NULL ELSE c.data END
         FROM roots JOIN routing_chunks c ON c.routing_id = roots.id
        WHERE NOT roots.known AND (roots.since IS NULL OR c.version > roots.since)
       ORDER BY n, path NULLS FIRST`,
      [
        workspaceId,
        keys,
        knownRoots,
        held.map((h) => (since ? (h?.created ?? null) : null)),
        held.map((h) => (since ? (h?.version ?? null) : null)),
        held.map((h) => h !== undefined && h.chunks.size > 0),
      ],
    );
    const queues: Queues = [];
    const wanted: { queue: number; id: string; path: string; stamp: string }[] = [];
    for (const row of rows) {
      if (row.path === null) {
        queues.push({ row, chunks: new Map() });
        continue;
      }
      // A chunk row follows its root row, and carries only what is its own (the list can be long).
      const { row: root, chunks } = queues[queues.length - 1]!;
      const mine = held[Number(root.n) - 1]?.chunks.get(row.path);
      if (row.data !== null) chunks.set(row.path, { node: row.data as Node, stamp: row.stamp! });
      else if (mine?.stamp === row.stamp) chunks.set(row.path, mine);
      else wanted.push({ queue: queues.length - 1, id: root.id!, path: row.path, stamp: row.stamp! });
    }
    for (const queue of queues) {
      const { row } = queue;
      if (row.since === null || row.data === null) continue;
      queue.chunks = catchUp(held[Number(row.n) - 1]!.chunks, queue.chunks, row.data as StoredRoot);
      if (row.chunk_count === null || queue.chunks.size !== Number(row.chunk_count)) return 'list';
    }
    if (wanted.length === 0) return queues;
    const fetched = await this.#rows<{ n: string | number; data: unknown }>(
      `SELECT w.n, c.data FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(id, path, stamp, n)
         JOIN routing_chunks c ON c.routing_id = w.id AND c.path = w.path AND c.stamp = w.stamp`,
      [wanted.map((w) => w.id), wanted.map((w) => w.path), wanted.map((w) => w.stamp)],
    );
    if (fetched.length < wanted.length) return null;
    for (const { n, data } of fetched) {
      const { queue, path, stamp } = wanted[Number(n) - 1]!;
      queues[queue]!.chunks.set(path, { node: data as Node, stamp });
    }
    return queues;
  }

  async lapsedInvitations(workspaceId: WorkspaceId, now: Date, limit: number): Promise<readonly Versioned<Invitation>[]> {
    const rows = await this.#rows<DocumentRow>(
      `SELECT data, version FROM invitations
        WHERE workspace_id = $1 AND status = 'pending' AND expires_at <= $2::timestamptz
        ORDER BY expires_at, ${BY_ID} LIMIT $3`,
      [workspaceId, now.toISOString(), limit],
    );
    return rows.map((r) => versioned<Invitation>(r));
  }

  async countLapsedInvitations(workspaceId: WorkspaceId, now: Date): Promise<number> {
    // The same partial index as the sweep's read (invitations_lapsing), counted in place.
    const [row] = await this.#rows<{ n: string | number }>(
      `SELECT count(*) AS n FROM invitations WHERE workspace_id = $1 AND status = 'pending' AND expires_at <= $2::timestamptz`,
      [workspaceId, now.toISOString()],
    );
    return Number(row?.n ?? 0);
  }

  async versionsCurrent(expected: readonly ExpectedVersion[]): Promise<boolean> {
    if (expected.length === 0) return true;
    // One statement, so every version is read at one instant; a row not found is at version 0.
    // Each id is looked up through the primary key by a subquery of its own: a refused sweep asks
    // about every lapsed invitation it read, thousands of them, and `id = ANY(ids)` would then be
    // planned as a scan of the whole table. Only whether one moved comes back, not every version.
    const byKind = new Map<AggregateKind, { ids: string[]; versions: number[] }>();
    for (const e of expected) {
      let group = byKind.get(e.kind);
      if (!group) byKind.set(e.kind, (group = { ids: [], versions: [] }));
      group.ids.push(e.id);
      group.versions.push(e.version);
    }
    const values: unknown[] = [];
    const moved = [...byKind].map(([kind, { ids, versions }]) => {
      values.push(ids, versions);
      return `SELECT 1 FROM unnest($${values.length - 1}::text[], $${values.length}::integer[]) AS e(id, version)
        WHERE coalesce((SELECT t.version FROM ${TABLES[kind].name} t WHERE t.id = e.id), 0) <> e.version`;
    });
    const [row] = await this.#rows<{ current: boolean }>(`SELECT NOT EXISTS (${moved.join(' UNION ALL ')}) AS current`, values);
    return row?.current === true;
  }
}
