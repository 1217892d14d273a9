import type { Capability } from './permissions';
import type { AgentId, DepartmentId, InvitationId } from './ids';
import type { Email } from './values';
import type { IsoTime } from './time';
import type { InvitationStatus } from './invitation';

/**
 * The shape every domain error shares: a plain, serializable object tagged by a stable `type`
 * that a UI can translate, carrying the data that UI needs and an English `message`. Never a
 * token, never a password. Plain objects rather than classes: `instanceof` breaks when a package
 * loads as both ESM and CJS.
 *
 * @example const e: DomainFailure<'AgentInactive', { agentId: AgentId }> = fail.agentInactive(agentId);
 */
export type DomainFailure<T extends string, D = object> = Readonly<{ type: T; message: string } & D>;

/** One bad field of an input. `path` is dotted (`departmentIds.2`); `''` for the input itself. */
export type FieldIssue = Readonly<{ path: string; message: string }>;

/** The input did not match its schema. Lists every bad field at once. */
export type ValidationFailed = DomainFailure<'ValidationFailed', { issues: readonly FieldIssue[] }>;
/** The acting agent lacks a capability; `reason` says why. */
export type PermissionDenied = DomainFailure<
  'PermissionDenied',
  { capability: Capability; reason: 'role' | 'inactive' | 'not-owner' | 'not-a-member'; actorId: AgentId }
>;
/** No such agent in this workspace (agents of other workspaces are not found either). */
export type AgentNotFound = DomainFailure<'AgentNotFound', { agentId: AgentId }>;
/** No such invitation in this workspace. */
export type InvitationNotFound = DomainFailure<'InvitationNotFound', { invitationId: InvitationId }>;
/** No such department in this workspace. */
export type DepartmentNotFound = DomainFailure<'DepartmentNotFound', { departmentId: DepartmentId }>;
/** The plan id is not in the host's catalog. */
export type PlanNotFound = DomainFailure<'PlanNotFound', { planId: string }>;
/** The email is taken: by a standalone account, by an agent here, or by a pending invitation here. */
export type EmailAlreadyExists = DomainFailure<
  'EmailAlreadyExists',
  { email: Email; holder: 'standalone-account' | 'agent' | 'pending-invitation' }
>;
/** The change would take more seats than the plan has: `used` now, `requested` after the change. */
export type SeatLimitReached = DomainFailure<'SeatLimitReached', { limit: number; used: number; requested: number }>;
/** Creating one more department would go over the plan. */
export type DepartmentLimitReached = DomainFailure<'DepartmentLimitReached', { limit: number; used: number }>;
/** A downgrade below current usage: the numbers tell the admin what to free first. */
export type PlanLimitsExceeded = DomainFailure<
  'PlanLimitsExceeded',
  {
    planId: string;
    seats: Readonly<{ used: number; allowed: number | null }>;
    departments: Readonly<{ used: number; allowed: number | null }>;
  }
>;
/** The token matches no invitation. Deliberately the same whatever the email or workspace. */
export type InvalidToken = DomainFailure<'InvalidToken'>;
/** The invitation link is past its expiry. */
export type InvitationHasExpired = DomainFailure<'InvitationHasExpired', { expiredAt: IsoTime }>;
/** The invitation was already used. */
export type InvitationAlreadyAccepted = DomainFailure<'InvitationAlreadyAccepted'>;
/** The invitation was revoked by an admin. */
export type InvitationWasRevoked = DomainFailure<'InvitationWasRevoked'>;
/** Resend or revoke of an invitation that is no longer pending. */
export type InvitationNotPending = DomainFailure<'InvitationNotPending', { invitationId: InvitationId; status: InvitationStatus }>;
/** Accepting while signed in as another email: the invitation is for its own email only. */
export type SignedInAsDifferentEmail = DomainFailure<'SignedInAsDifferentEmail'>;
/** The password breaks the password policy. */
export type WeakPassword = DomainFailure<
  'WeakPassword',
  { reason: 'too-short' | 'too-long' | 'breached'; minLength: number; maxLength: number }
>;
/** The owner cannot be deleted: transfer ownership first. */
export type OwnerCannotBeDeleted = DomainFailure<'OwnerCannotBeDeleted', { agentId: AgentId }>;
/** The owner is always an admin. */
export type OwnerMustStayAdmin = DomainFailure<'OwnerMustStayAdmin', { agentId: AgentId }>;
/** Ownership transfer to the agent that already owns the workspace. */
export type AlreadyOwner = DomainFailure<'AlreadyOwner', { agentId: AgentId }>;
/** An inactive agent cannot go online. */
export type AgentInactive = DomainFailure<'AgentInactive', { agentId: AgentId }>;
/** Department names are unique in a workspace, compared case-insensitively. */
export type DepartmentNameTaken = DomainFailure<'DepartmentNameTaken', { name: string }>;

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

/**
 * An error's own data, without `type` and `message`: what a {@link fail} builder takes, since the
 * builder adds the tag and writes the words.
 *
 * @example const d: DataOf<SeatLimitReached> = { limit: 3, used: 3, requested: 4 };
 */
export type DataOf<E extends DomainError> = Omit<E, 'type' | 'message'>;

/** Builders keep messages in one place, so every surface shows the same words for an error. */
export const fail = {
  /**
   * No such agent in this workspace.
   *
   * @example fail.agentNotFound(agentId).message // 'No agent agt_1 in this workspace.'
   */
  agentNotFound: (agentId: AgentId): AgentNotFound => ({
    type: 'AgentNotFound',
    agentId,
    message: `No agent ${agentId} in this workspace.`,
  }),
  /**
   * No such invitation in this workspace.
   *
   * @example fail.invitationNotFound(invitationId)
   */
  invitationNotFound: (invitationId: InvitationId): InvitationNotFound => ({
    type: 'InvitationNotFound',
    invitationId,
    message: `No invitation ${invitationId} in this workspace.`,
  }),
  /**
   * No such department in this workspace.
   *
   * @example fail.departmentNotFound(departmentId)
   */
  departmentNotFound: (departmentId: DepartmentId): DepartmentNotFound => ({
    type: 'DepartmentNotFound',
    departmentId,
    message: `No department ${departmentId} in this workspace.`,
  }),
  /**
   * The plan id is not in the host's catalog.
   *
   * @example fail.planNotFound('enterprise')
   */
  planNotFound: (planId: string): PlanNotFound => ({
    type: 'PlanNotFound',
    planId,
    message: `No plan "${planId}" in the catalog.`,
  }),
  /**
   * The email is taken; the message names who holds it and what to do instead.
   *
   * @example fail.emailAlreadyExists({ email, holder: 'pending-invitation' })
   */
  emailAlreadyExists: (d: DataOf<EmailAlreadyExists>): EmailAlreadyExists => ({
    type: 'EmailAlreadyExists',
    ...d,
    message: {
      'standalone-account': `Email already exists: ${d.email} is registered as a separate standalone account. Ask its owner to delete that account, or use another email.`,
      agent: `Email already exists: ${d.email} is already an agent of this workspace.`,
      'pending-invitation': `Email already exists: ${d.email} already has a pending invitation; resend it instead.`,
    }[d.holder],
  }),
  /**
   * Not enough seats; the message differs for one more seat and for a bulk change.
   *
   * @example fail.seatLimitReached({ limit: 3, used: 3, requested: 4 })
   */
  seatLimitReached: (d: DataOf<SeatLimitReached>): SeatLimitReached => ({
    type: 'SeatLimitReached',
    ...d,
    message:
      d.requested === d.used + 1
        ? `All ${d.limit} seats of the plan are taken (${d.used} used). Upgrade the plan or free a seat.`
        : `This change needs ${d.requested} seats but the plan has ${d.limit} (${d.used} used now). Upgrade the plan or free seats.`,
  }),
  /**
   * One more department would go over the plan.
   *
   * @example fail.departmentLimitReached({ limit: 1, used: 1 })
   */
  departmentLimitReached: (d: DataOf<DepartmentLimitReached>): DepartmentLimitReached => ({
    type: 'DepartmentLimitReached',
    ...d,
    message: `The plan allows ${d.limit} department(s) and ${d.used} exist. Upgrade the plan or delete a department.`,
  }),
  /**
   * A downgrade below current usage; the message lists seats and departments used against allowed.
   *
   * @example fail.planLimitsExceeded({ planId: 'free', seats: { used: 4, allowed: 1 }, departments: { used: 0, allowed: 0 } })
   */
  planLimitsExceeded: (d: DataOf<PlanLimitsExceeded>): PlanLimitsExceeded => ({
    type: 'PlanLimitsExceeded',
    ...d,
    message: `Plan "${d.planId}" is too small: seats ${d.seats.used} used vs ${d.seats.allowed ?? 'unlimited'} allowed, departments ${d.departments.used} used vs ${d.departments.allowed ?? 'unlimited'} allowed.`,
  }),
  /**
   * The token matches no invitation; deliberately says nothing about which part was wrong.
   *
   * @example fail.invalidToken()
   */
  invalidToken: (): InvalidToken => ({
    type: 'InvalidToken',
    message: 'This invitation link is not valid. Ask an admin to send a new one.',
  }),
  /**
   * The invitation link is past its expiry.
   *
   * @example fail.invitationExpired(invitation.expiresAt)
   */
  invitationExpired: (expiredAt: IsoTime): InvitationHasExpired => ({
    type: 'InvitationHasExpired',
    expiredAt,
    message: `This invitation expired at ${expiredAt}. Ask an admin to resend it.`,
  }),
  /**
   * The invitation was already used; the message says to sign in instead.
   *
   * @example fail.invitationAlreadyAccepted()
   */
  invitationAlreadyAccepted: (): InvitationAlreadyAccepted => ({
    type: 'InvitationAlreadyAccepted',
    message: 'This invitation has already been used. Sign in instead.',
  }),
  /**
   * The invitation was revoked by an admin.
   *
   * @example fail.invitationRevoked()
   */
  invitationRevoked: (): InvitationWasRevoked => ({
    type: 'InvitationWasRevoked',
    message: 'This invitation was withdrawn by an admin.',
  }),
  /**
   * Resend or revoke of an invitation that is no longer pending.
   *
   * @example fail.invitationNotPending(invitationId, 'accepted')
   */
  invitationNotPending: (invitationId: InvitationId, status: InvitationStatus): InvitationNotPending => ({
    type: 'InvitationNotPending',
    invitationId,
    status,
    message: `Invitation ${invitationId} is ${status}, not pending.`,
  }),
  /**
   * Accepting while signed in as another email.
   *
   * @example fail.signedInAsDifferentEmail()
   */
  signedInAsDifferentEmail: (): SignedInAsDifferentEmail => ({
    type: 'SignedInAsDifferentEmail',
    message:
      'You are signed in with a different email than this invitation was sent to. Sign out, or open the link in another browser.',
  }),
  /**
   * The password breaks the policy: too short, too long, or known from a breach.
   *
   * @example fail.weakPassword({ reason: 'too-short', minLength: 12, maxLength: 128 })
   */
  weakPassword: (d: DataOf<WeakPassword>): WeakPassword => ({
    type: 'WeakPassword',
    ...d,
    message:
      d.reason === 'breached'
        ? 'This password appears in known data breaches. Choose another.'
        : `The password must be ${d.minLength} to ${d.maxLength} characters long.`,
  }),
  /**
   * Deleting the owner; the message says to transfer ownership first.
   *
   * @example fail.ownerCannotBeDeleted(ownerId)
   */
  ownerCannotBeDeleted: (agentId: AgentId): OwnerCannotBeDeleted => ({
    type: 'OwnerCannotBeDeleted',
    agentId,
    message: 'The owner cannot be deleted. Transfer ownership to another agent first.',
  }),
  /**
   * Demoting the owner; the owner is always an admin.
   *
   * @example fail.ownerMustStayAdmin(ownerId)
   */
  ownerMustStayAdmin: (agentId: AgentId): OwnerMustStayAdmin => ({
    type: 'OwnerMustStayAdmin',
    agentId,
    message: 'The owner is always an admin. Transfer ownership first to change this role.',
  }),
  /**
   * Transferring ownership to the current owner.
   *
   * @example fail.alreadyOwner(ownerId)
   */
  alreadyOwner: (agentId: AgentId): AlreadyOwner => ({
    type: 'AlreadyOwner',
    agentId,
    message: 'This agent already owns the workspace.',
  }),
  /**
   * An inactive agent tried to go online.
   *
   * @example fail.agentInactive(agentId)
   */
  agentInactive: (agentId: AgentId): AgentInactive => ({
    type: 'AgentInactive',
    agentId,
    message: 'An inactive agent cannot go online. Activate the agent first.',
  }),
  /**
   * Another department already has this name (compared case-insensitively).
   *
   * @example fail.departmentNameTaken('Sales')
   */
  departmentNameTaken: (name: string): DepartmentNameTaken => ({
    type: 'DepartmentNameTaken',
    name,
    message: `A department named "${name}" already exists.`,
  }),
};
