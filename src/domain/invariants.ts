import type { RosterEvent } from './events';
import { ROSTER_EVENT_TYPES, type RosterState } from './roster';
import { seatUsage } from './workspace';
import { withinLimit } from './plans';

/** One broken invariant, numbered as in the rules (docs/domain.md), with a plain explanation. */
export type InvariantViolation = Readonly<{ invariant: number; rule: string; explanation: string }>;

const RULES = {
  1: 'Exactly one owner, and the owner is an admin agent of the workspace.',
  2: "Seats used never exceed the plan's seat limit; departments never exceed the department limit.",
  3: 'Agent emails are unique in a workspace, and no pending invitation shares an agent\'s email.',
  4: 'Every department an agent or pending invitation names exists.',
  5: 'An inactive agent is never online.',
  6: 'An invitation is accepted at most once, never after its expiry, never after revocation.',
} as const;

/**
 * Checks invariants 1–5 of the rules (docs/domain.md) on a roster snapshot, recounting from the records rather than
 * trusting the workspace's counters. Returns every violation, each explained; `[]` when all hold.
 *
 * @example expect(checkRoster(replay(events))).toEqual([])
 */
export function checkRoster(state: RosterState): readonly InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const broke = (invariant: keyof typeof RULES, explanation: string) =>
    violations.push({ invariant, rule: RULES[invariant], explanation });
  const ws = state.workspace;
  if (ws === null) return violations;
  const agents = Object.values(state.agents);
  const invitations = Object.values(state.invitations);
  const pending = invitations.filter((i) => i.status === 'pending');

  const owner = Object.hasOwn(state.agents, ws.ownerId) ? state.agents[ws.ownerId] : undefined;
  if (!owner) broke(1, `The owner ${ws.ownerId} is not an agent of the workspace.`);
  else if (owner.role !== 'admin') broke(1, `The owner ${owner.id} has role "${owner.role}", not admin.`);

  const active = agents.filter((a) => a.status === 'active').length;
  const recount = {
    activeAgents: active,
    inactiveAgents: agents.length - active,
    pendingInvitations: pending.length,
    departments: Object.keys(state.departments).length,
  };
  for (const key of Object.keys(recount) as (keyof typeof recount)[]) {
    if (ws.counts[key] !== recount[key]) {
      broke(2, `The workspace counts ${ws.counts[key]} ${key} but holds ${recount[key]}, so its limits are checked against wrong numbers.`);
    }
  }
  const seats = seatUsage({ ...ws, counts: recount });
  if (!withinLimit(seats.used, seats.limit)) broke(2, `${seats.used} seats are used but the plan allows ${seats.limit}.`);
  if (!withinLimit(recount.departments, ws.plan.departments)) {
    broke(2, `${recount.departments} departments exist but the plan allows ${ws.plan.departments}.`);
  }

  const agentByEmail = new Map<string, string>();
  for (const a of agents) {
    const other = agentByEmail.get(a.email);
    if (other) broke(3, `Agents ${other} and ${a.id} share the email ${a.email}.`);
    agentByEmail.set(a.email, a.id);
  }
  const pendingByEmail = new Map<string, string>();
  for (const inv of pending) {
    const agent = agentByEmail.get(inv.email);
    if (agent) broke(3, `Pending invitation ${inv.id} is for ${inv.email}, which agent ${agent} already has.`);
    const other = pendingByEmail.get(inv.email);
    if (other) broke(3, `Pending invitations ${other} and ${inv.id} are both for ${inv.email}.`);
    pendingByEmail.set(inv.email, inv.id);
  }

  for (const holder of [...agents, ...pending]) {
    for (const d of holder.departmentIds) {
      if (!Object.hasOwn(state.departments, d)) broke(4, `${holder.kind} ${holder.id} names department ${d}, which does not exist.`);
    }
  }

  for (const a of agents) {
    if (a.status === 'inactive' && a.availability === 'online') broke(5, `Agent ${a.id} is inactive but online.`);
  }
  return violations;
}

/**
 * Checks invariant 6 on an event history: every invitation is accepted at most once, never at or
 * after its expiry, never after it was revoked or expired.
 *
 * @example expect(checkHistory(events)).toEqual([])
 */
export function checkHistory(log: Iterable<RosterEvent | Readonly<{ type: string }>>): readonly InvariantViolation[] {
  const events = [...log].filter((e): e is RosterEvent => ROSTER_EVENT_TYPES.has(e.type));
  const violations: InvariantViolation[] = [];
  const broke = (explanation: string) => violations.push({ invariant: 6, rule: RULES[6], explanation });
  const closed = new Map<string, string>();
  const expiry = new Map<string, string>();
  for (const e of events) {
    switch (e.type) {
      case 'InvitationSent':
        expiry.set(e.data.invitationId, e.data.expiresAt);
        break;
      case 'InvitationResent':
        if (closed.get(e.data.invitationId) !== undefined && closed.get(e.data.invitationId) !== 'expired') {
          broke(`Invitation ${e.data.invitationId} was resent after it was ${closed.get(e.data.invitationId)}.`);
        }
        closed.delete(e.data.invitationId);
        expiry.set(e.data.invitationId, e.data.expiresAt);
        break;
      case 'InvitationRevoked':
      case 'InvitationExpired':
        closed.set(e.data.invitationId, e.type === 'InvitationRevoked' ? 'revoked' : 'expired');
        break;
      case 'InvitationAccepted': {
        const was = closed.get(e.data.invitationId);
        if (was) broke(`Invitation ${e.data.invitationId} was accepted ${was === 'accepted' ? 'a second time' : `after it was ${was}`}.`);
        const expiresAt = expiry.get(e.data.invitationId);
        if (expiresAt !== undefined && Date.parse(e.occurredAt) >= Date.parse(expiresAt)) {
          broke(`Invitation ${e.data.invitationId} was accepted at ${e.occurredAt}, at or after its expiry ${expiresAt}.`);
        }
        closed.set(e.data.invitationId, 'accepted');
        break;
      }
      default:
        break;
    }
  }
  return violations;
}
