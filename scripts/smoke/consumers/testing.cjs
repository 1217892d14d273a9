// `agent-roster/testing` through `require`, with fast-check (its optional peer) installed.
'use strict';
const fc = require('fast-check');
const { emailSchema } = require('agent-roster');
const { aWorkspace, emailArb } = require('agent-roster/testing');

const emails = fc.sample(emailArb(), { numRuns: 50, seed: 7 });
const refused = emails.filter((raw) => !emailSchema.safeParse(raw).success);
if (refused.length > 0) throw new Error(`emailArb produced addresses the core refuses: ${JSON.stringify(refused)}`);
const workspace = aWorkspace({ plan: 'starter' });
if (typeof workspace.id !== 'string' || !workspace.id.startsWith('ws_')) throw new Error(`aWorkspace() gave ${JSON.stringify(workspace)}`);
console.log(`resolved ${require.resolve('agent-roster/testing')}`);
console.log(`testing: ${emails.length} generated emails accepted by the core; aWorkspace() is ${workspace.id}`);
console.log('ok');
