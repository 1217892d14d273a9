/**
 * `agent-roster/testing`: a kit for property-testing your own app around agent-roster's rules.
 *
 * - **Arbitraries** of every value object (`emailArb`, `personNameArb`, `planArb`, …) and of
 *   aggregates in valid states (`workspaceArb`, `agentArb`, `invitationArb`, `departmentArb`).
 * - **Model-based commands** for `fc.commands`: against the pure domain (`domainStepsArb`,
 *   `runDomainSequence`), against our application layer on any store (`rosterDriver`), and
 *   against your own system through a small {@link RosterDriver} you implement
 *   (`rosterProperty`).
 * - **`checkInvariants(snapshot)`**: every invariant of the rules (docs/domain.md), each violation explained.
 * - **Given / when / then** (`given`) and **object mothers** (`aWorkspace`, `anAgent`, `rosterOf`, …).
 * - **`describeStoreContract`**: the contract tests for a `RosterStore` of your own.
 *
 * `fast-check` is an optional peer dependency: install it next to your test runner.
 *
 * @example
 * import fc from 'fast-check';
 * import { rosterDriver, rosterProperty } from 'agent-roster/testing';
 * await fc.assert(rosterProperty(() => rosterDriver()), { numRuns: 100 });
 *
 * @packageDocumentation
 */
export * from './arbitraries';
export * from './domain-steps';
export * from './domain-model';
export * from './mothers';
export * from './scenario';
export * from './store-contract';
export * from './driver';
export * from './commands';
export * from './roster-driver';
export * from './workspace-arb';
export { checkRoster, checkHistory, type InvariantViolation } from '../domain/invariants';
