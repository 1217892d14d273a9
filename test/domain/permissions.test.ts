import { describe, expect, it } from 'vitest';
import { authorize, can, CAPABILITIES, capabilitiesOf, PERMISSIONS, type Capability, type Status } from 'agent-roster';
import { aWorkspace, anAgent } from '../../src/testing/mothers';
import { deepFreeze } from '../../src/testing/scenario';

/**
 * The table of DOMAIN.md ("Roles and what they may do"), written out by hand rather than derived
 * from the code: owner, admin and agent, each active and inactive. Inactive agents lose exactly
 * what needs an active status: chatting and editing automations.
 */
const EXPECTED: Record<'owner' | 'admin' | 'agent', Record<Status, readonly Capability[]>> = {
  owner: {
    active: ['chat', 'manageOwnProfile', 'manageWorkspace', 'manageAgents', 'manageDepartments', 'viewStatistics', 'editAutomations', 'transferOwnership'],
    inactive: ['manageOwnProfile', 'manageWorkspace', 'manageAgents', 'manageDepartments', 'viewStatistics', 'transferOwnership'],
  },
  admin: {
    active: ['chat', 'manageOwnProfile', 'manageWorkspace', 'manageAgents', 'manageDepartments', 'viewStatistics', 'editAutomations'],
    inactive: ['manageOwnProfile', 'manageWorkspace', 'manageAgents', 'manageDepartments', 'viewStatistics'],
  },
  agent: {
    active: ['chat', 'manageOwnProfile'],
    inactive: ['manageOwnProfile'],
  },
};

const ALL: readonly Capability[] = [
  'chat',
  'manageOwnProfile',
  'manageWorkspace',
  'manageAgents',
  'manageDepartments',
  'viewStatistics',
  'editAutomations',
  'transferOwnership',
];

const workspace = deepFreeze(aWorkspace());
type Who = keyof typeof EXPECTED;

/** Ana owns the default workspace; Bob is an admin or an agent of it. */
const actor = (who: Who, status: Status) =>
  deepFreeze(who === 'owner' ? anAgent({ id: 'agt_ana', name: 'Ana', role: 'admin', status }) : anAgent({ name: 'Bob', role: who, status }));

const cases = (['owner', 'admin', 'agent'] as const).flatMap((who) =>
  (['active', 'inactive'] as const).flatMap((status) =>
    ALL.map((capability) => ({ who, status, capability, allowed: EXPECTED[who][status].includes(capability) })),
  ),
);

describe('the permission matrix', () => {
  it('knows exactly the capabilities of DOMAIN.md', () => {
    expect([...CAPABILITIES].sort()).toEqual([...ALL].sort());
  });

  it.each(cases)('$who, $status, $capability → $allowed', ({ who, status, capability, allowed }) => {
    expect(can(actor(who, status), capability, workspace)).toBe(allowed);
    expect(authorize(actor(who, status), capability, workspace).isOk()).toBe(allowed);
  });

  it.each(['owner', 'admin', 'agent'] as const)('lists every capability of an %s, active and inactive', (who) => {
    for (const status of ['active', 'inactive'] as const) {
      expect(capabilitiesOf(actor(who, status), workspace)).toEqual(EXPECTED[who][status]);
    }
  });

  it('exposes the role rows as data, without the owner-only capability', () => {
    expect(PERMISSIONS.admin).toEqual(EXPECTED.admin);
    expect(PERMISSIONS.agent).toEqual(EXPECTED.agent);
  });

  it('gives the owner what it gives an admin, plus transferring ownership', () => {
    for (const status of ['active', 'inactive'] as const) {
      expect(EXPECTED.owner[status].filter((c) => c !== 'transferOwnership')).toEqual(EXPECTED.admin[status]);
    }
  });
});

describe('why a permission is denied', () => {
  /** DOMAIN.md: only the owner transfers; an inactive agent loses what needs activity; otherwise the role lacks it. */
  const reasonFor = (who: Who, capability: Capability): 'not-owner' | 'inactive' | 'role' =>
    capability === 'transferOwnership' ? 'not-owner' : EXPECTED[who].active.includes(capability) ? 'inactive' : 'role';

  it.each(cases.filter((c) => !c.allowed))('$who, $status, $capability: says which capability and why', ({ who, status, capability }) => {
    const denial = authorize(actor(who, status), capability, workspace)._unsafeUnwrapErr();
    expect(denial).toMatchObject({ type: 'PermissionDenied', capability, reason: reasonFor(who, capability), actorId: actor(who, status).id });
    expect(denial.message).toContain(capability);
  });

  it('says "role" when an agent tries an admin thing', () => {
    expect(authorize(actor('agent', 'active'), 'manageAgents', workspace)._unsafeUnwrapErr().reason).toBe('role');
  });

  it('says "inactive" when an inactive admin or agent tries to chat', () => {
    expect(authorize(actor('admin', 'inactive'), 'chat', workspace)._unsafeUnwrapErr().reason).toBe('inactive');
    expect(authorize(actor('agent', 'inactive'), 'chat', workspace)._unsafeUnwrapErr().reason).toBe('inactive');
    expect(authorize(actor('owner', 'inactive'), 'editAutomations', workspace)._unsafeUnwrapErr().reason).toBe('inactive');
  });

  it('says "role", not "inactive", when an inactive agent tries what its role never allows', () => {
    expect(authorize(actor('agent', 'inactive'), 'editAutomations', workspace)._unsafeUnwrapErr().reason).toBe('role');
  });

  it('says "not-owner" when an admin tries to transfer ownership', () => {
    expect(authorize(actor('admin', 'active'), 'transferOwnership', workspace)._unsafeUnwrapErr().reason).toBe('not-owner');
  });

  it('says "not-a-member" for every capability of an agent of another workspace, even its owner', () => {
    const stranger = deepFreeze(anAgent({ id: 'agt_ana', name: 'Ana', role: 'admin', workspaceId: 'ws_other' }));
    expect(capabilitiesOf(stranger, workspace)).toEqual([]);
    for (const capability of ALL) {
      expect(can(stranger, capability, workspace)).toBe(false);
      expect(authorize(stranger, capability, workspace)._unsafeUnwrapErr()).toMatchObject({ reason: 'not-a-member', capability, actorId: 'agt_ana' });
    }
  });

  it('follows the owner: after a transfer the new owner holds transferOwnership and the former does not', () => {
    const transferred = deepFreeze(aWorkspace({ ownerId: 'agt_bob' }));
    expect(can(actor('admin', 'active'), 'transferOwnership', transferred)).toBe(true);
    expect(authorize(actor('owner', 'active'), 'transferOwnership', transferred)._unsafeUnwrapErr().reason).toBe('not-owner');
  });
});
