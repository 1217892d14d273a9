// `agent-roster/testing/store-contract` through `require`, as the ESM consumer does.
const { MemoryRosterStore } = require('agent-roster');
const { describeStoreContract } = require('agent-roster/testing/store-contract');
const flow = require('../flow.cjs');

console.log(`resolved ${require.resolve('agent-roster/testing/store-contract')}`);
flow
  .runStoreContract(describeStoreContract, MemoryRosterStore)
  .then((summary) => {
    console.log(summary);
    console.log('ok');
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
