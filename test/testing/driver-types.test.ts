/**
 * The driver's type follows `without`: an app that lacks a use case leaves its steps out, and its
 * driver may then lack the method — checked by the compiler (`npm run typecheck` compiles this
 * file) and, for JavaScript users and casts, when the run starts.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  rosterCommandsArb,
  rosterDriver,
  rosterProperty,
  runRosterCommands,
  workspaceSetupArb,
  type RosterDriver,
  type RosterDriverWithout,
  type RosterPropertyOptions,
} from 'agent-roster/testing';

/** An app with no department renames. */
const noRename = (): Omit<RosterDriver, 'renameDepartment'> => {
  const { renameDepartment: _left, ...rest } = rosterDriver();
  return rest;
};

describe('RosterDriverWithout', () => {
  it('makes the left-out methods optional, and tokenFor too once invite and resend are both out', () => {
    expectTypeOf<RosterDriverWithout<'renameDepartment'>['renameDepartment']>().toEqualTypeOf<RosterDriver['renameDepartment'] | undefined>();
    expectTypeOf<RosterDriverWithout<'renameDepartment'>['invite']>().toEqualTypeOf<RosterDriver['invite']>();
    expectTypeOf<RosterDriverWithout<'invite'>['tokenFor']>().toEqualTypeOf<RosterDriver['tokenFor']>();
    expectTypeOf<RosterDriverWithout<'invite' | 'resend'>['tokenFor']>().toEqualTypeOf<RosterDriver['tokenFor'] | undefined>();
    expectTypeOf<RosterDriverWithout>().toEqualTypeOf<RosterDriver>();
  });
});

describe('rosterProperty and runRosterCommands', () => {
  it('take a driver without the methods `without` leaves out, and only those', () => {
    rosterProperty(noRename, { without: ['renameDepartment'] });
    rosterProperty(noRename, { without: ['renameDepartment', 'changePlan'] });
    // @ts-expect-error renameDepartment steps are generated: the driver needs the method
    rosterProperty(noRename);
    // @ts-expect-error another kind left out does not excuse this one
    rosterProperty(noRename, { without: ['changePlan'] });
    // @ts-expect-error not a kind of step
    rosterProperty(noRename, { without: ['renameDepartments'] });

    const setup = fc.sample(workspaceSetupArb(), 1)[0]!;
    // Compiled, never run.
    const typesOnly = () => {
      void runRosterCommands(noRename, setup, [], { without: ['renameDepartment'] });
      // @ts-expect-error
      void runRosterCommands(noRename, setup, [], {});
    };
    expect(typesOnly).toBeTypeOf('function');
  });

  it('read an options object declared apart by its type: RosterPropertyOptions<kinds left out>', () => {
    const apart: RosterPropertyOptions<'renameDepartment'> = { without: ['renameDepartment'], maxCommands: 10 };
    rosterProperty(noRename, apart);
    const setup = fc.sample(workspaceSetupArb(apart), 1)[0]!;
    const typesOnly = () => runRosterCommands(noRename, setup, fc.sample(rosterCommandsArb(apart), 1)[0]!, apart);
    expect(typesOnly).toBeTypeOf('function');

    // Declared as the plain RosterPropertyOptions, `without` could name anything: the whole driver is needed.
    const plain: RosterPropertyOptions = { without: ['renameDepartment'] };
    // @ts-expect-error
    rosterProperty(noRename, plain);
    rosterProperty(() => rosterDriver(), plain);
    expect(true).toBe(true);
  });

  it('give the hooks the driver as makeDriver typed it', () => {
    type Mine = RosterDriver & { auditLog(): readonly string[] };
    const mine = (): Mine => ({ ...rosterDriver(), auditLog: () => [] });
    rosterProperty(mine, {
      onStep: ({ driver }) => expectTypeOf(driver).toEqualTypeOf<Mine>(), // any return value is fine (a promise is awaited)
      onRunEnd: ({ driver }) => void driver.auditLog(),
    });
    rosterProperty(noRename, {
      without: ['renameDepartment'],
      onRunEnd: ({ driver }) => expectTypeOf(driver).toEqualTypeOf<Omit<RosterDriver, 'renameDepartment'>>(),
    });
    expect(true).toBe(true);
  });
});

describe('the shape check when a run starts (for JavaScript, and drivers cast to fit)', () => {
  const messageOf = async (makeDriver: () => unknown, options: object = {}) => {
    const details = await fc.check(rosterProperty(makeDriver as () => RosterDriver, options), { numRuns: 1, seed: 1 });
    return details.errorInstance instanceof Error ? details.errorInstance.message : undefined;
  };

  it('names a kind `without` does not know', async () => {
    expect(await messageOf(() => rosterDriver(), { without: ['renameDepartments'] })).toMatch(
      /^`without` names no kind of step "renameDepartments": the kinds are invite, resend, .*renameDepartment, /,
    );
  });

  it('names a method that is there but not a method, optional ones included', async () => {
    expect(await messageOf(() => ({ ...rosterDriver(), changeSeatPolicy: true }))).toBe(
      "The driver's changeSeatPolicy is true, not a method: the kit calls driver.changeSeatPolicy(…) for changeSeatPolicy steps.",
    );
    expect(await messageOf(() => ({ ...rosterDriver(), changeSeatPolicy: true }), { without: ['changeSeatPolicy'] })).toBeUndefined();
  });
});
