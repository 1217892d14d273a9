import { MemoryRosterStore } from '../../src/adapters/memory/store';
import { describeStoreFollowsChanges } from './store-follows-changes';

describeStoreFollowsChanges('MemoryRosterStore', async () => ({ store: new MemoryRosterStore() }));
