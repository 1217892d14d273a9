/**
 * An app with a plan catalog of its own (`createRoster({ plans })`): every part of the kit takes
 * it as `catalog`, resolves plan ids against it, and — unless told otherwise with `plans` — draws
 * only its ids, never inline plans (which such a roster usually refuses).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanCatalog } from 'agent-roster';
import type { PoolEmail } from 'agent-roster/testing';
import {
  checkInvariants,
  domainStepsArb,
  outcomeClass,
  planArb,
  rosterDriver,
  rosterProperty,
  rosterStepArb,
  runDomainSequence,
  workspaceArb,
  workspaceSetupArb,
} from 'agent-roster/testing';

const CATALOG: PlanCatalog = {
  team: { id: 'team', seats: 2, departments: 1 },
  business: { id: 'business', seats: 4, departments: null },
  solo: { id: 'solo', seats: 1, departments: 0 },
};
const IDS = Object.keys(CATALOG);

describe('the roster runner with `catalog` and no `plans`', () => {
  it('opens and changes to the catalog ids only', () => {
    for (const setup of fc.sample(workspaceSetupArb({ catalog: CATALOG }), { numRuns: 200, seed: 1 })) expect(IDS).toContain(setup.plan);
    const plans = fc
      .sample(rosterStepArb({ catalog: CATALOG }), { numRuns: 2000, seed: 1 })
      .flatMap((step) => (step.kind === 'changePlan' ? [step.plan] : []));
    expect(plans.length).toBeGreaterThan(10);
    expect(plans.filter((p) => typeof p !== 'string' || !IDS.includes(p))).toEqual([]);
  });

  it('holds against createRoster({ plans: catalog }) without inline plans', async () => {
    const details = await fc.check(rosterProperty(() => rosterDriver({ rosterOptions: { plans: CATALOG, allowInlinePlans: false } }), { catalog: CATALOG }), {
      numRuns: 60,
      seed: 2,
    });
    expect(details.failed, String(details.errorInstance)).toBe(false);
  });
});

describe('planArb({ inline: false })', () => {
  it('draws catalog ids only', () => {
    expect(new Set(fc.sample(planArb({ inline: false }), { numRuns: 200, seed: 1 }))).toEqual(new Set(['free', 'starter', 'pro', 'enterprise', 'custom']));
    expect(new Set(fc.sample(planArb({ catalog: CATALOG, inline: false }), { numRuns: 100, seed: 1 }))).toEqual(new Set(IDS));
  });
});

describe('workspaceArb({ catalog })', () => {
  it('builds valid workspaces on the catalog plans, changed only to catalog plans', () => {
    const sample = fc.sample(workspaceArb({ catalog: CATALOG }), { numRuns: 200, seed: 3 });
    for (const w of sample) {
      expect(checkInvariants({ roster: w.state, events: w.events })).toEqual([]);
      const plan = w.workspace.plan;
      expect(CATALOG[plan.id], JSON.stringify(plan)).toEqual(plan);
    }
    expect(sample.filter((w) => w.events.some((e) => e.type === 'PlanChanged')).length).toBeGreaterThan(5);
  });

  it('keeps a catalog plan it is given, by id', () => {
    for (const w of fc.sample(workspaceArb({ catalog: CATALOG, plan: 'business' }), { numRuns: 50, seed: 4 })) {
      expect(w.workspace.plan).toEqual(CATALOG.business);
    }
  });
});

describe('the pure-domain runner with `catalog`', () => {
  it('draws the catalog ids and resolves them as the model does: every outcome is one the model expected', () => {
    let plansSeen = 0;
    fc.assert(
      fc.property(domainStepsArb({ catalog: CATALOG }), (steps) => {
        runDomainSequence(steps, {
          catalog: CATALOG,
          onStep: (r) => {
            if (r.step.kind === 'createWorkspace' || r.step.kind === 'changePlan') {
              plansSeen++;
              expect(IDS).toContain(r.step.plan);
            }
            const actual = outcomeClass(r.outcome);
            if (r.expected !== undefined && actual !== null) expect(r.expected, `step #${r.index} ${r.step.kind}`).toContain(actual);
            expect(actual).not.toBe('PlanNotFound');
          },
        });
      }),
      { numRuns: 100, seed: 5 },
    );
    expect(plansSeen).toBeGreaterThan(100);
  });
});

describe('names the kit makes from an email', () => {
  it('tells a look-alike mailbox from the one it imitates: "Ana (xn--shp-ted.com)", not "Ana"', () => {
    const owners = (emails: readonly PoolEmail[]) =>
      new Set(fc.sample(workspaceSetupArb({ emails }), { numRuns: 200, seed: 4 }).map((s) => s.owner.name));
    const lookAlike = owners([{ address: 'ana@sh\u043ep.com', mailbox: 'ana@xn--shp-ted.com' }]);
    expect(lookAlike).toContain('Ana (xn--shp-ted.com)');
    expect(lookAlike).not.toContain('Ana');
    expect(owners([{ address: 'Ana@Shop.COM', mailbox: 'ana@shop.com' }])).toContain('Ana');
    expect(owners([{ address: 'bob.smith+sales@shop.com', mailbox: 'bob.smith+sales@shop.com' }])).toContain('Bob Smith Sales');
  });
});
