/**
 * The benchmark suite (`npm run bench`). Prints Markdown tables to stdout; never fails on speed.
 * docs/performance.md explains what each section measures and why, and reads a real run.
 *
 *   npm run bench                     sections 1–4, and 5 when DATABASE_URL is set (35–60 s on 2 cores, ~2 min under load)
 *   npm run bench -- --postgres       adds section 5 in a throwaway PostgreSQL cluster
 *   npm run bench -- --quick          fewer samples: a smoke run of the benchmark itself, not figures to quote
 *
 * Sections:
 *   1. pure domain command cost at 10, 1,000 and 100,000 agents (goal: 100k ≤ 1.2× 10)
 *   2. each command against its floor: zod parse + one spread (goal ≤ 2×)
 *   3. can() against @casl/ability, built once (goal ≥ 3× faster) and per request (goal ≥ 10×)
 *   4. the application layer on the in-memory store: invite + accept, and routing, per second
 *   5. PostgreSQL figures from bench/postgres.ts
 */
import { applicationSection } from './application';
import { commandSection } from './commands';
import { permissionSection } from './permissions';
import { postgresSection } from './postgres-figures';
import { machine } from './report';

const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log('Usage: npm run bench [-- --postgres] [-- --quick]');
  process.exit(0);
}
const quick = args.has('--quick');
const started = performance.now();

machine();
console.log(
  `\nMethod: each figure is the median (and p95) of ${quick ? 8 : 30} samples after a warm-up; a sample times a batch ` +
    'of operations with performance.now() and divides by the batch size. Variants that are compared are sampled in ' +
    'interleaved rounds. Goals are printed for reading, never asserted.',
);

commandSection(quick ? { samples: 8, warmupMs: 150, sampleMs: 2, routesPerSample: 50 } : { samples: 30, warmupMs: 500, sampleMs: 5, routesPerSample: 200 });
permissionSection(quick ? { samples: 8, warmupMs: 100, sampleMs: 2 } : { samples: 30, warmupMs: 500, sampleMs: 5 });
await applicationSection(
  quick
    ? { batch: 50, inviteBatches: 6, queueSizes: [10, 100], routesPerBatch: 50, routeBatches: 4 }
    : { batch: 100, inviteBatches: 30, queueSizes: [10, 1_000], routesPerBatch: 200, routeBatches: 15 },
);
await postgresSection({ throwawayCluster: args.has('--postgres') });

console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s.`);
