import type { AgentId, WorkspaceId } from '../domain/ids';

/** One email to send. */
export type MailMessage = Readonly<{ to: string; subject: string; text: string; html: string | null; idempotencyKey: string }>;

/** Sends email. Rejecting means "not sent": the outbox retries later with the same idempotency key. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** The host app's account registry: is an email already its own standalone account? */
export interface AccountDirectory {
  isStandaloneAccount(email: string): Promise<boolean>;
}

/**
 * The host's sign-in system. The roster hands it the accepted password and never keeps it.
 * `createLogin` must be idempotent per `agentId` (a retried accept calls it again).
 */
export interface Identity {
  createLogin(login: Readonly<{ agentId: AgentId; workspaceId: WorkspaceId; email: string; password: string }>): Promise<void>;
  /** Undo of `createLogin`, called when the accept that created it could not be committed. */
  deleteLogin?(agentId: AgentId): Promise<void>;
  /** The email a session is signed in as, or `null` when signed out. `session` is the host's own value. */
  signedInEmail?(session: unknown): Promise<string | null>;
}

/** Where time comes from. */
export interface Clock {
  now(): Date;
}

/** Cryptographically strong random bytes. */
export interface Random {
  bytes(length: number): Uint8Array;
}

/** Throttles invite, resend, preview and accept. A refusal changes nothing. */
export interface RateLimiter {
  consume(request: Readonly<{ action: 'invite' | 'resend' | 'accept' | 'preview'; key: string }>): Promise<
    Readonly<{ allowed: true }> | Readonly<{ allowed: false; retryAfterMs: number }>
  >;
}

/** Optional check against known breached passwords (e.g. a k-anonymity range API). */
export interface BreachedPasswords {
  isBreached(password: string): Promise<boolean>;
}
