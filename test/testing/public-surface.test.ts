/**
 * `agent-roster/testing` as users import it: every piece of the kit is reachable from the
 * subpath, and the invariant checkers are the core's own.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as core from 'agent-roster';
import * as testing from 'agent-roster/testing';

describe('agent-roster/testing', () => {
  it('exports the whole kit', () => {
    const functions = [
      // value arbitraries
      'emailArb', 'personNameArb', 'departmentNameArb', 'roleArb', 'planArb', 'seatPolicyArb', 'passwordArb',
      // aggregates in valid states
      'workspaceArb', 'agentArb', 'invitationArb', 'departmentArb',
      // the pure domain
      'domainStepsArb', 'runDomainSequence', 'outcomeClass',
      // your system through a driver, and ours
      'rosterProperty', 'rosterCommandsArb', 'rosterStepArb', 'workspaceSetupArb', 'runRosterCommands', 'ranCommands', 'rosterDriver',
      'RosterCommand', 'ConcurrentCommands', 'RosterModel', 'RosterReal', 'outcomeOf', 'toRosterState', 'readRoster',
      // invariants
      'checkInvariants', 'checkRoster', 'checkHistory',
      // given/when/then, mothers, store contract
      'given', 'deepFreeze', 'firstDifference', 'aWorkspace', 'anAgent', 'anInvitation', 'aDepartment', 'rosterOf', 'rosterView',
      'anEmail', 'aTokenHash', 'hoursAfter', 'describeStoreContract',
    ] as const;
    expect(functions.filter((name) => typeof (testing as Record<string, unknown>)[name] !== 'function')).toEqual([]);
    for (const name of ['EMAIL_POOL', 'DEPARTMENT_NAME_POOL', 'REFUSED_NAMES', 'T0', 'STRONG_PASSWORD', 'ids'] as const) expect(testing[name]).toBeDefined();
  });

  it('names what rosterOf and workspaceArb build RosterFixture, not Roster (the core’s service); Roster stays, deprecated', () => {
    expectTypeOf(testing.rosterOf()).toEqualTypeOf<testing.RosterFixture>();
    expectTypeOf<testing.GeneratedWorkspace>().toEqualTypeOf<testing.RosterFixture>();
    // The deprecated alias still names the same type, so code written against it compiles.
    expectTypeOf<testing.Roster>().toEqualTypeOf<testing.RosterFixture>();
    expectTypeOf<testing.RosterFixture>().not.toEqualTypeOf<core.Roster>();
  });

  it('re-exports the core’s invariant checkers, not copies', () => {
    expect(testing.checkRoster).toBe(core.checkRoster);
    expect(testing.checkHistory).toBe(core.checkHistory);
  });
});

describe('the TSDoc and messages of src', () => {
  it('never send users to DOMAIN.md, which is not in the package: they name docs/domain.md', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const root = new URL('../../src/', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const naming = [];
    for (const file of files) if ((await readFile(new URL(file, root), 'utf8')).includes('DOMAIN.md')) naming.push(file);
    expect(naming).toEqual([]);
  });
});
