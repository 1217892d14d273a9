/**
 * An invitation email whose link is already dead is not sent (ADR 0025): the commit that revokes,
 * resends, accepts or expires an invitation withdraws its pending email, delivery withdraws one
 * whose link lapsed meanwhile, and a send racing a withdrawal never brings the message back.
 */
import { describe, expect, it } from 'vitest';
import { createRoster, DEFAULT_RETRY, type MailMessage, type Mailer } from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

/** A shop whose mailer is down until `mailerBack()`; `retryAll()` then lets every backoff pass and delivers. */
async function aShopWithTheMailerDown(options: Parameters<typeof aShop>[0] = {}) {
  const shop = await aShop(options);
  shop.mailer.failWhen = () => true;
  const mailerBack = () => {
    shop.mailer.failWhen = () => false;
  };
  const retryAll = async () => {
    shop.clock.advance({ ms: DEFAULT_RETRY.maxDelayMs });
    return (await shop.roster.deliverOutbox())._unsafeUnwrap();
  };
  const statuses = async () => (await shop.store.listOutbox(shop.workspaceId)).map((m) => [m.idempotencyKey, m.status]);
  const sentTo = (email: string) => shop.mailer.sent.filter((m) => m.to === email);
  return { ...shop, mailerBack, retryAll, statuses, sentTo };
}

describe('an invitation email that has not gone out yet', () => {
  it('is withdrawn by the revoke, in the same commit, body and all, and never sent', async () => {
    const shop = await aShopWithTheMailerDown();
    const bob = await shop.invite('bob@acme.com');
    (await shop.roster.revokeInvitation(shop.ana, { invitationId: bob.id }))._unsafeUnwrap();

    const [message] = await shop.store.listOutbox(shop.workspaceId);
    expect(message).toMatchObject({ idempotencyKey: `invitation:${bob.id}:0`, status: 'withdrawn', text: '', html: null, deliveredAt: null });
    expect((await shop.roster.outbox(shop.ana, 'withdrawn'))._unsafeUnwrap().map((m) => m.id)).toEqual([message!.id]);
    expect((await shop.roster.outbox(shop.ana, 'pending'))._unsafeUnwrap()).toEqual([]);

    shop.mailerBack();
    expect(await shop.retryAll()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.sentTo('bob@acme.com')).toEqual([]);
  });

  it('is replaced by the resend: only the new link goes out, and it works', async () => {
    const shop = await aShopWithTheMailerDown();
    const bob = await shop.invite('bob@acme.com');
    (await shop.roster.resendInvitation(shop.ana, { invitationId: bob.id }))._unsafeUnwrap();
    expect(await shop.statuses()).toEqual([
      [`invitation:${bob.id}:0`, 'withdrawn'],
      [`invitation:${bob.id}:1`, 'pending'],
    ]);

    shop.mailerBack();
    expect(await shop.retryAll()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.sentTo('bob@acme.com').map((m) => m.idempotencyKey)).toEqual([`invitation:${bob.id}:1`]);
    expect((await shop.roster.acceptInvitation({ token: shop.tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD })).isOk()).toBe(true);
  });

  it('is withdrawn when the invitation is accepted meanwhile (a send the mailer reported failed had reached the invitee)', async () => {
    // The mailer hands the email over, then reports a timeout: the outbox retries, but Bob joins first.
    const shop = await aShop({ deliverImmediately: false });
    const delivered: MailMessage[] = [];
    const timingOut: Mailer = {
      async send(message) {
        delivered.push(message);
        throw new Error('timeout');
      },
    };
    const roster = createRoster({ store: shop.store, clock: shop.clock, identity: shop.identity, mailer: timingOut, deliverImmediately: false });
    const bob = await shop.invite('bob@acme.com');
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 1, withdrawn: 0, unrecorded: 0 });
    const token = delivered[0]!.text.match(/token=([A-Za-z0-9_-]{43})/)![1]!;
    (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();

    expect(await shop.store.listOutbox(shop.workspaceId)).toMatchObject([{ idempotencyKey: `invitation:${bob.id}:0`, status: 'withdrawn', attempts: 1 }]);
    shop.clock.advance({ ms: DEFAULT_RETRY.maxDelayMs });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(delivered).toHaveLength(1);
  });

  it('is withdrawn by the sweep of any seat-relevant use case once its invitation lapsed', async () => {
    const shop = await aShopWithTheMailerDown();
    const bob = await shop.invite('bob@acme.com');
    shop.clock.advance({ days: 8 });
    const cy = await shop.invite('cy@acme.com'); // sweeps Bob's lapsed invitation
    expect(await shop.statuses()).toEqual([
      [`invitation:${bob.id}:0`, 'withdrawn'],
      [`invitation:${cy.id}:0`, 'pending'],
    ]);
    shop.mailerBack();
    expect(await shop.retryAll()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.mailer.sent.map((m) => m.to)).toEqual(['cy@acme.com']);
  });

  it('is withdrawn by expireLapsedInvitations', async () => {
    const shop = await aShopWithTheMailerDown();
    const bob = await shop.invite('bob@acme.com');
    const cy = await shop.invite('cy@acme.com');
    shop.clock.advance({ days: 8 });
    (await shop.roster.expireLapsedInvitations(shop.workspaceId))._unsafeUnwrap();
    expect(await shop.statuses()).toEqual([
      [`invitation:${bob.id}:0`, 'withdrawn'],
      [`invitation:${cy.id}:0`, 'withdrawn'],
    ]);
  });

  it('is withdrawn by delivery, not sent, once its link has lapsed with nothing recorded (lazy expiry)', async () => {
    const shop = await aShopWithTheMailerDown({ deliverImmediately: false });
    const bob = await shop.invite('bob@acme.com');
    const cy = await shop.invite('cy@acme.com');
    shop.mailerBack();
    // Sent up to the last millisecond of the link's life; at its expiry (inclusive, as statusAt reads it) it is not.
    shop.clock.set(new Date(Date.parse(bob.expiresAt) - 1));
    expect((await shop.roster.deliverOutbox(1))._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    shop.clock.set(new Date(bob.expiresAt));
    expect((await shop.roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 1, unrecorded: 0 });

    expect(await shop.statuses()).toEqual([
      [`invitation:${bob.id}:0`, 'delivered'],
      [`invitation:${cy.id}:0`, 'withdrawn'],
    ]);
    expect(shop.mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com']);
    expect((await shop.store.listOutbox(shop.workspaceId, 'withdrawn'))[0]).toMatchObject({ text: '', html: null, attempts: 0 });
    // Not retried every ten minutes forever: it is done.
    shop.clock.advance({ days: 30 });
    expect((await shop.roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
  });

  it('of a resent invitation carries the new expiry, so the resend is sent after the first link would have lapsed', async () => {
    const shop = await aShopWithTheMailerDown({ deliverImmediately: false });
    const bob = await shop.invite('bob@acme.com');
    shop.clock.advance({ days: 6 });
    (await shop.roster.resendInvitation(shop.ana, { invitationId: bob.id }))._unsafeUnwrap();
    shop.mailerBack();
    shop.clock.advance({ days: 2 }); // past the first link's expiry, well within the second's
    expect((await shop.roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.sentTo('bob@acme.com').map((m) => m.idempotencyKey)).toEqual([`invitation:${bob.id}:1`]);
  });

  it('is not touched by commits that leave its invitation open', async () => {
    const shop = await aShopWithTheMailerDown();
    const sales = (await shop.roster.createDepartment(shop.ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
    const bob = await shop.invite('bob@acme.com', { departmentIds: [sales.id] });
    (await shop.roster.deleteDepartment(shop.ana, { departmentId: sales.id }))._unsafeUnwrap();
    await shop.invite('cy@acme.com');
    (await shop.roster.changeSettings(shop.ana, { name: 'Acme Care' }))._unsafeUnwrap();
    expect((await shop.store.listOutbox(shop.workspaceId)).map((m) => m.status)).toEqual(['pending', 'pending']);
    shop.mailerBack();
    expect(await shop.retryAll()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.sentTo('bob@acme.com').map((m) => m.idempotencyKey)).toEqual([`invitation:${bob.id}:0`]);
  });
});

describe('a store of your own written before withdrawals', () => {
  it('still works: without markWithdrawn a lapsed email is sent as it used to be, and counted delivered', async () => {
    const shop = await aShopWithTheMailerDown({ deliverImmediately: false });
    const older = new Proxy(shop.store, {
      get: (target, name) => (name === 'markWithdrawn' ? undefined : (Reflect.get(target, name, target) as (...a: unknown[]) => unknown).bind(target)),
    });
    const roster = createRoster({ store: older, clock: shop.clock, identity: shop.identity, mailer: shop.mailer, deliverImmediately: false });
    await shop.invite('bob@acme.com');
    shop.mailerBack();
    shop.clock.advance({ days: 8 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
  });
});

describe('a withdrawal racing a send', () => {
  /** A shop whose dispatcher's mailer runs what `whileSending` gives inside its next send, then succeeds or (`failing`) fails once. */
  async function aShopWithASlowMailer() {
    const shop = await aShop({ deliverImmediately: false });
    let during: () => Promise<void> = async () => {};
    let fails = false;
    const sends: string[] = [];
    const slow: Mailer = {
      async send(message) {
        sends.push(message.idempotencyKey);
        await during();
        if (fails) {
          fails = false;
          throw new Error('mailer timed out');
        }
      },
    };
    const dispatcher = createRoster({ store: shop.store, clock: shop.clock, identity: shop.identity, mailer: slow, deliverImmediately: false });
    return {
      ...shop,
      dispatcher,
      sends,
      whileSending: (run: () => Promise<void>, failing = false) => {
        fails = failing;
        during = async () => {
          during = async () => {};
          await run();
        };
      },
    };
  }

  it('keeps the message withdrawn when the send then succeeds: the late mark does not make it delivered', async () => {
    const shop = await aShopWithASlowMailer();
    const bob = await shop.invite('bob@acme.com');
    shop.whileSending(async () => void (await shop.roster.revokeInvitation(shop.ana, { invitationId: bob.id }))._unsafeUnwrap());
    expect((await shop.dispatcher.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(await shop.store.listOutbox(shop.workspaceId)).toMatchObject([{ status: 'withdrawn', deliveredAt: null, text: '' }]);
    shop.clock.advance({ hours: 1 });
    expect((await shop.dispatcher.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.sends).toEqual([`invitation:${bob.id}:0`]);
  });

  it('does not send a message withdrawn while the run was busy with an earlier one: each is claimed just before its send', async () => {
    const shop = await aShopWithASlowMailer();
    const bob = await shop.invite('bob@acme.com');
    await shop.invite('cy@acme.com');
    const dee = await shop.invite('dee@acme.com');
    // Another instance revokes Dee's invitation while the dispatcher is sending Bob's email.
    shop.whileSending(async () => void (await shop.roster.revokeInvitation(shop.ana, { invitationId: dee.id }))._unsafeUnwrap());
    expect((await shop.dispatcher.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.sends.map((key) => key.split(':')[1])).toEqual([bob.id, expect.any(String)]);
    expect(shop.sends).not.toContain(`invitation:${dee.id}:0`);
    const statuses = (await shop.store.listOutbox(shop.workspaceId)).map((m) => [m.to, m.status]);
    expect(statuses).toEqual([
      ['bob@acme.com', 'delivered'],
      ['cy@acme.com', 'delivered'],
      ['dee@acme.com', 'withdrawn'],
    ]);
  });

  it('keeps the message withdrawn when the send then fails: it is never retried', async () => {
    const shop = await aShopWithASlowMailer();
    const bob = await shop.invite('bob@acme.com');
    shop.whileSending(async () => void (await shop.roster.resendInvitation(shop.ana, { invitationId: bob.id }))._unsafeUnwrap(), true);
    expect((await shop.dispatcher.deliverOutbox(1))._unsafeUnwrap()).toEqual({ delivered: 0, failed: 1, withdrawn: 0, unrecorded: 0 });
    const [first, second] = await shop.store.listOutbox(shop.workspaceId);
    expect(first).toMatchObject({ idempotencyKey: `invitation:${bob.id}:0`, status: 'withdrawn', attempts: 0, lastError: null });
    expect(second).toMatchObject({ idempotencyKey: `invitation:${bob.id}:1`, status: 'pending' });

    shop.clock.advance({ hours: 1 });
    expect((await shop.dispatcher.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(shop.sends).toEqual([`invitation:${bob.id}:0`, `invitation:${bob.id}:1`]);
  });
});

describe('roster.outbox(actor, status)', () => {
  it('lists withdrawn messages, and still refuses a status that is none of the three', async () => {
    const shop = await aShopWithTheMailerDown();
    const bob = await shop.invite('bob@acme.com');
    await shop.invite('cy@acme.com');
    (await shop.roster.revokeInvitation(shop.ana, { invitationId: bob.id }))._unsafeUnwrap();
    expect((await shop.roster.outbox(shop.ana, 'withdrawn'))._unsafeUnwrap().map((m) => m.to)).toEqual(['bob@acme.com']);
    expect((await shop.roster.outbox(shop.ana, 'pending'))._unsafeUnwrap().map((m) => m.to)).toEqual(['cy@acme.com']);
    expect((await shop.roster.outbox(shop.ana))._unsafeUnwrap()).toHaveLength(2);
    await failure(shop.roster.outbox(shop.ana, 'cancelled' as never), 'ValidationFailed');
  });
});
