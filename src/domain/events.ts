import type { Role, Status, Availability } from './agent';
import type { AgentId, DepartmentId, InvitationId, TokenHash, WorkspaceId } from './ids';
import type { Plan, SeatPolicy } from './plans';
import type { IsoTime } from './time';
import type { Email } from './values';

/**
 * The shape every roster event shares. Events are facts in the past tense, each a plain object
 * with a stable `type`, the workspace it happened in, when, and its data. They carry everything
 * every aggregate's `evolve` needs, so replaying them rebuilds state exactly. No event holds a
 * secret: invitations keep only the SHA-256 of a 256-bit token, which cannot be turned back
 * into a working link.
 *
 * @example type Renamed = EventEnvelope<'DepartmentRenamed', { departmentId: DepartmentId; from: string; to: string }>;
 */
export type EventEnvelope<T extends string, D> = Readonly<{ type: T; workspaceId: WorkspaceId; occurredAt: IsoTime; data: Readonly<D> }>;

/** A workspace was opened, with its owner as its first agent. */
export type WorkspaceCreated = EventEnvelope<
  'WorkspaceCreated',
  {
    name: string;
    plan: Plan;
    seatPolicy: SeatPolicy;
    invitationTtlHours: number;
    owner: Readonly<{ agentId: AgentId; email: Email; name: string }>;
  }
>;
/** The workspace moved to another plan. */
export type PlanChanged = EventEnvelope<'PlanChanged', { from: Plan; to: Plan }>;
/** Workspace settings changed; only the changed settings are present. */
export type WorkspaceSettingsChanged = EventEnvelope<
  'WorkspaceSettingsChanged',
  { name?: string; seatPolicy?: SeatPolicy; invitationTtlHours?: number }
>;
/** An invitation was created and its email queued. */
export type InvitationSent = EventEnvelope<
  'InvitationSent',
  {
    invitationId: InvitationId;
    email: Email;
    role: Role;
    departmentIds: readonly DepartmentId[];
    invitedBy: AgentId;
    tokenHash: TokenHash;
    expiresAt: IsoTime;
  }
>;
/** A new link replaced the old one; `revived` when the invitation had expired and pends again. */
export type InvitationResent = EventEnvelope<
  'InvitationResent',
  {
    invitationId: InvitationId;
    tokenHash: TokenHash;
    expiresAt: IsoTime;
    /** The invitation's departments after the resend (deleted ones dropped on revival). */
    departmentIds: readonly DepartmentId[];
    resentBy: AgentId;
    revived: boolean;
  }
>;
/** An admin withdrew a pending invitation; its seat is free again. */
export type InvitationRevoked = EventEnvelope<'InvitationRevoked', { invitationId: InvitationId; revokedBy: AgentId }>;
/** A pending invitation passed its expiry and no longer holds a seat. */
export type InvitationExpired = EventEnvelope<'InvitationExpired', { invitationId: InvitationId; expiredAt: IsoTime }>;
/** The invitee accepted: the invitation is used and a new active agent joined. */
export type InvitationAccepted = EventEnvelope<
  'InvitationAccepted',
  {
    invitationId: InvitationId;
    agentId: AgentId;
    email: Email;
    name: string;
    role: Role;
    departmentIds: readonly DepartmentId[];
  }
>;
/** An agent's profile changed; only the changed fields are present. */
export type AgentProfileEdited = EventEnvelope<
  'AgentProfileEdited',
  { agentId: AgentId; editedBy: AgentId; name?: string; email?: Email; description?: string }
>;
/** An agent was promoted or demoted. */
export type AgentRoleChanged = EventEnvelope<'AgentRoleChanged', { agentId: AgentId; from: Role; to: Role; changedBy: AgentId }>;
/** An agent may chat again. */
export type AgentActivated = EventEnvelope<'AgentActivated', { agentId: AgentId; activatedBy: AgentId }>;
/** An agent can no longer chat; it is away from now on. */
export type AgentDeactivated = EventEnvelope<'AgentDeactivated', { agentId: AgentId; deactivatedBy: AgentId }>;
/** An agent went online or away. */
export type AvailabilityChanged = EventEnvelope<
  'AvailabilityChanged',
  { agentId: AgentId; availability: Availability; changedBy: AgentId }
>;
/** The workspace has a new owner; the former owner now has `formerOwnerRole`. */
export type OwnershipTransferred = EventEnvelope<
  'OwnershipTransferred',
  { from: AgentId; to: AgentId; formerOwnerRole: Role }
>;
/** An agent left the workspace, its seat and its departments. */
export type AgentDeleted = EventEnvelope<'AgentDeleted', { agentId: AgentId; email: Email; status: Status; deletedBy: AgentId }>;
/** A department was created. */
export type DepartmentCreated = EventEnvelope<'DepartmentCreated', { departmentId: DepartmentId; name: string }>;
/** A department was renamed. */
export type DepartmentRenamed = EventEnvelope<'DepartmentRenamed', { departmentId: DepartmentId; from: string; to: string }>;
/** A department was deleted and removed from the agents and pending invitations listed. */
export type DepartmentDeleted = EventEnvelope<
  'DepartmentDeleted',
  { departmentId: DepartmentId; agentIds: readonly AgentId[]; invitationIds: readonly InvitationId[] }
>;
/** An agent joined the listed departments (only the ones it was not already in). */
export type AgentAssignedToDepartments = EventEnvelope<
  'AgentAssignedToDepartments',
  { agentId: AgentId; departmentIds: readonly DepartmentId[] }
>;
/** An agent left one department. */
export type AgentRemovedFromDepartment = EventEnvelope<
  'AgentRemovedFromDepartment',
  { agentId: AgentId; departmentId: DepartmentId }
>;

/** Every event of the roster. */
export type RosterEvent =
  | WorkspaceCreated
  | PlanChanged
  | WorkspaceSettingsChanged
  | InvitationSent
  | InvitationResent
  | InvitationRevoked
  | InvitationExpired
  | InvitationAccepted
  | AgentProfileEdited
  | AgentRoleChanged
  | AgentActivated
  | AgentDeactivated
  | AvailabilityChanged
  | OwnershipTransferred
  | AgentDeleted
  | DepartmentCreated
  | DepartmentRenamed
  | DepartmentDeleted
  | AgentAssignedToDepartments
  | AgentRemovedFromDepartment;

/** The `type` of every {@link RosterEvent}. */
export type RosterEventType = RosterEvent['type'];

/** The event of a given type. */
export type EventOf<T extends RosterEventType> = Extract<RosterEvent, { type: T }>;

/** Builds an event; commands use it so envelopes are uniform. */
export function event<T extends RosterEventType>(
  type: T,
  workspaceId: WorkspaceId,
  occurredAt: IsoTime,
  data: EventOf<T>['data'],
): EventOf<T> {
  return { type, workspaceId, occurredAt, data } as EventOf<T>;
}
