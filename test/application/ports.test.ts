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
  type RosterSession,
  type RosterStore,
} from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

type Action = Parameters<RateLimiter['consume']>[0]['action'];

/** Allows everything except the actions in `refuse`; remembers every request. */
class FakeRateLimiter implements RateLimiter {
  readonly requests: { action: Action; key: string; email?: string }[] = [];
  readonly refuse = new Set<Action>();
  async consume(request: Readonly<{ action: Action; key: string; email?: string }>) {
    this.requests.push({ ...request });
    return this.refuse.has(request.action) ? ({ allowed: false, retryAfterMs: 30_000 } as const) : ({ allowed: true } as const);
  }
}

/**
 * The shop, with a rate limiter and an account directory that record what they are asked; the
 * directory holds `taken` as standalone accounts.
 */
async function aWatchedShop(taken: readonly string[] = []) {
  const limiter = new FakeRateLimiter();
  const asked: string[] = [];
  const shop = await aShop({ rateLimiter: limiter, accounts: { isStandaloneAccount: async (email) => (asked.push(email), taken.includes(email)) } });
  return { ...shop, limiter, asked };
}

/** An identity system that can be taken down. */
class FlakyIdentity extends MemoryIdentity {
  down = false;
  override async createLogin(login: Parameters<MemoryIdentity['createLogin']>[0]) {
    if (this.down) throw new Error('identity provider timed out');
    return super.createLogin(login);
  }
}

/**
 * A memory store whose named methods fail (rejecting, or throwing when `synchronously`), counting
 * commits. Without sessions (`lockWorkspaces: false`): a session's calls would go to the store
 * itself, past this wrapper. Failures inside sessions are tested in memory-store-sessions.test.ts.
 */
function breakableStore() {
  const inner = new MemoryRosterStore({ lockWorkspaces: false });
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

/** A memory store whose next `next` commits report a stale version; counts commits. Without sessions, as above. */
function conflictingStore() {
  const state = { next: 0, commits: 0, store: undefined as unknown as RosterStore };
  const inner = new MemoryRosterStore({ lockWorkspaces: false });
  state.store = new Proxy(inner, {
    get(target, name) {
      const original = Reflect.get(target, name, target) as (...a: unknown[]) => unknown;
      if (name !== 'commit') return typeof original === 'function' ? original.bind(target) : original;
      return (...args: unknown[]) => {
        state.commits++;
        if (state.next <= 0) return original.apply(target, args);
        state.next--;
        return Promise.resolve({ committed: false, reason: 'stale-version', detail: 'simulated' });
      };
    },
  }) as RosterStore;
  return state;
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
      { action: 'invite', key: `${workspaceId}:${ana.agentId}`, email: 'cy@acme.com' },
      { action: 'resend', key: `${workspaceId}:${ana.agentId}`, email: 'bob@acme.com' },
      { action: 'preview', key: '203.0.113.7' },
      { action: 'accept', key: '203.0.113.7' },
    ]);

    limiter.refuse.clear();
    (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it("names an invitation's recipient by its canonical email, so a host can throttle per recipient", async () => {
    const limiter = new FakeRateLimiter();
    const { roster, ana, workspaceId } = await aShop({ rateLimiter: limiter });
    (await roster.inviteAgent(ana, { email: ' Bob@ACME.com ' }))._unsafeUnwrap();
    expect(limiter.requests.at(-1)).toEqual({ action: 'invite', key: `${workspaceId}:${ana.agentId}`, email: 'bob@acme.com' });
  });

  it('throttles an email change (editEmail, keyed per actor) before the account directory is asked, and nothing else editAgent does', async () => {
    const { roster, ana, join, workspaceId, snapshot, limiter, asked } = await aWatchedShop(['victim@bank.com']);
    const bob = await join('Bob');
    limiter.requests.length = 0;
    asked.length = 0;
    // A name, the same email (case aside), a profile Bob may not edit: no attempt spent.
    (await roster.editAgent(bob, { agentId: bob.agentId, name: 'Robert', email: 'BOB@acme.com' }))._unsafeUnwrap();
    await failure(roster.editAgent(bob, { agentId: ana.agentId, email: 'victim@bank.com' }), 'PermissionDenied');
    // An admin naming no agent of the workspace: AgentNotFound, and nobody asked about the email.
    await failure(roster.editAgent(ana, { agentId: 'agt_nobody', email: 'victim@bank.com' }), 'AgentNotFound');
    expect(limiter.requests).toEqual([]);
    expect(asked).toEqual([]);
    // A new email spends one, with that email, before anyone is asked who holds it.
    expect(await failure(roster.editAgent(bob, { agentId: bob.agentId, email: 'Victim@Bank.com' }), 'EmailAlreadyExists')).toMatchObject({
      holder: 'standalone-account',
    });
    expect(limiter.requests).toEqual([{ action: 'editEmail', key: `${workspaceId}:${bob.agentId}`, email: 'victim@bank.com' }]);
    expect(asked).toEqual(['victim@bank.com']);
    limiter.refuse.add('editEmail');
    const before = await snapshot();
    expect(await failure(roster.editAgent(bob, { agentId: bob.agentId, email: 'nobody@bank.com' }), 'RateLimited')).toMatchObject({ retryAfterMs: 30_000 });
    expect(asked).toEqual(['victim@bank.com']);
    expect(await snapshot()).toEqual(before);
    // The name still changes while email changes are refused.
    (await roster.editAgent(bob, { agentId: bob.agentId, name: 'Bobby' }))._unsafeUnwrap();
  });

  it('spends one editEmail attempt per call, however often a conflicting store makes it retry', async () => {
    const limiter = new FakeRateLimiter();
    const conflicting = conflictingStore();
    const { roster, join } = await aShop({ rateLimiter: limiter, store: conflicting.store });
    const bob = await join('Bob');
    limiter.requests.length = 0;
    conflicting.next = 2;
    const commits = conflicting.commits;
    (await roster.editAgent(bob, { agentId: bob.agentId, email: 'robert@acme.com' }))._unsafeUnwrap();
    expect(conflicting.commits - commits).toBe(3);
    expect(limiter.requests.map((r) => r.action)).toEqual(['editEmail']);
  });

  it('asks nothing for an invite or resend by someone who may not send one: no budget spent, no email looked up', async () => {
    const { roster, ana, invite, join, clock, workspaceId, snapshot, limiter, asked } = await aWatchedShop();
    const bob = await join('Bob');
    const lapsed = await invite('hire@rival.com');
    clock.advance({ days: 8 });
    limiter.requests.length = 0;
    asked.length = 0;
    const before = await snapshot();
    // A plain agent, and someone who is nobody here: refused before the limiter, the store's email
    // holder or the account directory are asked, so neither can spend the owner's or the
    // recipient's budget, nor time the answer to learn whether an address has a pending invitation.
    for (let n = 0; n < 3; n++) await failure(roster.inviteAgent(bob, { email: 'victim@example.org' }), 'PermissionDenied');
    await failure(roster.inviteAgent({ workspaceId, agentId: 'agt_nobody' }, { email: 'victim@example.org' }), 'UnknownActor');
    await failure(roster.resendInvitation(bob, { invitationId: lapsed.id }), 'PermissionDenied');
    expect(limiter.requests).toEqual([]);
    expect(asked).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // The owner's invite and resend spend theirs, then look the emails up.
    (await roster.inviteAgent(ana, { email: 'victim@example.org' }))._unsafeUnwrap();
    (await roster.resendInvitation(ana, { invitationId: lapsed.id }))._unsafeUnwrap();
    expect(limiter.requests).toEqual([
      { action: 'invite', key: `${workspaceId}:${ana.agentId}`, email: 'victim@example.org' },
      { action: 'resend', key: `${workspaceId}:${ana.agentId}`, email: 'hire@rival.com' },
    ]);
    expect(asked).toEqual(['victim@example.org', 'hire@rival.com']);
  });

  it('spends one invite and one resend attempt per call, however often a conflicting store makes them retry', async () => {
    const limiter = new FakeRateLimiter();
    const conflicting = conflictingStore();
    const { roster, ana } = await aShop({ rateLimiter: limiter, store: conflicting.store });
    conflicting.next = 2;
    const invited = (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap().state.invitation;
    conflicting.next = 2;
    (await roster.resendInvitation(ana, { invitationId: invited.id }))._unsafeUnwrap();
    expect(limiter.requests.map((r) => r.action)).toEqual(['invite', 'resend']);
  });
});

describe('the breached-password check', () => {
  it('is asked only for an accept whose link opens a pending invitation: a bad, used, revoked or lapsed link never sends the password', async () => {
    const checked: string[] = [];
    const { roster, ana, invite, tokenFor, clock } = await aShop({ breachedPasswords: { isBreached: async (p) => checked.push(p) < 0 } });
    const accept = (token: string) => roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD });
    checked.length = 0; // the owner's password, checked when the workspace opened
    await failure(accept('not-a-token'), 'InvalidToken');
    await failure(accept('x'.repeat(43)), 'InvalidToken');
    const revoked = await invite('rev@acme.com');
    (await roster.revokeInvitation(ana, { invitationId: revoked.id }))._unsafeUnwrap();
    await failure(accept(tokenFor('rev@acme.com')), 'InvitationWasRevoked');
    await invite('late@acme.com');
    clock.advance({ days: 8 });
    await failure(accept(tokenFor('late@acme.com')), 'InvitationHasExpired');
    expect(checked).toEqual([]);
    await invite('bob@acme.com');
    (await accept(tokenFor('bob@acme.com')))._unsafeUnwrap();
    expect(checked).toEqual([PASSWORD]);
    await failure(accept(tokenFor('bob@acme.com')), 'InvitationAlreadyAccepted');
    expect(checked).toEqual([PASSWORD]);
  });

  /** A ManualClock that answers `readings` first, one per read, then its own time. */
  class SteppingClock extends ManualClock {
    readings: number[] = [];
    override now(): Date {
      const next = this.readings.shift();
      return next === undefined ? super.now() : new Date(next);
    }
  }

  it('is not skipped by a wall clock stepped back between the token check and the commit: the commit reads no earlier time', async () => {
    const clock = new SteppingClock('2026-11-23T09:00:00Z');
    const breached = 'password1234567890'; // long enough for the policy: only the checker refuses it
    const checked: string[] = [];
    const { roster, invite, tokenFor, snapshot } = await aShop({ clock, breachedPasswords: { isBreached: async (p) => (checked.push(p), p === breached) } });
    const expiry = Date.parse((await invite('bob@acme.com')).expiresAt);
    checked.length = 0; // the owner's password, checked when the workspace opened
    await roster.idle(); // the invitation's email sent: no background send reads the readings below
    const before = await snapshot();
    // The token check reads the expiry instant (lapsed: the checker is not asked); NTP then steps
    // the clock back 1 ms, and the commit's reading alone would find the invitation pending.
    clock.readings = [expiry, expiry - 1];
    await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: breached }), 'InvitationHasExpired');
    expect(clock.readings).toEqual([]); // both readings were taken
    expect(checked).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // A steady clock 1 ms before the expiry asks the checker, which refuses.
    clock.set(new Date(expiry - 1));
    expect(await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: breached }), 'WeakPassword')).toMatchObject({ reason: 'breached' });
    expect(checked).toEqual([breached]);
  });

  it('does not carry a one-off forward reading into the commit once the checker was asked', async () => {
    // Found by a diff review: the floor protects only a skipped check. A token check that read
    // a clock jumped 5 days ahead asked the checker anyway, and its reading must not date the
    // commit, nor sweep Carol's link, which by the real clock has two days left.
    const clock = new SteppingClock('2026-11-23T09:00:00Z');
    const { roster, ana, invite, tokenFor } = await aShop({ clock, breachedPasswords: { isBreached: async () => false } });
    await invite('carol@acme.com');
    clock.advance({ days: 5 });
    await invite('bob@acme.com');
    const real = clock.now().getTime();
    await roster.idle(); // the invitations' emails sent: no background send reads the reading below
    clock.readings = [real + 5 * 86_400_000];
    const accepted = (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: 'correct horse battery staple' }))._unsafeUnwrap();
    expect(accepted.events.map((e) => [e.type, e.occurredAt])).toEqual([['InvitationAccepted', new Date(real).toISOString()]]);
    (await roster.acceptInvitation({ token: tokenFor('carol@acme.com'), name: 'Carol', password: 'correct horse battery staple' }))._unsafeUnwrap();
    expect((await roster.listAgents(ana))._unsafeUnwrap().map((a) => a.name).sort()).toEqual(['Ana', 'Bob', 'Carol']); // Bob and Carol joined at one instant: order by random ids
  });
});

describe('an accept with a malformed name or password', () => {
  it('is refused whole, every bad field at once, before any port is asked: no limiter budget, no signedInEmail, no breached-password check', async () => {
    const limiter = new FakeRateLimiter();
    const asked: string[] = [];
    const identity = Object.assign(new MemoryIdentity(), { signedInEmail: async () => (asked.push('signedInEmail'), null) });
    const { roster, invite, tokenFor } = await aShop({ rateLimiter: limiter, identity, breachedPasswords: { isBreached: async () => (asked.push('isBreached'), false) } });
    await invite('cy@acme.com');
    limiter.requests.length = 0;
    asked.length = 0;
    const token = tokenFor('cy@acme.com');
    const refused = await failure(roster.acceptInvitation({ token, name: '', password: PASSWORD }, { session: 's' }), 'ValidationFailed');
    expect(refused.issues.map((i) => i.path)).toEqual(['name']);
    await failure(roster.acceptInvitation({ token, name: 42, password: PASSWORD }, { session: 's' }), 'ValidationFailed');
    await failure(roster.acceptInvitation({ token, name: 'Cy' }, { session: 's' }), 'ValidationFailed');
    const all = await failure(roster.acceptInvitation({ token: 'x'.repeat(201), name: '', password: 7 }), 'ValidationFailed');
    expect(all.issues.map((i) => i.path)).toEqual(['token', 'name', 'password']);
    expect(limiter.requests).toEqual([]);
    expect(asked).toEqual([]);
    // A refusing limiter does not hide the bad field either.
    limiter.refuse.add('accept');
    await failure(roster.acceptInvitation({ token, name: 42, password: PASSWORD }), 'ValidationFailed');
    limiter.refuse.delete('accept');
    (await roster.acceptInvitation({ token, name: 'Cy', password: PASSWORD }, { session: 's' }))._unsafeUnwrap();
    expect(asked).toEqual(['signedInEmail', 'isBreached']);
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

  it('keeps the login, and succeeds, when the commit went through but the store lost its answer', async () => {
    // A store that writes, then throws, once: as a connection dropped before COMMIT's reply.
    const inner = new MemoryRosterStore({ lockWorkspaces: false });
    let loseNext = false;
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as (...a: unknown[]) => unknown;
        if (typeof original !== 'function') return original;
        if (name !== 'commit') return original.bind(target);
        return async (...args: unknown[]) => {
          const outcome = await original.apply(target, args);
          if (!loseNext) return outcome;
          loseNext = false;
          throw new Error('Connection terminated unexpectedly');
        };
      },
    }) as RosterStore;
    const identity = new MemoryIdentity();
    const mailer = new CapturingMailer();
    const roster = createRoster({ store, identity, mailer, clock: new ManualClock('2026-11-23T09:00:00Z') });
    loseNext = true;
    const opened = (await roster.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
    const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
    expect([...identity.logins.values()].map((l) => l.email)).toEqual(['ana@acme.com']);
    (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    loseNext = true;
    const accepted = (await roster.acceptInvitation({ token: mailer.lastTokenFor('bob@acme.com')!, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    expect((await store.loadAgent(ana.workspaceId, accepted.state.agent.id))?.value.email).toBe('bob@acme.com');
    expect([...identity.logins.values()].map((l) => l.email)).toEqual(['ana@acme.com', 'bob@acme.com']);
  });

  it('loses a login that createLogin made before failing (a timeout), so a retry starts clean', async () => {
    class TimingOutIdentity extends MemoryIdentity {
      timeOut = false;
      override async createLogin(login: Parameters<MemoryIdentity['createLogin']>[0]) {
        await super.createLogin(login);
        if (this.timeOut) throw new Error('identity provider timed out');
      }
    }
    const identity = new TimingOutIdentity();
    const { roster, invite, tokenFor, snapshot } = await aShop({ identity });
    await invite('bob@acme.com');
    const before = await snapshot();
    identity.timeOut = true;
    const accept = () => roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD });
    await failure(accept(), 'IdentityUnavailable');
    expect([...identity.logins.values()].map((l) => l.email)).toEqual(['ana@acme.com']);
    expect(await snapshot()).toEqual(before);
    identity.timeOut = false;
    (await accept())._unsafeUnwrap();
    expect([...identity.logins.values()].map((l) => l.email)).toEqual(['ana@acme.com', 'bob@acme.com']);
  });
});

describe('a store method written as a plain function that throws', () => {
  it('fails a use case like a rejection would, never rejecting its ResultAsync, before or after a commit', async () => {
    const inner = new MemoryRosterStore();
    const throwing = new Set<string>();
    const session = (real: RosterSession) =>
      new Proxy(real, {
        get(target, name) {
          const original = Reflect.get(target, name, target) as (...a: unknown[]) => unknown;
          if (typeof original !== 'function') return original;
          return (...args: unknown[]) => {
            const answer = original.apply(target, args);
            if (throwing.has(`session.${String(name)}`)) throw new Error(`sync throw from session.${String(name)}`);
            return answer;
          };
        },
      });
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as (...a: unknown[]) => unknown;
        if (typeof original !== 'function') return original;
        if (name === 'begin') return async () => session((await original.apply(target, [])) as RosterSession);
        return (...args: unknown[]) => {
          if (throwing.has(String(name))) throw new Error(`sync throw from ${String(name)}`);
          return original.apply(target, args);
        };
      },
    }) as RosterStore;
    const { roster, ana, workspaceId } = await aShop({ store, plan: 'free' });
    throwing.add('versionsCurrent').add('session.versionsCurrent');
    // Refused on reads it then asks about: the refusal stands.
    await failure(roster.inviteAgent(ana, { email: 'bob@acme.com' }), 'SeatLimitReached');
    throwing.clear();
    throwing.add('session.end');
    await failure(roster.inviteAgent(ana, { email: 'bob@acme.com' }), 'SeatLimitReached');
    // Committed, then the session fails to let go: still a success.
    (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap();
    expect((await store.listDepartments(workspaceId)).map((d) => d.department.name)).toEqual(['Sales']);
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

  it("keeps the token out of a template's or link builder's error that quotes the link", async () => {
    const quoting = { template: true };
    const { roster, ana } = await aShop({
      acceptUrl: (token) => {
        if (!quoting.template) throw new Error(`cannot build a link for ${token}`);
        return `https://app.example.com/join/${token}`;
      },
      templates: {
        invitation: (e) => {
          throw new Error(`bad template for ${e.link}`);
        },
      },
    });
    const fromTemplate = await failure(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'ServiceUnavailable');
    expect(fromTemplate.cause).toBe('bad template for https://app.example.com/join/[redacted]');
    quoting.template = false;
    const fromLink = await failure(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'ServiceUnavailable');
    expect(fromLink.cause).toBe('cannot build a link for [redacted]');
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
      // The host's own code: the message does not tell a person to try again.
      expect(invited.message).toBe(
        `The ${template === 'works' ? 'invitation link builder (acceptUrl)' : 'invitation email template (templates)'} failed. Nothing was changed; it is the host's own code: trying again will not help until it is fixed.`,
      );
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

describe('a host port answering outside its contract, or asked too early', () => {
  it('is ServiceUnavailable when a yes-or-no port or signedInEmail answers something else; nothing is read as yes or no', async () => {
    const answers: { directory: unknown; breached: unknown; signedIn: unknown } = { directory: false, breached: false, signedIn: null };
    const identity = new MemoryIdentity();
    identity.signedInEmail = async () => answers.signedIn as string | null;
    const { roster, ana, invite, tokenFor, snapshot } = await aShop({
      identity,
      accounts: { isStandaloneAccount: async () => answers.directory as boolean },
      breachedPasswords: { isBreached: async () => answers.breached as boolean },
    });
    await invite('cy@acme.com');
    const before = await snapshot();
    const accept = () => roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }, { session: 'cookie' });

    answers.directory = 'no';
    expect(await failure(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'ServiceUnavailable')).toMatchObject({ service: 'accountDirectory', cause: 'answered string, not a boolean' });
    answers.directory = false;
    answers.breached = undefined; // a checker that forgot its `return`
    expect(await failure(accept(), 'ServiceUnavailable')).toMatchObject({ service: 'breachedPasswords', cause: 'answered undefined, not a boolean' });
    answers.breached = false;
    for (const odd of [42, undefined, { email: 'cy@acme.com' }]) {
      answers.signedIn = odd;
      expect(await failure(accept(), 'ServiceUnavailable')).toMatchObject({ service: 'identity' });
    }
    expect(await snapshot()).toEqual(before);
    answers.signedIn = 'cy@acme.com';
    (await accept())._unsafeUnwrap();
  });

  it('hands a session with cycles, deep nesting or lazy getters to signedInEmail untouched, and never parses it', async () => {
    class Session {
      readonly email = 'cy@acme.com';
      parent: unknown;
      constructor() {
        this.parent = { child: this, deep: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) as unknown };
      }
      get lazy(): never {
        throw new Error('not loaded');
      }
    }
    const session = new Session();
    const seen: unknown[] = [];
    const identity = new MemoryIdentity();
    identity.signedInEmail = async (s) => (seen.push(s), (s as Session).email);
    const { roster, invite, tokenFor } = await aShop({ identity });
    await invite('cy@acme.com');
    (await roster.previewInvitation({ token: tokenFor('cy@acme.com') }, { session, requester: '203.0.113.7' }))._unsafeUnwrap();
    (await roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }, { session }))._unsafeUnwrap();
    expect(seen).toEqual([session]);
    expect(seen[0]).toBe(session);
  });

  it('asks the breached-password checker only about a password the policy accepts', async () => {
    const asked: number[] = [];
    const { roster, invite, tokenFor } = await aShop({ breachedPasswords: { isBreached: async (p) => (asked.push(p.length), false) } });
    await invite('cy@acme.com');
    asked.length = 0; // the owner's password, when the shop opened
    await failure(roster.acceptInvitation({ token: 'A'.repeat(43), name: 'Cy', password: 'p'.repeat(1_000_000) }), 'ValidationFailed');
    await failure(roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: 'p'.repeat(5_000) }), 'WeakPassword');
    await failure(roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: 'short' }), 'WeakPassword');
    expect(asked).toEqual([]);
    (await roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }))._unsafeUnwrap();
    expect(asked).toEqual([PASSWORD.length]);
  });

  it("refuses an admin changing the owner's email without asking the limiter or the account directory; the owner may", async () => {
    const { roster, ana, join, snapshot, limiter, asked } = await aWatchedShop();
    const mallory = await join('Mallory', { role: 'admin' });
    const cy = await join('Cy', { role: 'admin' });
    limiter.requests.length = 0;
    asked.length = 0;
    const before = await snapshot();
    for (const email of ['mallory+owner@evil.example', 'cy@acme.com']) {
      expect(await failure(roster.editAgent(mallory, { agentId: ana.agentId, email }), 'PermissionDenied')).toMatchObject({
        capability: 'manageAgents',
        reason: 'not-owner',
        actorId: mallory.agentId,
        message: "Not allowed to manageAgents: only the owner can change the owner's email address.",
      });
    }
    expect(await failure(roster.editAgent(mallory, { agentId: ana.agentId, name: 'Not Ana', email: 'x@evil.example' }), 'PermissionDenied')).toMatchObject({
      reason: 'not-owner',
    });
    expect(await snapshot()).toEqual(before);
    expect([limiter.requests, asked]).toEqual([[], []]);
    // Name and description stay the admins' to edit; other admins' emails too, by the rules.
    (await roster.editAgent(mallory, { agentId: ana.agentId, name: 'Ana A.', description: 'Founder' }))._unsafeUnwrap();
    (await roster.editAgent(mallory, { agentId: cy.agentId, email: 'cyrus@acme.com' }))._unsafeUnwrap();
    const moved = (await roster.editAgent(ana, { agentId: ana.agentId, email: 'ana@new.example' }))._unsafeUnwrap();
    expect(moved.state.agent.email).toBe('ana@new.example');
  });

  it("refuses an agent changing the owner's email as not-owner, as it refuses an admin, without asking any port", async () => {
    const { roster, ana, join, snapshot, limiter, asked } = await aWatchedShop();
    const bob = await join('Bob');
    limiter.requests.length = 0;
    asked.length = 0;
    const before = await snapshot();
    expect(await failure(roster.editAgent(bob, { agentId: ana.agentId, email: 'bob+owner@evil.example' }), 'PermissionDenied')).toMatchObject({
      capability: 'manageAgents',
      reason: 'not-owner',
      actorId: bob.agentId,
      message: "Not allowed to manageAgents: only the owner can change the owner's email address.",
    });
    // Her name is an admin's to edit, so an agent's refusal there is its role's.
    expect(await failure(roster.editAgent(bob, { agentId: ana.agentId, name: 'Not Ana' }), 'PermissionDenied')).toMatchObject({ reason: 'role' });
    expect(await snapshot()).toEqual(before);
    expect([limiter.requests, asked]).toEqual([[], []]);
  });

  it("does not ask the account directory about an email for a profile the actor may not edit", async () => {
    let down = false;
    const asked: string[] = [];
    const { roster, ana, join } = await aShop({
      accounts: {
        isStandaloneAccount: async (email) => {
          asked.push(email);
          if (down) throw new Error('directory down');
          return false;
        },
      },
    });
    const bob = await join('Bob');
    const cy = await join('Cy');
    asked.length = 0;
    down = true;
    expect(await failure(roster.editAgent(bob, { agentId: cy.agentId, email: 'probe@elsewhere.com' }), 'PermissionDenied')).toMatchObject({ reason: 'role' });
    // The owner's email is nobody's but the owner's to change, whatever the role.
    expect(await failure(roster.editAgent(bob, { agentId: ana.agentId, email: 'probe@elsewhere.com' }), 'PermissionDenied')).toMatchObject({ reason: 'not-owner' });
    expect(asked).toEqual([]);
    down = false;
    (await roster.editAgent(bob, { agentId: bob.agentId, email: 'robert@acme.com' }))._unsafeUnwrap();
    expect(asked).toEqual(['robert@acme.com']);
  });

  it('renders no html that is not text: ServiceUnavailable naming the templates, reading each field once', async () => {
    let reads = 0;
    const { roster, ana, snapshot } = await aShop({
      templates: {
        invitation: () => ({
          get subject() {
            reads++;
            return 'Join us';
          },
          text: 'Join us',
          html: 42 as never,
        }),
      },
    });
    const before = await snapshot();
    expect(await failure(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'ServiceUnavailable')).toMatchObject({
      service: 'templates',
      cause: 'templates.invitation returned an html that is not text',
    });
    expect(reads).toBe(1);
    expect(await snapshot()).toEqual(before);
  });

  it('waits the full backoff, never rejects, when the Random port fails while spreading retries', async () => {
    const conflicting = conflictingStore();
    const store = conflicting.store;
    let broken = false;
    const random = {
      bytes: (n: number) => {
        if (broken && n === 2) throw new Error('entropy pool empty');
        return crypto.getRandomValues(new Uint8Array(n));
      },
    };
    const { roster, join } = await aShop({ store, random, conflictBackoff: { baseDelayMs: 1, maxDelayMs: 1 } });
    const bob = await join('Bob');
    broken = true;
    conflicting.next = 2;
    conflicting.commits = 0;
    const set = await roster.setAvailability(bob, { agentId: bob.agentId, availability: 'online' });
    expect(set._unsafeUnwrap().state.agent.availability).toBe('online');
    expect(conflicting.commits).toBe(3);
  });
});

describe('a failing store', () => {
  const inviteReads = ['loadWorkspace', 'loadAgent', 'lapsedInvitations', 'loadDepartments', 'emailHolder', 'commit'];
  for (const method of inviteReads) {
    it(`turns a failing ${method} into StoreUnavailable for an invitation, changing nothing`, async () => {
      const broken = breakableStore();
      const { roster, ana, snapshot, mailer, invite } = await aShop({ store: broken.store, standalone: [] });
      // One invitation pending, so that the sweep has something to look for (with none, it reads nothing).
      await invite('cy@acme.com');
      const before = await snapshot();
      const sent = [...mailer.sent];
      broken.failing.add(method);
      expect(await failure(roster.inviteAgent(ana, { email: 'bob@acme.com' }), 'StoreUnavailable')).toEqual({
        type: 'StoreUnavailable',
        cause: `${method}: connection reset`,
        // Only a failed commit may hide a change that went through; a failed read changed nothing.
        message:
          method === 'commit'
            ? 'The roster store failed while committing: check whether anything was changed before trying again.'
            : 'The roster store is unavailable. Nothing was changed; try again.',
      });
      broken.failing.clear();
      expect(await snapshot()).toEqual(before);
      expect(mailer.sent).toEqual(sent);
    });
  }

  it('says nothing was changed when a failed commit is known not to have landed (createWorkspace looks)', async () => {
    const broken = breakableStore();
    const roster = createRoster({ store: broken.store });
    broken.failing.add('commit');
    const opening = roster.createWorkspace({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana', password: PASSWORD } });
    // The roster looked for the workspace after the commit failed, and it is not there.
    expect(await failure(opening, 'StoreUnavailable')).toEqual({
      type: 'StoreUnavailable',
      cause: 'commit: connection reset',
      message: 'The roster store is unavailable. Nothing was changed; try again.',
    });
  });

  it('still says to check when the look after a failed commit fails too', async () => {
    const broken = breakableStore();
    const roster = createRoster({ store: broken.store });
    broken.failing.add('commit').add('loadWorkspace');
    const opening = roster.createWorkspace({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana', password: PASSWORD } });
    // The roster could not tell whether the workspace landed: a host must look before opening another.
    expect(await failure(opening, 'StoreUnavailable')).toMatchObject({
      message: 'The roster store failed while committing: check whether anything was changed before trying again.',
    });
  });

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
    broken.failing.add('findInvitationByTokenHash').add('listAgents').add('events').add('listOutbox').add('countLapsedInvitations').add('listDepartments');
    const refused = [
      await failure(roster.getWorkspace(ana), 'StoreUnavailable'),
      await failure(roster.seatUsage(ana), 'StoreUnavailable'),
      await failure(roster.listDepartments(ana), 'StoreUnavailable'),
      await failure(roster.previewInvitation({ token: tokenFor('bob@acme.com') }), 'StoreUnavailable'),
      await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'StoreUnavailable'),
      await failure(roster.listAgents(ana), 'StoreUnavailable'),
      await failure(roster.events(ana), 'StoreUnavailable'),
      await failure(roster.outbox(ana), 'StoreUnavailable'),
      await failure(roster.outboxPage(ana), 'StoreUnavailable'),
    ];
    // None of them got as far as a commit: none tells the caller to check whether a change was made.
    for (const { message } of refused) expect(message).toBe('The roster store is unavailable. Nothing was changed; try again.');
  });

  it('keeps a committed invitation when only the delivery right after the commit fails; a later run sends it', async () => {
    const broken = breakableStore();
    const { roster, ana, mailer } = await aShop({ store: broken.store });
    broken.failing.add('claimOutboxMessages').add('claimOutbox');
    (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    expect(mailer.sent).toEqual([]);
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toHaveLength(1);
    broken.failing.clear();
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com']);
  });

  it('gives up with ConcurrencyConflict after maxAttempts conflicts, changing nothing', async () => {
    const conflicting = conflictingStore();
    const { roster, ana, invite, tokenFor, snapshot, identity } = await aShop({ store: conflicting.store, maxAttempts: 3 });
    await invite('bob@acme.com');
    const before = await snapshot();
    conflicting.next = Infinity;
    conflicting.commits = 0;
    expect(await failure(roster.inviteAgent(ana, { email: 'cy@acme.com' }), 'ConcurrencyConflict')).toMatchObject({ attempts: 3 });
    expect(conflicting.commits).toBe(3);
    await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'ConcurrencyConflict');
    expect(await snapshot()).toEqual(before);
    expect(identity.logins.size).toBe(1);
  });
});

describe('the in-memory account directory', () => {
  it('compares by canonical email when asked, as it does when an account is added or deleted', async () => {
    const accounts = new MemoryAccountDirectory().add('Bob@Elsewhere.com');
    expect(await accounts.isStandaloneAccount('Bob@Elsewhere.com')).toBe(true);
    expect(await accounts.isStandaloneAccount(' bob@ELSEWHERE.com ')).toBe(true);
    expect(await accounts.isStandaloneAccount('cy@elsewhere.com')).toBe(false);
    accounts.delete('BOB@elsewhere.com');
    expect(await accounts.isStandaloneAccount('bob@elsewhere.com')).toBe(false);
  });
});
