import type { RoutingState } from '../../domain/index';
import type { Aggregate, AggregateKind, Commit, CommitOutcome } from '../../ports/store';
import { chunkChanges, layoutOf, type QueueLayout, type StoredChunks, type StoredQueue } from './routing-chunks';
import type { SqlClient } from './sql-pool';
import { KINDS, TABLES, WRITES, type WriteItem } from './tables';
import type { TransactionEnd } from './transaction';

const keyOf = (kind: string, id: string) => `${kind}:${id}`;

/**
 * How a commit writes its routing queues: each queue's write stamp and layout (root document and
 * chunks, see routing-chunks.ts), by the very object written, and the chunks the database holds
 * under a row's stamp, when this store knows them (then only the chunks that differ are written).
 * {@link writeCommit} fills `stored` with the chunks each queue's rows hold after the write, and
 * the version and run of versions they belong to.
 *
 * @example { writes: new Map([[salesQueue, { stamp: queues.newStamp(), layout: layoutOf(salesQueue) }]]), chunksAt: () => undefined, stored: new Map() }
 */
export type QueueWrites = Readonly<{
  writes: ReadonlyMap<Aggregate, Readonly<{ stamp: string; layout: QueueLayout }>>;
  chunksAt: (queue: RoutingState, stamp: string) => StoredChunks | undefined;
  stored: Map<Aggregate, StoredQueue>;
}>;

/** A queue's root row as the commit's lock found it. */
type LockedRoot = Readonly<{ version: number; stamp: string; created: string | null }>;

const stale = (detail: string): TransactionEnd<CommitOutcome> => ({
  commit: false,
  value: { committed: false, reason: 'stale-version', detail },
});

/** What a commit touches, per kind, with each aggregate once (the last write of it wins). */
type Plan = Readonly<{
  /** The version each aggregate is expected at, by `kind:id`. */
  expected: ReadonlyMap<string, number>;
  /** The ids of the aggregates expected at some version (0 included), per kind. */
  relied: ReadonlyMap<AggregateKind, ReadonlySet<string>>;
  /** The `kind:id` of every aggregate written. */
  written: ReadonlySet<string>;
  writes: ReadonlyMap<AggregateKind, Aggregate[]>;
  removals: ReadonlyMap<AggregateKind, string[]>;
}>;

/**
 * Groups the commit by kind in one pass over it: a sweep writes one invitation per lapsed one,
 * tens of thousands in a backlog, so anything per aggregate that looks at the others (a copy of
 * its kind's list, a search of the writes) makes a large commit take quadratic time.
 */
function planOf(commit: Commit): Plan {
  const expected = new Map<string, number>();
  const relied = new Map<AggregateKind, Set<string>>();
  for (const e of commit.expected) {
    expected.set(keyOf(e.kind, e.id), e.version);
    groupInto(relied, e.kind, e.id);
  }
  const latest = new Map<string, Aggregate>();
  for (const a of commit.writes) latest.set(keyOf(a.kind, a.id), a);
  const writes = new Map<AggregateKind, Aggregate[]>();
  for (const a of latest.values()) {
    const group = writes.get(a.kind);
    if (group) group.push(a);
    else writes.set(a.kind, [a]);
  }
  const removed = new Map<AggregateKind, Set<string>>();
  for (const r of commit.removals) groupInto(removed, r.kind, r.id);
  const removals = new Map<AggregateKind, string[]>();
  for (const [kind, ids] of removed) removals.set(kind, [...ids]);
  return { expected, relied, written: new Set(latest.keys()), writes, removals };
}

/** Adds `id` to the set `groups` holds under `kind`, starting the set if need be. */
function groupInto(groups: Map<AggregateKind, Set<string>>, kind: AggregateKind, id: string): void {
  const group = groups.get(kind);
  if (group) group.add(id);
  else groups.set(kind, new Set([id]));
}

/**
 * One statement that locks every row the commit writes, removes or relies on, and returns their
 * versions. Tables are locked in a fixed order, the workspace first: every commit of a workspace
 * locks its row, so commits of one workspace queue there and never deadlock on each other, and
 * the events they append get positions in commit order. Within a table, rows are locked one by
 * one through the primary key, in code-point order of their ids.
 */
function lockStatement(commit: Commit, plan: Plan): Readonly<{ text: string; values: unknown[] }> {
  const idsOf = (kind: AggregateKind) => {
    const ids = new Set<string>(plan.relied.get(kind));
    if (kind === 'workspace') ids.add(commit.workspaceId);
    for (const a of plan.writes.get(kind) ?? []) ids.add(a.id);
    return ids;
  };
  const ctes: string[] = [];
  const selects: string[] = [];
  const values: unknown[] = [];
  const lock = (kind: AggregateKind, ids: readonly string[], mode: string) => {
    if (ids.length === 0) return;
    // A queue's stamp names the chunks stored with it (see QueueWrites); its created_stamp, the
    // run of versions its chunk rows' versions count in.
    const stamp = kind === 'routing' ? 'stamp' : 'NULL::text';
    const created = kind === 'routing' ? 'created_stamp' : 'NULL::text';
    values.push([...ids].sort());
    const cte = `l${values.length}`;
    // Row by row through the primary key, in the order of the sorted ids (the lateral subquery
    // runs once per id, as unnest hands them out). `id = ANY(ids)` would leave the plan to the
    // estimates, and past a few thousand ids (a sweep of a large backlog) the planner scans the
    // whole table, every workspace's rows, and sorts what it kept.
    ctes.push(
      `${cte} AS (SELECT t.id, t.version, t.stamp, t.created FROM unnest($${values.length}::text[]) AS wanted(id) ` +
        `CROSS JOIN LATERAL (SELECT id, version, ${stamp} AS stamp, ${created} AS created FROM ${TABLES[kind].name} WHERE id = wanted.id ${mode}) AS t)`,
    );
    selects.push(`SELECT '${kind}' AS kind, id, version, stamp, created FROM ${cte}`);
  };
  for (const kind of KINDS) {
    const removed = new Set(plan.removals.get(kind) ?? []);
    // A row about to be deleted is locked FOR UPDATE, the delete's own lock, so nothing has to
    // upgrade a weaker lock later; the rest only block other writers, not foreign-key checks.
    lock(kind, [...removed], 'FOR UPDATE');
    lock(kind, [...idsOf(kind)].filter((id) => !removed.has(id)), 'FOR NO KEY UPDATE');
  }
  return { text: `WITH ${ctes.join(', ')} ${selects.join(' UNION ALL ')}`, values };
}

/** Aggregates expected not to exist that the commit does not create: absent rows cannot be locked. */
async function findUnlockable(client: SqlClient, plan: Plan): Promise<string | null> {
  const missing = new Map<AggregateKind, Set<string>>();
  for (const [key, version] of plan.expected) {
    if (version !== 0 || plan.written.has(key)) continue;
    const kind = key.slice(0, key.indexOf(':')) as AggregateKind;
    groupInto(missing, kind, key.slice(kind.length + 1));
  }
  for (const [kind, ids] of missing) {
    // A separate statement has a snapshot taken after the workspace lock was granted, so it
    // sees whatever the commits this one queued behind have created.
    const { rows } = await client.query(`SELECT id FROM ${TABLES[kind].name} WHERE id = ANY($1::text[]) LIMIT 1`, [[...ids]]);
    const found = rows[0] as { id: string } | undefined;
    if (found) return `${kind} ${found.id} exists, expected it not to`;
  }
  return null;
}

const insertEvents = (workspace: string, events: string) => `INSERT INTO events (workspace_id, type, occurred_at, data)
SELECT ${workspace}, e->>'type', (e->>'occurredAt')::timestamptz, e->'data'
FROM jsonb_array_elements(${events}::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n RETURNING 1`;

const insertOutbox = (messages: string) => `INSERT INTO outbox (id, workspace_id, idempotency_key, to_address, subject,
  body_text, body_html, status, attempts, created_at, next_attempt_at, delivered_at, last_error, topic, expires_at)
SELECT m->>'id', m->>'workspaceId', m->>'idempotencyKey', m->>'to', m->>'subject', m->>'text', m->>'html',
  m->>'status', (m->>'attempts')::integer, (m->>'createdAt')::timestamptz, (m->>'nextAttemptAt')::timestamptz,
  (m->>'deliveredAt')::timestamptz, m->>'lastError', m->>'topic', (m->>'expiresAt')::timestamptz
FROM jsonb_array_elements(${messages}::jsonb) WITH ORDINALITY AS x(m, n) ORDER BY n RETURNING 1`;

/** What withdrawing an outbox row sets: final, no body (it held a link), no lease (ADR 0025). */
export const WITHDRAWN = "status = 'withdrawn', body_text = '', body_html = NULL, lease_until = NULL";

/**
 * Withdraws the workspace's pending messages of the topics named (ADR 0025), through the partial
 * index on (workspace_id, topic). It runs in the commit's one statement, whose parts share a
 * snapshot, so the messages this commit enqueues are not among them: a resend's new email stays.
 * A row leased by a dispatcher is withdrawn too; one being marked delivered meanwhile is waited
 * for, then left alone when it is no longer pending.
 */
const withdrawOutbox = (workspace: string, topics: string) => `UPDATE outbox SET ${WITHDRAWN}
WHERE workspace_id = ${workspace} AND status = 'pending' AND topic = ANY(${topics}::text[]) RETURNING 1`;

/** One part of the write statement: what it does, and how many rows it must touch (if it matters). */
type Part = Readonly<{ sql: string; mustTouch?: number; explain: string }>;

/**
 * The chunk rows of the queues a commit writes. Where this store knows the chunks stored under
 * the row's current stamp, only those whose array changed are written and those gone deleted: a
 * command copied the arrays on its way to what it changed, so an array still the same is a chunk
 * the database already holds. Otherwise every chunk is written, and any other row of the queue
 * deleted; so is a row stored before migration 0005 (no `created_stamp`), whose chunk rows carry
 * no version: its first write gives every chunk one. Each chunk written carries the version the
 * root row gets, so an instance catching up asks for the chunks written after the version it
 * holds (see reads.ts). Deletes and writes touch distinct rows, so they may run side by side in
 * one statement.
 */
function chunkParts(written: readonly Aggregate[], queues: QueueWrites, roots: ReadonlyMap<string, LockedRoot>, param: (value: unknown) => string): Part[] {
  const upserts: { id: string; path: string; stamp: string | null; version: number; data: unknown }[] = [];
  const removedIds: string[] = [];
  const removedPaths: string[] = [];
  const parts: Part[] = [];
  for (const aggregate of written) {
    const queue = aggregate as RoutingState;
    const { stamp, layout } = queues.writes.get(aggregate) ?? { stamp: null, layout: layoutOf(queue) };
    const current = roots.get(keyOf('routing', queue.id));
    const version = (current?.version ?? 0) + 1;
    // No row when the lock looked: a creation, which the delete below finds nothing for (unless
    // a write without an expected version raced another instance's creation of the queue).
    const known = current === undefined || current.created === null ? undefined : queues.chunksAt(queue, current.stamp);
    const { write, remove, stored: after } = chunkChanges(known ?? new Map(), layout.chunks, stamp ?? '');
    for (const [path, data] of write) upserts.push({ id: queue.id, path, stamp, version, data });
    if (known === undefined) {
      parts.push({
        sql: `DELETE FROM routing_chunks WHERE routing_id = ${param(queue.id)} AND NOT (path = ANY(${param([...layout.chunks.keys()])}::text[])) RETURNING 1`,
        explain: 'chunks of a rewritten queue',
      });
    }
    for (const path of remove) {
      removedIds.push(queue.id);
      removedPaths.push(path);
    }
    // The run of versions: the row's, or this write's own stamp where it begins one (a creation,
    // or the first write of a row stored before 0005), as the write statement sets it.
    queues.stored.set(aggregate, { chunks: after, version, created: current?.created ?? stamp });
  }
  if (removedIds.length > 0) {
    parts.push({
      sql: `DELETE FROM routing_chunks AS c USING unnest(${param(removedIds)}::text[], ${param(removedPaths)}::text[]) AS gone(id, path)
        WHERE c.routing_id = gone.id AND c.path = gone.path RETURNING 1`,
      explain: 'chunks a queue no longer has',
    });
  }
  if (upserts.length > 0) {
    parts.push({
      sql: `INSERT INTO routing_chunks (routing_id, path, stamp, version, data)
        SELECT e->>'id', e->>'path', e->>'stamp', (e->>'version')::integer, e->'data' FROM jsonb_array_elements(${param(JSON.stringify(upserts))}::jsonb) AS e
        ON CONFLICT (routing_id, path) DO UPDATE SET stamp = EXCLUDED.stamp, version = EXCLUDED.version, data = EXCLUDED.data RETURNING 1`,
      explain: 'chunks',
    });
  }
  return parts;
}

/**
 * Every write of the commit as one statement (a data-modifying CTE per part), so the whole
 * write costs one round trip. The rows it updates or deletes are already locked, so it only
 * waits on an insert racing another of the same id; the parts touch distinct rows, and
 * uniqueness, checked at COMMIT, does not depend on the order they run in.
 */
function writeStatement(
  commit: Commit,
  plan: Plan,
  queues: QueueWrites,
  roots: ReadonlyMap<string, LockedRoot>,
): Readonly<{ text: string; values: unknown[]; parts: readonly Part[] }> {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const parts: Part[] = [];
  for (const [kind, ids] of plan.removals) {
    parts.push({ sql: `DELETE FROM ${TABLES[kind].name} WHERE id = ANY(${param(ids)}::text[]) RETURNING 1`, explain: `${kind} removals` });
  }
  for (const kind of KINDS) {
    const aggregates = plan.writes.get(kind) ?? [];
    const created = aggregates.filter((a) => plan.expected.get(keyOf(kind, a.id)) === 0);
    const updated = aggregates.filter((a) => (plan.expected.get(keyOf(kind, a.id)) ?? 0) > 0);
    const unchecked = aggregates.filter((a) => !plan.expected.has(keyOf(kind, a.id)));
    const items = (aggregates: readonly Aggregate[]) =>
      param(
        JSON.stringify(
          aggregates.map((value): WriteItem => {
            if (kind !== 'routing') return { value, expected: plan.expected.get(keyOf(kind, value.id)) ?? null, stamp: null };
            // A queue's row holds its root document and how many chunks it has; they are written below.
            const { stamp, layout } = queues.writes.get(value) ?? { stamp: null, layout: layoutOf(value as RoutingState) };
            return { value: layout.root, expected: plan.expected.get(keyOf(kind, value.id)) ?? null, stamp, chunks: layout.chunks.size };
          }),
        ),
      );
    if (created.length > 0) {
      // Rows that did not exist could not be locked; ON CONFLICT waits for and sees a concurrent
      // insert of the same id, and the count says whether this commit's insert happened.
      parts.push({ sql: WRITES[kind].insertNew(items(created)), mustTouch: created.length, explain: `a ${kind} this commit creates was created meanwhile` });
    }
    if (updated.length > 0) {
      parts.push({ sql: WRITES[kind].updateAt(items(updated)), mustTouch: updated.length, explain: `a ${kind} this commit updates moved meanwhile` });
    }
    if (unchecked.length > 0) parts.push({ sql: WRITES[kind].upsert(items(unchecked)), explain: `${kind} writes` });
  }
  parts.push(...chunkParts(plan.writes.get('routing') ?? [], queues, roots, param));
  if (commit.events.length > 0) {
    parts.push({ sql: insertEvents(param(commit.workspaceId), param(JSON.stringify(commit.events))), explain: 'events' });
  }
  const withdraw = commit.withdraw ?? [];
  if (withdraw.length > 0) parts.push({ sql: withdrawOutbox(param(commit.workspaceId), param([...withdraw])), explain: 'outbox withdrawals' });
  if (commit.outbox.length > 0) parts.push({ sql: insertOutbox(param(JSON.stringify(commit.outbox))), explain: 'outbox' });
  const ctes = parts.map((part, n) => `w${n} AS (${part.sql})`).join(',\n');
  const counts = parts.map((_, n) => `(SELECT count(*) FROM w${n}) AS w${n}`).join(', ');
  return { text: `WITH ${ctes}\nSELECT ${counts}`, values, parts };
}

/**
 * The body of a commit's transaction: lock and check every expected version, then write it all
 * in one statement — removals, aggregates, events, outbox withdrawals and messages. Answers a stale version by rolling
 * back; uniqueness is left to the database, which checks it at COMMIT.
 *
 * @example await inTransaction(pool, (client) => writeCommit(client, commit)) // { committed: true }
 */
export async function writeCommit(
  client: SqlClient,
  commit: Commit,
  queues: QueueWrites = { writes: new Map(), chunksAt: () => undefined, stored: new Map() },
): Promise<TransactionEnd<CommitOutcome>> {
  const plan = planOf(commit);

  const lock = lockStatement(commit, plan);
  const { rows } = await client.query(lock.text, lock.values);
  const locked = rows as { kind: string; id: string; version: number | string; stamp: string | null; created: string | null }[];
  const current = new Map(locked.map((r) => [keyOf(r.kind, r.id), Number(r.version)]));
  const roots = new Map(
    locked.flatMap((r) => (r.stamp === null ? [] : [[keyOf(r.kind, r.id), { version: Number(r.version), stamp: r.stamp, created: r.created }] as const])),
  );
  for (const [key, version] of plan.expected) {
    const found = current.get(key) ?? 0;
    if (found !== version) return stale(`${key.replace(':', ' ')} is at version ${found}, expected ${version}`);
  }
  const exists = await findUnlockable(client, plan);
  if (exists) return stale(exists);

  const write = writeStatement(commit, plan, queues, roots);
  if (write.parts.length > 0) {
    const { rows: [touched] } = await client.query(write.text, write.values);
    const counts = touched as Record<string, number | string>;
    const missed = write.parts.find((part, n) => part.mustTouch !== undefined && Number(counts[`w${n}`]) !== part.mustTouch);
    if (missed) return stale(missed.explain);
  }
  return { commit: true, value: { committed: true } };
}
