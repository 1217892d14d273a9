/**
 * Runs the store contract outside the test runner's own tests, collecting what fails: how the
 * repository proves the contract catches a broken store. `describe`, `it` and the hooks are
 * stand-ins that record the contract's tests; `expect` is vitest's, so the failure text is the
 * one an adapter author would read.
 */
import { expect } from 'vitest';
import type { RosterStore } from 'agent-roster';
import { describeStoreContract } from 'agent-roster/testing/store-contract';

/** What one run of the contract found: every test it declared, and the message of each that failed. */
export type ContractRun = Readonly<{ tests: readonly string[]; failures: ReadonlyMap<string, string> }>;

/**
 * Runs the tests of the contract against fresh stores from `makeStore`, one after another: every
 * test, or those whose name (`group > test`) `only` keeps.
 */
export async function runContract(makeStore: () => RosterStore, only: (name: string) => boolean = () => true): Promise<ContractRun> {
  const tests: { name: string; body: () => Promise<void> }[] = [];
  const before: (() => Promise<void>)[] = [];
  const after: (() => Promise<void>)[] = [];
  const path: string[] = [];
  describeStoreContract('store', async () => ({ store: makeStore() }), {
    describe: (name, body) => {
      path.push(name);
      body();
      path.pop();
    },
    it: (name, body) => void tests.push({ name: [...path.slice(1), name].join(' > '), body }),
    expect: (actual) => expect(actual),
    beforeEach: (hook) => void before.push(hook),
    afterEach: (hook) => void after.push(hook),
  });
  const failures = new Map<string, string>();
  for (const test of tests.filter((t) => only(t.name))) {
    for (const hook of before) await hook();
    try {
      await test.body();
    } catch (e) {
      failures.set(test.name, e instanceof Error ? e.message : String(e));
    } finally {
      for (const hook of after) await hook();
    }
  }
  return { tests: tests.map((t) => t.name), failures };
}
