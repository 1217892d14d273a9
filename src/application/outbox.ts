import type { InvitationId } from '../domain/ids';
import { hasPassed, type IsoTime } from '../domain/time';
import type { OutboxMessage } from '../ports/outbox';
import type { Mailer } from '../ports/services';
import type { RosterStore, WorkspaceEvent } from '../ports/store';
import { causeOf } from './cause';

/** How the outbox retries a failing mailer. */
export type RetryPolicy = Readonly<{ baseDelayMs: number; maxDelayMs: number }>;

/** Defaults: 1 s, doubling, at most 10 minutes; it never gives up on a message still true (until its link lapses: ADR 0025), so nothing is lost. */
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 600_000 };

/**
 * What one delivery run did, as the store recorded it: emails the mailer accepted, attempts that
 * failed (to retry), and messages withdrawn instead of sent because their link had lapsed
 * (ADR 0025). `unrecorded`: messages whose outcome the store failed to record (it threw); they
 * stay leased until the lease ends and are then due again, so one the mailer accepted may be sent
 * a second time, with the same idempotency key.
 */
export type DeliveryReport = Readonly<{ delivered: number; failed: number; withdrawn: number; unrecorded: number }>;

/** The most of a mailer's error text kept as `lastError`. */
export const LAST_ERROR_LENGTH = 1_000;

/**
 * A mailer's error as `lastError`: any text a store can keep, and no live link. Its message (or
 * the thrown value as text) with the message's links redacted ({@link redactLinks}), cut to
 * {@link LAST_ERROR_LENGTH} code units, with every NUL and unpaired surrogate replaced by U+FFFD:
 * PostgreSQL's `text` refuses NUL, and UTF-8 cannot encode a lone surrogate.
 *
 * @example storableError(new Error('550 unknown user "bob\u0000"'), message) // '550 unknown user "bob\uFFFD"'
 */
export function storableError(e: unknown, message: Body): string {
  const text = causeOf(e);
  // Redacted before the final cut, so a cut cannot leave most of a token too short to be
  // recognised; cut to a few times the kept length first, so a huge error costs no more than a
  // short one (a token runs 43 characters, far inside the margin). With the u flag a surrogate
  // pair is one code point, so the class matches only unpaired ones.
  return redactLinks(text.slice(0, 4 * LAST_ERROR_LENGTH), message).slice(0, LAST_ERROR_LENGTH).replace(/[\0\uD800-\uDFFF]/gu, '\uFFFD');
}

/** The part of an outbox message that may hold its link. */
type Body = Readonly<{ text: string; html?: string | null }>;

/**
 * `text` (a mailer's error about `message`) without the message's live link: every `http(s)://`
 * link of the message's body, every run of 43 or more base64url characters (a token's length:
 * any token, whatever link it came in), and every run of 8 or more that is part of a token of the
 * body (a token a mailer wrapped across lines) becomes `[redacted]`. `lastError` is shown to every
 * admin (`roster.outbox`), and ADR 0007 promises an admin cannot read someone else's live link.
 *
 * @example redactLinks('550 bad: https://x.example/join?token=…', message) // '550 bad: [redacted]'
 */
export function redactLinks(text: string, message: Body): string {
  const body = `${message.text} ${message.html ?? ''}`;
  for (const link of new Set(body.match(/https?:\/\/[^\s"'<>]+/g))) text = text.split(link).join(REDACTED);
  const tokens = body.match(/[\w-]{43,}/g) ?? [];
  return text.replace(/[\w-]{8,}/g, (run) => (run.length > 42 || tokens.some((t) => t.includes(run)) ? REDACTED : run));
}
const REDACTED = '[redacted]';

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
 * Delivers due outbox messages: claims them one at a time under a lease, sends each with its
 * idempotency key, records success or schedules a retry. Safe to run in many processes at once.
 *
 * Each message is claimed just before it is sent, not in a batch up front: a commit that
 * withdraws a message (its invitation revoked, resent, accepted) while the run is busy with
 * others finds it still pending and unleased, so it is never sent. Only a send already under way
 * when the withdrawal commits can still reach the mailer. A batch claimed at the start kept up to
 * `limit` messages away from withdrawal for the whole run, and their dead links went out.
 *
 * A run stops once half the lease has passed since it began, so a slow mailer cannot hold it for
 * long; a single send would have to take the whole lease to be sent twice. A send that has not
 * answered by three quarters of its lease counts as failed (`mailer did not answer …`), with the
 * usual retry delay: a mailer that never answers would otherwise hold the run, and every later
 * run that took the same message, for good. It is given up a quarter lease early so that the
 * failure is recorded while this run still holds the message: recorded at the lease's end, it
 * cleared the lease of a dispatcher that had taken the message meanwhile, and a third could send
 * it beside the second. (The send may still go through: the retry carries the same idempotency
 * key.) A failure's retry and a delivery are never dated before the run began, even if the wall
 * clock steps back meanwhile, so a message tried in this run is not due again within it. Time is measured by the
 * clock port and by the monotonic clock, whichever says more, so a wall clock stepped back does
 * not extend a run; dispatchers' clocks (which set the leases) must agree to well within a lease.
 *
 * A message whose `expiresAt` has come (at that instant inclusive, as a link is read) is not
 * sent but withdrawn, when the store can record it (`markWithdrawn`): its link would fail.
 *
 * Only the first claim failing rejects (nothing was sent); a later claim failing ends the run. A
 * store that fails to record one message's outcome costs that message alone: it is counted in
 * `unrecorded` and the run goes on. Two failures in a row look like the store, not the message:
 * the run stops there, rather than send emails it cannot record, and leaves the rest for a later
 * run.
 */
export async function deliverDue(
  deps: Readonly<{ store: RosterStore; mailer: Mailer; now: () => Date; retry: RetryPolicy }>,
  options: Readonly<{ limit?: number; leaseMs?: number; ids?: readonly string[]; background?: boolean; notBefore?: Date }> = {},
): Promise<DeliveryReport> {
  // The run's time is read once, before anything is claimed, so a clock that fails ends the run
  // with nothing written. After that each outcome is stamped with a fresh reading, or with the
  // run's if the clock fails meanwhile: an email that went out is always recorded as sent, never
  // as a mailer failure to send again. `notBefore` (a commit's time, for its own emails) is a
  // floor: a wall clock stepped back since the commit would find its messages not yet due.
  const started = new Date(Math.max(+deps.now(), +(options.notBefore ?? -Infinity)));
  const stamp = () => {
    try {
      return deps.now();
    } catch {
      return started;
    }
  };
  const leaseMs = options.leaseMs ?? 60_000;
  const store = deps.store;
  // Given ids (a commit's own emails), only those, where the store can lease messages by id; a
  // store that cannot is asked for the `limit` first due, as without ids. One message per claim,
  // each just before its send (see above).
  const ids = options.ids && store.claimOutboxMessages ? options.ids : undefined;
  const limit = ids ? ids.length : (options.limit ?? 50);
  // Time since the run began by the clock port (what the lease is reckoned in, and what tests
  // move) and by the monotonic clock (which a wall clock stepped back cannot rewind): the larger wins.
  const begunAt = performance.now();
  const elapsed = () => Math.max(stamp().getTime() - started.getTime(), performance.now() - begunAt);
  // Every claim is made at the run's start: what was due then, leased until the start plus a
  // lease. As the run stops at half a lease, each message it sends has at least half a lease
  // left, and a wall clock stepped back meanwhile cannot date a lease in the past, where another
  // dispatcher would take the message being sent.
  const claimNext = async (n: number): Promise<OutboxMessage | undefined> =>
    (ids ? await store.claimOutboxMessages!([ids[n]!], started, leaseMs) : await store.claimOutbox(started, 1, leaseMs))[0];
  // Messages this run took: one that failed and is due again at once (a zero retry delay) comes
  // back, and is left for the next run rather than sent again in this one.
  const taken = new Set<string>();
  const report = { delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 };
  // Failures of the store in a row; the run stops at the second.
  let failing = 0;
  const record = async (outcome: 'delivered' | 'failed' | 'withdrawn', mark: () => Promise<void>) => {
    try {
      await mark();
      report[outcome]++;
      failing = 0;
    } catch {
      report.unrecorded++;
      failing++;
    }
  };
  for (let n = 0; n < limit; n++) {
    if (failing > 1 || elapsed() > leaseMs / 2) break;
    let m: OutboxMessage | undefined;
    try {
      m = await claimNext(n);
    } catch (e) {
      // The first claim failing rejects the run (nothing was sent); a later one ends it with what
      // it did, which a rejection would hide. The message it asked for, if leased, is due again
      // when its lease ends.
      if (n === 0) throw e;
      break;
    }
    // Nothing due is left; a named message is skipped when it is gone (withdrawn, sent, leased).
    if (m === undefined) {
      if (ids) continue;
      break;
    }
    if (taken.has(m.id)) break;
    taken.add(m.id);
    if (typeof m.expiresAt === 'string' && store.markWithdrawn && hasPassed(m.expiresAt as IsoTime, stamp())) {
      await record('withdrawn', () => store.markWithdrawn!(m.id));
      continue;
    }
    try {
      const message = { to: m.to, subject: m.subject, text: m.text, html: m.html, idempotencyKey: m.idempotencyKey };
      await withinLease(() => deps.mailer.send(message), (leaseMs * 3) / 4 - elapsed(), options.background === true);
    } catch (e) {
      // Given up past the lease (a clock that jumped, a store write that took long): the message
      // may be another dispatcher's by now, and a mark would clear its lease. It is left as it is.
      if (elapsed() >= leaseMs) {
        report.failed++;
        continue;
      }
      const retryAt = Math.max(stamp().getTime() + retryDelay(m.attempts, deps.retry), started.getTime() + 1);
      await record('failed', () => store.markFailed(m.id, storableError(e, m), new Date(retryAt)));
      continue;
    }
    await record('delivered', () => store.markDelivered(m.id, new Date(Math.max(stamp().getTime(), started.getTime()))));
  }
  return report;
}

/**
 * A send that fails when `ms` pass without an answer, so a mailer that never answers cannot
 * hold a delivery run past its lease. The timer is cleared as soon as the send answers. In the
 * `background` (a command's own emails, sent on after it answered) it does not keep a Node
 * process alive on its own (`unref`): a script whose mailer hangs exits when its commands are
 * done rather than a lease later, and the message, still leased, is sent again by a later run.
 * A `deliverOutbox` run keeps its timer: the send is what it waits for, and it reports the
 * failure when the lease ends.
 */
function withinLease(send: () => Promise<void>, ms: number, background: boolean): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const lapsed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`mailer did not answer within the message's lease (${Math.round(ms)} ms left)`)), Math.max(0, ms));
    if (background) (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([Promise.resolve().then(send), lapsed]).finally(() => clearTimeout(timer));
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
