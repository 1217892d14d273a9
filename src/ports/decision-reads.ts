/**
 * The names of the reads a use case decides on (`DecisionReads`). Internal: not re-exported from
 * the package. It lives apart from store.ts, whose types the package re-exports with
 * `export type *`: a declaration bundler turned this constant into a value export there, which
 * users' code compiled against and then failed to import.
 *
 * @module
 */
import type { DecisionReads } from './store';

/**
 * The names of {@link DecisionReads}, for code that hands a session's reads to a store as they
 * are (the in-memory store's sessions, test stand-ins).
 */
export const DECISION_READS = [
  'loadWorkspace',
  'loadAgent',
  'loadInvitation',
  'findInvitationByTokenHash',
  'loadDepartments',
  'emailHolder',
  'departmentNameTaken',
  'departmentMembers',
  'loadRoutingStates',
  'lapsedInvitations',
  'versionsCurrent',
] as const satisfies readonly (keyof DecisionReads)[];
