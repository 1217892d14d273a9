/**
 * The suites that exercise the peers, run again with each peer at the lowest version package.json
 * accepts: `npm run test:floor`, which `npm test` runs after the main suites (about 40 s).
 *
 * The floors are read from the peer ranges and installed from the lockfile under aliased names
 * (`"zod-floor": "npm:zod@4.3.0"`; scripts/peer-floors.ts); every import of `zod` and `fast-check`
 * here, from src/, test/ and @fast-check/vitest alike, resolves to them. neverthrow's floor (8.2.0)
 * is the version every suite pins already. test/floor/peers.test.ts proves the swap took effect:
 * it fails if a pinned version slipped in.
 *
 * What runs: every suite of test/domain and test/application that parses input (zod) and all of
 * test/testing (the kit, built on fast-check), with the kit's random sequences cut from 1,000 to
 * 100 per property (PROPERTY_RUNS): enough to reach every step of the kit, where the main run does
 * the searching. Left out are the suites where fast-check is only our test tool, checking our own
 * data structures, schedulers and timings, which no peer version reaches; and PostgreSQL.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import { peerFloors } from './scripts/peer-floors.js';
import base from './vitest.config.js';

const floors = peerFloors(new URL('./package.json', import.meta.url));

export default mergeConfig(
  { ...base, test: { ...base.test, include: [], globalSetup: [] } },
  defineConfig({
    // `zod`, `zod/mini`, … → `zod-floor`, `zod-floor/mini`, … for each peer whose floor is not the pinned version.
    resolve: {
      alias: floors
        .filter((f) => f.folder !== f.name)
        .map((f) => ({ find: new RegExp(`^${f.name}(/.*)?$`), replacement: `${f.folder}$1` })),
    },
    test: {
      name: 'floor',
      include: ['test/floor/**/*.test.ts', 'test/domain/**/*.test.ts', 'test/application/**/*.test.ts', 'test/testing/**/*.test.ts'],
      exclude: [
        'test/testing/roster-kit-postgres.test.ts',
        // fast-check as our test tool only: our structures, schedulers and clocks, not a peer's API.
        'test/domain/routing-structures.property.test.ts',
        'test/domain/routing.property.test.ts',
        'test/domain/time.test.ts',
        'test/domain/token-hash.test.ts',
        'test/application/concurrency.test.ts',
        'test/application/routing-concurrency.test.ts',
        'test/application/outbox-withdrawal.property.test.ts',
        'test/application/memory-store-listings.test.ts',
        'test/application/ordered-index.test.ts',
        'test/application/lapsed-invitations.test.ts',
        'test/application/seats.property.test.ts',
      ],
      env: { PROPERTY_RUNS: '100' },
      // One module graph per worker instead of one per file: the library is transformed and loaded
      // twice rather than 46 times, which is most of the run (2 min 24 s isolated, 35 s not, on
      // two busy cores). The suites keep no state between files that this could leak.
      isolate: false,
      // Vitest hands node_modules to Node untouched, where the aliases above do not apply: inline
      // the one dependency that imports a peer itself, or its tests would mix two fast-checks.
      server: { deps: { inline: ['@fast-check/vitest'] } },
      provide: { floors: Object.fromEntries(floors.map((f) => [f.name, f.version])) },
    },
  }),
);
