/**
 * Routing queues stored in chunks on PostgreSQL (ADR 0026): a command writes the root row and the
 * chunks it changed, not the queue; what comes back is what was written, whichever instance wrote
 * it and whatever it knew; queues stored whole by earlier releases still load; a stale commit is
 * still refused; deleting a queue deletes its chunks.
 */
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
/** A new queue of `members` agents (two in three online) in a department of its own. */
function aQueue(members: number): RoutingState {
  let state = emptyRoutingState(WS, `dep_q${++departments}` as DepartmentId);
  for (let n = 0; n < members; n++) {
    state = syncAgent(state, { agentId: `agt_${n}`, active: true, online: n % 3 !== 0, departmentIds: [state.departmentId!] }, { now })._unsafeUnwrap().state;
  }
  return state;
}

const commitQueue = (store: PostgresRosterStore, queue: RoutingState, expected: number) =>
  store.commit({ workspaceId: WS, expected: [{ kind: 'routing', id: queue.id, version: expected }], writes: [queue], removals: [], events: [], outbox: [] });

/** The queue as a store that never saw it reads it. */
async function fresh(queue: RoutingState) {
  return (await new PostgresRosterStore(db.pool, { routingQueuesKept: 0 }).loadRoutingStates(WS, [queue.departmentId]))[0];
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
          let state = aQueue(members);
          expect(await commitQueue(stores[0]!, state, 0)).toEqual({ committed: true });
          for (const [n, { through, step }] of steps.entries()) {
            const store = stores[through]!;
            // Each command starts from what this instance loads: its own object, or a fresh read.
            const [loaded] = await store.loadRoutingStates(WS, [state.departmentId]);
            expect(loaded).toEqual({ value: state, version: n + 1 });
            state = applyStep(loaded!.value, step);
            expect(await commitQueue(store, state, n + 1)).toEqual({ committed: true });
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
