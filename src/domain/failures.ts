/**
 * The builders of every domain error, one export each so that a bundle holds only the builders its
 * commands use. Messages live here, in one place, so every surface shows the same words.
 *
 * @module
 */
import type { AgentId, DepartmentId, InvitationId } from './ids';
import type { InvitationStatus } from './invitation';
import type { IsoTime } from './time';
import type {
  AgentInactive, AgentNotFound, AlreadyOwner, DataOf, DepartmentLimitReached, DepartmentNameTaken, DepartmentNotFound,
  EmailAlreadyExists, InvalidToken, InvitationAlreadyAccepted, InvitationHasExpired, InvitationNotFound, InvitationNotPending,
  InvitationWasRevoked, OwnerCannotBeDeleted, OwnerMustStayAdmin, PlanLimitsExceeded, PlanNotFound, SeatLimitReached,
  SignedInAsDifferentEmail, WeakPassword,
} from './errors';

/**
 * No such agent in this workspace.
 *
 * @example fail.agentNotFound(agentId).message // 'No agent agt_1 in this workspace.'
 */
export const agentNotFound = (agentId: AgentId): AgentNotFound => ({
  type: 'AgentNotFound',
  agentId,
  message: `No agent ${agentId} in this workspace.`,
});
/**
 * No such invitation in this workspace.
 *
 * @example fail.invitationNotFound(invitationId)
 */
export const invitationNotFound = (invitationId: InvitationId): InvitationNotFound => ({
  type: 'InvitationNotFound',
  invitationId,
  message: `No invitation ${invitationId} in this workspace.`,
});
/**
 * No such department in this workspace.
 *
 * @example fail.departmentNotFound(departmentId)
 */
export const departmentNotFound = (departmentId: DepartmentId): DepartmentNotFound => ({
  type: 'DepartmentNotFound',
  departmentId,
  message: `No department ${departmentId} in this workspace.`,
});
/**
 * The plan id is not in the host's catalog.
 *
 * @example fail.planNotFound('enterprise')
 */
export const planNotFound = (planId: string): PlanNotFound => ({
  type: 'PlanNotFound',
  planId,
  message: `No plan "${planId}" in the catalog.`,
});
/**
 * The email is taken; the message names who holds it, in words true for every command that
 * answers it (an invite, an email edit, an accept), so what to do is the host's to say
 * (docs/errors.md suggests a text per holder and command).
 *
 * @example fail.emailAlreadyExists({ email, holder: 'pending-invitation' })
 */
export const emailAlreadyExists = (d: DataOf<EmailAlreadyExists>): EmailAlreadyExists => ({
  type: 'EmailAlreadyExists',
  ...d,
  message: `Email already exists: ${d.email} ${HELD_BY[d.holder]}`,
});
/** @internal What each holder of a taken email means; its keys are the holders {@link refuseTakenEmail} accepts. */
export const HELD_BY: Record<EmailAlreadyExists['holder'], string> = {
  'standalone-account': 'is registered as a separate standalone account, which its owner must delete first.',
  agent: 'is already an agent of this workspace.',
  'pending-invitation': 'already has a pending invitation to this workspace.',
};
/**
 * Not enough seats; the message differs for one more seat and for a bulk change.
 *
 * @example fail.seatLimitReached({ limit: 3, used: 3, requested: 4 })
 */
export const seatLimitReached = (d: DataOf<SeatLimitReached>): SeatLimitReached => (d.requested === d.used + 1 ? noSeatLeft(d) : seatsNeeded(d));
/**
 * {@link seatLimitReached} for a change of the seat policy, whatever the number of seats: "Every
 * seat of the plan is taken" would read as if one more agent were the problem, where it is the new policy
 * that counts more. Internal (not in {@link fail}).
 */
export const seatsNeeded = (d: DataOf<SeatLimitReached>): SeatLimitReached => ({
  type: 'SeatLimitReached',
  ...d,
  message: `This change needs ${d.requested} seats but the plan has ${d.limit} (${d.used} used now). Upgrade the plan or free seats.`,
});
/**
 * {@link seatLimitReached} for a change that needs one more seat. Internal (not in {@link fail}):
 * the commands that take at most one seat build their error with it, so that their bundles do not
 * carry the several-seats message.
 */
export const noSeatLeft = (d: DataOf<SeatLimitReached>): SeatLimitReached => ({
  type: 'SeatLimitReached',
  ...d,
  message: `Every seat of the plan is taken (${d.used} used, ${d.limit} allowed). An admin can upgrade the plan or free a seat.`,
});
/**
 * One more department would go over the plan. A plan of no departments has none to delete, so
 * its message only says to upgrade.
 *
 * @example fail.departmentLimitReached({ limit: 1, used: 1 }).message // 'The plan allows 1 department. Upgrade the plan or delete a department.'
 */
export const departmentLimitReached = (d: DataOf<DepartmentLimitReached>): DepartmentLimitReached => ({
  type: 'DepartmentLimitReached',
  ...d,
  message: `The plan allows ${d.limit || 'no'} department${d.limit === 1 ? '' : 's'}. Upgrade the plan ${d.limit ? 'or delete a department' : 'to add one'}.`,
});
/**
 * A downgrade below current usage; the message lists, of seats and departments, those over the
 * plan, used against allowed (the data keeps both, over or not).
 *
 * @example fail.planLimitsExceeded({ planId: 'free', seats: { used: 4, allowed: 1 }, departments: { used: 0, allowed: 1 } }).message // 'Plan "free" is too small: seats 4 used vs 1 allowed.'
 */
export const planLimitsExceeded = (d: DataOf<PlanLimitsExceeded>): PlanLimitsExceeded => ({
  type: 'PlanLimitsExceeded',
  ...d,
  message: `Plan "${d.planId}" is too small: ${(['seats', 'departments'] as const)
    .filter((k) => d[k].used > (d[k].allowed ?? Infinity))
    .map((k) => `${k} ${d[k].used} used vs ${d[k].allowed} allowed`)
    .join(', ')}.`,
});
/**
 * The token matches no invitation; deliberately says nothing about which part was wrong.
 *
 * @example fail.invalidToken()
 */
export const invalidToken = (): InvalidToken => ({
  type: 'InvalidToken',
  message: 'This invitation link is not valid. Ask an admin to send a new one.',
});
/**
 * The invitation link is past its expiry.
 *
 * @example fail.invitationExpired(invitation.expiresAt)
 */
export const invitationExpired = (expiredAt: IsoTime): InvitationHasExpired => ({
  type: 'InvitationHasExpired',
  expiredAt,
  message: `This invitation expired at ${expiredAt}. Ask an admin to resend it.`,
});
/**
 * The invitation was already used; the message says to sign in instead.
 *
 * @example fail.invitationAlreadyAccepted()
 */
export const invitationAlreadyAccepted = (): InvitationAlreadyAccepted => ({
  type: 'InvitationAlreadyAccepted',
  message: 'This invitation has already been used. Sign in instead.',
});
/**
 * The invitation was revoked by an admin.
 *
 * @example fail.invitationRevoked()
 */
export const invitationRevoked = (): InvitationWasRevoked => ({
  type: 'InvitationWasRevoked',
  message: 'This invitation was withdrawn by an admin.',
});
/**
 * Resend or revoke of an invitation that is no longer pending.
 *
 * @example fail.invitationNotPending(invitationId, 'accepted')
 */
export const invitationNotPending = (invitationId: InvitationId, status: InvitationStatus): InvitationNotPending => ({
  type: 'InvitationNotPending',
  invitationId,
  status,
  message: `Invitation ${invitationId} is ${status}, not pending.`,
});
/**
 * Accepting while signed in as another email.
 *
 * @example fail.signedInAsDifferentEmail()
 */
export const signedInAsDifferentEmail = (): SignedInAsDifferentEmail => ({
  type: 'SignedInAsDifferentEmail',
  message:
    'You are signed in with a different email than this invitation was sent to. Sign out, or open the link in another browser.',
});
/**
 * The password breaks the policy: too short, too long, or known from a breach.
 *
 * @example fail.weakPassword({ reason: 'too-short', minLength: 12, maxLength: 128 })
 */
export const weakPassword = (d: DataOf<WeakPassword>): WeakPassword => ({
  type: 'WeakPassword',
  ...d,
  message:
    d.reason === 'breached'
      ? 'This password appears in known data breaches. Choose another.'
      : `The password must be ${d.minLength} to ${d.maxLength} characters long.`,
});
/**
 * Deleting the owner; the message says to transfer ownership first.
 *
 * @example fail.ownerCannotBeDeleted(ownerId)
 */
export const ownerCannotBeDeleted = (agentId: AgentId): OwnerCannotBeDeleted => ({
  type: 'OwnerCannotBeDeleted',
  agentId,
  message: 'The owner cannot be deleted. Transfer ownership to another agent first.',
});
/**
 * Demoting the owner; the owner is always an admin.
 *
 * @example fail.ownerMustStayAdmin(ownerId)
 */
export const ownerMustStayAdmin = (agentId: AgentId): OwnerMustStayAdmin => ({
  type: 'OwnerMustStayAdmin',
  agentId,
  message: 'The owner is always an admin. Transfer ownership first to change this role.',
});
/**
 * Transferring ownership to the current owner.
 *
 * @example fail.alreadyOwner(ownerId)
 */
export const alreadyOwner = (agentId: AgentId): AlreadyOwner => ({
  type: 'AlreadyOwner',
  agentId,
  message: 'This agent already owns the workspace.',
});
/**
 * An inactive agent tried to go online.
 *
 * @example fail.agentInactive(agentId)
 */
export const agentInactive = (agentId: AgentId): AgentInactive => ({
  type: 'AgentInactive',
  agentId,
  message: 'An inactive agent cannot go online. An admin must activate the agent first.',
});
/**
 * Another department already has this name (compared case-insensitively).
 *
 * @example fail.departmentNameTaken('Sales')
 */
export const departmentNameTaken = (name: string): DepartmentNameTaken => ({
  type: 'DepartmentNameTaken',
  name,
  message: `A department named "${name}" already exists.`,
});

/**
 * Every builder in one object, for hosts that build domain errors themselves (adapters, tests):
 * `fail.agentNotFound(id)`. Commands import the builders one by one instead.
 *
 * @example fail.seatLimitReached({ limit: 3, used: 3, requested: 4 }).message
 */
export const fail = {
  agentNotFound,
  invitationNotFound,
  departmentNotFound,
  planNotFound,
  emailAlreadyExists,
  seatLimitReached,
  departmentLimitReached,
  planLimitsExceeded,
  invalidToken,
  invitationExpired,
  invitationAlreadyAccepted,
  invitationRevoked,
  invitationNotPending,
  signedInAsDifferentEmail,
  weakPassword,
  ownerCannotBeDeleted,
  ownerMustStayAdmin,
  alreadyOwner,
  agentInactive,
  departmentNameTaken,
};
