/**
 * Checks the package as users receive it, after `npm run build` (`npm test` runs both):
 *
 *   build          every file the exports map points at exists
 *   portable core  dist/index.js and dist/index.cjs name no Node built-in
 *   fast-check     dist/store-contract.* (agent-roster/testing/store-contract) does not import it
 *   one core       dist/testing.*, dist/store-contract.* and dist/postgres.* import the core by
 *                  name, carry no copy of it
 *   tree-shaking   a bare import of dist/index.js, dist/testing.js or dist/store-contract.js,
 *                  bundled with esbuild, keeps none of its code: nothing runs when it loads that
 *                  a bundler must keep
 *   pack           `npm pack`, once; the checks below read that tarball
 *   publint        `publint --strict` on the tarball
 *   attw           `attw --profile node16` (are the types wrong?) on the tarball
 *   size-limit     the budgets in .size-limit.js (core, and every command imported alone)
 *   typedoc        every export documented, no broken {@link}, nothing referenced but unexported
 *   value exports  every value an entry's declarations export (dist/*.d.ts, *.d.cts) is in the
 *                  module it describes (dist/*.js, *.cjs): a name typed as a value but missing
 *                  at runtime compiles, then fails at import; and every method of `Roster`
 *                  carries its documentation into them (what an editor shows on hover)
 *   smoke          the tarball installed in an empty folder, each subpath imported and required,
 *                  under Node, Bun and Deno (scripts/smoke)
 *   types          the tarball's declarations compiled by a consumer (strict, skipLibCheck: false,
 *                  moduleResolution node16, bundler and node10), peers at their floors and at the pinned
 *                  versions (scripts/smoke/types.ts)
 *
 * Every check runs even when an earlier one failed, so one run reports everything; the exit code
 * is non-zero if any failed. Timings are printed so a slow check is seen before it hurts.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packTarball, type Packed } from './smoke/pack';
import { printSmoke, runSmoke } from './smoke/run';
import { printTypeSmoke, runTypeSmoke } from './smoke/types';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

type Outcome = { ok: boolean; lines: string[] };
type Check = { name: string; run: () => Outcome | Promise<Outcome> };

function tool(command: string, args: readonly string[], env: Record<string, string> = {}): { ok: boolean; output: string } {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
  if (result.error) return { ok: false, output: `${command}: ${result.error.message}\n${output}` };
  return { ok: result.status === 0, output };
}

const lines = (text: string, max = 120): string[] => {
  const all = text.split('\n').filter((l) => !l.startsWith('npm warn Unknown user config'));
  return all.length <= max ? all : [...all.slice(0, max), `… ${all.length - max} more lines`];
};

/**
 * What a bundler keeps of `file` in a program that imports it and uses nothing: esbuild, with
 * the package's `"sideEffects": false` set aside (it would drop the whole file unread, and says
 * nothing about a program that uses one export of the file, which gets every top-level statement
 * esbuild cannot prove harmless along with it). The peers and the core stay imports, which are
 * left out. The code kept, readable; empty when the file does no work when it loads.
 */
async function keptByBareImport(file: string): Promise<string> {
  const result = await build({
    stdin: { contents: `import ${JSON.stringify(join(root, file))};`, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    // Folds constants (`7 * 24`) as a production build does, and keeps names and lines readable.
    minifySyntax: true,
    logLevel: 'silent',
    external: ['agent-roster', 'zod', 'neverthrow', 'fast-check', 'pg'],
    plugins: [{ name: 'side-effects', setup: (b) => b.onResolve({ filter: /\.js$/ }, (args) => ({ path: resolve(args.resolveDir, args.path), sideEffects: true })) }],
  });
  // Left out: the imports, and the comments that name each file bundled.
  return (result.outputFiles[0]?.text ?? '').replace(/^(import\b[^;]*;|\/\/ .*)$/gm, '').trim();
}

/** Every file the exports map, main, module and types point at. */
function exportTargets(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const targets = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') targets.add(value);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const field of ['main', 'module', 'types']) walk(manifest[field]);
  return [...targets].filter((t) => t !== './package.json');
}

/** `require("fs")`, `from 'node:crypto'`, `import("path")`…: anything that ties the core to Node. */
function nodeBuiltinImports(code: string): string[] {
  const names = builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&'));
  const builtin = `(?:node:[\\w/]+|${names.join('|')})`;
  return [
    new RegExp(`\\brequire\\s*\\(\\s*["'\`]${builtin}["'\`]\\s*\\)`, 'g'),
    new RegExp(`\\bfrom\\s*["'\`]${builtin}["'\`]`, 'g'),
    new RegExp(`\\bimport\\s*\\(\\s*["'\`]${builtin}["'\`]\\s*\\)`, 'g'),
  ].flatMap((pattern) => code.match(pattern) ?? []);
}

/**
 * The source files a build carries code from, read from its sourcemap: a type-only import leaves
 * no trace there, a value import of the core by relative path does.
 */
function bundledSources(file: string): string[] {
  const map = JSON.parse(readFileSync(join(root, `${file}.map`), 'utf8')) as { sources: string[] };
  return map.sources.map((s) => s.replace(/^(\.\.\/)+/, ''));
}

const packDir = mkdtempSync(join(tmpdir(), 'agent-roster-pack-'));
let packed: Packed | undefined;
const needTarball = (): Packed => {
  if (packed === undefined) throw new Error('no tarball: the pack check failed');
  return packed;
};

const checks: Check[] = [
  {
    name: 'build: every exported file exists',
    run: () => {
      const missing = exportTargets().filter((t) => !existsSync(join(root, t)));
      return missing.length === 0
        ? { ok: true, lines: [] }
        : { ok: false, lines: [`missing (run npm run build; does every tsup entry exist?): ${missing.join(', ')}`] };
    },
  },
  {
    name: 'portable core: no Node built-in in dist/index.{js,cjs}',
    run: () => {
      const found = ['dist/index.js', 'dist/index.cjs'].flatMap((file) =>
        existsSync(join(root, file)) ? nodeBuiltinImports(readFileSync(join(root, file), 'utf8')).map((m) => `${file}: ${m}`) : [`${file}: missing`],
      );
      return { ok: found.length === 0, lines: found };
    },
  },
  {
    // Adapter authors run the store contract without fast-check (an optional peer of
    // agent-roster/testing, which its generators need): the subpath must not import it.
    name: 'store contract alone: dist/store-contract.{js,cjs} import no fast-check',
    run: () => {
      const found = ['dist/store-contract.js', 'dist/store-contract.cjs'].flatMap((file) =>
        !existsSync(join(root, file)) ? [`${file}: missing`] : /['"]fast-check['"]/.test(readFileSync(join(root, file), 'utf8')) ? [`${file} imports fast-check`] : [],
      );
      return { ok: found.length === 0, lines: found };
    },
  },
  {
    // tsup.config.ts turns testing's and postgres's imports of the core into imports of
    // 'agent-roster', so a program holds one core; if that slips, each subpath bundles a second
    // copy: twice the bytes, and two of every class.
    name: 'one core: subpaths import it by name, not a copy',
    run: () => {
      const own = { testing: 'src/testing/', 'store-contract': 'src/testing/', postgres: 'src/adapters/postgres/' };
      const found = Object.entries(own).flatMap(([entry, folder]) =>
        ['js', 'cjs'].flatMap((ext) => {
          const file = `dist/${entry}.${ext}`;
          if (!existsSync(join(root, `${file}.map`))) return [`${file}.map: missing`];
          const copied = bundledSources(file).filter((source) => source.startsWith('src/') && !source.startsWith(folder));
          return copied.length === 0
            ? []
            : [`${file} carries its own copy of ${copied.join(', ')}: tsup.config.ts must keep the core external ('agent-roster')`];
        }),
      );
      return { ok: found.length === 0, lines: found };
    },
  },
  {
    // An import of one mother from agent-roster/testing once shipped 34 kB (minified) of the kit:
    // fast-check chains, ids parsed and command classes with a computed method name, all built
    // when the module loaded, and everything they reach. The kit builds such constants through
    // `/* @__PURE__ */ pure(() => …)`, as the core does (src/domain/pure.ts). dist/postgres.js is
    // not held to it yet: it builds its SQL when it loads (about 3 kB minified).
    name: 'tree-shaking: a bare import keeps nothing of dist/index.js, testing.js, store-contract.js',
    run: async () => {
      const found: string[] = [];
      for (const file of ['dist/index.js', 'dist/testing.js', 'dist/store-contract.js']) {
        if (!existsSync(join(root, file))) {
          found.push(`${file}: missing`);
          continue;
        }
        const kept = await keptByBareImport(file);
        if (kept !== '') found.push(`${file}: a bare import keeps ${kept.length} B, beginning:`, ...lines(kept.replace(/\n{2,}/g, '\n'), 12).map((l) => `  ${l}`));
      }
      return { ok: found.length === 0, lines: found };
    },
  },
  {
    name: 'npm pack',
    run: () => {
      packed = packTarball(root, packDir);
      const unexpected = packed.files.filter(
        (f) => !/^(dist\/|sql\/|docs\/(guides\/|decisions\/)?[\w-]+\.md$|examples\/([\w-]+\/)?[\w-]+\.(ts|md)$|package\.json$|(README|CHANGELOG|SECURITY|CONTRIBUTING)\.md$|LICENSE)/.test(f),
      );
      // The docs ship, so that the README's links and the TSDoc's (docs/domain.md, the guides)
      // resolve in an installed package; the generated API reference (docs/api) does not. So do
      // the examples the guides tell a user to start from, and the changelog and security policy
      // they link to.
      const missing = ['docs/domain.md', 'docs/guides/storage.md', 'docs/decisions/0001-decider-shape.md', 'sql/', 'examples/quickstart.ts', 'examples/property-testing/driver.ts', 'CHANGELOG.md', 'SECURITY.md'].filter(
        (f) => !packed!.files.some((file) => file.startsWith(f)),
      );
      return {
        ok: unexpected.length === 0 && missing.length === 0,
        lines: [
          `${packed.files.length} files, ${(packed.bytes / 1024).toFixed(1)} KiB packed, ${(packed.unpackedBytes / 1024).toFixed(1)} KiB unpacked`,
          ...(unexpected.length > 0 ? [`files that should not ship: ${unexpected.join(', ')}`] : []),
          ...(missing.length > 0 ? [`files that must ship and do not: ${missing.join(', ')}`] : []),
        ],
      };
    },
  },
  {
    name: 'publint --strict',
    run: () => {
      const result = tool(bin('publint'), ['run', needTarball().tarball, '--strict']);
      return { ok: result.ok, lines: result.ok ? [] : lines(result.output) };
    },
  },
  {
    name: 'attw --profile node16',
    run: () => {
      const result = tool(bin('attw'), [needTarball().tarball, '--profile', 'node16', '--format', 'table-flipped', '--no-emoji']);
      return { ok: result.ok, lines: result.ok ? [] : lines(result.output) };
    },
  },
  {
    name: 'size-limit',
    run: () => {
      const result = tool(bin('size-limit'), ['--json']);
      const json = result.output.slice(result.output.indexOf('['));
      try {
        const sizes = JSON.parse(json) as { name: string; passed: boolean; size: number; sizeLimit: number }[];
        return {
          ok: result.ok && sizes.every((s) => s.passed),
          lines: sizes.map(
            (s) => `${s.passed ? 'within' : 'OVER  '} ${(s.size / 1000).toFixed(2)} kB of ${(s.sizeLimit / 1000).toFixed(2)} kB  ${s.name}`,
          ),
        };
      } catch {
        return { ok: false, lines: lines(result.output) };
      }
    },
  },
  {
    name: 'typedoc: every export documented',
    run: () => {
      // --emit none: validate only; `npm run docs` writes the HTML to docs/api.
      const result = tool(bin('typedoc'), ['--emit', 'none']);
      const warnings = result.output.split('\n').filter((l) => /\[(warning|error)\]/.test(l));
      return { ok: result.ok && warnings.length === 0, lines: result.ok && warnings.length === 0 ? [] : lines(result.output, 200) };
    },
  },
  {
    name: 'smoke: tarball under Node, Bun and Deno',
    run: () => {
      const out: string[] = [];
      const { failed } = printSmoke(runSmoke({ projectRoot: root, tarball: needTarball().tarball }), (l) => out.push(l));
      return { ok: failed === 0, lines: out };
    },
  },
  {
    // A declaration bundler once turned `export type *` of a module holding a constant into a
    // value export of that constant: it compiled in users' code and failed at import.
    name: 'value exports: declarations promise only what the modules export',
    run: () => valueExportsMissing(),
  },
  {
    // TypeScript drops a doc comment on a `const` returned as a shorthand property: the roster's
    // commands once reached editors with no documentation while TypeDoc, reading the source,
    // showed it all.
    name: "declarations: every Roster method keeps its documentation",
    run: () => undocumentedRosterMethods(),
  },
  {
    // tsconfig.floor.json compiles src/ on the floors; users compile dist/*.d.ts, written in the
    // types of the zod we build with (zod 4.1 could not read them, and skipLibCheck made the
    // schemas `any`).
    name: 'types: the tarball\'s declarations under tsc, peers at floor and pinned',
    run: () => {
      const out: string[] = [];
      const failed = printTypeSmoke(runTypeSmoke({ projectRoot: root, tarball: needTarball().tarball }), (l) => out.push(l));
      return { ok: failed === 0, lines: out };
    },
  },
];

/** The value names each entry's declarations export that its module, ESM or CJS, does not. */
async function valueExportsMissing(): Promise<Outcome> {
  const ts = (await import('typescript')).default;
  const require = createRequire(import.meta.url);
  const entries = ['index', 'testing', 'store-contract', 'postgres'];
  const lines: string[] = [];
  for (const [types, code] of [['d.ts', 'js'], ['d.cts', 'cjs']] as const) {
    const files = entries.map((e) => join(root, 'dist', `${e}.${types}`));
    const program = ts.createProgram(files, { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, skipLibCheck: true, noEmit: true });
    const checker = program.getTypeChecker();
    for (const [n, entry] of entries.entries()) {
      const source = program.getSourceFile(files[n]!);
      const module = source && checker.getSymbolAtLocation(source);
      if (!module) {
        lines.push(`dist/${entry}.${types}: not read`);
        continue;
      }
      const typedValues = checker
        .getExportsOfModule(module)
        .filter((symbol) => {
          const typeOnly = symbol.declarations?.some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) ?? false;
          const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
          return !typeOnly && (target.flags & ts.SymbolFlags.Value) !== 0;
        })
        .map((symbol) => symbol.name);
      const file = join(root, 'dist', `${entry}.${code}`);
      const loaded = (code === 'js' ? await import(pathToFileURL(file).href) : require(file)) as Record<string, unknown>;
      const missing = typedValues.filter((name) => !(name in loaded));
      if (missing.length > 0) lines.push(`dist/${entry}.${types} declares ${missing.join(', ')}, which dist/${entry}.${code} does not export`);
    }
  }
  return { ok: lines.length === 0, lines };
}

/** The methods of `Roster` whose declaration in dist/index.d.ts carries no documentation. */
async function undocumentedRosterMethods(): Promise<Outcome> {
  const ts = (await import('typescript')).default;
  const file = join(root, 'dist', 'index.d.ts');
  const program = ts.createProgram([file], { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  const roster = module && checker.getExportsOfModule(module).find((s) => s.name === 'Roster');
  if (!roster) return { ok: false, lines: ['dist/index.d.ts exports no Roster'] };
  const type = checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(roster));
  const methods = type.getProperties();
  const bare = methods.filter((m) => ts.displayPartsToString(m.getDocumentationComment(checker)).trim() === '').map((m) => m.name);
  return bare.length === 0 && methods.length > 0
    ? { ok: true, lines: [`${methods.length} methods documented`] }
    : { ok: false, lines: [methods.length === 0 ? 'Roster has no methods?' : `undocumented in the declarations: ${bare.join(', ')}`] };
}

async function main(): Promise<void> {
  const results: { name: string; ok: boolean; seconds: number }[] = [];
  try {
    for (const check of checks) {
      const started = performance.now();
      let outcome: Outcome;
      try {
        outcome = await check.run();
      } catch (error) {
        outcome = { ok: false, lines: [error instanceof Error ? error.message : String(error)] };
      }
      const seconds = (performance.now() - started) / 1000;
      results.push({ name: check.name, ok: outcome.ok, seconds });
      console.log(`${outcome.ok ? 'pass' : 'FAIL'}  ${check.name} (${seconds.toFixed(1)}s)`);
      for (const line of outcome.lines) console.log(`      ${line}`);
    }
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok);
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  console.log(`\npackage checks took ${total.toFixed(1)}s${failed.length > 0 ? `; failed: ${failed.map((r) => r.name).join('; ')}` : ''}`);
  console.log(`package: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
