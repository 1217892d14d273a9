/**
 * The plan table both reference models (the pure-domain runner's and the roster commands') read.
 * DOMAIN.md's table, copied by hand rather than imported: a model must not share the code it
 * checks.
 *
 * @internal
 * @module
 */
import type { PlanInput } from './arbitraries';

/** Seats and departments per catalog plan; `null` is unlimited. */
const MODEL_CATALOG: Readonly<Record<string, readonly [number | null, number | null]>> = {
  free: [1, 1],
  starter: [3, 1],
  pro: [5, 5],
  enterprise: [20, 20],
  custom: [null, null],
};

/** A plan's `[seats, departments]` limits, or `undefined` for a plan id the catalog lacks. */
export function modelPlan(plan: PlanInput): readonly [number | null, number | null] | undefined {
  // Own keys only: a plan id such as `constructor` is just an unknown plan.
  return typeof plan === 'string' ? (Object.hasOwn(MODEL_CATALOG, plan) ? MODEL_CATALOG[plan] : undefined) : [plan.seats, plan.departments];
}
