/**
 * Invariant 8: state is a fold of its events. A store may keep the aggregates each decision
 * returns, or the events, and both must give the same roster; and that roster survives JSON.
 */
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import {
  acceptInvitation,
  activateAgent,
  assignAgentToDepartments,
  changePlan,
  changeRole,
  changeSettings,
  checkHistory,
  checkRoster,
  createDepartment,
  createWorkspace,
  deactivateAgent,
  deleteAgent,
  deleteDepartment,
  editAgent,
  evolveRoster,
  expireInvitations,
  initialRosterState,
  inviteAgent,
  removeAgentFromDepartment,
  renameDepartment,
  replay,
  resendInvitation,
  revokeInvitation,
  setAvailability,
  transferOwnership,
  type DomainError,
  type RosterEvent,
  type RosterState,
} from 'agent-roster';
import { aTokenHash, hoursAfter, ids, rosterView, STRONG_PASSWORD, T0, type RosterView } from '../../src/testing/mothers';
import { deepFreeze } from '../../src/testing/scenario';

type Decided = Readonly<{ state: object; events: readonly RosterEvent[] }>;
type Step = (roster: RosterView) => Result<Decided, DomainError>;

type Aggregate = Readonly<{ kind: string; id: string; removed?: true }>;
const isAggregate = (value: unknown): value is Aggregate =>
  typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';

/**
 * What a store that keeps aggregates does with a decision: upsert every aggregate it returned,
 * drop the ones marked removed. Deliberately knows nothing about events.
 */
function keep(state: RosterState, decided: object): RosterState {
  let workspace = state.workspace;
  const records = { agent: { ...state.agents }, invitation: { ...state.invitations }, department: { ...state.departments } } as Record<
    string,
    Record<string, unknown>
  >;
  const visit = (item: unknown) => {
    if (!isAggregate(item)) return;
    if (item.kind === 'workspace') {
      workspace = item as unknown as RosterState['workspace'];
      return;
    }
    const table = records[item.kind];
    if (!table) throw new Error(`Unknown aggregate kind ${item.kind}`);
    if (item.removed) delete table[item.id];
    else table[item.id] = item;
  };
  for (const part of Object.values(decided)) (Array.isArray(part) ? part : [part]).forEach(visit);
  return {
    workspace,
    agents: records['agent'] as RosterState['agents'],
    invitations: records['invitation'] as RosterState['invitations'],
    departments: records['department'] as RosterState['departments'],
  };
}

/**
 * A scripted flow. Each step runs on the aggregates the store kept, must succeed, and is then
 * checked: replaying all events, or only the new ones onto the previous replay, gives exactly the
 * kept roster, which also survives a JSON round trip.
 */
function story() {
  let kept: RosterState = initialRosterState;
  let replayed: RosterState = initialRosterState;
  const history: RosterEvent[] = [];
  const checkpoints: RosterState[] = [];
  return {
    step(label: string, run: Step) {
      const result = run(rosterView(deepFreeze(kept)));
      if (result.isErr()) throw new Error(`${label}: ${result.error.type}: ${result.error.message}`);
      const { events, state } = result.value;
      history.push(...events);
      kept = keep(kept, state);
      replayed = replay(events, replayed);
      expect(replay(history), `${label}: replay of the whole history`).toStrictEqual(kept);
      expect(replayed, `${label}: replay of the new events onto the last replay`).toStrictEqual(kept);
      expect(JSON.parse(JSON.stringify(kept)), `${label}: JSON round trip`).toStrictEqual(kept);
      checkpoints.push(kept);
      return result.value;
    },
    get history(): readonly RosterEvent[] {
      return history;
    },
    get state() {
      return kept;
    },
    get checkpoints(): readonly RosterState[] {
      return checkpoints;
    },
  };
}

const open = (plan: string) => (_: RosterView) =>
  createWorkspace(
    { name: 'Bookshop', plan, owner: { email: 'ana@bookshop.com', name: 'Ana' } },
    { now: T0, workspaceId: ids.workspace('bookshop'), ownerId: ids.agent('ana') },
  );

const invite = (email: string, extra: { role?: 'admin' | 'agent'; departmentIds?: string[] } = {}, now = T0) => (r: RosterView) =>
  inviteAgent({ workspace: r.workspace, actor: r.owner, departments: r.departments }, { email, ...extra }, {
    now,
    invitationId: ids.invitation(email.slice(0, email.indexOf('@'))),
    tokenHash: aTokenHash(email),
    emailStatus: r.emailStatus(email),
  });

const accept = (email: string, name: string, now = T0) => (r: RosterView) => {
  const invitation = r.invitation(email);
  return acceptInvitation({ workspace: r.workspace, invitation, departments: r.departments }, { name, password: STRONG_PASSWORD }, {
    now,
    presentedTokenHash: invitation.tokenHash,
    agentId: ids.agent(name.toLowerCase()),
    emailStatus: r.emailStatus(email, invitation.id),
  });
};

const admin = (r: RosterView, name?: string) => ({ workspace: r.workspace, actor: name ? r.agent(name) : r.owner });

describe('replaying events gives the states the decisions returned', () => {
  it('hiring, the seat limit, an ownership transfer and the former owner leaving', () => {
    const s = story();
    s.step('open a Starter shop', open('starter'));
    s.step('invite Bob', invite('bob@bookshop.com'));
    s.step('Bob accepts', accept('bob@bookshop.com', 'Bob'));
    s.step('invite Cy', invite('cy@bookshop.com'));
    expect(() => s.step('invite Dee', invite('dee@bookshop.com'))).toThrow('SeatLimitReached');
    s.step('Ana hands the shop to Bob', (r) => transferOwnership({ ...admin(r), newOwner: r.agent('Bob') }, { toAgentId: 'agt_bob' }, { now: T0 }));
    s.step('Bob deletes Ana', (r) => deleteAgent({ ...admin(r, 'Bob'), agent: r.agent('Ana') }, { agentId: 'agt_ana' }, { now: T0 }));
    s.step('now Dee fits', invite('dee@bookshop.com'));
    expect(checkRoster(s.state)).toEqual([]);
    expect(checkHistory(s.history)).toEqual([]);
    expect(Object.keys(s.state.agents)).toEqual(['agt_bob']);
  });

  it('departments: create, assign, rename, leave, delete', () => {
    const s = story();
    s.step('open', open('pro'));
    for (const name of ['Sales', 'Support']) {
      s.step(`create ${name}`, (r) =>
        createDepartment(admin(r), { name }, { now: T0, departmentId: ids.department(name.toLowerCase()), nameTaken: r.nameTaken(name) }),
      );
    }
    s.step('invite Bob to both', invite('bob@bookshop.com', { departmentIds: ['dep_sales', 'dep_support'] }));
    s.step('Bob accepts', accept('bob@bookshop.com', 'Bob'));
    s.step('invite Cy to Support', invite('cy@bookshop.com', { role: 'admin', departmentIds: ['dep_support'] }));
    s.step('assign Ana to Sales', (r) =>
      assignAgentToDepartments({ ...admin(r), agent: r.owner, departments: r.departments }, { agentId: 'agt_ana', departmentIds: ['dep_sales'] }, { now: T0 }),
    );
    s.step('rename Sales', (r) =>
      renameDepartment({ ...admin(r), department: r.department('Sales') }, { departmentId: 'dep_sales', name: 'Sales EU' }, { now: T0, nameTaken: r.nameTaken('Sales EU', 'dep_sales') }),
    );
    s.step('Bob leaves Sales', (r) =>
      removeAgentFromDepartment({ ...admin(r), agent: r.agent('Bob'), department: r.department('dep_sales') }, { agentId: 'agt_bob', departmentId: 'dep_sales' }, { now: T0 }),
    );
    s.step('delete Support', (r) =>
      deleteDepartment(
        { ...admin(r), department: r.department('Support'), members: r.membersOf('Support'), invitations: r.invitationsTo('Support') },
        { departmentId: 'dep_support' },
        { now: T0 },
      ),
    );
    s.step('create Billing', (r) => createDepartment(admin(r), { name: 'Billing' }, { now: T0, departmentId: ids.department('billing'), nameTaken: r.nameTaken('Billing') }));
    expect(checkRoster(s.state)).toEqual([]);
    expect(rosterView(s.state).agent('Bob').departmentIds).toEqual([]);
    expect(rosterView(s.state).invitation('cy@bookshop.com').departmentIds).toEqual([]);
  });

  it('invitations: resend, expiry, revival, revocation, acceptance', () => {
    const s = story();
    const dayLater = hoursAfter(T0, 24);
    const weekLater = hoursAfter(T0, 7 * 24);
    s.step('open', open('starter'));
    for (const email of ['cy@bookshop.com', 'dee@bookshop.com']) s.step(`invite ${email}`, invite(email));
    s.step('nothing has lapsed yet', (r) => expireInvitations({ workspace: r.workspace, invitations: r.invitations }, { now: dayLater }));
    s.step('resend Cy', (r) =>
      resendInvitation({ ...admin(r), invitation: r.invitation('cy@bookshop.com'), departments: r.departments }, { invitationId: 'inv_cy' }, {
        now: dayLater,
        tokenHash: aTokenHash('cy again'),
        emailStatus: r.emailStatus('cy@bookshop.com', 'inv_cy'),
      }),
    );
    s.step('a week passes', (r) => expireInvitations({ workspace: r.workspace, invitations: r.invitations }, { now: weekLater }));
    expect(rosterView(s.state).invitation('dee@bookshop.com').status).toBe('expired');
    expect(rosterView(s.state).invitation('cy@bookshop.com').status).toBe('pending');
    s.step('revive Dee', (r) =>
      resendInvitation({ ...admin(r), invitation: r.invitation('dee@bookshop.com'), departments: r.departments }, { invitationId: 'inv_dee' }, {
        now: weekLater,
        tokenHash: aTokenHash('dee again'),
        emailStatus: r.emailStatus('dee@bookshop.com', 'inv_dee'),
      }),
    );
    s.step('revoke Cy', (r) => revokeInvitation({ ...admin(r), invitation: r.invitation('cy@bookshop.com') }, { invitationId: 'inv_cy' }, { now: weekLater }));
    s.step('Dee accepts the new link', accept('dee@bookshop.com', 'Dee', weekLater));
    expect(checkRoster(s.state)).toEqual([]);
    expect(checkHistory(s.history)).toEqual([]);
  });

  it('several invitations lapsing in one expiry run, then revoked and revived', () => {
    const s = story();
    const weekLater = hoursAfter(T0, 7 * 24);
    s.step('open', open('pro'));
    for (const email of ['cy@bookshop.com', 'dee@bookshop.com', 'eve@bookshop.com']) s.step(`invite ${email}`, invite(email));
    s.step('resend Eve a day later', (r) =>
      resendInvitation({ ...admin(r), invitation: r.invitation('eve@bookshop.com'), departments: r.departments }, { invitationId: 'inv_eve' }, {
        now: hoursAfter(T0, 24),
        tokenHash: aTokenHash('eve again'),
        emailStatus: r.emailStatus('eve@bookshop.com', 'inv_eve'),
      }),
    );
    const run = s.step('a week passes: Cy and Dee lapse together', (r) => expireInvitations({ workspace: r.workspace, invitations: r.invitations }, { now: weekLater }));
    expect(run.events.map((e) => e.type)).toEqual(['InvitationExpired', 'InvitationExpired']);
    expect(s.state.workspace?.counts.pendingInvitations).toBe(1);
    s.step('revoke Eve', (r) => revokeInvitation({ ...admin(r), invitation: r.invitation('eve@bookshop.com') }, { invitationId: 'inv_eve' }, { now: weekLater }));
    expect(s.state.workspace?.counts.pendingInvitations).toBe(0);
    expect(checkRoster(s.state)).toEqual([]);
  });

  it('an ownership transfer that leaves the former owner an agent', () => {
    const s = story();
    s.step('open', open('pro'));
    s.step('invite Bob', invite('bob@bookshop.com'));
    s.step('Bob accepts', accept('bob@bookshop.com', 'Bob'));
    s.step('Ana hands over and steps down to agent', (r) =>
      transferOwnership({ ...admin(r), newOwner: r.agent('Bob') }, { toAgentId: 'agt_bob', formerOwnerRole: 'agent' }, { now: T0 }),
    );
    expect(rosterView(s.state).agent('Ana').role).toBe('agent');
    expect(rosterView(s.state).agent('Bob').role).toBe('admin');
    expect(s.state.workspace?.ownerId).toBe('agt_bob');
    expect(checkRoster(s.state)).toEqual([]);
  });

  it('agents: availability, profile, roles, status, plan and settings', () => {
    const s = story();
    s.step('open', open('pro'));
    s.step('invite Bob', invite('bob@bookshop.com'));
    s.step('Bob accepts', accept('bob@bookshop.com', 'Bob'));
    s.step('invite Cy as admin', invite('cy@bookshop.com', { role: 'admin' }));
    s.step('Cy accepts', accept('cy@bookshop.com', 'Cy'));
    const on = (r: RosterView, actor: string, target: string) => ({ workspace: r.workspace, actor: r.agent(actor), agent: r.agent(target) });
    s.step('Bob goes online', (r) => setAvailability(on(r, 'Bob', 'Bob'), { agentId: 'agt_bob', availability: 'online' }, { now: T0 }));
    s.step('Bob edits his profile', (r) => editAgent(on(r, 'Bob', 'Bob'), { agentId: 'agt_bob', description: 'Refunds' }, { now: T0, emailStatus: 'available' }));
    s.step('Cy changes Bob’s email', (r) =>
      editAgent(on(r, 'Cy', 'Bob'), { agentId: 'agt_bob', email: 'robert@bookshop.com' }, { now: T0, emailStatus: r.emailStatus('robert@bookshop.com') }),
    );
    s.step('Cy promotes Bob', (r) => changeRole(on(r, 'Cy', 'Bob'), { agentId: 'agt_bob', role: 'admin' }, { now: T0 }));
    s.step('Cy deactivates Bob', (r) => deactivateAgent(on(r, 'Cy', 'Bob'), { agentId: 'agt_bob' }, { now: T0 }));
    expect(rosterView(s.state).agent('Bob')).toMatchObject({ status: 'inactive', availability: 'away' });
    s.step('Ana reactivates Bob', (r) => activateAgent(on(r, 'Ana', 'Bob'), { agentId: 'agt_bob' }, { now: T0 }));
    s.step('upgrade', (r) => changePlan(admin(r), { plan: 'enterprise' }, { now: T0 }));
    s.step('count only active agents', (r) => changeSettings(admin(r), { seatPolicy: { countInactiveAgents: false }, name: 'Books' }, { now: T0 }));
    s.step('demote Cy', (r) => changeRole(on(r, 'Bob', 'Cy'), { agentId: 'agt_cy', role: 'agent' }, { now: T0 }));
    s.step('Cy renames herself', (r) => editAgent(on(r, 'Cy', 'Cy'), { agentId: 'agt_cy', name: 'Cy B.' }, { now: T0, emailStatus: 'available' }));
    s.step('deactivate Cy', (r) => deactivateAgent(on(r, 'Bob', 'Cy B.'), { agentId: 'agt_cy' }, { now: T0 }));
    s.step('delete Cy while inactive', (r) => deleteAgent(on(r, 'Bob', 'Cy B.'), { agentId: 'agt_cy' }, { now: T0 }));
    expect(checkRoster(s.state)).toEqual([]);
  });
});

describe('replay itself', () => {
  const flow = () => {
    const s = story();
    s.step('open', open('pro'));
    s.step('Sales', (r) => createDepartment(admin(r), { name: 'Sales' }, { now: T0, departmentId: ids.department('sales'), nameTaken: false }));
    s.step('invite Bob', invite('bob@bookshop.com', { departmentIds: ['dep_sales'] }));
    s.step('Bob accepts', accept('bob@bookshop.com', 'Bob'));
    s.step('invite Cy', invite('cy@bookshop.com'));
    return s;
  };

  it('is deterministic and leaves the events as they were', () => {
    const s = flow();
    const events = deepFreeze(structuredClone([...s.history]));
    expect(replay(events)).toStrictEqual(replay(events));
    expect(events).toStrictEqual(s.history);
  });

  it('folds one event at a time like many at once', () => {
    const s = flow();
    expect(s.history.reduce(evolveRoster, initialRosterState)).toStrictEqual(replay(s.history));
  });

  it('starts from any checkpoint', () => {
    const s = flow();
    for (let n = 0; n <= s.history.length; n++) {
      expect(replay(s.history.slice(n), replay(s.history.slice(0, n)))).toStrictEqual(replay(s.history));
    }
  });

  it('gives the empty roster for no events', () => {
    expect(replay([])).toStrictEqual({ workspace: null, agents: {}, invitations: {}, departments: {} });
  });

  it('throws on a creation event that reuses an existing id: that is a programming error, not a rule', () => {
    const s = flow();
    const sent = (type: RosterEvent['type'], key: (e: RosterEvent) => unknown = () => true) => {
      const found = s.history.find((e) => e.type === type && key(e));
      if (!found) throw new Error(`no ${type} in the flow`);
      return found;
    };
    const reused: readonly (readonly [string, RosterEvent, RegExp])[] = [
      ['the workspace', sent('WorkspaceCreated'), /workspace ws_bookshop already exists/],
      ['a department', sent('DepartmentCreated'), /department dep_sales already exists/],
      ['an invitation', sent('InvitationSent', (e) => e.type === 'InvitationSent' && e.data.invitationId === 'inv_cy'), /invitation inv_cy already exists/],
    ];
    // Cy accepting under Bob's agent id: the command cannot know, the store's ids must be new.
    const underBobsId = accept('cy@bookshop.com', 'Bob')(rosterView(s.state))._unsafeUnwrap().events;
    expect(underBobsId).toHaveLength(1);
    const cases = [...reused, ['an agent', underBobsId[0]!, /agent agt_bob already exists/] as const];
    const before = structuredClone(s.state);
    for (const [what, again, message] of cases) {
      expect(() => replay([again], s.state), what).toThrow(message);
      expect(() => evolveRoster(s.state, again), what).toThrow(message);
      expect(() => replay([...s.history, again]), what).toThrow(message);
    }
    expect(s.state, 'the roster it started from is left as it was').toStrictEqual(before);
  });

  it('keeps a roster and its events lossless through JSON', () => {
    const s = flow();
    for (const state of s.checkpoints) expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
    expect(JSON.parse(JSON.stringify(s.history))).toStrictEqual(s.history);
    expect(replay(JSON.parse(JSON.stringify(s.history)) as RosterEvent[])).toStrictEqual(s.state);
  });
});
