/**
 * Shrunk counterexamples keep only the details their failure needs: every choice of a step
 * shrinks across to its plainest option (the owner acts, a strong password, the current link),
 * names shrink to the ones people's emails give them (two people never both become "Ana"), and
 * the workspace to "Shop" on the free plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRoster, type Roster } from 'agent-roster';
import { EMAIL_POOL, ranCommands, rosterDriver, rosterProperty, rosterStepArb, workspaceSetupArb, type RosterPorts, type RosterStep } from 'agent-roster/testing';
import { handRolledAccept } from './broken/hand-rolled-accept';

const ALL_BUT_ACCEPT = ['invite', 'resend', 'revoke', 'editAgent', 'changeRole', 'activate', 'deactivate', 'setAvailability', 'transferOwnership', 'deleteAgent',
  'createDepartment', 'renameDepartment', 'deleteDepartment', 'assignDepartments', 'removeFromDepartment', 'changePlan', 'changeSeatPolicy', 'advanceTime'] as const;

/** The value fast-check shrinks a failure of `predicate` to. */
function shrunk<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => boolean, seed: number): T {
  const details = fc.check(fc.property(arbitrary, predicate), { seed, numRuns: 1000 });
  expect(details.failed).toBe(true);
  return details.counterexample![0];
}

describe('a step', () => {
  it('shrinks every choice irrelevant to the failure to its plainest option, and leaves the name out', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      // Fails on any accept of a made-up link: the rest of the step is noise.
      const step = shrunk(rosterStepArb({ without: ALL_BUT_ACCEPT }), (s) => !(s.kind === 'accept' && s.token === 'made-up'), seed);
      expect(step, `seed ${seed}`).toEqual<RosterStep>({ kind: 'accept', invitation: 0, token: 'made-up', password: 'strong' });
    }
  });
});

describe('a workspace', () => {
  it('shrinks to "Shop" on the free plan, its owner named after their email', () => {
    for (const seed of [1, 2, 3]) {
      const setup = shrunk(workspaceSetupArb(), () => false, seed);
      expect(setup, `seed ${seed}`).toEqual({
        name: 'Shop',
        plan: 'free',
        seatPolicy: { countInactiveAgents: false, reserveSeatsForInvitations: false },
        invitationTtlHours: 168,
        owner: { email: EMAIL_POOL[0], name: 'Ana' },
      });
    }
  });
});

describe('a counterexample of a whole run', () => {
  const seatsCheckedOnlyAtInvite = () =>
    rosterDriver({
      roster: (ports: RosterPorts): Roster => ({ ...createRoster({ ...ports, allowInlinePlans: true }), acceptInvitation: handRolledAccept(ports, { checkSeats: false, markUsed: true }) }),
    });

  it('names its two people differently, after their emails', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const details = await fc.check(rosterProperty(seatsCheckedOnlyAtInvite), { numRuns: 400, seed });
      expect(details.failed).toBe(true);
      const steps = ranCommands(details.counterexample![0]);
      const owner = details.counterexample![1].owner;
      const report = [...steps, JSON.stringify(details.counterexample![1])].join('\n');
      // "Ana Sales" accepts the current link of invitation #1 (ana+sales@shop.com)
      const accept = steps.map((s) => /^"([^"]+)" accepts .*\((.+)\)$/.exec(s)).find((m) => m !== null);
      expect(accept, report).toBeDefined();
      expect(accept![1], report).not.toBe(owner.name);
      expect(steps.join('\n'), report).not.toContain('weak password');
    }
  });
});
