/**
 * The lowest version of each peer that package.json accepts, and where `npm ci` installed it, read
 * from package.json so the floor tests cannot drift from the ranges they vouch for. A range must
 * be `^x.y.z`; its floor `x.y.z` is then either the version devDependencies pins (neverthrow today)
 * or installed beside it under an alias, `"zod-floor": "npm:zod@4.3.0"`. Raising a range without
 * its alias, or the alias without the range, throws here, and so fails `npm test`.
 *
 * Used by vitest.floor.config.ts (the suites on the floors) and scripts/smoke/run.ts (the packed
 * tarball on the floors).
 */
import { readFileSync } from 'node:fs';

/** One peer at its floor. */
export type PeerFloor = Readonly<{
  name: string;
  version: string;
  /** The folder under node_modules holding that version: `zod-floor`, or the peer's own name. */
  folder: string;
}>;

type Manifest = Readonly<{ peerDependencies: Record<string, string>; devDependencies: Record<string, string> }>;

/**
 * The floors of the peers named (all but `pg`, which the floor runs leave out, by default).
 *
 * @example peerFloors(new URL('../package.json', import.meta.url)) // [{ name: 'zod', version: '4.3.0', folder: 'zod-floor' }, …]
 */
export function peerFloors(manifestUrl: URL, names: readonly string[] = ['zod', 'neverthrow', 'fast-check']): readonly PeerFloor[] {
  const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as Manifest;
  return names.map((name) => {
    const range = manifest.peerDependencies[name];
    const version = range === undefined ? undefined : /^\^(\d+\.\d+\.\d+)$/.exec(range)?.[1];
    if (version === undefined) throw new Error(`peerDependencies.${name} is ${JSON.stringify(range)}, not ^x.y.z: scripts/peer-floors.ts reads the floor from it`);
    if (manifest.devDependencies[name] === version) return { name, version, folder: name };
    const alias = `${name}-floor`;
    const wanted = `npm:${name}@${version}`;
    if (manifest.devDependencies[alias] !== wanted) {
      throw new Error(
        `${name}'s floor is ${version} (peerDependencies ${range}) but devDependencies pins ${manifest.devDependencies[name]} and has ` +
          `${alias}: ${JSON.stringify(manifest.devDependencies[alias])}; add "${alias}": "${wanted}" (npm install -D ${alias}@${wanted}) so the floor is tested`,
      );
    }
    return { name, version, folder: alias };
  });
}
