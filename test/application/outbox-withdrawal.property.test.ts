/**
 * Random histories of invitations, a mailer that comes and goes, and time passing: the mailer is
 * never handed an email whose link is dead when it is sent (ADR 0025), and every live link's
 * email still goes out. Then races, explored by fast-check's scheduler, between dispatchers and
 * the use cases that withdraw: once a withdrawal has committed, its email is never sent, and a
 * withdrawn message never becomes pending or delivered again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CapturingMailer,
  createRoster,
  DEFAULT_RETRY,
  ManualClock,
  MemoryIdentity,
  MemoryRosterStore,
  type ActorRef,
  type Commit,
  type InvitationId,
  type MailMessage,
  type Mailer,
  type RosterStore,
  type WorkspaceId,
} from 'agent-roster';
import { scheduledStore } from '../support/scheduled-store';

const PASSWORD = 'correct horse battery staple';
const EMAILS = ['bob@acme.com', 'cy@acme.com', 'dee@acme.com'] as const;

/** `invitation:<id>:<resendCount>`, the idempotency key of an invitation email. */
const keyParts = (key: string) => {
  const [, id, count] = key.split(':');
  return { invitationId: id as InvitationId, resendCount: Number(count) };
};

type Step =
  | Readonly<{ kind: 'invite' | 'resend' | 'revoke' | 'accept'; who: number }>
  | Readonly<{ kind: 'advance'; hours: number }>
  | Readonly<{ kind: 'deliver' | 'expireJob' | 'mailerDown' | 'mailerUp' }>;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('invite' as const, 'resend' as const, 'revoke' as const, 'accept' as const), who: fc.integer({ min: 0, max: EMAILS.length - 1 }) }),
  fc.record({ kind: fc.constant('advance' as const), hours: fc.constantFrom(0.01, 1, 24, 6 * 24, 7 * 24) }),
  fc.record({ kind: fc.constantFrom('deliver' as const, 'expireJob' as const, 'mailerDown' as const, 'mailerUp' as const) }),
);

describe('invitation emails over random histories', () => {
  it('never hands the mailer a dead link, and delivers every live one once the mailer is back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 30 }), fc.boolean(), async (steps, deliverImmediately) => {
        const clock = new ManualClock('2026-11-23T09:00:00Z');
        const store = new MemoryRosterStore();
        const capturing = new CapturingMailer();
        let down = false;
        const dead: string[] = [];
        // Checks each email against the stored invitation at the moment it is handed over.
        const checking: Mailer = {
          async send(message: MailMessage) {
            const { invitationId, resendCount } = keyParts(message.idempotencyKey);
            const invitation = (await store.loadInvitation(workspaceId, invitationId))?.value;
            const now = clock.now().getTime();
            if (!invitation || invitation.status !== 'pending' || invitation.resendCount !== resendCount || Date.parse(invitation.expiresAt) <= now) {
              dead.push(`${message.idempotencyKey} at ${clock.now().toISOString()}: ${invitation?.status}, resent ${invitation?.resendCount}, expires ${invitation?.expiresAt}`);
            }
            if (down) throw new Error('mailer down');
            await capturing.send(message);
          },
        };
        const roster = createRoster({ store, clock, mailer: checking, identity: new MemoryIdentity(), deliverImmediately });
        const opened = (await roster.createWorkspace({ name: 'Acme', plan: 'custom', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
        const workspaceId: WorkspaceId = opened.state.workspace.id;
        const ana: ActorRef = { workspaceId, agentId: opened.state.owner.id };
        const latest = new Map<string, InvitationId>();

        for (const step of steps) {
          switch (step.kind) {
            case 'invite': {
              const r = await roster.inviteAgent(ana, { email: EMAILS[step.who]! });
              if (r.isOk()) latest.set(EMAILS[step.who]!, r.value.state.invitation.id);
              break;
            }
            case 'resend':
            case 'revoke': {
              const invitationId = latest.get(EMAILS[step.who]!);
              if (!invitationId) break;
              await (step.kind === 'resend' ? roster.resendInvitation(ana, { invitationId }) : roster.revokeInvitation(ana, { invitationId }));
              break;
            }
            case 'accept':
              await roster.acceptInvitation({ token: capturing.lastTokenFor(EMAILS[step.who]!) ?? '', name: 'Someone', password: PASSWORD });
              break;
            case 'advance':
              clock.advance({ ms: Math.round(step.hours * 3_600_000) });
              break;
            case 'deliver':
              await roster.deliverOutbox();
              break;
            case 'expireJob':
              await roster.expireLapsedInvitations(workspaceId);
              break;
            case 'mailerDown':
            case 'mailerUp':
              down = step.kind === 'mailerDown';
          }
        }
        expect(dead).toEqual([]);

        // The mailer is back and every backoff has run out: each live link's latest email goes out.
        down = false;
        clock.advance({ ms: DEFAULT_RETRY.maxDelayMs });
        await roster.deliverOutbox(1_000);
        expect(dead).toEqual([]);
        const live = (await store.listInvitations(workspaceId, { status: 'pending', now: clock.now() })).map((i) => `invitation:${i.id}:${i.resendCount}`);
        const sent = new Set(capturing.sent.map((m) => m.idempotencyKey));
        expect(live.filter((key) => !sent.has(key))).toEqual([]);
        const outbox = await store.listOutbox(workspaceId);
        expect(outbox.filter((m) => m.status === 'pending').map((m) => m.idempotencyKey).filter((key) => !live.includes(key))).toEqual([]);
        expect(outbox.filter((m) => m.status !== 'pending' && (m.text !== '' || m.html !== null))).toEqual([]);

        // A week on, every link has lapsed: nothing is left to retry forever.
        clock.advance({ days: 8 });
        await roster.deliverOutbox(1_000);
        expect(dead).toEqual([]);
        expect(await store.listOutbox(workspaceId, 'pending')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('withdrawals racing dispatchers', () => {
  it('never sends an email after its withdrawal committed, nor brings a withdrawn message back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.constantFrom('revoke' as const, 'resend' as const, 'accept' as const), async (s, closing) => {
        const clock = new ManualClock('2026-11-23T09:00:00Z');
        // Purely optimistic: a session's commit would go to the store itself, past the wrappers.
        const memory = new MemoryRosterStore({ lockWorkspaces: false });
        const log: string[] = [];
        // Logs each withdrawal once committed, at the instant the store answers.
        const logging = new Proxy(memory, {
          get(target, name) {
            const original = Reflect.get(target, name, target) as unknown;
            if (name !== 'commit' || typeof original !== 'function') return typeof original === 'function' ? original.bind(target) : original;
            return async (commit: Commit) => {
              const outcome = await memory.commit(commit);
              if (outcome.committed) for (const topic of commit.withdraw ?? []) log.push(`withdrawn ${topic}`);
              return outcome;
            };
          },
        }) as RosterStore;
        const stats = { commits: 0, staleVersions: 0 };
        const racingStore = scheduledStore(s, logging, stats);
        const handOver = s.scheduleFunction(async function mailerAnswers(_key: string) {});
        const mailer: Mailer = {
          async send(message) {
            log.push(`send ${message.idempotencyKey}`);
            await handOver(message.idempotencyKey);
          },
        };
        const common = { clock, identity: new MemoryIdentity(), deliverImmediately: false, conflictBackoff: { baseDelayMs: 0, maxDelayMs: 0 } } as const;
        const setup = createRoster({ ...common, store: memory, mailer: new CapturingMailer() });
        const opened = (await setup.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
        const workspaceId = opened.state.workspace.id;
        const ana: ActorRef = { workspaceId, agentId: opened.state.owner.id };
        const bob = (await setup.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap().state.invitation;
        const [pending] = await memory.listOutbox(workspaceId, 'pending');
        const token = pending!.text.match(/token=([A-Za-z0-9_-]{43})/)![1]!;

        const racing = createRoster({ ...common, store: racingStore, mailer, maxAttempts: 50 });
        const closes = {
          revoke: () => racing.revokeInvitation(ana, { invitationId: bob.id }),
          resend: () => racing.resendInvitation(ana, { invitationId: bob.id }),
          accept: () => racing.acceptInvitation({ token, name: 'Bob', password: PASSWORD }),
        };
        const [closed] = await s.waitFor(Promise.all([closes[closing](), racing.deliverOutbox(), racing.deliverOutbox()]));
        expect(closed.isOk()).toBe(true);

        // Later runs, once every lease has run out, send what is still due.
        clock.advance({ hours: 1 });
        await s.waitFor(Promise.resolve(racing.deliverOutbox()));

        const firstKey = `invitation:${bob.id}:0`;
        const withdrawnAt = log.indexOf(`withdrawn invitation:${bob.id}`);
        expect(withdrawnAt).toBeGreaterThanOrEqual(0);
        const sends = log.flatMap((entry, at) => (entry === `send ${firstKey}` ? [at] : []));
        // At least once: a send already under way may finish after the withdrawal; none starts after it.
        expect(sends.filter((at) => at > withdrawnAt)).toEqual([]);
        const [first, ...rest] = await memory.listOutbox(workspaceId);
        expect(first).toMatchObject({ idempotencyKey: firstKey, text: '', html: null });
        expect(first!.status).toBe(sends.length > 0 && first!.deliveredAt !== null ? 'delivered' : 'withdrawn');
        if (first!.status === 'delivered') expect(sends[0]!).toBeLessThan(withdrawnAt);
        // A resend's own email is not withdrawn with the first, and goes out once.
        expect(rest.map((m) => [m.idempotencyKey, m.status])).toEqual(closing === 'resend' ? [[`invitation:${bob.id}:1`, 'delivered']] : []);
        if (closing === 'resend') expect(log.filter((e) => e === `send invitation:${bob.id}:1`)).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
