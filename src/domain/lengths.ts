/**
 * String lengths in code points, the one measure the package uses, whichever zod the host has.
 * Not exported from the package (src/domain/index.ts leaves this module out).
 *
 * @module
 */
import * as z from 'zod';
import type { PasswordLengthError, PasswordPolicy } from './values';

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/**
 * Code points as `for…of` counts them (a pair is one, a lone surrogate is one), without iterating
 * (the string iterator costs ~10 ns a character here): each pair is replaced by one character.
 * ~25 ns a call on text without surrogates, where a test-first fast path took ~12 ns, for ~30 B
 * less in every bundle that checks a name, a description or a password.
 *
 * @example codePointLength('🔒🔒'); // 2 (4 UTF-16 code units)
 */
export function codePointLength(s: string): number {
  return s.replace(SURROGATE_PAIR, '.').length;
}

/**
 * A string of at most `max` code points, the same with every zod the peer range accepts: zod's
 * `.max` counts code points from 4.5 on but UTF-16 code units before 4.5 (4.3 and 4.4 in the peer range), where it refuses 101 to
 * 200 emoji under a maximum of 200 that 4.5 lets through. Only the first `2 × max + 1` units are
 * counted, which always hold more than `max` code points, so a multi-megabyte input costs no more
 * than a short one. The refusal is a `custom` issue with `message`; the bound is published as the
 * JSON Schema's `maxLength`, which counts code points too (a refinement alone publishes nothing).
 *
 * @example atMostCodePoints(200, 'Token is too long.').safeParse('🔒'.repeat(200)).success; // true
 */
export const atMostCodePoints = (max: number, message: string) =>
  z.string().refine((s) => codePointLength(s.slice(0, 2 * max + 1)) <= max, message).meta({ maxLength: max });

/** The shortest password any policy may allow: 8 code points, and only with a second factor (NIST SP 800-63B-4). */
export const SECOND_FACTOR_MIN = 8;

/**
 * Why a password's length is refused, or `undefined` when the policy takes it: `checkPassword`
 * without its Result and its error object, for `acceptInvitation`, which needs only the reason
 * (25 B less in its bundle). The pure commands take the policy as given, so whatever it says, a
 * password under {@link SECOND_FACTOR_MIN} is too short, and a bound that is no number (`NaN`
 * from a misread setting) refuses rather than lets anything through.
 *
 * @example passwordLengthRefusal('short', DEFAULT_PASSWORD_POLICY); // 'too-short'
 */
export function passwordLengthRefusal(password: string, policy: PasswordPolicy): PasswordLengthError['reason'] | undefined {
  const length = codePointLength(password);
  return !(length >= policy.minLength && length >= SECOND_FACTOR_MIN) ? 'too-short' : !(length <= policy.maxLength) ? 'too-long' : undefined;
}
