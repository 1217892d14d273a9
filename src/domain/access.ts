/**
 * The permission check the commands make, in its narrow form. Internal: not re-exported from the
 * package; `can` and `authorize` in permissions.ts are the public face of these rules.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { PermissionDenied } from './errors';
import type { Actor, Capability, OwnedBy } from './permissions';

/** What a denial says after "Not allowed to <capability>: ", by reason (shared with `authorize`). */
export const NOT_A_MEMBER = 'the acting agent belongs to another workspace.';
/** See {@link NOT_A_MEMBER}. */
export const ROLE_LACKS = "the agent's role does not include it; an admin may.";

/** A `PermissionDenied` for `actor`, with `why` after "Not allowed to <capability>: ". */
export function denied(
  actor: Actor,
  capability: Capability,
  reason: PermissionDenied['reason'],
  why: string,
): Result<never, PermissionDenied> {
  return err({ type: 'PermissionDenied', capability, reason, actorId: actor.id, message: `Not allowed to ${capability}: ${why}` });
}

/**
 * The capabilities every member holds whatever its status (`manageOwnProfile`), or every admin
 * does (the rest): none needs the agent to be active, and none is the owner's alone.
 */
export type MemberCapability = 'manageOwnProfile' | 'manageWorkspace' | 'manageAgents' | 'manageDepartments' | 'viewStatistics';

/**
 * `authorize` for a {@link MemberCapability}: same decision, same error. For these a denial can
 * only be 'not-a-member' or 'role' (an inactive agent keeps them, and no owner rule applies), so
 * a command that checks one of them does not carry the whole capability matrix and the four
 * denial messages into a bundle. test/domain/permissions.test.ts proves it agrees with
 * `authorize` for every actor.
 */
export function authorizeMember(actor: Actor, capability: MemberCapability, workspace: OwnedBy): Result<void, PermissionDenied> {
  if (actor.workspaceId !== workspace.id) return denied(actor, capability, 'not-a-member', NOT_A_MEMBER);
  const { role, status } = actor;
  return (role === 'admin' || (role === 'agent' && capability === 'manageOwnProfile')) && (status === 'active' || status === 'inactive')
    ? ok(undefined)
    : denied(actor, capability, 'role', ROLE_LACKS);
}

/**
 * Whether a change of `agentId`'s email by `actor` is one only the owner may make: the owner's
 * own email, changed by any other member, admin or not (an admin who could would take the
 * owner's login through their own mailbox). `editAgent` refuses it as `'not-owner'` whatever the
 * actor's role; the roster asks before any port, so the two agree. An actor of another workspace
 * is no member: its refusal is `'not-a-member'`.
 */
export function ownersEmailByAnother(actor: Actor, agentId: string, workspace: OwnedBy): boolean {
  return agentId === workspace.ownerId && actor.id !== agentId && actor.workspaceId === workspace.id;
}

