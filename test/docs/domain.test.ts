/**
 * docs/domain.md is the public copy of the team's rule book, ../shared/DOMAIN.md: the page the
 * guides, the API reference and the testing kit's messages send readers to as "the rules". When
 * the rule book sits beside this checkout, the page must hold it word for word, so an edit to the
 * rules that is not copied fails here. A clean clone (CI) has no ../shared: then the page must
 * still hold the numbered invariants every "invariant N" elsewhere refers to (the same fallback
 * as test/support/hostile-inputs.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentationPages } from './snippets';

const root = fileURLToPath(new URL('../..', import.meta.url));
const page = readFileSync(join(root, 'docs/domain.md'), 'utf8');

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The rule book, when this checkout has ../shared beside it. */
const ruleBook = read(resolve(root, '../shared/DOMAIN.md'));

/** The numbered items of the page's "## Invariants" section: `[number, first line]`. */
function invariantsOf(markdown: string): [number, string][] {
  const start = markdown.search(/^## Invariants\b/m);
  if (start < 0) return [];
  const rest = markdown.slice(start).split('\n').slice(1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return (end < 0 ? rest : rest.slice(0, end)).flatMap((l) => {
    const item = /^(\d+)\. (.+)$/.exec(l);
    return item ? [[Number(item[1]), item[2]!] as [number, string]] : [];
  });
}

describe('docs/domain.md', () => {
  if (ruleBook !== null) {
    it('holds ../shared/DOMAIN.md word for word', () => {
      expect(page.includes(ruleBook), 'docs/domain.md differs from ../shared/DOMAIN.md: copy the rule book into it again').toBe(true);
    });
  } else {
    it('holds the rules: a "## Invariants" section numbered 1 to 8 (no ../shared/DOMAIN.md beside this checkout)', () => {
      expect(invariantsOf(page).map(([n]) => n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });
  }

  it('numbers the invariants 1 to 8, as checkInvariants and the kit number them', () => {
    const invariants = invariantsOf(page);
    expect(invariants.map(([n]) => n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(invariants[0]![1]).toBe('Exactly one owner, and the owner is an admin agent of the workspace.');
  });

  it('says what it is before the rules begin', () => {
    const header = page.slice(0, page.indexOf('# agent-roster: the domain'));
    expect(header).toMatch(/This page is the rules/);
  });
});

describe('pages that name the rule book', () => {
  // Readers have docs/domain.md, not the team's DOMAIN.md: every mention outside a heading must be
  // the text of a link to the page, and every link to it must resolve.
  const pages = documentationPages(root).filter((p) => p !== join('docs', 'domain.md'));
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
  const anchors = [...page.matchAll(/^#{1,6} (.+)$/gm)].map(([, h]) => h!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-'));
  const linkToDomain = /\[([^\]]*)\]\(((?:[^)\s]*\/)?domain\.md)(#[^)\s]*)?\)/g;

  it.each(pages)('%s links "DOMAIN.md" to docs/domain.md', (p) => {
    const text = readFileSync(join(root, p), 'utf8');
    const loose = text.split('\n').flatMap((line, n) => {
      if (/^#{1,6} /.test(line)) return [];
      const outside = line.replace(linkToDomain, '');
      return outside.includes('DOMAIN.md') ? [`${p}:${n + 1} ${line.trim()}`] : [];
    });
    expect(loose).toEqual([]);
    for (const [, , target, anchor] of text.matchAll(linkToDomain)) {
      expect(relative(root, resolve(root, dirname(p), target!)), `${p}: ${target}`).toBe(join('docs', 'domain.md'));
      if (anchor !== undefined) expect(anchors, `${p}: ${target}${anchor}`).toContain(anchor.slice(1));
    }
  });
});
