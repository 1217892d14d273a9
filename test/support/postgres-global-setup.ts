/**
 * Vitest globalSetup: decides once per run where the Postgres suites go and
 * hands that to the test workers as `inject('postgres')`
 * (see test/support/postgres.ts for the helper tests actually use).
 *
 *   1. DATABASE_URL set          → that server (it must allow CREATE DATABASE).
 *   2. PostgreSQL binaries found → a throwaway cluster (scripts/pg-cluster.ts),
 *                                  stopped and deleted in teardown.
 *   3. neither                   → PGlite, in-process WASM Postgres.
 *
 * If binaries exist but the cluster cannot start, the suites fall back to
 * PGlite with the error as the reason, and test/postgres/cluster.test.ts fails
 * with that reason, so a broken install is loud without blocking every suite.
 */
import type { TestProject } from 'vitest/node';
import { findPostgresBinaries, startThrowawayCluster } from '../../scripts/pg-cluster';

export type PostgresTarget = { kind: 'server'; url: string } | { kind: 'pglite'; reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresTarget;
  }
}

function say(line: string): void {
  console.log(`[postgres] ${line}`);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl !== undefined && databaseUrl !== '') {
    project.provide('postgres', { kind: 'server', url: databaseUrl });
    say(`using DATABASE_URL ${redact(databaseUrl)}`);
    return undefined;
  }

  const binDir = findPostgresBinaries();
  if (binDir === null) {
    const pgBin = process.env.PG_BIN;
    const reason =
      pgBin !== undefined && pgBin !== ''
        ? `PG_BIN=${pgBin} does not contain initdb, pg_ctl and postgres`
        : 'no PostgreSQL installation found (/usr/lib/postgresql/*/bin, pg_ctl on PATH) and DATABASE_URL is unset';
    project.provide('postgres', { kind: 'pglite', reason });
    say(`Postgres suites run on PGlite (in-process WASM Postgres): ${reason}`);
    return undefined;
  }

  const t0 = performance.now();
  try {
    const cluster = await startThrowawayCluster({ binDir });
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    project.provide('postgres', { kind: 'server', url: cluster.url });
    say(`throwaway PostgreSQL ${cluster.version} on 127.0.0.1:${cluster.port} (${binDir}, started in ${seconds}s)`);
    return () => cluster.stop();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = `PostgreSQL binaries found in ${binDir} but the throwaway cluster failed to start: ${message}`;
    project.provide('postgres', { kind: 'pglite', reason });
    console.warn(`[postgres] Postgres suites run on PGlite: ${reason}`);
    return undefined;
  }
}
