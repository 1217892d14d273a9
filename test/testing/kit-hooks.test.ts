/**
 * The runner's hooks: `onStep` after every step (with the driver and its answers) and `onRunEnd`
 * once a sequence is over — also when it had no step — so users can check their own invariants
 * against their app's state, through their own driver's methods.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  rosterCommandsArb,
  rosterDriver,
  rosterProperty,
  runRosterCommands,
  workspaceSetupArb,
  type RosterDriver,
  type RosterModel,
} from 'agent-roster/testing';

/** A driver with a method of the user's own: how many welcome emails the app sent. */
type DeskDriver = RosterDriver & { welcomeEmails(): number };

function deskDriver(): DeskDriver {
  const driver = rosterDriver();
  let welcomes = 0;
  return {
    ...driver,
    accept: async (input) => {
      const outcome = await driver.accept(input);
      if (outcome.ok) welcomes++;
      return outcome;
    },
    welcomeEmails: () => welcomes,
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

describe('onStep', () => {
  it('gets the driver of the run, typed as the one makeDriver returns, and every answer', async () => {
    const drivers = new Set<DeskDriver>();
    const refusals: unknown[] = [];
    await fc.assert(
      rosterProperty(deskDriver, {
        onStep: ({ driver, answers }) => {
          drivers.add(driver);
          expect(driver.welcomeEmails()).toBeGreaterThanOrEqual(0);
          for (const answer of answers) if (!answer.ok && answer.errorType === 'PermissionDenied') refusals.push(answer.error);
        },
      }),
      { numRuns: 20, seed: 3 },
    );
    expect(drivers.size).toBeGreaterThan(1); // a fresh driver per run
    // The refusal's error reaches onStep as the driver put it in (rosterDriver answers with the library's error).
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0]).toMatchObject({ type: 'PermissionDenied', message: expect.any(String) });
  });

  it('is awaited, and a rejection fails the property framed like any failure', async () => {
    const details = await fc.check(
      rosterProperty(deskDriver, {
        onStep: async ({ index }) => {
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (index === 2) throw new Error('the audit log has no line for it');
        },
      }),
      { numRuns: 50, seed: 3 },
    );
    expect(details.failed).toBe(true);
    expect(messageOf(details.errorInstance)).toMatch(/^After step 2 \(.*\):\n {2}onStep threw: the audit log has no line for it\n {2}Steps before it:\n {4}1\. .*\n {4}2\. /);
  });
});

describe('onRunEnd', () => {
  it('is called once per run with the final model, snapshot and steps, also for a run of no step', async () => {
    let runs = 0;
    const lengths: number[] = [];
    await fc.assert(
      rosterProperty(deskDriver, {
        onRunEnd: async ({ driver, model, snapshot, steps }) => {
          runs++;
          lengths.push(steps.length);
          // The user's own invariant, on the app's final state: everyone but the owner joined through a welcome.
          expect(driver.welcomeEmails()).toBeGreaterThanOrEqual(model.agents.size - 1);
          expect(Object.keys(snapshot.roster.agents)).toHaveLength(model.agents.size);
        },
      }),
      { numRuns: 40, seed: 5 },
    );
    expect(runs).toBe(40);
    expect(lengths.some((n) => n > 0)).toBe(true);

    // A sequence of no command: the hook still runs, on the freshly opened workspace.
    const ends: { steps: readonly string[]; model: RosterModel }[] = [];
    const setup = fc.sample(workspaceSetupArb({ plans: fc.constant('pro') }), { seed: 1, numRuns: 1 })[0]!;
    await runRosterCommands(deskDriver, setup, [], { onRunEnd: (end) => void ends.push(end) });
    expect(ends).toHaveLength(1);
    expect(ends[0]!.steps).toEqual([]);
    expect([...ends[0]!.model.agents.keys()]).toEqual([setup.owner.email.mailbox]);
  });

  it('fails the property when it throws, after the last step, with every step of the run', async () => {
    const details = await fc.check(
      rosterProperty(deskDriver, {
        onRunEnd: ({ driver, model }) => {
          if (model.agents.size > 1 && driver.welcomeEmails() > 0) throw new Error(`${model.agents.size - 1} agent(s) joined`);
        },
      }),
      { numRuns: 50, seed: 5 },
    );
    expect(details.failed).toBe(true);
    expect(messageOf(details.errorInstance)).toMatch(/^At the end of the run \(\d+ steps?; the last may not be needed: [^\n]*\):\n {2}onRunEnd threw: 1 agent\(s\) joined\n {2}Steps before it:\n/);
  });

  it('runs under test.prop-style use too: the arbitraries and the runner take the same options', async () => {
    const options = { plans: fc.constant('pro' as const), onRunEnd: () => {} };
    await fc.assert(fc.asyncProperty(rosterCommandsArb(options), workspaceSetupArb(options), (commands, setup) => runRosterCommands(deskDriver, setup, commands, options)), {
      numRuns: 5,
    });
  });
});
