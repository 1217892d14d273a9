/**
 * The packed tarball's declarations, compiled as a user's project compiles them: the tarball is
 * installed in an empty folder (scripts/smoke/install.ts), once with the peers at the floors of
 * their ranges (scripts/peer-floors.ts) and once at the versions pinned for development, and the
 * repository's `tsc` checks scripts/smoke/types/consumer.ts there under `strict` and
 * `skipLibCheck: false`, with `moduleResolution` node16 (as `consumer.mts` and `consumer.cts`, so
 * both the .d.ts and the .d.cts) and bundler (as `consumer.ts`), and under TypeScript's older
 * `node` resolution (node10, as `consumer.ts`), which finds the subpaths through `typesVersions`.
 *
 * Why: the floor typecheck (tsconfig.floor.json) compiles `src/`, but users compile `dist/*.d.ts`,
 * which tsup writes in the types of the zod it builds with. zod 4.1 could not read them (44 ×
 * TS2314 on `$ZodBranded<…, "out">`), and with `skipLibCheck: true` every branded schema became
 * `any`; the consumer's `@ts-expect-error` misuses fail the check in that case too.
 *
 * Run alone: `tsx scripts/smoke/types.ts path/to/agent-roster-x.tgz`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { peerFloors } from '../peer-floors';
import { installTarball } from './install';

/** One tsc run over the consumer. */
export type TypeRun = Readonly<{ peers: string; resolution: string; ok: boolean; ms: number; detail: readonly string[] }>;

const here = fileURLToPath(new URL('.', import.meta.url));

const RESOLUTIONS = {
  node16: { compilerOptions: { module: 'node16', moduleResolution: 'node16' }, files: ['consumer.mts', 'consumer.cts'] },
  bundler: { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: ['consumer.ts'] },
  // TypeScript's `node` resolution (node10) reads no `exports`: the subpaths reach it through
  // `typesVersions`. `esModuleInterop` as `tsc --init` sets it (zod's locales need it there), and
  // `skipLibCheck`, since fast-check 4.10's own declarations import pure-rand subpaths node10
  // cannot resolve; the consumer's `@ts-expect-error` misuses still fail if ours read as `any`.
  node10: { compilerOptions: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, skipLibCheck: true }, files: ['consumer.ts'] },
} as const;

/**
 * Typechecks the consumer against `tarball` with the peers at their floors and at the pinned
 * versions, under each module resolution.
 *
 * @example const runs = runTypeSmoke({ projectRoot: process.cwd(), tarball: '/tmp/agent-roster-0.1.0.tgz' })
 */
export function runTypeSmoke(options: { projectRoot: string; tarball: string }): readonly TypeRun[] {
  const floors = peerFloors(pathToFileURL(join(options.projectRoot, 'package.json')));
  const tsc = join(options.projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const runs: TypeRun[] = [];
  for (const from of [{}, Object.fromEntries(floors.map((f) => [f.name, f.folder]))]) {
    const project = installTarball({ tarball: options.tarball, projectRoot: options.projectRoot, optionalPeers: ['fast-check'], files: [], from });
    try {
      const peers = project.linked
        .map((name) => `${name} ${(JSON.parse(readFileSync(join(project.dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`)
        .join(', ');
      for (const file of ['consumer.mts', 'consumer.cts', 'consumer.ts']) copyFileSync(join(here, 'types', 'consumer.ts'), join(project.dir, file));
      for (const [resolution, { compilerOptions, files }] of Object.entries(RESOLUTIONS)) {
        const config = `tsconfig.${resolution}.json`;
        const tsconfig = {
          compilerOptions: {
            skipLibCheck: false,
            ...compilerOptions,
            strict: true,
            exactOptionalPropertyTypes: true,
            noEmit: true,
            target: 'es2022',
            // zod's own declarations name URL, which lib.dom (or @types/node) declares.
            lib: ['es2022', 'dom'],
            // No @types/node: the declarations must not need it.
            types: [],
          },
          files,
        };
        writeFileSync(join(project.dir, config), `${JSON.stringify(tsconfig, null, 2)}\n`);
        const started = performance.now();
        const result = spawnSync(process.execPath, [tsc, '-p', config], { cwd: project.dir, encoding: 'utf8', timeout: 300_000 });
        const ms = performance.now() - started;
        const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
        const errors = output.split('\n').filter((l) => /error TS\d+/.test(l));
        runs.push({
          peers,
          resolution,
          ok: result.status === 0 && result.error === undefined,
          ms,
          detail: result.error ? [`could not run tsc: ${result.error.message}`] : result.status === 0 ? [] : errors.length > 0 ? errors : output.split('\n'),
        });
      }
    } finally {
      project.remove();
    }
  }
  return runs;
}

/** Prints the runs (at most `max` error lines each); returns how many failed. */
export function printTypeSmoke(runs: readonly TypeRun[], print: (line: string) => void = console.log, max = 12): number {
  for (const run of runs) {
    print(`  ${run.ok ? 'pass' : 'FAIL'}  ${run.resolution.padEnd(7)} ${(run.ms / 1000).toFixed(1)}s  ${run.peers}`);
    for (const line of run.detail.slice(0, max)) print(`        ${line}`);
    if (run.detail.length > max) print(`        … ${run.detail.length - max} more`);
  }
  return runs.filter((r) => !r.ok).length;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const tarball = process.argv[2];
  if (tarball === undefined) throw new Error('usage: tsx scripts/smoke/types.ts path/to/agent-roster-x.tgz');
  const failed = printTypeSmoke(runTypeSmoke({ projectRoot: resolve(here, '..', '..'), tarball: resolve(tarball) }));
  process.exitCode = failed === 0 ? 0 : 1;
}
