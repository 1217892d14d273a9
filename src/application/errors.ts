import type { DomainError } from '../domain/errors';
import type { AgentId, WorkspaceId } from '../domain/ids';
import type { RoutingError } from '../domain/routing/errors';

type Failure<T extends string, D = object> = Readonly<{ type: T; message: string } & D>;

/** The store kept changing under the command; it was retried and still collided. Nothing was written. */
export type ConcurrencyConflict = Failure<'ConcurrencyConflict', { attempts: number }>;
/** The store could not be reached or failed; nothing was written. `cause` is the adapter's message. */
export type StoreUnavailable = Failure<'StoreUnavailable', { cause: string }>;
/** The host's identity system refused to create the login; nothing was written. */
export type IdentityUnavailable = Failure<'IdentityUnavailable', { cause: string }>;
/** No such workspace. */
export type WorkspaceNotFound = Failure<'WorkspaceNotFound', { workspaceId: WorkspaceId }>;
/** The acting agent is not an agent of the workspace (never was, or was deleted). */
export type UnknownActor = Failure<'UnknownActor', { agentId: AgentId }>;
/** Throttled by the rate-limit port; nothing changed. */
export type RateLimited = Failure<'RateLimited', { retryAfterMs: number }>;

/** Every error the roster can return, domain and application alike: a host's exhaustive `switch` covers this. */
export type RosterError = DomainError | RoutingError | ApplicationError | IdentityUnavailable | RateLimited;

/**
 * The `type` of every {@link RosterError}, at run time: for status maps, translations and tests.
 * The `satisfies` clause makes adding an error without listing it here a type error.
 */
export const ERROR_TYPES = Object.keys({
  ValidationFailed: true,
  PermissionDenied: true,
  AgentNotFound: true,
  InvitationNotFound: true,
  DepartmentNotFound: true,
  PlanNotFound: true,
  EmailAlreadyExists: true,
  SeatLimitReached: true,
  DepartmentLimitReached: true,
  PlanLimitsExceeded: true,
  InvalidToken: true,
  InvitationHasExpired: true,
  InvitationAlreadyAccepted: true,
  InvitationWasRevoked: true,
  InvitationNotPending: true,
  SignedInAsDifferentEmail: true,
  WeakPassword: true,
  OwnerCannotBeDeleted: true,
  OwnerMustStayAdmin: true,
  AlreadyOwner: true,
  AgentInactive: true,
  DepartmentNameTaken: true,
  ConversationNotFound: true,
  ConversationAlreadyRouted: true,
  AgentNotEligible: true,
  ConcurrencyConflict: true,
  StoreUnavailable: true,
  WorkspaceNotFound: true,
  UnknownActor: true,
  IdentityUnavailable: true,
  RateLimited: true,
} satisfies Record<RosterError['type'], true>) as readonly RosterError['type'][];

/** Errors any use case may return on top of its command's own. */
export type ApplicationError = ConcurrencyConflict | StoreUnavailable | WorkspaceNotFound | UnknownActor;

const causeOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Builders, so every surface shows the same words. */
export const appFail = {
  conflict: (attempts: number): ConcurrencyConflict => ({
    type: 'ConcurrencyConflict',
    attempts,
    message: `The roster kept changing during the command (${attempts} attempts). Nothing was changed; try again.`,
  }),
  store: (e: unknown): StoreUnavailable => ({
    type: 'StoreUnavailable',
    cause: causeOf(e),
    message: 'The roster store is unavailable. Nothing was changed.',
  }),
  identity: (e: unknown): IdentityUnavailable => ({
    type: 'IdentityUnavailable',
    cause: causeOf(e),
    message: 'The sign-in system could not create the login. Nothing was changed; try again.',
  }),
  workspaceNotFound: (workspaceId: WorkspaceId): WorkspaceNotFound => ({
    type: 'WorkspaceNotFound',
    workspaceId,
    message: `No workspace ${workspaceId}.`,
  }),
  unknownActor: (agentId: AgentId): UnknownActor => ({
    type: 'UnknownActor',
    agentId,
    message: 'The acting agent is not an agent of this workspace.',
  }),
  rateLimited: (retryAfterMs: number): RateLimited => ({
    type: 'RateLimited',
    retryAfterMs,
    message: `Too many attempts. Try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
  }),
};
