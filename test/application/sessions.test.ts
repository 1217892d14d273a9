/**
 * How the roster uses a store's sessions (`RosterStore.begin`), on a stand-in that adds sessions
 * to the in-memory store and records what happens to them: which commands lock their workspace,
 * that a lost lock race is decided again (up to `maxAttempts`), and that every session is ended,
 * whatever way its attempt ends. PostgreSQL's real sessions are tested in test/postgres.
 */
import { describe, expect, it } from 'vitest';
import { createRoster, MemoryIdentity, MemoryRosterStore, type ActorRef } from 'agent-roster';
import { DECISION_READS } from '../../src/ports/decision-reads';
import type { DecisionReads, RosterSession, RosterStore } from '../../src/ports/store';
import { aShop, failure, PASSWORD } from '../support/shop';

/** The in-memory store with sessions that lock nothing but say what they were asked. */
function withSessions(inner: MemoryRosterStore, options: { loseLockRaces?: number; beginFails?: boolean } = {}) {
  const log = { opened: 0, ended: 0, locked: 0, lost: 0, committed: 0 };
  let toLose = options.loseLockRaces ?? 0;
  const session = (): RosterSession => {
    log.opened++;
    let ended = false;
    const reads = Object.fromEntries(DECISION_READS.map((name) => [name, (...args: unknown[]) => (inner[name] as (...a: unknown[]) => unknown)(...args)]));
    return {
      ...(reads as unknown as DecisionReads),
      async lockWorkspace(id) {
        if (toLose > 0) {
          toLose--;
          log.lost++;
          return { locked: false, reason: 'stale-version', detail: 'simulated lock timeout' };
        }
        log.locked++;
        return { locked: true, workspace: await inner.loadWorkspace(id) };
      },
      async commit(commit) {
        const outcome = await inner.commit(commit);
        if (outcome.committed) log.committed++;
        return outcome;
      },
      async end() {
        if (!ended) log.ended++;
        ended = true;
      },
    };
  };
  const store = new Proxy(inner, {
    get(target, property) {
      if (property === 'begin') return async () => (options.beginFails ? Promise.reject(new Error('pool exhausted')) : session());
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as RosterStore;
  return { store, log };
}

describe('the roster on a store with sessions', () => {
  it('locks the workspace for commands that change its counters, not for the others, and ends every session', async () => {
    const { store, log } = withSessions(new MemoryRosterStore());
    const shop = await aShop({ store, plan: 'custom' });
    const bob = await shop.join('Bob');
    expect(log).toMatchObject({ opened: 2, ended: 2, locked: 2, committed: 2 });

    (await shop.roster.setAvailability(bob, { agentId: bob.agentId, availability: 'online' }))._unsafeUnwrap();
    (await shop.roster.changeRole(shop.ana, { agentId: bob.agentId, role: 'admin' }))._unsafeUnwrap();
    (await shop.roster.listAgents(shop.ana))._unsafeUnwrap();
    expect(log).toMatchObject({ opened: 2, ended: 2 });

    (await shop.roster.deactivateAgent(shop.ana, { agentId: bob.agentId }))._unsafeUnwrap();
    (await shop.roster.createDepartment(shop.ana, { name: 'Sales' }))._unsafeUnwrap();
    expect(log).toMatchObject({ opened: 4, ended: 4, locked: 4, committed: 4 });
  });

  it('decides again after losing a lock race, and gives up with ConcurrencyConflict after maxAttempts, writing nothing', async () => {
    const twice = withSessions(new MemoryRosterStore(), { loseLockRaces: 2 });
    const patient = await aShop({ store: twice.store, plan: 'custom', maxAttempts: 3 });
    // createWorkspace does not lock (there is no workspace yet), so both lost races fall to the invite.
    (await patient.roster.inviteAgent(patient.ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    expect(twice.log).toMatchObject({ lost: 2, locked: 1, opened: 3, ended: 3, committed: 1 });

    const inner = new MemoryRosterStore();
    const shop = await aShop({ store: inner, plan: 'custom' });
    const before = await shop.snapshot();
    const losing = withSessions(inner, { loseLockRaces: 99 });
    const roster = createRoster({ store: losing.store, maxAttempts: 3, clock: shop.clock });
    expect(await failure(roster.inviteAgent(shop.ana, { email: 'bob@acme.com' }), 'ConcurrencyConflict')).toMatchObject({ attempts: 3 });
    expect(losing.log).toMatchObject({ lost: 3, opened: 3, ended: 3, committed: 0 });
    expect(await shop.snapshot()).toEqual(before);
  });

  it('ends the session when the attempt is refused, changes nothing, or cannot create the login', async () => {
    const identity = new MemoryIdentity();
    const { store, log } = withSessions(new MemoryRosterStore());
    const shop = await aShop({ store, identity, plan: { id: 'tiny', seats: 2, departments: 1 }, allowInlinePlans: true });
    await shop.invite('bob@acme.com');
    await failure(shop.roster.inviteAgent(shop.ana, { email: 'cy@acme.com' }), 'SeatLimitReached');
    (await shop.roster.expireLapsedInvitations(shop.workspaceId))._unsafeUnwrap();
    identity.createLogin = () => Promise.reject(new Error('identity provider down'));
    await failure(shop.roster.acceptInvitation({ token: shop.tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'IdentityUnavailable');
    expect(log.opened).toBe(4);
    expect(log.ended).toBe(4);
    expect(log.committed).toBe(1);
  });

  it('answers StoreUnavailable when a session cannot be opened', async () => {
    const shop = await aShop({ plan: 'custom' });
    const { store } = withSessions(shop.store as MemoryRosterStore, { beginFails: true });
    const roster = createRoster({ store });
    const ana: ActorRef = shop.ana;
    expect(await failure(roster.inviteAgent(ana, { email: 'bob@acme.com' }), 'StoreUnavailable')).toMatchObject({ cause: 'pool exhausted' });
    // Commands that do not lock never ask for one.
    (await roster.setAvailability(ana, { agentId: ana.agentId, availability: 'online' }))._unsafeUnwrap();
  });
});
