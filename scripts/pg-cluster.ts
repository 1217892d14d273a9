/**
 * Throwaway PostgreSQL clusters for tests.
 *
 * Nothing here assumes a running server: `startThrowawayCluster()` runs
 * `initdb` into a fresh temp directory, starts a private postmaster on a free
 * loopback port with durability switched off, creates `agent_roster_test`,
 * and hands back its URL. `stop()` (or process exit / SIGINT / SIGTERM /
 * SIGHUP) kills the server and deletes the directory. Clusters orphaned by a
 * hard kill (SIGKILL, OOM) are swept up by the next start.
 *
 * PostgreSQL refuses to run as root, so when we are root `initdb` and `pg_ctl`
 * run as the `postgres` user through `runuser -u postgres --`, and the temp
 * directory is chowned to that user.
 *
 * CLI: `tsx scripts/pg-cluster.ts -- <command> [args…]` runs the command with
 * `DATABASE_URL` pointing at a throwaway cluster (or at the existing
 * `DATABASE_URL`, if one is set) and exits with the command's exit code.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

export interface ThrowawayClusterOptions {
  /** Directory holding initdb, pg_ctl and postgres. Default: `findPostgresBinaries()`. */
  binDir?: string;
  /** Database created in the cluster and named in `url`. Default `agent_roster_test`. */
  database?: string;
}

export interface ThrowawayCluster {
  /** `postgres://postgres@127.0.0.1:PORT/agent_roster_test` (trust auth, no password). */
  url: string;
  port: number;
  /** Temp directory holding `data/`, `server.log` and the unix socket. */
  dir: string;
  binDir: string;
  /** `server_version`, e.g. `15.14 (Debian 15.14-0+deb12u1)`. */
  version: string;
  /** Stops the server (`pg_ctl stop -m immediate`) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

const REQUIRED_BINARIES = ['initdb', 'pg_ctl', 'postgres'] as const;
const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin';
const VERSIONED_ROOT = '/usr/lib/postgresql';
const DIR_PREFIX = 'agent-roster-pg-';
const OWNER_FILE = 'owner.pid';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function hasBinaries(dir: string): boolean {
  return REQUIRED_BINARIES.every((name) => isExecutable(path.join(dir, name)));
}

/**
 * Directory containing initdb, pg_ctl and postgres, or null. Search order:
 * `PG_BIN` (when set and non-empty it is the only candidate, so an override
 * pointing nowhere means "not found"), /usr/lib/postgresql/15/bin, the newest
 * /usr/lib/postgresql/<version>/bin, then the directory of `pg_ctl` on PATH
 * (symlinks resolved).
 */
export function findPostgresBinaries(): string | null {
  const override = process.env.PG_BIN;
  if (override !== undefined && override !== '') {
    return hasBinaries(override) ? path.resolve(override) : null;
  }
  if (hasBinaries(DEFAULT_BIN_DIR)) return DEFAULT_BIN_DIR;

  let versions: string[] = [];
  try {
    versions = fs.readdirSync(VERSIONED_ROOT);
  } catch {
    // not a Debian-style layout
  }
  const newestFirst = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of newestFirst) {
    const dir = path.join(VERSIONED_ROOT, version, 'bin');
    if (hasBinaries(dir)) return dir;
  }

  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const pgCtl = path.join(dir, 'pg_ctl');
    if (!isExecutable(pgCtl)) continue;
    const realDir = path.dirname(fs.realpathSync(pgCtl));
    if (hasBinaries(realDir)) return realDir;
    if (hasBinaries(dir)) return path.resolve(dir);
  }
  return null;
}

// ---------------------------------------------------------------------------
// Running the PostgreSQL tools (as `postgres` when we are root)

interface Runner {
  binDir: string;
  /** True when we are root and must go through `runuser -u postgres --`. */
  asPostgres: boolean;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function commandLine(runner: Runner, tool: string, args: string[]): [string, string[]] {
  const bin = path.join(runner.binDir, tool);
  return runner.asPostgres ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

interface RunResult {
  code: number | null;
  output: string;
}

function runTool(runner: Runner, tool: string, args: string[], cwd: string): Promise<RunResult> {
  const [file, argv] = commandLine(runner, tool, args);
  return new Promise((resolve, reject) => {
    // pg_ctl start is always given -l, so the postmaster does not inherit
    // these pipes and 'close' fires when pg_ctl itself exits.
    const child = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function runToolSync(runner: Runner, tool: string, args: string[], cwd: string): RunResult {
  const [file, argv] = commandLine(runner, tool, args);
  const result = spawnSync(file, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return { code: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function postgresUser(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "running as root but there is no 'postgres' user to run initdb/pg_ctl as (PostgreSQL refuses to run as root)",
    );
  }
}

/** POSIX shell single-quoting, for the `pg_ctl -o` string (pg_ctl hands it to /bin/sh). */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------
// Cleanup: explicit stop(), process exit and termination signals

interface LiveCluster {
  dir: string;
  runner: Runner;
}

const live = new Set<LiveCluster>();
const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let handlersInstalled = false;

function postmasterPid(dataDir: string): number | null {
  const first = readIfExists(path.join(dataDir, 'postmaster.pid')).split('\n')[0] ?? '';
  const pid = Number.parseInt(first, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Synchronous so it also works from an 'exit' handler. Never throws. */
function destroyClusterSync(cluster: LiveCluster): void {
  const dataDir = path.join(cluster.dir, 'data');
  const pid = postmasterPid(dataDir);
  if (pid !== null) {
    const stopped = runToolSync(cluster.runner, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w'], cluster.dir);
    if (stopped.code !== 0 && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL'); // backends exit on their own once the postmaster is gone
      } catch {
        // already gone
      }
    }
  }
  try {
    fs.rmSync(cluster.dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

function stopAllSync(): void {
  for (const cluster of live) {
    live.delete(cluster);
    destroyClusterSync(cluster);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  stopAllSync();
  // Our listener replaced Node's default "terminate" behaviour. If nobody else
  // is listening, restore it and re-raise so the process still dies of the signal.
  if (process.listenerCount(signal) <= 1) {
    uninstallHandlers();
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', stopAllSync);
  for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.removeListener('exit', stopAllSync);
  for (const signal of CLEANUP_SIGNALS) process.removeListener(signal, onSignal);
}

/**
 * Stops and deletes clusters left in os.tmpdir() by processes that no longer
 * exist (killed with SIGKILL, OOM, CI timeout…). A cluster whose owner is
 * alive is never touched.
 */
function sweepOrphans(runner: Runner): void {
  const tmp = os.tmpdir();
  let entries: string[];
  try {
    entries = fs.readdirSync(tmp).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = path.join(tmp, name);
    const owner = Number.parseInt(readIfExists(path.join(dir, OWNER_FILE)), 10);
    if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || isAlive(owner)) continue;
    destroyClusterSync({ dir, runner });
  }
}

// ---------------------------------------------------------------------------

/**
 * initdb + pg_ctl start a private cluster on a free 127.0.0.1 port and create
 * `options.database` (default `agent_roster_test`) in it. Takes about a second.
 */
export async function startThrowawayCluster(options: ThrowawayClusterOptions = {}): Promise<ThrowawayCluster> {
  const binDir = options.binDir ?? findPostgresBinaries();
  if (binDir === null) {
    throw new Error('no PostgreSQL binaries found (set PG_BIN, or install PostgreSQL under /usr/lib/postgresql/*/bin)');
  }
  const database = options.database ?? 'agent_roster_test';
  const asPostgres = isRoot();
  const owner = asPostgres ? postgresUser() : null;
  const runner: Runner = { binDir, asPostgres };

  sweepOrphans(runner);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${process.pid}\n`);
  if (owner !== null) fs.chownSync(dir, owner.uid, owner.gid);
  const cluster: LiveCluster = { dir, runner };
  live.add(cluster);
  installHandlers();

  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  try {
    // --locale=C: deterministic collation on every machine, and no dependency
    // on the caller's LANG naming a locale that is actually installed.
    const initdb = await runTool(
      runner,
      'initdb',
      ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
      dir,
    );
    if (initdb.code !== 0) throw new Error(`initdb failed (exit ${initdb.code}):\n${tail(initdb.output)}`);

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const serverOptions = [
        '-c listen_addresses=127.0.0.1',
        `-p ${port}`,
        `-k ${shellQuote(dir)}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ');
      const started = await runTool(
        runner,
        'pg_ctl',
        ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOptions],
        dir,
      );
      if (started.code === 0) break;
      const log = readIfExists(logFile);
      // Someone grabbed the port between freePort() and the postmaster's bind: try another.
      if (attempt < 3 && /could not bind|Address already in use/i.test(log)) continue;
      throw new Error(`pg_ctl start failed (exit ${started.code}):\n${tail(started.output)}\n--- server.log ---\n${tail(log)}`);
    }

    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    let version: string;
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
      const { rows } = await admin.query<{ version: string }>("select current_setting('server_version') as version");
      version = rows[0]?.version ?? 'unknown';
    } finally {
      await admin.end();
    }

    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      port,
      dir,
      binDir,
      version,
      stop() {
        if (!stopped) {
          stopped = true;
          live.delete(cluster);
          destroyClusterSync(cluster);
          if (live.size === 0) uninstallHandlers();
        }
        return Promise.resolve();
      },
    };
  } catch (error) {
    live.delete(cluster);
    destroyClusterSync(cluster);
    if (live.size === 0) uninstallHandlers();
    throw error;
  }
}

// ---------------------------------------------------------------------------
// CLI: tsx scripts/pg-cluster.ts -- <command> [args…]

async function main(argv: string[]): Promise<number> {
  const separator = argv.indexOf('--');
  const [command, ...args] = separator === -1 ? argv : argv.slice(separator + 1);
  if (command === undefined) {
    process.stderr.write('usage: tsx scripts/pg-cluster.ts -- <command> [args…]\n');
    return 2;
  }

  let cluster: ThrowawayCluster | null = null;
  let databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl === undefined || databaseUrl === '') {
    const t0 = performance.now();
    cluster = await startThrowawayCluster();
    databaseUrl = cluster.url;
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    process.stderr.write(`[pg-cluster] PostgreSQL ${cluster.version} at ${cluster.url} (started in ${seconds}s)\n`);
  } else {
    process.stderr.write('[pg-cluster] DATABASE_URL already set; not starting a cluster\n');
  }

  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: databaseUrl } });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      for (const signal of CLEANUP_SIGNALS) process.on(signal, forward);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        for (const s of CLEANUP_SIGNALS) process.removeListener(s, forward);
        resolve(code ?? 128 + (signal === null ? 0 : (os.constants.signals[signal] ?? 0)));
      });
    });
  } finally {
    await cluster?.stop();
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`[pg-cluster] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
