/**
 * agent-roster: the agent-management rules of a live-chat product as pure, typed commands.
 *
 * @packageDocumentation
 */
export * from './domain/index';
