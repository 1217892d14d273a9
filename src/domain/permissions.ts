import { err, ok, type Result } from 'neverthrow';
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
export const NEEDS_ACTIVE: ReadonlySet<Capability> = new Set(['chat', 'editAutomations']);

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
 * The matrix of DOMAIN.md as data: role × status → capabilities. The owner gets its role's row
 * plus `transferOwnership`; the owner is always an admin.
 *
 * @example PERMISSIONS.agent.active // ['chat', 'manageOwnProfile']
 */
export const PERMISSIONS: Readonly<Record<Role, Readonly<Record<Status, readonly Capability[]>>>> = {
  admin: { active: ADMIN, inactive: ADMIN.filter((c) => !NEEDS_ACTIVE.has(c)) },
  agent: { active: ['chat', 'manageOwnProfile'], inactive: ['manageOwnProfile'] },
};

const bit = (capability: Capability): number => 1 << CAPABILITIES.indexOf(capability);
const maskOf = (capabilities: readonly Capability[]): number => capabilities.reduce((m, c) => m | bit(c), 0);
const BITS = Object.fromEntries(CAPABILITIES.map((c) => [c, bit(c)])) as Record<Capability, number>;
// Precomputed so that a check is two property reads and an AND: permission checks sit on every request.
const MASKS = {
  admin: { active: maskOf(PERMISSIONS.admin.active), inactive: maskOf(PERMISSIONS.admin.inactive) },
  agent: { active: maskOf(PERMISSIONS.agent.active), inactive: maskOf(PERMISSIONS.agent.inactive) },
} as const;
const OWNER_BIT = BITS.transferOwnership;

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

function maskFor(actor: Actor, workspace: OwnedBy): number {
  if (actor.workspaceId !== workspace.id) return 0;
  const mask = MASKS[actor.role][actor.status];
  return actor.id === workspace.ownerId ? mask | OWNER_BIT : mask;
}

/**
 * Whether `actor` holds `capability` in `workspace`.
 *
 * @example can(ana, 'manageAgents', workspace) // true for an admin of that workspace
 */
export function can(actor: Actor, capability: Capability, workspace: OwnedBy): boolean {
  return (maskFor(actor, workspace) & BITS[capability]) !== 0;
}

/** Every capability `actor` holds in `workspace`, in the order of {@link CAPABILITIES}. */
export function capabilitiesOf(actor: Actor, workspace: OwnedBy): readonly Capability[] {
  const mask = maskFor(actor, workspace);
  return CAPABILITIES.filter((c) => (mask & BITS[c]) !== 0);
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
        : actor.status === 'inactive' && (MASKS[actor.role].active & BITS[capability]) !== 0
          ? 'inactive'
          : 'role';
  return err({
    type: 'PermissionDenied',
    capability,
    reason,
    actorId: actor.id,
    message: DENIAL_MESSAGES[reason](capability),
  });
}

const DENIAL_MESSAGES: Record<PermissionDenied['reason'], (c: Capability) => string> = {
  'not-a-member': (c) => `Not allowed to ${c}: the acting agent belongs to another workspace.`,
  'not-owner': (c) => `Not allowed to ${c}: only the workspace owner may do this.`,
  inactive: (c) => `Not allowed to ${c}: the agent is inactive; activate the agent first.`,
  role: (c) => `Not allowed to ${c}: the agent's role does not include it; an admin may.`,
};
