/**
 * BROKEN ON PURPOSE: hosts that read a rule of docs/domain.md their own way. Each wraps
 * `rosterDriver()` and changes one answer, the way a host's own endpoint in front of the roster
 * would.
 */
import { createRoster, nameKey, type ManualClock } from 'agent-roster';
import { rosterDriver, type RosterDriver } from 'agent-roster/testing';

/**
 * A department that a pending invitation names cannot be deleted ("take it out of the invitations
 * first"), where the rules delete it and take it out of every pending invitation.
 */
export function departmentKeptForInvitations(): RosterDriver {
  const driver = rosterDriver();
  return {
    ...driver,
    deleteDepartment: async (actor, input) => {
      const { roster } = await driver.snapshot();
      const department = Object.values(roster.departments).find((d) => nameKey(d.name) === nameKey(input.name));
      const invited = Object.values(roster.invitations).some((i) => i.status === 'pending' && department !== undefined && i.departmentIds.includes(department.id));
      return invited ? { ok: false, errorType: 'DepartmentInUse' } : driver.deleteDepartment(actor, input);
    },
  };
}

/**
 * A resend that only renews a link still open: a lapsed one is answered as closed, where the rules
 * resend it with a new link and a new expiry (and give it back its email and seat).
 */
export function lapsedLinksNotResent(): RosterDriver {
  let clock: ManualClock | undefined;
  const driver = rosterDriver({ roster: (ports) => ((clock = ports.clock), createRoster({ ...ports, allowInlinePlans: true })) });
  return {
    ...driver,
    resend: async (actor, input) => {
      const { roster } = await driver.snapshot();
      const now = clock!.now().getTime();
      const sent = Object.values(roster.invitations).filter((i) => i.email === input.email);
      const open = sent.some((i) => i.status === 'pending' && Date.parse(i.expiresAt) > now);
      const lapsed = sent.some((i) => i.status === 'expired' || (i.status === 'pending' && Date.parse(i.expiresAt) <= now));
      return !open && lapsed ? { ok: false, errorType: 'InvitationNotPending' } : driver.resend(actor, input);
    },
  };
}

/**
 * An accept and an edit that take a blank name as "no name given" and fall back to the email's
 * local part, where the rules refuse an empty or whitespace-only name (ValidationFailed).
 */
export function blankNamesFilledIn(): RosterDriver {
  const driver = rosterDriver();
  const blank = (name: string | undefined) => name !== undefined && name.trim() === '';
  return {
    ...driver,
    accept: async (input) => driver.accept(blank(input.name) ? { ...input, name: 'Sam' } : input),
    editAgent: async (actor, input) => driver.editAgent(actor, blank(input.name) ? { ...input, name: input.email.slice(0, input.email.indexOf('@')) } : input),
  };
}
