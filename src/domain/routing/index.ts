/**
 * Routing: who gets a conversation. One routing state per queue (a department's, or the
 * workspace-wide one), with pure commands in the decider shape:
 * `(state, input, { now }) → Result<{ state, events }, RoutingError>`.
 *
 * - {@link routeConversation} assigns a new conversation or queues it, saying why it waits;
 * - {@link closeConversation} and {@link transferConversation} move it afterwards; {@link closeQueue}
 *   closes everything a queue holds when its department is deleted;
 * - {@link syncAgent} (and {@link syncAgents}, several at once) feeds roster changes in (activate, deactivate, availability, departments,
 *   delete), requeuing or draining as the rules say;
 * - {@link configureRouting} picks round-robin or least-busy and sets capacities;
 * - {@link evolveRouting} / {@link replayRouting} rebuild state from events;
 * - {@link availabilityBoard} is the admins' at-a-glance read model.
 *
 * @packageDocumentation
 */
export * from './state';
export type { Buckets } from './buckets';
export * from './errors';
export * from './events';
export { replayRouting, evolveRouting } from './evolve';
export type { RoutingDecision, RoutingContext } from './decider';
export * from './schemas';
export * from './conversations';
export * from './agents';
export { configureRouting, type ConfigureRoutingError } from './configure';
export * from './board';
export * from './check';
