import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryRosterStore } from '../../src/adapters/memory/store';
import { describeStoreContract } from '../../src/testing/store-contract';

describeStoreContract('MemoryRosterStore', async () => ({ store: new MemoryRosterStore() }), {
  describe,
  it,
  expect,
  beforeEach,
  afterEach,
});
