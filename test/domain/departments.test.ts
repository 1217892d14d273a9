import { describe, expect, it } from 'vitest';
import {
  assignAgentToDepartments,
  checkRoster,
  createDepartment,
  deleteDepartment,
  event,
  isoTime,
  MAX_DEPARTMENTS_PER_AGENT,
  nameKey,
  removeAgentFromDepartment,
  renameDepartment,
  type Agent,
  type Department,
  type RosterState,
} from 'agent-roster';
import { aDepartment, anAgent, ids, rosterOf, rosterView, T0, type RosterSpec } from '../../src/testing/mothers';
import { deepFreeze, given } from '../../src/testing/scenario';

const shopId = ids.workspace('shop');
const at = isoTime(T0);
const sales = ids.department('sales');
const support = ids.department('support');
const bob = ids.agent('bob');

/** Sales and Support; Bob (agent) in Sales, Cy (admin) in both; Dee invited to Support, Eve's invitation to Sales revoked. */
const shop = (spec: RosterSpec = {}) =>
  rosterOf({
    departments: ['Sales', 'Support'],
    agents: [
      { name: 'Bob', departments: ['Sales'] },
      { name: 'Cy', role: 'admin', departments: ['Sales', 'Support'] },
    ],
    invitations: [
      { email: 'dee@shop.com', departments: ['Support'] },
      { email: 'eve@shop.com', departments: ['Sales'], status: 'revoked' },
    ],
    ...spec,
  });

/** The workspace and an acting agent (the owner unless named). */
const as = (state: RosterState, actor = 'Ana') => ({ workspace: rosterView(state).workspace, actor: rosterView(state).agent(actor) });

/** Creates a department, with the name-taken fact a store would look up. */
const create = (state: RosterState, name: string, actor = 'Ana') =>
  createDepartment(as(state, actor), { name }, { now: T0, departmentId: ids.department('new'), nameTaken: rosterView(state).nameTaken(name) });

const rename = (state: RosterState, department: string, name: string, actor = 'Ana') => {
  const target = rosterView(state).department(department);
  return renameDepartment(
    { ...as(state, actor), department: target },
    { departmentId: target.id, name },
    { now: T0, nameTaken: rosterView(state).nameTaken(name, target.id) },
  );
};

/** Deletes a department, passing its members and pending invitations as a store's index would. */
const remove = (state: RosterState, department: string, actor = 'Ana') => {
  const roster = rosterView(state);
  const target = roster.department(department);
  return deleteDepartment(
    { ...as(state, actor), department: target, members: roster.membersOf(department), invitations: roster.invitationsTo(department) },
    { departmentId: target.id },
    { now: T0 },
  );
};

const assign = (state: RosterState, agent: string, departments: readonly string[], actor = 'Ana') => {
  const roster = rosterView(state);
  return assignAgentToDepartments(
    { ...as(state, actor), agent: roster.agent(agent), departments: roster.departments },
    { agentId: roster.agent(agent).id, departmentIds: [...departments] },
    { now: T0 },
  );
};

const unassign = (state: RosterState, agent: string, department: string, actor = 'Ana') => {
  const roster = rosterView(state);
  return removeAgentFromDepartment(
    { ...as(state, actor), agent: roster.agent(agent), department: roster.department(department) },
    { agentId: roster.agent(agent).id, departmentId: roster.department(department).id },
    { now: T0 },
  );
};

const foreignSales: Department = deepFreeze(aDepartment({ name: 'Sales', workspaceId: 'ws_other' }));
const foreignBob: Agent = deepFreeze(anAgent({ name: 'Bob', workspaceId: 'ws_other', departmentIds: ['dep_sales'] }));

describe('creating a department', () => {
  it('adds a named department', () => {
    given(rosterOf().events)
      .when((s) => create(s, '  Billing '))
      .then([event('DepartmentCreated', shopId, at, { departmentId: ids.department('new'), name: 'Billing' })])
      .thenState((state) => {
        expect(rosterView(state).department('dep_new')).toMatchObject({ name: 'Billing', nameKey: 'billing', workspaceId: 'ws_shop' });
        expect(rosterView(state).workspace.counts.departments).toBe(1);
      });
  });

  it("refuses one more department than the plan allows", () => {
    const one = given(rosterOf({ plan: 'starter', departments: ['Sales'] }).events)
      .when((s) => create(s, 'Support'))
      .thenFails('DepartmentLimitReached', { limit: 1, used: 1 });
    expect(one.message).toBe('The plan allows 1 department. Upgrade the plan or delete a department.');
    const five = given(rosterOf({ plan: 'pro', departments: ['A', 'B', 'C', 'D', 'E'] }).events)
      .when((s) => create(s, 'F'))
      .thenFails('DepartmentLimitReached', { limit: 5, used: 5 });
    expect(five.message).toBe('The plan allows 5 departments. Upgrade the plan or delete a department.');
    // A plan of no departments: there is none to delete.
    const none = given(rosterOf({ plan: { id: 'solo', seats: 1, departments: 0 } }).events)
      .when((s) => create(s, 'Sales'))
      .thenFails('DepartmentLimitReached', { limit: 0, used: 0 });
    expect(none.message).toBe('The plan allows no departments. Upgrade the plan to add one.');
  });

  it('has no limit on an unlimited plan', () => {
    const many = Array.from({ length: 25 }, (_, n) => `Team ${n}`);
    given(rosterOf({ plan: 'custom', departments: many }).events)
      .when((s) => create(s, 'Team 25'))
      .thenState((state) => expect(rosterView(state).workspace.counts.departments).toBe(26));
  });

  it('refuses a name already used, compared case-insensitively', () => {
    for (const name of ['Sales', 'SALES', 'sales', ' sAlEs ']) {
      given(shop().events).when((s) => create(s, name)).thenFails('DepartmentNameTaken');
    }
    expect(nameKey('Straße')).toBe(nameKey('STRASSE'));
  });

  it('is for admins', () => {
    given(shop().events)
      .when((s) => create(s, 'Billing', 'Bob'))
      .thenFails('PermissionDenied', { capability: 'manageDepartments', reason: 'role', actorId: bob });
    given(shop().events).when((s) => create(s, 'Billing', 'Cy')).thenState(() => true);
  });

  it('refuses an empty or overlong name', () => {
    for (const name of ['', '   ', 'x'.repeat(61)]) {
      given(shop().events).when((s) => create(s, name)).thenFails('ValidationFailed');
    }
  });
});

describe('renaming a department', () => {
  it('renames it', () => {
    given(shop().events)
      .when((s) => rename(s, 'Sales', 'Sales EU'))
      .then([event('DepartmentRenamed', shopId, at, { departmentId: sales, from: 'Sales', to: 'Sales EU' })])
      .thenState((state) => expect(rosterView(state).department('dep_sales')).toMatchObject({ name: 'Sales EU', nameKey: 'sales eu' }));
  });

  it('allows a change of case alone, even though the name is "taken" by the department itself', () => {
    given(shop().events)
      .when((s) => {
        const roster = rosterView(s);
        const department = roster.department('Sales');
        // A store that looks names up case-insensitively finds the department itself.
        return renameDepartment({ ...as(s), department }, { departmentId: department.id, name: 'SALES' }, { now: T0, nameTaken: true });
      })
      .then([event('DepartmentRenamed', shopId, at, { departmentId: sales, from: 'Sales', to: 'SALES' })]);
  });

  it('does nothing when the name stays the same', () => {
    given(shop().events).when((s) => rename(s, 'Sales', 'Sales')).thenNothingHappened();
  });

  it("refuses another department's name, in any case", () => {
    given(shop().events).when((s) => rename(s, 'Sales', 'support')).thenFails('DepartmentNameTaken', { name: 'support' });
  });

  it("does not find a department that is missing or another workspace's", () => {
    for (const department of [null, foreignSales]) {
      given(shop().events)
        .when((s) => renameDepartment({ ...as(s), department }, { departmentId: 'dep_sales', name: 'X' }, { now: T0, nameTaken: false }))
        .thenFails('DepartmentNotFound', { departmentId: sales });
    }
  });

  it('is for admins', () => {
    given(shop().events).when((s) => rename(s, 'Sales', 'Deals', 'Bob')).thenFails('PermissionDenied', { reason: 'role' });
  });

  it('refuses a name with control characters', () => {
    given(shop().events).when((s) => rename(s, 'Sales', 'Sa\u0000les')).thenFails('ValidationFailed');
  });
});

describe('deleting a department', () => {
  it('removes it from every agent and every pending invitation', () => {
    given(shop().events)
      .when((s) => remove(s, 'Sales'))
      .then([
        event('DepartmentDeleted', shopId, at, { departmentId: sales, agentIds: [bob, ids.agent('cy')], invitationIds: [] }),
      ])
      .thenState((state) => {
        const roster = rosterView(state);
        expect(Object.hasOwn(state.departments, 'dep_sales')).toBe(false);
        expect(roster.agent('Bob').departmentIds).toEqual([]);
        expect(roster.agent('Cy').departmentIds).toEqual(['dep_support']);
        expect(roster.workspace.counts.departments).toBe(1);
        expect(checkRoster(state)).toEqual([]);
      });
    given(shop().events)
      .when((s) => remove(s, 'Support'))
      .then([
        event('DepartmentDeleted', shopId, at, { departmentId: support, agentIds: [ids.agent('cy')], invitationIds: [ids.invitation('dee')] }),
      ])
      .thenState((state) => {
        expect(rosterView(state).invitation('dee@shop.com').departmentIds).toEqual([]);
        expect(checkRoster(state)).toEqual([]);
      });
  });

  it('leaves closed invitations and other workspaces alone', () => {
    given(shop().events)
      .when((s) => {
        const roster = rosterView(s);
        return deleteDepartment(
          {
            ...as(s),
            department: roster.department('Sales'),
            members: [...roster.membersOf('Sales'), foreignBob],
            invitations: roster.invitations,
          },
          { departmentId: 'dep_sales' },
          { now: T0 },
        );
      })
      .then([event('DepartmentDeleted', shopId, at, { departmentId: sales, agentIds: [bob, ids.agent('cy')], invitationIds: [] })])
      .thenState((state) => expect(rosterView(state).invitation('eve@shop.com').departmentIds).toEqual(['dep_sales']));
  });

  it('frees a department slot of the plan', () => {
    const starter = rosterOf({ plan: 'starter', departments: ['Sales'] });
    const deleted = given(starter.events).when((s) => remove(s, 'Sales')).thenState(() => true);
    given([...starter.events, ...deleted.events]).when((s) => create(s, 'Support')).thenState(() => true);
  });

  it("does not find a department that is missing or another workspace's", () => {
    for (const department of [undefined, foreignSales]) {
      given(shop().events)
        .when((s) => deleteDepartment({ ...as(s), department, members: [], invitations: [] }, { departmentId: 'dep_sales' }, { now: T0 }))
        .thenFails('DepartmentNotFound', { departmentId: sales });
    }
  });

  it('is for admins', () => {
    given(shop().events).when((s) => remove(s, 'Sales', 'Bob')).thenFails('PermissionDenied', { capability: 'manageDepartments', reason: 'role' });
  });

  it('refuses an id that is not a department id', () => {
    given(shop().events)
      .when((s) => deleteDepartment({ ...as(s), department: null, members: [], invitations: [] }, { departmentId: 'sales' }, { now: T0 }))
      .thenFails('ValidationFailed');
  });
});

describe('assigning agents to departments', () => {
  it('adds an agent to the departments it is not in yet', () => {
    given(shop().events)
      .when((s) => assign(s, 'Bob', ['dep_sales', 'dep_support', 'dep_support']))
      .then([event('AgentAssignedToDepartments', shopId, at, { agentId: bob, departmentIds: [support] })])
      .thenState((state) => expect(rosterView(state).agent('Bob').departmentIds).toEqual(['dep_sales', 'dep_support']));
  });

  it('does nothing when the agent is in all of them already', () => {
    given(shop().events).when((s) => assign(s, 'Cy', ['dep_support', 'dep_sales'])).thenNothingHappened();
    given(shop().events).when((s) => assign(s, 'Cy', [])).thenNothingHappened();
  });

  it('refuses to put an agent in more than 100 departments, and counts only the new ones', () => {
    const names = Array.from({ length: 101 }, (_, n) => `D${n}`);
    const many = rosterOf({ plan: 'custom', departments: names, agents: [{ name: 'Bob', departments: names.slice(0, 99) }] });
    const [d99, d100] = [rosterView(many.state).department('D99').id, rosterView(many.state).department('D100').id];
    // The 100th is fine, with ones it is already in named again.
    given(many.events)
      .when((s) => assign(s, 'Bob', ['dep_d0', d99]))
      .then([event('AgentAssignedToDepartments', shopId, at, { agentId: bob, departmentIds: [d99] })]);
    given(many.events)
      .when((s) => assign(s, 'Bob', [d99, d100]))
      .thenFails('ValidationFailed', {
        issues: [{ path: 'departmentIds', message: 'would put the agent in 101 departments; an agent can be in at most 100' }],
      });
    expect(MAX_DEPARTMENTS_PER_AGENT).toBe(100);
  });

  it("refuses a department that is missing or another workspace's", () => {
    given(shop().events).when((s) => assign(s, 'Bob', ['dep_billing'])).thenFails('DepartmentNotFound', { departmentId: ids.department('billing') });
    given(rosterOf({ agents: [{ name: 'Bob' }] }).events)
      .when((s) => {
        const roster = rosterView(s);
        return assignAgentToDepartments(
          { ...as(s), agent: roster.agent('Bob'), departments: [foreignSales] },
          { agentId: 'agt_bob', departmentIds: ['dep_sales'] },
          { now: T0 },
        );
      })
      .thenFails('DepartmentNotFound', { departmentId: sales });
  });

  it("does not find an agent that is missing or another workspace's", () => {
    for (const agent of [null, foreignBob]) {
      given(shop().events)
        .when((s) =>
          assignAgentToDepartments({ ...as(s), agent, departments: rosterView(s).departments }, { agentId: 'agt_bob', departmentIds: ['dep_sales'] }, { now: T0 }),
        )
        .thenFails('AgentNotFound', { agentId: bob });
    }
  });

  it('is for admins', () => {
    given(shop().events).when((s) => assign(s, 'Bob', ['dep_support'], 'Bob')).thenFails('PermissionDenied', { capability: 'manageDepartments', reason: 'role' });
    given(shop().events).when((s) => assign(s, 'Bob', ['dep_support'], 'Cy')).thenState(() => true);
  });

  it('refuses more than 100 departments at once, or a malformed id', () => {
    const tooMany = Array.from({ length: 101 }, (_, n) => `dep_${n}`);
    given(shop().events).when((s) => assign(s, 'Bob', tooMany)).thenFails('ValidationFailed');
    const error = given(shop().events).when((s) => assign(s, 'Bob', ['dep_sales', '__proto__'])).thenFails('ValidationFailed');
    expect(error.issues.map((i) => i.path)).toEqual(['departmentIds.1']);
  });
});

describe('removing an agent from a department', () => {
  it('takes the agent out of that department only', () => {
    given(shop().events)
      .when((s) => unassign(s, 'Cy', 'Sales'))
      .then([event('AgentRemovedFromDepartment', shopId, at, { agentId: ids.agent('cy'), departmentId: sales })])
      .thenState((state) => expect(rosterView(state).agent('Cy').departmentIds).toEqual(['dep_support']));
  });

  it('does nothing when the agent is not in it', () => {
    given(shop().events).when((s) => unassign(s, 'Bob', 'Support')).thenNothingHappened();
  });

  it("does not find an agent or a department that is missing or another workspace's", () => {
    for (const agent of [null, foreignBob]) {
      given(shop().events)
        .when((s) =>
          removeAgentFromDepartment({ ...as(s), agent, department: rosterView(s).department('Sales') }, { agentId: 'agt_bob', departmentId: 'dep_sales' }, { now: T0 }),
        )
        .thenFails('AgentNotFound', { agentId: bob });
    }
    for (const department of [null, foreignSales]) {
      given(shop().events)
        .when((s) =>
          removeAgentFromDepartment({ ...as(s), agent: rosterView(s).agent('Bob'), department }, { agentId: 'agt_bob', departmentId: 'dep_sales' }, { now: T0 }),
        )
        .thenFails('DepartmentNotFound', { departmentId: sales });
    }
  });

  it('is for admins', () => {
    given(shop().events).when((s) => unassign(s, 'Bob', 'Sales', 'Bob')).thenFails('PermissionDenied', { capability: 'manageDepartments', reason: 'role' });
  });

  it('refuses a malformed input', () => {
    given(shop().events)
      .when((s) =>
        removeAgentFromDepartment({ ...as(s), agent: null, department: null }, { agentId: 'agt_bob', departmentId: 'dep_sales', extra: 1 } as never, { now: T0 }),
      )
      .thenFails('ValidationFailed');
  });
});
