import * as z from 'zod';
import { pure } from './pure';

/** A limit on seats or departments; `null` means unlimited. */
export type Limit = number | null;

/** What a workspace pays for: how many agent seats and departments it may have. */
export type Plan = Readonly<{ id: string; seats: Limit; departments: Limit }>;

// A plan needs a seat for its owner (under the default seat policy; an inactive owner takes none
// when inactive agents are not counted); a plan may allow no departments. The union's message
// names both choices where zod's own would be "Invalid input" (`'3'`, `3.5`: no branch takes them).
const LIMIT_MESSAGE = 'must be a whole number, or null for no limit';
const seatLimitSchema = /* @__PURE__ */ pure(() => z.union([z.number().int().min(1).max(1_000_000), z.null()], LIMIT_MESSAGE));
const departmentLimitSchema = /* @__PURE__ */ pure(() => z.union([z.number().int().min(0).max(1_000_000), z.null()], LIMIT_MESSAGE));
const PLAN_ID_MESSAGE = 'must be a plan id like "team-12"';
/**
 * A plan by its id alone: the plan input of a roster without `allowInlinePlans` (the default),
 * which refuses a plan given inline. Use it where such a host validates or publishes a request
 * (`changePlanSchema.extend({ plan: planIdSchema })`): {@link planSchema}'s JSON Schema offers the
 * inline plan too, which that roster answers with `ValidationFailed`. An id the catalog lacks is
 * still `PlanNotFound`, from the command.
 *
 * @example planIdSchema.safeParse('pro').success // true; { id: 'team-12', seats: 12, departments: 3 } is refused
 */
export const planIdSchema = /* @__PURE__ */ z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, PLAN_ID_MESSAGE);
/**
 * A plan given as data: a catalog entry, or an inline plan where a roster allows them. Exactly
 * `id`, `seats` and `departments`; `createRoster` checks every catalog entry with it.
 *
 * @example inlinePlanSchema.safeParse({ id: 'team-12', seats: 12, departments: 3 }).success // true
 */
export const inlinePlanSchema = /* @__PURE__ */ z.strictObject({ id: planIdSchema, seats: seatLimitSchema, departments: departmentLimitSchema });

/**
 * zod refuses an input that no branch of a union takes with one issue, "Invalid input", at the
 * union's own path whenever every branch failed in a way that stops it: `{ id: 'custom', seats:
 * '3', … }` would be refused at `plan`, though it is plainly an inline plan with a bad seat count.
 * This puts in that issue's place the inline plan branch's issues when any of them is inside the
 * value (`seats`), that is when the input was an object, the inline plan's kind. A plan id's
 * issues never are; a value of neither kind (`5`, `null`) keeps the one issue.
 *
 * It runs as a refinement's `when`, the one hook zod calls on a union after its own issue (a
 * check or refinement is skipped once an issue stops the parse); `false` leaves the refinement
 * itself unrun.
 */
function reportMeantBranch(payload: z.core.ParsePayload): false {
  const [issue] = payload.issues;
  const inline = issue?.code === 'invalid_union' ? issue.errors[1] : undefined;
  if (inline?.some((i) => i.path.length)) payload.issues = inline as z.core.$ZodRawIssue[];
  return false;
}

/**
 * A plan given inline (a host's custom plan) or by the id of a catalog plan. A bad inline plan is
 * refused at its field (`plan.seats`), a value of neither kind at `plan`.
 *
 * @example planSchema.parse('pro'); planSchema.parse({ id: 'team-12', seats: 12, departments: 3 })
 */
export const planSchema = /* @__PURE__ */ pure(() =>
  z.union([planIdSchema, inlinePlanSchema], PLAN_ID_MESSAGE).refine(() => true, { when: reportMeantBranch }),
);

/** Plans by id. */
export type PlanCatalog = Readonly<Record<string, Plan>>;

/**
 * The catalog from the KonnectBot help article (seed 004), ready to use or to replace.
 *
 * @example PLANS.pro // { id: 'pro', seats: 5, departments: 5 }
 */
export const PLANS = {
  free: { id: 'free', seats: 1, departments: 1 },
  starter: { id: 'starter', seats: 3, departments: 1 },
  pro: { id: 'pro', seats: 5, departments: 5 },
  enterprise: { id: 'enterprise', seats: 20, departments: 20 },
  custom: { id: 'custom', seats: null, departments: null },
} as const satisfies PlanCatalog;

/**
 * Which agents take a seat. Defaults (the rules, docs/domain.md): every agent counts, active or not, and every
 * pending invitation holds a seat until it is accepted, revoked or expired.
 */
export type SeatPolicy = Readonly<{ countInactiveAgents: boolean; reserveSeatsForInvitations: boolean }>;

/** @example DEFAULT_SEAT_POLICY.countInactiveAgents // true */
export const DEFAULT_SEAT_POLICY: SeatPolicy = { countInactiveAgents: true, reserveSeatsForInvitations: true };

/**
 * Resolves a plan reference against a catalog; `undefined` when the id is not in it, or the
 * catalog's entry is not a valid plan or has another id than its key (a host's catalog is checked
 * like any input: a workspace asking for `team` must not get a plan whose id says `pro`).
 */
export function resolvePlan(ref: z.output<typeof planSchema>, catalog: PlanCatalog): Plan | undefined {
  if (typeof ref !== 'string') return ref;
  if (!Object.hasOwn(catalog, ref)) return undefined;
  const plan = inlinePlanSchema.safeParse(catalog[ref]);
  return plan.success && plan.data.id === ref ? plan.data : undefined;
}

/** True when `used` fits under `limit`. */
export function withinLimit(used: number, limit: Limit): boolean {
  return limit === null || used <= limit;
}
