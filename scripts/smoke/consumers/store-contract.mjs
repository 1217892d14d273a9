// `agent-roster/testing/store-contract` through `import`: the store contract suite for adapter
// authors, which needs neither fast-check nor a test framework, run against the in-memory store.
import { MemoryRosterStore } from 'agent-roster';
import { describeStoreContract } from 'agent-roster/testing/store-contract';
import flow from '../flow.cjs';

console.log(`resolved ${import.meta.resolve('agent-roster/testing/store-contract')}`);
console.log(await flow.runStoreContract(describeStoreContract, MemoryRosterStore));
console.log('ok');
