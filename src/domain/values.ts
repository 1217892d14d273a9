/**
 * Value objects shared by every command: e-mail addresses, person and
 * department names, free-text descriptions and the password policy.
 *
 * This module is deliberately runtime-neutral (no `node:` imports, no clock,
 * no randomness) so the same rules run in browsers, Deno, Bun and edge
 * workers. The only platform facility it leans on is the WHATWG `URL`
 * global, which every one of those runtimes ships, for IDNA conversion.
 *
 * @module
 */
import * as z from 'zod';
import { err, ok } from 'neverthrow';
import type { Result } from 'neverthrow';
import { codePointLength, passwordLengthRefusal, SECOND_FACTOR_MIN } from './lengths';
import { pure } from './pure';

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/**
 * The context zod gives a transform. The checks below are transforms: each returns the canonical
 * value, or refuses with {@link refuse}.
 */
type Ctx = z.RefinementCtx<string>;

/**
 * Refuses the value with a message for the user: a custom issue, as zod's own refinements make,
 * and no output. The checks refuse through zod's context directly rather than return a refusal for
 * a wrapper to pass on: no object per refusal, no wrapper call per value, and ~30 B less in every
 * bundle that parses an address or a name (ADR 0022, fourth pass).
 */
function refuse(ctx: Ctx, message: string): never {
  ctx.addIssue(message);
  return z.NEVER;
}

/**
 * Inputs far beyond any legitimate length are refused before normalisation
 * so a hostile multi-megabyte payload costs almost nothing to turn away.
 */
const HARD_INPUT_LIMIT = 4096;

// What each kind of text refuses outright, as one character class each, so that one search finds
// the first offending code point and the message can name it. Cc: control characters (tab, line
// feed, NUL, DEL, C1). Cf: format characters, which render as nothing (zero-width space, BOM,
// bidirectional controls, soft hyphen). Cs: unpaired surrogates, which cannot be encoded as UTF-8,
// so storage and e-mail transport would mangle them silently. Zl/Zp: line and paragraph
// separators. Default-ignorable code points (Hangul fillers, variation selectors, combining
// grapheme joiner, ...) render as nothing too; in an address they only serve to make two visually
// identical mailboxes compare different. A name keeps them: variation selectors write a Mongolian
// letter's form, a Japanese surname's registered glyph or an emoji's colour, and Hangul fillers
// and the grapheme joiner belong to old Hangul and Hebrew. What a name must have is something to
// see (VISIBLE): one of fillers, selectors and combining marks alone shows blank.
const EMAIL_REFUSES = /[\p{Cc}\p{Cf}\p{Cs}\p{White_Space}\p{Default_Ignorable_Code_Point}]/u;
const NAME_REFUSES = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// U+2800, the braille blank, is a letter nobody sees that is not default-ignorable.
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/u;
// Format characters that do draw something, stood in for by an `x` before the refusing rule runs:
// a zero-width joiner or non-joiner after a character that is neither a format character nor a
// space and before one that is not a mark either (emoji sequences such as 👩‍💻 and 🏳️‍🌈,
// Sinhala and Malayalam conjuncts, Persian word forms), and a subdivision flag's tags (🏴, 3-7
// lower-case tag letters or digits, the cancel tag: Scotland's is 🏴 + "gbsct"). Alone, at either
// end, doubled, beside a space or before a mark they are still refused, as are other tags (tag
// capitals and punctuation spell hidden text). Stood in for, not removed: removed, a joiner
// between the two halves of a broken surrogate pair would join them into a character the
// refusing rule passes.
const DRAWN_FORMAT =
  /([^\p{Cf}\p{White_Space}])[\u200C\u200D](?=[^\p{Cf}\p{White_Space}\p{M}])|\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{3,7}\u{E007F}/gu;
const DESCRIPTION_REFUSES = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}]/u;

/** WHATWG "ASCII whitespace": TAB, LF, FF, CR, SPACE. */
const ASCII_WHITESPACE = /[\t\n\f\r ]/;
/** Every White_Space code point is in the BMP, so a per-code-unit test is exact. */
const UNICODE_WHITESPACE = /\p{White_Space}/u;

/**
 * Trims the code units `space` matches (one at a time) rather than with `String.prototype.trim`,
 * because `trim` also strips U+FEFF (a format character we must refuse, not hide) and a
 * `/\s+$/` regex backtracks quadratically on long inner runs.
 */
function trimWith(s: string, space: RegExp): string {
  let start = 0;
  let end = s.length;
  while (start < end && space.test(s[start]!)) start++;
  while (end > start && space.test(s[end - 1]!)) end--;
  return s.slice(start, end);
}


/**
 * UTF-8 octets of `s`: `encodeURI` writes each octet of a character it escapes as `%XX` and keeps
 * the others, all ASCII, as one character each. Shorter than a loop over code points and as fast on
 * ASCII, the common case (slower on non-ASCII text, 0.35 µs for ten characters, where a
 * `TextEncoder` costs 0.3 µs on any input). Only called on strings already known to hold no
 * unpaired surrogates, on which `encodeURI` would throw.
 */
function utf8Length(s: string): number {
  return encodeURI(s).replace(/%../g, '.').length;
}

function describeCodePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A rule a value must not break: a pattern that must not match, and the message when it does.
 * `%` in the message stands for the code point the pattern matched first, as `U+0020`.
 */
type Rule = readonly [pattern: RegExp, message: string];

/**
 * The message of the first rule `s` breaks, or `undefined`. Rules as data rather than one `if`
 * each: the email rules ship in every bundle that parses an address, and a rule that is a pattern
 * and a message has no code of its own to ship.
 */
function broken(s: string, rules: readonly Rule[]): string | undefined {
  for (const [pattern, message] of rules) {
    const found = pattern.exec(s);
    if (found !== null) return message.replace('%', () => describeCodePoint(found[0]));
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------

/**
 * A canonical e-mail key: trimmed, NFC, lower-case, domain in ASCII (IDNA).
 * Two addresses a person would consider "the same mailbox" modulo case and
 * IDNA spelling produce the same `Email`; plus-tags and dots are kept.
 *
 * @example
 * const e: Email = emailSchema.parse('Ana@Shop.com'); // 'ana@shop.com'
 */
export type Email = string & z.BRAND<'Email'>;

const MAX_LOCAL_OCTETS = 64;
const MAX_ADDRESS_OCTETS = 254;

/**
 * On the trimmed input, before anything else: what it may contain, then its one "@". The "@" rules
 * give the same answer on the canonical address (NFC composes nothing with "@", and neither NFC
 * nor lower-casing removes a character), so they run here, with the others.
 */
const ADDRESS: readonly Rule[] = [
  [/^$/, 'Email address is required.'],
  [EMAIL_REFUSES, 'Email address must not contain spaces, control or invisible characters (found %).'],
  [/^[^@]*$/, 'Email address must contain "@".'],
  [/@[^@]*@/, 'Email address must contain exactly one "@".'],
  [/^@/, 'Email address is missing the part before "@".'],
  [/@$/, 'Email address is missing the domain after "@".'],
];

/**
 * On the part before "@". Allowed: RFC 5322 atext, dots between atoms, and Unicode letters, marks
 * and digits (RFC 6531 mailboxes; ASCII letters and digits are among them).
 */
const LOCAL_PART: readonly Rule[] = [
  [/^"/, 'Quoted email addresses are not supported.'],
  [/^\./, 'Email address must not start with a dot.'],
  [/\.$/, 'Email address must not have a dot right before "@".'],
  [/\.\./, 'Email address must not contain consecutive dots.'],
  [/[^.!#$%&'*+/=?^_`{|}~\-\p{L}\p{M}\p{N}]/u, 'Email address contains a character that is not allowed before "@" (%).'],
];

const TWO_LABELS: Rule = [/^[^.]*$/, 'Email domain must have at least two labels, such as "example.com".'];

/**
 * On the domain as typed, before IDNA: only letters, marks, digits, dots and hyphens. Anything
 * else (':', '/', '%', '@', '_', ...) would either be reinterpreted by the URL parser or is not a
 * hostname. The URL parser keeps the dots typed (empty labels, a trailing dot), so the label rules
 * run on its result; the two labels are required of the typed domain as well, because IDNA maps a
 * few digits-with-a-stop ('⒈' → '1.') to a dot that was not typed.
 */
const DOMAIN: readonly Rule[] = [
  [/[[\]]/, 'Email domain must be a name, not an IP-address literal.'],
  [/[^\p{L}\p{M}\p{N}.-]/u, 'Email domain contains a character that is not allowed in a domain name (%).'],
  TWO_LABELS,
];

/**
 * On the domain after IDNA. The URL parser is lenient (IPv4 shorthands, '_' etc.), so its result
 * is re-validated as a plain LDH DNS name rather than trusted.
 */
const HOST: readonly Rule[] = [
  [/\.$/, 'Email domain must not end with a dot.'],
  TWO_LABELS,
  [/^\.|\.\./, 'Email domain has an empty label.'],
  [/[^.]{64}/, 'Email domain has a label longer than 63 characters.'],
  [/[^a-z0-9.-]/, 'Email domain is not a plain DNS host name.'],
  [/(^|\.)-|-(\.|$)/, 'Email domain labels must not start or end with a hyphen.'],
  [/\.[0-9]+$/, 'Email domain must be a name, not an IP address.'],
];

function canonicalEmail(raw: string, ctx: Ctx): string {
  if (raw.length > HARD_INPUT_LIMIT) return refuse(ctx, 'Email address is too long.');
  const trimmed = trimWith(raw, ASCII_WHITESPACE);
  const textRefused = broken(trimmed, ADDRESS);
  if (textRefused) return refuse(ctx, textRefused);

  // NFC, lower case, and NFC once more on the lower-cased text, so that the 'İ' → 'i̇' style
  // expansions of lower-casing are measured and validated exactly as they will be stored, which is
  // what makes canonicalisation idempotent.
  const [local, domain] = trimmed.normalize('NFC').toLowerCase().normalize('NFC').split('@') as [string, string];
  const refused = broken(local, LOCAL_PART) ?? broken(domain, DOMAIN);
  if (refused) return refuse(ctx, refused);
  const localOctets = utf8Length(local);
  if (localOctets > MAX_LOCAL_OCTETS) {
    return refuse(ctx, `The part before "@" must be at most ${MAX_LOCAL_OCTETS} bytes.`);
  }

  let host: string;
  try {
    host = new URL(`http://${domain}`).hostname;
  } catch {
    return refuse(ctx, 'Email domain is not a valid internationalized domain name.');
  }
  const hostRefused = broken(host, HOST);
  if (hostRefused) return refuse(ctx, hostRefused);
  if (localOctets + 1 + host.length > MAX_ADDRESS_OCTETS) {
    return refuse(ctx, `Email address must be at most ${MAX_ADDRESS_OCTETS} bytes.`);
  }
  return `${local}@${host}`;
}

/**
 * Parses and canonicalises an e-mail address. Input is `string`, output is
 * the canonical {@link Email} key. Never throws: refusals are zod issues
 * with a human-readable message.
 *
 * @example
 * emailSchema.parse('  ANA@bücher.de ');          // 'ana@xn--bcher-kva.de'
 * emailSchema.safeParse('a@localhost').success;   // false
 */
export const emailSchema = /* @__PURE__ */ pure(() => z
  .string()
  .transform(canonicalEmail)
  .brand<'Email'>());

/**
 * {@link emailSchema} as a `Result`, for callers that prefer values to
 * exceptions. The error is the first human-readable refusal message.
 *
 * @example
 * parseEmail('Ana@Shop.com').map(String); // ok('ana@shop.com')
 * parseEmail(42).isErr();                 // true
 */
export function parseEmail(raw: unknown): Result<Email, string> {
  const parsed = emailSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  return err(parsed.error.issues[0]?.message ?? 'Invalid email address.');
}

// ---------------------------------------------------------------------------
// Names and descriptions
// ---------------------------------------------------------------------------

/**
 * The rules every name and description shares: at most `maxCodePoints` after trimming (Unicode
 * whitespace) and NFC, no character `refuses` matches, and not empty unless `emptyOk`.
 */
function boundedText(label: string, maxCodePoints: number, refuses: RegExp, what: string, emptyOk = false) {
  const tooLong = `${label} must be at most ${maxCodePoints} characters.`;
  return (raw: string, ctx: Ctx): string => {
    if (raw.length > HARD_INPUT_LIMIT) return refuse(ctx, tooLong);
    const trimmed = trimWith(raw, UNICODE_WHITESPACE);
    if (!emptyOk && !VISIBLE.test(trimmed)) return refuse(ctx, `${label} must not be empty.`);
    // The stand-ins only when something is refused at all: most names hold no format character,
    // and the replace cost ~200 ns a name (a name's parse went from 140 to 340 ns).
    const bad = refuses.test(trimmed) ? refuses.exec(trimmed.replace(DRAWN_FORMAT, '$1x')) : null;
    if (bad !== null) return refuse(ctx, `${label} must not contain ${what} (found ${describeCodePoint(bad[0])}).`);
    const normalized = trimmed.normalize('NFC');
    return codePointLength(normalized) > maxCodePoints ? refuse(ctx, tooLong) : normalized;
  };
}

const NAME_REFUSAL = 'tabs, line breaks or invisible characters';

/**
 * A person's display name: trimmed, NFC, 1–100 code points, no invisible or
 * control characters. Case and inner spacing are preserved as typed.
 *
 * @example
 * const n: PersonName = personNameSchema.parse('  José Ñúñez '); // 'José Ñúñez'
 */
export type PersonName = string & z.BRAND<'PersonName'>;

/**
 * Parses a {@link PersonName}. Never throws.
 *
 * @example
 * personNameSchema.safeParse('Zoë O\'Connor-Smith').success; // true
 * personNameSchema.safeParse('a\u200Bb').success;            // false
 */
export const personNameSchema = /* @__PURE__ */ pure(() => z
  .string()
  .transform(boundedText('Name', 100, NAME_REFUSES, NAME_REFUSAL))
  .brand<'PersonName'>());

/**
 * A department's display name: same rules as {@link PersonName}, 1–60 code
 * points. Use {@link nameKey} to compare two names for uniqueness.
 *
 * @example
 * const d: DepartmentName = departmentNameSchema.parse('Sales EMEA');
 */
export type DepartmentName = string & z.BRAND<'DepartmentName'>;

/**
 * Parses a {@link DepartmentName}. Never throws.
 *
 * @example
 * departmentNameSchema.safeParse(' Billing ').data; // 'Billing'
 */
export const departmentNameSchema = /* @__PURE__ */ pure(() => z
  .string()
  .transform(boundedText('Department name', 60, NAME_REFUSES, NAME_REFUSAL))
  .brand<'DepartmentName'>());

const MAX_DESCRIPTION = 500;

const descriptionText = /* @__PURE__ */ boundedText(
  'Description',
  MAX_DESCRIPTION,
  DESCRIPTION_REFUSES,
  'control or invisible characters other than a line feed',
  true,
);

function canonicalDescription(raw: string, ctx: Ctx): string {
  // Windows line endings are normalised so the same text typed on any OS
  // stores identically; a lone CR is still refused as a control character.
  return descriptionText(raw.length > HARD_INPUT_LIMIT ? raw : raw.replace(/\r\n/g, '\n'), ctx);
}

/**
 * Optional free text (0–500 code points): trimmed, NFC, `\r\n` → `\n`;
 * line breaks are allowed, other control and format characters are not.
 *
 * @example
 * descriptionSchema.parse('Handles refunds.\r\nEU only.\n'); // 'Handles refunds.\nEU only.'
 */
export const descriptionSchema: z.ZodType<string, string> = /* @__PURE__ */ pure(() => z.string().transform(canonicalDescription));

/**
 * Case-insensitive comparison key for department names, so "Sales", "SALES"
 * and "sales" (and "Straße"/"STRASSE") cannot coexist in one workspace.
 *
 * JavaScript has no locale-free case *folding*; lower → upper → lower
 * approximates Unicode full folding (the first lower-casing is needed so that
 * 'ẞ' and 'ß' reach the same 'ss'). It is locale-independent on purpose:
 * a key must not change with the server's locale. The name schemas hand it
 * names already trimmed and NFC; it trims (Unicode white space, as they do)
 * and normalises too, so that a caller comparing a raw name as typed
 * (" sales ", with a no-break or ideographic space) gets the key the stored
 * department has.
 *
 * @example
 * nameKey('Straße') === nameKey('STRASSE'); // true
 * nameKey('\u00A0Sales ') === nameKey('sales'); // true
 */
export function nameKey(name: string): string {
  return trimWith(name, UNICODE_WHITESPACE).normalize('NFC').toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}

// ---------------------------------------------------------------------------
// Passwords (NIST SP 800-63B-4)
// ---------------------------------------------------------------------------

/**
 * Length bounds for passwords, in Unicode code points. NIST SP 800-63B-4
 * forbids composition rules, so length is the only thing a policy sets.
 *
 * @example
 * const p: PasswordPolicy = { minLength: 15, maxLength: 256 };
 */
export type PasswordPolicy = Readonly<{ minLength: number; maxLength: number }>;

const SINGLE_FACTOR_MIN = 15;
const MIN_ALLOWED_MAX = 64;
// A policy maximum above 4096 code points is refused as pointless; passwordSchema's abuse guard
// lets through every password of up to 8192 code points, so any maximum a policy may have is
// reachable, and going over it is a WeakPassword, not a ValidationFailed.
const MAX_ALLOWED_MAX = HARD_INPUT_LIMIT;

/**
 * The NIST SP 800-63B-4 default for a password used as a single factor:
 * at least 15 code points, and at least 64 (here 256) must be accepted.
 *
 * @example
 * checkPassword('correct horse battery staple', DEFAULT_PASSWORD_POLICY).isOk(); // true
 */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = /* @__PURE__ */ Object.freeze({ minLength: SINGLE_FACTOR_MIN, maxLength: 256 });

/**
 * Builds a validated {@link PasswordPolicy}. `secondFactor: true` lowers the
 * default minimum to 8, as NIST allows when the password is only one factor
 * of a multi-factor login. Explicit bounds must be integers with
 * `minLength ≥ 8`, `maxLength ≥ 64`, `maxLength ≥ minLength` and
 * `maxLength ≤ 4096`.
 *
 * @example
 * passwordPolicy({ secondFactor: true });  // ok({ minLength: 8, maxLength: 256 })
 * passwordPolicy({ minLength: 4 }).isErr(); // true
 */
export function passwordPolicy(
  options?: { secondFactor?: boolean | undefined; minLength?: number | undefined; maxLength?: number | undefined },
): Result<PasswordPolicy, string> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    return err('Password policy options must be an object.');
  }
  const secondFactor: unknown = options?.secondFactor;
  if (secondFactor !== undefined && typeof secondFactor !== 'boolean') {
    return err('Password policy secondFactor must be a boolean.');
  }
  const minLength: unknown = options?.minLength ?? (secondFactor === true ? SECOND_FACTOR_MIN : SINGLE_FACTOR_MIN);
  const maxLength: unknown = options?.maxLength ?? DEFAULT_PASSWORD_POLICY.maxLength;

  // NIST SP 800-63B-4: 15 for a password used alone, 8 only when a second factor backs it.
  const floor = secondFactor === true ? SECOND_FACTOR_MIN : SINGLE_FACTOR_MIN;
  if (typeof minLength !== 'number' || !Number.isInteger(minLength) || minLength < floor) {
    return err(
      `Password minLength must be an integer of at least ${floor}${secondFactor === true ? '' : ' (8 when the host enforces a second factor)'}.`,
    );
  }
  if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < MIN_ALLOWED_MAX) {
    return err(`Password maxLength must be an integer of at least ${MIN_ALLOWED_MAX}.`);
  }
  if (maxLength > MAX_ALLOWED_MAX) return err(`Password maxLength must be at most ${MAX_ALLOWED_MAX}.`);
  if (maxLength < minLength) return err('Password maxLength must not be smaller than minLength.');
  return ok(Object.freeze({ minLength, maxLength }));
}

/**
 * Why {@link checkPassword} refused a password. Carries only numbers, never
 * the password, so it is safe to log or return to a client.
 *
 * @example const e: PasswordLengthError = { reason: 'too-short', minLength: 15, maxLength: 256, length: 5 };
 */
export type PasswordLengthError = {
  reason: 'too-short' | 'too-long';
  minLength: number;
  maxLength: number;
  length: number;
};

/**
 * Checks a password's length against a policy, counting Unicode code points
 * (so an emoji counts once). No composition rules, and the password is never
 * truncated or altered: what the user typed is what gets hashed.
 *
 * @example
 * checkPassword('short', DEFAULT_PASSWORD_POLICY);
 * // err({ reason: 'too-short', minLength: 15, maxLength: 256, length: 5 })
 */
export function checkPassword(password: string, policy: PasswordPolicy): Result<void, PasswordLengthError> {
  const reason = passwordLengthRefusal(password, policy);
  const { minLength, maxLength } = policy;
  return reason === undefined ? ok(undefined) : err({ reason, minLength, maxLength, length: codePointLength(password) });
}

/**
 * Password input: any string of up to 8192 code points, an abuse guard with room for the largest
 * maximum a policy may set (4096) twice over. Counted in code points with every zod the peer range
 * accepts (zod's own `.max` counts UTF-16 code units before 4.5), and published as the JSON
 * Schema's `maxLength`, which counts code points too. The real length rule depends on the
 * configured policy, so it lives in {@link checkPassword} rather than here: a password over the
 * policy's maximum is a `WeakPassword` (`too-long`), never this schema's refusal, unless it is
 * over the guard itself.
 *
 * @example
 * const pw = passwordSchema.parse(body.password);
 * checkPassword(pw, DEFAULT_PASSWORD_POLICY);
 */
export const passwordSchema = /* @__PURE__ */ z
  .string()
  // atMostCodePoints(8192, …) (./lengths) written out, numbers as literals: 2998 B for
  // acceptInvitation alone, under its 3 kB budget; 3003 B through the helper and a named constant.
  // The slice bounds the count: 16385 units always hold more than 8192 code points.
  .refine((s) => codePointLength(s.slice(0, 16385)) <= 8192, 'Password is too long.')
  .meta({ maxLength: 8192 });
