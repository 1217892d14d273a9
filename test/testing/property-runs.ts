/**
 * How many random sequences the kit's own property tests run, and how to replay one.
 *
 *   default           PROPERTY_RUNS (1000) sequences per property
 *   SOAK=1            20× as many (20,000), with the seed logged at the start of each property
 *   PROPERTY_RUNS=n   n per property (scales every kit property file the same way)
 *   PROPERTY_SEED=s PROPERTY_PATH=p [PROPERTY_REPLAY_PATH=r]
 *                     replays one reported counterexample exactly: no search, no shrinking
 *                     (r is the `/*replayPath="…"*\/` fast-check prints after the commands)
 */
import fc from 'fast-check';

function integerFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}.`);
  return value;
}

export const SOAK = process.env.SOAK === '1';
/** Sequences per property. */
export const RUNS = integerFromEnv('PROPERTY_RUNS') ?? (SOAK ? 20_000 : 1_000);
const SEED = integerFromEnv('PROPERTY_SEED');
const PATH = process.env.PROPERTY_PATH || undefined;
/** The `replayPath` of an `fc.commands` counterexample, for replaying a kit property. */
export const REPLAY_PATH = process.env.PROPERTY_REPLAY_PATH || undefined;
if (PATH !== undefined && SEED === undefined) throw new Error('PROPERTY_PATH replays a failure only together with its PROPERTY_SEED.');

/** A per-test timeout that fits the run count (vitest's default is 60 s). */
export const TIMEOUT = SOAK ? 4 * 3_600_000 : Math.max(120_000, RUNS * 120);

/**
 * fast-check parameters for `runs` sequences. In a soak the seed is drawn here and logged first,
 * so even a run killed before it finished can be repeated.
 */
export function runsOf<T>(name: string, runs: number = RUNS): fc.Parameters<T> {
  const seed = SEED ?? (SOAK ? (Date.now() ^ (Math.random() * 0x100000000)) | 0 : undefined);
  if (SOAK) console.log(`[soak] ${name}: ${runs} sequences, seed ${seed} (replay with PROPERTY_SEED=${seed})`);
  return {
    numRuns: runs,
    ...(seed === undefined ? {} : { seed }),
    ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
  };
}
