import { err, ok, type Result } from 'neverthrow';
import { requireAgent, type Agent, type Now } from './agent';
import { decided, parseInput, type Decision } from './command';
import type {
  AgentNotFound,
  AlreadyOwner,
  PermissionDenied,
  ValidationFailed,
} from './errors';
import * as fail from './failures';
import { event } from './events';
import { authorize } from './permissions';
import { transferOwnershipSchema, type TransferOwnershipInput } from './schemas';
import { isoTime } from './time';
import { ownedBy, withRole } from './transitions';
import type { Workspace } from './workspace';

/** Errors of {@link transferOwnership}. */
export type TransferOwnershipError = ValidationFailed | PermissionDenied | AgentNotFound | AlreadyOwner;

/**
 * Hands the workspace to another agent of it. The new owner becomes admin if it was not; the
 * former owner stays as an admin (or an agent, if asked) and can then be deleted like anyone.
 * Only the owner may do this, so `actor` is the former owner.
 *
 * @example transferOwnership({ workspace, actor: owner, newOwner: bob }, { toAgentId: bob.id }, { now })
 */
export function transferOwnership(
  state: Readonly<{ workspace: Workspace; actor: Agent; newOwner: Agent | null | undefined }>,
  input: TransferOwnershipInput,
  context: Now,
): Result<Decision<{ workspace: Workspace; formerOwner: Agent; newOwner: Agent }>, TransferOwnershipError> {
  const { workspace, actor } = state;
  return parseInput(transferOwnershipSchema, input)
    .andThrough(() => authorize(actor, 'transferOwnership', workspace))
    .andThen((i) => requireAgent(workspace, state.newOwner, i.toAgentId).map((newOwner) => ({ i, newOwner })))
    .andThen(({ i, newOwner }) => {
      if (newOwner.id === workspace.ownerId) return err(fail.alreadyOwner(newOwner.id));
      const events = [
        event('OwnershipTransferred', workspace.id, isoTime(context.now), {
          from: actor.id,
          to: newOwner.id,
          formerOwnerRole: i.formerOwnerRole,
        }),
      ];
      return ok(
        decided(
          {
            workspace: ownedBy(workspace, newOwner.id),
            formerOwner: withRole(actor, i.formerOwnerRole),
            newOwner: withRole(newOwner, 'admin'),
          },
          events,
        ),
      );
    });
}
