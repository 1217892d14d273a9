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
export interface ValidationFailed extends DomainFailure<'ValidationFailed', { issues: readonly FieldIssue[] }> {}
/** The acting agent lacks a capability; `reason` says why. */
export interface PermissionDenied extends DomainFailure<
  'PermissionDenied',
  { capability: Capability; reason: 'role' | 'inactive' | 'not-owner' | 'not-a-member'; actorId: AgentId }
> {}
/** No such agent in this workspace (agents of other workspaces are not found either). */
export interface AgentNotFound extends DomainFailure<'AgentNotFound', { agentId: AgentId }> {}
/** No such invitation in this workspace. */
export interface InvitationNotFound extends DomainFailure<'InvitationNotFound', { invitationId: InvitationId }> {}
/** No such department in this workspace. */
export interface DepartmentNotFound extends DomainFailure<'DepartmentNotFound', { departmentId: DepartmentId }> {}
/** The plan id is not in the host's catalog. */
export interface PlanNotFound extends DomainFailure<'PlanNotFound', { planId: string }> {}
/** The email is taken: by a standalone account, by an agent here, or by a pending invitation here. */
export interface EmailAlreadyExists extends DomainFailure<
  'EmailAlreadyExists',
  { email: Email; holder: 'standalone-account' | 'agent' | 'pending-invitation' }
> {}
/** The change would take more seats than the plan has: `used` now, `requested` after the change. */
export interface SeatLimitReached extends DomainFailure<'SeatLimitReached', { limit: number; used: number; requested: number }> {}
/** Creating one more department would go over the plan. */
export interface DepartmentLimitReached extends DomainFailure<'DepartmentLimitReached', { limit: number; used: number }> {}
/** A downgrade below current usage: the numbers tell the admin what to free first. */
export interface PlanLimitsExceeded extends DomainFailure<
  'PlanLimitsExceeded',
  {
    planId: string;
    seats: Readonly<{ used: number; allowed: number | null }>;
    departments: Readonly<{ used: number; allowed: number | null }>;
  }
> {}
/** The token matches no invitation. Deliberately the same whatever the email or workspace. */
export interface InvalidToken extends DomainFailure<'InvalidToken'> {}
/** The invitation link is past its expiry. */
export interface InvitationHasExpired extends DomainFailure<'InvitationHasExpired', { expiredAt: IsoTime }> {}
/** The invitation was already used. */
export interface InvitationAlreadyAccepted extends DomainFailure<'InvitationAlreadyAccepted'> {}
/** The invitation was revoked by an admin. */
export interface InvitationWasRevoked extends DomainFailure<'InvitationWasRevoked'> {}
/** Resend or revoke of an invitation that is no longer pending. */
export interface InvitationNotPending extends DomainFailure<'InvitationNotPending', { invitationId: InvitationId; status: InvitationStatus }> {}
/** Accepting while signed in as another email: the invitation is for its own email only. */
export interface SignedInAsDifferentEmail extends DomainFailure<'SignedInAsDifferentEmail'> {}
/** The password breaks the password policy. */
export interface WeakPassword extends DomainFailure<
  'WeakPassword',
  { reason: 'too-short' | 'too-long' | 'breached'; minLength: number; maxLength: number }
> {}
/** The owner cannot be deleted: transfer ownership first. */
export interface OwnerCannotBeDeleted extends DomainFailure<'OwnerCannotBeDeleted', { agentId: AgentId }> {}
/** The owner is always an admin. */
export interface OwnerMustStayAdmin extends DomainFailure<'OwnerMustStayAdmin', { agentId: AgentId }> {}
/** Ownership transfer to the agent that already owns the workspace. */
export interface AlreadyOwner extends DomainFailure<'AlreadyOwner', { agentId: AgentId }> {}
/** An inactive agent cannot go online. */
export interface AgentInactive extends DomainFailure<'AgentInactive', { agentId: AgentId }> {}
/** Department names are unique in a workspace, compared case-insensitively. */
export interface DepartmentNameTaken extends DomainFailure<'DepartmentNameTaken', { name: string }> {}

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

export { fail } from './failures';
