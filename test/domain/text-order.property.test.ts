import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { compareCodePoints } from '../../src/domain/text-order';

/** The reference: code points as `Array.from` splits them, compared one by one. */
function byCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return Math.sign(x.length - y.length);
}

// Characters where UTF-16 and code point orders part (around D7FF/E000/FFFF and beyond U+FFFF),
// mixed with any code point, so that the first difference often falls on the boundary.
const edge = fc.constantFrom('a', 'Z', '\u00E9', '\uD7FF', '\uE000', '\uF8FF', '\uFF5A', '\uFFFD', '\uFFFF', '\u{10000}', '\u{1D538}', '\u{1F600}', '\u{10FFFF}');
const text = fc.string({ unit: fc.oneof(edge, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 6 });

describe('compareCodePoints', () => {
  fcTest.prop([text, text])('orders well-formed strings by code point, as the reference does', (a, b) => {
    expect(compareCodePoints(a, b)).toBe(byCodePoints(a, b));
    expect(compareCodePoints(b, a)).toBe(byCodePoints(b, a));
  });

  fcTest.prop([text, text])('agrees with the reference on a shared prefix', (prefix, rest) => {
    expect(compareCodePoints(prefix + rest, prefix)).toBe(rest === '' ? 0 : 1);
    expect(compareCodePoints(prefix, prefix + rest)).toBe(rest === '' ? 0 : -1);
  });

  fcTest.prop([fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'binary-ascii' })])('agrees with < where code units are code points', (a, b) => {
    expect(compareCodePoints(a, b)).toBe(a < b ? -1 : a > b ? 1 : 0);
  });

  it('puts U+E000–U+FFFF before characters beyond U+FFFF, where < puts them after', () => {
    const names = ['😀 vip', 'ｚ fullwidth', '\uE000 private', 'zeta'];
    expect([...names].sort()).toEqual(['zeta', '😀 vip', '\uE000 private', 'ｚ fullwidth']);
    expect([...names].sort(compareCodePoints)).toEqual(['zeta', '\uE000 private', 'ｚ fullwidth', '😀 vip']);
  });
});
