/**
 * What the roster does when a port says no or breaks: a rate limiter refusing, the identity system
 * down, a store method failing, a store that keeps conflicting. Each time: a typed error and
 * nothing changed.
 */
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import {
  CapturingMailer,
  createRoster,
  ManualClock,
  MemoryAccountDirectory,
  MemoryIdentity,
  MemoryRosterStore,
  type ActorRef,
  type InviteAgentInput,
  type RateLimiter,
  type RosterOptions,
  type RosterStore,
} from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

type Action = Parameters<RateLimiter['consume']>[0]['action'];

/** Allows everything except the actions in `refuse`; remembers every request. */
class FakeRateLimiter implements RateLimiter {
  readonly requests: { action: Action; key: string }[] = [];
  readonly refuse = new Set<Action>();
  async consume(request: Readonly<{ action: Action; key: string }>) {
    this.requests.push({ ...request });
    return this.refuse.has(request.action) ? ({ allowed: false, retryAfterMs: 30_000 } as const) : ({ allowed: true } as const);
  }
}

/** An identity system that can be taken down. */
class FlakyIdentity extends MemoryIdentity {
  down = false;
  override async createLogin(login: Parameters<MemoryIdentity['createLogin']>[0]) {
    if (this.down) throw new Error('identity provider timed out');
    return super.createLogin(login);
  }
}

/** A memory store whose named methods fail (rejecting, or throwing when `synchronously`), counting commits. */
function breakableStore() {
  const inner = new MemoryRosterStore();
  const failing = new Set<string>();
  let synchronously = false;
  const calls = { commit: 0 };
  const store = new Proxy(inner, {
    get(target, name) {
      const original = Reflect.get(target, name, target) as unknown;
      if (typeof original !== 'function') return original;
      return (...args: unknown[]) => {
        if (name === 'commit') calls.commit++;
        if (failing.has(String(name))) {
          if (synchronously) throw new Error(`${String(name)}: connection reset`);
          return Promise.reject(new Error(`${String(name)}: connection reset`));
        }
        return (original as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as RosterStore;
  return { store, inner, failing, calls, throwSynchronously: () => void (synchronously = true) };
}

describe('a rate limiter', () => {
  it('throttles invite, resend, preview and accept; a refusal changes nothing', async () => {
    const limiter = new FakeRateLimiter();
    const { roster, ana, invite, tokenFor, snapshot, mailer, identity, workspaceId } = await aShop({ rateLimiter: limiter });
    const bob = await invite('bob@acme.com');
    const token = tokenFor('bob@acme.com');
    limiter.refuse.add('invite').add('resend').add('accept').add('preview');
    const before = await snapshot();
    const sent = mailer.sent.length;
    const logins = identity.logins.size;

    expect(await failure(roster.inviteAgent(ana, { email: 'cy@acme.com' }), 'RateLimited')).toMatchObject({ retryAfterMs: 30_000 });
    await failure(roster.resendInvitation(ana, { invitationId: bob.id }), 'RateLimited');
    await failure(roster.previewInvitation({ token }, { requester: '203.0.113.7' }), 'RateLimited');
    await failure(roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }, { requester: '203.0.113.7' }), 'RateLimited');

    expect(await snapshot()).toEqual(before);
    expect(mailer.sent).toHaveLength(sent);
    expect(identity.logins.size).toBe(logins);
    expect(limiter.requests.slice(1)).toEqual([
      { action: 'invite', key: `${workspaceId}:${ana.agentId}` },
      { action: 'resend', key: `${workspaceId}:${ana.agentId}` },
      { action: 'preview', key: '203.0.113.7' },
      { action: 'accept', key: '203.0.113.7' },
    ]);

    limiter.refuse.clear();
    (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });
});

describe('the identity port', () => {
  it('failing to create the login makes the accept fail with IdentityUnavailable, committing nothing', async () => {
    const identity = new FlakyIdentity();
    const { roster, invite, tokenFor, snapshot } = await aShop({ identity });
    await invite('bob@acme.com');
    const before = await snapshot();
    identity.down = true;
    const token = tokenFor('bob@acme.com');
    expect(await failure(roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }), 'IdentityUnavailable')).toMatchObject({
      cause: 'identity provider timed out',
    });
    expect(await snapshot()).toEqual(before);
    expect(identity.logins.size).toBe(1);
    identity.down = false;
    (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it('failing to create the owner\'s login makes opening a workspace fail, committing nothing', async () => {
    const identity = new FlakyIdentity();
    const broken = breakableStore();
    const roster = createRoster({ identity, store: broken.store, clock: new ManualClock() });
    identity.down = true;
    const opening = roster.createWorkspace({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana', password: PASSWORD } });
    await failure(opening, 'IdentityUnavailable');
    expect(broken.calls.commit).toBe(0);
  });

  it('loses the login again when the accept that created it could not be committed', async () => {
    const broken = breakableStore();
    const { roster, invite, tokenFor, identity } = await aShop({ store: broken.store });
    await invite('bob@acme.com');
    broken.failing.add('commit');
    await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'StoreUnavailable');
    expect([...identity.logins.values()].map((l) => l.email)).toEqual(['ana@acme.com']);
  });
});

describe('a failing host port other than the store', () => {
  const down = (how: 'rejects' | 'throws', what: string) =>
    how === 'rejects'
      ? () => Promise.reject(new Error(`${what} down`))
      : () => {
          throw new Error(`${what} down`);
        };

  for (const how of ['rejects', 'throws'] as const) {
    it(`is ServiceUnavailable naming the port, not StoreUnavailable, when it ${how}; nothing changes`, async () => {
      const ports = { accounts: false, rateLimiter: false, breached: false, signedIn: false };
      const identity = new MemoryIdentity();
      const signedIn = identity.signedInEmail.bind(identity);
      identity.signedInEmail = (session: unknown) => (ports.signedIn ? down(how, 'identity')() : signedIn(session)) as Promise<string | null>;
      const { roster, ana, invite, tokenFor, join, snapshot } = await aShop({
        identity,
        accounts: { isStandaloneAccount: async (email) => (ports.accounts ? down(how, 'directory')() : email === 'taken@acme.com') },
        rateLimiter: { consume: async () => (ports.rateLimiter ? down(how, 'limiter')() : { allowed: true }) },
        breachedPasswords: { isBreached: async () => (ports.breached ? down(how, 'breach api')() : false) },
      });
      const bob = await join('Bob');
      await invite('cy@acme.com');
      const before = await snapshot();
      const expectService = async <V, E extends { type: string }>(outcome: PromiseLike<Result<V, E>>, service: string, label: string) =>
        expect(await failure(outcome, 'ServiceUnavailable')).toEqual({
          type: 'ServiceUnavailable',
          service,
          cause: `${{ accountDirectory: 'directory', rateLimiter: 'limiter', breachedPasswords: 'breach api', identity: 'identity' }[service]} down`,
          message: `The ${label} (${service}) failed. Nothing was changed; try again.`,
        });

      ports.accounts = true;
      await expectService(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'accountDirectory', 'account directory');
      await expectService(roster.editAgent(ana, { agentId: bob.agentId, email: 'robert@acme.com' }), 'accountDirectory', 'account directory');
      await expectService(roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }), 'accountDirectory', 'account directory');
      ports.accounts = false;

      ports.rateLimiter = true;
      await expectService(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'rateLimiter', 'rate limiter');
      await expectService(roster.previewInvitation({ token: tokenFor('cy@acme.com') }), 'rateLimiter', 'rate limiter');
      ports.rateLimiter = false;

      ports.breached = true;
      await expectService(roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }), 'breachedPasswords', 'breached-password check');
      await expectService(
        roster.createWorkspace({ name: 'Other', owner: { email: 'zed@other.com', name: 'Zed', password: PASSWORD } }),
        'breachedPasswords',
        'breached-password check',
      );
      ports.breached = false;

      ports.signedIn = true;
      await expectService(
        roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }, { session: 'cookie' }),
        'identity',
        'sign-in system',
      );
      ports.signedIn = false;

      expect(await snapshot()).toEqual(before);
      (await roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }))._unsafeUnwrap();
    });
  }

  it('a createLogin that throws instead of rejecting is IdentityUnavailable, like a rejection', async () => {
    const identity = new MemoryIdentity();
    const { roster, invite, tokenFor, snapshot } = await aShop({ identity });
    await invite('bob@acme.com');
    const before = await snapshot();
    const createLogin = identity.createLogin.bind(identity);
    identity.createLogin = () => {
      throw new Error('sync boom');
    };
    expect(await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'IdentityUnavailable')).toMatchObject({
      cause: 'sync boom',
    });
    const opening = roster.createWorkspace({ name: 'Shop', owner: { email: 'zed@shop.com', name: 'Zed', password: PASSWORD } });
    expect(await failure(opening, 'IdentityUnavailable')).toMatchObject({ cause: 'sync boom' });
    expect(await snapshot()).toEqual(before);
    identity.createLogin = createLogin;
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it('an invitation template or link builder that throws, or renders nothing, is ServiceUnavailable naming it; no invitation is stored without its email', async () => {
    const host = { template: 'works' as 'works' | 'throws' | 'empty', link: 'works' as 'works' | 'throws' | 'empty' };
    const { roster, ana, invite, snapshot, mailer } = await aShop({
      templates: {
        invitation: (e) => {
          if (host.template === 'throws') throw new Error('template typo');
          return host.template === 'empty' ? ({} as never) : { subject: `Join ${e.workspaceName}`, text: e.link };
        },
      },
      acceptUrl: (token) => {
        if (host.link === 'throws') throw new Error('no base url');
        return host.link === 'empty' ? (undefined as never) : `https://app.example.com/join/${token}`;
      },
    });
    const cy = await invite('cy@acme.com');
    const before = await snapshot();
    const sent = mailer.sent.length;
    const refusals: unknown[] = [];
    for (const [template, link] of [['throws', 'works'], ['empty', 'works'], ['works', 'throws'], ['works', 'empty']] as const) {
      Object.assign(host, { template, link });
      const invited = await failure(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'ServiceUnavailable');
      const resent = await failure(roster.resendInvitation(ana, { invitationId: cy.id }), 'ServiceUnavailable');
      for (const e of [invited, resent]) refusals.push({ service: e.service, cause: e.cause });
    }
    expect(refusals).toEqual([
      { service: 'templates', cause: 'template typo' },
      { service: 'templates', cause: 'template typo' },
      { service: 'templates', cause: 'templates.invitation returned no subject or text' },
      { service: 'templates', cause: 'templates.invitation returned no subject or text' },
      { service: 'acceptUrl', cause: 'no base url' },
      { service: 'acceptUrl', cause: 'no base url' },
      { service: 'acceptUrl', cause: 'acceptUrl returned no string' },
      { service: 'acceptUrl', cause: 'acceptUrl returned no string' },
    ]);
    expect(await snapshot()).toEqual(before);
    expect(mailer.sent).toHaveLength(sent);
  });
});

describe('a failing store', () => {
  const inviteReads = ['loadWorkspace', 'loadAgent', 'lapsedInvitations', 'loadDepartments', 'emailHolder', 'commit'];
  for (const method of inviteReads) {
    it(`turns a failing ${method} into StoreUnavailable for an invitation, changing nothing`, async () => {
      const broken = breakableStore();
      const { roster, ana, snapshot, mailer } = await aShop({ store: broken.store, standalone: [] });
      const before = await snapshot();
      broken.failing.add(method);
      expect(await failure(roster.inviteAgent(ana, { email: 'bob@acme.com' }), 'StoreUnavailable')).toMatchObject({
        cause: `${method}: connection reset`,
      });
      broken.failing.clear();
      expect(await snapshot()).toEqual(before);
      expect(mailer.sent).toEqual([]);
    });
  }

  it('turns a method that throws instead of rejecting into StoreUnavailable too', async () => {
    const broken = breakableStore();
    const { roster, ana } = await aShop({ store: broken.store });
    broken.throwSynchronously();
    broken.failing.add('emailHolder').add('listAgents');
    await failure(roster.inviteAgent(ana, { email: 'bob@acme.com' }), 'StoreUnavailable');
    await failure(roster.listAgents(ana), 'StoreUnavailable');
  });

  it('turns failing token lookups and queries into StoreUnavailable', async () => {
    const broken = breakableStore();
    const { roster, ana, invite, tokenFor } = await aShop({ store: broken.store });
    await invite('bob@acme.com');
    broken.failing.add('findInvitationByTokenHash').add('listAgents').add('events').add('listOutbox');
    await failure(roster.previewInvitation({ token: tokenFor('bob@acme.com') }), 'StoreUnavailable');
    await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'StoreUnavailable');
    await failure(roster.listAgents(ana), 'StoreUnavailable');
    await failure(roster.events(ana), 'StoreUnavailable');
    await failure(roster.outbox(ana), 'StoreUnavailable');
  });

  it('keeps a committed invitation when only the delivery right after the commit fails; a later run sends it', async () => {
    const broken = breakableStore();
    const { roster, ana, mailer } = await aShop({ store: broken.store });
    broken.failing.add('claimOutbox');
    (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    expect(mailer.sent).toEqual([]);
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toHaveLength(1);
    broken.failing.clear();
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0 });
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com']);
  });

  it('gives up with ConcurrencyConflict after maxAttempts conflicts, changing nothing', async () => {
    const inner = new MemoryRosterStore();
    let conflicting = false;
    let commits = 0;
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as (...a: unknown[]) => unknown;
        if (name !== 'commit') return typeof original === 'function' ? original.bind(target) : original;
        return (...args: unknown[]) => {
          commits++;
          return conflicting ? Promise.resolve({ committed: false, reason: 'stale-version', detail: 'simulated' }) : original.apply(target, args);
        };
      },
    }) as RosterStore;
    const { roster, ana, invite, tokenFor, snapshot, identity } = await aShop({ store, maxAttempts: 3 });
    await invite('bob@acme.com');
    const before = await snapshot();
    conflicting = true;
    commits = 0;
    expect(await failure(roster.inviteAgent(ana, { email: 'cy@acme.com' }), 'ConcurrencyConflict')).toMatchObject({ attempts: 3 });
    expect(commits).toBe(3);
    await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'ConcurrencyConflict');
    expect(await snapshot()).toEqual(before);
    expect(identity.logins.size).toBe(1);
  });
});
