import type { InvitationId } from '../domain/ids';
import { hasPassed, type IsoTime } from '../domain/time';
import type { OutboxMessage } from '../ports/outbox';
import type { Mailer } from '../ports/services';
import type { RosterStore, WorkspaceEvent } from '../ports/store';

/** How the outbox retries a failing mailer. */
export type RetryPolicy = Readonly<{ baseDelayMs: number; maxDelayMs: number }>;

/** Defaults: 1 s, doubling, at most 10 minutes; it never gives up on a message still true (until its link lapses: ADR 0025), so nothing is lost. */
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 600_000 };

/**
 * What one delivery run did: emails the mailer accepted, attempts that failed (to retry), and
 * messages withdrawn instead of sent because their link had lapsed (ADR 0025).
 */
export type DeliveryReport = Readonly<{ delivered: number; failed: number; withdrawn: number }>;

/** The topic of an invitation's emails: a commit closing the invitation withdraws them. */
export const invitationTopic = (id: InvitationId): string => `invitation:${id}`;

/**
 * The topics a commit's events close: an invitation revoked, resent (its earlier email's link is
 * dead), accepted or expired withdraws its pending emails. Read off the events rather than
 * listed by each use case, so no path that closes an invitation can forget to.
 */
export function topicsClosedBy(events: readonly WorkspaceEvent[]): string[] {
  const topics = new Set<string>();
  for (const e of events) {
    switch (e.type) {
      case 'InvitationResent':
      case 'InvitationRevoked':
      case 'InvitationAccepted':
      case 'InvitationExpired':
        topics.add(invitationTopic(e.data.invitationId));
    }
  }
  return [...topics];
}

/** Delay before the next attempt after `attempts` failures: exponential, capped. */
export function retryDelay(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempts, 30));
}

/**
 * Delivers due outbox messages: claims a batch under a lease, sends each with its idempotency key,
 * records success or schedules a retry. Safe to run in many processes at once.
 *
 * The lease covers the whole batch, and the messages go out one after another, so a slow mailer
 * could outlast it: another dispatcher would then claim the messages not yet sent and send them
 * too. So a run stops once half the lease has passed, leaving what it has not sent leased until
 * the lease ends and then due for any run; a single send would have to take half the lease to be
 * sent twice. Time is measured by the clock port and by the monotonic clock, whichever says more,
 * so a wall clock stepped back does not extend a run; dispatchers' clocks (which set the leases)
 * must agree to well within half a lease.
 *
 * A message whose `expiresAt` has come (at that instant inclusive, as a link is read) is not
 * sent but withdrawn, when the store can record it (`markWithdrawn`): its link would fail.
 */
export async function deliverDue(
  deps: Readonly<{ store: RosterStore; mailer: Mailer; now: () => Date; retry: RetryPolicy }>,
  options: Readonly<{ limit?: number; leaseMs?: number; ids?: readonly string[] }> = {},
): Promise<DeliveryReport> {
  // The run's time is read once, before anything is claimed, so a clock that fails ends the run
  // with nothing written. After that each outcome is stamped with a fresh reading, or with the
  // run's if the clock fails meanwhile: an email that went out is always recorded as sent, never
  // as a mailer failure to send again.
  const started = deps.now();
  const stamp = () => {
    try {
      return deps.now();
    } catch {
      return started;
    }
  };
  const leaseMs = options.leaseMs ?? 60_000;
  // Given ids (a commit's own emails), only those, where the store can lease messages by id; a
  // store that cannot is asked for the `limit` first due, as without ids.
  const claimed =
    options.ids && deps.store.claimOutboxMessages
      ? await deps.store.claimOutboxMessages(options.ids, started, leaseMs)
      : await deps.store.claimOutbox(started, options.limit ?? 50, leaseMs);
  // Time since the claim by the clock port (what the lease is reckoned in, and what tests move)
  // and by the monotonic clock (which a wall clock stepped back cannot rewind): the larger wins.
  const claimedAt = performance.now();
  const elapsed = () => Math.max(stamp().getTime() - started.getTime(), performance.now() - claimedAt);
  let delivered = 0;
  let failed = 0;
  let withdrawn = 0;
  for (const m of claimed) {
    if (elapsed() > leaseMs / 2) break;
    if (typeof m.expiresAt === 'string' && deps.store.markWithdrawn && hasPassed(m.expiresAt as IsoTime, stamp())) {
      await deps.store.markWithdrawn(m.id);
      withdrawn++;
      continue;
    }
    try {
      await deps.mailer.send({ to: m.to, subject: m.subject, text: m.text, html: m.html, idempotencyKey: m.idempotencyKey });
    } catch (e) {
      await deps.store.markFailed(m.id, e instanceof Error ? e.message : String(e), new Date(stamp().getTime() + retryDelay(m.attempts, deps.retry)));
      failed++;
      continue;
    }
    await deps.store.markDelivered(m.id, stamp());
    delivered++;
  }
  return { delivered, failed, withdrawn };
}

/** Builds a pending outbox message; `topic` and `expiresAt` are kept only when given. */
export function outboxMessage(
  fields: Pick<OutboxMessage, 'id' | 'workspaceId' | 'idempotencyKey' | 'to' | 'subject' | 'text' | 'html'> &
    Readonly<{ now: Date; topic?: string; expiresAt?: string }>,
): OutboxMessage {
  const at = fields.now.toISOString();
  return {
    ...(fields.topic === undefined ? {} : { topic: fields.topic }),
    ...(fields.expiresAt === undefined ? {} : { expiresAt: fields.expiresAt }),
    id: fields.id,
    workspaceId: fields.workspaceId,
    idempotencyKey: fields.idempotencyKey,
    to: fields.to,
    subject: fields.subject,
    text: fields.text,
    html: fields.html,
    status: 'pending',
    attempts: 0,
    createdAt: at,
    nextAttemptAt: at,
    deliveredAt: null,
    lastError: null,
  };
}
