/**
 * `visible`, which the kit's step labels go through: a character a reader cannot see is written
 * as its escape, so a refused name or email in a counterexample never reads as an accepted one.
 */
import { describe, expect, it } from 'vitest';
import { visible } from '../../src/testing/show';

describe('visible', () => {
  it.each([
    ['a zero-width space', 'ana\u200B@shop.com', 'ana\\u200B@shop.com'],
    ['a C1 control and DEL', 'Bob\u0085Smith\u007F', 'Bob\\u0085Smith\\u007F'],
    ['a tab', 'tab\there', 'tab\\u0009here'],
    ['a combining grapheme joiner', 'ana\u034F@shop.com', 'ana\\u034F@shop.com'],
    ['a Hangul filler and the braille blank', 'a\u3164b\u2800c', 'a\\u3164b\\u2800c'],
    ['a no-break space and a line separator', 'a\u00A0b\u2028c', 'a\\u00A0b\\u2028c'],
    ['a tag character, above U+FFFF', '\u{E0041}x', '\\u{E0041}x'],
  ])('escapes %s', (_, text, shown) => {
    expect(visible(text)).toBe(shown);
  });

  it('leaves what a reader sees alone: the ASCII space, letters, accents, emoji', () => {
    for (const text of ['Bob Smith', 'Zoë Ångström', '李小龙', 'Ana 👋', '"quoted" \\n']) expect(visible(text)).toBe(text);
  });
});
