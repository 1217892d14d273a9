/**
 * The plan table both reference models (the pure-domain runner's and the roster commands') read.
 * The plan table of the rules (docs/domain.md), copied by hand rather than imported: a model must not share the code it
 * checks.
 *
 * @internal
 * @module
 */
import type { PlanCatalog } from '../domain/plans';
import type { PlanInput } from './arbitraries';

/** Seats and departments per catalog plan; `null` is unlimited. */
const MODEL_CATALOG: Readonly<Record<string, readonly [number | null, number | null]>> = {
  free: [1, 1],
  starter: [3, 1],
  pro: [5, 5],
  enterprise: [20, 20],
  custom: [null, null],
};

/**
 * A plan's `[seats, departments]` limits, or `undefined` for a plan id the catalog lacks. Ids
 * resolve against `catalog` when given (a host's own catalog, as `createRoster({ plans })` takes
 * it), else against the library's table above.
 */
export function modelPlan(plan: PlanInput, catalog?: PlanCatalog): readonly [number | null, number | null] | undefined {
  if (typeof plan !== 'string') return [plan.seats, plan.departments];
  // Own keys only: a plan id such as `constructor` is just an unknown plan.
  if (catalog === undefined) return Object.hasOwn(MODEL_CATALOG, plan) ? MODEL_CATALOG[plan] : undefined;
  // A catalog entry whose id is not its key is no plan at all (the roster refuses it too).
  const entry = Object.hasOwn(catalog, plan) ? catalog[plan] : undefined;
  return entry !== undefined && entry.id === plan ? [entry.seats, entry.departments] : undefined;
}
