/**
 * Three costs that grow with what a workspace has piled up rather than with its agents, found by
 * a scale review at stop 25, through the roster on the in-memory store. Not part of
 * `npm run bench`; no assertions. Prints one Markdown table.
 *
 *   npx tsx bench/scale.ts                      SCALE_SIZES (default 1000,10000) narrows it down
 *
 * - drain: one agent, alone in a department, comes online to k waiting conversations (no
 *   capacity) and takes them all in one `setAvailability`. Linear in k since the routing draft
 *   copies an agent's list of open conversations once per decision (it was O(k²): 5.1 s at 10,000).
 * - expired page: `invitationPage({ status: 'expired', limit: 50 })` with k lapsed invitations no
 *   command has swept; about flat since a backlog is taken from the pending listing (it sorted
 *   them all for each page: 195 ms at 10,000).
 * - sweep: `expireLapsedInvitations` of k lapsed invitations in one commit, and in commits of 500
 *   (`limit`): the longest commit is what the workspace's other commands wait behind.
 */
import type { ResultAsync } from 'neverthrow';
import { CapturingMailer, createRoster, ManualClock, MemoryRosterStore, type ActorRef } from 'agent-roster';
import { count, duration, table } from './report';

const SIZES = (process.env.SCALE_SIZES ?? '1000,10000').split(',').map(Number);
const PASSWORD = 'correct horse battery staple';

async function shop() {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const mailer = new CapturingMailer();
  const roster = createRoster({ clock, mailer, store: new MemoryRosterStore(), deliverImmediately: false });
  const opened = (await roster.createWorkspace({ name: 'Scale', plan: 'custom', owner: { email: 'owner@scale.example', name: 'Owner', password: PASSWORD } }))._unsafeUnwrap();
  const owner: ActorRef = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
  return { clock, mailer, roster, owner, workspaceId: opened.state.workspace.id };
}

/** ms of one call. */
async function timed(run: () => ResultAsync<unknown, unknown>): Promise<number> {
  const started = performance.now();
  const outcome = await run();
  const ms = performance.now() - started;
  if (!outcome.isOk()) throw new Error('a benchmarked call failed');
  return ms;
}

async function drain(k: number): Promise<number> {
  const { roster, mailer, owner, workspaceId } = await shop();
  const solo = (await roster.createDepartment(owner, { name: 'Solo' }))._unsafeUnwrap().state.department.id;
  (await roster.inviteAgent(owner, { email: 'solo@scale.example', departmentIds: [solo] }))._unsafeUnwrap();
  (await roster.deliverOutbox())._unsafeUnwrap();
  const token = mailer.lastTokenFor('solo@scale.example')!;
  const agent = (await roster.acceptInvitation({ token, name: 'Solo', password: PASSWORD }))._unsafeUnwrap().state.agent;
  for (let n = 0; n < k; n++) (await roster.routeConversation(workspaceId, { departmentId: solo, conversationId: `conv_${n}` }))._unsafeUnwrap();
  return timed(() => roster.setAvailability(owner, { agentId: agent.id, availability: 'online' }));
}

async function backlog(k: number) {
  const s = await shop();
  for (let n = 0; n < k; n++) (await s.roster.inviteAgent(s.owner, { email: `i${n}@scale.example` }))._unsafeUnwrap();
  s.clock.advance({ days: 8 });
  return s;
}

async function expiredPage(k: number): Promise<number> {
  const { roster, owner } = await backlog(k);
  const times: number[] = [];
  for (let n = 0; n < 9; n++) times.push(await timed(() => roster.invitationPage(owner, { status: 'expired', limit: 50 })));
  return times.sort((a, b) => a - b)[4]!;
}

async function sweep(k: number, limit?: number): Promise<{ total: number; longest: number }> {
  const { roster, workspaceId } = await backlog(k);
  let total = 0;
  let longest = 0;
  for (;;) {
    const started = performance.now();
    const swept = (await roster.expireLapsedInvitations(workspaceId, limit))._unsafeUnwrap();
    const ms = performance.now() - started;
    if (swept.events.length === 0) break;
    total += ms;
    longest = Math.max(longest, ms);
  }
  return { total, longest };
}

const ms = (value: number) => duration(value * 1_000_000);
const rows: string[][] = [];
for (const k of SIZES) {
  const one = await sweep(k);
  const batched = await sweep(k, 500);
  rows.push([
    count(k),
    ms(await drain(k)),
    ms(await expiredPage(k)),
    `${ms(one.total)}`,
    `${ms(batched.total)} (longest ${ms(batched.longest)})`,
  ]);
}
console.log('\nScale (in memory, through the roster; k = waiting conversations, or lapsed invitations not yet swept)\n');
table(['k', 'drain k to one agent', 'expired page (median of 9)', 'sweep k, one commit', 'sweep k, commits of 500'], rows);
