/**
 * BROKEN ON PURPOSE: a change-role endpoint written by hand, where "the owner stays admin" was
 * read as "the owner cannot demote themselves". The owner is protected from their own clicks,
 * but any other admin can demote the owner, leaving a workspace whose owner is not an admin
 * (DOMAIN.md invariant 1).
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { can, event, evolveAgent, isoTime, type ActorRef, type ChangeRoleInput, type Roster, type WorkspaceId } from 'agent-roster';
import type { RosterPorts } from 'agent-roster/testing';
import { refusal } from './refusal';

export function changeRoleGuardingOnlySelfDemotion(ports: RosterPorts): Roster['changeRole'] {
  const { store, clock } = ports;
  const change = async (ref: ActorRef, input: ChangeRoleInput): Promise<Result<unknown, { type: string; message: string }>> => {
    const workspaceId = ref.workspaceId as WorkspaceId;
    const workspace = await store.loadWorkspace(workspaceId);
    const actor = await store.loadAgent(workspaceId, ref.agentId as never);
    if (!workspace || !actor) return err(refusal('UnknownActor'));
    if (!can(actor.value, 'manageAgents', workspace.value)) return err(refusal('PermissionDenied'));
    const agent = await store.loadAgent(workspaceId, input.agentId as never);
    if (!agent) return err(refusal('AgentNotFound'));
    if (agent.value.role === input.role) return ok({ events: [] });
    // The bug: the guard looks at who clicks, not at whom the click is about.
    if (actor.value.id === workspace.value.ownerId && agent.value.id === actor.value.id) return err(refusal('OwnerMustStayAdmin'));
    const changed = event('AgentRoleChanged', workspaceId, isoTime(clock.now()), {
      agentId: agent.value.id,
      from: agent.value.role,
      to: input.role,
      changedBy: actor.value.id,
    });
    const outcome = await store.commit({
      workspaceId,
      expected: [
        { kind: 'workspace', id: workspaceId, version: workspace.version },
        { kind: 'agent', id: agent.value.id, version: agent.version },
      ],
      writes: [evolveAgent(agent.value, changed)!],
      removals: [],
      events: [changed],
      outbox: [],
    });
    return outcome.committed ? ok({ events: [changed] }) : err(refusal('ConcurrencyConflict'));
  };
  return ((ref: ActorRef, input: ChangeRoleInput) => new ResultAsync(change(ref, input))) as unknown as Roster['changeRole'];
}
