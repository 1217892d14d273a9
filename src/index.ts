/**
 * agent-roster: the agent-management rules of a live-chat product as pure, typed commands, and
 * a roster that runs them against storage, email and identity ports.
 *
 * @packageDocumentation
 */
export * from './domain/index';
export * from './application/index';
export * from './adapters/memory/index';
export type * from './ports/index';
