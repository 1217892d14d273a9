/**
 * Section 5: PostgreSQL figures. `bench/postgres.ts` measures them; this runs it as a child
 * process and prints its table within the same report:
 *
 * - with `--postgres`: inside a throwaway cluster (`scripts/pg-cluster.ts`), which uses
 *   `DATABASE_URL` instead when one is set;
 * - without it, when `DATABASE_URL` is set: directly against that database (it migrates the
 *   schema and writes benchmark workspaces there, so point it at a scratch database);
 * - otherwise it says how to get them.
 */
import { spawn } from 'node:child_process';
import { heading } from './report';

/** Options of {@link postgresSection}. @example { throwawayCluster: true } */
export type PostgresOptions = Readonly<{ throwawayCluster: boolean }>;

/** Runs a command and collects its output; resolves with its exit code, never rejects. */
function capture(command: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: `${stderr}${error.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Prints section 5, running bench/postgres.ts when a database is available.
 *
 * @example await postgresSection({ throwawayCluster: process.argv.includes('--postgres') })
 */
export async function postgresSection(options: PostgresOptions): Promise<void> {
  heading('5. PostgreSQL (bench/postgres.ts: invite + accept, 8 connections)');
  const bench = ['tsx', 'bench/postgres.ts'];
  let args: string[];
  if (options.throwawayCluster) {
    args = ['tsx', 'scripts/pg-cluster.ts', '--', 'npx', ...bench];
    console.log(`Run: npx ${args.join(' ')}\n`);
  } else if (process.env.DATABASE_URL) {
    args = bench;
    console.log(`Run: npx ${args.join(' ')} (against DATABASE_URL)\n`);
  } else {
    console.log('Skipped: no database. Run `npm run bench -- --postgres` for a throwaway cluster, or set DATABASE_URL.');
    return;
  }
  const result = await capture('npx', args);
  // npm's own warnings (unrelated to the benchmark) are left out of the report.
  const noise = /^npm warn /;
  const stderr = result.stderr.split('\n').filter((line) => line.trim() !== '' && !noise.test(line));
  process.stdout.write('```\n' + result.stdout.trimEnd() + '\n```\n');
  if (result.code !== 0) {
    console.log(`\nbench/postgres.ts exited with code ${result.code}; no PostgreSQL figures this run.`);
    if (stderr.length > 0) console.log('```\n' + stderr.slice(-20).join('\n') + '\n```');
  }
}
