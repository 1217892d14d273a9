// The core through `require`: the CommonJS build and the whole invite → accept flow.
// No try/catch: an unhandled rejection exits non-zero in Node, Bun and Deno alike.
'use strict';
const api = require('agent-roster');
const flow = require('../flow.cjs');

async function main() {
  console.log(`resolved ${require.resolve('agent-roster')}`);
  console.log(await flow.runRosterFlow(api));
  console.log(await flow.runDomainFlow(api));
  console.log('ok');
}
main();
