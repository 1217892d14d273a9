import { ok, type Result } from 'neverthrow';
import { denied, NOT_A_MEMBER, ROLE_LACKS } from './access';
import type { Agent, Role, Status } from './agent';
import type { PermissionDenied } from './errors';
import type { Workspace } from './workspace';

/**
 * What an agent may do. Names follow the product's settings screens, not code paths.
 * - `chat`: talk to visitors, see conversations and visitors, be online.
 * - `manageOwnProfile`: own profile, shortcuts, notifications and availability.
 * - `manageWorkspace`: company settings, billing and plan.
 * - `manageAgents`: invite, resend, revoke; edit, activate, deactivate, delete agents; change roles.
 * - `manageDepartments`: create, rename, delete departments and assign agents to them.
 * - `viewStatistics`: every statistic and analytics view.
 * - `editAutomations`: automatic messages and chatbots.
 * - `transferOwnership`: hand the workspace to another agent.
 */
export const CAPABILITIES = [
  'chat',
  'manageOwnProfile',
  'manageWorkspace',
  'manageAgents',
  'manageDepartments',
  'viewStatistics',
  'editAutomations',
  'transferOwnership',
] as const;

/** One of {@link CAPABILITIES}. */
export type Capability = (typeof CAPABILITIES)[number];

/** Capabilities that need the agent to be active, whatever its role. */
export const NEEDS_ACTIVE: ReadonlySet<Capability> = /* @__PURE__ */ new Set(['chat', 'editAutomations']);

const ADMIN: readonly Capability[] = [
  'chat',
  'manageOwnProfile',
  'manageWorkspace',
  'manageAgents',
  'manageDepartments',
  'viewStatistics',
  'editAutomations',
];

/**
 * The matrix of the rules (docs/domain.md) as data: role × status → capabilities. The owner gets its role's row
 * plus `transferOwnership`; the owner is always an admin. This is the source of truth; {@link can}
 * spells it out as comparisons for speed, and the tests prove the two agree.
 *
 * @example PERMISSIONS.agent.active // ['chat', 'manageOwnProfile']
 */
export const PERMISSIONS: Readonly<Record<Role, Readonly<Record<Status, readonly Capability[]>>>> = {
  admin: { active: ADMIN, inactive: /* @__PURE__ */ ADMIN.filter((c) => !NEEDS_ACTIVE.has(c)) },
  agent: { active: ['chat', 'manageOwnProfile'], inactive: ['manageOwnProfile'] },
};

/**
 * The part of an agent a permission check reads: who, in which workspace, with what role and
 * status. Any {@link Agent} is one; a narrower type lets a host check a session's claims
 * without loading the whole agent.
 *
 * @example const actor: Actor = { id: agentId, workspaceId, role: 'admin', status: 'active' };
 */
export type Actor = Pick<Agent, 'id' | 'workspaceId' | 'role' | 'status'>;
/**
 * The part of a workspace a permission check reads: its id (an actor of another workspace may
 * do nothing) and its owner (only the owner may transfer ownership). Any {@link Workspace} is one.
 *
 * @example can(actor, 'transferOwnership', { id: workspaceId, ownerId })
 */
export type OwnedBy = Pick<Workspace, 'id' | 'ownerId'>;

/**
 * Whether `actor` holds `capability` in `workspace`.
 *
 * @example can(ana, 'manageAgents', workspace) // true for an admin of that workspace
 */
export function can(actor: Actor, capability: Capability, workspace: OwnedBy): boolean {
  // PERMISSIONS, NEEDS_ACTIVE and the owner rule spelled out as comparisons with literals rather
  // than looked up in tables, because a check sits on every request: `===` against a literal is
  // close to a pointer compare, while `table[variableString]` is a keyed load V8 cannot specialise
  // once it has seen several keys. The table version (`MASKS[role][status] & BITS[capability]`) took
  // ~3× as long in bench section 3. test/domain/permissions.test.ts proves both agree everywhere.
  const admin = actor.role === 'admin';
  const active = actor.status === 'active';
  // A role or status outside the types (a JS caller's garbage) holds nothing, not some row.
  if (actor.workspaceId !== workspace.id || !(admin || actor.role === 'agent') || !(active || actor.status === 'inactive')) {
    return false;
  }
  switch (capability) {
    case 'chat':
      return active;
    case 'manageOwnProfile':
      return true;
    case 'editAutomations':
      return active && admin;
    case 'manageWorkspace':
    case 'manageAgents':
    case 'manageDepartments':
    case 'viewStatistics':
      return admin;
    case 'transferOwnership':
      return actor.id === workspace.ownerId;
    default:
      return false; // an unknown capability from a JS caller
  }
}

/** Every capability `actor` holds in `workspace`, in the order of {@link CAPABILITIES}. */
export function capabilitiesOf(actor: Actor, workspace: OwnedBy): readonly Capability[] {
  return CAPABILITIES.filter((c) => can(actor, c, workspace));
}

/**
 * Like {@link can}, but a denial says which capability was missing and why: the actor belongs to
 * another workspace, only the owner may do it, the actor is inactive, or its role lacks it.
 *
 * @example authorize(bob, 'manageAgents', workspace) // err({ type: 'PermissionDenied', reason: 'role', … })
 */
export function authorize(actor: Actor, capability: Capability, workspace: OwnedBy): Result<void, PermissionDenied> {
  if (can(actor, capability, workspace)) return ok(undefined);
  const reason: PermissionDenied['reason'] =
    actor.workspaceId !== workspace.id
      ? 'not-a-member'
      : capability === 'transferOwnership'
        ? 'not-owner'
        : // Named fields, not a spread: an Actor may be a session object whose fields are getters.
          actor.status === 'inactive' && can({ id: actor.id, workspaceId: actor.workspaceId, role: actor.role, status: 'active' }, capability, workspace)
          ? 'inactive'
          : 'role';
  return denied(actor, capability, reason, WHY_DENIED[reason]);
}

const WHY_DENIED: Record<PermissionDenied['reason'], string> = {
  'not-a-member': NOT_A_MEMBER,
  'not-owner': 'only the workspace owner may do this.',
  inactive: 'the agent is inactive; activate the agent first.',
  role: ROLE_LACKS,
};
