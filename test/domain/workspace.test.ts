import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  changePlan,
  fail,
  requireSeats,
  changeSettings,
  checkRoster,
  createWorkspace,
  event,
  inviteAgent,
  isoTime,
  PLANS,
  seatUsage,
  activateAgent,
  revokeInvitation,
  type PlanCatalog,
  type RosterState,
  type Workspace,
} from 'agent-roster';
import { aTokenHash, aWorkspace, anEmail, ids, rosterOf, rosterView, T0 } from '../../src/testing/mothers';
import { deepFreeze, given } from '../../src/testing/scenario';
import { requireOneSeat } from '../../src/domain/seats';
import { invitationAccepted, invitationOpened, statusChanged } from '../../src/domain/transitions';

const shopId = ids.workspace('shop');
const at = isoTime(T0);

/** The workspace and an acting agent (the owner unless named), read from a state. */
const actingAs = (state: RosterState, who?: string) => {
  const roster = rosterView(state);
  return { workspace: roster.workspace, actor: who === undefined ? roster.owner : roster.agent(who) };
};

/** Invites someone as the owner; `emailStatus` says nobody holds the address. */
const inviteSomeone = (state: RosterState, email = 'zed@shop.com', now = T0) =>
  inviteAgent({ ...actingAs(state), departments: [] }, { email }, { now, invitationId: ids.invitation('zed'), tokenHash: aTokenHash(email), emailStatus: 'available' });

const open = (input: Parameters<typeof createWorkspace>[0], plans?: Parameters<typeof createWorkspace>[1]['plans']) =>
  createWorkspace(input, { now: T0, workspaceId: shopId, ownerId: ids.agent('ana'), ...(plans ? { plans } : {}) });

describe('opening a workspace', () => {
  it('makes the owner its first agent: an active admin, away, in no department', () => {
    given([])
      .when(() => open({ name: 'Shop', plan: 'pro', owner: { email: 'ana@shop.com', name: 'Ana' } }))
      .then([
        event('WorkspaceCreated', shopId, at, {
          name: 'Shop',
          plan: PLANS.pro,
          seatPolicy: { countInactiveAgents: true, reserveSeatsForInvitations: true },
          invitationTtlHours: 168,
          owner: { agentId: ids.agent('ana'), email: anEmail('ana@shop.com'), name: 'Ana' },
        }),
      ])
      .thenState((state) => {
        const roster = rosterView(state);
        expect(roster.workspace.ownerId).toBe('agt_ana');
        expect(roster.owner).toMatchObject({ role: 'admin', status: 'active', availability: 'away', departmentIds: [] });
        expect(roster.workspace.counts).toEqual({ activeAgents: 1, inactiveAgents: 0, pendingInvitations: 0, departments: 0 });
        expect(checkRoster(state)).toEqual([]);
      });
  });

  it('stores the owner email by its canonical key and trims names', () => {
    const { value } = given([])
      .when(() => open({ name: '  Shop  ', owner: { email: '  Ana@SHOP.com ', name: ' Ana ' } }))
      .thenState(() => true);
    expect(value.state.owner.email).toBe('ana@shop.com');
    expect(value.state.owner.name).toBe('Ana');
    expect(value.state.workspace.name).toBe('Shop');
  });

  it('starts on the free plan when none is named', () => {
    const { value } = given([]).when(() => open({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana' } })).thenState(() => true);
    expect(value.state.workspace.plan).toEqual({ id: 'free', seats: 1, departments: 1 });
  });

  it('takes a partial seat policy and keeps the default for the rest', () => {
    const { value } = given([])
      .when(() => open({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana' }, seatPolicy: { countInactiveAgents: false } }))
      .thenState(() => true);
    expect(value.state.workspace.seatPolicy).toEqual({ countInactiveAgents: false, reserveSeatsForInvitations: true });
  });

  it('takes a configurable invitation lifetime', () => {
    const { value } = given([])
      .when(() => open({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana' }, invitationTtlHours: 48 }))
      .thenState(() => true);
    expect(value.state.workspace.invitationTtlHours).toBe(48);
  });

  it("accepts a host's own plan, inline or from the host's catalog", () => {
    const team = { id: 'team-12', seats: 12, departments: 3 };
    const inline = given([]).when(() => open({ name: 'Shop', plan: team, owner: { email: 'ana@shop.com', name: 'Ana' } })).thenState(() => true);
    expect(inline.value.state.workspace.plan).toEqual(team);
    const fromCatalog = given([])
      .when(() => open({ name: 'Shop', plan: 'team-12', owner: { email: 'ana@shop.com', name: 'Ana' } }, { 'team-12': team }))
      .thenState(() => true);
    expect(fromCatalog.value.state.workspace.plan).toEqual(team);
  });

  it.each(['platinum', 'constructor', 'tostring', 'hasownproperty'])('refuses plan "%s", which is not in the catalog', (plan) => {
    given([])
      .when(() => open({ name: 'Shop', plan, owner: { email: 'ana@shop.com', name: 'Ana' } }))
      .thenFails('PlanNotFound', { planId: plan });
  });

  it("refuses a ready plan when the host brings its own catalog instead", () => {
    given([])
      .when(() => open({ name: 'Shop', plan: 'pro', owner: { email: 'ana@shop.com', name: 'Ana' } }, { team: { id: 'team', seats: 8, departments: 2 } }))
      .thenFails('PlanNotFound', { planId: 'pro' });
  });

  it('refuses a plan without a single seat, since the owner takes one; no departments is fine', () => {
    const error = given([])
      .when(() => open({ name: 'Shop', plan: { id: 'none', seats: 0, departments: 1 }, owner: { email: 'ana@shop.com', name: 'Ana' } }))
      .thenFails('ValidationFailed');
    expect(error.issues.map((i) => i.path)).toContain('plan.seats');
    const solo = { id: 'solo', seats: 1, departments: 0 };
    const { value } = given([])
      .when(() => open({ name: 'Shop', plan: solo, owner: { email: 'ana@shop.com', name: 'Ana' } }))
      .thenState((state) => expect(checkRoster(state)).toEqual([]));
    expect(value.state.workspace.plan).toEqual(solo);
  });

  it.each([
    ['no seat', { id: 'broken', seats: 0, departments: 1 }],
    ['negative departments', { id: 'broken', seats: 3, departments: -1 }],
    ['a fractional seat limit', { id: 'broken', seats: 2.5, departments: 1 }],
    ['a missing limit', { id: 'broken', seats: 3 }],
    ['a malformed id', { id: 'Broken Plan', seats: 3, departments: 1 }],
    ['an unknown field', { id: 'broken', seats: 3, departments: 1, price: 9 }],
    // Valid as a plan, but not the one asked for: storing it would give the workspace plan `pro`.
    ['an id other than its key', { id: 'pro', seats: 3, departments: 1 }],
  ])('treats a host catalog entry with %s as no plan at all', (_, entry) => {
    // A host's catalog may come from its own config: it is checked like any input.
    const plans = { broken: entry } as unknown as PlanCatalog;
    given([])
      .when(() => open({ name: 'Shop', plan: 'broken', owner: { email: 'ana@shop.com', name: 'Ana' } }, plans))
      .thenFails('PlanNotFound', { planId: 'broken' });
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: 'broken' }, { now: T0, plans }))
      .thenFails('PlanNotFound', { planId: 'broken' });
  });

  it('refuses an input without an owner', () => {
    const error = given([])
      .when(() => open({ name: 'Shop' } as never))
      .thenFails('ValidationFailed');
    expect(error.issues.map((i) => i.path)).toEqual(['owner']);
  });
});

describe('the ready plan catalog', () => {
  it('is the table of DOMAIN.md', () => {
    expect(PLANS).toEqual({
      free: { id: 'free', seats: 1, departments: 1 },
      starter: { id: 'starter', seats: 3, departments: 1 },
      pro: { id: 'pro', seats: 5, departments: 5 },
      enterprise: { id: 'enterprise', seats: 20, departments: 20 },
      custom: { id: 'custom', seats: null, departments: null },
    });
  });
});

describe('seat policy', () => {
  it('counts, by default, active and inactive agents and every pending invitation', () => {
    const workspace = deepFreeze(aWorkspace({ counts: { activeAgents: 2, inactiveAgents: 1, pendingInvitations: 1 } }));
    expect(seatUsage(workspace)).toEqual({ used: 4, limit: 5 });
    expect(seatUsage({ ...workspace, seatPolicy: { countInactiveAgents: false, reserveSeatsForInvitations: true } })).toEqual({ used: 3, limit: 5 });
    expect(seatUsage({ ...workspace, seatPolicy: { countInactiveAgents: true, reserveSeatsForInvitations: false } })).toEqual({ used: 3, limit: 5 });
    expect(seatUsage({ ...workspace, seatPolicy: { countInactiveAgents: false, reserveSeatsForInvitations: false } })).toEqual({ used: 2, limit: 5 });
    expect(seatUsage(aWorkspace({ plan: 'custom' }))).toEqual({ used: 1, limit: null });
  });

  it('makes an inactive agent hold its seat by default', () => {
    const shop = rosterOf({ plan: 'starter', agents: [{ name: 'Bob', status: 'inactive' }, { name: 'Cy' }] });
    given(shop.events).when((s) => inviteSomeone(s)).thenFails('SeatLimitReached', { limit: 3, used: 3, requested: 4 });
  });

  it('makes a pending invitation hold its seat by default', () => {
    const shop = rosterOf({ plan: 'starter', agents: [{ name: 'Bob' }], invitations: [{ email: 'cy@shop.com' }] });
    given(shop.events).when((s) => inviteSomeone(s)).thenFails('SeatLimitReached', { limit: 3, used: 3, requested: 4 });
  });

  it('lets inactive agents go uncounted when the policy says so', () => {
    const shop = rosterOf({ plan: 'starter', seatPolicy: { countInactiveAgents: false }, agents: [{ name: 'Bob', status: 'inactive' }, { name: 'Cy' }] });
    given(shop.events)
      .when((s) => inviteSomeone(s))
      .thenState((state) => expect(seatUsage(rosterView(state).workspace)).toEqual({ used: 3, limit: 3 }));
  });

  it('lets pending invitations go unreserved when the policy says so, so inviting into a full workspace succeeds (ADR 0012)', () => {
    const shop = rosterOf({ plan: 'starter', seatPolicy: { reserveSeatsForInvitations: false }, agents: [{ name: 'Bob' }, { name: 'Cy' }] });
    expect(seatUsage(rosterView(shop.state).workspace)).toEqual({ used: 3, limit: 3 });
    given(shop.events)
      .when((s) => inviteSomeone(s))
      .thenState((state) => {
        expect(rosterView(state).workspace.counts.pendingInvitations).toBe(1);
        expect(seatUsage(rosterView(state).workspace)).toEqual({ used: 3, limit: 3 });
      });
  });

  it('makes activating an agent need a free seat when only active agents count', () => {
    const shop = rosterOf({
      plan: 'starter',
      seatPolicy: { countInactiveAgents: false },
      agents: [{ name: 'Bob', status: 'inactive' }, { name: 'Cy' }],
      invitations: [{ email: 'dee@shop.com' }],
    });
    const activateBob = (s: RosterState) => {
      const roster = rosterView(s);
      return activateAgent({ workspace: roster.workspace, actor: roster.owner, agent: roster.agent('Bob') }, { agentId: ids.agent('bob') }, { now: T0 });
    };
    given(shop.events).when(activateBob).thenFails('SeatLimitReached', { limit: 3, used: 3, requested: 4 });

    const revoked = given(shop.events)
      .when((s) => {
        const roster = rosterView(s);
        return revokeInvitation({ workspace: roster.workspace, actor: roster.owner, invitation: roster.invitation('dee@shop.com') }, { invitationId: ids.invitation('dee') }, { now: T0 });
      })
      .thenState(() => true);
    given([...shop.events, ...revoked.events])
      .when(activateBob)
      .then([event('AgentActivated', shopId, at, { agentId: ids.agent('bob'), activatedBy: ids.agent('ana') })]);
  });

  it('never makes activating need a seat under the default policy, where the inactive agent already holds one', () => {
    const shop = rosterOf({ plan: 'starter', agents: [{ name: 'Bob', status: 'inactive' }, { name: 'Cy' }] });
    given(shop.events)
      .when((s) => {
        const roster = rosterView(s);
        return activateAgent({ workspace: roster.workspace, actor: roster.owner, agent: roster.agent('Bob') }, { agentId: ids.agent('bob') }, { now: T0 });
      })
      .then([event('AgentActivated', shopId, at, { agentId: ids.agent('bob'), activatedBy: ids.agent('ana') })])
      .thenState((state) => expect(seatUsage(rosterView(state).workspace)).toEqual({ used: 3, limit: 3 }));
  });

  it('lets an unlimited plan take any number of seats', () => {
    const shop = rosterOf({ plan: 'custom', agents: ['B', 'C', 'D', 'E', 'F', 'G'].map((name) => ({ name })) });
    given(shop.events)
      .when((s) => inviteSomeone(s))
      .thenState((state) => expect(seatUsage(rosterView(state).workspace)).toEqual({ used: 8, limit: null }));
  });
});

describe('changing plan', () => {
  it('moves the workspace to a bigger plan', () => {
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: 'enterprise' }, { now: T0 }))
      .then([event('PlanChanged', shopId, at, { from: PLANS.pro, to: PLANS.enterprise })])
      .thenState((state) => expect(rosterView(state).workspace.plan).toEqual(PLANS.enterprise));
  });

  it('refuses a downgrade below usage, with the numbers of seats and departments', () => {
    const shop = rosterOf({
      plan: 'pro',
      departments: ['Sales', 'Support'],
      agents: [{ name: 'Bob' }, { name: 'Cy', status: 'inactive' }],
      invitations: [{ email: 'dee@shop.com' }],
    });
    const error = given(shop.events)
      .when((s) => changePlan(actingAs(s), { plan: 'starter' }, { now: T0 }))
      .thenFails('PlanLimitsExceeded', {
        planId: 'starter',
        seats: { used: 4, allowed: 3 },
        departments: { used: 2, allowed: 1 },
      });
    expect(error.message).toBe('Plan "starter" is too small: seats 4 used vs 3 allowed, departments 2 used vs 1 allowed.');
  });

  it('refuses a downgrade that only the seats do not fit, its message naming only them', () => {
    const error = given(rosterOf({ departments: ['Sales'], agents: [{ name: 'Bob' }] }).events)
      .when((s) => changePlan(actingAs(s), { plan: 'free' }, { now: T0 }))
      .thenFails('PlanLimitsExceeded', { planId: 'free', seats: { used: 2, allowed: 1 }, departments: { used: 1, allowed: 1 } });
    // The departments fit (1 of 1): the message does not list them as if they were over.
    expect(error.message).toBe('Plan "free" is too small: seats 2 used vs 1 allowed.');
  });

  it('refuses a downgrade that only the departments do not fit, its message naming only them', () => {
    const error = given(rosterOf({ departments: ['Sales', 'Support'] }).events)
      .when((s) => changePlan(actingAs(s), { plan: 'starter' }, { now: T0 }))
      .thenFails('PlanLimitsExceeded', { seats: { used: 1, allowed: 3 }, departments: { used: 2, allowed: 1 } });
    expect(error.message).toBe('Plan "starter" is too small: departments 2 used vs 1 allowed.');
  });

  it('allows a downgrade whose limits equal current usage', () => {
    const shop = rosterOf({ departments: ['Sales'], agents: [{ name: 'Bob' }], invitations: [{ email: 'cy@shop.com' }] });
    given(shop.events)
      .when((s) => changePlan(actingAs(s), { plan: 'starter' }, { now: T0 }))
      .then([event('PlanChanged', shopId, at, { from: PLANS.pro, to: PLANS.starter })]);
  });

  it('does nothing when the plan stays the same', () => {
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: 'pro' }, { now: T0 }))
      .thenNothingHappened();
  });

  it("moves to a host's own plan, inline or from its catalog", () => {
    const team = { id: 'team-12', seats: 12, departments: 3 };
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: team }, { now: T0 }))
      .then([event('PlanChanged', shopId, at, { from: PLANS.pro, to: team })]);
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: 'team-12' }, { now: T0, plans: { 'team-12': team } }))
      .then([event('PlanChanged', shopId, at, { from: PLANS.pro, to: team })]);
  });

  it('treats a plan with the same id but other limits as a change', () => {
    const bigger = { id: 'pro', seats: 6, departments: 5 };
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: bigger }, { now: T0 }))
      .then([event('PlanChanged', shopId, at, { from: PLANS.pro, to: bigger })]);
  });

  it('reports unlimited limits as null', () => {
    given(rosterOf({ agents: [{ name: 'Bob' }] }).events)
      .when((s) => changePlan(actingAs(s), { plan: { id: 'solo', seats: 1, departments: null } }, { now: T0 }))
      .thenFails('PlanLimitsExceeded', { planId: 'solo', seats: { used: 2, allowed: 1 }, departments: { used: 0, allowed: null } });
  });

  it('leaves an unlimited part out of the message: it is never over', () => {
    const error = given(rosterOf({ departments: ['Sales', 'Support'], agents: [{ name: 'Bob' }] }).events)
      .when((s) => changePlan(actingAs(s), { plan: { id: 'solo', seats: 1, departments: null } }, { now: T0 }))
      .thenFails('PlanLimitsExceeded', { departments: { used: 2, allowed: null } });
    expect(error.message).toBe('Plan "solo" is too small: seats 2 used vs 1 allowed.');
  });

  it('refuses a plan that is not in the catalog', () => {
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: 'platinum' }, { now: T0 }))
      .thenFails('PlanNotFound', { planId: 'platinum' });
  });

  it('is for admins: an agent is refused for its role', () => {
    given(rosterOf({ agents: [{ name: 'Bob' }] }).events)
      .when((s) => changePlan(actingAs(s, 'Bob'), { plan: 'enterprise' }, { now: T0 }))
      .thenFails('PermissionDenied', { capability: 'manageWorkspace', reason: 'role', actorId: ids.agent('bob') });
  });

  it('is open to any admin, even an inactive one, not only the owner', () => {
    const shop = rosterOf({ agents: [{ name: 'Bob', role: 'admin', status: 'inactive' }] });
    given(shop.events)
      .when((s) => changePlan(actingAs(s, 'Bob'), { plan: 'enterprise' }, { now: T0 }))
      .then([event('PlanChanged', shopId, at, { from: PLANS.pro, to: PLANS.enterprise })]);
  });

  it('refuses an admin of another workspace', () => {
    const stranger = deepFreeze(rosterView(rosterOf({ workspaceId: 'ws_other', owner: { name: 'Olga' } }).state).owner);
    given(rosterOf().events)
      .when((s) => changePlan({ workspace: rosterView(s).workspace, actor: stranger }, { plan: 'enterprise' }, { now: T0 }))
      .thenFails('PermissionDenied', { reason: 'not-a-member', actorId: ids.agent('olga') });
  });

  it('refuses a malformed plan', () => {
    const error = given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: { id: 'x', seats: -1, departments: 1 } }, { now: T0 }))
      .thenFails('ValidationFailed');
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.issues.every((i) => i.path.startsWith('plan'))).toBe(true);
  });

  // zod would answer each of these with one "Invalid input" at `plan`: the union of a plan id and
  // an inline plan cannot tell which was meant when both fail on a type.
  const LIMIT = 'must be a whole number, or null for no limit';
  it.each([
    ['a seat count given as text', { id: 'custom', seats: '3', departments: 2 }, [{ path: 'plan.seats', message: LIMIT }]],
    ['a fractional seat count', { id: 'custom', seats: 3.5, departments: 2 }, [{ path: 'plan.seats', message: LIMIT }]],
    ['no seat', { id: 'custom', seats: 0, departments: 2 }, [{ path: 'plan.seats', message: 'Too small: expected number to be >=1' }]],
    ['a department limit given as a boolean', { id: 'custom', seats: 3, departments: true }, [{ path: 'plan.departments', message: LIMIT }]],
    ['a missing department limit', { id: 'custom', seats: 3 }, [{ path: 'plan.departments', message: LIMIT }]],
    ['a missing id', { seats: 3, departments: 2 }, [{ path: 'plan.id', message: 'Invalid input: expected string, received undefined' }]],
    ['a malformed id beside a seat count given as text', { id: 'Custom!', seats: '3', departments: 2 }, [
      { path: 'plan.id', message: 'must be a plan id like "team-12"' },
      { path: 'plan.seats', message: LIMIT },
    ]],
  ])('refuses an inline plan with %s at the field that is wrong, saying why', (_, plan, issues) => {
    const error = given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan } as never, { now: T0 }))
      .thenFails('ValidationFailed');
    expect(error.issues).toEqual(issues);
    expect(open({ name: 'Shop', plan, owner: { email: 'ana@shop.com', name: 'Ana' } } as never)._unsafeUnwrapErr()).toMatchObject({ issues });
  });

  it.each([[5], [null], [true], [[]], [['pro']], ['Gold']])('refuses a plan that is neither an id nor an inline plan (%j) at `plan`, saying what a plan is', (plan) => {
    const error = given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan } as never, { now: T0 }))
      .thenFails('ValidationFailed');
    // zod's own message here is "Invalid input", which says nothing of what `plan` takes.
    expect(error.issues).toEqual([{ path: 'plan', message: 'must be a plan id like "team-12"' }]);
  });

  it('refuses a plan without a single seat as malformed, not as a downgrade below usage', () => {
    const error = given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: { id: 'none', seats: 0, departments: 5 } }, { now: T0 }))
      .thenFails('ValidationFailed');
    expect(error.issues.map((i) => i.path)).toContain('plan.seats');
    given(rosterOf().events)
      .when((s) => changePlan(actingAs(s), { plan: { id: 'no-departments', seats: 5, departments: 0 } }, { now: T0 }))
      .then([event('PlanChanged', shopId, at, { from: PLANS.pro, to: { id: 'no-departments', seats: 5, departments: 0 } })]);
  });
});

describe('changing workspace settings', () => {
  it('records only the settings that change', () => {
    given(rosterOf().events)
      .when((s) => changeSettings(actingAs(s), { name: 'Shop EU', invitationTtlHours: 168 }, { now: T0 }))
      .then([event('WorkspaceSettingsChanged', shopId, at, { name: 'Shop EU' })])
      .thenState((state) => expect(rosterView(state).workspace.name).toBe('Shop EU'));
  });

  it('changes the life of new invitation links', () => {
    given(rosterOf().events)
      .when((s) => changeSettings(actingAs(s), { invitationTtlHours: 48 }, { now: T0 }))
      .then([event('WorkspaceSettingsChanged', shopId, at, { invitationTtlHours: 48 })])
      .thenState((state) => expect(rosterView(state).workspace.invitationTtlHours).toBe(48));
  });

  it('records the whole seat policy when part of it changes', () => {
    given(rosterOf().events)
      .when((s) => changeSettings(actingAs(s), { seatPolicy: { countInactiveAgents: false } }, { now: T0 }))
      .then([
        event('WorkspaceSettingsChanged', shopId, at, { seatPolicy: { countInactiveAgents: false, reserveSeatsForInvitations: true } }),
      ]);
  });

  it('does nothing when nothing changes', () => {
    given(rosterOf().events)
      .when((s) => changeSettings(actingAs(s), { name: 'Shop', seatPolicy: { countInactiveAgents: true } }, { now: T0 }))
      .thenNothingHappened();
  });

  it('refuses a seat policy that would put usage over the plan', () => {
    const shop = rosterOf({
      plan: 'starter',
      seatPolicy: { reserveSeatsForInvitations: false },
      agents: [{ name: 'Bob' }],
      invitations: [{ email: 'cy@shop.com' }, { email: 'dee@shop.com' }],
    });
    const error = given(shop.events)
      .when((s) => changeSettings(actingAs(s), { seatPolicy: { reserveSeatsForInvitations: true } }, { now: T0 }))
      .thenFails('SeatLimitReached', { limit: 3, used: 2, requested: 4 });
    // Two seats at once: the message gives the total the change needs, not "one more".
    expect(error.message).toContain('needs 4 seats but the plan has 3 (2 used now)');
  });

  it('says what the new policy needs, even when that is one seat more than is used', () => {
    const shop = rosterOf({
      plan: 'starter',
      seatPolicy: { countInactiveAgents: false },
      // Cy joins and leaves first, so that Bob and Dee have her seat.
      agents: [{ name: 'Cy', status: 'inactive' }, { name: 'Bob' }, { name: 'Dee' }],
    });
    const error = given(shop.events)
      .when((s) => changeSettings(actingAs(s), { seatPolicy: { countInactiveAgents: true } }, { now: T0 }))
      .thenFails('SeatLimitReached', { limit: 3, used: 3, requested: 4 });
    expect(error.message).toBe('This change needs 4 seats but the plan has 3 (3 used now). Upgrade the plan or free seats.');
  });

  it('always allows a seat policy that frees seats', () => {
    const shop = rosterOf({ plan: 'starter', agents: [{ name: 'Bob', status: 'inactive' }], invitations: [{ email: 'cy@shop.com' }] });
    given(shop.events)
      .when((s) => changeSettings(actingAs(s), { seatPolicy: { countInactiveAgents: false, reserveSeatsForInvitations: false } }, { now: T0 }))
      .then([
        event('WorkspaceSettingsChanged', shopId, at, { seatPolicy: { countInactiveAgents: false, reserveSeatsForInvitations: false } }),
      ])
      .thenState((state) => expect(seatUsage(rosterView(state).workspace)).toEqual({ used: 1, limit: 3 }));
  });

  it('is for admins', () => {
    given(rosterOf({ agents: [{ name: 'Bob' }] }).events)
      .when((s) => changeSettings(actingAs(s, 'Bob'), { name: 'Bob’s shop' }, { now: T0 }))
      .thenFails('PermissionDenied', { capability: 'manageWorkspace', reason: 'role' });
  });

  it('refuses an invitation lifetime under one hour or over 90 days, and unknown settings', () => {
    for (const input of [{ invitationTtlHours: 0 }, { invitationTtlHours: 24 * 90 + 1 }, { invitationTtlHours: 1.5 }, { colour: 'red' }]) {
      given(rosterOf().events)
        .when((s) => changeSettings(actingAs(s), input as never, { now: T0 }))
        .thenFails('ValidationFailed');
    }
  });
});

describe('seats for a change that takes at most one', () => {
  // Commands that take at most one seat (invite, revive, accept, activate) check with
  // requireOneSeat, which carries only the one-seat message; it must decide exactly as
  // requireSeats does, error included, for every counter state, policy and limit. The two share
  // one body and differ only in the refusal builder, so the decision is also checked against a
  // model written out here: refused exactly when the change takes a seat the plan does not have.
  it('requireOneSeat decides exactly as requireSeats', () => {
    const oneSeatChanges = [invitationOpened, invitationAccepted, (w: Workspace) => statusChanged(w, 'active')] as const;
    fc.assert(
      fc.property(
        fc.record({ activeAgents: fc.nat(6), inactiveAgents: fc.nat(6), pendingInvitations: fc.nat(6), departments: fc.nat(3) }),
        fc.record({ countInactiveAgents: fc.boolean(), reserveSeatsForInvitations: fc.boolean() }),
        fc.option(fc.nat(14), { nil: null }),
        fc.constantFrom(...oneSeatChanges),
        (counts, seatPolicy, seats, change) => {
          const before = { ...aWorkspace({ counts, seatPolicy }), plan: { id: 'custom', seats, departments: null } };
          const after = change(before);
          const seatsOf = (c: typeof after.counts) =>
            c.activeAgents + (seatPolicy.countInactiveAgents ? c.inactiveAgents : 0) + (seatPolicy.reserveSeatsForInvitations ? c.pendingInvitations : 0);
          const [used, requested] = [seatsOf(before.counts), seatsOf(after.counts)];
          const refused = seats !== null && requested > used && requested > seats;
          expect(requireOneSeat(before, after).isErr()).toBe(refused);
          expect(requireOneSeat(before, after)).toStrictEqual(requireSeats(before, after));
        },
      ),
    );
  });

  it('says all seats are taken when one more is needed', () => {
    const before = { ...aWorkspace({ counts: { activeAgents: 3 } }), plan: { id: 'three', seats: 3, departments: null } };
    const refused = requireOneSeat(before, invitationOpened(before));
    expect(refused._unsafeUnwrapErr()).toEqual(fail.seatLimitReached({ limit: 3, used: 3, requested: 4 }));
    expect(refused._unsafeUnwrapErr().message).toBe('Every seat of the plan is taken (3 used, 3 allowed). An admin can upgrade the plan or free a seat.');
  });

  it('words the free plan\'s single seat without a plural', () => {
    const before = aWorkspace({ plan: 'free', counts: { activeAgents: 1 } });
    const message = requireOneSeat(before, invitationOpened(before))._unsafeUnwrapErr().message;
    expect(message).toBe('Every seat of the plan is taken (1 used, 1 allowed). An admin can upgrade the plan or free a seat.');
    expect(message).not.toMatch(/\b1 seats\b/);
  });
});
