import type { WorkspaceId } from '../domain/ids';

/** `pending` until a mailer accepted it. */
export type OutboxStatus = 'pending' | 'delivered';

/**
 * An email stored with the commit that caused it and delivered afterwards, at least once.
 * `idempotencyKey` is stable across retries so a mailer can drop duplicates.
 */
export type OutboxMessage = Readonly<{
  id: string;
  workspaceId: WorkspaceId;
  idempotencyKey: string;
  to: string;
  subject: string;
  /** Dropped (empty) once delivered: invitation bodies carry the plaintext link. */
  text: string;
  html: string | null;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}>;
