/**
 * `CapturingMailer.lastTokenFor` finds the invitation token whatever link the host's `acceptUrl`
 * builds and wherever its template puts it, so tests (and the kit's `rosterDriver`) work with a
 * production-shaped link, not only the default `?token=`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapturingMailer, type RosterOptions } from 'agent-roster';
import { rosterDriver, rosterProperty } from 'agent-roster/testing';
import { aShop, PASSWORD } from '../support/shop';

/** Invites Bob through a roster with these options, and accepts with the token the mailer reads. */
async function inviteAndAccept(options: RosterOptions) {
  const shop = await aShop(options);
  await shop.invite('bob@acme.com');
  const token = shop.mailer.lastTokenFor('bob@acme.com');
  const accepted = await shop.roster.acceptInvitation({ token: token ?? '', name: 'Bob', password: PASSWORD });
  return { token, accepted };
}

describe('CapturingMailer.lastTokenFor', () => {
  const links: readonly [string, RosterOptions['acceptUrl']][] = [
    ['a path segment', (t) => `https://app.example.com/join/${t}`],
    ['another parameter name, followed by more', (t) => `https://app.example.com/join?t=${t}&lang=fr`],
    ['a token parameter that is not the first', (t) => `https://app.example.com/join?lang=fr&token=${t}`],
    ['the default link', undefined],
  ];
  it.each(links)('reads the token from %s', async (_, acceptUrl) => {
    const { token, accepted } = await inviteAndAccept(acceptUrl ? { acceptUrl } : {});
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(accepted.isOk()).toBe(true);
  });

  it('finds the email whatever the spelling of the address, as the roster reads it', async () => {
    const shop = await aShop();
    await shop.invite('Bob@Bücher.de');
    const token = shop.mailer.lastTokenFor('bob@xn--bcher-kva.de');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const spelling of ['Bob@Bücher.de', ' BOB@BÜCHER.DE ', 'bob@xn--bcher-kva.de']) expect(shop.mailer.lastTokenFor(spelling)).toBe(token);
    expect(shop.mailer.lastTokenFor('bob@buecher.de')).toBeUndefined();
    expect(shop.mailer.lastTokenFor('not an address')).toBeUndefined();
    // An address the roster would not take is looked up as written, for an email a host sent itself.
    const own = new CapturingMailer();
    await own.send({ to: 'ops@localhost', subject: 'Join', text: `https://app.example.com/join?token=${'t'.repeat(43)}`, html: null, idempotencyKey: 'k1' });
    expect(own.lastTokenFor('ops@localhost')).toBe('t'.repeat(43));
  });

  it('reads it from the HTML when the text has no link', async () => {
    const { token, accepted } = await inviteAndAccept({
      acceptUrl: (t) => `https://app.example.com/join/${t}`,
      templates: { invitation: (e) => ({ subject: 'Join us', text: 'Open the HTML part of this email.', html: `<a href="${e.link}">Join</a>` }) },
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(accepted.isOk()).toBe(true);
  });

  it('takes a token= parameter over another 43-character run, and answers undefined when there is none', async () => {
    const mailer = new CapturingMailer();
    const token = 'T'.repeat(43);
    const decoy = 'd'.repeat(43);
    await mailer.send({ to: 'a@x.io', subject: 's', text: `ref ${decoy} then https://x.io/?token=${token}`, html: null, idempotencyKey: 'k1' });
    await mailer.send({ to: 'b@x.io', subject: 's', text: `no link, only ${'e'.repeat(44)} and ${'f'.repeat(42)}`, html: null, idempotencyKey: 'k2' });
    expect(mailer.lastTokenFor('a@x.io')).toBe(token);
    expect(mailer.lastTokenFor('b@x.io')).toBeUndefined();
    expect(mailer.lastTokenFor('nobody@x.io')).toBeUndefined();
  });
});

describe('the testing kit with a host-shaped link', () => {
  it('runs rosterProperty against a roster whose acceptUrl puts the token in a path segment', async () => {
    const driver = () => rosterDriver({ rosterOptions: { acceptUrl: (t) => `https://app.example.com/join/${t}` } });
    const details = await fc.check(rosterProperty(driver), { numRuns: 25, seed: 7 });
    expect(details.failed, String(details.errorInstance)).toBe(false);
  });
});
