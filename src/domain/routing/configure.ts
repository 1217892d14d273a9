import { err, ok, type Result } from 'neverthrow';
import * as z from 'zod';
import { parseInput, validationFailed } from '../command';
import type { ValidationFailed } from '../errors';
import { Decider, type RoutingContext, type RoutingDecision } from './decider';
import { CAPACITY_KEY_MESSAGE } from './messages';
import { configureRoutingSchema, type ConfigureRoutingInput } from './schemas';
import type { RoutingConfig, RoutingState } from './state';

/** Errors of {@link configureRouting}. */
export type ConfigureRoutingError = ValidationFailed;

/**
 * Changes a queue's strategy, default capacity or per-agent capacities. A raised capacity lets
 * waiting conversations be served at once; a lowered one takes nothing away from anybody, it only
 * stops new conversations until the agent is under it again.
 *
 * Every key of `capacities` must be an agent id: `{ "__proto__": 3 }` (as `JSON.parse` gives it)
 * is refused like `{ "bob": 3 }`, with the field named (`capacities.__proto__`), rather than
 * silently dropped as zod's record would. This pure command does not know the workspace's
 * agents: `roster.configureRouting` refuses a key of another workspace or of nobody
 * (`AgentNotFound`); a host calling this directly checks its keys itself.
 *
 * Cost: nobody is sorted again. New `capacities` alone: O(m + k log n) for m overrides and k
 * agents who gain or lose room; a new default capacity or strategy: O(n) without comparisons,
 * plus O(k log n). Nothing changed: no event, O(m log m) to see it.
 *
 * @example configureRouting(sales, { strategy: 'least-busy', capacity: 3 }, { now })
 */
export function configureRouting(
  state: RoutingState,
  input: ConfigureRoutingInput,
  context: RoutingContext,
): Result<RoutingDecision, ConfigureRoutingError> {
  return parseRoutingConfig(input).andThen((i) => decideRoutingConfig(state, i, context));
}

/**
 * {@link configureRouting}'s input checks alone, for the roster, which checks the whole input
 * before it loads the actor (docs/errors.md: input first, then the actor). The caller's input is
 * read once, into plain own data (`parseInput` with a schema that takes anything); the
 * `__proto__` check and the schema then both read that copy, so a getter cannot show them
 * different values.
 *
 * @internal
 */
export function parseRoutingConfig(input: unknown): Result<RoutingConfigInput, ValidationFailed> {
  return parseInput(ANYTHING, input).andThen((data) => {
    const parsed = parseInput(configureRoutingSchema, data);
    if (hasProtoCapacity(data)) {
      const issues = parsed.isErr() ? parsed.error.issues : [];
      return err(validationFailed([...issues, { path: 'capacities.__proto__', message: CAPACITY_KEY_MESSAGE }]));
    }
    return parsed;
  });
}

/** A checked {@link ConfigureRoutingInput}. @internal */
export type RoutingConfigInput = z.output<typeof configureRoutingSchema>;

const ANYTHING = /* @__PURE__ */ z.unknown();

/**
 * Whether the (copied) input's `capacities` has an own `__proto__` key. Zod's record skips that
 * key before its key schema sees it, and refinements read the parsed record, where it is gone;
 * so it is looked for here, on the copy `parseInput` made (which keeps it as an own property).
 */
function hasProtoCapacity(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, 'capacities')) return false;
  const capacities = (data as { capacities: unknown }).capacities;
  return typeof capacities === 'object' && capacities !== null && Object.hasOwn(capacities, '__proto__');
}

/** {@link configureRouting} once its input is checked ({@link parseRoutingConfig}). Never fails. @internal */
export function decideRoutingConfig(state: RoutingState, i: RoutingConfigInput, context: RoutingContext): Result<RoutingDecision, never> {
  const current = state.config;
  const capacities = i.capacities ?? current.capacities ?? {};
  const config: RoutingConfig = {
    strategy: i.strategy ?? current.strategy,
    capacity: i.capacity === undefined ? current.capacity : i.capacity,
    ...(Object.keys(capacities).length > 0 ? { capacities: sortedKeys(capacities) } : {}),
  };
  if (sameConfig(config, current)) return ok({ state, events: [] });
  const decider = new Decider(state, context);
  decider.emit('RoutingConfigured', { departmentId: state.departmentId, config });
  return ok(decider.finish());
}

function sortedKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sameConfig(a: RoutingConfig, b: RoutingConfig): boolean {
  const normal = (c: RoutingConfig) =>
    JSON.stringify([c.strategy, c.capacity, Object.entries(sortedKeys(c.capacities ?? {}))]);
  return normal(a) === normal(b);
}
