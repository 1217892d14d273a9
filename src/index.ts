/**
 * agent-roster: the agent-management rules of a live-chat product as pure, typed commands, and
 * a roster that runs them against storage, email and identity ports.
 *
 * @packageDocumentation
 */
export * from './domain/index';
export * from './application/index';
export * from './adapters/memory/index';
// Internal: shared with agent-roster/postgres, which reaches the core only by its name.
export { WorkspaceTurns } from './adapters/workspace-turns';
export type * from './ports/index';
