/**
 * examples/property-testing: the testing kit drives the example JSON API (examples/http-api)
 * over real loopback HTTP through `httpRosterDriver`, as a user's suite would drive their app.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEAT_POLICY } from 'agent-roster';
import { rosterProperty, type PlanInput } from 'agent-roster/testing';
import { httpRosterDriver } from '../../examples/property-testing/driver';
import { startToyApp, type ToyApp } from '../../examples/property-testing/toy-app';

let app: ToyApp;
beforeAll(async () => {
  app = await startToyApp();
});
afterAll(() => app.close());

describe('the kit against the example HTTP API', () => {
  it('plays random sequences, concurrent steps included, through HTTP: every outcome as the model predicts, every invariant after every step', async () => {
    const kinds = new Set<string>();
    await fc.assert(
      rosterProperty(() => httpRosterDriver(app.url), {
        // The API takes catalog plans by id only, and the host fixes the seat policy.
        plans: fc.constantFrom<PlanInput>('free', 'starter', 'pro', 'enterprise', 'custom'),
        seatPolicies: fc.constant(DEFAULT_SEAT_POLICY),
        onStep: ({ kind, outcomes }) => void kinds.add(`${kind}:${outcomes.join('|')}`),
      }),
      { numRuns: 150 },
    );
    expect(app.errors).toEqual([]);
    // The sequences went through the API's refusals as well as its successes.
    for (const reached of ['invite:ok', 'invite:EmailAlreadyExists', 'invite:SeatLimitReached', 'accept:ok', 'changeRole:OwnerMustStayAdmin', 'deleteAgent:OwnerCannotBeDeleted']) {
      expect([...kinds]).toContain(reached);
    }
  }, 120_000);
});
