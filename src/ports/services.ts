import type { AgentId, WorkspaceId } from '../domain/ids';

/** One email to send. */
export type MailMessage = Readonly<{ to: string; subject: string; text: string; html: string | null; idempotencyKey: string }>;

/** Sends email. Rejecting means "not sent": the outbox retries later with the same idempotency key. */
export interface Mailer {
  /**
   * Sends one email; resolving means the provider accepted it. Pass `idempotencyKey` on to the
   * provider when it supports one, so a retry after a lost answer does not send twice.
   *
   * @example
   * // A mailer of your own passes the message's key on as it came (the roster's are `invitation:<id>:<n>`).
   * const mailer: Mailer = { send: (m) => provider.send({ to: m.to, subject: m.subject, text: m.text, html: m.html ?? undefined, headers: { 'Idempotency-Key': m.idempotencyKey } }) };
   */
  send(message: MailMessage): Promise<void>;
}

/** The host app's account registry: is an email already its own standalone account? */
export interface AccountDirectory {
  /**
   * Whether the email already belongs to a standalone account of the host app: such an email
   * cannot be invited (`EmailAlreadyExists` with holder `standalone-account`).
   *
   * @example if (await accounts.isStandaloneAccount('ana@example.com')) console.log('taken')
   */
  isStandaloneAccount(email: string): Promise<boolean>;
}

/**
 * The host's sign-in system. The roster hands it the accepted password and never keeps it.
 * `createLogin` must be idempotent per `agentId` (a retried accept calls it again).
 */
export interface Identity {
  /**
   * Creates the sign-in for an agent who just accepted an invitation, with the password they
   * chose. Called before the accept is committed; must be idempotent per `agentId`.
   *
   * @example await identity.createLogin({ agentId, workspaceId, email: 'ana@example.com', password })
   */
  createLogin(login: Readonly<{ agentId: AgentId; workspaceId: WorkspaceId; email: string; password: string }>): Promise<void>;
  /**
   * Undo of `createLogin`, called when the use case that created it could not be committed, and
   * when `createLogin` itself failed (a timeout may have created the login all the same): an id
   * with no login must do nothing.
   */
  deleteLogin?(agentId: AgentId): Promise<void>;
  /** The email a session is signed in as, or `null` when signed out. `session` is the host's own value. */
  signedInEmail?(session: unknown): Promise<string | null>;
}

/** Where time comes from. */
export interface Clock {
  /**
   * The current time. Commands never read the system clock themselves, so tests and replays
   * can pin it. A throw, or an answer that is not a valid `Date`, fails the use case with
   * `ServiceUnavailable` naming `clock`.
   *
   * @example const issuedAt = clock.now().toISOString()
   */
  now(): Date;
}

/** Cryptographically strong random bytes. */
export interface Random {
  /**
   * `length` bytes from a cryptographically strong source: invitation tokens are built from them.
   * A throw, or an answer that is not a `Uint8Array` of `length` bytes, fails the use case with
   * `ServiceUnavailable` naming `random`.
   *
   * @example const token = random.bytes(32) // 256 bits
   */
  bytes(length: number): Uint8Array;
}

/**
 * What the roster throttles: `invite` and `resend` (keyed `workspaceId:agentId` of the admin),
 * `accept` and `preview` (keyed by the visitor's `requester`, or `anonymous`), and `editEmail`
 * (an agent's email change, keyed `workspaceId:agentId` of the actor: its refusal says who holds
 * the email, so unthrottled it would be an account-enumeration oracle). A host's `switch` over
 * it should have a `default`: a later version may add an action.
 */
export type RateLimitAction = 'invite' | 'resend' | 'accept' | 'preview' | 'editEmail';

/** Throttles invite, resend, preview, accept and email changes. A refusal changes nothing. */
export interface RateLimiter {
  /**
   * Spends one attempt of `action` for `key` (e.g. the inviter's id, or the client's address
   * for accept): answers `allowed: true`, or how long to wait. `invite`, `resend` and `editEmail`
   * also give the canonical `email` the invitation goes to or the agent asks for (a resend naming
   * no invitation of the workspace gives none), so a host can
   * throttle per recipient as well (every sign-up is a new inviter, so a per-inviter key alone
   * does not stop one person sending invitation email to one address again and again).
   *
   * @example const verdict = await limiter.consume({ action: 'accept', key: clientIp })
   */
  consume(request: Readonly<{ action: RateLimitAction; key: string; email?: string }>): Promise<
    Readonly<{ allowed: true }> | Readonly<{ allowed: false; retryAfterMs: number }>
  >;
}

/** Optional check against known breached passwords (e.g. a k-anonymity range API). */
export interface BreachedPasswords {
  /**
   * Whether the password appears in a known breach; a `true` refuses it as `WeakPassword`
   * with reason `breached`.
   *
   * @example if (await breached.isBreached(password)) console.log('choose another')
   */
  isBreached(password: string): Promise<boolean>;
}
