// The core through `import`: the ESM build, its types' runtime twin, and the whole invite → accept flow.
import * as api from 'agent-roster';
import { createRoster, inviteAgent, acceptInvitation } from 'agent-roster';
import flow from '../flow.cjs';

for (const [name, fn] of Object.entries({ createRoster, inviteAgent, acceptInvitation })) {
  if (typeof fn !== 'function') throw new Error(`named import ${name} is ${typeof fn}`);
}
console.log(`resolved ${import.meta.resolve('agent-roster')}`);
console.log(await flow.runRosterFlow(api));
console.log(await flow.runDomainFlow(api));
console.log('ok');
