/**
 * States for the domain benchmarks, built cheaply but honestly.
 *
 * A roster command takes only the aggregates it names (the workspace, the actor, one agent or
 * invitation, the departments it mentions) and the workspace carries counters for everything
 * limits need. So "a workspace with N agents" is, for those commands, a workspace whose counters
 * say N, and N agents in memory, as a store holds them: changeRole and setAvailability name a
 * different one on each call ({@link memberFor}), so what a large workspace costs in cache
 * misses is measured; the agents a command is not given are never handed to it.
 * The plan is `custom` (no seat limit), so every size admits one more invitation.
 *
 * A routing queue really holds its members, so the routing state is built for real, one
 * `syncAgent` per agent, exactly as the application feeds it.
 */
import {
  acceptInvitation,
  agentIdSchema,
  createDepartment,
  createWorkspace,
  departmentIdSchema,
  emailSchema,
  emptyRoutingState,
  invitationIdSchema,
  inviteAgent,
  syncAgent,
  tokenHashSchema,
  workspaceIdSchema,
  type Agent,
  type Department,
  type Invitation,
  type RoutingState,
  type Workspace,
} from 'agent-roster';

/** The instant every domain command is told it is. @example inviteAgent(state, input, { now: NOW, … }) */
export const NOW = new Date('2026-11-23T09:00:00.000Z');

const INSTANTS = Array.from({ length: 4096 }, (_, k) => new Date(NOW.getTime() + k));
/**
 * The instant the `n`th timed call is told it is: one millisecond after the previous call's, as
 * each request of a server has a `now` of its own. A command formats its `now` once
 * (`isoTime`, which keeps the last two instants), so told one fixed instant every call it would
 * never be timed formatting it. The Dates are made ahead, so making them is not timed either.
 *
 * @example acceptInvitation(state, input, { now: nowAt(i), … })
 */
export const nowAt = (n: number): Date => INSTANTS[n & 4095]!;
/** A password the default policy accepts. @example { name: 'Bob', password: PASSWORD } */
export const PASSWORD = 'correct horse battery staple';
/** A fixed token hash: the domain only compares it. @example { presentedTokenHash: TOKEN_HASH } */
export const TOKEN_HASH = tokenHashSchema.parse('5'.repeat(64));

/**
 * Unwraps a Result the benchmark set up to succeed; a failure is a broken benchmark, so it throws.
 *
 * @example const { state } = expectOk(syncAgent(queue, facts, { now: NOW }), 'syncAgent')
 */
export function expectOk<T>(result: { isOk(): boolean; _unsafeUnwrap(): T; _unsafeUnwrapErr(): unknown }, what: string): T {
  if (!result.isOk()) throw new Error(`benchmark setup failed at ${what}: ${JSON.stringify(result._unsafeUnwrapErr())}`);
  return result._unsafeUnwrap();
}

/** What the roster commands of the benchmark act on, for one workspace size. @example rosterFixture(10).workspace.counts.activeAgents // 10 */
export type RosterFixture = Readonly<{
  agents: number;
  workspace: Workspace;
  owner: Agent;
  /** A regular agent, away, with role `agent`: the first of {@link RosterFixture.members}. */
  bob: Agent;
  /**
   * Every agent but the owner (`agents - 1` of them, Bob first), each its own object with its own
   * id and email, as a store holds them: changeRole and setAvailability name one of them per call
   * ({@link memberFor}), so at 100,000 agents a call reads an agent the cache has not just seen.
   */
  members: readonly Agent[];
  sales: Department;
  /** A pending invitation whose token hash is {@link TOKEN_HASH}. */
  invitation: Invitation;
}>;

/**
 * A workspace whose counters say it has `agents` active agents (the owner and Bob among them),
 * one department and one pending invitation, with the aggregates the commands take.
 *
 * @example const { workspace, owner } = rosterFixture(1_000)
 */
export function rosterFixture(agents: number): RosterFixture {
  const opened = expectOk(
    createWorkspace(
      { name: 'Bench Shop', plan: 'custom', owner: { email: 'owner@bench.example', name: 'Owner' } },
      { now: NOW, workspaceId: workspaceIdSchema.parse('ws_bench'), ownerId: agentIdSchema.parse('agt_owner') },
    ),
    'createWorkspace',
  );
  const { owner } = opened.state;
  const withSales = expectOk(
    createDepartment(
      { workspace: opened.state.workspace, actor: owner },
      { name: 'Sales' },
      { now: NOW, nameTaken: false, departmentId: departmentIdSchema.parse('dep_sales') },
    ),
    'createDepartment',
  );
  const sales = withSales.state.department;
  const bobInvited = expectOk(
    inviteAgent(
      { workspace: withSales.state.workspace, actor: owner, departments: [sales] },
      { email: 'bob@bench.example', departmentIds: [sales.id] },
      { now: NOW, invitationId: invitationIdSchema.parse('inv_bob'), tokenHash: TOKEN_HASH, emailStatus: 'available' },
    ),
    'inviteAgent(bob)',
  );
  const bobJoined = expectOk(
    acceptInvitation(
      { workspace: bobInvited.state.workspace, invitation: bobInvited.state.invitation, departments: [sales] },
      { name: 'Bob', password: PASSWORD },
      { now: NOW, presentedTokenHash: TOKEN_HASH, agentId: agentIdSchema.parse('agt_bob'), emailStatus: 'available' },
    ),
    'acceptInvitation(bob)',
  );
  const pending = expectOk(
    inviteAgent(
      { workspace: bobJoined.state.workspace, actor: owner, departments: [sales] },
      { email: 'cy@bench.example', departmentIds: [sales.id] },
      { now: NOW, invitationId: invitationIdSchema.parse('inv_cy'), tokenHash: TOKEN_HASH, emailStatus: 'available' },
    ),
    'inviteAgent(cy)',
  );
  const small = pending.state.workspace;
  // Owner and Bob are two of the `agents`; the rest are `members`, each its own object, named
  // by the commands that read an agent, and counted on the workspace as a store counts them.
  const workspace: Workspace = { ...small, counts: { ...small.counts, activeAgents: agents } };
  // Bob copied as every other member is made, so all share one object shape, as agents a store
  // reads back do: one built differently made the commands' property reads polymorphic.
  const bob = { ...bobJoined.state.agent };
  const members = [bob];
  for (let n = 1; n < agents - 1; n++) {
    members.push({ ...bob, id: agentIdSchema.parse(`agt_member_${n}`), email: emailSchema.parse(`member.${n}@bench.example`), name: `Member ${n}` });
  }
  return { agents, workspace, owner, bob, members, sales, invitation: pending.state.invitation };
}

/**
 * The member the `i`-th timed call names: `i` scattered over the whole population (a
 * multiplicative hash, the same few nanoseconds at every size), so consecutive calls at 100,000
 * agents read agents far apart in memory, as requests for different agents do, where naming Bob
 * every time kept one hot object and made the 100k/10 ratio 1× by construction (a bench review).
 *
 * @example changeRole({ workspace, actor: owner, agent: memberFor(fx, i) }, …)
 */
export function memberFor(fx: RosterFixture, i: number): Agent {
  return fx.members[(Math.imul(i, 0x9e3779b1) >>> 0) % fx.members.length]!;
}

/** A department queue with `agents` members, all active and online, and how long it took to build. @example routingFixture(10).buildMs */
export type RoutingFixture = Readonly<{ agents: number; state: RoutingState; buildMs: number }>;

/**
 * A queue of the Sales department with `agents` eligible agents, built with one `syncAgent` per
 * agent, each fed the previous decision's state (so the pick index is built once and kept warm).
 *
 * @example const { state } = routingFixture(1_000)
 */
export function routingFixture(agents: number): RoutingFixture {
  const sales = departmentIdSchema.parse('dep_sales');
  const started = performance.now();
  let state = emptyRoutingState(workspaceIdSchema.parse('ws_bench'), sales);
  for (let n = 0; n < agents; n++) {
    const input = { agentId: `agt_${n}`, active: true, online: true, departmentIds: [sales] };
    state = expectOk(syncAgent(state, input, { now: NOW }), 'syncAgent').state;
  }
  return { agents, state, buildMs: performance.now() - started };
}
