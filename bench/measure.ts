/**
 * Timing helpers for the benchmark: plain `performance.now()` loops, a warm-up, several samples,
 * median and p95. No bench library, no assertions on speed: numbers are printed, not judged here.
 *
 * A sample is one timed batch of operations; its value is the batch's time divided by the number
 * of operations. Batches make sub-microsecond operations measurable (the timer itself costs tens
 * of nanoseconds), so the p95 reported is the p95 of batch means: it shows jitter between batches
 * (GC pauses, JIT tiering, the other core being busy), not the slowest single operation.
 */

/** One sample: time per operation, in nanoseconds. @example const ns: number = sample() */
export type Sampler = () => number;

/** Median and p95 of the samples, in nanoseconds per operation. @example { median: 2040, p95: 2390, samples: 30 } */
export type Stats = Readonly<{ median: number; p95: number; samples: number }>;

/** How long to warm up and how many samples to take. @example { warmupMs: 500, samples: 30 } */
export type Plan = Readonly<{ warmupMs: number; samples: number }>;

/**
 * Where results go so V8 cannot prove them unused and delete the work: a store to a property of
 * an object other modules can see is always kept, so every measured call stays.
 *
 * @example sink.value = can(ana, 'chat', workspace)
 */
export const sink: { value: unknown } = { value: undefined };

/**
 * A sampler that times `batch` calls of `op`.
 *
 * @example const sample = loop(() => can(ana, 'chat', ws), 100_000)
 */
export function loop(op: (i: number) => unknown, batch: number): Sampler {
  let offset = 0;
  return () => {
    const start = performance.now();
    let last: unknown;
    for (let i = 0; i < batch; i++) last = op(offset + i);
    const elapsed = performance.now() - start;
    offset += batch;
    sink.value = last;
    return (elapsed * 1e6) / batch;
  };
}

/**
 * How many calls of `op` fill about `targetMs`, so each sample is long enough for the timer and
 * short enough that many fit in the budget.
 *
 * @example loop(op, batchFor(op, 5))
 */
export function batchFor(op: (i: number) => unknown, targetMs: number): number {
  let n = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < n; i++) sink.value = op(i);
    const elapsed = performance.now() - start;
    if (elapsed >= targetMs / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * targetMs) / Math.max(elapsed, 1e-3)));
    n *= 2;
  }
}

/** Nearest-rank percentile of already sorted values. @example percentile([1, 2, 3, 4], 50) // 2 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Median and p95 of raw samples. @example statsOf([1, 2, 3]).median // 2 */
export function statsOf(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95), samples: sorted.length };
}

/**
 * Samples several variants in interleaved rounds — every round runs each variant once, in a
 * freshly shuffled order — so a slow drift of the machine (thermal, other processes, a GC that
 * came due) lands on every variant alike, and no variant always runs right after the same
 * neighbour and pays for the garbage it left. That matters because the figures that count are
 * ratios between variants (100k agents vs 10, command vs floor, ours vs CASL). The shuffle is
 * seeded, so two runs sample in the same order.
 *
 * @example const stats = compare({ floor: loop(f, 1000), command: loop(c, 1000) }, { warmupMs: 300, samples: 25 })
 */
export function compare<K extends string>(samplers: Readonly<Record<K, Sampler>>, plan: Plan): Record<K, Stats> {
  const names = Object.keys(samplers) as K[];
  const warmUntil = performance.now() + plan.warmupMs;
  do for (const name of names) samplers[name]();
  while (performance.now() < warmUntil);
  const values = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  const random = seeded(names.length);
  for (let round = 0; round < plan.samples; round++) {
    for (const name of shuffled(names, random)) values[name].push(samplers[name]());
  }
  return Object.fromEntries(names.map((n) => [n, statsOf(values[n])])) as Record<K, Stats>;
}

/**
 * A small deterministic generator (mulberry32): the order of samples must not depend on luck, and
 * the PostgreSQL page benchmarks build the same workspace on every run.
 *
 * @example const random = seeded(20_261_206); random() // a number in [0, 1)
 */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates on a copy. */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
