/**
 * State changes that more than one aggregate module makes, one small function each, shared by the
 * `evolve` folds and by the commands that make that change.
 *
 * Why commands do not simply fold their events through `evolveWorkspace` / `evolveAgent`: a
 * bundle that imports one command would then carry every transition of every event (each evolve
 * is one `switch`, and a bundler keeps a function whole). A command that calls the one transition
 * it makes ships only that. Events and state still cannot disagree: the evolve folds call these
 * same functions, and test/domain/replay.test.ts checks for every command that its decision's
 * state equals the fold of its events.
 *
 * Internal: not re-exported from the package (src/domain/index.ts does not list this module).
 *
 * @module
 */
import type { Agent, Role, Status } from './agent';
import type { AgentId, DepartmentId, WorkspaceId } from './ids';
import type { IsoTime } from './time';
import type { Email } from './values';
import type { Plan } from './plans';
import type { Workspace } from './workspace';

/**
 * The workspace with its counters moved: active agents, inactive agents, pending invitations,
 * departments. Positional deltas rather than a `{ activeAgents: 1 }` object: nothing is allocated
 * but the new workspace, and property names, which minifiers keep, are not repeated at every
 * call. Only the named transitions below call it, so each change of the counters is written once.
 */
function recounted(workspace: Workspace, active: number, inactive: number, pending: number, departments: number): Workspace {
  const c = workspace.counts;
  return {
    ...workspace,
    counts: {
      activeAgents: c.activeAgents + active,
      inactiveAgents: c.inactiveAgents + inactive,
      pendingInvitations: c.pendingInvitations + pending,
      departments: c.departments + departments,
    },
  };
}

/** An invitation sent, or an expired one revived by a resend: one more pending invitation. */
export function invitationOpened(workspace: Workspace): Workspace {
  return recounted(workspace, 0, 0, 1, 0);
}

/** `count` pending invitations revoked or expired. */
export function invitationsClosed(workspace: Workspace, count: number): Workspace {
  return recounted(workspace, 0, 0, -count, 0);
}

/** An invitation accepted: one fewer pending invitation, one more active agent. */
export function invitationAccepted(workspace: Workspace): Workspace {
  return recounted(workspace, 1, 0, -1, 0);
}

/** An agent activated (`to: 'active'`) or deactivated. */
export function statusChanged(workspace: Workspace, to: Status): Workspace {
  return to === 'active' ? recounted(workspace, 1, -1, 0, 0) : recounted(workspace, -1, 1, 0, 0);
}

/** An agent deleted, uncounted from where its status counted it. */
export function agentRemoved(workspace: Workspace, status: Status): Workspace {
  return status === 'active' ? recounted(workspace, -1, 0, 0, 0) : recounted(workspace, 0, -1, 0, 0);
}

/** A department created (`+1`) or deleted (`-1`). */
export function departmentsCounted(workspace: Workspace, delta: 1 | -1): Workspace {
  return recounted(workspace, 0, 0, 0, delta);
}

/** The workspace on another plan. */
export function withPlan(workspace: Workspace, plan: Plan): Workspace {
  return { ...workspace, plan };
}

/** The workspace with another owner. */
export function ownedBy(workspace: Workspace, ownerId: AgentId): Workspace {
  return { ...workspace, ownerId };
}

/** A new agent: the owner of a new workspace, or an invitation accepted. Active, away, no description. */
export function joined(
  workspaceId: WorkspaceId,
  joinedAt: IsoTime,
  d: Readonly<{ agentId: AgentId; email: Email; name: string; role: Role; departmentIds: readonly DepartmentId[] }>,
): Agent {
  return {
    kind: 'agent',
    id: d.agentId,
    workspaceId,
    email: d.email,
    name: d.name,
    description: '',
    role: d.role,
    status: 'active',
    availability: 'away',
    departmentIds: d.departmentIds,
    joinedAt,
  };
}

/** The agent with another role (a role change, or either side of an ownership transfer). */
export function withRole(agent: Agent, role: Role): Agent {
  return { ...agent, role };
}

/** The agent in these departments too; the ones it is in already are not repeated. */
export function withDepartments(agent: Agent, departmentIds: readonly DepartmentId[]): Agent {
  return { ...agent, departmentIds: [...agent.departmentIds, ...departmentIds.filter((d) => !agent.departmentIds.includes(d))] };
}
