/**
 * The testing kit pointed at our own application layer: `createRoster` on the in-memory store,
 * driven through `rosterDriver()` exactly as a user's system is driven through their driver.
 * Every step's outcome must be one the kit's model allows, every snapshot must pass
 * `checkInvariants`, a refusal must change nothing, and two commands run at once must behave as
 * one after the other.
 *
 * Sequences: 5 properties, 4 × PROPERTY_RUNS in all (4,000 by default, 80,000 with SOAK=1), plus
 * 400 for the coverage check. See property-runs.ts for replaying a failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRoster, type Roster } from 'agent-roster';
import { rosterDriver, rosterProperty, type DriverSnapshot, type PlanInput, type RosterDriver, type RosterPorts, type RosterPropertyOptions } from 'agent-roster/testing';
import { REPLAY_PATH, RUNS, runsOf, TIMEOUT } from './property-runs';

const replay: RosterPropertyOptions = REPLAY_PATH === undefined ? {} : { replayPath: REPLAY_PATH };
const PASSWORD = 'correct horse battery staple';

/** Plans with one to three seats and few departments: where every limit is hit within a few steps. */
const tightPlans: fc.Arbitrary<PlanInput> = fc.oneof(
  fc.constantFrom<PlanInput>('free', 'starter'),
  fc.record({ id: fc.constant('tight'), seats: fc.integer({ min: 1, max: 3 }), departments: fc.integer({ min: 0, max: 2 }) }, { noNullPrototype: true }),
);

/**
 * `rosterDriver()` with a check of ours before every snapshot the kit takes: however the clock
 * moved, `getWorkspace`, `seatUsage` and `listDepartments` count pending invitations exactly as
 * `listInvitations` lists them at the clock's time (lapsed ones out, recorded or not), and
 * `seatUsage` adds up the seats from them (ADR 0004). That the sweep of the next seat check
 * records every lapsed invitation, whatever their number, is checked by example in
 * test/application/lapsed-invitations.test.ts (150 of them): generated sequences rarely hold more
 * than a few.
 */
function readsAgreeDriver(): RosterDriver {
  let built: { roster: Roster; ports: RosterPorts } | undefined;
  const driver = rosterDriver({ roster: (ports) => (built = { roster: createRoster({ allowInlinePlans: true, ...ports }), ports }).roster });
  const check = async (workspaceId: string, ownerId: string) => {
    const { roster, ports } = built!;
    const owner = { workspaceId, agentId: ownerId };
    const pending = await ports.store.listInvitations(workspaceId as never, { status: 'pending', now: ports.clock.now() });
    const agents = await ports.store.listAgents(workspaceId as never);
    const workspace = (await roster.getWorkspace(owner))._unsafeUnwrap();
    const usage = (await roster.seatUsage(owner))._unsafeUnwrap();
    const departments = (await roster.listDepartments(owner))._unsafeUnwrap();
    const active = agents.filter((a) => a.status === 'active').length;
    const { countInactiveAgents, reserveSeatsForInvitations } = workspace.seatPolicy;
    const seen = {
      getWorkspace: workspace.counts.pendingInvitations,
      seatUsage: usage.counts.pendingInvitations,
      used: usage.used,
      departments: departments.map((d) => d.pendingInvitations),
    };
    const expected = {
      getWorkspace: pending.length,
      seatUsage: pending.length,
      used: active + (countInactiveAgents ? agents.length - active : 0) + (reserveSeatsForInvitations ? pending.length : 0),
      departments: departments.map((d) => pending.filter((i) => i.departmentIds.includes(d.department.id)).length),
    };
    if (JSON.stringify(seen) !== JSON.stringify(expected)) {
      throw new Error(`At ${ports.clock.now().toISOString()} the reads say ${JSON.stringify(seen)}, listInvitations ${JSON.stringify(expected)}.`);
    }
  };
  return {
    ...driver,
    snapshot: async () => {
      const snapshot = await driver.snapshot();
      const workspace = snapshot.roster.workspace;
      if (workspace) await check(workspace.id, workspace.ownerId);
      return snapshot;
    },
  };
}

describe('the kit against createRoster on MemoryRosterStore', () => {
  it(
    `random sequences with concurrent steps: outcomes, invariants, refusals and races all hold (${RUNS} sequences)`,
    async () => {
      await fc.assert(
        rosterProperty(() => rosterDriver(), {
          ...replay,
          // A check of our own on top of the kit's: no password ever reaches the stored roster or its events.
          onStep: ({ snapshot, label }) => {
            if (JSON.stringify(snapshot).includes(PASSWORD)) throw new Error(`After "${label}", the password is in the roster or its events.`);
          },
        }),
        runsOf('application layer, default options'),
      );
    },
    TIMEOUT,
  );

  it(
    `on tight plans, where seat and department limits bite (${RUNS} sequences)`,
    async () => {
      await fc.assert(rosterProperty(() => rosterDriver(), { ...replay, plans: tightPlans }), runsOf('application layer, tight plans'));
    },
    TIMEOUT,
  );

  it(
    `with outcomes compared only as ok-or-refused and no concurrency, as for an API without error types (${RUNS} sequences)`,
    async () => {
      await fc.assert(
        rosterProperty(() => rosterDriver(), { ...replay, outcomes: 'ok-or-refused', concurrency: false }),
        runsOf('application layer, ok-or-refused'),
      );
    },
    TIMEOUT,
  );

  it(
    `reads agree with listInvitations as invitations lapse (${Math.ceil(RUNS / 2)} sequences)`,
    async () => {
      await fc.assert(rosterProperty(readsAgreeDriver, { ...replay, plans: tightPlans }), runsOf('application layer, reads agree', Math.ceil(RUNS / 2)));
    },
    TIMEOUT,
  );

  it(
    `long sequences of up to 60 commands (${Math.ceil(RUNS / 2)} sequences)`,
    async () => {
      await fc.assert(rosterProperty(() => rosterDriver(), { ...replay, maxCommands: 60 }), runsOf('application layer, long sequences', Math.ceil(RUNS / 2)));
    },
    TIMEOUT,
  );

  it('an admin promotes a plain agent in a fair share of runs, and members are still refused role changes', async () => {
    let runs = 0;
    let denied = 0;
    let promotedIn = 0;
    let promoted = false;
    let before: DriverSnapshot | undefined;
    await fc.assert(
      rosterProperty(() => rosterDriver(), {
        onStep: ({ kind, label, outcomes, snapshot }) => {
          const target = /make (\S+) admin$/.exec(label)?.[1];
          const was = Object.values(before?.roster.agents ?? {}).find((a) => a.email === target);
          if (kind === 'changeRole' && outcomes[0] === 'ok' && was?.role === 'agent') promoted = true;
          if (kind === 'changeRole' && outcomes[0] === 'PermissionDenied') denied++;
          before = snapshot;
        },
        onRunEnd: () => {
          runs++;
          if (promoted) promotedIn++;
          promoted = false;
          before = undefined;
        },
      }),
      { numRuns: 400, seed: 20261123 },
    );
    expect(runs).toBe(400);
    // Measured: 29 runs of these 400 (0 without the promotion steps); only about a third of runs ever have a plain agent to promote.
    expect(promotedIn).toBeGreaterThanOrEqual(16);
    expect(denied).toBeGreaterThanOrEqual(20);
  });

  it('the generated sequences reach every outcome the rules define (so the properties above are not vacuous)', async () => {
    const seen = new Map<string, number>();
    const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    await fc.assert(
      rosterProperty(() => rosterDriver(), {
        onStep: ({ kind, outcomes, answers }) => {
          if (kind === 'parallel') {
            count('parallel');
            if (outcomes.some((o) => o !== 'ok') && outcomes.includes('ok')) count('parallel:one refused');
          } else count(`${kind}:${outcomes[0]}`);
          // Where routes went: to an agent, or waiting, and why.
          for (const answer of answers as readonly { assignedTo?: string; waits?: string }[]) {
            if (answer.assignedTo !== undefined) count('routeConversation:assigned');
            if (answer.waits !== undefined) count(`routeConversation:waits ${answer.waits}`);
          }
        },
      }),
      // The rarest outcome, changeSeatPolicy:SeatLimitReached, comes about 3 times in 400 runs: a
      // change to the generators can move it out of one seed's reach (20261123 lost it when role
      // promotions were weighted up); then pick another seed, and keep every outcome below.
      { numRuns: 400, seed: 3 },
    );
    const wanted = [
      'invite:ok',
      'invite:SeatLimitReached',
      'invite:EmailAlreadyExists',
      'invite:PermissionDenied',
      'invite:ValidationFailed',
      'accept:ok',
      'accept:ValidationFailed',
      'accept:InvalidToken',
      'accept:InvitationAlreadyAccepted',
      'accept:InvitationWasRevoked',
      'accept:InvitationHasExpired',
      'accept:WeakPassword',
      'accept:SeatLimitReached',
      'resend:ok',
      'resend:InvitationNotPending',
      'revoke:ok',
      'revoke:InvitationNotPending',
      'editAgent:ok',
      'editAgent:EmailAlreadyExists',
      'editAgent:ValidationFailed',
      'changeRole:ok',
      'changeRole:OwnerMustStayAdmin',
      'changeRole:PermissionDenied',
      'activate:ok',
      'deactivate:ok',
      'setAvailability:ok',
      'setAvailability:AgentInactive',
      'transferOwnership:ok',
      'transferOwnership:PermissionDenied',
      'transferOwnership:AlreadyOwner',
      'deleteAgent:ok',
      'deleteAgent:OwnerCannotBeDeleted',
      'createDepartment:ok',
      'createDepartment:DepartmentNameTaken',
      'createDepartment:DepartmentLimitReached',
      'renameDepartment:ok',
      'deleteDepartment:ok',
      'assignDepartments:ok',
      'removeFromDepartment:ok',
      'changePlan:ok',
      'changePlan:PlanLimitsExceeded',
      'changeSeatPolicy:ok',
      'changeSeatPolicy:SeatLimitReached',
      'advanceTime:ok',
      'routeConversation:assigned',
      'routeConversation:waits department-empty',
      'routeConversation:waits nobody-online',
      'routeConversation:ConversationAlreadyRouted',
      'closeConversation:ok',
      'closeConversation:ConversationNotFound',
      'closeConversation:DepartmentNotFound',
      'parallel',
      'parallel:one refused',
    ];
    expect(wanted.filter((w) => !seen.has(w))).toEqual([]);
  });
});
