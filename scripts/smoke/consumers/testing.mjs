// `agent-roster/testing` through `import`, with fast-check (its optional peer) installed: the
// arbitraries drive fast-check, and what they generate is accepted by the very core the user has.
import fc from 'fast-check';
import { emailSchema, inviteAgent } from 'agent-roster';
import { aWorkspace, emailArb } from 'agent-roster/testing';

const emails = fc.sample(emailArb(), { numRuns: 50, seed: 7 });
const refused = emails.filter((raw) => !emailSchema.safeParse(raw).success);
if (refused.length > 0) throw new Error(`emailArb produced addresses the core refuses: ${JSON.stringify(refused)}`);
const workspace = aWorkspace({ plan: 'starter' });
if (typeof workspace.id !== 'string' || !workspace.id.startsWith('ws_')) throw new Error(`aWorkspace() gave ${JSON.stringify(workspace)}`);
if (typeof inviteAgent !== 'function') throw new Error('the core is missing next to the testing helpers');
console.log(`resolved ${import.meta.resolve('agent-roster/testing')}`);
console.log(`testing: ${emails.length} generated emails accepted by the core; aWorkspace() is ${workspace.id}`);
console.log('ok');
