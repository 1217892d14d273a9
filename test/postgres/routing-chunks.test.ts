/**
 * A routing queue cut into a root document and chunks (ADR 0026), without a database: any queue
 * comes back deep-equal from its root and chunks, through JSON as the database stores them, a
 * command's new state differs from the old one in a few chunks only, and an instance catching up
 * from the chunks written since never drops one still stored.
 */
import { describe, expect, it } from 'vitest';
import { fc } from '@fast-check/vitest';
import {
  emptyRoutingState,
  syncAgent,
  type DepartmentId,
  type RoutingState,
  type WorkspaceId,
} from '../../src/domain/index';
import { catchUp, chunkChanges, joinQueue, layoutOf, type Chunks, type StoredChunks, type StoredRoot } from '../../src/adapters/postgres/routing-chunks';
import { applyStep, stepArb } from '../support/routing-steps';

const now = new Date('2026-11-23T09:00:00.000Z');
const ws = 'ws_chunks' as WorkspaceId;
const SALES = 'dep_sales' as DepartmentId;

/** Through JSON, as the root row and the chunk rows come back from the database. */
function stored(state: RoutingState, limit?: number): { root: StoredRoot; chunks: Chunks } {
  const { root, chunks } = layoutOf(state, limit);
  return { root: JSON.parse(JSON.stringify(root)) as StoredRoot, chunks: new Map([...chunks].map(([p, n]) => [p, JSON.parse(JSON.stringify(n))])) };
}

/** Chunks as a write stamped `stamp` stored them. */
const storedBy = (chunks: Chunks, stamp: string): StoredChunks => new Map([...chunks].map(([path, node]) => [path, { node, stamp }]));

function withMembers(count: number, base = emptyRoutingState(ws, SALES)): RoutingState {
  let state = base;
  for (let n = 0; n < count; n++) {
    state = syncAgent(state, { agentId: `agt_${n}`, active: true, online: n % 3 !== 0, departmentIds: [SALES] }, { now })._unsafeUnwrap().state;
  }
  return state;
}

describe('a routing queue in chunks', () => {
  it('keeps a small queue whole in its root', () => {
    const state = withMembers(100);
    const { root, chunks } = layoutOf(state);
    expect(chunks.size).toBe(0);
    expect(root).toEqual(state);
  });

  it('cuts a large one into chunks of at most 128 records, each under its path, with nothing of the tables left in the root', () => {
    const state = withMembers(1000);
    const { root, chunks } = layoutOf(state);
    expect(root.members).toBeNull();
    expect(root.conversations).toEqual([]);
    expect(chunks.size).toBe(32);
    expect([...chunks.keys()].every((p) => /^m\.\d+$/.test(p))).toBe(true);
    expect(JSON.stringify(root).length).toBeLessThan(500);
    const sizes = [...chunks.values()].map((c) => c.flat(10).filter((x) => typeof x === 'object' && x !== null).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(128);
    expect(sizes.reduce((a, b) => a + b)).toBe(1000);
  });

  it('gives back, from the root and chunks through JSON, a queue deep-equal to the one laid out, at any depth', () => {
    fc.assert(
      fc.property(fc.nat({ max: 700 }), fc.constantFrom(1, 4, 16, 128), fc.array(stepArb(700), { maxLength: 30 }), (members, limit, steps) => {
        const state = steps.reduce(applyStep, withMembers(members));
        const { root, chunks } = stored(state, limit);
        const back = joinQueue(root, chunks);
        expect(back).toEqual(state);
        expect(JSON.parse(JSON.stringify(back))).toEqual(back);
      }),
      { numRuns: 60 },
    );
  });

  it('cuts below two levels of branches with small chunks, and still comes back whole', () => {
    const state = withMembers(3000);
    const { chunks } = layoutOf(state, 4);
    expect(Math.max(...[...chunks.keys()].map((p) => p.split('.').length - 1))).toBe(2);
    const { root, chunks: back } = stored(state, 4);
    expect(joinQueue(root, back)).toEqual(state);
  });

  it('tells a command apart by the chunks on its path: a route or a sync changes one chunk per table it touches', () => {
    fc.assert(
      fc.property(fc.array(stepArb(2000), { minLength: 1, maxLength: 20 }), (steps) => {
        let state = withMembers(2000);
        let before = storedBy(layoutOf(state).chunks, 'write-0');
        for (const [n, step] of steps.entries()) {
          const next = applyStep(state, step);
          const after = layoutOf(next).chunks;
          const { write, remove, stored } = chunkChanges(before, after, `write-${n + 1}`);
          // A route or a close touches a member and a conversation; an agent who leaves hands its few
          // conversations to others, each a member and a conversation more.
          expect(write.length, JSON.stringify(step)).toBeLessThanOrEqual(step.kind === 'route' || step.kind === 'close' ? 2 : 8);
          expect(remove).toEqual([]);
          // What is not rewritten is the very array the database holds, under the stamp that stored it.
          for (const [path, node] of after) {
            if (write.some(([p]) => p === path)) expect(stored.get(path)).toEqual({ node, stamp: `write-${n + 1}` });
            else expect(stored.get(path)).toBe(before.get(path));
          }
          expect([...stored].map(([p, c]) => [p, c.node])).toEqual([...after]);
          state = next;
          before = stored;
        }
      }),
      { numRuns: 30 },
    );
  });

  it('writes every chunk and removes the old paths when a table grows past, or shrinks under, a chunk', () => {
    const small = layoutOf(withMembers(128)).chunks;
    const large = layoutOf(withMembers(129)).chunks;
    expect(small.size).toBe(0);
    expect(large.size).toBeGreaterThan(20);
    expect(chunkChanges(storedBy(small, 'a'), large, 'b')).toEqual({ write: [...large], remove: [], stored: storedBy(large, 'b') });
    const shrunk = layoutOf(syncAgent(withMembers(129), { agentId: 'agt_5', deleted: true }, { now })._unsafeUnwrap().state).chunks;
    expect(chunkChanges(storedBy(large, 'b'), shrunk, 'c')).toEqual({ write: [], remove: [...large.keys()], stored: new Map() });
  });

  it('catches up from the chunks written since: never drops a chunk still stored, and keeps a gone one only where nothing replaced it', () => {
    fc.assert(
      fc.property(fc.nat({ max: 700 }), fc.constantFrom(1, 4, 16, 128), fc.array(stepArb(700), { maxLength: 30 }), (members, limit, steps) => {
        const start = withMembers(members);
        const held = storedBy(layoutOf(start, limit).chunks, 'held');
        const end = steps.reduce(applyStep, start);
        const { root, chunks } = layoutOf(end, limit);
        // The rows written since: those whose array is not the one held at the same path.
        const written = storedBy(new Map([...chunks].filter(([path, node]) => held.get(path)?.node !== node)), 'since');
        const caught = catchUp(held, written, root);
        for (const [path, node] of chunks) expect(caught.get(path)?.node, path).toBe(node);
        // Any other path is one held whose slot emptied: no chunk now lies on it, above it or below it.
        const paths = [...chunks.keys()];
        for (const path of caught.keys()) {
          if (chunks.has(path)) continue;
          expect(held.has(path)).toBe(true);
          expect(paths.some((p) => p.startsWith(`${path}.`) || path.startsWith(`${p}.`))).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});
