/**
 * Finds the JavaScript runtimes the smoke test runs the packed package under: this Node, and the
 * Bun and Deno binaries that the `bun` and `deno` devDependencies ship.
 *
 * Both npm packages deliver their binary through a platform optionalDependency
 * (`@oven/bun-linux-x64`, `@deno/linux-x64-glibc`, …) that npm installs like any package, with no
 * download. Their postinstall script then only moves (hard-links) that binary next to the wrapper;
 * when install scripts do not run (npm's allowScripts, `--ignore-scripts`) the binary stays in the
 * platform package and the wrapper is a placeholder. So both places are tried, the platform
 * package first, and a candidate counts only once `--version` answers: nothing is fetched at test time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A runtime ready to run a consumer file. */
export type Runtime = Readonly<{
  name: 'node' | 'bun' | 'deno';
  version: string;
  /** The argv that runs `file` from `cwd` (the consumer folder). */
  command: (file: string, cwd: string) => readonly string[];
  /** Extra environment for that command. */
  env: (cwd: string) => Readonly<Record<string, string>>;
}>;

/** Why a runtime could not be used: exact enough to act on. */
export type MissingRuntime = Readonly<{ name: 'bun' | 'deno'; reason: string }>;

function platformSuffixes(kind: 'bun' | 'deno'): readonly string[] {
  const { platform, arch } = process;
  if (kind === 'bun') {
    const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'aarch64' : arch;
    const os = platform === 'win32' ? 'windows' : platform;
    // The baseline build is for x64 CPUs without AVX2; npm installs whichever the package lists.
    return [`${os}-${cpu}`, `${os}-${cpu}-baseline`, `${os}-${cpu}-musl`, `${os}-${cpu}-musl-baseline`];
  }
  const cpu = arch === 'x64' ? 'x64' : arch === 'arm64' ? 'arm64' : arch;
  return platform === 'linux' ? [`linux-${cpu}-glibc`] : [`${platform}-${cpu}`];
}

function candidates(root: string, kind: 'bun' | 'deno'): string[] {
  const exe = process.platform === 'win32' ? '.exe' : '';
  const modules = join(root, 'node_modules');
  if (kind === 'bun') {
    return [
      ...platformSuffixes('bun').map((s) => join(modules, '@oven', `bun-${s}`, 'bin', `bun${exe}`)),
      join(modules, 'bun', 'bin', 'bun.exe'),
    ];
  }
  return [...platformSuffixes('deno').map((s) => join(modules, '@deno', s, `deno${exe}`)), join(modules, 'deno', `deno${exe}`)];
}

function versionOf(binary: string): { ok: true; version: string } | { ok: false; reason: string } {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) return { ok: false, reason: `${binary} --version: ${result.error.message}` };
  if (result.status !== 0) return { ok: false, reason: `${binary} --version exited ${result.status}: ${result.stderr.trim()}` };
  // `deno --version` starts with "deno 2.9.6 (…)", `bun --version` is just "1.4.4".
  return { ok: true, version: (result.stdout.trim().split('\n')[0] ?? '').replace(/^(deno|bun) /, '') };
}

function find(root: string, kind: 'bun' | 'deno'): { binary: string; version: string } | MissingRuntime {
  const tried: string[] = [];
  for (const binary of candidates(root, kind)) {
    // The placeholder wrapper is a few bytes of text; a real runtime is tens of megabytes.
    if (!existsSync(binary) || statSync(binary).size < 1_000_000) {
      tried.push(`${binary} (${existsSync(binary) ? 'placeholder' : 'absent'})`);
      continue;
    }
    const probe = versionOf(binary);
    if (probe.ok) return { binary, version: probe.version };
    tried.push(probe.reason);
  }
  return { name: kind, reason: `no working ${kind} binary for ${process.platform}-${process.arch}; tried ${tried.join('; ')}` };
}

/**
 * Node (always), Bun and Deno (when their binary works here), plus the reason for any that doesn't.
 *
 * @example const { runtimes, missing } = findRuntimes(process.cwd())
 */
export function findRuntimes(projectRoot: string): { runtimes: Runtime[]; missing: MissingRuntime[] } {
  const runtimes: Runtime[] = [
    {
      name: 'node',
      version: process.version,
      command: (file) => [process.execPath, file],
      env: () => ({}),
    },
  ];
  const missing: MissingRuntime[] = [];

  const bun = find(projectRoot, 'bun');
  if ('reason' in bun) missing.push(bun);
  else {
    runtimes.push({
      name: 'bun',
      version: bun.version,
      // --no-install: Bun would otherwise fetch a missing package on the fly and hide an undeclared dependency.
      command: (file) => [bun.binary, '--no-install', 'run', file],
      env: () => ({ NO_COLOR: '1' }),
    });
  }

  const deno = find(projectRoot, 'deno');
  if ('reason' in deno) missing.push(deno);
  else {
    runtimes.push({
      name: 'deno',
      version: deno.version,
      // node_modules is used as it is (no install); read access to the consumer folder only, and no
      // net, env or run permission: the library must need none of them.
      command: (file, cwd) => [deno.binary, 'run', '--node-modules-dir=manual', '--no-prompt', `--allow-read=${cwd}`, file],
      env: (cwd) => ({ DENO_DIR: join(cwd, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }),
    });
  }
  return { runtimes, missing };
}
