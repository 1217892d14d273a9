import { describe, expect, it } from 'vitest';
import { authorize, authorizeOnAgent, can, CAPABILITIES, capabilitiesOf, NEEDS_ACTIVE, PERMISSIONS, type Actor, type Agent, type Capability, type Role, type Status } from 'agent-roster';
import { authorizeMember, type MemberCapability } from '../../src/domain/access';
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

  it('says "inactive" for an actor whose fields are getters, as a host\'s session object may have', () => {
    const { id, workspaceId } = actor('admin', 'inactive');
    class Session {
      get id() { return id; }
      get workspaceId() { return workspaceId; }
      get role() { return 'admin' as const; }
      get status() { return 'inactive' as const; }
    }
    expect(authorize(new Session(), 'chat', workspace)._unsafeUnwrapErr().reason).toBe('inactive');
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

/**
 * can() spells the matrix out as comparisons with literals for speed (see its comment); the data
 * stays the source of truth. Every role × status × owner or not × capability × same or other
 * workspace must give what PERMISSIONS, NEEDS_ACTIVE and the owner rule say, through can(),
 * authorize() and capabilitiesOf() alike.
 */
describe('can() agrees with the PERMISSIONS data everywhere', () => {
  const roles: readonly Role[] = ['admin', 'agent'];
  const statuses: readonly Status[] = ['active', 'inactive'];
  const product = roles.flatMap((role) =>
    statuses.flatMap((status) =>
      [true, false].flatMap((owner) =>
        [true, false].flatMap((sameWorkspace) => CAPABILITIES.map((capability) => ({ role, status, owner, sameWorkspace, capability }))),
      ),
    ),
  );
  /** What the data says, read straight from PERMISSIONS and the owner rule of its TSDoc. */
  const fromData = (c: (typeof product)[number]): boolean =>
    c.sameWorkspace && (c.capability === 'transferOwnership' ? c.owner : PERMISSIONS[c.role][c.status].includes(c.capability));
  const actorOf = (c: Pick<(typeof product)[number], 'role' | 'status' | 'owner' | 'sameWorkspace'>) =>
    deepFreeze(
      anAgent({
        id: c.owner ? 'agt_ana' : 'agt_bob',
        name: c.owner ? 'Ana' : 'Bob',
        role: c.role,
        status: c.status,
        workspaceId: c.sameWorkspace ? 'ws_shop' : 'ws_other',
      }),
    );

  it('covers all 128 combinations', () => {
    expect(product).toHaveLength(2 * 2 * 2 * 2 * CAPABILITIES.length);
    expect(CAPABILITIES).toHaveLength(8);
  });

  it.each(product)('$role, $status, owner $owner, same workspace $sameWorkspace, $capability', (c) => {
    const actor = actorOf(c);
    const allowed = fromData(c);
    expect(can(actor, c.capability, workspace)).toBe(allowed);
    // A host's narrow Actor (only the four fields, a different object shape) gets the same answer.
    const { id, workspaceId, role, status } = actor;
    expect(can({ id, workspaceId, role, status }, c.capability, workspace)).toBe(allowed);
    const result = authorize(actor, c.capability, workspace);
    expect(result.isOk()).toBe(allowed);
    if (!allowed) {
      const reason = !c.sameWorkspace
        ? 'not-a-member'
        : c.capability === 'transferOwnership'
          ? 'not-owner'
          : c.status === 'inactive' && PERMISSIONS[c.role].active.includes(c.capability)
            ? 'inactive'
            : 'role';
      expect(result._unsafeUnwrapErr()).toMatchObject({ type: 'PermissionDenied', capability: c.capability, reason, actorId: actor.id });
    }
  });

  it.each(product.filter((c) => c.capability === 'chat'))(
    'capabilitiesOf lists exactly what can() allows: $role, $status, owner $owner, same workspace $sameWorkspace',
    (c) => {
      expect(capabilitiesOf(actorOf(c), workspace)).toEqual(CAPABILITIES.filter((capability) => fromData({ ...c, capability })));
    },
  );

  it("keeps NEEDS_ACTIVE the difference between each role's active and inactive rows", () => {
    for (const role of roles) {
      expect(PERMISSIONS[role].inactive).toEqual(PERMISSIONS[role].active.filter((c) => !NEEDS_ACTIVE.has(c)));
    }
  });
});

describe('garbage from a JS caller', () => {
  const ana = deepFreeze(anAgent({ id: 'agt_ana', name: 'Ana', role: 'admin', status: 'active' }));

  it('answers false for an unknown capability instead of throwing', () => {
    for (const capability of ['', 'Chat', 'admin', 'toString', '__proto__', 'constructor', 'transferownership']) {
      expect(can(ana, capability as Capability, workspace)).toBe(false);
      expect(authorize(ana, capability as Capability, workspace)._unsafeUnwrapErr()).toMatchObject({ type: 'PermissionDenied', reason: 'role' });
    }
  });

  it('grants nothing to a role or status outside the types, even to the owner', () => {
    const odd = [
      { ...ana, role: 'owner' },
      { ...ana, role: 'Admin' },
      { ...ana, role: '__proto__' },
      { ...ana, status: 'Active' },
      { ...ana, status: 'toString' },
    ] as unknown as (typeof ana)[];
    for (const actor of odd) {
      expect(capabilitiesOf(actor, workspace)).toEqual([]);
      for (const capability of CAPABILITIES) {
        expect(can(actor, capability, workspace)).toBe(false);
        expect(authorize(actor, capability, workspace).isErr()).toBe(true);
      }
    }
  });
});

/**
 * The commands check the capabilities no status or owner rule touches with authorizeMember, the
 * narrow form of authorize that keeps their bundles small. It must give exactly what authorize
 * gives — the same Ok, or the same PermissionDenied word for word — for every actor: each role
 * and status (and garbage ones), owner or not, of this workspace or another.
 */
describe('authorizeMember agrees with authorize', () => {
  const memberCapabilities: readonly MemberCapability[] = ['manageOwnProfile', 'manageWorkspace', 'manageAgents', 'manageDepartments', 'viewStatistics'];

  it('covers exactly the capabilities that need neither an active status nor the owner', () => {
    expect([...memberCapabilities].sort()).toEqual(CAPABILITIES.filter((c) => !NEEDS_ACTIVE.has(c) && c !== 'transferOwnership').sort());
  });

  it('for every role, status, owner, workspace and member capability', () => {
    const roles = ['admin', 'agent', 'owner', 'Admin', '__proto__', undefined];
    const statuses = ['active', 'inactive', 'Active', 'toString', undefined];
    for (const role of roles) {
      for (const status of statuses) {
        for (const owner of [true, false]) {
          for (const workspaceId of ['ws_shop', 'ws_other']) {
            const actor = deepFreeze({ id: owner ? 'agt_ana' : 'agt_bob', workspaceId, role, status }) as unknown as Actor;
            for (const capability of memberCapabilities) {
              expect(authorizeMember(actor, capability, workspace), `${String(role)} ${String(status)} ${workspaceId} ${capability}`).toStrictEqual(
                authorize(actor, capability, workspace),
              );
            }
          }
        }
      }
    }
  });
});

describe('authorizeOnAgent', () => {
  it('checks manageOwnProfile on oneself and manageAgents on anyone else, as authorize would', () => {
    for (const role of ['admin', 'agent'] as const) {
      for (const status of ['active', 'inactive'] as const) {
        const actor = deepFreeze(anAgent({ id: 'agt_bob', role, status }));
        expect(authorizeOnAgent(actor, actor.id, workspace)).toStrictEqual(authorize(actor, 'manageOwnProfile', workspace));
        expect(authorizeOnAgent(actor, 'agt_cy' as Agent['id'], workspace)).toStrictEqual(authorize(actor, 'manageAgents', workspace));
      }
    }
    expect(authorizeOnAgent(anAgent({ id: 'agt_bob', role: 'agent' }), 'agt_cy' as Agent['id'], workspace)._unsafeUnwrapErr()).toMatchObject({
      type: 'PermissionDenied',
      capability: 'manageAgents',
      reason: 'role',
    });
  });
});
