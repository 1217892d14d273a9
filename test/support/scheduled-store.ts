/**
 * What racing use-case tests share: a store whose every call is a fast-check scheduling point,
 * with commit outcomes counted, and a way to log a race's figures.
 */
import { appendFileSync } from 'node:fs';
import type fc from 'fast-check';
import type { CommitOutcome, RosterStore } from 'agent-roster';

/** Commit counts a race keeps; `uniqueViolations` only where the race tracks them. */
export type CommitStats = { commits: number; staleVersions: number; uniqueViolations?: number };

/**
 * The store seen by racing use cases: each call is a scheduling point; commit outcomes are
 * counted. So are the calls of the sessions it opens (`begin`), a lock's wait included.
 */
export function scheduledStore(s: fc.Scheduler, store: RosterStore, stats: CommitStats): RosterStore {
  const turn = s.scheduleFunction(async function storeCall(_method: string) {});
  const scheduled = <T extends object>(calls: T): T =>
    new Proxy(calls, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as unknown;
        if (typeof original !== 'function') return original;
        return async (...args: unknown[]) => {
          await turn(String(name));
          const out = (await (original as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
          if (name === 'begin') return scheduled(out as object);
          if (name === 'commit') {
            const outcome = out as CommitOutcome;
            stats.commits++;
            if (!outcome.committed && outcome.reason === 'stale-version') stats.staleVersions++;
            if (!outcome.committed && outcome.reason === 'unique-violation' && stats.uniqueViolations !== undefined) stats.uniqueViolations++;
          }
          return out;
        };
      },
    });
  return scheduled(store);
}

/** Appends a race's figures to `ROSTER_CONCURRENCY_STATS` when it names a file. */
export function report(race: string, stats: object): void {
  const file = process.env.ROSTER_CONCURRENCY_STATS;
  if (file) appendFileSync(file, `${JSON.stringify({ race, ...stats })}\n`);
}
