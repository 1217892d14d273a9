import type { Capability } from './permissions';
import type { AgentId, DepartmentId, InvitationId } from './ids';
import type { Email } from './values';
import type { IsoTime } from './time';
import type { InvitationStatus } from './invitation';

/**
 * Each error is a plain, serializable object tagged by a stable `type` that a UI can translate,
 * carrying the data that UI needs and an English `message`. Never a token, never a password.
 * Plain objects rather than classes: `instanceof` breaks when a package loads as both ESM and CJS.
 */
type Failure<T extends string, D = object> = Readonly<{ type: T; message: string } & D>;

/** One bad field of an input. `path` is dotted (`departmentIds.2`); `''` for the input itself. */
export type FieldIssue = Readonly<{ path: string; message: string }>;

/** The input did not match its schema. Lists every bad field at once. */
export type ValidationFailed = Failure<'ValidationFailed', { issues: readonly FieldIssue[] }>;
/** The acting agent lacks a capability; `reason` says why. */
export type PermissionDenied = Failure<
  'PermissionDenied',
  { capability: Capability; reason: 'role' | 'inactive' | 'not-owner' | 'not-a-member'; actorId: AgentId }
>;
/** No such agent in this workspace (agents of other workspaces are not found either). */
export type AgentNotFound = Failure<'AgentNotFound', { agentId: AgentId }>;
/** No such invitation in this workspace. */
export type InvitationNotFound = Failure<'InvitationNotFound', { invitationId: InvitationId }>;
/** No such department in this workspace. */
export type DepartmentNotFound = Failure<'DepartmentNotFound', { departmentId: DepartmentId }>;
/** The plan id is not in the host's catalog. */
export type PlanNotFound = Failure<'PlanNotFound', { planId: string }>;
/** The email is taken: by a standalone account, by an agent here, or by a pending invitation here. */
export type EmailAlreadyExists = Failure<
  'EmailAlreadyExists',
  { email: Email; holder: 'standalone-account' | 'agent' | 'pending-invitation' }
>;
/** The change would take more seats than the plan has: `used` now, `requested` after the change. */
export type SeatLimitReached = Failure<'SeatLimitReached', { limit: number; used: number; requested: number }>;
/** Creating one more department would go over the plan. */
export type DepartmentLimitReached = Failure<'DepartmentLimitReached', { limit: number; used: number }>;
/** A downgrade below current usage: the numbers tell the admin what to free first. */
export type PlanLimitsExceeded = Failure<
  'PlanLimitsExceeded',
  {
    planId: string;
    seats: Readonly<{ used: number; allowed: number | null }>;
    departments: Readonly<{ used: number; allowed: number | null }>;
  }
>;
/** The token matches no invitation. Deliberately the same whatever the email or workspace. */
export type InvalidToken = Failure<'InvalidToken'>;
/** The invitation link is past its expiry. */
export type InvitationHasExpired = Failure<'InvitationHasExpired', { expiredAt: IsoTime }>;
/** The invitation was already used. */
export type InvitationAlreadyAccepted = Failure<'InvitationAlreadyAccepted'>;
/** The invitation was revoked by an admin. */
export type InvitationWasRevoked = Failure<'InvitationWasRevoked'>;
/** Resend or revoke of an invitation that is no longer pending. */
export type InvitationNotPending = Failure<'InvitationNotPending', { invitationId: InvitationId; status: InvitationStatus }>;
/** Accepting while signed in as another email: the invitation is for its own email only. */
export type SignedInAsDifferentEmail = Failure<'SignedInAsDifferentEmail'>;
/** The password breaks the password policy. */
export type WeakPassword = Failure<
  'WeakPassword',
  { reason: 'too-short' | 'too-long' | 'breached'; minLength: number; maxLength: number }
>;
/** The owner cannot be deleted: transfer ownership first. */
export type OwnerCannotBeDeleted = Failure<'OwnerCannotBeDeleted', { agentId: AgentId }>;
/** The owner is always an admin. */
export type OwnerMustStayAdmin = Failure<'OwnerMustStayAdmin', { agentId: AgentId }>;
/** Ownership transfer to the agent that already owns the workspace. */
export type AlreadyOwner = Failure<'AlreadyOwner', { agentId: AgentId }>;
/** An inactive agent cannot go online. */
export type AgentInactive = Failure<'AgentInactive', { agentId: AgentId }>;
/** Department names are unique in a workspace, compared case-insensitively. */
export type DepartmentNameTaken = Failure<'DepartmentNameTaken', { name: string }>;

/** Every error a domain command can return. */
export type DomainError =
  | ValidationFailed
  | PermissionDenied
  | AgentNotFound
  | InvitationNotFound
  | DepartmentNotFound
  | PlanNotFound
  | EmailAlreadyExists
  | SeatLimitReached
  | DepartmentLimitReached
  | PlanLimitsExceeded
  | InvalidToken
  | InvitationHasExpired
  | InvitationAlreadyAccepted
  | InvitationWasRevoked
  | InvitationNotPending
  | SignedInAsDifferentEmail
  | WeakPassword
  | OwnerCannotBeDeleted
  | OwnerMustStayAdmin
  | AlreadyOwner
  | AgentInactive
  | DepartmentNameTaken;

/** The `type` of every {@link DomainError}. */
export type DomainErrorType = DomainError['type'];

type DataOf<E extends DomainError> = Omit<E, 'type' | 'message'>;

/** Builders keep messages in one place, so every surface shows the same words for an error. */
export const fail = {
  agentNotFound: (agentId: AgentId): AgentNotFound => ({
    type: 'AgentNotFound',
    agentId,
    message: `No agent ${agentId} in this workspace.`,
  }),
  invitationNotFound: (invitationId: InvitationId): InvitationNotFound => ({
    type: 'InvitationNotFound',
    invitationId,
    message: `No invitation ${invitationId} in this workspace.`,
  }),
  departmentNotFound: (departmentId: DepartmentId): DepartmentNotFound => ({
    type: 'DepartmentNotFound',
    departmentId,
    message: `No department ${departmentId} in this workspace.`,
  }),
  planNotFound: (planId: string): PlanNotFound => ({
    type: 'PlanNotFound',
    planId,
    message: `No plan "${planId}" in the catalog.`,
  }),
  emailAlreadyExists: (d: DataOf<EmailAlreadyExists>): EmailAlreadyExists => ({
    type: 'EmailAlreadyExists',
    ...d,
    message: {
      'standalone-account': `Email already exists: ${d.email} is registered as a separate standalone account. Ask its owner to delete that account, or use another email.`,
      agent: `Email already exists: ${d.email} is already an agent of this workspace.`,
      'pending-invitation': `Email already exists: ${d.email} already has a pending invitation; resend it instead.`,
    }[d.holder],
  }),
  seatLimitReached: (d: DataOf<SeatLimitReached>): SeatLimitReached => ({
    type: 'SeatLimitReached',
    ...d,
    message:
      d.requested === d.used + 1
        ? `All ${d.limit} seats of the plan are taken (${d.used} used). Upgrade the plan or free a seat.`
        : `This change needs ${d.requested} seats but the plan has ${d.limit} (${d.used} used now). Upgrade the plan or free seats.`,
  }),
  departmentLimitReached: (d: DataOf<DepartmentLimitReached>): DepartmentLimitReached => ({
    type: 'DepartmentLimitReached',
    ...d,
    message: `The plan allows ${d.limit} department(s) and ${d.used} exist. Upgrade the plan or delete a department.`,
  }),
  planLimitsExceeded: (d: DataOf<PlanLimitsExceeded>): PlanLimitsExceeded => ({
    type: 'PlanLimitsExceeded',
    ...d,
    message: `Plan "${d.planId}" is too small: seats ${d.seats.used} used vs ${d.seats.allowed ?? 'unlimited'} allowed, departments ${d.departments.used} used vs ${d.departments.allowed ?? 'unlimited'} allowed.`,
  }),
  invalidToken: (): InvalidToken => ({
    type: 'InvalidToken',
    message: 'This invitation link is not valid. Ask an admin to send a new one.',
  }),
  invitationExpired: (expiredAt: IsoTime): InvitationHasExpired => ({
    type: 'InvitationHasExpired',
    expiredAt,
    message: `This invitation expired at ${expiredAt}. Ask an admin to resend it.`,
  }),
  invitationAlreadyAccepted: (): InvitationAlreadyAccepted => ({
    type: 'InvitationAlreadyAccepted',
    message: 'This invitation has already been used. Sign in instead.',
  }),
  invitationRevoked: (): InvitationWasRevoked => ({
    type: 'InvitationWasRevoked',
    message: 'This invitation was withdrawn by an admin.',
  }),
  invitationNotPending: (invitationId: InvitationId, status: InvitationStatus): InvitationNotPending => ({
    type: 'InvitationNotPending',
    invitationId,
    status,
    message: `Invitation ${invitationId} is ${status}, not pending.`,
  }),
  signedInAsDifferentEmail: (): SignedInAsDifferentEmail => ({
    type: 'SignedInAsDifferentEmail',
    message:
      'You are signed in with a different email than this invitation was sent to. Sign out, or open the link in another browser.',
  }),
  weakPassword: (d: DataOf<WeakPassword>): WeakPassword => ({
    type: 'WeakPassword',
    ...d,
    message:
      d.reason === 'breached'
        ? 'This password appears in known data breaches. Choose another.'
        : `The password must be ${d.minLength} to ${d.maxLength} characters long.`,
  }),
  ownerCannotBeDeleted: (agentId: AgentId): OwnerCannotBeDeleted => ({
    type: 'OwnerCannotBeDeleted',
    agentId,
    message: 'The owner cannot be deleted. Transfer ownership to another agent first.',
  }),
  ownerMustStayAdmin: (agentId: AgentId): OwnerMustStayAdmin => ({
    type: 'OwnerMustStayAdmin',
    agentId,
    message: 'The owner is always an admin. Transfer ownership first to change this role.',
  }),
  alreadyOwner: (agentId: AgentId): AlreadyOwner => ({
    type: 'AlreadyOwner',
    agentId,
    message: 'This agent already owns the workspace.',
  }),
  agentInactive: (agentId: AgentId): AgentInactive => ({
    type: 'AgentInactive',
    agentId,
    message: 'An inactive agent cannot go online. Activate the agent first.',
  }),
  departmentNameTaken: (name: string): DepartmentNameTaken => ({
    type: 'DepartmentNameTaken',
    name,
    message: `A department named "${name}" already exists.`,
  }),
};
