/**
 * What a `capacities` key that is not an agent id is told: by the schema's record for a key like
 * `bob`, and by `configureRouting` for `__proto__`, which zod's record skips (see there). Not
 * re-exported: a message, not API.
 *
 * @internal
 */
export const CAPACITY_KEY_MESSAGE = 'must be an agent id like "agt_…": capacities are keyed by agent id';
