import { dirname, relative, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const src = resolve('src');
const ownTree = (file: string) => /^(testing|adapters[\\/]postgres)([\\/]|$)/.test(relative(src, file));

/**
 * `agent-roster/testing` and `agent-roster/postgres` reach the core through the package name,
 * not by bundling it: a program that imports two subpaths then holds one copy of the core, and
 * the subpath bundles stay small.
 */
const coreAsPackage: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'core-as-package',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer || !ownTree(args.importer)) return undefined;
      const target = resolve(dirname(args.importer), args.path);
      const inSrc = !relative(src, target).startsWith('..');
      return inSrc && !ownTree(target) ? { path: 'agent-roster', external: true } : undefined;
    });
  },
};

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    // The store contract alone, for adapter authors: no fast-check needed.
    'store-contract': 'src/testing/store-contract.ts',
    postgres: 'src/adapters/postgres/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  treeshake: true,
  target: 'es2022',
  splitting: false,
  external: ['agent-roster', 'zod', 'neverthrow', 'fast-check', 'pg'],
  esbuildPlugins: [coreAsPackage],
});
