/**
 * Lays out an empty consumer project with the packed tarball installed, as `npm install
 * agent-roster-0.1.0.tgz zod neverthrow` would, but offline and in well under a second.
 *
 * Why not `npm install --offline`: `npm ci` downloads tarballs but not the registry metadata
 * (packuments) that resolving `zod@^4.3.0` needs, so on a fresh CI machine an offline install
 * fails with ENOTCACHED, and an online one spends seconds on the network. Instead the tarball is
 * extracted into node_modules/agent-roster and each package it declares is symlinked from the
 * project's own node_modules. Only declared packages are linked, so an import of something the
 * package forgot to declare fails here as it would for a user.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';

/** A consumer project on disk. */
export type ConsumerProject = Readonly<{
  dir: string;
  /** Packages symlinked next to agent-roster, by name. */
  linked: readonly string[];
  remove: () => void;
}>;

type Manifest = Readonly<{
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}>;

/**
 * Node looks for node_modules in every parent folder; one in /tmp or / would let the consumer
 * resolve packages it was never given, and hide exactly the bug this test exists to catch.
 */
function assertNoStrayNodeModules(dir: string): void {
  for (let current = dirname(dir); ; current = dirname(current)) {
    const stray = join(current, 'node_modules');
    if (existsSync(stray)) {
      throw new Error(`${stray} exists, so the smoke consumer in ${dir} could resolve packages it was not given; remove it`);
    }
    if (current === parse(current).root) return;
  }
}

function link(projectRoot: string, modules: string, name: string, folder: string): void {
  const source = join(projectRoot, 'node_modules', folder);
  if (!existsSync(join(source, 'package.json'))) {
    throw new Error(`${name} is declared by the package but not installed in ${projectRoot}/node_modules/${folder} (run npm ci)`);
  }
  // An aliased install (`"zod-floor": "npm:zod@4.3.0"`) keeps the real name in its package.json.
  const installed = (JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { name?: string }).name;
  if (installed !== name) throw new Error(`node_modules/${folder} holds ${installed}, not ${name}`);
  const target = join(modules, name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(source, target, 'junction');
}

/**
 * Installs `tarball` into a new folder under the OS temp dir, with its dependencies, its required
 * peers and the optional peers named in `optionalPeers` (never any other), plus the consumer files.
 *
 * @example const project = installTarball({ tarball, projectRoot, optionalPeers: ['fast-check'], files: ['scripts/smoke/flow.cjs'] })
 */
export function installTarball(options: {
  tarball: string;
  projectRoot: string;
  optionalPeers: readonly string[];
  /** Files and folders copied into the project's root, by path relative to projectRoot. */
  files: readonly string[];
  /**
   * The folder under projectRoot/node_modules to link a package from, when not its own name: `{ zod:
   * 'zod-floor' }` gives the consumer the floor of the peer range (scripts/peer-floors.ts).
   */
  from?: Readonly<Record<string, string>>;
}): ConsumerProject {
  const dir = mkdtempSync(join(tmpdir(), 'agent-roster-smoke-'));
  try {
    assertNoStrayNodeModules(dir);
    const modules = join(dir, 'node_modules');
    const own = join(modules, 'agent-roster');
    mkdirSync(own, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', options.tarball, '-C', own, '--strip-components=1'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar -xzf ${options.tarball} failed: ${untar.stderr || untar.error?.message}`);

    const manifest = JSON.parse(readFileSync(join(own, 'package.json'), 'utf8')) as Manifest;
    const peers = Object.keys(manifest.peerDependencies ?? {});
    const optional = new Set(peers.filter((p) => manifest.peerDependenciesMeta?.[p]?.optional === true));
    for (const wanted of options.optionalPeers) {
      if (!optional.has(wanted)) throw new Error(`${wanted} is not an optional peer of ${manifest.name}; the smoke test would be lying`);
    }
    const linked = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...peers.filter((p) => !optional.has(p) || options.optionalPeers.includes(p)),
    ];
    for (const name of linked) link(options.projectRoot, modules, name, options.from?.[name] ?? name);

    const declared = Object.fromEntries(
      linked.map((name) => [name, manifest.dependencies?.[name] ?? manifest.peerDependencies?.[name] ?? '*']),
    );
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'agent-roster-smoke-consumer', private: true, dependencies: { [manifest.name]: manifest.version, ...declared } }, null, 2)}\n`,
    );
    for (const file of options.files) cpSync(join(options.projectRoot, file), join(dir, parse(file).base), { recursive: true });

    return { dir, linked, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
