/**
 * The packed package, installed in an empty folder, used the way each kind of user uses it:
 * every file in scripts/smoke/consumers (`import` and `require` of each subpath) under Node, Bun
 * and Deno. A consumer passes when it exits 0, prints `ok` last, and every `resolved …` line it
 * prints points at the build its module system should get (`.js` for import, `.cjs` for require).
 *
 * The same consumers then run once more under Node in a second project whose peers are the floors
 * of their ranges (zod 4.3.0, neverthrow 8.2.0, fast-check 4.0.0: scripts/peer-floors.ts), linked
 * from their aliased installs, so the build users get is proved on the oldest versions it accepts.
 *
 * Run alone: `npm run smoke` (packs first), or `tsx scripts/smoke/run.ts path/to/agent-roster-x.tgz`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { peerFloors } from '../peer-floors';
import { installTarball, type ConsumerProject } from './install';
import { packTarball } from './pack';
import { findRuntimes, type MissingRuntime, type Runtime } from './runtimes';

/** One consumer file under one runtime. */
export type SmokeRun = Readonly<{ runtime: string; consumer: string; ok: boolean; ms: number; detail: string }>;

/** Everything the smoke test did and could not do. */
export type SmokeReport = Readonly<{
  runs: readonly SmokeRun[];
  missing: readonly MissingRuntime[];
  runtimes: readonly string[];
  linked: readonly string[];
  /** The peers of the floor project, `zod 4.3.0`…, as found in its node_modules. */
  floors: readonly string[];
}>;

const here = fileURLToPath(new URL('.', import.meta.url));
/** The optional peers a user of `agent-roster/testing` installs; `pg` is left out on purpose. */
const OPTIONAL_PEERS = ['fast-check'];

function judge(consumer: string, status: number | null, stdout: string, stderr: string): { ok: boolean; detail: string } {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (status !== 0) {
    // Runtimes print a code frame before the message (Bun) or after it (Node); lead with the message.
    const printed = (stderr.trim() || stdout.trim()).split('\n');
    const message = printed.find((l) => /\b\w*Error\b.*:|^error:/i.test(l.trim()));
    return { ok: false, detail: `exit ${status}: ${[message, ...printed.slice(0, 6)].filter(Boolean).join(' | ')}` };
  }
  if (lines.at(-1) !== 'ok') return { ok: false, detail: `did not finish with "ok": ${lines.slice(-3).join(' | ')}` };
  const wanted = extname(consumer) === '.cjs' ? '.cjs' : '.js';
  const wrong = lines.filter((l) => l.startsWith('resolved ') && extname(l.slice('resolved '.length)) !== wanted);
  if (wrong.length > 0) return { ok: false, detail: `loaded the wrong build (expected ${wanted}): ${wrong.join(' | ')}` };
  return { ok: true, detail: lines.filter((l) => l !== 'ok').join(' | ') };
}

/** Runs one consumer file of `project` under `runtime`. */
function runConsumer(project: ConsumerProject, runtime: Runtime, consumer: string, label: string): SmokeRun {
  const [command, ...args] = runtime.command(join('consumers', consumer), project.dir);
  const started = performance.now();
  const result = spawnSync(command!, args, {
    cwd: project.dir,
    encoding: 'utf8',
    timeout: 120_000,
    // A clean environment: no NODE_OPTIONS, loaders or paths from the test runner leak in.
    env: { PATH: process.env.PATH ?? '', HOME: project.dir, ...runtime.env(project.dir) },
  });
  const ms = performance.now() - started;
  const verdict = result.error
    ? { ok: false, detail: `could not run ${command}: ${result.error.message}` }
    : judge(consumer, result.status, result.stdout, result.stderr);
  return { runtime: label, consumer, ms, ...verdict };
}

/**
 * Installs `tarball` in a fresh temp folder and runs every consumer under every runtime found;
 * then, in a second folder whose peers are the floors of their ranges, every consumer under Node.
 *
 * @example const report = runSmoke({ projectRoot: process.cwd(), tarball: '/tmp/agent-roster-0.1.0.tgz' })
 */
export function runSmoke(options: { projectRoot: string; tarball: string }): SmokeReport {
  const consumers = readdirSync(join(here, 'consumers'))
    .filter((f) => f.endsWith('.mjs') || f.endsWith('.cjs'))
    .sort();
  const install = (from: Readonly<Record<string, string>>) =>
    installTarball({
      tarball: options.tarball,
      projectRoot: options.projectRoot,
      optionalPeers: OPTIONAL_PEERS,
      files: ['scripts/smoke/flow.cjs', 'scripts/smoke/consumers'],
      from,
    });
  const { runtimes, missing } = findRuntimes(options.projectRoot);
  const runs: SmokeRun[] = [];

  const project = install({});
  try {
    for (const runtime of runtimes) for (const consumer of consumers) runs.push(runConsumer(project, runtime, consumer, runtime.name));
  } finally {
    project.remove();
  }

  const floors = peerFloors(pathToFileURL(join(options.projectRoot, 'package.json')));
  const atFloor = install(Object.fromEntries(floors.map((f) => [f.name, f.folder])));
  const found: string[] = [];
  try {
    const node = runtimes.find((r) => r.name === 'node')!;
    for (const floor of floors) {
      const manifest = join(atFloor.dir, 'node_modules', floor.name, 'package.json');
      const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
      found.push(`${floor.name} ${version}`);
      if (version !== floor.version) {
        runs.push({ runtime: 'node, peers at floor', consumer: floor.name, ms: 0, ok: false, detail: `linked ${version}, not the floor ${floor.version}` });
      }
    }
    for (const consumer of consumers) runs.push(runConsumer(atFloor, node, consumer, 'node, peers at floor'));
  } finally {
    atFloor.remove();
  }
  return { runs, missing, runtimes: runtimes.map((r) => `${r.name} ${r.version}`), linked: project.linked, floors: found };
}

/** Prints a report; returns how many runs passed and failed (a missing runtime counts as a failure). */
export function printSmoke(report: SmokeReport, print: (line: string) => void = console.log): { passed: number; failed: number } {
  print(`  runtimes: ${report.runtimes.join(', ')}; linked beside the tarball: ${report.linked.join(', ')}; peers at floor: ${report.floors.join(', ')}`);
  for (const run of report.runs) {
    print(`  ${run.ok ? 'pass' : 'FAIL'}  ${run.runtime.padEnd(5)} ${run.consumer.padEnd(14)} ${(run.ms / 1000).toFixed(2)}s  ${run.detail}`);
  }
  for (const m of report.missing) print(`  FAIL  ${m.name.padEnd(5)} not run: ${m.reason}`);
  const passed = report.runs.filter((r) => r.ok).length;
  return { passed, failed: report.runs.length - passed + report.missing.length };
}

function main(): void {
  const projectRoot = resolve(here, '..', '..');
  let tarball = process.argv[2];
  let packDir: string | undefined;
  if (tarball === undefined) {
    packDir = mkdtempSync(join(tmpdir(), 'agent-roster-pack-'));
    tarball = packTarball(projectRoot, packDir).tarball;
  }
  try {
    const { passed, failed } = printSmoke(runSmoke({ projectRoot, tarball: resolve(tarball) }));
    console.log(`smoke: ${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    if (packDir !== undefined) rmSync(packDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
