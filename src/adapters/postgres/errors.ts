import type { CommitOutcome } from '../../ports/store';

/** The fields of a PostgreSQL error that `pg` (and PGlite's connector) put on the thrown error. */
type PostgresError = Readonly<{ code?: unknown; constraint?: unknown; message?: unknown }>;

// The words the memory store uses for each uniqueness rule, so both stores explain alike.
const RULE_OF_CONSTRAINT: ReadonlyMap<string, string> = new Map([
  ['email_claims_pkey', 'email'],
  ['agents_email_key', 'email'],
  ['invitations_token_hash_key', 'token'],
  ['departments_name_key', 'dept-name'],
]);

/**
 * SQLSTATEs that mean "someone else got there first; reload and decide again":
 * serialization failure, deadlock, and a lock wait cut short by a host's `lock_timeout`.
 */
const RETRYABLE = new Set(['40001', '40P01', '55P03']);

/**
 * The outcome a failed commit stands for, or `null` when the failure is not a conflict (the
 * connection died, a bug broke a foreign key…) and must surface as an error.
 *
 * @example conflictOf({ code: '23505', constraint: 'email_claims_pkey' }) // unique-violation, 'email'
 */
export function conflictOf(error: unknown): CommitOutcome | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, constraint, message } = error as PostgresError;
  if (code === '23505') {
    const name = typeof constraint === 'string' ? constraint : '';
    return { committed: false, reason: 'unique-violation', detail: RULE_OF_CONSTRAINT.get(name) ?? (name || String(message)) };
  }
  if (typeof code === 'string' && RETRYABLE.has(code)) {
    return { committed: false, reason: 'stale-version', detail: `${String(message)} (SQLSTATE ${code})` };
  }
  return null;
}
