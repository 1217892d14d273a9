/**
 * `npm pack` once, so that every packaging check (publint, attw, the smoke installs) looks at the
 * very bytes a `npm publish` would upload, not at the working tree.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The packed tarball and what npm says is inside it. */
export type Packed = Readonly<{ tarball: string; bytes: number; unpackedBytes: number; files: readonly string[] }>;

/**
 * Packs `projectRoot` into `destination` (which must exist).
 *
 * @example const { tarball, files } = packTarball(process.cwd(), '/tmp/pack')
 */
export function packTarball(projectRoot: string, destination: string): Packed {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['pack', '--json', '--pack-destination', destination], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) throw new Error(`npm pack failed (${result.status}): ${result.stderr || result.error?.message}`);
  const [report] = JSON.parse(result.stdout) as [{ filename: string; size: number; unpackedSize: number; files: { path: string }[] }];
  return {
    tarball: join(destination, report.filename),
    bytes: report.size,
    unpackedBytes: report.unpackedSize,
    files: report.files.map((f) => f.path),
  };
}
