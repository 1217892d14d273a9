/**
 * A {@link RosterDriver} over this library's own application layer (`createRoster`) on any
 * `RosterStore`: the kit drives agent-roster exactly the way it drives your system, so "the
 * application layer on any store" is the driver case applied to ourselves.
 *
 * @module
 */
import { CapturingMailer } from '../adapters/memory/mailer';
import { ManualClock } from '../adapters/memory/clock';
import { MemoryRosterStore } from '../adapters/memory/store';
import { createRoster, type ActorRef, type Roster, type RosterOptions } from '../application/roster';
import type { Agent } from '../domain/agent';
import type { Department } from '../domain/department';
import type { RosterEvent } from '../domain/events';
import type { AgentId, DepartmentId, InvitationId, WorkspaceId } from '../domain/ids';
import type { RosterState } from '../domain/roster';
import { conversationsOf } from '../domain/routing/state';
import { departmentNameSchema, nameKey, parseEmail } from '../domain/values';
import type { Identity } from '../ports/services';
import type { RosterStore } from '../ports/store';
import { outcomeOf, type ConversationInput, type DriverConversation, type DriverOutcome, type DriverSnapshot, type RosterDriver, type RouteAnswer } from './driver';

/**
 * The ports {@link rosterDriver} builds its roster from: a store, a clock that only moves when
 * the kit says so, a mailer that keeps every email (that is where tokens come from) and an
 * identity stand-in that remembers which agents got a login (and never the password).
 *
 * @example
 * rosterDriver({ roster: (ports) => createRoster({ ...ports, maxAttempts: 2 }) });
 */
export type RosterPorts = Readonly<{ store: RosterStore; clock: ManualClock; mailer: CapturingMailer; identity: Identity & Readonly<{ logins: ReadonlyMap<string, string> }> }>;

/**
 * Options of {@link rosterDriver}.
 *
 * @example
 * rosterDriver({ store: new PostgresRosterStore(pool), start: '2026-11-23T09:00:00Z' });
 */
export type RosterDriverOptions = Readonly<{
  /** Default: a new `MemoryRosterStore`. Give each sequence an empty store, or at least a new workspace. */
  store?: RosterStore | undefined;
  /** The clock's start; default 2026-11-23T09:00:00Z. */
  start?: Date | string | undefined;
  /**
   * Builds the roster under test from the ports; default `createRoster({ allowInlinePlans: true, ...ports })`.
   * Point it at a wrapped or broken roster.
   */
  roster?: ((ports: RosterPorts) => Roster) | undefined;
  /** Extra options for the default `createRoster` (ignored when `roster` is given). */
  rosterOptions?: Omit<RosterOptions, 'store' | 'clock' | 'mailer' | 'identity'> | undefined;
}>;

/** Agent id → email of every login created; cheaper than hashing passwords thousands of times. */
function loginsOnly(): RosterPorts['identity'] {
  const logins = new Map<string, string>();
  return {
    logins,
    createLogin: async (login) => void logins.set(login.agentId, login.email),
    deleteLogin: async (agentId) => void logins.delete(agentId),
  };
}

const NOT_FOUND = {
  actor: { ok: false, errorType: 'UnknownActor' },
  agent: { ok: false, errorType: 'AgentNotFound' },
  invitation: { ok: false, errorType: 'InvitationNotFound' },
  department: { ok: false, errorType: 'DepartmentNotFound' },
} as const satisfies Record<string, DriverOutcome>;

/**
 * A {@link RosterDriver} over `createRoster`. Lookups by email and department name read the
 * store directly; every change goes through the roster's use cases.
 *
 * @example
 * await fc.assert(rosterProperty(() => rosterDriver()), { numRuns: 200 });
 * await fc.assert(rosterProperty(() => rosterDriver({ store: new MyStore() })), { numRuns: 200 });
 */
export function rosterDriver(options: RosterDriverOptions = {}): RosterDriver {
  const ports: RosterPorts = {
    store: options.store ?? new MemoryRosterStore(),
    clock: new ManualClock(options.start ?? '2026-11-23T09:00:00Z'),
    mailer: new CapturingMailer(),
    identity: loginsOnly(),
  };
  // Inline plans are on by default here: the kit's plans include small custom ones, to reach the limits quickly.
  // `?? true` after the spread: an `allowInlinePlans` given as `undefined` is one left out.
  const roster = options.roster ? options.roster(ports) : createRoster({ ...options.rosterOptions, allowInlinePlans: options.rosterOptions?.allowInlinePlans ?? true, ...ports });
  const { store } = ports;
  let workspaceId: WorkspaceId | null = null;
  // The invitation most recently sent to each email: resend and revoke act on it.
  const latestInvitation = new Map<string, InvitationId>();

  const canonical = (email: string) => parseEmail(email).unwrapOr(email.trim().toLowerCase() as never) as string;
  const ws = () => {
    if (workspaceId === null) throw new Error('rosterDriver: createWorkspace must succeed before any other call.');
    return workspaceId;
  };
  const agentId = async (email: string): Promise<AgentId | undefined> => {
    const key = canonical(email);
    return (await store.listAgents(ws())).find((a: Agent) => a.email === key)?.id;
  };
  const actorRef = async (email: string): Promise<ActorRef | undefined> => {
    const id = await agentId(email);
    return id === undefined ? undefined : { workspaceId: ws(), agentId: id };
  };
  const departmentKey = (name: string) => {
    const parsed = departmentNameSchema.safeParse(name);
    return nameKey(parsed.success ? parsed.data : name);
  };
  const departmentIds = async (names: readonly string[]): Promise<DepartmentId[] | undefined> => {
    const all = (await store.listDepartments(ws())).map((d) => d.department);
    const ids: DepartmentId[] = [];
    for (const name of names) {
      const found = all.find((d: Department) => d.nameKey === departmentKey(name));
      if (!found) return undefined;
      ids.push(found.id);
    }
    return ids;
  };

  /** Resolves the actor and the agent acted on, then runs the use case. */
  const onAgent = async (actor: string, email: string, run: (ref: ActorRef, id: AgentId) => Promise<DriverOutcome>) => {
    const ref = await actorRef(actor);
    if (!ref) return NOT_FOUND.actor;
    const id = await agentId(email);
    return id === undefined ? NOT_FOUND.agent : run(ref, id);
  };
  const asActor = async (actor: string, run: (ref: ActorRef) => Promise<DriverOutcome>) => {
    const ref = await actorRef(actor);
    return ref ? run(ref) : NOT_FOUND.actor;
  };
  /** The roster's routing input for a conversation named by its department's name (`null`: the workspace-wide queue). */
  const onConversation = async <T>(input: ConversationInput, run: (queue: { departmentId: string | null; conversationId: string }) => Promise<T>) => {
    if (input.department === null) return run({ departmentId: null, conversationId: input.conversation });
    const [id] = (await departmentIds([input.department])) ?? [];
    return id === undefined ? NOT_FOUND.department : run({ departmentId: id, conversationId: input.conversation });
  };

  return {
    async createWorkspace(input) {
      const result = await roster.createWorkspace({
        name: input.name,
        plan: input.plan,
        seatPolicy: input.seatPolicy,
        invitationTtlHours: input.invitationTtlHours,
        owner: input.owner,
      });
      if (result.isOk()) workspaceId = result.value.state.workspace.id;
      return outcomeOf(result);
    },
    invite: (actor, input) =>
      asActor(actor, async (ref) => {
        const ids = await departmentIds(input.departments);
        if (!ids) return NOT_FOUND.department;
        const result = await roster.inviteAgent(ref, { email: input.email, role: input.role, departmentIds: ids });
        if (result.isOk()) latestInvitation.set(result.value.state.invitation.email, result.value.state.invitation.id);
        return outcomeOf(result);
      }),
    // The invitation is picked when the call starts, before any await: a concurrent invite to the
    // same email then never changes which invitation this call is about.
    resend: (actor, { email }) => {
      const invitationId = latestInvitation.get(canonical(email));
      return asActor(actor, async (ref) =>
        invitationId === undefined ? NOT_FOUND.invitation : outcomeOf(await roster.resendInvitation(ref, { invitationId })),
      );
    },
    revoke: (actor, { email }) => {
      const invitationId = latestInvitation.get(canonical(email));
      return asActor(actor, async (ref) =>
        invitationId === undefined ? NOT_FOUND.invitation : outcomeOf(await roster.revokeInvitation(ref, { invitationId })),
      );
    },
    tokenFor: async (email) => ports.mailer.lastTokenFor(canonical(email)) ?? null,
    accept: async (input) => outcomeOf(await roster.acceptInvitation(input)),
    editAgent: (actor, { email, newEmail, ...rest }) =>
      onAgent(actor, email, async (ref, id) =>
        outcomeOf(await roster.editAgent(ref, { agentId: id, ...rest, ...(newEmail === undefined ? {} : { email: newEmail }) })),
      ),
    changeRole: (actor, { email, role }) => onAgent(actor, email, async (ref, id) => outcomeOf(await roster.changeRole(ref, { agentId: id, role }))),
    activate: (actor, { email }) => onAgent(actor, email, async (ref, id) => outcomeOf(await roster.activateAgent(ref, { agentId: id }))),
    deactivate: (actor, { email }) => onAgent(actor, email, async (ref, id) => outcomeOf(await roster.deactivateAgent(ref, { agentId: id }))),
    setAvailability: (actor, { email, availability }) =>
      onAgent(actor, email, async (ref, id) => outcomeOf(await roster.setAvailability(ref, { agentId: id, availability }))),
    transferOwnership: (actor, { email, formerOwnerRole }) =>
      onAgent(actor, email, async (ref, id) => outcomeOf(await roster.transferOwnership(ref, { toAgentId: id, formerOwnerRole }))),
    deleteAgent: (actor, { email }) => onAgent(actor, email, async (ref, id) => outcomeOf(await roster.deleteAgent(ref, { agentId: id }))),
    createDepartment: (actor, { name }) => asActor(actor, async (ref) => outcomeOf(await roster.createDepartment(ref, { name }))),
    renameDepartment: (actor, { name, newName }) =>
      asActor(actor, async (ref) => {
        const [id] = (await departmentIds([name])) ?? [];
        return id === undefined ? NOT_FOUND.department : outcomeOf(await roster.renameDepartment(ref, { departmentId: id, name: newName }));
      }),
    deleteDepartment: (actor, { name }) =>
      asActor(actor, async (ref) => {
        const [id] = (await departmentIds([name])) ?? [];
        return id === undefined ? NOT_FOUND.department : outcomeOf(await roster.deleteDepartment(ref, { departmentId: id }));
      }),
    assignDepartments: (actor, { email, departments }) =>
      onAgent(actor, email, async (ref, id) => {
        const ids = await departmentIds(departments);
        return ids ? outcomeOf(await roster.assignAgentToDepartments(ref, { agentId: id, departmentIds: ids })) : NOT_FOUND.department;
      }),
    removeFromDepartment: (actor, { email, department }) =>
      onAgent(actor, email, async (ref, id) => {
        const [departmentId] = (await departmentIds([department])) ?? [];
        return departmentId === undefined ? NOT_FOUND.department : outcomeOf(await roster.removeAgentFromDepartment(ref, { agentId: id, departmentId }));
      }),
    changePlan: (actor, { plan }) => asActor(actor, async (ref) => outcomeOf(await roster.changePlan(ref, { plan }))),
    changeSeatPolicy: (actor, { seatPolicy }) => asActor(actor, async (ref) => outcomeOf(await roster.changeSettings(ref, { seatPolicy }))),
    advanceTime: async (hours) => void ports.clock.advance({ hours }),
    routeConversation: (input) =>
      onConversation(input, async (queue): Promise<RouteAnswer> => {
        // The kit names people by email. The agent's as the store holds it once the route
        // committed, or, when a step run at the same time deleted it meanwhile, as it was before
        // the route: whoever a route can pick is an agent before it starts.
        const before = await store.listAgents(ws());
        const result = await roster.routeConversation(ws(), queue);
        if (result.isErr()) return outcomeOf(result) as RouteAnswer;
        const { outcome } = result.value;
        if (outcome.type === 'Queued') return { ok: true, waits: outcome.why.reason };
        const picked = (agents: readonly Agent[]) => agents.find((a) => a.id === outcome.agentId);
        const agent = picked(await store.listAgents(ws())) ?? picked(before);
        return { ok: true, assignedTo: agent?.email ?? outcome.agentId };
      }),
    closeConversation: (input) => onConversation(input, async (queue) => outcomeOf(await roster.closeConversation(ws(), queue))),
    snapshot: () => readRoster(store, ws()),
  };
}

/**
 * A workspace's whole roster and event log, read from a store: what a {@link DriverSnapshot}
 * holds, for a driver (or a test-only route of your app) that keeps its state in a `RosterStore`.
 * Routing events stay in `events`; the invariant checks skip what is not the roster's. `conversations`
 * lists what every queue (each department's and the workspace-wide one) is waiting on or has open.
 *
 * @example
 * const { roster, events } = await readRoster(store, workspaceId);
 * checkInvariants({ roster, events });
 */
export async function readRoster(store: RosterStore, workspaceId: WorkspaceId): Promise<DriverSnapshot> {
  const [workspace, agents, invitations, departments, events] = await Promise.all([
    store.loadWorkspace(workspaceId),
    store.listAgents(workspaceId),
    store.listInvitations(workspaceId),
    store.listDepartments(workspaceId),
    store.events(workspaceId),
  ]);
  const byId = <T extends { id: string }>(items: readonly T[]) => Object.fromEntries(items.map((item) => [item.id, item]));
  const roster: RosterState = {
    workspace: workspace?.value ?? null,
    agents: byId(agents),
    invitations: byId(invitations),
    departments: byId(departments.map((d) => d.department)),
  };
  const queues = workspace ? await store.loadRoutingStates(workspaceId, [null, ...departments.map((d) => d.department.id)]) : [];
  const conversations = queues.flatMap(({ value }): DriverConversation[] =>
    conversationsOf(value).map((c) => ({ departmentId: value.departmentId, conversationId: c.conversationId, agentId: c.agentId })),
  );
  return { roster, events: events as readonly RosterEvent[], conversations };
}
