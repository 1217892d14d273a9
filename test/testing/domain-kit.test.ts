/**
 * The kit's checker over the pure domain: random step sequences (`domainStepsArb`, two
 * workspaces, hostile inputs) played by `runDomainSequence`, with `checkInvariants` run on each
 * workspace after every step, and with its events (invariants 6 and 8) at the end of each sequence.
 *
 * Sequences: PROPERTY_RUNS (1000 by default; 20,000 with SOAK=1). See property-runs.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInvariants, domainStepsArb, EMAIL_POOL, outcomeClass, runDomainSequence } from 'agent-roster/testing';
import { RUNS, runsOf, TIMEOUT } from './property-runs';

describe('the kit against the pure domain', () => {
  it(
    `checkInvariants finds nothing in either workspace after any step, nor in its history (${RUNS} sequences)`,
    () => {
      fc.assert(
        fc.property(domainStepsArb(), (steps) => {
          const { rosters, history } = runDomainSequence(steps, {
            onStep: (r) => {
              for (const roster of r.after) {
                if (!roster) continue;
                const violations = checkInvariants({ roster });
                if (violations.length > 0) expect(violations, `after step #${r.index} ${r.step.kind} (${outcomeClass(r.outcome) ?? 'no command'})`).toEqual([]);
              }
            },
          });
          // The history once, at the end: replaying it after every step would cost the square of its length.
          for (const roster of rosters) {
            if (!roster?.workspace) continue;
            const events = history.filter((e) => e.workspaceId === roster.workspace!.id);
            expect(checkInvariants({ roster, events }), 'at the end of the sequence').toEqual([]);
          }
        }),
        runsOf('pure domain, checkInvariants'),
      );
    },
    TIMEOUT,
  );
});

describe("the kit's domain model", () => {
  it('expects the 101st department of an agent to be refused, as the command refuses it', () => {
    const steps: Parameters<typeof runDomainSequence>[0][number][] = [
      { kind: 'createWorkspace', ws: 0, name: 'Shop', plan: 'custom', owner: { email: EMAIL_POOL[0], name: 'Ana' } } as never,
    ];
    for (let n = 0; n < 101; n++) steps.push({ kind: 'createDepartment', ws: 0, actor: 'owner', name: { name: `D${n}`, key: `d${n}` } } as never);
    for (let n = 0; n < 101; n += 2) {
      steps.push({ kind: 'assignAgentToDepartments', ws: 0, actor: 'owner', agent: 'actor', departments: [{ in: 'this', n }, { in: 'this', n: n + 1 }] } as never);
    }
    const disagreements: string[] = [];
    const refused: string[] = [];
    runDomainSequence(steps, {
      onStep: (r) => {
        if (r.step.kind !== 'assignAgentToDepartments') return;
        const got = outcomeClass(r.outcome)!;
        if (got !== 'ok') refused.push(got);
        if (r.expected && !r.expected.includes(got)) disagreements.push(`step ${r.index}: expected ${r.expected.join('|')}, got ${got}`);
      },
    });
    expect(refused).toEqual(['ValidationFailed']);
    expect(disagreements).toEqual([]);
  });
});
