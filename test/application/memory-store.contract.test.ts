import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRosterStore } from '../../src/adapters/memory/store';
import { describeStoreContract } from '../../src/testing/store-contract';

// With sessions by default, which the contract tests when present; and purely optimistic.
for (const lockWorkspaces of [true, false]) {
  describeStoreContract(`MemoryRosterStore (lockWorkspaces: ${lockWorkspaces})`, async () => ({ store: new MemoryRosterStore({ lockWorkspaces }) }), {
    describe,
    it,
    expect,
    beforeEach,
    afterEach,
  });
}
