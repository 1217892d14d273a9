/**
 * What the kit says when a run cannot even start, or a driver does something the kit did not
 * ask for: each message names the problem and what to do about it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rosterDriver, rosterProperty, type PlanInput, type RosterDriver, type RosterPropertyOptions } from 'agent-roster/testing';

/** Runs the property a few times and answers the kit's message (or `undefined` when it passed). */
async function messageOf(makeDriver: () => RosterDriver | Promise<RosterDriver>, options: RosterPropertyOptions = {}, numRuns = 20): Promise<string | undefined> {
  const details = await fc.check(rosterProperty(makeDriver, options), { numRuns, seed: 1 });
  if (!details.failed) return undefined;
  return details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
}

describe('a workspace the system will not open', () => {
  it('prints the validation issues, and a hint, when the roster refuses inline plans', async () => {
    const inline: PlanInput = { id: 'tiny', seats: 2, departments: 1 };
    const message = await messageOf(() => rosterDriver({ rosterOptions: { allowInlinePlans: false } }), { plans: fc.constant(inline) });
    expect(message).toContain('The workspace could not be opened: ValidationFailed');
    expect(message).toContain('plan: must be the id of a catalog plan (inline plans are off: allowInlinePlans)');
    expect(message).toContain(
      'hint: your roster refuses inline plans: create it with allowInlinePlans: true for the test, or give the property the `catalog` your roster uses (runs then draw its ids only), or `plans: planArb({ inline: false })`',
    );
  });
});

describe('a roster with its own plan catalog', () => {
  const CATALOG = { team: { id: 'team', seats: 2, departments: 1 }, business: { id: 'business', seats: 4, departments: null } } as const;
  const options: RosterPropertyOptions = { catalog: CATALOG, plans: fc.constantFrom<PlanInput>('team', 'business') };

  it('is modelled from the `catalog` option: the property holds against createRoster({ plans: catalog })', async () => {
    const message = await messageOf(() => rosterDriver({ rosterOptions: { plans: CATALOG, allowInlinePlans: false } }), options, 60);
    expect(message).toBeUndefined();
  });

  it('fails with a hint against a roster that lacks the catalog', async () => {
    const message = await messageOf(() => rosterDriver(), options);
    expect(message).toMatch(/^The workspace could not be opened: PlanNotFound/);
    expect(message).toMatch(/hint: your roster has no plan "(team|business)": give the property the catalog your roster uses \(`catalog`\)/);
  });

  it('fails with a hint when the roster has the catalog but the property was not given it', async () => {
    const message = await messageOf(() => rosterDriver({ rosterOptions: { plans: CATALOG } }), { plans: options.plans! });
    expect(message).toMatch(/^The model knows no plan "(team|business)": it is not in the library's plans\. Give the property the catalog your roster uses \(`catalog`/);
  });
});

describe('a broken invariant', () => {
  it("points at the rules users can read (docs/domain.md), not a file they do not have", async () => {
    const demotingOwner = (): RosterDriver => {
      const driver = rosterDriver();
      return {
        ...driver,
        snapshot: async () => {
          const { roster } = await driver.snapshot();
          const ownerId = roster.workspace!.ownerId;
          return { roster: { ...roster, agents: { ...roster.agents, [ownerId]: { ...roster.agents[ownerId]!, role: 'agent' } } } };
        },
      };
    };
    const message = await messageOf(demotingOwner);
    expect(message).toMatch(/^After opening the workspace, the roster breaks the library's invariants \(docs\/domain\.md\):\n\s+• invariant 1 /);
  });
});

describe('a driver that is not what the kit expects', () => {
  const without = (name: keyof RosterDriver): RosterDriver => {
    const { [name]: _left, ...rest } = rosterDriver();
    return rest as RosterDriver;
  };

  it('is named when a method is missing, unless `without` leaves its steps out', async () => {
    expect(await messageOf(() => without('renameDepartment'))).toBe(
      "The driver has no renameDepartment(): the kit generates renameDepartment steps. Implement it, or leave those steps out with `without: ['renameDepartment']`.",
    );
    expect(await messageOf(() => without('renameDepartment'), { without: ['renameDepartment'] })).toBeUndefined();
  });

  it('is named when the driver is passed where a function that makes one is expected', () => {
    expect(() => rosterProperty(rosterDriver() as never)).toThrow(
      'The kit takes a function that makes a driver, and was given a driver itself: write `rosterProperty(() => makeMyDriver())`, so each run gets a fresh one.',
    );
  });

  it('is named with the step when a method answers something else than an outcome', async () => {
    const wrongShape = (): RosterDriver => ({ ...rosterDriver(), createDepartment: async () => ({ ok: false, error: { type: 'DepartmentNameTaken' } }) as never });
    expect(await messageOf(wrongShape)).toMatch(
      /^Step \d+: .*create department .*\n {2}driver\.createDepartment answered \{"ok":false,"error":\{"type":"DepartmentNameTaken"\}\}: expected \{ ok: true \} or \{ ok: false, errorType: 'SeatLimitReached' \}/,
    );
    const nothing = (): RosterDriver => ({ ...rosterDriver(), invite: async () => undefined as never });
    expect(await messageOf(nothing)).toMatch(/^Step \d+: .*invite .*\n {2}driver\.invite answered undefined: expected \{ ok: true \}/);
  });

  it('that throws fails like any other step: "Step N", and the steps before it', async () => {
    const throwing = (): RosterDriver => ({
      ...rosterDriver(),
      changeRole: async () => {
        throw new Error('socket hang up');
      },
    });
    expect(await messageOf(throwing)).toMatch(/^Step \d+: .* make .*\n {2}driver\.changeRole threw: socket hang up\n[\s\S]*\n {2}Steps before it:\n/);
  });
});
