/**
 * The in-memory store's ordered index against the obvious model: a list sorted on every read.
 * Any interleaving of adds, replacements and removals must leave it answering as the model does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedIndex } from '../../src/adapters/memory/ordered-index';

type Item = Readonly<{ key: string; at: number }>;
const before = (a: Item, b: Item) => a.at < b.at || (a.at === b.at && a.key < b.key);
const sorted = (items: Iterable<Item>) => [...items].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));

const key = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('').slice(0, 12));
const op = fc.oneof(
  fc.record({ type: fc.constant('set' as const), key, at: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ type: fc.constant('delete' as const), key }),
);

describe('OrderedIndex', () => {
  it('reads like a sorted list through any series of adds, replacements and removals', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 0, max: 21 }), fc.integer({ min: 0, max: 15 }), (ops, bound, limit) => {
        const index = new OrderedIndex<Item>((i) => i.key, before);
        const model = new Map<string, Item>();
        for (const o of ops) {
          if (o.type === 'set') {
            index.set({ key: o.key, at: o.at });
            model.set(o.key, { key: o.key, at: o.at });
          } else {
            expect(index.delete(o.key)).toBe(model.delete(o.key));
          }
          expect(index.firstWhile(1, () => true)).toEqual(sorted(model.values()).slice(0, 1));
        }
        expect(index.firstWhile(Infinity, () => true)).toEqual(sorted(model.values()));
        const even = (i: Item) => i.at % 2 === 0;
        expect(index.firstWhile(limit, (i) => i.at <= bound)).toEqual(sorted(model.values()).filter((i) => i.at <= bound).slice(0, limit));
        expect(sorted(index.everyWhile((i) => i.at <= bound))).toEqual(sorted(model.values()).filter((i) => i.at <= bound));
        expect(index.firstWhile(limit, (i) => i.at <= bound, even)).toEqual(sorted(model.values()).filter((i) => i.at <= bound && even(i)).slice(0, limit));
      }),
      { numRuns: 500 },
    );
  });
});
