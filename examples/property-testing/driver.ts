/**
 * A `RosterDriver` over HTTP: how the testing kit reaches the example JSON API. This is the part
 * you write for your own app — one small function per use case, each a `fetch` to your route,
 * answering `{ ok: true }` or `{ ok: false, errorType }` from your error body.
 *
 * The kit names people by email and departments by name; the API wants ids. The driver looks
 * them up in the roster it reads back (the same read as `snapshot()`), and remembers the id of
 * each invitation it sends, so that "resend the invitation to bob@shop.com" means the newest one.
 */
import { nameKey, type DepartmentId, type RosterEvent, type RosterState } from 'agent-roster';
import type { RouteOutcome } from 'agent-roster';
import type { ConversationInput, DriverConversation, DriverOutcome, DriverSnapshot, RosterDriver, RouteAnswer } from 'agent-roster/testing';

type Reply = Readonly<{ status: number; body: { error?: { type?: string } } & Record<string, unknown> }>;

const NOT_FOUND = {
  actor: { ok: false, errorType: 'UnknownActor' },
  agent: { ok: false, errorType: 'AgentNotFound' },
  invitation: { ok: false, errorType: 'InvitationNotFound' },
  department: { ok: false, errorType: 'DepartmentNotFound' },
} as const satisfies Record<string, DriverOutcome>;

/**
 * @example await fc.assert(rosterProperty(() => httpRosterDriver(app.url), { plans, seatPolicies }), { numRuns: 100 });
 */
export function httpRosterDriver(base: string): RosterDriver {
  let workspaceId = '';
  const latestInvitation = new Map<string, string>();

  const call = async (method: string, path: string, options: Readonly<{ as?: string; body?: unknown }> = {}): Promise<Reply> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        // The example API takes the acting agent from headers; your app takes it from a session.
        ...(options.as === undefined ? {} : { 'x-workspace-id': workspaceId, 'x-agent-id': options.as }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: response.status, body: (await response.json()) as Reply['body'] };
  };
  const outcome = (reply: Reply): DriverOutcome =>
    reply.status < 300 ? { ok: true } : { ok: false, errorType: reply.body.error?.type ?? `HTTP ${reply.status}` };

  const readBack = async (): Promise<DriverSnapshot> => {
    const { body } = await call('GET', `/__test__/roster?workspaceId=${encodeURIComponent(workspaceId)}`);
    return { roster: body.roster as RosterState, events: body.events as readonly RosterEvent[], conversations: body.conversations as readonly DriverConversation[] };
  };
  /** Ids of the agents and departments named, read when the call starts. */
  const lookUp = async () => {
    const { roster } = await readBack();
    const agents = Object.values(roster.agents);
    const departments = Object.values(roster.departments);
    const owner = roster.workspace?.ownerId;
    return {
      owner,
      /** The owner if active, else the first active agent: who relays the routing calls. */
      relay: (): string | undefined => (agents.find((a) => a.id === owner)?.status === 'active' ? owner : agents.find((a) => a.status === 'active')?.id),
      agent: (email: string) => agents.find((a) => a.email === email)?.id,
      email: (id: string) => agents.find((a) => a.id === id)?.email,
      department: (name: string): DepartmentId | undefined => departments.find((d) => d.nameKey === nameKey(name.trim()))?.id,
    };
  };
  /** Runs `act` as the agent with email `actor`, on the agent with email `email`. */
  const onAgent = async (actor: string, email: string, act: (as: string, id: string) => Promise<Reply>): Promise<DriverOutcome> => {
    const ids = await lookUp();
    const as = ids.agent(actor);
    const id = ids.agent(email);
    if (as === undefined) return NOT_FOUND.actor;
    return id === undefined ? NOT_FOUND.agent : outcome(await act(as, id));
  };
  const asActor = async (actor: string, act: (as: string, ids: Awaited<ReturnType<typeof lookUp>>) => Promise<DriverOutcome>) => {
    const ids = await lookUp();
    const as = ids.agent(actor);
    return as === undefined ? NOT_FOUND.actor : act(as, ids);
  };
  /**
   * Runs a routing call on the queue named: `/queues/dep_…`, or `/queues/workspace`. Nobody signed
   * in routes in the kit (your chat backend does), but this API takes routing from a signed-in,
   * active agent of the workspace (see handler.ts), so the driver relays through one: the owner
   * when active (the one agent every workspace always has), else the first active agent. With
   * nobody active it still calls, as the owner, and answers the API's refusal (403
   * `PermissionDenied`), which the test's `stricter` accepts as this API's own rule. A relay
   * deactivated or deleted by a step running at the same time is refused before anything is
   * routed, so the driver reads the team again and relays through another.
   */
  const onQueue = async <A extends RouteAnswer | DriverOutcome>(
    { department }: ConversationInput,
    act: (as: string, queue: string, before: Awaited<ReturnType<typeof lookUp>>) => Promise<A>,
  ): Promise<A | (typeof NOT_FOUND)['department' | 'actor']> => {
    for (let attempt = 1; ; attempt++) {
      const ids = await lookUp();
      const queue = department === null ? 'workspace' : ids.department(department);
      if (queue === undefined) return NOT_FOUND.department;
      const relay = ids.relay();
      const as = relay ?? ids.owner;
      if (as === undefined) return NOT_FOUND.actor;
      const answer = await act(as, queue, ids);
      const relayRefused = !answer.ok && (answer.errorType === 'PermissionDenied' || answer.errorType === 'UnknownActor');
      if (!relayRefused || relay === undefined || attempt === 3) return answer;
    }
  };
  const departmentIds = (ids: Awaited<ReturnType<typeof lookUp>>, names: readonly string[]) => {
    const found = names.map(ids.department);
    return found.every((id) => id !== undefined) ? (found as string[]) : undefined;
  };

  return {
    async createWorkspace({ name, plan, seatPolicy, invitationTtlHours, owner }) {
      // The API lets the host, not a client, choose the seat policy: it always opens with the default.
      if (!seatPolicy.countInactiveAgents || !seatPolicy.reserveSeatsForInvitations) return { ok: false, errorType: 'SeatPolicyNotSupportedByThisDriver' };
      // A sign-up names no plan (anyone may sign up: a plan it picked would be a paid plan for free); it
      // opens on Free, and the plan is then set as the API's billing stand-in does, by the owner.
      const reply = await call('POST', '/workspaces', { body: { name, invitationTtlHours, owner } });
      if (reply.status !== 201) return outcome(reply);
      const { workspace, owner: created } = (reply.body as { state: { workspace: { id: string }; owner: { id: string } } }).state;
      workspaceId = workspace.id;
      if (plan === 'free') return outcome(reply);
      const paid = await call('PUT', '/plan', { as: created.id, body: { plan } });
      return outcome(paid.status === 200 ? reply : paid);
    },
    invite: (actor, { email, role, departments }) =>
      asActor(actor, async (as, ids) => {
        const departmentIdsNamed = departmentIds(ids, departments);
        if (!departmentIdsNamed) return NOT_FOUND.department;
        const reply = await call('POST', '/invitations', { as, body: { email, role, departmentIds: departmentIdsNamed } });
        if (reply.status === 201) {
          const { invitation } = (reply.body as { state: { invitation: { id: string; email: string } } }).state;
          latestInvitation.set(invitation.email, invitation.id);
        }
        return outcome(reply);
      }),
    resend: (actor, { email }) => {
      const id = latestInvitation.get(email);
      return asActor(actor, async (as) => (id === undefined ? NOT_FOUND.invitation : outcome(await call('POST', `/invitations/${id}/resend`, { as, body: {} }))));
    },
    revoke: (actor, { email }) => {
      const id = latestInvitation.get(email);
      return asActor(actor, async (as) => (id === undefined ? NOT_FOUND.invitation : outcome(await call('DELETE', `/invitations/${id}`, { as }))));
    },
    async tokenFor(email) {
      const { body } = await call('GET', `/__test__/last-link?to=${encodeURIComponent(email)}`);
      return (body.token as string | null) ?? null;
    },
    accept: async ({ token, name, password }) => outcome(await call('POST', '/invitations/accept', { body: { token, name, password } })),
    editAgent: (actor, { email, newEmail, ...rest }) =>
      onAgent(actor, email, (as, id) => call('PATCH', `/agents/${id}`, { as, body: { ...rest, ...(newEmail === undefined ? {} : { email: newEmail }) } })),
    changeRole: (actor, { email, role }) => onAgent(actor, email, (as, id) => call('PUT', `/agents/${id}/role`, { as, body: { role } })),
    activate: (actor, { email }) => onAgent(actor, email, (as, id) => call('POST', `/agents/${id}/activate`, { as, body: {} })),
    deactivate: (actor, { email }) => onAgent(actor, email, (as, id) => call('POST', `/agents/${id}/deactivate`, { as, body: {} })),
    setAvailability: (actor, { email, availability }) =>
      onAgent(actor, email, (as, id) => call('PUT', `/agents/${id}/availability`, { as, body: { availability } })),
    transferOwnership: (actor, { email, formerOwnerRole }) =>
      onAgent(actor, email, (as, id) => call('POST', '/ownership/transfer', { as, body: { toAgentId: id, formerOwnerRole } })),
    deleteAgent: (actor, { email }) => onAgent(actor, email, (as, id) => call('DELETE', `/agents/${id}`, { as })),
    createDepartment: (actor, { name }) => asActor(actor, async (as) => outcome(await call('POST', '/departments', { as, body: { name } }))),
    renameDepartment: (actor, { name, newName }) =>
      asActor(actor, async (as, ids) => {
        const id = ids.department(name);
        return id === undefined ? NOT_FOUND.department : outcome(await call('PATCH', `/departments/${id}`, { as, body: { name: newName } }));
      }),
    deleteDepartment: (actor, { name }) =>
      asActor(actor, async (as, ids) => {
        const id = ids.department(name);
        return id === undefined ? NOT_FOUND.department : outcome(await call('DELETE', `/departments/${id}`, { as }));
      }),
    assignDepartments: (actor, { email, departments }) =>
      asActor(actor, async (as, ids) => {
        const id = ids.agent(email);
        const named = departmentIds(ids, departments);
        if (id === undefined) return NOT_FOUND.agent;
        if (!named) return NOT_FOUND.department;
        return outcome(await call('POST', `/agents/${id}/departments`, { as, body: { departmentIds: named } }));
      }),
    removeFromDepartment: (actor, { email, department }) =>
      asActor(actor, async (as, ids) => {
        const id = ids.agent(email);
        const departmentId = ids.department(department);
        if (id === undefined) return NOT_FOUND.agent;
        if (departmentId === undefined) return NOT_FOUND.department;
        return outcome(await call('DELETE', `/agents/${id}/departments/${departmentId}`, { as }));
      }),
    changePlan: (actor, { plan }) => asActor(actor, async (as) => outcome(await call('PUT', '/plan', { as, body: { plan } }))),
    // No `changeSeatPolicy`: the API has no route for it, so the kit never generates that step here.
    advanceTime: async (hours) => void (await call('POST', `/__test__/clock?hours=${hours}`)),
    routeConversation: (input) =>
      onQueue(input, async (as, queue, before): Promise<RouteAnswer> => {
        const reply = await call('POST', `/queues/${queue}/conversations`, { as, body: { conversationId: input.conversation } });
        if (reply.status !== 201) return outcome(reply) as RouteAnswer;
        const routed = reply.body.outcome as RouteOutcome;
        if (routed.type === 'Queued') return { ok: true, waits: routed.why.reason };
        // The kit names people by email: the agent's, read back once the route committed, or, when
        // a step run at the same time deleted it meanwhile, as read before the route (whoever a
        // route picks is an agent when it starts).
        return { ok: true, assignedTo: (await lookUp()).email(routed.agentId) ?? before.email(routed.agentId) ?? routed.agentId };
      }),
    closeConversation: (input) =>
      onQueue(input, async (as, queue) => outcome(await call('POST', `/queues/${queue}/conversations/${input.conversation}/close`, { as, body: {} }))),
    snapshot: readBack,
  };
}
