/**
 * `createRoster`'s options. Those it cannot run with are the host's configuration mistakes: it
 * refuses them when the roster is built, with a TypeError naming the option, rather than
 * misbehaving on every request later. Then the wait between attempts after a conflict, and a rate
 * limiter whose answer breaks its contract.
 */
import { describe, expect, it } from 'vitest';
import {
  appFail,
  createRoster,
  DEFAULT_CONFLICT_BACKOFF,
  DEFAULT_PASSWORD_POLICY,
  MemoryRosterStore,
  passwordPolicy as passwordPolicyResult,
  PLANS,
  webCryptoRandom,
  type RosterOptions,
  type RosterStore,
} from 'agent-roster';

const passwordPolicyOf = (options: Parameters<typeof passwordPolicyResult>[0]) => passwordPolicyResult(options)._unsafeUnwrap();

import { aShop, PASSWORD } from '../support/shop';

describe('createRoster options', () => {
  it('takes an option given as undefined as one left out: the default', async () => {
    // Every option, by the compiler's count: a new one must be added here.
    const none: { [K in keyof Required<RosterOptions>]: undefined } = {
      store: undefined, mailer: undefined, accounts: undefined, identity: undefined, clock: undefined, random: undefined,
      plans: undefined, passwordPolicy: undefined, acceptUrl: undefined, templates: undefined, rateLimiter: undefined,
      breachedPasswords: undefined, allowInlinePlans: undefined, maxAttempts: undefined, conflictBackoff: undefined,
      deliverImmediately: undefined, deliveryWaitMs: undefined, retry: undefined,
    };
    const roster = createRoster(none);
    const opened = (await roster.createWorkspace({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
    expect(opened.state.workspace.plan).toEqual(PLANS.free);
    const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
    expect((await roster.inviteAgent(ana, { email: 'bob@shop.com' }))._unsafeUnwrapErr().type).toBe('SeatLimitReached');
  });

  it('refuses a maxAttempts that is not a whole number of at least 1', () => {
    for (const maxAttempts of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3']) {
      expect(() => createRoster({ maxAttempts } as never), String(maxAttempts)).toThrow(TypeError);
    }
    expect(() => createRoster({ maxAttempts: 0 })).toThrow('createRoster: maxAttempts: Too small: expected number to be >=1');
    expect(() => createRoster({ maxAttempts: 1 })).not.toThrow();
  });

  it('refuses a plan catalog entry whose id is not its key, which would give a workspace another plan than it asked for', async () => {
    const plans = { ...PLANS, free: { id: 'premium', seats: 1_000, departments: 1_000 } };
    expect(() => createRoster({ plans })).toThrow(new TypeError('createRoster: plans.free: has id "premium"; a catalog entry\'s id must be its key'));
    // A well-formed custom catalog is fine.
    const custom = createRoster({ plans: { ...PLANS, team: { id: 'team', seats: 12, departments: 3 } } });
    const opened = await custom.createWorkspace({ name: 'Team', plan: 'team', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } });
    expect(opened._unsafeUnwrap().state.workspace.plan).toEqual({ id: 'team', seats: 12, departments: 3 });
  });

  it('refuses a catalog entry that is not a plan, which would answer PlanNotFound for a plan plainly in the catalog', () => {
    // A pricing table's row type-checks as a catalog entry when it comes from a variable.
    const priced = { id: 'team', seats: 12, departments: 3, name: 'Team', priceCents: 4_900 };
    expect(() => createRoster({ plans: { ...PLANS, team: priced } })).toThrow(
      new TypeError('createRoster: plans.team: Unrecognized keys: "name", "priceCents". A catalog entry is { id, seats, departments } and nothing else.'),
    );
    expect(() => createRoster({ plans: { ...PLANS, team: { id: 'team', seats: 0, departments: null } } })).toThrow(
      /^createRoster: plans\.team\.seats: Too small: expected number to be >=1\. A catalog entry is/,
    );
    expect(() => createRoster({ plans: { ...PLANS, broken: { seats: 0 } as never } })).toThrow(/^createRoster: plans\.broken\.id: /);
    for (const odd of [null, 'free', 5]) {
      expect(() => createRoster({ plans: { ...PLANS, odd: odd as never } }), String(odd)).toThrow('createRoster: plans.odd: is not an object. A catalog entry is');
    }
  });

  it('refuses an acceptUrl that is neither text nor a function, and a password policy passwordPolicy() would not build', () => {
    expect(() => createRoster({ acceptUrl: new URL('https://app.example.com/join') as never })).toThrow(
      new TypeError("createRoster: acceptUrl: must be a string (the link's base) or a function of the token"),
    );
    expect(() => createRoster({ passwordPolicy: { minLength: 4, maxLength: 64 } })).toThrow(/^createRoster: passwordPolicy: Password minLength must be an integer of at least 8/);
    expect(() => createRoster({ passwordPolicy: { minLength: 15, maxLength: 10_000 } })).toThrow('createRoster: passwordPolicy: Password maxLength must be at most 4096.');
    for (const odd of [null, 'strong', { minLength: 20 }]) {
      expect(() => createRoster({ passwordPolicy: odd as never })).toThrow('createRoster: passwordPolicy: needs minLength and maxLength. Build it with passwordPolicy().');
    }
    for (const passwordPolicy of [passwordPolicyOf({ secondFactor: true }), passwordPolicyOf({ minLength: 20, maxLength: 4096 }), DEFAULT_PASSWORD_POLICY]) {
      expect(() => createRoster({ passwordPolicy, acceptUrl: (token) => `https://x.example/${token}` })).not.toThrow();
    }
  });

  it('refuses an acceptUrl the appended token would land behind: a fragment, which no browser sends, or a token parameter already there', async () => {
    for (const acceptUrl of ['https://app.example.com/join#welcome', 'https://app.example.com/#/join', 'https://app.example.com/join?token=old', '/join?ref=mail&token=', '/join?token', '/join?token&ref=mail']) {
      expect(() => createRoster({ acceptUrl }), acceptUrl).toThrow(/^createRoster: acceptUrl: has a fragment \(#…\) or a token parameter/);
    }
    for (const acceptUrl of ['https://app.example.com/join', 'https://app.example.com/join?ref=mail', '/join?mytoken=1', '/join?access_token_hint=1', '/join?tokens=1']) {
      expect(() => createRoster({ acceptUrl }), acceptUrl).not.toThrow();
    }
    // A hash route is a function of the token.
    expect(() => createRoster({ acceptUrl: (token) => `https://app.example.com/#/join?token=${token}` })).not.toThrow();
  });

  it('refuses an outbox retry policy with delays that are not milliseconds', () => {
    const bad: NonNullable<RosterOptions['retry']>[] = [
      { baseDelayMs: -1, maxDelayMs: 10 },
      { baseDelayMs: 1, maxDelayMs: Number.NaN },
      // Past the longest timer (2³¹−1 ms): a retry time that far would be no instant a store keeps.
      { baseDelayMs: 1e16, maxDelayMs: 1e16 },
      { baseDelayMs: 1, maxDelayMs: 2 ** 31 },
    ];
    for (const retry of bad) expect(() => createRoster({ retry })).toThrow(/^createRoster: retry\.(baseDelayMs|maxDelayMs): /);
  });
});

describe('a rate limiter answering outside its contract', () => {
  it('is ServiceUnavailable naming it, never RateLimited with a wait of NaN, and lets nothing through', async () => {
    const answers: unknown[] = [{}, { allowed: false }, { allowed: false, retryAfterMs: Number.NaN }, { allowed: false, retryAfterMs: -5 }, null, { allowed: 'yes' }];
    let answer: unknown = { allowed: true };
    const { roster, ana, snapshot } = await aShop({ rateLimiter: { consume: async () => answer as never } });
    const before = await snapshot();
    for (const a of answers) {
      answer = a;
      const outcome = await roster.inviteAgent(ana, { email: 'bob@acme.com' });
      expect(outcome._unsafeUnwrapErr(), JSON.stringify(a)).toMatchObject({
        type: 'ServiceUnavailable',
        service: 'rateLimiter',
        cause: 'answered neither { allowed: true } nor { allowed: false, retryAfterMs }',
      });
    }
    expect(await snapshot()).toEqual(before);
    answer = { allowed: false, retryAfterMs: 0 };
    // A refusal with no wait is still a refusal: the message says 1 s, never "0 s".
    expect((await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrapErr()).toEqual({
      type: 'RateLimited',
      retryAfterMs: 0,
      message: 'Too many attempts. Try again in 1 s.',
    });
    answer = { allowed: false, retryAfterMs: 1 };
    expect((await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrapErr()).toMatchObject({ message: 'Too many attempts. Try again in 1 s.' });
  });
});

describe('the wait between attempts after a conflict', () => {
  /** A memory store whose every commit that writes collides (without sessions, whose commits would pass this wrapper by). */
  function alwaysColliding() {
    const inner = new MemoryRosterStore({ lockWorkspaces: false });
    const state = { colliding: false, commits: 0 };
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as (...a: unknown[]) => unknown;
        if (name !== 'commit' || typeof original !== 'function') return typeof original === 'function' ? original.bind(target) : original;
        return (...args: unknown[]) => {
          if (!state.colliding) return original.apply(target, args);
          state.commits++;
          return Promise.resolve({ committed: false, reason: 'stale-version', detail: 'simulated' });
        };
      },
    }) as RosterStore;
    return { store, state };
  }

  it('grows from baseDelayMs, doubling up to maxDelayMs, with its jitter drawn from the Random port', async () => {
    const { store, state } = alwaysColliding();
    const draws: number[] = [];
    // Bytes of 0xff: the jitter's largest draw, so each wait is (almost) its whole delay.
    const random = { bytes: (n: number) => (draws.push(n), n === 2 ? new Uint8Array([255, 255]) : webCryptoRandom.bytes(n)) };
    const { roster, ana } = await aShop({ store, random, maxAttempts: 4, conflictBackoff: { baseDelayMs: 20, maxDelayMs: 40 } });
    state.colliding = true;
    draws.length = 0;
    const started = performance.now();
    expect((await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrapErr()).toMatchObject({ type: 'ConcurrencyConflict', attempts: 4 });
    const waited = performance.now() - started;
    expect(state.commits).toBe(4);
    // Three waits between four attempts: ≈ 20, 40, 40 ms (the cap).
    expect(draws.filter((n) => n === 2)).toHaveLength(3);
    expect(waited).toBeGreaterThanOrEqual(95);
  });

  it('is counted in the message in words true of one attempt and of several', async () => {
    const { store, state } = alwaysColliding();
    const { roster, ana } = await aShop({ store, maxAttempts: 1 });
    state.colliding = true;
    expect((await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrapErr()).toEqual({
      type: 'ConcurrencyConflict',
      attempts: 1,
      message: 'The roster kept changing under this request (1 attempt). Nothing was written; try again.',
    });
    expect(appFail.conflict(2).message).toContain('(2 attempts)');
  });

  it('is none with { baseDelayMs: 0, maxDelayMs: 0 }: no timer, no draw', async () => {
    const { store, state } = alwaysColliding();
    const draws: number[] = [];
    const random = { bytes: (n: number) => (draws.push(n), webCryptoRandom.bytes(n)) };
    const { roster, ana } = await aShop({ store, random, maxAttempts: 6, conflictBackoff: { baseDelayMs: 0, maxDelayMs: 0 } });
    state.colliding = true;
    draws.length = 0;
    expect((await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrapErr()).toMatchObject({ type: 'ConcurrencyConflict', attempts: 6 });
    expect(draws.filter((n) => n === 2)).toEqual([]);
  });

  it('refuses a conflictBackoff whose delays are not milliseconds', () => {
    expect(() => createRoster({ conflictBackoff: { baseDelayMs: -1, maxDelayMs: 5 } })).toThrow('createRoster: conflictBackoff.baseDelayMs: ');
    expect(() => createRoster({ conflictBackoff: { baseDelayMs: 1, maxDelayMs: Number.POSITIVE_INFINITY } })).toThrow('createRoster: conflictBackoff.maxDelayMs: ');
    // A timer past 2³¹−1 ms fires at once: such a backoff would be none.
    expect(() => createRoster({ conflictBackoff: { baseDelayMs: 1, maxDelayMs: 2 ** 31 } })).toThrow('createRoster: conflictBackoff.maxDelayMs: ');
  });

  it('defaults to 10 attempts', async () => {
    const { store, state } = alwaysColliding();
    const { roster, ana } = await aShop({ store, conflictBackoff: { baseDelayMs: 0, maxDelayMs: 0 } });
    state.colliding = true;
    expect((await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrapErr()).toMatchObject({ type: 'ConcurrencyConflict', attempts: 10 });
    expect(DEFAULT_CONFLICT_BACKOFF).toEqual({ baseDelayMs: 2, maxDelayMs: 50 });
  });
});
