import type { WorkspaceId } from '../domain/ids';

/**
 * `pending` until a mailer accepted it (`delivered`) or what it carries stopped being true
 * (`withdrawn`: its invitation was revoked, resent, accepted or expired, ADR 0025). Delivered
 * and withdrawn are final: nothing hands the message out or changes its status again.
 */
export type OutboxStatus = 'pending' | 'delivered' | 'withdrawn';

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
  /** Dropped (empty) once delivered or withdrawn: invitation bodies carry the plaintext link. */
  text: string;
  html: string | null;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  /**
   * What the message is about (`invitation:<invitationId>` for an invitation email): a commit
   * that closes it lists it in the commit's `withdraw`, and the store withdraws the topic's
   * pending messages. Absent on messages stored before it existed; those are never withdrawn.
   */
  topic?: string;
  /**
   * When what the message carries stops working (an invitation's link: its `expiresAt`).
   * Delivery withdraws it instead of sending it from that instant on. Absent: it never lapses.
   */
  expiresAt?: string;
}>;
