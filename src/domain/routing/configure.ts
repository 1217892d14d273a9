import { ok, type Result } from 'neverthrow';
import { parseInput } from '../command';
import type { ValidationFailed } from '../errors';
import { Decider, type RoutingContext, type RoutingDecision } from './decider';
import { configureRoutingSchema, type ConfigureRoutingInput } from './schemas';
import type { RoutingConfig, RoutingState } from './state';

/** Errors of {@link configureRouting}. */
export type ConfigureRoutingError = ValidationFailed;

/**
 * Changes a queue's strategy, default capacity or per-agent capacities. A raised capacity lets
 * waiting conversations be served at once; a lowered one takes nothing away from anybody, it only
 * stops new conversations until the agent is under it again.
 *
 * Cost: O(n) in the queue's members (the index is re-sorted for the new rules).
 *
 * @example configureRouting(sales, { strategy: 'least-busy', capacity: 3 }, { now })
 */
export function configureRouting(
  state: RoutingState,
  input: ConfigureRoutingInput,
  context: RoutingContext,
): Result<RoutingDecision, ConfigureRoutingError> {
  return parseInput(configureRoutingSchema, input).andThen((i) => {
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
  });
}

function sortedKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sameConfig(a: RoutingConfig, b: RoutingConfig): boolean {
  const normal = (c: RoutingConfig) =>
    JSON.stringify([c.strategy, c.capacity, Object.entries(sortedKeys(c.capacities ?? {}))]);
  return normal(a) === normal(b);
}
