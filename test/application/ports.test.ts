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
