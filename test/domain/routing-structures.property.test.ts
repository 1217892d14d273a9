/**
 * The two data structures under routing, each checked against a plain model over random
 * sequences of operations:
 * - the record table (`Buckets`, a hash trie of arrays copied on write) against a `Map`, with every
 *   earlier version frozen and re-read at the end: a write into a shared array would throw or show;
 * - the ordered list of the pick index against a sorted array.
 */
import { describe, expect, it } from 'vitest';
import { fc } from '@fast-check/vitest';
import { BucketsDraft, byAgentId, entriesOf, lookup, type Buckets } from '../../src/domain/routing/buckets';
import { OrderedList } from '../../src/domain/routing/ordered-list';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

type Rec = Readonly<{ agentId: string; n: number }>;
type Op = { kind: 'set'; id: number; n: number } | { kind: 'delete'; id: number } | { kind: 'commit' };

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
};

/** What a table must look like whatever was done to it. */
function shapeProblems(table: Buckets<Rec>): string[] {
  const problems: string[] = [];
  const walk = (node: readonly unknown[], level: number) => {
    const isBucket = node.length === 0 || typeof node[0] === 'number';
    if (isBucket) {
      if (node.length === 0 && level > 0) problems.push('an empty bucket below the root');
      if (node.length > 32 && level < 6) problems.push(`a bucket of ${node.length / 2} records above the last level`);
      for (let i = 0; i < node.length; i += 2) {
        if (typeof node[i] !== 'number' || typeof node[i + 1] !== 'object') problems.push('a bucket not made of hash, record pairs');
      }
      return;
    }
    if (node.length !== 32) problems.push(`a branch of ${node.length} slots`);
    if (node.every((slot) => slot === null)) problems.push('a branch with no slot in use');
    for (const slot of node) {
      if (slot !== null && !Array.isArray(slot)) problems.push('a branch slot that is neither null nor an array');
      else if (slot) walk(slot, level + 1);
    }
  };
  walk(table, 0);
  return problems;
}

function opsArb(poolSize: number): fc.Arbitrary<Op[]> {
  const id = fc.nat({ max: poolSize - 1 });
  return fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), id, n: fc.integer() }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), id }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'commit' as const }) },
    ),
    { maxLength: 800, size: 'max' },
  );
}

describe('the record table (Buckets), against a Map', () => {
  const poolArb = fc.constantFrom(8, 40, 600, 2500);

  it('finds what was set, forgets what was deleted, keeps its shape, and never changes an earlier version', () => {
    fc.assert(
      fc.property(
        poolArb.chain((pool) => fc.tuple(fc.constant(pool), opsArb(pool))),
        ([pool, ops]) => {
          const idOf = (i: number) => `agt_${i}`;
          const model = new Map<string, Rec>();
          const versions: { table: Buckets<Rec>; json: string; model: Map<string, Rec> }[] = [];
          let table: Buckets<Rec> = deepFreeze([]);
          const touched = new Set<string>();
          let draft = new BucketsDraft(table, byAgentId);
          const commit = () => {
            table = deepFreeze(draft.result());
            versions.push({ table, json: JSON.stringify(table), model: new Map(model) });
            draft = new BucketsDraft(table, byAgentId);
          };
          for (const op of ops) {
            if (op.kind !== 'commit') touched.add(idOf(op.id));
            if (op.kind === 'commit') commit();
            else if (op.kind === 'set') {
              const record = { agentId: idOf(op.id), n: op.n };
              draft.set(record.agentId, record);
              model.set(record.agentId, record);
            } else {
              draft.delete(idOf(op.id));
              model.delete(idOf(op.id));
            }
            // The draft reads its own writes.
            const probe = idOf(op.kind === 'commit' ? 0 : op.id);
            expect(draft.get(probe)).toBe(model.get(probe));
          }
          commit();
          for (const v of versions) {
            expect(JSON.stringify(v.table)).toBe(v.json);
            for (const id of touched) if (lookup(v.table, id, byAgentId) !== v.model.get(id)) expect.fail(`a version lost ${id}`);
            expect(entriesOf(v.table).length).toBe(v.model.size);
            expect(shapeProblems(v.table)).toEqual([]);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gives emptied buckets and branches back as it shrinks, down to an empty table, in any order of deletes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(20, 200, 1500).chain((size) =>
          fc.tuple(fc.constant(size), fc.shuffledSubarray([...Array(size).keys()], { minLength: size, maxLength: size }), fc.integer({ min: 1, max: 40 })),
        ),
        ([size, order, commitEvery]) => {
          let draft = new BucketsDraft<Rec>(deepFreeze([]), byAgentId);
          for (let i = 0; i < size; i++) draft.set(`agt_${i}`, { agentId: `agt_${i}`, n: i });
          let table = deepFreeze(draft.result());
          draft = new BucketsDraft(table, byAgentId);
          const left = new Set(order);
          order.forEach((i, step) => {
            draft.delete(`agt_${i}`);
            left.delete(i);
            if (step % commitEvery === 0 || left.size === 0) {
              table = deepFreeze(draft.result());
              const problems = shapeProblems(table);
              if (problems.length > 0) expect.fail(`after ${step + 1} deletes: ${problems.join('; ')}`);
              if (entriesOf(table).length !== left.size) expect.fail(`after ${step + 1} deletes: ${entriesOf(table).length} records, ${left.size} expected`);
              draft = new BucketsDraft(table, byAgentId);
            }
          });
          expect(table).toEqual([]);
        },
      ),
      { numRuns: Math.max(20, RUNS / 4) },
    );
  });

  it('is a function of the operations alone: one draft or one per operation, and from JSON, give the same arrays', () => {
    fc.assert(
      fc.property(
        poolArb.chain((pool) => opsArb(pool)),
        (ops) => {
          const changes = ops.filter((op) => op.kind !== 'commit');
          const apply = (draft: BucketsDraft<Rec>, op: Op) => {
            if (op.kind === 'set') draft.set(`agt_${op.id}`, { agentId: `agt_${op.id}`, n: op.n });
            else if (op.kind === 'delete') draft.delete(`agt_${op.id}`);
          };
          const once = new BucketsDraft<Rec>([], byAgentId);
          for (const op of changes) apply(once, op);
          let stepwise: Buckets<Rec> = [];
          let viaJson: Buckets<Rec> = [];
          for (const op of changes) {
            const a = new BucketsDraft(stepwise, byAgentId);
            apply(a, op);
            stepwise = a.result();
            const b = new BucketsDraft(JSON.parse(JSON.stringify(viaJson)) as Buckets<Rec>, byAgentId);
            apply(b, op);
            viaJson = b.result();
          }
          expect(stepwise).toEqual(once.result());
          expect(viaJson).toEqual(once.result());
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps 20,000 records three branch levels deep, and an update copies one path', () => {
    const draft = new BucketsDraft<Rec>([], byAgentId);
    for (let i = 0; i < 20_000; i++) draft.set(`agt_${i}`, { agentId: `agt_${i}`, n: i });
    const table = deepFreeze(draft.result());
    expect(shapeProblems(table)).toEqual([]);
    let depth = 0;
    const walk = (node: readonly unknown[], level: number): void => {
      depth = Math.max(depth, level);
      for (const slot of node) if (Array.isArray(slot)) walk(slot, level + 1);
    };
    walk(table, 0);
    expect(depth).toBe(3);
    const change = new BucketsDraft(table, byAgentId);
    change.set('agt_777', { agentId: 'agt_777', n: -1 });
    const after = change.result();
    const copiedSlots = (node: readonly unknown[], old: readonly unknown[] | undefined): number =>
      node === old ? 0 : node.length + node.reduce<number>((sum, slot, i) => sum + (Array.isArray(slot) ? copiedSlots(slot, old?.[i] as unknown[]) : 0), 0);
    expect(copiedSlots(after, table)).toBeLessThanOrEqual(3 * 32 + 32); // three branches and one bucket
    expect(lookup(after, 'agt_777', byAgentId)?.n).toBe(-1);
    expect(lookup(table, 'agt_777', byAgentId)?.n).toBe(777);
  });
});

type Item = { agentId: string; key: number; rotationChunk: unknown[] | null };

/**
 * What is wrong with a list's bookkeeping, read through the chunk each item says it sits in:
 * every item in its chunk, chunks neither empty nor over 64 items, laid end to end in order.
 */
function bookkeepingProblems(items: readonly Item[]): string[] {
  const problems: string[] = [];
  const chunks: unknown[][] = [];
  for (const item of items) {
    const chunk = item.rotationChunk;
    if (chunk === null || !chunk.includes(item)) problems.push(`${item.agentId} does not point at its chunk`);
    else if (chunks[chunks.length - 1] !== chunk) chunks.push(chunk);
  }
  if (new Set(chunks).size !== chunks.length) problems.push('a chunk is not in one piece');
  if (chunks.some((chunk) => chunk.length === 0 || chunk.length > 64)) problems.push('a chunk is empty or over 64');
  if (chunks.flat().some((item, i) => item !== items[i])) problems.push('the chunks do not add up to the list');
  return problems;
}
type ListOp = { kind: 'insert' | 'remove' | 'rekey'; item: number; key: number };

describe('the ordered list of the pick index, against a sorted array', () => {
  const before = (a: Item, b: Item) => a.key < b.key || (a.key === b.key && a.agentId < b.agentId);
  const order = (a: Item, b: Item) => (before(a, b) ? -1 : before(b, a) ? 1 : 0);

  it('keeps its items in order, finds the first in O(1), and inserts in O(log n) comparisons', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.nat({ max: 400 }),
        fc.array(
          fc.record({ kind: fc.constantFrom<ListOp['kind']>('insert', 'insert', 'remove', 'rekey'), item: fc.nat(), key: fc.integer({ min: 0, max: 50 }) }),
          { maxLength: 600, size: 'max' },
        ),
        (population, initial, ops) => {
          const items: Item[] = Array.from({ length: population }, (_, i) => ({ agentId: `agt_${i}`, key: i % 7, rotationChunk: null }));
          const start = items.slice(0, Math.min(initial, population)).sort(order);
          const counter = { comparisons: 0 };
          const list = new OrderedList(before, counter, 'rotationChunk', start);
          const inList = new Set<Item>(start);
          for (const op of ops) {
            const item = items[op.item % population]!;
            const was = counter.comparisons;
            if (op.kind === 'insert' && !inList.has(item)) {
              list.insert(item);
              inList.add(item);
            } else if (op.kind === 'remove') {
              list.remove(item);
              inList.delete(item);
              expect(counter.comparisons).toBe(was); // removal finds the item by its chunk, not by search
            } else if (op.kind === 'rekey') {
              item.key = op.key;
              if (inList.has(item)) {
                list.remove(item);
                list.insert(item);
              }
            }
            expect(counter.comparisons - was).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(inList.size + 1)) + 6);
            const sorted = [...inList].sort(order);
            if (list.first() !== sorted[0]) expect.fail('first() is not the smallest');
            expect(list.has(item)).toBe(inList.has(item));
            // Cheap failures: a diff of hundreds of items at every shrinking step would take minutes.
            const values = (list as unknown as { chunks: Item[][] }).chunks.flat();
            if (values.length !== sorted.length || values.some((x, i) => x !== sorted[i])) expect.fail(`out of order after ${op.kind}`);
            const problems = bookkeepingProblems(values);
            if (problems.length > 0) expect.fail(problems[0]);
          }
          // items() reads the order without a comparison; clear() takes everybody out, chunk fields included.
          const was = counter.comparisons;
          expect(list.items()).toEqual([...inList].sort(order));
          list.clear();
          expect(counter.comparisons).toBe(was);
          expect([list.first(), list.items().length, items.filter((item) => item.rotationChunk !== null).length]).toEqual([undefined, 0, 0]);
        },
      ),
      // A failing run of hundreds of operations takes minutes to shrink; the seed fast-check prints
      // replays it, and the message names the first operation that broke the order.
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});
