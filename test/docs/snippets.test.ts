/**
 * Every ```ts sample of README.md and docs/ typechecks against the package source, so a sample
 * that calls an API the way it no longer (or never) worked fails the suite instead of a reader.
 * The conventions (one module per page, hidden preambles, `…` holes) are in docs/README.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { blocksOf, checkDocumentation, documentationPages, formatProblems, moduleOf, type SnippetProblem } from './snippets';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fence = '```';

/** Pages written for this test: they go through the same extraction and the same program. */
const fixture = (page: string, markdown: string) => moduleOf(page, blocksOf(markdown));

// Mistakes the docs once made (a review found them): each must be reported, on its line.
const mistakes = fixture(
  '(mistakes)',
  [
    '<!-- snippet-preamble',
    "import type { ActorRef, Roster } from 'agent-roster';",
    'declare const roster: Roster, ana: ActorRef, token: string;',
    '-->',
    `${fence}ts`,
    "const offer = await roster.previewInvitation({ token, requester: '203.0.113.7' });",
    "const joined = await roster.acceptInvitation({ token, name: 'Cy', password: 'a long and memorable passphrase', session: 'cookie' });",
    'const board = (await roster.availabilityBoard(ana))._unsafeUnwrap();',
    'console.log(offer, joined, board.online.length);',
    'console.log(board.inactive.map((a) => a.name));',
    fence,
  ].join('\n'),
);

// What the conventions allow: a later block uses and redeclares an earlier block's names, imports
// again, exports; a hole stands for code to fill in; signature blocks are not code.
const conventions = fixture(
  '(conventions)',
  [
    `${fence}ts`,
    "import { createRoster } from 'agent-roster';",
    'const roster = createRoster();',
    fence,
    `${fence}ts signature`,
    'roster.anything(whatever: unknown) => not code',
    fence,
    `${fence}ts`,
    "import { createRoster, type Roster } from 'agent-roster';",
    'const first: Roster = roster;',
    fence,
    `${fence}ts`,
    'const roster = createRoster({ maxAttempts: 2 });',
    'export const both = [first, roster];',
    'declare const ana: { workspaceId: string; agentId: string };',
    'const invited = roster.inviteAgent(ana, { … });',
    'const later = async () => …;',
    fence,
  ].join('\n'),
);

// A hole hides nothing around it.
const holes = fixture(
  '(holes)',
  [`${fence}ts`, "import { createRoster } from 'agent-roster';", 'createRoster().inviteAgnet(…);', fence].join('\n'),
);

// A block in a callout (a blockquote) is checked like any other, its quote marks left out.
const quoted = fixture(
  '(quoted)',
  [
    '> [!IMPORTANT]',
    '> Await it:',
    '>',
    `> ${fence}ts`,
    "> import { createRoster } from 'agent-roster';",
    '>',
    '> createRoster().inviteAgnet(…);',
    `> ${fence}`,
  ].join('\n'),
);

let problems: Map<string, SnippetProblem[]>;
beforeAll(() => {
  problems = checkDocumentation(root, [mistakes, conventions, holes, quoted]);
}, 120_000);

const samplePages = documentationPages(root).filter((page) => readFileSync(join(root, page), 'utf8').includes(`${fence}ts\n`));

describe('documentation samples', () => {
  it('finds the samples of every page that has some', () => {
    expect(samplePages).toContain('README.md');
    expect(samplePages.length).toBeGreaterThan(10);
    for (const page of samplePages) expect(blocksOf(readFileSync(join(root, page), 'utf8')).filter((b) => !b.hidden), page).not.toEqual([]);
  });

  it.each(samplePages)('%s typechecks', (page) => {
    expect(formatProblems(problems.get(page) ?? [])).toEqual([]);
  });
});

describe('the samples check itself', () => {
  it('reports input fields that belong in the request, and a board read the wrong way, on their lines', () => {
    const found = problems.get('(mistakes)')!;
    const on = (line: number, pattern: RegExp) => found.some((p) => p.line === line && pattern.test(p.message));
    expect(on(6, /'requester' does not exist/), formatProblems(found).join('\n')).toBe(true);
    expect(on(7, /'session' does not exist/), formatProblems(found).join('\n')).toBe(true);
    expect(on(9, /Property 'online' does not exist/), formatProblems(found).join('\n')).toBe(true);
    expect(on(10, /Property 'inactive' does not exist/), formatProblems(found).join('\n')).toBe(true);
  });

  it('lets a page build on its earlier blocks, redeclare, import again and leave holes', () => {
    expect(formatProblems(problems.get('(conventions)')!)).toEqual([]);
  });

  it('checks a block inside a blockquote, on its line', () => {
    expect(formatProblems(problems.get('(quoted)')!)).toEqual([expect.stringMatching(/^\(quoted\):7 Property 'inviteAgnet' does not exist/)]);
  });

  it('still checks the code around a hole', () => {
    expect(formatProblems(problems.get('(holes)')!)).toEqual([
      expect.stringMatching(/^\(holes\):3 Property 'inviteAgnet' does not exist/),
    ]);
  });
});
