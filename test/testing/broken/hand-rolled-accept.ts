/**
 * BROKEN ON PURPOSE: an accept-invitation endpoint a team wrote by hand against the store port,
 * instead of calling `roster.acceptInvitation`. It looks right and passes the obvious example
 * tests; each flaw below is one line a reviewer could miss.
 *
 * - `checkSeats: false` — "seats were checked when the invitation was sent, so accepting just
 *   converts the reserved seat". True under the default seat policy; false when the workspace
 *   does not reserve seats for invitations, where joining must find a free seat (DOMAIN.md: "the
 *   check is made when inviting and again when accepting").
 * - `markUsed: false` — the accepted invitation is never written back, so it stays pending. The
 *   store's unique index on emails refuses the new agent (the pending invitation still holds its
 *   email), which the endpoint reports as `EmailAlreadyExists`.
 *
 * It does check the name, as the library does: before the kit drew refused names, it did not, and
 * the kit found that first (an empty name accepted) instead of the flaw a hunt looks for.
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import {
  agentIdSchema,
  checkPassword,
  DEFAULT_PASSWORD_POLICY,
  event,
  evolveAgent,
  evolveInvitation,
  evolveWorkspace,
  isoTime,
  personNameSchema,
  seatUsage,
  sha256Hex,
  statusAt,
  type Roster,
} from 'agent-roster';
import type { RosterPorts } from 'agent-roster/testing';
import { refusal } from './refusal';

export type AcceptFlaws = Readonly<{ checkSeats: boolean; markUsed: boolean }>;

let agents = 0;

export function handRolledAccept(ports: RosterPorts, flaws: AcceptFlaws): Roster['acceptInvitation'] {
  const { store, clock, identity } = ports;
  const accept = async (input: { token: string; name: unknown; password: unknown }): Promise<Result<unknown, { type: string; message: string }>> => {
    const name = personNameSchema.safeParse(input.name);
    if (!name.success) return err(refusal('ValidationFailed'));
    for (let attempt = 1; attempt <= 5; attempt++) {
      const found = await store.findInvitationByTokenHash(await sha256Hex(input.token));
      const loaded = found ? await store.loadWorkspace(found.value.workspaceId) : null;
      if (!found || !loaded) return err(refusal('InvalidToken'));
      const invitation = found.value;
      const now = clock.now();
      const status = statusAt(invitation, now);
      if (status === 'accepted') return err(refusal('InvitationAlreadyAccepted'));
      if (status === 'revoked') return err(refusal('InvitationWasRevoked'));
      if (status === 'expired') return err(refusal('InvitationHasExpired'));
      if (typeof input.password !== 'string' || checkPassword(input.password, DEFAULT_PASSWORD_POLICY).isErr()) return err(refusal('WeakPassword'));

      const departments = await store.loadDepartments(invitation.workspaceId, invitation.departmentIds);
      const joined = event('InvitationAccepted', invitation.workspaceId, isoTime(now), {
        invitationId: invitation.id,
        agentId: agentIdSchema.parse(`agt_handrolled_${++agents}`),
        email: invitation.email,
        name: name.data,
        role: invitation.role,
        departmentIds: departments.map((d) => d.value.id),
      });
      const workspace = evolveWorkspace(loaded.value, joined);
      if (flaws.checkSeats) {
        const after = seatUsage(workspace);
        if (after.limit !== null && after.used > seatUsage(loaded.value).used && after.used > after.limit) return err(refusal('SeatLimitReached'));
      }
      // (With checkSeats off, nothing here looks at seats: the invite "already did".)
      const agent = evolveAgent(null, joined)!;
      const accepted = evolveInvitation(invitation, joined)!;
      const outcome = await store.commit({
        workspaceId: workspace.id,
        expected: [
          { kind: 'workspace', id: workspace.id, version: loaded.version },
          { kind: 'invitation', id: invitation.id, version: found.version },
          { kind: 'agent', id: agent.id, version: 0 },
        ],
        writes: [workspace, agent, ...(flaws.markUsed ? [accepted] : [])],
        removals: [],
        events: [joined],
        outbox: [],
      });
      if (outcome.committed) {
        await identity.createLogin({ agentId: agent.id, workspaceId: workspace.id, email: agent.email, password: input.password });
        return ok({ state: { workspace, invitation: accepted, agent }, events: [joined] });
      }
      if (outcome.reason === 'unique-violation') return err(refusal('EmailAlreadyExists'));
    }
    return err(refusal('ConcurrencyConflict'));
  };
  return ((input: { token: string; name: unknown; password: unknown }) => new ResultAsync(accept(input))) as unknown as Roster['acceptInvitation'];
}
