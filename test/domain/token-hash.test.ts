/**
 * `sameTokenHash` is the constant-time comparison of a stored invitation token hash with the one
 * a visitor presents. These tests pin what it answers (exactly `===`, and what the earlier
 * version answered) and how it reads: every character of both hashes, whatever matches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameTokenHash } from 'agent-roster';

/** The version before the early length check, kept as the reference. */
function previous(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let i = 0; i < length; i++) difference |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return difference === 0;
}

const HEX = '0123456789abcdef';
const hexHash = fc.string({ unit: fc.constantFrom(...HEX), minLength: 64, maxLength: 64 });
/** Odd characters: lone surrogates, a pair, NUL, non-ASCII, a fullwidth digit, upper-case hex. */
const oddUnit = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D\uDD12', '\u0000', 'é', '３', 'A', 'F');
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 70 }),
  fc.string({ unit: fc.oneof(fc.constantFrom(...HEX), oddUnit), maxLength: 70 }),
  hexHash,
);
/** A hash and a near miss of it: one character replaced, or one added or removed. */
const nearMiss = fc
  .tuple(hexHash, fc.nat({ max: 63 }), fc.oneof(fc.constantFrom(...HEX), oddUnit), fc.constantFrom('replace', 'insert', 'remove'))
  .map(([hash, at, unit, how]) => [hash, how === 'remove' ? hash.slice(0, at) + hash.slice(at + 1) : hash.slice(0, at) + unit + hash.slice(how === 'replace' ? at + 1 : at)] as const);

describe('sameTokenHash', () => {
  it('answers exactly a === b, as the previous version did, on any strings (property)', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        expect(sameTokenHash(a, b)).toBe(a === b);
        expect(sameTokenHash(a, b)).toBe(previous(a, b));
      }),
      { numRuns: 20_000 },
    );
  });

  it('tells a hash from every near miss, and matches an equal copy (property)', () => {
    fc.assert(
      fc.property(nearMiss, ([hash, other]) => {
        expect(sameTokenHash(hash, other)).toBe(hash === other);
        expect(sameTokenHash(other, hash)).toBe(hash === other);
        expect(sameTokenHash(hash, [...hash].join(''))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads every character of both hashes wherever they differ, so timing cannot tell how much matched', () => {
    /** A string stand-in that records which positions were read. */
    const recording = (text: string, reads: number[]) =>
      ({ length: text.length, charCodeAt: (i: number) => (reads.push(i), text.charCodeAt(i)) }) as unknown as string;
    const stored = 'a'.repeat(64);
    const expected = Array.from({ length: 64 }, (_, i) => i);
    for (const differsAt of [null, 0, 1, 31, 62, 63]) {
      const presented = differsAt === null ? stored : `${stored.slice(0, differsAt)}b${stored.slice(differsAt + 1)}`;
      const readsA: number[] = [];
      const readsB: number[] = [];
      expect(sameTokenHash(recording(stored, readsA), recording(presented, readsB))).toBe(differsAt === null);
      expect(readsA, `differs at ${differsAt}`).toEqual(expected);
      expect(readsB, `differs at ${differsAt}`).toEqual(expected);
    }
  });
});
