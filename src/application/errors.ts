import type { DomainError } from '../domain/errors';
import type { AgentId, WorkspaceId } from '../domain/ids';
import type { RoutingError } from '../domain/routing/errors';
import { causeOf } from './cause';

/**
 * The shape every application error shares, like the domain's {@link DomainFailure}: a stable
 * `type` to switch on, the data a UI needs, and an English `message`.
 *
 * @example const e: ApplicationFailure<'RateLimited', { retryAfterMs: number }> = appFail.rateLimited(30_000);
 */
export type ApplicationFailure<T extends string, D = object> = Readonly<{ type: T; message: string } & D>;

/** The store kept changing under the command; it was retried and still collided. Nothing was written. */
export interface ConcurrencyConflict extends ApplicationFailure<'ConcurrencyConflict', { attempts: number }> {}
/** The store could not be reached or failed. `cause` is the adapter's message, with tokens and token hashes redacted (see `appFail.store`). */
export interface StoreUnavailable extends ApplicationFailure<'StoreUnavailable', { cause: string }> {}
/** The host's identity system refused to create the login; nothing was written. */
export interface IdentityUnavailable extends ApplicationFailure<'IdentityUnavailable', { cause: string }> {}
/**
 * The host's ports other than the store, as `ServiceUnavailable` names them: the `createRoster`
 * option of the same name (`accountDirectory` is the `accounts` option, an `AccountDirectory`).
 */
export type ServiceName =
  | 'accountDirectory'
  | 'rateLimiter'
  | 'breachedPasswords'
  | 'identity'
  | 'templates'
  | 'acceptUrl'
  | 'clock'
  | 'random';
/**
 * A port of the host other than the store failed: it rejected, threw, or answered outside its
 * contract. `service` names it, so operators look at the right system. Nothing was written.
 */
export interface ServiceUnavailable extends ApplicationFailure<'ServiceUnavailable', { service: ServiceName; cause: string }> {}
/** No such workspace. */
export interface WorkspaceNotFound extends ApplicationFailure<'WorkspaceNotFound', { workspaceId: WorkspaceId }> {}
/** The acting agent is not an agent of the workspace (never was, or was deleted). */
export interface UnknownActor extends ApplicationFailure<'UnknownActor', { agentId: AgentId }> {}
/** Throttled by the rate-limit port; nothing changed. */
export interface RateLimited extends ApplicationFailure<'RateLimited', { retryAfterMs: number }> {}

/** Every error the roster can return, domain and application alike: a host's exhaustive `switch` covers this. */
export type RosterError = DomainError | RoutingError | ApplicationError | IdentityUnavailable | ServiceUnavailable | RateLimited;

/**
 * The `type` of every {@link RosterError}, at run time: for status maps, translations and tests.
 * The `satisfies` clause makes adding an error without listing it here a type error.
 */
export const ERROR_TYPES = /* @__PURE__ */ Object.keys({
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
  WaitingLineFull: true,
  ConcurrencyConflict: true,
  StoreUnavailable: true,
  WorkspaceNotFound: true,
  UnknownActor: true,
  IdentityUnavailable: true,
  ServiceUnavailable: true,
  RateLimited: true,
} satisfies Record<RosterError['type'], true>) as readonly RosterError['type'][];

/** Errors any use case may return on top of its command's own. */
export type ApplicationError = ConcurrencyConflict | StoreUnavailable | WorkspaceNotFound | UnknownActor;

/** How messages name each port. */
const SERVICES: Readonly<Record<ServiceName, string>> = {
  accountDirectory: 'account directory',
  rateLimiter: 'rate limiter',
  breachedPasswords: 'breached-password check',
  identity: 'sign-in system',
  templates: 'invitation email template',
  acceptUrl: 'invitation link builder',
  clock: 'clock',
  random: 'random source',
};

/** Builders, so every surface shows the same words. */
export const appFail = {
  /**
   * The store kept changing after `attempts` tries; nothing was written. In words true of a
   * command and of the two queries that answer it too (`getWorkspace`, `seatUsage`).
   *
   * @example appFail.conflict(1).message // 'The roster kept changing under this request (1 attempt). Nothing was written; try again.'
   */
  conflict: (attempts: number): ConcurrencyConflict => ({
    type: 'ConcurrencyConflict',
    attempts,
    message: `The roster kept changing under this request (${attempts} attempt${attempts === 1 ? '' : 's'}). Nothing was written; try again.`,
  }),
  /**
   * The store failed; keeps the thrown error's message as `cause` for logs, with every run of 43
   * or more base64url characters redacted: the store is handed token hashes (64 hex characters:
   * `findInvitationByTokenHash`, an invitation a commit writes) and live links (an email a commit
   * queues), and a store error quoting its arguments must not carry them to a log.
   *
   * `committing` when the commit itself failed: a lost answer may hide one that went through, so
   * the message says to check first; any other call (a read, a query, a preview) changed nothing.
   *
   * @example appFail.store(new Error('connection refused')).cause // 'connection refused'
   */
  store: (e: unknown, committing?: boolean): StoreUnavailable => ({
    type: 'StoreUnavailable',
    cause: causeOf(e).replace(/[\w-]{43,}/g, '[redacted]'),
    message: committing
      ? 'The roster store failed while committing: check whether anything was changed before trying again.'
      : 'The roster store is unavailable. Nothing was changed; try again.',
  }),
  /**
   * The host's identity port refused to create the login; keeps its message as `cause`.
   *
   * @example appFail.identity(error)
   */
  identity: (e: unknown): IdentityUnavailable => ({
    type: 'IdentityUnavailable',
    cause: causeOf(e),
    message: 'The sign-in system could not create the login. Nothing was changed; try again.',
  }),
  /**
   * A host port other than the store failed; keeps what it threw (or what was wrong with its
   * answer) as `cause`, and names the port in `service` and in the message.
   *
   * @example appFail.service('accountDirectory', new Error('timeout')).message // 'The account directory (accountDirectory) failed. Nothing was changed; try again.'
   */
  service: (service: ServiceName, e: unknown): ServiceUnavailable => ({
    type: 'ServiceUnavailable',
    service,
    cause: causeOf(e),
    message: `The ${SERVICES[service]} (${service}) failed. Nothing was changed; ${
      service === 'templates' || service === 'acceptUrl' ? 'it is the host\'s own code: trying again will not help until it is fixed.' : 'try again.'
    }`,
  }),
  /**
   * No workspace with this id.
   *
   * @example appFail.workspaceNotFound(workspaceId)
   */
  workspaceNotFound: (workspaceId: WorkspaceId): WorkspaceNotFound => ({
    type: 'WorkspaceNotFound',
    workspaceId,
    message: `No workspace ${workspaceId}.`,
  }),
  /**
   * The acting agent is not (or no longer) an agent of the workspace.
   *
   * @example appFail.unknownActor(actorId)
   */
  unknownActor: (agentId: AgentId): UnknownActor => ({
    type: 'UnknownActor',
    agentId,
    message: 'The acting agent is not an agent of this workspace.',
  }),
  /**
   * Throttled by the rate-limit port; the message rounds the wait up to whole seconds, and to 1 s
   * at least: a limiter that refuses with a wait of 0 still refused, and "0 s" invites a retry
   * storm (the HTTP example's `Retry-After` is rounded the same way).
   *
   * @example appFail.rateLimited(1500).message // 'Too many attempts. Try again in 2 s.'
   */
  rateLimited: (retryAfterMs: number): RateLimited => ({
    type: 'RateLimited',
    retryAfterMs,
    message: `Too many attempts. Try again in ${Math.ceil(retryAfterMs / 1000) || 1} s.`,
  }),
};
