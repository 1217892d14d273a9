import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^agent-roster$/, replacement: src('index.ts') },
      { find: /^agent-roster\/testing$/, replacement: src('testing/index.ts') },
      { find: /^agent-roster\/testing\/store-contract$/, replacement: src('testing/store-contract.ts') },
      { find: /^agent-roster\/postgres$/, replacement: src('adapters/postgres/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/postgres-global-setup.ts'],
  },
});
