import { evolveAgent, type Agent } from './agent';
import { evolveDepartment, type Department } from './department';
import type { RosterEvent } from './events';
import { evolveInvitation, type Invitation } from './invitation';
import { evolveWorkspace, type Workspace } from './workspace';
import { pure } from './pure';

/**
 * One workspace's whole roster as plain data: what replaying its events gives. Stores keep the
 * aggregates separately and apply decisions; this whole-state view serves replay, snapshots,
 * invariant checks and tests.
 */
export type RosterState = Readonly<{
  workspace: Workspace | null;
  agents: Readonly<Record<string, Agent>>;
  invitations: Readonly<Record<string, Invitation>>;
  departments: Readonly<Record<string, Department>>;
}>;

/** The roster before its `WorkspaceCreated`. */
export const initialRosterState: RosterState = { workspace: null, agents: {}, invitations: {}, departments: {} };

/** The `type` of every roster event, at run time. */
export const ROSTER_EVENT_TYPES: ReadonlySet<string> = /* @__PURE__ */ pure(() => new Set<RosterEvent['type']>(
  Object.keys({
    WorkspaceCreated: true,
    PlanChanged: true,
    WorkspaceSettingsChanged: true,
    InvitationSent: true,
    InvitationResent: true,
    InvitationRevoked: true,
    InvitationExpired: true,
    InvitationAccepted: true,
    AgentProfileEdited: true,
    AgentRoleChanged: true,
    AgentActivated: true,
    AgentDeactivated: true,
    AvailabilityChanged: true,
    OwnershipTransferred: true,
    AgentDeleted: true,
    DepartmentCreated: true,
    DepartmentRenamed: true,
    DepartmentDeleted: true,
    AgentAssignedToDepartments: true,
    AgentRemovedFromDepartment: true,
  } satisfies Record<RosterEvent['type'], true>) as RosterEvent['type'][],
));

type Targets = Readonly<{ agents: readonly string[]; invitations: readonly string[]; departments: readonly string[] }>;
const none: readonly string[] = [];

/** Which aggregates an event can change; the fold visits only those. */
function targetsOf(e: RosterEvent): Targets {
  switch (e.type) {
    case 'WorkspaceCreated':
      return { agents: [e.data.owner.agentId], invitations: none, departments: none };
    case 'InvitationSent':
    case 'InvitationResent':
    case 'InvitationRevoked':
    case 'InvitationExpired':
      return { agents: none, invitations: [e.data.invitationId], departments: none };
    case 'InvitationAccepted':
      return { agents: [e.data.agentId], invitations: [e.data.invitationId], departments: none };
    case 'OwnershipTransferred':
      return { agents: [e.data.from, e.data.to], invitations: none, departments: none };
    case 'DepartmentCreated':
    case 'DepartmentRenamed':
      return { agents: none, invitations: none, departments: [e.data.departmentId] };
    case 'DepartmentDeleted':
      return { agents: e.data.agentIds, invitations: e.data.invitationIds, departments: [e.data.departmentId] };
    case 'PlanChanged':
    case 'WorkspaceSettingsChanged':
      return { agents: none, invitations: none, departments: none };
    default:
      return { agents: [e.data.agentId], invitations: none, departments: none };
  }
}

function foldInto<T>(map: Map<string, T>, ids: readonly string[], evolve: (s: T | null, e: RosterEvent) => T | null, e: RosterEvent) {
  for (const id of ids) {
    const next = evolve(map.get(id) ?? null, e);
    if (next === null) map.delete(id);
    else map.set(id, next);
  }
}

/**
 * Replays events onto a roster (the empty one by default). `replay(events)` of a workspace's
 * whole history gives its current state: that is what "state is a fold of its events" means.
 *
 * @example const after = replay(decision.events, before) // the roster once the decision's events are stored
 */
export function replay(events: Iterable<RosterEvent | Readonly<{ type: string }>>, from: RosterState = initialRosterState): RosterState {
  let workspace = from.workspace;
  const agents = new Map(Object.entries(from.agents));
  const invitations = new Map(Object.entries(from.invitations));
  const departments = new Map(Object.entries(from.departments));
  for (const e of events) {
    // A workspace's log also holds routing events; they change queues, not the roster.
    if (!ROSTER_EVENT_TYPES.has(e.type)) continue;
    const r = e as RosterEvent;
    workspace = evolveWorkspace(workspace, r);
    const targets = targetsOf(r);
    foldInto(agents, targets.agents, evolveAgent, r);
    foldInto(invitations, targets.invitations, evolveInvitation, r);
    foldInto(departments, targets.departments, evolveDepartment, r);
  }
  return {
    workspace,
    agents: Object.fromEntries(agents),
    invitations: Object.fromEntries(invitations),
    departments: Object.fromEntries(departments),
  };
}

/** Applies one event to a roster. Copies the roster's records: use {@link replay} for many events. */
export function evolveRoster(state: RosterState, e: RosterEvent): RosterState {
  return replay([e], state);
}
