/**
 * Routing queues stored in chunks on PostgreSQL (ADR 0026): a command writes the root row and the
 * chunks it changed, not the queue; what comes back is what was written, whichever instance wrote
 * it and whatever it knew; queues stored whole by earlier releases still load; a stale commit is
 * still refused; deleting a queue deletes its chunks.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fc } from '@fast-check/vitest';
import {
  closeConversation,
  createRoster,
  emptyRoutingState,
  membersOf,
  routeConversation,
  syncAgent,
  type DepartmentId,
  type RoutingState,
  type WorkspaceId,
} from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import { layoutOf } from '../../src/adapters/postgres/routing-chunks';
import { aWorkspace } from '../../src/testing/mothers';
import { freshDatabase, type FreshDatabase } from '../support/postgres';
import { applyStep, stepArb } from '../support/routing-steps';

let db: FreshDatabase;
const WS = 'ws_chunked' as WorkspaceId;
const now = new Date('2026-11-23T09:00:00.000Z');

beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
  const store = new PostgresRosterStore(db.pool);
  expect(await store.commit({ workspaceId: WS, expected: [], writes: [aWorkspace({ id: WS })], removals: [], events: [], outbox: [] })).toEqual({ committed: true });
});
afterAll(() => db?.close());

/** A pool that keeps every statement it runs, with its parameters. */
function recording(inner: SqlPool): SqlPool & { statements: { text: string; values: unknown[] }[] } {
  const statements: { text: string; values: unknown[] }[] = [];
  const keep = (text: string, values?: unknown[]) => void statements.push({ text, values: values ?? [] });
  return {
    statements,
    query: (text, values) => (keep(text, values), inner.query(text, values)),
    connect: async () => {
      const client = await inner.connect();
      return { query: (text: string, values?: unknown[]) => (keep(text, values), client.query(text, values)), release: (e?: Error | boolean) => client.release(e) };
    },
  };
}
const charsOf = (values: unknown[]) => values.reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : JSON.stringify(v ?? null).length), 0);

let departments = 0;
/** A new queue of `members` agents (two in three online, unless told) in a department of its own (unless told). */
function aQueue(members: number, { online = (n: number) => n % 3 !== 0, departmentId = `dep_q${++departments}` as DepartmentId } = {}): RoutingState {
  let state = emptyRoutingState(WS, departmentId);
  for (let n = 0; n < members; n++) {
    state = syncAgent(state, { agentId: `agt_${n}`, active: true, online: online(n), departmentIds: [departmentId] }, { now })._unsafeUnwrap().state;
  }
  return state;
}

const commitQueue = (store: PostgresRosterStore, queue: RoutingState, expected: number) =>
  store.commit({ workspaceId: WS, expected: [{ kind: 'routing', id: queue.id, version: expected }], writes: [queue], removals: [], events: [], outbox: [] });

/** The queue as a store that never saw it reads it. */
async function fresh(queue: RoutingState) {
  return (await new PostgresRosterStore(db.pool, { routingQueuesKept: 0 }).loadRoutingStates(WS, [queue.departmentId]))[0];
}

/** Makes a queue's rows what migration 0003 left: no versions, no run of versions, no count. */
async function asIfBefore0005(queue: RoutingState): Promise<void> {
  await db.pool.query('UPDATE routing_chunks SET version = NULL WHERE routing_id = $1', [queue.id]);
  await db.pool.query('UPDATE routing_states SET created_stamp = NULL, chunk_count = NULL WHERE id = $1', [queue.id]);
}

/** The chunk rows stored for a queue, by path. */
async function chunkRows(queue: RoutingState): Promise<Map<string, unknown>> {
  const { rows } = await db.pool.query<{ path: string; data: unknown }>('SELECT path, data FROM routing_chunks WHERE routing_id = $1', [queue.id]);
  return new Map(rows.map((r) => [r.path, r.data]));
}

describe('routing queues in chunks on PostgreSQL', () => {
  it('routes on a 1,000-member queue by writing its small root and one chunk, not the queue', async () => {
    const queue = aQueue(1000);
    expect(JSON.stringify(queue).length).toBeGreaterThan(100_000);
    expect(await commitQueue(new PostgresRosterStore(db.pool), queue, 0)).toEqual({ committed: true });

    const pool = recording(db.pool);
    const roster = createRoster({ store: new PostgresRosterStore(pool) });
    for (let n = 0; n < 3; n++) {
      const start = pool.statements.length;
      const routed = await roster.routeConversation(WS, { departmentId: queue.departmentId, conversationId: `conv_${n}` });
      expect(routed._unsafeUnwrap().outcome.type).toBe('Assigned');
      const written = pool.statements.slice(start).filter((s) => s.text.includes('INSERT INTO events'));
      expect(written).toHaveLength(1);
      // The root document, one chunk of ~31 members, the event and the statement itself.
      expect(charsOf(written[0]!.values), `route ${n}`).toBeLessThan(12_000);
      const chunks = written[0]!.values.find((v) => typeof v === 'string' && v.includes('"path"'));
      expect((JSON.parse(chunks as string) as unknown[]).length).toBe(1);
    }
    const stored = await fresh(queue);
    expect(stored?.version).toBe(4);
    expect(membersOf(stored!.value).filter((m) => m.conversationIds.length > 0)).toHaveLength(3);
    expect(await chunkRows(queue)).toEqual(new Map([...layoutOf(stored!.value).chunks].map(([p, c]) => [p, JSON.parse(JSON.stringify(c))])));
  });

  it('gives back, after random commands committed through three instances in turn (one keeping no queues), the very queue committed, and keeps only its chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 400 }),
        fc.array(
          fc.record({
            through: fc.nat({ max: 2 }),
            step: stepArb(400, 200),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (members, steps) => {
          // The third knows no chunks at commit time, so it rewrites every chunk and deletes the rest.
          const stores = [new PostgresRosterStore(db.pool), new PostgresRosterStore(db.pool), new PostgresRosterStore(db.pool, { routingQueuesKept: 0 })];
          // A fourth only reads, after every command: it catches up on each one.
          const reader = new PostgresRosterStore(db.pool);
          let state = aQueue(members);
          expect(await commitQueue(stores[0]!, state, 0)).toEqual({ committed: true });
          for (const [n, { through, step }] of steps.entries()) {
            const store = stores[through]!;
            // Each command starts from what this instance loads: its own object, or a fresh read.
            const [loaded] = await store.loadRoutingStates(WS, [state.departmentId]);
            expect(loaded).toEqual({ value: state, version: n + 1 });
            state = applyStep(loaded!.value, step);
            expect(await commitQueue(store, state, n + 1)).toEqual({ committed: true });
            expect(await reader.loadRoutingStates(WS, [state.departmentId])).toEqual([{ value: state, version: n + 2 }]);
          }
          const back = await fresh(state);
          expect(back).toEqual({ value: state, version: steps.length + 1 });
          expect(JSON.parse(JSON.stringify(back!.value))).toEqual(state);
          expect([...(await chunkRows(state)).keys()].sort()).toEqual([...layoutOf(state).chunks.keys()].sort());
        },
      ),
      { numRuns: 12 },
    );
  });

  it('reads, where another instance wrote last, only the chunks it changed, and shares the rest with what this one held', async () => {
    const queue = aQueue(1000);
    const writer = new PostgresRosterStore(db.pool);
    expect(await commitQueue(writer, queue, 0)).toEqual({ committed: true });
    const pool = recording(db.pool);
    const reader = new PostgresRosterStore(pool);
    const [first] = await reader.loadRoutingStates(WS, [queue.departmentId]);
    expect(first).toEqual({ value: queue, version: 1 });

    const routed = routeConversation((await writer.loadRoutingStates(WS, [queue.departmentId]))[0]!.value, { conversationId: 'conv_1' }, { now })._unsafeUnwrap().state;
    expect(await commitQueue(writer, routed, 1)).toEqual({ committed: true });
    const chunksSent = async () => {
      const start = pool.statements.length;
      const [loaded] = await reader.loadRoutingStates(WS, [queue.departmentId]);
      // The chunks whose data came back, over the statements of the load (the root has no path).
      let sent = 0;
      for (const { text, values } of pool.statements.slice(start)) {
        const { rows } = await db.pool.query<{ path?: string | null; data: unknown }>(text, values);
        sent += rows.filter((r) => r.path !== null && r.data !== null).length;
      }
      return { loaded, sent };
    };
    const { loaded, sent } = await chunksSent();
    expect(loaded).toEqual({ value: routed, version: 2 });
    expect(sent).toBe(1);
    // The 31 chunks the route did not touch are the arrays the reader held already.
    const before = first!.value.members as readonly unknown[];
    const after = loaded!.value.members as readonly unknown[];
    expect(after.filter((slot, n) => slot === before[n])).toHaveLength(31);
  });

  it('reads everything again when a chunk it lacked was rewritten between the two statements of a load', async () => {
    const queue = aQueue(1000);
    const writer = new PostgresRosterStore(db.pool);
    expect(await commitQueue(writer, queue, 0)).toEqual({ committed: true });
    // Rows without versions are caught up on by listing the chunks, then fetching those lacked.
    await asIfBefore0005(queue);
    let meanwhile: (() => Promise<void>) | null = null;
    const statements: string[] = [];
    const pool: SqlPool = {
      query: async (text, values) => {
        statements.push(text);
        // Just before the reader fetches the chunk it lacks, the writer rewrites that very chunk.
        if (text.includes('AS w(id, path, stamp, n)') && meanwhile) await meanwhile();
        return db.pool.query(text, values);
      },
      connect: () => db.pool.connect(),
    };
    const reader = new PostgresRosterStore(pool);
    await reader.loadRoutingStates(WS, [queue.departmentId]);
    const latest = async () => (await writer.loadRoutingStates(WS, [queue.departmentId]))[0]!;
    const routed = routeConversation((await latest()).value, { conversationId: 'conv_1' }, { now })._unsafeUnwrap().state;
    expect(await commitQueue(writer, routed, 1)).toEqual({ committed: true });
    let closed: RoutingState | undefined;
    meanwhile = async () => {
      meanwhile = null;
      closed = closeConversation((await latest()).value, { conversationId: 'conv_1' }, { now })._unsafeUnwrap().state;
      expect(await commitQueue(writer, closed, 2)).toEqual({ committed: true });
    };
    statements.length = 0;
    const [loaded] = await reader.loadRoutingStates(WS, [queue.departmentId]);
    expect(statements).toHaveLength(3);
    expect(loaded).toEqual({ value: closed, version: 3 });
  });

  it('keeps a queue deep enough for two levels of chunks, and reads it back whole', async () => {
    const queue = aQueue(5000);
    const store = new PostgresRosterStore(db.pool);
    expect(await commitQueue(store, queue, 0)).toEqual({ committed: true });
    expect([...(await chunkRows(queue)).keys()].some((p) => p.split('.').length === 3)).toBe(true);
    const routed = routeConversation((await store.loadRoutingStates(WS, [queue.departmentId]))[0]!.value, { conversationId: 'conv_deep' }, { now })._unsafeUnwrap();
    expect(await commitQueue(store, routed.state, 1)).toEqual({ committed: true });
    expect(await fresh(queue)).toEqual({ value: routed.state, version: 2 });
  });

  it('still loads a queue stored whole, in the 0.2 layout or the 0.1.0 one, and cuts it into chunks on its next write', async () => {
    const fnv = (id: string) => [...id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193), 0x811c9dc5) >>> 0;
    const flat = <T>(records: T[], key: (r: T) => string, length: number) => {
      const table: Record<string, T>[] = Array.from({ length }, () => ({}));
      for (const r of records) table[fnv(key(r)) % length]![key(r)] = r;
      return table;
    };
    const whole = aQueue(600);
    const legacy = aQueue(600);
    const flatLegacy = { ...legacy, members: flat(membersOf(legacy), (m) => m.agentId, 64) } as unknown as RoutingState;
    for (const queue of [whole, flatLegacy]) {
      await db.pool.query(`INSERT INTO routing_states (id, workspace_id, queue_key, data, version, stamp) VALUES ($1, $2, $3, $4, 1, 'written-by-0.2')`, [
        queue.id,
        WS,
        queue.departmentId,
        JSON.stringify(queue),
      ]);
      const store = new PostgresRosterStore(db.pool);
      const [loaded] = await store.loadRoutingStates(WS, [queue.departmentId]);
      expect(loaded).toEqual({ value: queue, version: 1 });
      const routed = routeConversation(loaded!.value, { conversationId: 'conv_1' }, { now })._unsafeUnwrap().state;
      expect(await commitQueue(store, routed, 1)).toEqual({ committed: true });
      const { rows } = await db.pool.query<{ members: unknown }>(`SELECT data->'members' AS members FROM routing_states WHERE id = $1`, [queue.id]);
      expect(rows[0]?.members).toBeNull();
      expect((await chunkRows(queue)).size).toBeGreaterThan(20);
      expect(await fresh(queue)).toEqual({ value: routed, version: 2 });
    }
  });

  it('refuses the second of two commits from the same version, and keeps the first one whole', async () => {
    const queue = aQueue(600);
    expect(await commitQueue(new PostgresRosterStore(db.pool), queue, 0)).toEqual({ committed: true });
    const [a, b] = [new PostgresRosterStore(db.pool), new PostgresRosterStore(db.pool)];
    const [fromA, fromB] = await Promise.all([a.loadRoutingStates(WS, [queue.departmentId]), b.loadRoutingStates(WS, [queue.departmentId])]);
    const routedA = routeConversation(fromA[0]!.value, { conversationId: 'conv_a' }, { now })._unsafeUnwrap().state;
    const routedB = routeConversation(fromB[0]!.value, { conversationId: 'conv_b' }, { now })._unsafeUnwrap().state;
    const outcomes = await Promise.all([commitQueue(a, routedA, 1), commitQueue(b, routedB, 1)]);
    expect(outcomes.filter((o) => o.committed)).toHaveLength(1);
    expect(outcomes.find((o) => !o.committed)).toMatchObject({ reason: 'stale-version' });
    const winner = outcomes[0]!.committed ? routedA : routedB;
    expect(await fresh(queue)).toEqual({ value: winner, version: 2 });
    // The loser, loading again, builds on the winner and writes only its own change.
    const loser = outcomes[0]!.committed ? b : a;
    const [again] = await loser.loadRoutingStates(WS, [queue.departmentId]);
    const next = routeConversation(again!.value, { conversationId: 'conv_c' }, { now })._unsafeUnwrap().state;
    expect(await commitQueue(loser, next, 2)).toEqual({ committed: true });
    expect(await fresh(queue)).toEqual({ value: next, version: 3 });
  });

  it('deletes a queue with its chunks, and so does erasing the workspace as the guide says', async () => {
    const store = new PostgresRosterStore(db.pool);
    const removed = aQueue(600);
    const erased = aQueue(600);
    for (const queue of [removed, erased]) expect(await commitQueue(store, queue, 0)).toEqual({ committed: true });
    expect((await chunkRows(removed)).size).toBeGreaterThan(0);
    expect(
      await store.commit({
        workspaceId: WS,
        expected: [{ kind: 'routing', id: removed.id, version: 1 }],
        writes: [],
        removals: [{ kind: 'routing', id: removed.id, removed: true }],
        events: [],
        outbox: [],
      }),
    ).toEqual({ committed: true });
    expect((await chunkRows(removed)).size).toBe(0);
    await db.pool.query(`DELETE FROM routing_states WHERE workspace_id = $1`, [WS]);
    expect((await chunkRows(erased)).size).toBe(0);
  });
});

/** A pool that keeps every statement it runs through `query`, with the rows it answered. */
function watched(inner: SqlPool): SqlPool & { log: { text: string; rows: readonly unknown[] }[] } {
  const log: { text: string; rows: readonly unknown[] }[] = [];
  return {
    log,
    query: async (text, values) => {
      const result = await inner.query(text, values);
      log.push({ text, rows: result.rows });
      return result;
    },
    connect: () => inner.connect(),
  };
}

/** The agent ids of the members in one chunk of a queue. */
function agentsIn(node: readonly unknown[]): string[] {
  if (node.length === 0 || typeof node[0] === 'number') return node.filter((_, n) => n % 2 === 1).map((m) => (m as { agentId: string }).agentId);
  return node.flatMap((child) => (child === null ? [] : agentsIn(child as readonly unknown[])));
}

const leave = (state: RoutingState, agentIds: readonly string[]) =>
  agentIds.reduce((s, agentId) => syncAgent(s, { agentId, deleted: true }, { now })._unsafeUnwrap().state, state);
const join = (state: RoutingState, from: number, to: number) => {
  for (let n = from; n < to; n++) {
    state = syncAgent(state, { agentId: `agt_${n}`, active: true, online: true, departmentIds: [state.departmentId!] }, { now })._unsafeUnwrap().state;
  }
  return state;
};

describe('an instance catching up on a chunked queue another one wrote', () => {
  /** Two instances on one database: `a` writes, `b` reads through a pool that keeps what it ran. */
  function twoInstances() {
    const pool = watched(db.pool);
    return { a: new PostgresRosterStore(db.pool), b: new PostgresRosterStore(pool), pool };
  }

  /** `b`'s load: what it gives back, the statements it took, and the chunk rows it received (with data, and without). */
  async function catchUp(b: PostgresRosterStore, pool: ReturnType<typeof watched>, queue: RoutingState) {
    const start = pool.log.length;
    const [loaded] = await b.loadRoutingStates(WS, [queue.departmentId]);
    const ran = pool.log.slice(start);
    const chunkRows = ran.flatMap(({ rows }) => (rows as { path?: string | null; data: unknown }[]).filter((r) => typeof r.path === 'string'));
    return { loaded, statements: ran.length, withData: chunkRows.filter((r) => r.data !== null).length, listed: chunkRows.filter((r) => r.data === null).length };
  }

  /** `a` loads the queue, changes it, and commits it. */
  async function write(a: PostgresRosterStore, queue: RoutingState, change: (state: RoutingState) => RoutingState): Promise<RoutingState> {
    const [current] = await a.loadRoutingStates(WS, [queue.departmentId]);
    const next = change(current!.value);
    expect(await commitQueue(a, next, current!.version)).toEqual({ committed: true });
    return next;
  }

  const route = (id: string) => (state: RoutingState) => routeConversation(state, { conversationId: id }, { now })._unsafeUnwrap().state;
  const close = (id: string) => (state: RoutingState) => closeConversation(state, { conversationId: id }, { now })._unsafeUnwrap().state;

  it('reads, in one statement, only the chunks written since the version it holds, after one write or after several it missed', async () => {
    const { a, b, pool } = twoInstances();
    let queue = aQueue(1000);
    expect(await commitQueue(a, queue, 0)).toEqual({ committed: true });
    expect((await catchUp(b, pool, queue)).withData).toBe(32);

    queue = await write(a, queue, route('conv_1'));
    let seen = await catchUp(b, pool, queue);
    expect(seen.loaded).toEqual(await fresh(queue));
    expect(seen.loaded).toEqual({ value: queue, version: 2 });
    // The member chunk the route changed, and no list of the other 31.
    expect(seen).toMatchObject({ statements: 1, withData: 1, listed: 0 });

    // Five writes it did not read: it reads the chunks they wrote, once each.
    const touched = new Set<string>();
    for (const change of [route('conv_2'), route('conv_3'), close('conv_1'), (s: RoutingState) => join(s, 1000, 1001), route('conv_4')]) {
      const before = layoutOf(queue).chunks;
      queue = await write(a, queue, change);
      for (const [path, node] of layoutOf(queue).chunks) if (before.get(path) !== node) touched.add(path);
    }
    seen = await catchUp(b, pool, queue);
    expect(seen.loaded).toEqual({ value: queue, version: 7 });
    expect(seen.loaded).toEqual(await fresh(queue));
    expect(seen).toMatchObject({ statements: 1, withData: touched.size, listed: 0 });
    expect(touched.size).toBeLessThan(8);

    // Caught up, it writes only what it changes, and what it wrote is what a fresh instance reads.
    const next = route('conv_5')(seen.loaded!.value);
    expect(await commitQueue(b, next, 7)).toEqual({ committed: true });
    expect(await fresh(queue)).toEqual({ value: next, version: 8 });
  });

  it('learns which paths are gone: chunks split, merged, emptied, and a table back in the root row', async () => {
    const { a, b, pool } = twoInstances();
    let queue = aQueue(1000);
    expect(await commitQueue(a, queue, 0)).toEqual({ committed: true });
    await catchUp(b, pool, queue);
    let routes = 0;
    const check = async (statements: number) => {
      const seen = await catchUp(b, pool, queue);
      expect(seen.loaded).toEqual(await fresh(queue));
      expect(seen.loaded!.value).toEqual(queue);
      expect(seen.statements).toBe(statements);
      // What `b` holds is what the rows hold: its own write, from what it loaded, leaves exactly
      // the queue's chunks (a path it missed would stay behind, one it invented would be deleted).
      queue = route(`conv_b${++routes}`)(seen.loaded!.value);
      expect(await commitQueue(b, queue, seen.loaded!.version)).toEqual({ committed: true });
      expect(await fresh(queue)).toEqual({ value: queue, version: seen.loaded!.version + 1 });
      expect([...(await chunkRows(queue)).keys()].sort()).toEqual([...layoutOf(queue).chunks.keys()].sort());
    };

    // 5,000 members: chunks split into chunks a level below, whose paths replace theirs.
    queue = await write(a, queue, (s) => join(s, 1000, 5000));
    expect([...layoutOf(queue).chunks.keys()].some((p) => p.split('.').length === 3)).toBe(true);
    await check(1);
    // Back to 1,000: they merge again.
    queue = await write(a, queue, (s) => leave(s, Array.from({ length: 4000 }, (_, n) => `agt_${n + 1000}`)));
    await check(1);
    // Every member of one chunk leaves: its path is gone and nothing replaces it. The count tells,
    // and the load lists the paths instead.
    const [path, node] = [...layoutOf(queue).chunks].find(([p]) => p.startsWith('m.'))!;
    queue = await write(a, queue, (s) => leave(s, agentsIn(node)));
    expect(layoutOf(queue).chunks.has(path)).toBe(false);
    expect(layoutOf(queue).chunks.size).toBeGreaterThan(0);
    await check(2);
    // 100 members: the table is back in the root row, and no chunk is left.
    queue = await write(a, queue, (s) => leave(s, membersOf(s).slice(100).map((m) => m.agentId)));
    expect(layoutOf(queue).chunks.size).toBe(0);
    await check(1);
  });

  it('does not take a queue deleted and created again under the same id for the one it held', async () => {
    const { a, b, pool } = twoInstances();
    const departmentId = `dep_q${++departments}` as DepartmentId;
    let queue = aQueue(600, { departmentId });
    expect(await commitQueue(a, queue, 0)).toEqual({ committed: true });
    queue = await write(a, queue, route('conv_1'));
    expect((await catchUp(b, pool, queue)).loaded?.version).toBe(2);
    const removal = await a.commit({ workspaceId: WS, expected: [{ kind: 'routing', id: queue.id, version: 2 }], writes: [], removals: [{ kind: 'routing', id: queue.id, removed: true }], events: [], outbox: [] });
    expect(removal).toEqual({ committed: true });
    // Created again: the same id, the same paths, another content, and versions from 1 again.
    let again = aQueue(600, { departmentId, online: (n) => n % 3 === 0 });
    expect(again.id).toBe(queue.id);
    expect([...layoutOf(again).chunks.keys()]).toEqual([...layoutOf(queue).chunks.keys()]);
    expect(await commitQueue(a, again, 0)).toEqual({ committed: true });
    again = await write(a, again, route('conv_1'));
    const seen = await catchUp(b, pool, again);
    expect(seen.loaded).toEqual({ value: again, version: 2 });
    expect(seen.loaded).toEqual(await fresh(again));
  });

  it('still loads rows stored before migration 0005, and catches up on them once a write gave them versions', async () => {
    const { a, b, pool } = twoInstances();
    let queue = aQueue(1000);
    expect(await commitQueue(a, queue, 0)).toEqual({ committed: true });
    await asIfBefore0005(queue);
    const first = await catchUp(b, pool, queue);
    expect(first.loaded).toEqual({ value: queue, version: 1 });

    // The first write of such a row rewrites every chunk, with its version, and starts a run.
    queue = await write(a, queue, route('conv_1'));
    const { rows } = await db.pool.query<{ unversioned: string; created: string | null; count: number | null }>(
      `SELECT (SELECT count(*) FROM routing_chunks WHERE routing_id = r.id AND version IS NULL) AS unversioned, created_stamp AS created, chunk_count AS count
         FROM routing_states r WHERE id = $1`,
      [queue.id],
    );
    expect(rows[0]).toMatchObject({ unversioned: '0', count: 32 });
    expect(rows[0]?.created).toEqual(expect.any(String));
    // `b` held the queue without a version run: it lists the chunks, and fetches those it lacks.
    let seen = await catchUp(b, pool, queue);
    expect(seen.loaded).toEqual({ value: queue, version: 2 });
    expect(seen).toMatchObject({ statements: 2, listed: 32 });
    // From then on, only what was written since.
    queue = await write(a, queue, route('conv_2'));
    seen = await catchUp(b, pool, queue);
    expect(seen.loaded).toEqual({ value: queue, version: 3 });
    expect(seen).toMatchObject({ statements: 1, withData: 1, listed: 0 });
    expect(seen.loaded).toEqual(await fresh(queue));
  });
});

describe('the guide\'s query for the queues an earlier release cannot use once chunked', () => {
  const OLD = 'ws_before_upgrade' as WorkspaceId;
  const guide = readFileSync(new URL('../../docs/guides/storage-postgres.md', import.meta.url), 'utf8');
  const query = /```sql\n(-- Routing queues an instance of 0\.1\.0 cannot use[\s\S]*?)```/.exec(guide)?.[1] ?? '';

  const aQueueOf = (departmentId: string, members: number, conversations = 0): RoutingState => {
    let state = emptyRoutingState(OLD, departmentId as DepartmentId);
    for (let n = 0; n < members; n++) {
      state = syncAgent(state, { agentId: `agt_${n}`, active: true, online: true, departmentIds: [departmentId as DepartmentId] }, { now })._unsafeUnwrap().state;
    }
    for (let n = 0; n < conversations; n++) state = routeConversation(state, { conversationId: `conv_${n}` }, { now })._unsafeUnwrap().state;
    return state;
  };
  /** The 0.1.0 flat layout of a members table, as the test above writes it. */
  const flatMembers = (queue: RoutingState): RoutingState => {
    const table: Record<string, unknown>[] = Array.from({ length: 64 }, () => ({}));
    membersOf(queue).forEach((m, n) => (table[n % 64]![m.agentId] = m));
    return { ...queue, members: table } as unknown as RoutingState;
  };

  it('lists, with their counts, the queues that will be chunked and those already chunked, and no other', async () => {
    expect(query).toContain('WITH RECURSIVE');
    const store = new PostgresRosterStore(db.pool);
    expect(await store.commit({ workspaceId: OLD, expected: [], writes: [aWorkspace({ id: OLD })], removals: [], events: [], outbox: [] })).toEqual({ committed: true });
    const whole = {
      dep_small: aQueueOf('dep_small', 100),
      dep_128: aQueueOf('dep_128', 128),
      dep_129: aQueueOf('dep_129', 129),
      dep_talks: aQueueOf('dep_talks', 20, 200),
      dep_flat: flatMembers(aQueueOf('dep_flat', 600)),
      dep_flat_small: flatMembers(aQueueOf('dep_flat_small', 100)),
    };
    // Stored whole, as an earlier release wrote them.
    for (const queue of Object.values(whole)) {
      await db.pool.query(`INSERT INTO routing_states (id, workspace_id, queue_key, data, version, stamp) VALUES ($1, $2, $3, $4, 1, 'written-before')`, [
        queue.id,
        OLD,
        queue.departmentId,
        JSON.stringify(queue),
      ]);
    }
    // The trie tables the query counts over 128 are those this release cuts into chunks.
    expect(Object.entries(whole).filter(([key]) => !key.startsWith('dep_flat')).filter(([, q]) => layoutOf(q).chunks.size > 0).map(([key]) => key)).toEqual(['dep_129', 'dep_talks']);
    // Written by this release: already chunked.
    const chunked = aQueueOf('dep_chunked', 300);
    expect(await commitQueue(store, chunked, 0)).toEqual({ committed: true });

    const { rows } = await db.pool.query(query);
    expect(rows.filter((r) => r.workspace_id === OLD).map((r) => ({ ...r, members: r.members === null ? null : Number(r.members), conversations: r.conversations === null ? null : Number(r.conversations) }))).toEqual([
      { workspace_id: OLD, queue_key: 'dep_129', members: 129, conversations: 0, chunked: false },
      { workspace_id: OLD, queue_key: 'dep_chunked', members: null, conversations: 0, chunked: true },
      { workspace_id: OLD, queue_key: 'dep_flat', members: 600, conversations: 0, chunked: false },
      { workspace_id: OLD, queue_key: 'dep_talks', members: 20, conversations: 200, chunked: false },
    ]);
  });
});
