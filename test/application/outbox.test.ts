/**
 * The outbox with a mailer that fails every other call: each invitation email is delivered once
 * per idempotency key, none is lost, retries wait for their backoff, and delivery state can be read.
 */
import type { Result } from 'neverthrow';
import { describe, expect, it, vi } from 'vitest';
import {
  CapturingMailer,
  createRoster,
  DEFAULT_RETRY,
  ManualClock,
  MemoryAccountDirectory,
  MemoryIdentity,
  MemoryRosterStore,
  type ActorRef,
  type InviteAgentInput,
  type MailMessage,
  type Mailer,
  type RosterOptions,
  type RosterStore,
} from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

/** A CapturingMailer failing every odd call, and a count of the calls that really went through, per idempotency key. */
function aFlakyMailer() {
  const capturing = new CapturingMailer();
  capturing.failWhen = (_, n) => n % 2 === 1;
  const accepted = new Map<string, number>();
  const mailer: Mailer = {
    async send(message: MailMessage) {
      await capturing.send(message);
      accepted.set(message.idempotencyKey, (accepted.get(message.idempotencyKey) ?? 0) + 1);
    },
  };
  return { mailer, capturing, accepted };
}

const idOf = (messages: readonly { id: string; to: string }[], to: string) => messages.find((m) => m.to === to)!.id;

describe('the outbox', () => {
  it('delivers every one of 20 invitation emails exactly once through a mailer failing half its calls', async () => {
    const flaky = aFlakyMailer();
    const { roster, ana, clock } = await aShop({ plan: 'custom', mailer: flaky.mailer });
    const invitations = [];
    for (let n = 1; n <= 20; n++) invitations.push((await roster.inviteAgent(ana, { email: `agent${n}@acme.com` }))._unsafeUnwrap().state.invitation);
    expect(flaky.capturing.failures).toBeGreaterThan(0);

    const pendingAfterInvites = (await roster.outbox(ana, 'pending'))._unsafeUnwrap();
    expect(pendingAfterInvites.length).toBeGreaterThan(0);
    expect(pendingAfterInvites.every((m) => m.attempts >= 1 && m.lastError === 'mailer unavailable (simulated)')).toBe(true);

    // Nothing is retried before its backoff has passed.
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });

    for (let round = 0; round < 30; round++) {
      if ((await roster.outbox(ana, 'pending'))._unsafeUnwrap().length === 0) break;
      clock.advance({ ms: DEFAULT_RETRY.maxDelayMs });
      await roster.deliverOutbox();
    }

    const keys = invitations.map((i) => `invitation:${i.id}:0`).sort();
    expect([...flaky.accepted.keys()].sort()).toEqual(keys);
    expect([...flaky.accepted.values()].every((times) => times === 1)).toBe(true);
    expect(flaky.capturing.sent.map((m) => m.to).sort()).toEqual(invitations.map((i) => i.email).sort());
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toEqual([]);
    const delivered = (await roster.outbox(ana, 'delivered'))._unsafeUnwrap();
    expect(delivered.map((m) => m.idempotencyKey).sort()).toEqual(keys);
    expect(delivered.every((m) => m.text === '' && m.html === null && m.deliveredAt !== null)).toBe(true);
    for (const invitation of invitations) {
      const token = flaky.capturing.lastTokenFor(invitation.email);
      expect((await roster.previewInvitation({ token: token ?? '' }))._unsafeUnwrap().email).toBe(invitation.email);
    }
  });

  it('retries after an exponential backoff, each failure recorded', async () => {
    const flaky = aFlakyMailer();
    flaky.capturing.failWhen = (_, n) => n <= 3;
    const { roster, ana, clock } = await aShop({ mailer: flaky.mailer });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    const state = async () => (await roster.outbox(ana))._unsafeUnwrap()[0];
    expect(await state()).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: '2026-11-23T09:00:01.000Z' });
    clock.advance({ ms: 999 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
    clock.advance({ ms: 1 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 1, withdrawn: 0, unrecorded: 0 });
    expect(await state()).toMatchObject({ attempts: 2, nextAttemptAt: '2026-11-23T09:00:03.000Z' });
    clock.advance({ seconds: 2 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 1, withdrawn: 0, unrecorded: 0 });
    expect(await state()).toMatchObject({ attempts: 3, nextAttemptAt: '2026-11-23T09:00:07.000Z' });
    clock.advance({ seconds: 4 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(await state()).toMatchObject({ status: 'delivered', attempts: 4, deliveredAt: '2026-11-23T09:00:07.000Z' });
  });

  it('leaves messages pending until deliverOutbox() when deliverImmediately is off', async () => {
    const { roster, ana, mailer, clock } = await aShop({ deliverImmediately: false });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    await roster.inviteAgent(ana, { email: 'cy@acme.com' });
    clock.advance({ hours: 1 });
    expect(mailer.sent).toEqual([]);
    const pending = (await roster.outbox(ana, 'pending'))._unsafeUnwrap();
    expect(pending.map((m) => m.to).sort()).toEqual(['bob@acme.com', 'cy@acme.com']);
    expect(pending.every((m) => m.attempts === 0 && m.deliveredAt === null)).toBe(true);
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(['bob@acme.com', 'cy@acme.com']);
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toEqual([]);
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
  });

  it('lists roster.outbox by createdAt, then id, as outboxPage does, whatever order the store lists in', async () => {
    // A store of your own may list in any order (the port lets it): here, newest first.
    class ReverseListingStore extends MemoryRosterStore {
      override async listOutbox(...args: Parameters<MemoryRosterStore['listOutbox']>) {
        return [...(await super.listOutbox(...args))].reverse();
      }
    }
    const { roster, ana, clock } = await aShop({ store: new ReverseListingStore(), deliverImmediately: false });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    clock.advance({ minutes: 1 });
    await roster.inviteAgent(ana, { email: 'cy@acme.com' });
    await roster.inviteAgent(ana, { email: 'dee@acme.com' }); // the same instant: by id
    clock.advance({ minutes: 1 });
    await roster.inviteAgent(ana, { email: 'eve@acme.com' });
    const listed = (await roster.outbox(ana))._unsafeUnwrap();
    const paged = (await roster.outboxPage(ana))._unsafeUnwrap().items;
    expect(listed.map((m) => m.id)).toEqual(paged.map((m) => m.id));
    expect(listed.map((m) => m.to)).toEqual(['bob@acme.com', ...['cy@acme.com', 'dee@acme.com'].sort((x, y) => (idOf(listed, x) < idOf(listed, y) ? -1 : 1)), 'eve@acme.com']);
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap().map((m) => m.id)).toEqual(listed.map((m) => m.id));
  });

  it('gives a resent invitation its own idempotency key, so the new link is not dropped as a duplicate', async () => {
    const { roster, ana, mailer } = await aShop();
    const sent = (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap().state.invitation;
    (await roster.resendInvitation(ana, { invitationId: sent.id }))._unsafeUnwrap();
    expect(mailer.sent.map((m) => m.idempotencyKey)).toEqual([`invitation:${sent.id}:0`, `invitation:${sent.id}:1`]);
  });
});

describe('a slow mailer', () => {
  /**
   * A store, a shared clock, twenty invitation emails waiting, and a mailer whose every send takes
   * 5 s; `during(send)` runs inside each send, `sends` counts what went out per idempotency key.
   */
  async function aSlowOutbox(during: (clockNow: number) => Promise<void> = async () => {}) {
    const store = new MemoryRosterStore();
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const sends = new Map<string, number>();
    const slow: Mailer = {
      async send(message: MailMessage) {
        sends.set(message.idempotencyKey, (sends.get(message.idempotencyKey) ?? 0) + 1);
        clock.advance({ seconds: 5 });
        await during(clock.now().getTime());
      },
    };
    const shared: RosterOptions = { store, mailer: slow, identity: new MemoryIdentity(), deliverImmediately: false };
    const { roster, invite } = await aShop({ ...shared, clock, plan: 'custom' });
    for (let n = 1; n <= 20; n++) await invite(`agent${n}@acme.com`);
    const sentOnce = () => [...sends.values()].every((n) => n === 1);
    return { store, clock, sends, shared, roster, sentOnce };
  }

  it('never has an email sent twice by two dispatchers: a run stops once half its lease has passed, and leaves the rest for a later run', async () => {
    // A second dispatcher (another process on the same store) runs as soon as the first run's
    // 60 s lease is over, if the first is still sending then: it would claim what the first had
    // not sent yet, and the first would send those too. Stopping at half the lease, it never is.
    let second: (() => Promise<unknown>) | undefined;
    let claimedAt = 0;
    const { clock, sends, shared, roster, sentOnce } = await aSlowOutbox(async (now) => {
      if (second && now - claimedAt > 61_000) {
        const run = second;
        second = undefined;
        await run();
      }
    });
    const other = createRoster({ ...shared, clock });
    second = async () => await other.deliverOutbox();
    claimedAt = clock.now().getTime();

    const first = (await roster.deliverOutbox())._unsafeUnwrap();
    expect(first.delivered).toBeLessThan(20); // it stopped with half of its 60 s lease gone
    expect(sentOnce()).toBe(true);
    // Later runs (a timer) send the rest once their lease has run out, a few at a time.
    for (let run = 0; run < 10 && sends.size < 20; run++) {
      clock.advance({ minutes: 1 });
      await roster.deliverOutbox();
    }
    expect(sends.size).toBe(20);
    expect(sentOnce()).toBe(true);
  });

  /**
   * Two dispatchers on one slow outbox: host A, whose wall clock steps back ten minutes during its
   * first send (NTP, a resumed VM), and host B, whose clock is right. Each send takes 5 s of true
   * time (the monotonic clock, mocked, and B's clock); `onSend(n, trueMs)` runs inside the n-th.
   */
  async function twoHostsOneSteppedBack(onSend: (n: number, trueMs: number) => Promise<void>) {
    const truth = { now: 0 };
    const monotonic = vi.spyOn(performance, 'now').mockImplementation(() => truth.now);
    const hostA = new ManualClock('2026-11-23T09:00:00Z');
    const hostB = new ManualClock('2026-11-23T09:00:00Z');
    let calls = 0;
    const outbox = await aSlowOutbox(async () => {
      calls++;
      truth.now += 5_000;
      hostB.advance({ seconds: 5 });
      if (calls === 1) hostA.set(new Date(hostA.now().getTime() - 600_000));
      await onSend(calls, truth.now);
    });
    const a = createRoster({ ...outbox.shared, store: outbox.store, clock: hostA });
    const b = createRoster({ ...outbox.shared, store: outbox.store, clock: hostB });
    return { ...outbox, a, b, restore: () => monotonic.mockRestore() };
  }

  it('stops by the monotonic clock too, so a wall clock stepped back does not stretch a run past its lease', async () => {
    // B runs once A's lease is over by the true time.
    let second: (() => Promise<unknown>) | undefined;
    const hosts = await twoHostsOneSteppedBack(async (_n, trueMs) => {
      if (second && trueMs > 61_000) {
        const run = second;
        second = undefined;
        await run();
      }
    });
    try {
      second = async () => await hosts.b.deliverOutbox();
      const first = (await hosts.a.deliverOutbox())._unsafeUnwrap();
      expect(first.delivered).toBeLessThan(20);
      expect(hosts.sentOnce()).toBe(true);
      expect(hosts.sends.size).toBeLessThan(20);
    } finally {
      hosts.restore();
    }
  });

  it('leases every message from the run\'s start, so a wall clock stepped back mid-run does not lease one into the past', async () => {
    // B runs during A's third send, 10 s after A's clock stepped back: A's later claims must still
    // hold a lease B respects, or B would take the message A is sending.
    let second: (() => Promise<unknown>) | undefined;
    const hosts = await twoHostsOneSteppedBack(async (n) => {
      if (n === 3 && second) await second();
    });
    try {
      second = async () => (await hosts.b.deliverOutbox(1))._unsafeUnwrap();
      await hosts.a.deliverOutbox(4);
      expect(hosts.sends.size).toBe(5);
      expect(hosts.sentOnce()).toBe(true);
    } finally {
      hosts.restore();
    }
  });
});

describe('a message that fails and is due again at once', () => {
  it('is tried once a run, not again and again within it (a zero retry delay)', async () => {
    const { roster, invite, mailer } = await aShop({ deliverImmediately: false, retry: { baseDelayMs: 0, maxDelayMs: 0 } });
    await invite('bob@acme.com');
    let calls = 0;
    mailer.failWhen = () => (calls++, true);
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 1, withdrawn: 0, unrecorded: 0 });
    expect(calls).toBe(1);
  });
});

describe('deliverOutbox(limit)', () => {
  it('delivers at most `limit` messages, and refuses a limit that is not a whole number of at least 1 with ValidationFailed, sending nothing', async () => {
    const { roster, invite, mailer } = await aShop({ plan: 'enterprise', deliverImmediately: false });
    for (const name of ['bob', 'cy', 'dee', 'eve']) await invite(`${name}@acme.com`);
    for (const limit of [-1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'x', null, {}, 2 ** 60]) {
      const refused = await failure(roster.deliverOutbox(limit as never), 'ValidationFailed');
      expect(refused.issues.map((i) => i.path)).toEqual(['limit']);
    }
    expect(mailer.sent).toEqual([]);
    expect((await roster.deliverOutbox(1))._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect((await roster.deliverOutbox(2))._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect((await roster.deliverOutbox(undefined))._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
  });
});

describe('immediate delivery (deliverImmediately)', () => {
  it('sends the email the command queued and no other: another workspace\'s backlog stays for deliverOutbox', async () => {
    const mailer = new CapturingMailer();
    let down = true;
    mailer.failWhen = () => down;
    const a = await aShop({ plan: 'custom', mailer });
    for (let n = 0; n < 12; n++) await a.roster.inviteAgent(a.ana, { email: `backlog${n}@a.com` });
    expect(mailer.sent).toEqual([]);
    down = false;
    a.clock.advance({ minutes: 5 }); // every backlog email is due again
    // A second workspace on the same roster, store and mailer invites one person.
    const b = (await a.roster.createWorkspace({ name: 'Beta', plan: 'pro', owner: { email: 'olga@b.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    const olga = { workspaceId: b.state.workspace.id, agentId: b.state.owner.id };
    mailer.sent.length = 0;
    (await a.roster.inviteAgent(olga, { email: 'solo@b.com' }))._unsafeUnwrap();
    expect(mailer.sent.map((m) => m.to)).toEqual(['solo@b.com']);
    expect((await a.roster.outbox(a.ana, 'pending'))._unsafeUnwrap()).toHaveLength(12);
    expect((await a.roster.deliverOutbox())._unsafeUnwrap()).toMatchObject({ delivered: 12 });
  });

  it('answers after deliveryWaitMs when the mailer hangs, with the invitation committed and its email left to deliverOutbox', async () => {
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const sends: string[] = [];
    const mailer: Mailer = { send: async (m) => { sends.push(m.to); await hung; } };
    const { roster, ana, store, workspaceId } = await aShop({ mailer, deliveryWaitMs: 50 });
    const started = performance.now();
    const invited = await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    const took = performance.now() - started;
    expect(invited.isOk()).toBe(true);
    expect(took).toBeLessThan(5_000); // bounded (about 50 ms), where it used to wait for ever
    expect(sends).toEqual(['bob@acme.com']);
    expect((await store.listInvitations(workspaceId)).map((i) => i.email)).toEqual(['bob@acme.com']);
    // The send under way holds its lease: nobody else sends it meanwhile.
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
    release();
    await vi.waitFor(async () => expect((await roster.outbox(ana, 'delivered'))._unsafeUnwrap()).toHaveLength(1));
  });

  it('counts a send that never answers as failed when its lease ends, so one message cannot hold the outbox for good', async () => {
    const sends: string[] = [];
    const mailer: Mailer = { send: (m) => (sends.push(m.to), m.to === 'bob@acme.com' ? new Promise<void>(() => undefined) : Promise.resolve()) };
    const { roster, ana } = await aShop({ mailer, deliverImmediately: false });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    await roster.inviteAgent(ana, { email: 'cy@acme.com' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const run = roster.deliverOutbox();
      await vi.advanceTimersByTimeAsync(60_000);
      expect((await run)._unsafeUnwrap()).toMatchObject({ delivered: 1, failed: 1 });
    } finally {
      vi.useRealTimers();
    }
    expect(sends).toEqual(['bob@acme.com', 'cy@acme.com']);
    const [bob] = (await roster.outbox(ana, 'pending'))._unsafeUnwrap();
    expect(bob).toMatchObject({ to: 'bob@acme.com', attempts: 1, lastError: expect.stringMatching(/^mailer did not answer within the message's lease/) });
  });

  it("records nothing for a send given up after its lease has gone, so another dispatcher's lease on the message stands", async () => {
    const sends: string[] = [];
    const answers: (() => void)[] = [];
    // The first send never answers; every later one answers when released.
    const mailer: Mailer = { send: (m) => (sends.push(m.to), sends.length === 1 ? new Promise<void>(() => undefined) : new Promise<void>((done) => answers.push(done))) };
    const { roster, ana, clock } = await aShop({ mailer, deliverImmediately: false });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const a = roster.deliverOutbox(); // leases bob's email for 60 s; its send hangs
      await vi.advanceTimersByTimeAsync(30_000);
      clock.advance({ seconds: 61 }); // by the clock A's lease is over: B takes the message
      const b = roster.deliverOutbox();
      await vi.advanceTimersByTimeAsync(0);
      expect(sends).toEqual(['bob@acme.com', 'bob@acme.com']);
      await vi.advanceTimersByTimeAsync(31_000); // A gives its send up; B, 31 s into its own lease, waits on
      expect((await a)._unsafeUnwrap()).toMatchObject({ delivered: 0, failed: 1 });
      clock.advance({ seconds: 2 });
      // B still holds the message: a third dispatcher finds nothing to send.
      expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
      expect(sends).toHaveLength(2);
      answers.splice(0).forEach((done) => done());
      expect((await b)._unsafeUnwrap()).toMatchObject({ delivered: 1 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("sends a command's own email though the wall clock stepped back between the commit and the send", async () => {
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const store = new MemoryRosterStore();
    const commit = store.commit.bind(store);
    let step = false;
    // NTP steps the clock back 1 ms right after the commit: the send's own reading is earlier than
    // the message's nextAttemptAt, which was the commit's time.
    store.commit = async (c) => {
      const done = await commit(c);
      if (step) clock.advance({ ms: -1 });
      return done;
    };
    const { roster, ana, mailer } = await aShop({ clock, store });
    step = true;
    (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com']);
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toEqual([]);
  });

  it('takes a message that failed with a zero retry delay in the next run, not a lease later', async () => {
    let down = true;
    const mailer: Mailer = { send: async () => { if (down) throw new Error('down'); } };
    const { roster, ana, clock } = await aShop({ mailer, deliverImmediately: false, retry: { baseDelayMs: 0, maxDelayMs: 0 } });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toMatchObject({ delivered: 0, failed: 1 });
    down = false;
    clock.advance({ seconds: 5 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toMatchObject({ delivered: 1 });
  });

  it('dates a retry and a delivery no earlier than the run began, though the clock step back during the send', async () => {
    let calls = 0;
    const { roster, ana, clock } = await aShop({ deliverImmediately: false, mailer: { send: async () => { calls++; clock.advance({ minutes: -10 }); if (calls === 1) throw new Error('down'); } } });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    const began = clock.now().toISOString();
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toMatchObject({ failed: 1 });
    const [failed] = (await roster.outbox(ana, 'pending'))._unsafeUnwrap();
    expect(failed!.nextAttemptAt > began).toBe(true);
    clock.advance({ minutes: 20 });
    const again = clock.now().toISOString();
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toMatchObject({ delivered: 1 });
    const [sent] = (await roster.outbox(ana, 'delivered'))._unsafeUnwrap();
    expect(sent!.deliveredAt! >= again).toBe(true);
  });

  describe('whether a send that has not answered keeps the process alive', () => {
    /** A mailer whose sends answer only when released. */
    const held = () => {
      const waiting: (() => void)[] = [];
      const mailer: Mailer = { send: () => new Promise<void>((resolve) => waiting.push(resolve)) };
      const sending = async () => {
        while (waiting.length === 0) await new Promise((next) => setImmediate(next));
      };
      return { mailer, sending, release: () => waiting.splice(0).forEach((answer) => answer()) };
    };
    /**
     * The lease timers made while `run` runs (the ones of 30 s or more: a lease is 60 s less what
     * the run took; `deliveryWaitMs` and the rest are shorter), each as Node holds it. Looked at
     * one by one, not counted among the process's timers, which other tests' come and go in.
     */
    const leaseTimersDuring = async (run: () => Promise<unknown>) => {
      const real = globalThis.setTimeout;
      const made: NodeJS.Timeout[] = [];
      const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
        const timer = real(callback, ms);
        if ((ms ?? 0) >= 30_000) made.push(timer);
        return timer;
      }) as typeof setTimeout);
      try {
        await run();
      } finally {
        spy.mockRestore();
      }
      return made;
    };

    it("a command's own email, sent on after it answered, does not: its lease timer is unref'd", async () => {
      const { mailer, release } = held();
      const { roster, ana } = await aShop({ mailer, deliveryWaitMs: 5 });
      // The invite answers after deliveryWaitMs; the send goes on, under its 60 s lease.
      const leases = await leaseTimersDuring(async () => (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap());
      expect(leases.map((t) => t.hasRef())).toEqual([false]);
      release();
    });

    it('a deliverOutbox run does: the send is what it waits for, so a job script gets its report', async () => {
      const { mailer, sending, release } = held();
      const { roster, ana } = await aShop({ mailer, deliverImmediately: false });
      (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
      let run: ReturnType<typeof roster.deliverOutbox> | undefined;
      const leases = await leaseTimersDuring(async () => {
        run = roster.deliverOutbox();
        await sending();
      });
      expect(leases.map((t) => t.hasRef())).toEqual([true]);
      release();
      expect((await run!)._unsafeUnwrap()).toMatchObject({ delivered: 1, failed: 0 });
    });
  });

  it('on a store that cannot lease by id, sends what is due as before', async () => {
    const inner = new MemoryRosterStore();
    // The store of an earlier release: everything but claimOutboxMessages.
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as unknown;
        if (name === 'claimOutboxMessages') return undefined;
        return typeof original === 'function' ? original.bind(target) : original;
      },
    }) as RosterStore;
    const mailer = new CapturingMailer();
    mailer.failWhen = (m) => m.to === 'bob@acme.com';
    const { roster, ana, clock } = await aShop({ store, mailer });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    mailer.failWhen = () => false;
    clock.advance({ minutes: 1 });
    await roster.inviteAgent(ana, { email: 'cy@acme.com' });
    // Bob's email was due again: the fallback, claimOutbox, sent it along with Cy's.
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(['bob@acme.com', 'cy@acme.com']);
  });

  it('refuses a deliveryWaitMs that is not milliseconds when the roster is built', () => {
    // 2^31 ms and more: a timer that long fires at once (Node waits 1 ms), so it would not wait at all.
    for (const deliveryWaitMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '100']) {
      expect(() => createRoster({ deliveryWaitMs } as never), String(deliveryWaitMs)).toThrow(/^createRoster: deliveryWaitMs: /);
    }
    expect(() => createRoster({ deliveryWaitMs: 0 })).not.toThrow();
    expect(() => createRoster({ deliveryWaitMs: 2 ** 31 - 1 })).not.toThrow();
  });
});

/**
 * A memory store that, like PostgreSQL's `text`, refuses a NUL in `lastError`, and that fails to
 * record the outcome of the messages to the addresses in `failFor`.
 */
function aPickyStore() {
  const inner = new MemoryRosterStore();
  const failFor = new Set<string>();
  const toOf = new Map<string, string>();
  const refuse = (id: string) => {
    if (failFor.has(toOf.get(id) ?? '')) throw new Error('connection reset');
  };
  const store = new Proxy(inner, {
    get(target, name) {
      const original = Reflect.get(target, name, target) as unknown;
      if (typeof original !== 'function') return original;
      const call = (...args: unknown[]) => (original as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      switch (name) {
        case 'claimOutbox':
        case 'claimOutboxMessages':
          return async (...args: unknown[]) => {
            const claimed = (await call(...args)) as { id: string; to: string }[];
            for (const m of claimed) toOf.set(m.id, m.to);
            return claimed;
          };
        case 'markFailed':
          return async (id: string, error: string, at: Date) => {
            if (error.includes('\u0000')) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
            refuse(id);
            return call(id, error, at);
          };
        case 'markDelivered':
        case 'markWithdrawn':
          return async (id: string, ...rest: unknown[]) => {
            refuse(id);
            return call(id, ...rest);
          };
        default:
          return call;
      }
    },
  }) as RosterStore;
  return { store, failFor };
}

describe("a mailer's error, and a store that fails to record an outcome", () => {
  it('records a mailer error holding a NUL, so one bounced address does not hold up everyone else\'s email', async () => {
    const picky = aPickyStore();
    let down = true;
    const mailer: Mailer = {
      send: async (m) => {
        if (m.to === 'bob@acme.com') throw new Error('550 unknown user "bob\u0000"');
        if (down) throw new Error('421 try later');
      },
    };
    const { roster, ana, clock } = await aShop({ store: picky.store, mailer });
    await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    clock.advance({ ms: 5 });
    for (const email of ['cy@acme.com', 'di@acme.com', 'ed@acme.com']) await roster.inviteAgent(ana, { email });
    down = false;
    clock.advance({ minutes: 2 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 3, failed: 1, withdrawn: 0, unrecorded: 0 });
    const bob = (await roster.outbox(ana, 'pending'))._unsafeUnwrap();
    expect(bob.map((m) => [m.to, m.attempts, m.lastError])).toEqual([['bob@acme.com', 2, '550 unknown user "bob\uFFFD"']]);
  });

  it('keeps lastError storable: NUL and unpaired surrogates replaced, pairs kept, at most 1,000 code units', async () => {
    const thrown: unknown[] = [
      // Fillers are not base64url runs, which would be redacted as token-like.
      new Error(`a\u0000b\uD800c\uDC00d😀${'x.'.repeat(2_500)}`),
      `${'y.'.repeat(499)}y😀`, // the cut falls inside the pair
      Object.create(null), // String() throws on it
      42,
    ];
    let call = 0;
    const mailer: Mailer = { send: async () => { throw thrown[call++]; } };
    const { roster, ana } = await aShop({ mailer, deliverImmediately: false, plan: 'enterprise' });
    for (const name of ['bob', 'cy', 'dee', 'eve']) await roster.inviteAgent(ana, { email: `${name}@acme.com` });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toMatchObject({ failed: 4, unrecorded: 0 });
    // Invited in one instant, they are listed by id: read each error by its recipient, in the order sent.
    const pending = (await roster.outbox(ana, 'pending'))._unsafeUnwrap();
    const errors = ['bob', 'cy', 'dee', 'eve'].map((name) => pending.find((m) => m.to === `${name}@acme.com`)!.lastError!);
    expect(errors[0]).toBe(`a\uFFFDb\uFFFDc\uFFFDd😀${'x.'.repeat(2_500)}`.slice(0, 1_000));
    expect(errors[1]).toBe(`${'y.'.repeat(499)}y\uFFFD`);
    expect(errors[2]).toBe('unprintable error');
    expect(errors[3]).toBe('42');
    for (const e of errors) expect(e.length).toBeLessThanOrEqual(1_000);
  });

  describe('keeps no live link in lastError, which every admin reads in roster.outbox (ADR 0007)', () => {
    const tokenOf = (text: string) => /token=([\w-]{43})/.exec(text)![1]!;
    const cases: [string, (m: MailMessage) => string][] = [
      ['echoes the whole text body', (m) => `550 5.7.1 message rejected as spam: ${m.text}`],
      ['echoes only the token', (m) => `422 unprocessable: link id ${tokenOf(m.text)} looks suspicious`],
      ['echoes the link in quotes, twice', (m) => `bad link "${/https?:\S+/.exec(m.text)![0]}" (${/https?:\S+/.exec(m.text)![0]})`],
      ['wraps the token across lines, as quoted-printable does', (m) => `raw: token=${tokenOf(m.text).slice(0, 20)}=\r\n${tokenOf(m.text).slice(20)}`],
    ];
    it.each(cases)('a mailer that %s', async (_, refusal) => {
      const sent: MailMessage[] = [];
      let failing = true;
      const mailer: Mailer = {
        send: async (m) => {
          if (failing) throw new Error(refusal(m));
          sent.push(m);
        },
      };
      const { roster, ana, clock } = await aShop({ mailer, acceptUrl: 'https://app.example.com/join' });
      await roster.inviteAgent(ana, { email: 'bob@acme.com' });
      const [shown] = (await roster.outbox(ana, 'pending'))._unsafeUnwrap();
      const stored = (await roster.deliverOutbox(), (await roster.outbox(ana, 'pending'))._unsafeUnwrap()[0]!);
      failing = false;
      clock.advance({ minutes: 10 });
      (await roster.deliverOutbox())._unsafeUnwrap();
      const token = tokenOf(sent[0]!.text);
      for (const error of [shown!.lastError!, stored.lastError!]) {
        expect(error).toContain('[redacted]');
        expect(error).not.toContain('https://app.example.com/join');
        for (const piece of [token.slice(0, 20), token.slice(20), token.slice(10, 30)]) expect(error).not.toContain(piece);
      }
      expect(shown!.lastError).toMatch(/^(550|422|bad link|raw)/); // the mailer's own words stay
      // Redacted only where it is shown: the link still works.
      (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    });

    it('redacts a lastError stored before this rule (or by a store of your own) as roster.outbox shows it', async () => {
      const store = new MemoryRosterStore();
      const { roster, ana, workspaceId } = await aShop({ store, deliverImmediately: false, acceptUrl: 'https://app.example.com/join' });
      await roster.inviteAgent(ana, { email: 'bob@acme.com' });
      const [message] = await store.listOutbox(workspaceId);
      const link = /https?:\S+/.exec(message!.text)![0];
      await store.markFailed(message!.id, `550 rejected: ${link} and ${'A'.repeat(43)}`, new Date('2026-11-23T10:00:00Z'));
      const listed = [(await roster.outbox(ana))._unsafeUnwrap()[0]!, (await roster.outboxPage(ana))._unsafeUnwrap().items[0]!];
      for (const m of listed) expect(m.lastError).toBe('550 rejected: [redacted] and [redacted]');
    });
  });

  it('goes on with the batch when the store fails to record one message, counting it in unrecorded', async () => {
    const picky = aPickyStore();
    const mailer = new CapturingMailer();
    mailer.failWhen = (m) => m.to === 'cy@acme.com';
    const { roster, ana, invite, clock } = await aShop({ store: picky.store, mailer, deliverImmediately: false, plan: 'enterprise' });
    for (const name of ['bob', 'cy', 'dee', 'eve', 'fay']) {
      await invite(`${name}@acme.com`);
      clock.advance({ ms: 1 }); // due in this order
    }
    picky.failFor.add('bob@acme.com').add('eve@acme.com');
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 2, failed: 1, withdrawn: 0, unrecorded: 2 });
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com', 'dee@acme.com', 'eve@acme.com', 'fay@acme.com']);
    // The two unrecorded stay leased, then come due again: sent a second time, with the same key.
    picky.failFor.clear();
    mailer.failWhen = () => false;
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
    clock.advance({ minutes: 2 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 3, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toEqual([]);
  });

  it('ends a run whose later claim fails with what it delivered, instead of rejecting; the first claim failing still rejects', async () => {
    const inner = new MemoryRosterStore();
    let claims = 0;
    let failFrom = Number.POSITIVE_INFINITY;
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as unknown;
        if (typeof original !== 'function') return original;
        if (name !== 'claimOutbox') return (original as (...a: unknown[]) => unknown).bind(target);
        return async (...args: unknown[]) => {
          if (++claims >= failFrom) throw new Error('connection reset');
          return (original as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    }) as RosterStore;
    const { roster, invite, mailer } = await aShop({ store, deliverImmediately: false, plan: 'enterprise' });
    for (const name of ['bob', 'cy', 'dee']) await invite(`${name}@acme.com`);
    failFrom = claims + 2;
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com']);
    failFrom = claims + 1;
    expect((await roster.deliverOutbox())._unsafeUnwrapErr().type).toBe('StoreUnavailable');
    failFrom = Number.POSITIVE_INFINITY;
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
  });

  it('stops the run at the second failure in a row to record, leaving the rest unclaimed for the next run', async () => {
    const picky = aPickyStore();
    const { roster, ana, invite, clock, mailer } = await aShop({ store: picky.store, deliverImmediately: false, plan: 'enterprise' });
    for (const name of ['bob', 'cy', 'dee', 'eve']) {
      await invite(`${name}@acme.com`);
      clock.advance({ ms: 1 });
    }
    picky.failFor.add('bob@acme.com').add('cy@acme.com');
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 2 });
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com', 'cy@acme.com']);
    picky.failFor.clear();
    // Dee and Eve were never claimed: the next run sends them; Bob and Cy stay leased till the lease ends.
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com', 'cy@acme.com', 'dee@acme.com', 'eve@acme.com']);
    clock.advance({ minutes: 2 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toEqual([]);
  });
});
