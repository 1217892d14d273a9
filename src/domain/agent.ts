import { err, ok, type Result } from 'neverthrow';
import { decided, parseInput, type Decision } from './command';
import type {
  AgentInactive,
  AgentNotFound,
  EmailAlreadyExists,
  OwnerCannotBeDeleted,
  OwnerMustStayAdmin,
  PermissionDenied,
  SeatLimitReached,
  ValidationFailed,
} from './errors';
import * as fail from './failures';
import { event, type RosterEvent } from './events';
import type { AgentId, DepartmentId, WorkspaceId } from './ids';
import { authorizeMember, denied, ownersEmailByAnother } from './access';
import {
  agentTargetSchema,
  changeRoleSchema,
  editAgentSchema,
  setAvailabilitySchema,
  type ChangeRoleInput,
  type EditAgentInput,
  type SetAvailabilityInput,
  type AgentTargetInput,
} from './schemas';
import { isoTime, type IsoTime } from './time';
import type { Email } from './values';
import { agentRemoved, joined, PROFILE, statusChanged, withDepartments, withRole } from './transitions';
import { requireOneSeat } from './seats';
import type { Workspace } from './workspace';

/** `admin` is "Full access", `agent` is "Limited access". */
export type Role = 'admin' | 'agent';
/** Active agents chat; inactive ones keep settings and statistics but cannot chat. */
export type Status = 'active' | 'inactive';
/** Online agents receive routed conversations; away agents keep what they have. */
export type Availability = 'online' | 'away';

/** A person on the team. */
export interface Agent extends Readonly<{
  kind: 'agent';
  id: AgentId;
  workspaceId: WorkspaceId;
  email: Email;
  name: string;
  description: string;
  role: Role;
  status: Status;
  availability: Availability;
  departmentIds: readonly DepartmentId[];
  joinedAt: IsoTime;
}> {}

/** Where an agent is marked as removed in a decision. */
export type Removed<K extends string, I> = Readonly<{ kind: K; id: I; removed: true }>;

/** What a `(state, event)` fold needs: the aggregate or `null` when it does not exist (yet). */
export function evolveAgent(agent: Agent | null, e: RosterEvent): Agent | null {
  switch (e.type) {
    case 'WorkspaceCreated':
      return created(agent, joined(e.workspaceId, e.occurredAt, { ...e.data.owner, role: 'admin', departmentIds: [] }));
    case 'InvitationAccepted':
      return created(agent, joined(e.workspaceId, e.occurredAt, e.data));
    default:
      break;
  }
  if (agent === null) return null;
  switch (e.type) {
    case 'AgentProfileEdited':
      return e.data.agentId === agent.id ? withProfile(agent, e.data) : agent;
    case 'AgentRoleChanged':
      return e.data.agentId === agent.id ? withRole(agent, e.data.to) : agent;
    case 'AgentActivated':
    case 'AgentDeactivated':
      return e.data.agentId === agent.id ? withStatus(agent, e.type === 'AgentActivated' ? 'active' : 'inactive') : agent;
    case 'AvailabilityChanged':
      return e.data.agentId === agent.id ? { ...agent, availability: e.data.availability } : agent;
    case 'OwnershipTransferred':
      if (e.data.to === agent.id) return withRole(agent, 'admin');
      if (e.data.from === agent.id) return withRole(agent, e.data.formerOwnerRole);
      return agent;
    case 'AgentDeleted':
      return e.data.agentId === agent.id ? null : agent;
    case 'AgentAssignedToDepartments':
      return e.data.agentId === agent.id ? withDepartments(agent, e.data.departmentIds) : agent;
    case 'AgentRemovedFromDepartment':
      return e.data.agentId === agent.id ? withoutDepartment(agent, e.data.departmentId) : agent;
    case 'DepartmentDeleted':
      return withoutDepartment(agent, e.data.departmentId);
    default:
      return agent;
  }
}

/**
 * A creation event for an id that already exists means the caller reused an id: a programming
 * error, not a rule violation, so it throws rather than silently keeping one of the two.
 */
export function created<T extends { kind: string; id: string }>(existing: T | null, fresh: T): T {
  if (existing !== null) throw new Error(`${fresh.kind} ${fresh.id} already exists: ids must be new for every creation`);
  return fresh;
}

/**
 * The holder (an agent or an invitation) without one department, or the very same object when it
 * was not in it, so callers can tell "nothing changed" by identity. Used when an agent leaves a
 * department and when a department is deleted.
 *
 * @example withoutDepartment(agent, salesId).departmentIds.includes(salesId) // false
 */
function withoutDepartment<T extends { departmentIds: readonly DepartmentId[] }>(holder: T, departmentId: DepartmentId): T {
  return holder.departmentIds.includes(departmentId)
    ? { ...holder, departmentIds: holder.departmentIds.filter((d) => d !== departmentId) }
    : holder;
}
export { withoutDepartment };

/** The fields of an agent's profile: what `editAgent` changes and `AgentProfileEdited` carries. */
type Profile = { name?: string; email?: Email; description?: string };

/** The agent with the profile fields an `AgentProfileEdited` carries; absent ones stay. */
function withProfile(agent: Agent, d: Readonly<Profile>): Agent {
  const edited: Record<string, unknown> = { ...agent };
  for (const key of PROFILE) if (d[key] !== undefined) edited[key] = d[key];
  return edited as Agent;
}

/** The agent activated, or deactivated (which also sets it away). */
function withStatus(agent: Agent, status: Status): Agent {
  return status === 'active' ? { ...agent, status } : { ...agent, status, availability: 'away' };
}

/** The agent named by a command, if it really is an agent of this workspace. */
export function requireAgent(
  workspace: Workspace,
  agent: Agent | null | undefined,
  agentId: AgentId,
): Result<Agent, AgentNotFound> {
  return isAgentOf(workspace, agent, agentId) ? ok(agent) : err(fail.agentNotFound(agentId));
}

/** {@link requireAgent} as a test, for commands written without a Result chain. */
function isAgentOf(workspace: Workspace, agent: Agent | null | undefined, agentId: AgentId): agent is Agent {
  return !!agent && agent.id === agentId && agent.workspaceId === workspace.id;
}

/**
 * The permission `editAgent` and `setAvailability` check: every agent manages its own profile and
 * availability (`manageOwnProfile`); doing it for someone else takes `manageAgents`. Checked
 * before the lookup, so a non-admin cannot probe which agent ids exist. Exported so a host (and
 * the roster) can check it before asking its own services anything about the change.
 *
 * @example authorizeOnAgent(bob, ana.id, workspace).isErr() // true: Bob is not an admin
 */
export function authorizeOnAgent(actor: Agent, agentId: AgentId, workspace: Workspace): Result<void, PermissionDenied> {
  return authorizeMember(actor, agentId === actor.id ? 'manageOwnProfile' : 'manageAgents', workspace);
}

/** The state most agent commands need: the workspace, who acts, and the agent acted on. */
export type AgentCommandState = Readonly<{ workspace: Workspace; actor: Agent; agent: Agent | null | undefined }>;
/** Facts every command gets from its caller. */
export type Now = Readonly<{ now: Date }>;

type AgentDecision = Decision<{ agent: Agent }>;

/** Errors of {@link editAgent}. */
export type EditAgentError = ValidationFailed | PermissionDenied | AgentNotFound | EmailAlreadyExists;

/**
 * Edits an agent's name, email or description. Admins edit anyone; every agent edits itself;
 * only the owner changes the owner's email (`PermissionDenied`, reason `'not-owner'`, for any
 * other member who tries, admin or not). A new email obeys the same uniqueness rules as an
 * invitation, so the caller says who holds it.
 *
 * @example editAgent({ workspace, actor: ana, agent: bob }, { agentId: bob.id, name: 'Bob B.' }, { now, emailStatus: 'available' })
 */
export function editAgent(
  state: AgentCommandState,
  input: EditAgentInput,
  context: Now & Readonly<{ /** Who holds the new email; read only when the email changes. */ emailStatus: EmailStatus }>,
): Result<AgentDecision, EditAgentError> {
  // Straight-line rather than a neverthrow chain, as in changeRole: no closure and no Result per
  // step (docs/performance.md), and a smaller bundle. Same checks, same order.
  const parsed = parseInput(editAgentSchema, input);
  if (parsed.isErr()) return err(parsed.error);
  const i = parsed.value;
  const { workspace, actor, agent } = state;
  // The owner's email is the owner's login: an admin who could change it could reset the owner's
  // password through their own mailbox, and ownership changes hands only by transferOwnership.
  // No member but the owner changes it, whatever their role, so that is the refusal any other
  // member hears, before the role check (an agent told "an admin may" would be told wrong).
  // Decided before the holder is read, so it tells nothing about the email.
  if (i.email !== undefined && i.email !== agent?.email && ownersEmailByAnother(actor, i.agentId, workspace)) {
    return denied(actor, 'manageAgents', 'not-owner', "only the owner can change the owner's email address.");
  }
  const allowed = authorizeOnAgent(actor, i.agentId, workspace);
  if (allowed.isErr()) return err(allowed.error);
  if (!isAgentOf(workspace, agent, i.agentId)) return err(fail.agentNotFound(i.agentId));
  // The fields given that differ from the agent's, in PROFILE's order (the event's data follows it).
  const changes: Profile = {};
  for (const key of PROFILE) if (i[key] !== undefined && i[key] !== agent[key]) (changes as Record<string, unknown>)[key] = i[key];
  if (changes.email !== undefined) {
    const taken = refuseTakenEmail(changes.email, context.emailStatus);
    if (taken.isErr()) return err(taken.error);
  }
  if (Object.keys(changes).length === 0) return ok(decided({ agent }, []));
  const events = [event('AgentProfileEdited', workspace.id, isoTime(context.now), { agentId: agent.id, editedBy: actor.id, ...changes })];
  // `changes` holds only profile fields, none undefined: spread over the agent, it is what
  // withProfile makes of the event (invariant 8 checks the two agree), in fewer bytes.
  return ok(decided({ agent: { ...agent, ...changes } }, events));
}

/**
 * Who holds an email, as the caller's store and account directory see it.
 * `available` means nobody: not a standalone account, not an agent here, not a pending invitation here.
 */
export type EmailStatus = 'available' | 'standalone-account' | 'agent' | 'pending-invitation';

/**
 * Refuses an email someone already holds. A missing or unknown `emailStatus` is a caller bug
 * (a fact was not looked up), so it throws rather than guessing either way.
 */
export function refuseTakenEmail(email: Email, status: EmailStatus): Result<void, EmailAlreadyExists> {
  if (status === 'available') return ok(undefined);
  if (Object.hasOwn(fail.HELD_BY, status)) return err(fail.emailAlreadyExists({ email, holder: status as EmailAlreadyExists['holder'] }));
  throw new TypeError(`context.emailStatus is not an EmailStatus: ${String(status)}`);
}

/** Errors of {@link changeRole}. */
export type ChangeRoleError = ValidationFailed | PermissionDenied | AgentNotFound | OwnerMustStayAdmin;

/**
 * Promotes an agent to admin or demotes it to agent. The owner stays admin.
 *
 * @example changeRole({ workspace, actor: owner, agent: bob }, { agentId: bob.id, role: 'admin' }, { now })
 */
export function changeRole(
  state: AgentCommandState,
  input: ChangeRoleInput,
  context: Now,
): Result<AgentDecision, ChangeRoleError> {
  // Straight-line rather than a neverthrow chain: each step of a chain allocates a closure and a
  // Result, a measurable share of a command this cheap (docs/performance.md). Same checks, same order.
  const parsed = parseInput(changeRoleSchema, input);
  if (parsed.isErr()) return err(parsed.error);
  const i = parsed.value;
  const { workspace, actor } = state;
  const allowed = authorizeMember(actor, 'manageAgents', workspace);
  if (allowed.isErr()) return err(allowed.error);
  const agent = state.agent;
  if (!isAgentOf(workspace, agent, i.agentId)) return err(fail.agentNotFound(i.agentId));
  if (agent.role === i.role) return ok(decided({ agent }, []));
  if (agent.id === workspace.ownerId) return err(fail.ownerMustStayAdmin(agent.id));
  const changed = event('AgentRoleChanged', workspace.id, isoTime(context.now), {
    agentId: agent.id,
    from: agent.role,
    to: i.role,
    changedBy: actor.id,
  });
  return ok(decided({ agent: withRole(agent, i.role) }, [changed]));
}

type StatusDecision = Decision<{ workspace: Workspace; agent: Agent }>;

/** Errors of {@link activateAgent}. */
export type ActivateAgentError = ValidationFailed | PermissionDenied | AgentNotFound | SeatLimitReached;

/**
 * Lets an agent chat again. Needs a free seat when the seat policy does not count inactive agents.
 *
 * @example activateAgent({ workspace, actor: owner, agent: bob }, { agentId: bob.id }, { now })
 */
export function activateAgent(
  state: AgentCommandState,
  input: AgentTargetInput,
  context: Now,
): Result<StatusDecision, ActivateAgentError> {
  return changeStatus(state, input, context, 'active');
}

/** Errors of {@link deactivateAgent}. */
export type DeactivateAgentError = ValidationFailed | PermissionDenied | AgentNotFound;

/**
 * Stops an agent from chatting; it goes away too. The owner may be inactive. It is not a lockout:
 * an inactive admin keeps its admin powers and can reactivate itself, so demote it to `agent`
 * first to take management away (docs/agent.md).
 *
 * @example deactivateAgent({ workspace, actor: owner, agent: bob }, { agentId: bob.id }, { now })
 */
export function deactivateAgent(
  state: AgentCommandState,
  input: AgentTargetInput,
  context: Now,
): Result<StatusDecision, DeactivateAgentError> {
  return changeStatus(state, input, context, 'inactive') as Result<StatusDecision, DeactivateAgentError>;
}

function changeStatus(
  state: AgentCommandState,
  input: AgentTargetInput,
  context: Now,
  to: Status,
): Result<StatusDecision, ActivateAgentError> {
  const { workspace, actor } = state;
  return parseInput(agentTargetSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageAgents', workspace))
    .andThen((i) => requireAgent(workspace, state.agent, i.agentId))
    .andThen((agent) => {
      if (agent.status === to) return ok(decided({ workspace, agent }, []));
      const at = isoTime(context.now);
      const events =
        to === 'active'
          ? [event('AgentActivated', workspace.id, at, { agentId: agent.id, activatedBy: actor.id })]
          : [event('AgentDeactivated', workspace.id, at, { agentId: agent.id, deactivatedBy: actor.id })];
      const next = statusChanged(workspace, to);
      return requireOneSeat(workspace, next).map(() => decided({ workspace: next, agent: withStatus(agent, to) }, events));
    });
}

/** Errors of {@link setAvailability}. */
export type SetAvailabilityError = ValidationFailed | PermissionDenied | AgentNotFound | AgentInactive;

/**
 * Sets an agent online or away. Agents set their own; admins may set anyone's. An inactive agent
 * cannot go online.
 *
 * @example setAvailability({ workspace, actor: bob, agent: bob }, { agentId: bob.id, availability: 'online' }, { now })
 */
export function setAvailability(
  state: AgentCommandState,
  input: SetAvailabilityInput,
  context: Now,
): Result<AgentDecision, SetAvailabilityError> {
  // Straight-line for the same reason as changeRole.
  const parsed = parseInput(setAvailabilitySchema, input);
  if (parsed.isErr()) return err(parsed.error);
  const i = parsed.value;
  const { workspace, actor } = state;
  const allowed = authorizeOnAgent(actor, i.agentId, workspace);
  if (allowed.isErr()) return err(allowed.error);
  const agent = state.agent;
  if (!isAgentOf(workspace, agent, i.agentId)) return err(fail.agentNotFound(i.agentId));
  if (agent.availability === i.availability) return ok(decided({ agent }, []));
  if (i.availability === 'online' && agent.status === 'inactive') return err(fail.agentInactive(agent.id));
  const changed = event('AvailabilityChanged', workspace.id, isoTime(context.now), {
    agentId: agent.id,
    availability: i.availability,
    changedBy: actor.id,
  });
  return ok(decided({ agent: { ...agent, availability: i.availability } }, [changed]));
}

/** Errors of {@link deleteAgent}. */
export type DeleteAgentError = ValidationFailed | PermissionDenied | AgentNotFound | OwnerCannotBeDeleted;

/**
 * Deletes an agent: its seat is freed and it leaves its departments. The owner cannot be deleted;
 * transfer ownership first.
 *
 * @example deleteAgent({ workspace, actor: owner, agent: bob }, { agentId: bob.id }, { now })
 */
export function deleteAgent(
  state: AgentCommandState,
  input: AgentTargetInput,
  context: Now,
): Result<Decision<{ workspace: Workspace; agent: Removed<'agent', AgentId> }>, DeleteAgentError> {
  const { workspace, actor } = state;
  return parseInput(agentTargetSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageAgents', workspace))
    .andThen((i) => requireAgent(workspace, state.agent, i.agentId))
    .andThen((agent) => {
      if (agent.id === workspace.ownerId) return err(fail.ownerCannotBeDeleted(agent.id));
      const events = [
        event('AgentDeleted', workspace.id, isoTime(context.now), {
          agentId: agent.id,
          email: agent.email,
          status: agent.status,
          deletedBy: actor.id,
        }),
      ];
      return ok(
        decided(
          {
            workspace: agentRemoved(workspace, agent.status),
            agent: { kind: 'agent', id: agent.id, removed: true } as const,
          },
          events,
        ),
      );
    });
}
