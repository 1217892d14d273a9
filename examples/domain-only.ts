/**
 * The pure domain on its own: no store, no mailer. Every fact a command needs (the time, new ids,
 * the token's hash, who holds an email) is passed in, and every answer is a Result. Storing the
 * state with a version check and sending the email are yours, and left out here: the roster
 * (`createRoster`) does both.
 * Story: invite → accept → seat limit hit → ownership transfer → former owner deleted.
 *
 * Run: npx tsx examples/domain-only.ts
 */
import {
  acceptInvitation,
  agentIdSchema,
  invitationIdSchema,
  workspaceIdSchema,
  createWorkspace,
  deleteAgent,
  inviteAgent,
  replay,
  sha256Hex,
  transferOwnership,
  type RosterEvent,
} from 'agent-roster';
import type { Result } from 'neverthrow';

const now = new Date('2026-11-23T09:00:00Z');
/**
 * A new invitation's token: 32 random bytes (256 bits) from Web Crypto, base64url. It is the
 * secret the invitation email carries in its link, so draw a fresh one per invitation (and per
 * resend) and never derive it from anything guessable, such as the email. Only its SHA-256
 * (`sha256Hex`) is kept, in the invitation; the link brings the token back, and its hash must match.
 */
const newToken = () =>
  btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
/** The value of a step this story expects to succeed; a refusal there is a bug in the story, so it throws. */
const must = <T>(result: Result<T, { type: string; message: string }>): T => {
  if (result.isErr()) throw new Error(`${result.error.type}: ${result.error.message}`);
  return result.value;
};
const history: RosterEvent[] = [];
const log = (step: string, events: readonly RosterEvent[]) => {
  history.push(...events);
  console.log(`\n# ${step}`);
  for (const e of events) console.log(`  ${e.type} ${JSON.stringify(e.data)}`);
};

const opened = must(
  createWorkspace(
    { name: 'Bookshop', plan: 'starter', owner: { email: 'ana@bookshop.com', name: 'Ana' } },
    { now, workspaceId: workspaceIdSchema.parse('ws_bookshop'), ownerId: agentIdSchema.parse('agt_ana') },
  ),
);
log('Ana opens a Starter workspace (3 seats)', opened.events);
let { workspace, owner } = opened.state;

const token = newToken(); // emailed to Bob in his link
const invited = must(
  inviteAgent(
    // No department is named, so none needs looking up.
    { workspace, actor: owner, departments: [] },
    { email: 'Bob@Bookshop.com' },
    { now, invitationId: invitationIdSchema.parse('inv_bob'), tokenHash: await sha256Hex(token), emailStatus: 'available' },
  ),
);
log('Ana invites bob@bookshop.com', invited.events);
workspace = invited.state.workspace;

const accepted = must(
  acceptInvitation(
    { workspace, invitation: invited.state.invitation, departments: invited.state.departments },
    { name: 'Bob', password: 'correct horse battery staple' },
    { now, presentedTokenHash: await sha256Hex(token), agentId: agentIdSchema.parse('agt_bob'), emailStatus: 'available' },
  ),
);
log('Bob accepts through the emailed link (the password goes back to the caller only)', accepted.events);
workspace = accepted.state.workspace;
const bob = accepted.state.agent;

for (const [n, email] of ['cy@bookshop.com', 'di@bookshop.com'].entries()) {
  const result = inviteAgent(
    { workspace, actor: owner, departments: [] },
    { email },
    // Each invitation its own token, emailed to its invitee (this story does not follow those links).
    { now, invitationId: invitationIdSchema.parse(`inv_${n}`), tokenHash: await sha256Hex(newToken()), emailStatus: 'available' },
  );
  result.match(
    (d) => {
      workspace = d.state.workspace;
      log(`Ana invites ${email}`, d.events);
    },
    (e) => console.log(`\n# Ana invites ${email}\n  refused: ${e.type} — ${e.message}`),
  );
}

const reusedLink = acceptInvitation(
  { workspace, invitation: accepted.state.invitation, departments: accepted.state.departments },
  { name: 'Mallory', password: 'correct horse battery staple' },
  { now, presentedTokenHash: await sha256Hex(token), agentId: agentIdSchema.parse('agt_mallory'), emailStatus: 'available' },
);
console.log(`\n# The same link, opened again\n  ${reusedLink.match(() => 'accepted twice (a bug!)', (e) => `refused: ${e.type}`)}`);

const transferred = must(transferOwnership({ workspace, actor: owner, newOwner: bob }, { toAgentId: bob.id }, { now }));
log('Ana transfers ownership to Bob', transferred.events);
workspace = transferred.state.workspace;

const removed = must(
  deleteAgent(
    { workspace, actor: transferred.state.newOwner, agent: transferred.state.formerOwner },
    { agentId: owner.id },
    { now },
  ),
);
log('Bob deletes Ana, now a regular admin', removed.events);

const rebuilt = replay(history);
console.log(`\nReplaying ${history.length} events: owner ${rebuilt.workspace?.ownerId}, agents ${Object.keys(rebuilt.agents).join(', ')}, seats ${JSON.stringify(rebuilt.workspace?.counts)}`);
