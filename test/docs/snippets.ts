/**
 * Turns the ```ts blocks of a Markdown page into one TypeScript module, and typechecks every
 * page's module in a single `ts.Program` against the package source. The convention it
 * implements is documented in docs/README.md ("Code samples are typechecked").
 *
 * - A page's ```ts blocks are one module, in page order, blocks inside a blockquote (a callout,
 *   `> ```ts`) included. Each block is a block scope nested in the previous one: it sees what
 *   earlier blocks declared and may declare a name again.
 * - `import` and `declare` statements are hoisted to the top of the module (imports of the same
 *   name merged), since they cannot stand in a block; `export` is dropped for the same reason.
 * - `<!-- snippet-preamble … -->` is a hidden block, checked where it stands: it declares what a
 *   page's samples take as given (`declare const roster: Roster;`) without showing it.
 * - `…` in code (not in a string or a comment) is a hole: code the reader fills in. It is checked
 *   as a value of any type (`{ … }`: an object of any shape); everything around it is checked.
 * - ```ts signature blocks (and every other language) are not checked: they are signatures and
 *   shapes, not code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** A piece of code of a page, and the page line its first line comes from. */
export type Block = Readonly<{ code: string; line: number; hidden: boolean }>;

/** A page as one module: its text, and for each of its lines the page line it came from. */
export type PageModule = Readonly<{ page: string; text: string; origins: readonly (number | null)[] }>;

/** A diagnostic, placed on the page (`docs/agent.md:180`). */
export type SnippetProblem = Readonly<{ page: string; line: number | null; message: string }>;

/** A fence, after its indent and any blockquote marks (`> ```ts` in a callout). */
const FENCE = /^(\s*(?:>\s?)*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$/;
/** The blockquote marks before a line of a quoted block, and the one space after each. */
const QUOTE = /^\s*(?:>\s?)+/;
const PREAMBLE_OPEN = /^\s*<!--\s*snippet-preamble:?(.*)$/;

/**
 * The checked blocks of a page: ```ts fences whose info string is exactly `ts`, and
 * `<!-- snippet-preamble … -->` comments, in page order.
 */
export function blocksOf(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const [, indent = '', marks = '', lang = '', rest = ''] = fence;
      const start = i + 1;
      let end = start;
      const quoted = indent.includes('>');
      const closing = new RegExp(`^\\s*${quoted ? '(?:>\\s?)+' : ''}${marks[0] === '`' ? '`' : '~'}{${marks.length},}\\s*$`);
      while (end < lines.length && !closing.test(lines[end]!)) end++;
      if (lang === 'ts' && rest.trim() === '') {
        const body = lines
          .slice(start, end)
          .map((l) => (quoted ? l.replace(QUOTE, '') : l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
        blocks.push({ code: body.join('\n'), line: start + 1, hidden: false });
      }
      i = end;
      continue;
    }
    const preamble = PREAMBLE_OPEN.exec(line);
    if (preamble) {
      const body: string[] = [];
      let first = preamble[1] ?? '';
      let j = i;
      for (;;) {
        const close = first.indexOf('-->');
        if (close >= 0) {
          body.push(first.slice(0, close));
          break;
        }
        body.push(first);
        j++;
        if (j >= lines.length) throw new Error(`unclosed snippet-preamble at line ${i + 1}`);
        first = lines[j]!;
      }
      blocks.push({ code: body.join('\n'), line: i + 1, hidden: true });
      i = j;
    }
  }
  return blocks;
}

const HOLE = '__snippetHole';
const INVALID_CHARACTER = 1127;

/**
 * Replaces each `…` hole with a value of any type. The parser finds them (it reports an invalid
 * character there, and never inside a string, template or comment). Lines stay where they were.
 */
function fillHoles(code: string): string {
  const { diagnostics = [] } = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  const holes = diagnostics
    .filter((d) => d.code === INVALID_CHARACTER && d.start !== undefined && code[d.start] === '…')
    .map((d) => d.start!)
    .sort((a, b) => b - a);
  let out = code;
  for (const at of holes) {
    // In `{ … }` the hole stands for properties, so it is spread; anywhere else it is a value.
    const spread = /\{\s*$/.test(out.slice(0, at));
    out = `${out.slice(0, at)}${spread ? `...${HOLE}` : HOLE}${out.slice(at + 1)}`;
  }
  return out;
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

/** Blanks a range of text, keeping its line breaks, so every other line stays where it was. */
const blank = (text: string, from: number, to: number) => text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, ' ') + text.slice(to);

/** One page's blocks as one module (see the file's comment for the rules). */
export function moduleOf(page: string, blocks: readonly Block[]): PageModule {
  const imports = new Map<string, { text: string; line: number }>();
  const hoisted: { text: string; line: number }[] = [];
  const bodies: { text: string; line: number }[] = [];

  let holes = false;
  for (const block of blocks) {
    const code = fillHoles(block.code);
    holes ||= code !== block.code;
    const sf = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const lineOf = (pos: number) => block.line + sf.getLineAndCharacterOfPosition(pos).line;
    let body = code;
    const declared: { text: string; line: number }[] = [];
    // Right to left, so the positions of statements still to visit do not move.
    for (const statement of [...sf.statements].reverse()) {
      const start = statement.getStart(sf);
      if (ts.isImportDeclaration(statement)) {
        for (const [key, text] of importsOf(statement, sf)) if (!imports.has(key)) imports.set(key, { text, line: lineOf(start) });
        body = blank(body, start, statement.end);
      } else if (hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) {
        declared.unshift({ text: statement.getText(sf), line: lineOf(start) });
        body = blank(body, start, statement.end);
      } else if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
        const exported = ts.getModifiers(statement as ts.HasModifiers)!.find((m) => m.kind === ts.SyntaxKind.ExportKeyword)!;
        body = blank(body, exported.getStart(sf), exported.end);
      }
    }
    hoisted.push(...declared);
    bodies.push({ text: body, line: block.line });
  }

  const out: string[] = [];
  const origins: (number | null)[] = [];
  const emit = (text: string, line: number | null) =>
    text.split('\n').forEach((l, n) => {
      out.push(l);
      origins.push(line === null ? null : line + n);
    });
  for (const { text, line } of imports.values()) emit(text, line);
  for (const { text, line } of hoisted) emit(text, line);
  if (holes) emit(`declare const ${HOLE}: any;`, null);
  emit('export {};', null);
  for (const { text, line } of bodies) {
    emit('{', null);
    emit(text, line);
  }
  emit(bodies.map(() => '}').join(''), null);
  return { page, text: out.join('\n'), origins };
}

/**
 * Each binding of an import on its own line, keyed by what it binds, so that two blocks
 * importing the same name make one import. A binding imported as a type by one block and as a
 * value by another is kept as a value import (a value import also brings the type).
 */
function importsOf(node: ts.ImportDeclaration, sf: ts.SourceFile): [string, string][] {
  const from = node.moduleSpecifier.getText(sf);
  const clause = node.importClause;
  if (!clause) return [[`side-effect ${from}`, `import ${from};`]];
  const typeOnly = clause.isTypeOnly;
  const out: [string, string][] = [];
  if (clause.name) out.push([`default ${from} ${clause.name.text}`, `import ${typeOnly ? 'type ' : ''}${clause.name.text} from ${from};`]);
  const named = clause.namedBindings;
  if (named && ts.isNamespaceImport(named)) {
    out.push([`namespace ${from} ${named.name.text}`, `import ${typeOnly ? 'type ' : ''}* as ${named.name.text} from ${from};`]);
  } else if (named) {
    for (const element of named.elements) {
      const imported = (element.propertyName ?? element.name).getText(sf);
      const local = element.name.text;
      const asType = typeOnly || element.isTypeOnly;
      const binding = imported === local ? local : `${imported} as ${local}`;
      out.push([`named ${from} ${binding} ${asType ? 'type' : 'value'}`, `import { ${asType ? 'type ' : ''}${binding} } from ${from};`]);
    }
  }
  return out;
}

/** README.md and every page under docs/, as paths relative to `root`. */
export function documentationPages(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? (e.name === 'api' ? [] : walk(join(dir, e.name))) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return ['README.md', ...walk(join(root, 'docs')).map((p) => relative(root, p)).sort()];
}

/**
 * Typechecks page modules in one program, with the compiler options of `tsconfig.test.json`
 * (the package's strict options and its `agent-roster` path aliases, unused names allowed).
 * Returns the problems of each page, placed on its lines.
 */
export function typecheckPages(root: string, pages: readonly PageModule[]): Map<string, SnippetProblem[]> {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.test.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!config) throw new Error('tsconfig.test.json could not be read');
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, declaration: false };

  // Virtual files beside the sources, so module resolution (node_modules, paths) works as for a test.
  const fileOf = new Map(pages.map((p) => [join(root, '.snippets', `${p.page.replace(/[\\/]/g, '__')}.ts`), p]));
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => fileOf.has(f) || fileExists.call(host, f);
  host.readFile = (f) => fileOf.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, version, onError, create) => {
    const page = fileOf.get(f);
    return page ? ts.createSourceFile(f, page.text, version, true, ts.ScriptKind.TS) : getSourceFile.call(host, f, version, onError, create);
  };
  const program = ts.createProgram([...fileOf.keys()], options, host);

  const problems = new Map<string, SnippetProblem[]>();
  for (const [file, page] of fileOf) {
    const sf = program.getSourceFile(file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    problems.set(
      page.page,
      diagnostics.map((d) => ({
        page: page.page,
        line: d.start === undefined ? null : (page.origins[sf.getLineAndCharacterOfPosition(d.start).line] ?? null),
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      })),
    );
  }
  return problems;
}

/** `docs/agent.md:180 Property 'inactive' does not exist…`: one line per problem, for a failure message. */
export const formatProblems = (problems: readonly SnippetProblem[]) =>
  problems.map((p) => `${p.page}:${p.line ?? '?'} ${p.message}`);

/** Reads, extracts and typechecks every documentation page under `root`. */
export function checkDocumentation(root: string, extra: readonly PageModule[] = []): Map<string, SnippetProblem[]> {
  const pages = documentationPages(root)
    .map((page) => ({ page, blocks: blocksOf(readFileSync(join(root, page), 'utf8')) }))
    .filter(({ blocks }) => blocks.some((b) => !b.hidden))
    .map(({ page, blocks }) => moduleOf(page, blocks));
  return typecheckPages(root, [...pages, ...extra]);
}
