import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    postgres: 'src/adapters/postgres/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  treeshake: true,
  target: 'es2022',
  // One file per entry: `agent-roster/testing` and `agent-roster/postgres` import the core
  // through the package name, so a program that uses both gets a single copy of it.
  splitting: false,
  external: ['agent-roster', 'zod', 'neverthrow', 'date-fns', 'fast-check', 'pg'],
});
