/**
 * An app stricter than the library: it refuses some things the rules allow. The `stricter`
 * option declares those refusals; the kit then treats the step as not having happened, and the
 * model stays in step with the system (every later snapshot is still compared with it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rosterDriver, rosterProperty, type AppRefusal, type DriverOutcome, type RosterDriver, type RosterPropertyOptions } from 'agent-roster/testing';

const tooLong = (name: string | undefined) => name !== undefined && [...name].length > 12;
const NAME_TOO_LONG: DriverOutcome = { ok: false, errorType: 'NameTooLong' };

/** Our library's roster, behind an app with two rules of its own: names of 12 characters at most, and no invitations to bücher.de. */
function strictApp(): RosterDriver {
  const driver = rosterDriver();
  return {
    ...driver,
    createWorkspace: async (input) => (tooLong(input.owner.name) ? NAME_TOO_LONG : driver.createWorkspace(input)),
    accept: async (input) => (tooLong(input.name) ? NAME_TOO_LONG : driver.accept(input)),
    editAgent: async (actor, input) => (tooLong(input.name) ? NAME_TOO_LONG : driver.editAgent(actor, input)),
    invite: async (actor, input) =>
      /@(bücher|xn--bcher-kva)\.de\s*$/i.test(input.email) ? { ok: false, errorType: 'DomainNotAllowed' } : driver.invite(actor, input),
  };
}

/** The app's rules, as the property is told about them. */
const stricter = ({ call, answer }: AppRefusal): string | false => {
  if (answer.errorType === 'DomainNotAllowed') return call.method === 'invite' && 'no invitations to bücher.de';
  if (answer.errorType !== 'NameTooLong') return false;
  const name = call.method === 'accept' || call.method === 'editAgent' ? call.input.name : call.method === 'createWorkspace' ? call.input.owner.name : undefined;
  return tooLong(name) && 'names of 12 characters at most';
};

async function check(options: RosterPropertyOptions, numRuns = 60) {
  const details = await fc.check(rosterProperty(strictApp, options), { numRuns, seed: 42 });
  return { failed: details.failed, message: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance) };
}

describe('an app with rules of its own (`stricter`)', () => {
  it('fails as "expected ok" when the property is not told about them', async () => {
    const { failed, message } = await check({});
    expect(failed).toBe(true);
    expect(message).toMatch(/the system answered: (NameTooLong|DomainNotAllowed)|^The workspace could not be opened: NameTooLong/);
  });

  it('holds when `stricter` recognises them: the refused step did not happen, and the model keeps in step', async () => {
    const refusals = new Map<string, number>();
    const lines: string[] = [];
    const { failed, message } = await check({
      stricter: (refusal) => {
        const verdict = stricter(refusal);
        if (verdict !== false) refusals.set(refusal.answer.errorType, (refusals.get(refusal.answer.errorType) ?? 0) + 1);
        return verdict;
      },
      onRunEnd: ({ steps }) => void lines.push(...steps),
    });
    expect(failed, message).toBe(false);
    // The reason shows next to the step in the run's history (and in a failure's "Steps before it").
    expect(lines).toContainEqual(expect.stringMatching(/: invite .*bücher\.de as \w+ → DomainNotAllowed \(your app's own rule: no invitations to bücher\.de\)$/i));
    // Both rules were met, many times: the property is not vacuously true.
    expect(refusals.get('NameTooLong') ?? 0).toBeGreaterThan(5);
    expect(refusals.get('DomainNotAllowed') ?? 0).toBeGreaterThan(5);
  });

  it('tells onStep which refusals were the app\'s own, and only those', async () => {
    let own = 0;
    let others = 0;
    const { failed, message } = await check({
      stricter,
      onStep: ({ ownRules, answers }) => {
        ownRules.forEach((isOwn, n) => {
          const answer = answers[n]!;
          if (isOwn) {
            expect(answer.ok === false && ['NameTooLong', 'DomainNotAllowed'].includes(answer.errorType)).toBe(true);
            own++;
          } else if (!answer.ok) others++;
        });
        expect(ownRules).toHaveLength(answers.length);
      },
    });
    expect(failed, message).toBe(false);
    expect(own).toBeGreaterThan(5);
    expect(others).toBeGreaterThan(5); // the library's own refusals are not marked
  });

  it('still fails on a refusal `stricter` does not recognise', async () => {
    const { failed, message } = await check({ stricter: ({ answer }) => answer.errorType === 'NameTooLong' });
    expect(failed).toBe(true);
    expect(message).toMatch(/the model expected: ok.*\n\s+the system answered: DomainNotAllowed/);
  });

  it('gets the model before the step, and a copy: what it does to it changes nothing', async () => {
    const seen: (number | undefined)[] = [];
    const { failed, message } = await check({
      stricter: (refusal) => {
        seen.push(refusal.model?.agents.size);
        refusal.model?.agents.clear();
        return stricter(refusal);
      },
    });
    expect(failed, message).toBe(false);
    expect(seen.some((size) => size !== undefined && size >= 1)).toBe(true);
  });
});
