/**
 * `checkInvariants(snapshot)`: every invariant of DOMAIN.md a snapshot can show, each violation
 * numbered and explained in plain words — and `toRosterState`, which lets it read the plainer
 * records a user's API returns.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { event, isoTime, replay, type RosterError, type RosterEvent, type RosterState } from 'agent-roster';
import {
  aDepartment,
  anAgent,
  anEmail,
  anInvitation,
  aTokenHash,
  aWorkspace,
  checkInvariants,
  hoursAfter,
  ids,
  outcomeOf,
  rosterOf,
  type DriverOutcome,
  type DriverSnapshot,
  T0,
  toRosterState,
  type InvariantViolation,
} from 'agent-roster/testing';
import { err, ok, okAsync } from 'neverthrow';

/** A roster made of the given records, with the workspace's counters recounted so only the broken rule shows. */
function rosterWith(parts: Partial<{ workspace: ReturnType<typeof aWorkspace>; agents: ReturnType<typeof anAgent>[]; invitations: ReturnType<typeof anInvitation>[]; departments: ReturnType<typeof aDepartment>[] }>): RosterState {
  const agents = parts.agents ?? [anAgent({ id: 'agt_ana', name: 'Ana', role: 'admin' })];
  const invitations = parts.invitations ?? [];
  const departments = parts.departments ?? [];
  const active = agents.filter((a) => a.status === 'active').length;
  const workspace = parts.workspace ?? aWorkspace();
  return {
    workspace: {
      ...workspace,
      counts: {
        activeAgents: active,
        inactiveAgents: agents.length - active,
        pendingInvitations: invitations.filter((i) => i.status === 'pending').length,
        departments: departments.length,
      },
    },
    agents: Object.fromEntries(agents.map((a) => [a.id, a])),
    invitations: Object.fromEntries(invitations.map((i) => [i.id, i])),
    departments: Object.fromEntries(departments.map((d) => [d.id, d])),
  };
}

const ana = () => anAgent({ id: 'agt_ana', name: 'Ana', role: 'admin' });
const numbers = (violations: readonly InvariantViolation[]) => violations.map((v) => v.invariant);

describe('checkInvariants', () => {
  it('finds nothing in a roster the real commands built, with or without its events', () => {
    const shop = rosterOf({
      plan: 'starter',
      departments: ['Sales'],
      agents: [{ name: 'Bob', role: 'admin', departments: ['Sales'], availability: 'online' }, { name: 'Cy', status: 'inactive' }],
      invitations: [{ email: 'dee@shop.com', status: 'revoked' }],
    });
    expect(checkInvariants({ roster: shop.state })).toEqual([]);
    expect(checkInvariants({ roster: shop.state, events: shop.events })).toEqual([]);
  });

  it('takes a snapshot taken apart, whose events may be undefined (compiles under exactOptionalPropertyTypes)', () => {
    const shop = rosterOf({ departments: ['Sales'], agents: [{ name: 'Bob', departments: ['Sales'] }] });
    const snapshots: DriverSnapshot[] = [{ roster: shop.state, events: shop.events }, { roster: shop.state }];
    for (const snapshot of snapshots) {
      const { roster, events } = snapshot; // as readRoster's example does
      expectTypeOf(events).toEqualTypeOf<readonly RosterEvent[] | undefined>();
      expect(checkInvariants({ roster, events })).toEqual([]);
    }
  });

  it.each([
    [1, 'the owner is not an admin', rosterWith({ agents: [anAgent({ id: 'agt_ana', name: 'Ana', role: 'agent' })] }), /agt_ana has role "agent", not admin/],
    [1, 'the owner is not an agent of the workspace', rosterWith({ agents: [anAgent({ name: 'Bob', role: 'admin' })] }), /owner agt_ana is not an agent/],
    [2, 'more seats used than the plan has', rosterWith({ workspace: aWorkspace({ plan: 'free' }), agents: [ana(), anAgent({ name: 'Bob' })] }), /2 seats are used but the plan allows 1/],
    [2, 'more departments than the plan has', rosterWith({ workspace: aWorkspace({ plan: 'free' }), departments: [aDepartment({ name: 'Sales' }), aDepartment({ name: 'Support' })] }), /2 departments exist but the plan allows 1/],
    [3, 'two agents share an email', rosterWith({ agents: [ana(), anAgent({ name: 'Bob' }), anAgent({ id: 'agt_robert', name: 'Robert', email: 'bob@shop.com' })] }), /share the email bob@shop.com/],
    [3, 'a pending invitation is for an agent’s email', rosterWith({ agents: [ana(), anAgent({ name: 'Bob' })], invitations: [anInvitation({ email: 'bob@shop.com' })] }), /is for bob@shop.com, which agent agt_bob already has/],
    [3, 'two pending invitations are for one email', rosterWith({ invitations: [anInvitation({ email: 'cy@shop.com' }), anInvitation({ id: 'inv_cy2', email: 'cy@shop.com' })] }), /Pending invitations inv_cy and inv_cy2 are both for cy@shop.com/],
    [4, 'an agent names a department that does not exist', rosterWith({ agents: [ana(), anAgent({ name: 'Bob', departmentIds: ['dep_gone'] })] }), /agent agt_bob names department dep_gone, which does not exist/],
    [4, 'a pending invitation names a department that does not exist', rosterWith({ invitations: [anInvitation({ email: 'cy@shop.com', departmentIds: ['dep_gone'] })] }), /invitation inv_cy names department dep_gone, which does not exist/],
    [5, 'an inactive agent is online', rosterWith({ agents: [ana(), anAgent({ name: 'Bob', status: 'inactive', availability: 'online' })] }), /agt_bob is inactive but online/],
  ] as const)('invariant %i: %s', (invariant, _case, roster, explanation) => {
    const violations = checkInvariants({ roster });
    expect(numbers(violations)).toContain(invariant);
    const found = violations.find((v) => v.invariant === invariant)!;
    expect(found.explanation).toMatch(explanation);
    expect(found.rule.length).toBeGreaterThan(20);
  });

  it('invariants 3 and 4 look at pending invitations only: a closed one may share an email or name a deleted department', () => {
    const closed = (status: 'revoked' | 'expired', id: string) => anInvitation({ id, email: 'cy@shop.com', status, departmentIds: ['dep_gone'] });
    const roster = rosterWith({ invitations: [anInvitation({ email: 'cy@shop.com' }), closed('revoked', 'inv_cy2'), closed('expired', 'inv_cy3')] });
    expect(checkInvariants({ roster })).toEqual([]);
  });

  it('invariant 2: counters that disagree with the records are explained, since limits are checked against them', () => {
    const roster = rosterWith({ agents: [ana(), anAgent({ name: 'Bob' })] });
    const lying = { ...roster, workspace: { ...roster.workspace!, counts: { ...roster.workspace!.counts, activeAgents: 1 } } };
    expect(checkInvariants({ roster: lying })).toEqual([
      expect.objectContaining({ invariant: 2, explanation: 'The workspace counts 1 activeAgents but holds 2, so its limits are checked against wrong numbers.' }),
    ]);
  });

  it('invariant 6: an invitation accepted twice, or after it was revoked, is found in the events', () => {
    const shop = rosterOf({ invitations: [{ email: 'cy@shop.com', status: 'revoked' }] });
    const at = isoTime(T0);
    const accepted = (agent: string) =>
      event('InvitationAccepted', ids.workspace('ws_shop'), at, { invitationId: ids.invitation('inv_cy'), agentId: ids.agent(agent), email: shop.invitation('inv_cy').email, name: 'Cy', role: 'agent', departmentIds: [] });
    const violations = checkInvariants({ roster: shop.state, events: [...shop.events, accepted('agt_cy'), accepted('agt_cy2')] });
    const sixes = violations.filter((v) => v.invariant === 6).map((v) => v.explanation);
    expect(sixes).toEqual([
      'Invitation inv_cy was accepted after it was revoked.',
      'Invitation inv_cy was accepted a second time.',
    ]);
  });

  describe('invariant 6, on the events of inv_cy', () => {
    const accepted = (at: Date) =>
      event('InvitationAccepted', ids.workspace('ws_shop'), isoTime(at), { invitationId: ids.invitation('inv_cy'), agentId: ids.agent('agt_cy'), email: anEmail('cy@shop.com'), name: 'Cy', role: 'agent', departmentIds: [] });
    const resent = (at: Date, revived: boolean) =>
      event('InvitationResent', ids.workspace('ws_shop'), isoTime(at), { invitationId: ids.invitation('inv_cy'), tokenHash: aTokenHash('resent'), expiresAt: isoTime(hoursAfter(at, 7 * 24)), departmentIds: [], resentBy: ids.agent('agt_ana'), revived });
    // The roster is not the fold of these histories (invariant 8 says so); only invariant 6 is read here.
    const sixes = (shop: { state: RosterState; events: readonly RosterEvent[] }, ...more: RosterEvent[]) =>
      checkInvariants({ roster: shop.state, events: [...shop.events, ...more] }).filter((v) => v.invariant === 6).map((v) => v.explanation);

    it('flags an acceptance at the very instant of expiry, and not one a millisecond before', () => {
      const shop = rosterOf({ invitations: [{ email: 'cy@shop.com' }] });
      const expiresAt = shop.invitation('inv_cy').expiresAt;
      expect(sixes(shop, accepted(new Date(expiresAt)))).toEqual([`Invitation inv_cy was accepted at ${expiresAt}, at or after its expiry ${expiresAt}.`]);
      expect(sixes(shop, accepted(new Date(Date.parse(expiresAt) - 1)))).toEqual([]);
    });

    it('flags a resend after the invitation was revoked, or accepted', () => {
      const revoked = rosterOf({ invitations: [{ email: 'cy@shop.com', status: 'revoked' }] });
      expect(sixes(revoked, resent(revoked.now, false))).toEqual(['Invitation inv_cy was resent after it was revoked.']);
      const joined = rosterOf({ agents: [{ name: 'Cy' }] });
      expect(sixes(joined, resent(joined.now, false))).toEqual(['Invitation inv_cy was resent after it was accepted.']);
    });

    it('lets an expired invitation be revived and then accepted, before its new expiry', () => {
      const lapsed = rosterOf({ invitations: [{ email: 'cy@shop.com', status: 'expired' }] });
      expect(Date.parse(lapsed.invitation('inv_cy').expiresAt)).toBeLessThanOrEqual(lapsed.now.getTime());
      expect(sixes(lapsed, resent(lapsed.now, true), accepted(hoursAfter(lapsed.now, 1)))).toEqual([]);
    });
  });

  it('invariant 8: a state that is not the fold of its events is explained at the first place they differ', () => {
    const shop = rosterOf({ agents: [{ name: 'Bob' }] });
    const bob = shop.agent('Bob');
    const promotedWithoutAnEvent: RosterState = { ...shop.state, agents: { ...shop.state.agents, [bob.id]: { ...bob, role: 'admin' } } };
    expect(checkInvariants({ roster: promotedWithoutAnEvent, events: shop.events })).toEqual([
      {
        invariant: 8,
        rule: 'State is a fold of its events: replaying the events gives the same state.',
        explanation: 'Replaying the events gives agents.agt_bob.role = "agent", but the state has "admin".',
      },
    ]);
  });

  it('invariant 8: a history that cannot be replayed at all is a violation, not a crash', () => {
    const shop = rosterOf();
    const twice: readonly RosterEvent[] = [...shop.events, shop.events[0]!];
    const violations = checkInvariants({ roster: shop.state, events: twice });
    expect(violations).toEqual([expect.objectContaining({ invariant: 8, explanation: expect.stringMatching(/^The events cannot be replayed: .*already exists/) })]);
  });

  it('reports every violation at once, each in plain words', () => {
    const roster = rosterWith({
      workspace: aWorkspace({ plan: 'free' }),
      agents: [anAgent({ id: 'agt_ana', name: 'Ana', role: 'agent' }), anAgent({ name: 'Bob', status: 'inactive', availability: 'online', departmentIds: ['dep_gone'] })],
    });
    const violations = checkInvariants({ roster });
    expect(numbers(violations).sort()).toEqual([1, 2, 4, 5]);
    for (const v of violations) expect(v.explanation).not.toMatch(/\[object|undefined/);
  });
});

describe('toRosterState', () => {
  it('reads the plain records an API returns, recounting the counters it lacks', () => {
    const roster = toRosterState({
      workspace: { id: 'ws_1', ownerId: 'agt_ana', plan: { seats: 2, departments: 1 } },
      agents: [
        { id: 'agt_ana', email: 'ana@shop.com', role: 'admin', status: 'active', availability: 'online', departmentIds: ['dep_sales'] },
        { id: 'agt_bob', email: 'bob@shop.com', role: 'agent', status: 'inactive', availability: 'away', departmentIds: [] },
      ],
      invitations: [{ id: 'inv_cy', email: 'cy@shop.com', status: 'revoked', departmentIds: [] }],
      departments: [{ id: 'dep_sales', name: ' Sales ' }],
    });
    expect(roster.workspace?.counts).toEqual({ activeAgents: 1, inactiveAgents: 1, pendingInvitations: 0, departments: 1 });
    expect(roster.departments['dep_sales']?.nameKey).toBe('sales');
    expect(checkInvariants({ roster })).toEqual([]);
  });

  it('keeps counters it is given, so invariant 2 checks them', () => {
    const roster = toRosterState({
      workspace: { id: 'ws_1', ownerId: 'agt_ana', plan: { seats: null, departments: null }, counts: { activeAgents: 5, inactiveAgents: 0, pendingInvitations: 0, departments: 0 } },
      agents: { agt_ana: { id: 'agt_ana', email: 'ana@shop.com', role: 'admin', status: 'active', availability: 'away', departmentIds: [] } },
      invitations: {},
      departments: {},
    });
    expect(numbers(checkInvariants({ roster }))).toEqual([2]);
  });

  it('leaves a full RosterState as it was in every field the invariants read', () => {
    const shop = rosterOf({ departments: ['Sales'], agents: [{ name: 'Bob', departments: ['Sales'] }], invitations: [{ email: 'cy@shop.com' }] });
    const state = shop.state;
    const plain = { workspace: state.workspace, agents: state.agents, invitations: state.invitations, departments: state.departments };
    expect(toRosterState(plain)).toEqual(replay(shop.events));
  });
});

describe('outcomeOf', () => {
  it('turns a Result into what a driver reports', () => {
    expect(outcomeOf(ok(1))).toEqual({ ok: true });
    expect(outcomeOf(err({ type: 'SeatLimitReached', message: 'full' }))).toEqual({ ok: false, errorType: 'SeatLimitReached', error: { type: 'SeatLimitReached', message: 'full' } });
    expect(outcomeOf(err('boom'))).toEqual({ ok: false, errorType: 'boom', error: 'boom' });
  });

  it('says to await a ResultAsync it is given', () => {
    expect(() => outcomeOf(okAsync(1) as never)).toThrow('outcomeOf takes a Result: await the ResultAsync first, outcomeOf(await roster.inviteAgent(…)).');
  });

  it("types errorType as the library's error types, or any other string (so editors offer the known ones)", () => {
    type ErrorType = Extract<DriverOutcome, { ok: false }>['errorType'];
    expectTypeOf<ErrorType>().toEqualTypeOf<RosterError['type'] | (string & {})>();
    expectTypeOf<'SeatLimitReached'>().toExtend<ErrorType>();
    expectTypeOf<'OurOwnRefusal'>().toExtend<ErrorType>();
  });
});
