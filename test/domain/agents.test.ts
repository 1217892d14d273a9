import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import {
  activateAgent,
  changeRole,
  checkRoster,
  deactivateAgent,
  deleteAgent,
  editAgent,
  event,
  inviteAgent,
  isoTime,
  seatUsage,
  setAvailability,
  type Agent,
  type DomainError,
  type RosterEvent,
  type RosterState,
} from 'agent-roster';
import { aTokenHash, anAgent, anEmail, ids, rosterOf, rosterView, T0, type RosterSpec } from '../../src/testing/mothers';
import { deepFreeze, given } from '../../src/testing/scenario';

const shopId = ids.workspace('shop');
const at = isoTime(T0);
const ana = ids.agent('ana');
const bob = ids.agent('bob');

/** Ana (owner), Bob (agent), Cy (admin), Dee (inactive agent), each with their default email. */
const team = (spec: RosterSpec = {}) =>
  rosterOf({
    departments: ['Sales'],
    agents: [{ name: 'Bob', departments: ['Sales'] }, { name: 'Cy', role: 'admin' }, { name: 'Dee', status: 'inactive' }],
    ...spec,
  });

/** The state an agent command needs: `actor` acts on `target` (names, ids or emails). */
const on = (state: RosterState, actor: string, target: string) => {
  const roster = rosterView(state);
  return { workspace: roster.workspace, actor: roster.agent(actor), agent: roster.agent(target) };
};

/** The state with a target that is not a member of this workspace (or nobody at all). */
const onForeign = (state: RosterState, target: Agent | null) => {
  const roster = rosterView(state);
  return { workspace: roster.workspace, actor: roster.owner, agent: target };
};

/** Bob as an agent of another workspace: same id, other workspace. */
const foreignBob = deepFreeze(anAgent({ name: 'Bob', workspaceId: 'ws_other' }));
/** Olga, an agent of another workspace only. */
const foreignOlga = deepFreeze(anAgent({ name: 'Olga', workspaceId: 'ws_other' }));

function after(history: readonly RosterEvent[], step: (state: RosterState) => Result<unknown, DomainError>) {
  return [...history, ...given(history).when(step).thenState(() => true).events];
}

describe('editing an agent', () => {
  it('lets every agent edit its own profile', () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Bob', 'Bob'), { agentId: 'agt_bob', name: 'Bob B.', description: 'Refunds, EU' }, { now: T0, emailStatus: 'available' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: bob, editedBy: bob, name: 'Bob B.', description: 'Refunds, EU' })])
      .thenState((state) => expect(rosterView(state).agent('Bob B.')).toMatchObject({ name: 'Bob B.', description: 'Refunds, EU' }));
  });

  it('lets an inactive agent edit its own profile', () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Dee', 'Dee'), { agentId: 'agt_dee', name: 'Dee D.' }, { now: T0, emailStatus: 'available' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: ids.agent('dee'), editedBy: ids.agent('dee'), name: 'Dee D.' })]);
  });

  it("refuses an agent editing someone else's profile", () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Bob', 'Cy'), { agentId: 'agt_cy', name: 'Cy?' }, { now: T0, emailStatus: 'available' }))
      .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role', actorId: bob });
  });

  it('lets an admin edit anyone, the owner included', () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Cy', 'Ana'), { agentId: 'agt_ana', description: 'Founder' }, { now: T0, emailStatus: 'available' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: ana, editedBy: ids.agent('cy'), description: 'Founder' })]);
  });

  it("refuses an admin changing the owner's email, before asking who holds it: the owner's login is the owner's alone", () => {
    for (const holder of ['available', 'standalone-account', 'agent'] as const) {
      given(team().events)
        .when((s) => editAgent(on(s, 'Cy', 'Ana'), { agentId: 'agt_ana', email: 'cy+owner@evil.example' }, { now: T0, emailStatus: holder }))
        .thenFails('PermissionDenied', {
          capability: 'manageAgents',
          reason: 'not-owner',
          actorId: ids.agent('cy'),
          message: "Not allowed to manageAgents: only the owner can change the owner's email address.",
        });
    }
  });

  it("refuses an agent changing the owner's email as not-owner, not as a matter of role: no admin may either", () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Bob', 'Ana'), { agentId: 'agt_ana', email: 'bob+owner@evil.example' }, { now: T0, emailStatus: 'available' }))
      .thenFails('PermissionDenied', {
        capability: 'manageAgents',
        reason: 'not-owner',
        actorId: bob,
        message: "Not allowed to manageAgents: only the owner can change the owner's email address.",
      });
    // Without a change of the owner's email, an agent's refusal is its role's, which an admin has.
    for (const input of [{ name: 'Ana?' }, { name: 'Ana?', email: 'ana@shop.com' }]) {
      given(team().events)
        .when((s) => editAgent(on(s, 'Bob', 'Ana'), { agentId: 'agt_ana', ...input }, { now: T0, emailStatus: 'available' }))
        .thenFails('PermissionDenied', { reason: 'role', message: "Not allowed to manageAgents: the agent's role does not include it; an admin may." });
    }
  });

  it("refuses an admin of another workspace naming the owner's email as not a member", () => {
    const stranger = deepFreeze(rosterView(rosterOf({ workspaceId: 'ws_other', owner: { name: 'Olga' } }).state).owner);
    given(team().events)
      .when((s) => editAgent({ ...on(s, 'Ana', 'Ana'), actor: stranger }, { agentId: 'agt_ana', email: 'olga@evil.example' }, { now: T0, emailStatus: 'available' }))
      .thenFails('PermissionDenied', { reason: 'not-a-member' });
  });

  it("still lets an admin edit the owner's name and description, and the owner's unchanged email", () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Cy', 'Ana'), { agentId: 'agt_ana', name: 'Ana A.', email: 'ANA@shop.com' }, { now: T0, emailStatus: 'agent' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: ana, editedBy: ids.agent('cy'), name: 'Ana A.' })]);
  });

  it("lets the owner change the owner's email, and an admin change another admin's", () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Ana', 'Ana'), { agentId: 'agt_ana', email: 'ana@new.example' }, { now: T0, emailStatus: 'available' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: ana, editedBy: ana, email: anEmail('ana@new.example') })]);
    given(team({ agents: [{ name: 'Cy', role: 'admin' }, { name: 'Dan', role: 'admin' }] }).events)
      .when((s) => editAgent(on(s, 'Cy', 'Dan'), { agentId: 'agt_dan', email: 'dan@new.example' }, { now: T0, emailStatus: 'available' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: ids.agent('dan'), editedBy: ids.agent('cy'), email: anEmail('dan@new.example') })]);
  });

  it('changes the email to its canonical key', () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', email: ' Robert@Shop.COM ' }, { now: T0, emailStatus: 'available' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: bob, editedBy: ana, email: anEmail('robert@shop.com') })])
      .thenState((state) => expect(checkRoster(state)).toEqual([]));
  });

  it.each(['agent', 'pending-invitation', 'standalone-account'] as const)(
    'refuses an email a %s holds, like an invitation would',
    (holder) => {
      given(team({ invitations: [{ email: 'eve@shop.com' }] }).events)
        .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', email: 'Eve@shop.com' }, { now: T0, emailStatus: holder }))
        .thenFails('EmailAlreadyExists', { email: anEmail('eve@shop.com'), holder });
    },
  );

  it.each(['agent', 'pending-invitation', 'standalone-account'] as const)(
    "says who holds the email (%s) in words true for an edit too, with none of an invite's advice",
    (holder) => {
      const error = given(team({ invitations: [{ email: 'eve@shop.com' }] }).events)
        .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', email: 'Eve@shop.com' }, { now: T0, emailStatus: holder }))
        .thenFails('EmailAlreadyExists');
      expect(error.message).toMatch(/^Email already exists: eve@shop\.com /);
      expect(error.message).not.toMatch(/resend|another email/i);
    },
  );

  it('does not check the email when it stays the same (case aside)', () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Bob', 'Bob'), { agentId: 'agt_bob', email: 'BOB@shop.com' }, { now: T0, emailStatus: 'agent' }))
      .thenNothingHappened();
  });

  it('records only what changes, and nothing when nothing does', () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', name: 'Bob', description: 'New' }, { now: T0, emailStatus: 'available' }))
      .then([event('AgentProfileEdited', shopId, at, { agentId: bob, editedBy: ana, description: 'New' })]);
    given(team().events)
      .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', name: 'Bob', description: '' }, { now: T0, emailStatus: 'available' }))
      .thenNothingHappened();
  });

  it("refuses another agent's email, as the roster reports its holder", () => {
    given(team().events)
      .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', email: 'cy@shop.com' }, { now: T0, emailStatus: rosterView(s).emailStatus('cy@shop.com') }))
      .thenFails('EmailAlreadyExists', { email: anEmail('cy@shop.com'), holder: 'agent' });
  });

  it('needs the caller to say who holds the new email, and never lets a forgetful caller through', () => {
    const shop = team();
    // Forgetting the holder used to mean "available", which let Bob take Cy's email.
    // @ts-expect-error emailStatus is required
    const forgetful = () => editAgent(on(shop.state, 'Ana', 'Bob'), { agentId: 'agt_bob', email: 'cy@shop.com' }, { now: T0 });
    expect(forgetful).toThrow(/emailStatus/);
  });

  it("does not find an agent that is missing or another workspace's", () => {
    for (const target of [null, foreignBob]) {
      given(team().events)
        .when((s) => editAgent(onForeign(s, target), { agentId: 'agt_bob', name: 'B' }, { now: T0, emailStatus: 'available' }))
        .thenFails('AgentNotFound', { agentId: bob });
    }
  });

  it('checks permission before looking the target up, so an agent cannot probe which ids exist', () => {
    const attempt = (agentId: string, target: (s: RosterState) => Agent | null) =>
      given(team().events)
        .when((s) => editAgent({ ...on(s, 'Bob', 'Bob'), agent: target(s) }, { agentId, name: 'B' }, { now: T0, emailStatus: 'available' }))
        .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role', actorId: bob });
    const existing = attempt('agt_cy', (s) => rosterView(s).agent('Cy'));
    expect(attempt('agt_zed', () => null)).toEqual(existing);
    expect(attempt('agt_olga', () => foreignOlga)).toEqual(existing);
    // Its own id is its own profile: the lookup then says the agent is gone.
    given(team().events)
      .when((s) => editAgent({ ...on(s, 'Bob', 'Bob'), agent: null }, { agentId: 'agt_bob', name: 'B' }, { now: T0, emailStatus: 'available' }))
      .thenFails('AgentNotFound', { agentId: bob });
  });

  it('refuses an edit that changes nothing at all, or a bad email', () => {
    const empty = given(team().events)
      .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob' }, { now: T0, emailStatus: 'available' }))
      .thenFails('ValidationFailed');
    expect(empty.issues[0]?.message).toContain('at least one of name, email, description');
    given(team().events)
      .when((s) => editAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', email: 'bob@localhost' }, { now: T0, emailStatus: 'available' }))
      .thenFails('ValidationFailed', { issues: [{ path: 'email', message: 'Email domain must have at least two labels, such as "example.com".' }] });
  });
});

describe('changing roles', () => {
  it('promotes an agent to admin', () => {
    given(team().events)
      .when((s) => changeRole(on(s, 'Cy', 'Bob'), { agentId: 'agt_bob', role: 'admin' }, { now: T0 }))
      .then([event('AgentRoleChanged', shopId, at, { agentId: bob, from: 'agent', to: 'admin', changedBy: ids.agent('cy') })])
      .thenState((state) => expect(rosterView(state).agent('Bob').role).toBe('admin'));
  });

  it('demotes an admin to agent', () => {
    given(team().events)
      .when((s) => changeRole(on(s, 'Ana', 'Cy'), { agentId: 'agt_cy', role: 'agent' }, { now: T0 }))
      .then([event('AgentRoleChanged', shopId, at, { agentId: ids.agent('cy'), from: 'admin', to: 'agent', changedBy: ana })]);
  });

  it('does nothing when the role is already the one asked', () => {
    given(team().events).when((s) => changeRole(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', role: 'agent' }, { now: T0 })).thenNothingHappened();
    given(team().events).when((s) => changeRole(on(s, 'Cy', 'Ana'), { agentId: 'agt_ana', role: 'admin' }, { now: T0 })).thenNothingHappened();
  });

  it('keeps the owner an admin, whoever asks', () => {
    for (const actor of ['Ana', 'Cy']) {
      given(team().events)
        .when((s) => changeRole(on(s, actor, 'Ana'), { agentId: 'agt_ana', role: 'agent' }, { now: T0 }))
        .thenFails('OwnerMustStayAdmin', { agentId: ana });
    }
  });

  it('is for admins', () => {
    given(team().events)
      .when((s) => changeRole(on(s, 'Bob', 'Bob'), { agentId: 'agt_bob', role: 'admin' }, { now: T0 }))
      .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role' });
  });

  it("does not find an agent that is missing or another workspace's", () => {
    for (const target of [undefined, foreignBob]) {
      given(team().events)
        .when((s) => changeRole({ ...onForeign(s, null), agent: target }, { agentId: 'agt_bob', role: 'admin' }, { now: T0 }))
        .thenFails('AgentNotFound', { agentId: bob });
    }
  });

  it('refuses a role that does not exist', () => {
    given(team().events)
      .when((s) => changeRole(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob', role: 'owner' } as never, { now: T0 }))
      .thenFails('ValidationFailed');
  });
});

describe('activating and deactivating agents', () => {
  it('deactivates an agent, which also sets it away', () => {
    const shop = team({ agents: [{ name: 'Bob', availability: 'online' }] });
    given(shop.events)
      .when((s) => deactivateAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob' }, { now: T0 }))
      .then([event('AgentDeactivated', shopId, at, { agentId: bob, deactivatedBy: ana })])
      .thenState((state) => {
        expect(rosterView(state).agent('Bob')).toMatchObject({ status: 'inactive', availability: 'away' });
        expect(rosterView(state).workspace.counts).toMatchObject({ activeAgents: 1, inactiveAgents: 1 });
        expect(checkRoster(state)).toEqual([]);
      });
  });

  it('lets the owner be inactive, and still the owner and an admin', () => {
    given(team().events)
      .when((s) => deactivateAgent(on(s, 'Cy', 'Ana'), { agentId: 'agt_ana' }, { now: T0 }))
      .then([event('AgentDeactivated', shopId, at, { agentId: ana, deactivatedBy: ids.agent('cy') })])
      .thenState((state) => {
        const roster = rosterView(state);
        expect(roster.workspace.ownerId).toBe('agt_ana');
        expect(roster.owner).toMatchObject({ role: 'admin', status: 'inactive' });
        expect(checkRoster(state)).toEqual([]);
      });
  });

  it('lets the owner deactivate itself', () => {
    given(team().events)
      .when((s) => deactivateAgent(on(s, 'Ana', 'Ana'), { agentId: 'agt_ana' }, { now: T0 }))
      .then([event('AgentDeactivated', shopId, at, { agentId: ana, deactivatedBy: ana })]);
  });

  it('activates an inactive agent', () => {
    given(team().events)
      .when((s) => activateAgent(on(s, 'Cy', 'Dee'), { agentId: 'agt_dee' }, { now: T0 }))
      .then([event('AgentActivated', shopId, at, { agentId: ids.agent('dee'), activatedBy: ids.agent('cy') })])
      .thenState((state) => expect(rosterView(state).agent('Dee')).toMatchObject({ status: 'active', availability: 'away' }));
  });

  it('does nothing when the agent already has that status', () => {
    given(team().events).when((s) => activateAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob' }, { now: T0 })).thenNothingHappened();
    given(team().events).when((s) => deactivateAgent(on(s, 'Ana', 'Dee'), { agentId: 'agt_dee' }, { now: T0 })).thenNothingHappened();
  });

  it('needs a free seat to activate when only active agents count', () => {
    // Dee joins first and is deactivated, which frees her seat for Bob and Cy under this policy.
    const shop = rosterOf({
      plan: 'starter',
      seatPolicy: { countInactiveAgents: false },
      agents: [{ name: 'Dee', status: 'inactive' }, { name: 'Bob' }, { name: 'Cy', role: 'admin' }],
    });
    expect(seatUsage(shop.workspace)).toEqual({ used: 3, limit: 3 });
    given(shop.events)
      .when((s) => activateAgent(on(s, 'Ana', 'Dee'), { agentId: 'agt_dee' }, { now: T0 }))
      .thenFails('SeatLimitReached', { limit: 3, used: 3, requested: 4 });
  });

  it('is for admins, both ways', () => {
    given(team().events)
      .when((s) => activateAgent(on(s, 'Bob', 'Dee'), { agentId: 'agt_dee' }, { now: T0 }))
      .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role', actorId: bob });
    given(team().events)
      .when((s) => deactivateAgent(on(s, 'Bob', 'Bob'), { agentId: 'agt_bob' }, { now: T0 }))
      .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role', actorId: bob });
  });

  it("does not find an agent that is missing or another workspace's", () => {
    for (const target of [null, foreignBob]) {
      given(team().events).when((s) => activateAgent(onForeign(s, target), { agentId: 'agt_bob' }, { now: T0 })).thenFails('AgentNotFound');
      given(team().events).when((s) => deactivateAgent(onForeign(s, target), { agentId: 'agt_bob' }, { now: T0 })).thenFails('AgentNotFound');
    }
  });

  it('refuses an id that is not an agent id', () => {
    given(team().events).when((s) => activateAgent(on(s, 'Ana', 'Dee'), { agentId: 'inv_dee' }, { now: T0 })).thenFails('ValidationFailed');
    given(team().events).when((s) => deactivateAgent(on(s, 'Ana', 'Bob'), { agentId: 'bob' }, { now: T0 })).thenFails('ValidationFailed');
  });
});

describe('setting availability', () => {
  it('lets an agent go online and away itself', () => {
    const online = given(team().events)
      .when((s) => setAvailability(on(s, 'Bob', 'Bob'), { agentId: 'agt_bob', availability: 'online' }, { now: T0 }))
      .then([event('AvailabilityChanged', shopId, at, { agentId: bob, availability: 'online', changedBy: bob })]);
    given([...team().events, ...online.events])
      .when((s) => setAvailability(on(s, 'Bob', 'Bob'), { agentId: 'agt_bob', availability: 'away' }, { now: T0 }))
      .then([event('AvailabilityChanged', shopId, at, { agentId: bob, availability: 'away', changedBy: bob })]);
  });

  it("lets an admin set anyone's availability", () => {
    given(team().events)
      .when((s) => setAvailability(on(s, 'Cy', 'Bob'), { agentId: 'agt_bob', availability: 'online' }, { now: T0 }))
      .then([event('AvailabilityChanged', shopId, at, { agentId: bob, availability: 'online', changedBy: ids.agent('cy') })]);
  });

  it("refuses an agent setting someone else's availability", () => {
    given(team().events)
      .when((s) => setAvailability(on(s, 'Bob', 'Cy'), { agentId: 'agt_cy', availability: 'away' }, { now: T0 }))
      .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role' });
  });

  it('keeps an inactive agent from going online, whoever asks', () => {
    for (const actor of ['Dee', 'Ana']) {
      given(team().events)
        .when((s) => setAvailability(on(s, actor, 'Dee'), { agentId: 'agt_dee', availability: 'online' }, { now: T0 }))
        .thenFails('AgentInactive', {
          agentId: ids.agent('dee'),
          // Said to the inactive agent too, who cannot activate itself.
          message: 'An inactive agent cannot go online. An admin must activate the agent first.',
        });
    }
  });

  it('keeps an inactive admin from going online too, the deactivated owner included', () => {
    const shop = team({ owner: { name: 'Ana', status: 'inactive' }, agents: [{ name: 'Cy', role: 'admin', status: 'inactive' }] });
    for (const [actor, target] of [['Ana', 'Ana'], ['Cy', 'Cy']] as const) {
      given(shop.events)
        .when((s) => setAvailability(on(s, actor, target), { agentId: rosterView(s).agent(target).id, availability: 'online' }, { now: T0 }))
        .thenFails('AgentInactive');
    }
  });

  it('does nothing when the availability is already the one asked', () => {
    given(team().events)
      .when((s) => setAvailability(on(s, 'Dee', 'Dee'), { agentId: 'agt_dee', availability: 'away' }, { now: T0 }))
      .thenNothingHappened();
  });

  it("does not find an agent that is missing or another workspace's", () => {
    for (const target of [null, foreignBob]) {
      given(team().events)
        .when((s) => setAvailability(onForeign(s, target), { agentId: 'agt_bob', availability: 'online' }, { now: T0 }))
        .thenFails('AgentNotFound', { agentId: bob });
    }
  });

  it('checks permission before looking the target up, so an agent cannot probe which ids exist', () => {
    const attempt = (agentId: string, target: (s: RosterState) => Agent | null) =>
      given(team().events)
        .when((s) => setAvailability({ ...on(s, 'Bob', 'Bob'), agent: target(s) }, { agentId, availability: 'away' }, { now: T0 }))
        .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role', actorId: bob });
    const existing = attempt('agt_cy', (s) => rosterView(s).agent('Cy'));
    expect(attempt('agt_zed', () => null)).toEqual(existing);
    expect(attempt('agt_olga', () => foreignOlga)).toEqual(existing);
    given(team().events)
      .when((s) => setAvailability({ ...on(s, 'Bob', 'Bob'), agent: null }, { agentId: 'agt_bob', availability: 'online' }, { now: T0 }))
      .thenFails('AgentNotFound', { agentId: bob });
  });

  it('refuses an availability that does not exist', () => {
    given(team().events)
      .when((s) => setAvailability(on(s, 'Bob', 'Bob'), { agentId: 'agt_bob', availability: 'busy' } as never, { now: T0 }))
      .thenFails('ValidationFailed');
  });
});

describe('deleting an agent', () => {
  it('removes the agent from the workspace and its departments, and frees its seat', () => {
    const shop = team({ plan: 'pro', invitations: [{ email: 'eve@shop.com' }] });
    expect(seatUsage(shop.workspace)).toEqual({ used: 5, limit: 5 });
    const inviteFrank = (s: RosterState) =>
      inviteAgent({ workspace: rosterView(s).workspace, actor: rosterView(s).owner, departments: [] }, { email: 'frank@shop.com' }, {
        now: T0,
        invitationId: ids.invitation('frank'),
        tokenHash: aTokenHash('frank'),
        emailStatus: 'available',
      });
    const full = given(shop.events).when(inviteFrank).thenFails('SeatLimitReached', { limit: 5, used: 5, requested: 6 });
    expect(full.message).toContain('Every seat of the plan is taken (5 used, 5 allowed)');

    const deleted = given(shop.events)
      .when((s) => deleteAgent(on(s, 'Cy', 'Bob'), { agentId: 'agt_bob' }, { now: T0 }))
      .then([event('AgentDeleted', shopId, at, { agentId: bob, email: anEmail('bob@shop.com'), status: 'active', deletedBy: ids.agent('cy') })])
      .thenState((state) => {
        const roster = rosterView(state);
        expect(Object.hasOwn(state.agents, 'agt_bob')).toBe(false);
        expect(roster.membersOf('Sales')).toEqual([]);
        expect(roster.emailStatus('bob@shop.com')).toBe('available');
        expect(seatUsage(roster.workspace)).toEqual({ used: 4, limit: 5 });
        expect(checkRoster(state)).toEqual([]);
      });
    given([...shop.events, ...deleted.events]).when(inviteFrank).thenState(() => true);
  });

  it('frees the seat of an inactive agent too', () => {
    given(team().events)
      .when((s) => deleteAgent(on(s, 'Ana', 'Dee'), { agentId: 'agt_dee' }, { now: T0 }))
      .then([event('AgentDeleted', shopId, at, { agentId: ids.agent('dee'), email: anEmail('dee@shop.com'), status: 'inactive', deletedBy: ana })])
      .thenState((state) => expect(rosterView(state).workspace.counts).toMatchObject({ activeAgents: 3, inactiveAgents: 0 }));
  });

  it('refuses to delete the owner: ownership must be transferred first', () => {
    for (const actor of ['Ana', 'Cy']) {
      const error = given(team().events)
        .when((s) => deleteAgent(on(s, actor, 'Ana'), { agentId: 'agt_ana' }, { now: T0 }))
        .thenFails('OwnerCannotBeDeleted', { agentId: ana });
      expect(error.message).toContain('Transfer ownership');
    }
  });

  it('is for admins', () => {
    given(team().events)
      .when((s) => deleteAgent(on(s, 'Bob', 'Dee'), { agentId: 'agt_dee' }, { now: T0 }))
      .thenFails('PermissionDenied', { capability: 'manageAgents', reason: 'role' });
  });

  it("does not find an agent that is missing, already deleted, or another workspace's", () => {
    for (const target of [null, foreignBob]) {
      given(team().events).when((s) => deleteAgent(onForeign(s, target), { agentId: 'agt_bob' }, { now: T0 })).thenFails('AgentNotFound', { agentId: bob });
    }
    const gone = after(team().events, (s) => deleteAgent(on(s, 'Ana', 'Bob'), { agentId: 'agt_bob' }, { now: T0 }));
    given(gone)
      .when((s) => deleteAgent(onForeign(s, Object.hasOwn(s.agents, 'agt_bob') ? rosterView(s).agent('Bob') : null), { agentId: 'agt_bob' }, { now: T0 }))
      .thenFails('AgentNotFound', { agentId: bob });
  });

  it('refuses an id that is not an agent id', () => {
    given(team().events).when((s) => deleteAgent(on(s, 'Ana', 'Bob'), { agentId: 'dep_sales' }, { now: T0 })).thenFails('ValidationFailed');
  });
});
