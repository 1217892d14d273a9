/**
 * The quickstart: a KonnectBot-style support team on the Pro plan, run on the in-memory default.
 * Run it with `npm run example`.
 */
import type { ResultAsync } from 'neverthrow';
import { ConsoleMailer, createRoster, ManualClock, MemoryAccountDirectory, type WorkspaceEvent } from 'agent-roster';

const clock = new ManualClock('2026-11-23T09:00:00Z');
const mailer = new ConsoleMailer();
const sent: { to: string; text: string }[] = [];
const roster = createRoster({
  clock,
  mailer: {
    async send(m) {
      sent.push(m);
      await mailer.send(m);
    },
  },
  // An email the host app already has as a separate, standalone account.
  accounts: new MemoryAccountDirectory(['zoe@gmail.com']),
  acceptUrl: 'https://chat.example.com/join',
});
// The latest mail to that address (a resend replaces the link); a reverse find, as the lib is ES2022.
const linkTokenFor = (email: string) => [...sent].reverse().find((m) => m.to === email)?.text.match(/token=([\w-]+)/)?.[1] ?? '';
const step = (title: string) => console.log(`\n── ${title}`);
// RoutingAgentSynced (a queue learning an agent's new facts) is left out to keep the story short.
const show = (events: readonly WorkspaceEvent[]) => events.filter((e) => e.type !== 'RoutingAgentSynced').forEach((e) => console.log(`   • ${e.type} ${JSON.stringify(e.data)}`));
const refused = (e: { type: string; message: string }) => console.log(`   ✗ ${e.type}: ${e.message}`);
const PASSWORD = 'correct horse battery staple';
/** The value of a step this story expects to succeed; a refusal there is a bug in the story, so it throws. */
const must = async <T>(pending: ResultAsync<T, { type: string; message: string }>): Promise<T> => {
  const result = await pending;
  if (result.isErr()) throw new Error(`${result.error.type}: ${result.error.message}`);
  return result.value;
};

step('Ana signs up: a Pro workspace (5 seats, 5 departments)');
const opened = await must(
  roster.createWorkspace({ name: 'Acme Support', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }),
);
show(opened.events);
const workspaceId = opened.state.workspace.id;
const ana = { workspaceId, agentId: opened.state.owner.id };

step('Ana creates the Sales and Support departments');
const sales = await must(roster.createDepartment(ana, { name: 'Sales' }));
const support = await must(roster.createDepartment(ana, { name: 'Support' }));
show([...sales.events, ...support.events]);

step('Ana invites Bob as an admin into Sales, and Cy as an agent into Sales and Support');
for (const [email, role, departmentIds] of [
  ['bob@acme.com', 'admin', [sales.state.department.id]],
  ['cy@acme.com', 'agent', [sales.state.department.id, support.state.department.id]],
] as const) {
  (await roster.inviteAgent(ana, { email, role, departmentIds: [...departmentIds] })).match((d) => show(d.events), refused);
}

step('Ana invites zoe@gmail.com, which is already its own standalone account');
(await roster.inviteAgent(ana, { email: 'zoe@gmail.com' })).match((d) => show(d.events), refused);

step('Bob and Cy open their emailed links, preview them, and accept');
const names = new Map<string, string>();
/** Opens the newest link emailed to `email`, previews it and accepts as `name`: the new agent, as who acts. */
const join = async (email: string, name: string) => {
  const token = linkTokenFor(email);
  (await roster.previewInvitation({ token })).match(
    (p) => console.log(`   ${email} sees: join ${p.workspaceName} as ${p.role}, invited by ${p.inviterName}`),
    refused,
  );
  const accepted = await must(roster.acceptInvitation({ token, name, password: PASSWORD }));
  show(accepted.events);
  names.set(accepted.state.agent.id, name);
  return { workspaceId, agentId: accepted.state.agent.id };
};
const bob = await join('bob@acme.com', 'Bob');
const cy = await join('cy@acme.com', 'Cy');

step('The team grows until the plan says no');
for (const email of ['dee@acme.com', 'eve@acme.com', 'fay@acme.com']) {
  (await roster.inviteAgent(ana, { email })).match((d) => show(d.events), refused);
}
const usage = await must(roster.seatUsage(ana));
console.log(`   seats: ${usage.used} of ${usage.limit} used (${usage.counts.activeAgents} agents, ${usage.counts.pendingInvitations} pending invitations)`);

step('A visitor asks Sales a question: Cy is online, so the conversation is routed to her');
const salesQueue = { departmentId: sales.state.department.id };
const nameOf = (agentId = '') => names.get(agentId) ?? agentId;
const say = (outcome: { type: string; agentId?: string; why?: { message: string } }) =>
  console.log(`   → ${outcome.type === 'Assigned' ? `assigned to ${nameOf(outcome.agentId)}` : `waiting: ${outcome.why?.message}`}`);
const cyOnline = await must(roster.setAvailability(cy, { agentId: cy.agentId, availability: 'online' }));
show(cyOnline.events);
const first = await must(roster.routeConversation(workspaceId, { ...salesQueue, conversationId: 'conv_1' }));
say(first.outcome);

step('Cy goes away at the end of her shift (she keeps conv_1); the next Sales conversation waits');
await must(roster.setAvailability(cy, { agentId: cy.agentId, availability: 'away' }));
const second = await must(roster.routeConversation(workspaceId, { ...salesQueue, conversationId: 'conv_2' }));
say(second.outcome);

step('Bob comes online: the waiting conversation is assigned to him at once');
const back = await must(roster.setAvailability(bob, { agentId: bob.agentId, availability: 'online' }));
show(back.events);
const queue = await must(roster.routingQueue(ana, salesQueue.departmentId));
console.log(`   Sales queue: ${queue?.queue.length ?? 0} waiting, ${queue?.routed ?? 0} routed so far`);

step('Bob tries to delete Ana: the owner cannot be deleted');
(await roster.deleteAgent(bob, { agentId: ana.agentId })).match((d) => show(d.events), refused);

step('Ana transfers ownership to Bob; Bob then deletes Ana');
const transferred = await must(roster.transferOwnership(ana, { toAgentId: bob.agentId }));
show(transferred.events);
const anaDeleted = await must(roster.deleteAgent(bob, { agentId: ana.agentId }));
show(anaDeleted.events);

step('The availability board Bob sees');
const board = await must(roster.availabilityBoard(bob));
for (const row of board.departments) {
  const list = (xs: readonly { name: string; openConversations: number }[]) => xs.map((a) => `${a.name} (${a.openConversations} open)`).join(', ') || '—';
  console.log(`   ${row.name ?? 'Whole workspace'}: online ${list(row.online)} · away ${list(row.away)} · inactive ${list(row.inactive)} · ${row.waiting} waiting`);
}
console.log(`\n${sent.length} emails sent; every one went through the outbox.`);
