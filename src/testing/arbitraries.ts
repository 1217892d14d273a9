/**
 * fast-check arbitraries for the roster's value objects: e-mail addresses, names, roles, plans,
 * seat policies and passwords. Every value they produce is accepted by the library's own schemas,
 * so a property built on them tests the rule it names, not the input parser.
 *
 * `fast-check` is an optional peer dependency of `agent-roster/testing`: install it next to your
 * test runner to use this module.
 *
 * @module
 */
import fc from 'fast-check';
import type { Role } from '../domain/agent';
import { PLANS, type PlanCatalog, type SeatPolicy } from '../domain/plans';
import type { ChangePlanInput } from '../domain/schemas';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../domain/values';
import { pure } from './pure';

// ---------------------------------------------------------------------------
// E-mail addresses
// ---------------------------------------------------------------------------

// Real people's local parts are where the valid-but-tricky cases live: apostrophes, hyphens,
// accents, underscores. Each is allowed by the library (RFC 5322 atext plus RFC 6531 letters).
const GIVEN_LOCALS = ['ana', 'bob', 'zoë', 'josé', "o'brien", 'mary-jane', 'chen', 'łukasz', 'renée', "d'angelo", 'ünal', 'björn', 'ana_maria', 'li'] as const;
const FAMILY_LOCALS = ['smith', 'müller', 'garcía', "o'neil", 'lee', 'kowalski', 'nguyen'] as const;
// Internationalized domains sit next to their own ACE spelling (xn--bcher-kva.de is bücher.de),
// so generated addresses also meet the "two spellings, one mailbox" case.
const KNOWN_DOMAINS = [
  'shop.com',
  'example.org',
  'mail.co.uk',
  'support.example.io',
  'bücher.de',
  'xn--bcher-kva.de',
  'café.fr',
  'münchen.de',
  '例え.jp',
  'straße.de',
] as const;

const plusTagArb = /* @__PURE__ */ pure(() => fc.stringMatching(/^[a-z0-9]{1,8}$/));

const personalLocalArb = /* @__PURE__ */ pure(() =>
  fc
    .record(
      {
        given: fc.constantFrom(...GIVEN_LOCALS),
        family: fc.constantFrom(...FAMILY_LOCALS),
        separator: fc.constantFrom('.', '_', '-', ''),
        digits: fc.nat({ max: 99 }),
        tag: plusTagArb,
      },
      { requiredKeys: ['given', 'separator'] },
    )
    .map(({ given, family, separator, digits, tag }) =>
      [given, family === undefined ? '' : `${separator}${family}`, digits === undefined ? '' : String(digits), tag === undefined ? '' : `+${tag}`].join(''),
    ),
);

// Dot-atoms of plain atext: every symbol RFC 5322 allows unquoted, never a leading, trailing or
// doubled dot (those are refused, and this arbitrary produces only valid addresses).
const atextLocalArb = /* @__PURE__ */ pure(() =>
  fc.array(fc.stringMatching(/^[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,10}$/), { minLength: 1, maxLength: 3 }).map((atoms) => atoms.join('.')),
);

const dnsLabelArb = /* @__PURE__ */ pure(() => fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?$/).filter((label) => !label.includes('--')));
const generatedDomainArb = /* @__PURE__ */ pure(() =>
  fc.tuple(fc.array(dnsLabelArb, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/)).map(([labels, tld]) => [...labels, tld].join('.')),
);

const domainArb = /* @__PURE__ */ pure(() =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KNOWN_DOMAINS) }, { weight: 1, arbitrary: generatedDomainArb }),
);

/**
 * Realistic and valid-but-tricky e-mail addresses: plus tags (`ana+sales@shop.com`), apostrophes
 * (`o'brien@…`), dots, mixed case, accented local parts, IDN domains (`bücher.de`, `例え.jp`), a
 * decomposed (NFD) spelling now and then, and surrounding spaces the parser trims. Every value is
 * accepted by `emailSchema`; two values may name the same mailbox (that is the point).
 *
 * @example
 * fc.assert(fc.property(emailArb(), (raw) => emailSchema.safeParse(raw).success));
 */
export function emailArb(): fc.Arbitrary<string> {
  const address = fc
    .tuple(fc.oneof({ weight: 3, arbitrary: personalLocalArb }, { weight: 1, arbitrary: atextLocalArb }), domainArb)
    .map(([local, domain]) => `${local}@${domain}`);
  return fc
    .record({
      address: fc.oneof({ weight: 3, arbitrary: address }, { weight: 1, arbitrary: fc.mixedCase(address) }),
      decomposed: fc.boolean(),
      before: fc.constantFrom('', ' ', '\t'),
      after: fc.constantFrom('', ' ', '  '),
    })
    .map(({ address, decomposed, before, after }) => `${before}${decomposed ? address.normalize('NFD') : address}${after}`);
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

const GIVEN_NAMES = ['Ana', 'Bob', 'Zoë', 'José', 'Renée', 'Łukasz', 'Ana-María', 'Siobhán', '李', 'Nguyễn Văn', 'Ünal', 'Björn', 'Mary Jane', 'Ólafur'] as const;
const FAMILY_NAMES = ["O'Connor", 'Ñúñez', 'Müller', 'García-López', 'Smith', '小龍', 'de la Cruz', 'Kowalski', "D'Angelo", 'Ødegård'] as const;
const LATIN_WORD = /^[A-Z][a-z]{0,11}$/;

/**
 * People's display names: accents, apostrophes, hyphens, several scripts, inner spaces, and
 * ASCII words; 1–100 code points. Every value is accepted by `personNameSchema`.
 *
 * @example
 * fc.sample(personNameArb(), 3); // e.g. ["Zoë O'Connor", 'Bob', 'Ana-María de la Cruz']
 */
export function personNameArb(): fc.Arbitrary<string> {
  const realistic = fc
    .record(
      { given: fc.constantFrom(...GIVEN_NAMES), initial: fc.stringMatching(/^[A-Z]$/), family: fc.constantFrom(...FAMILY_NAMES) },
      { requiredKeys: ['given'] },
    )
    .map(({ given, initial, family }) => [given, initial === undefined ? undefined : `${initial}.`, family].filter((p) => p !== undefined).join(' '));
  const generated = fc.array(fc.stringMatching(LATIN_WORD), { minLength: 1, maxLength: 6 }).map((words) => words.join(' '));
  // A generated name shrinks across to a realistic one ("Ana"), not to a lone "A".
  return fc.oneof({ withCrossShrink: true }, { weight: 3, arbitrary: realistic }, { weight: 1, arbitrary: generated });
}

const DEPARTMENT_NAMES = ['Sales', 'Support', 'Billing', 'Sales EMEA', 'Customer Success', 'Straße', 'Ventes & Marketing', 'サポート', 'Tier-2 Support', 'VIP (24/7)'] as const;

/**
 * Department names: common teams, non-Latin scripts, punctuation, and generated words;
 * 1–60 code points. Every value is accepted by `departmentNameSchema`. Case variants of one name
 * (`Sales`/`SALES`) are not unique: compare with `nameKey`.
 *
 * @example
 * fc.sample(departmentNameArb(), 2); // e.g. ['Billing', 'Qwe Rt']
 */
export function departmentNameArb(): fc.Arbitrary<string> {
  const generated = fc.array(fc.stringMatching(LATIN_WORD), { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...DEPARTMENT_NAMES) },
    { weight: 1, arbitrary: fc.mixedCase(fc.constantFrom(...DEPARTMENT_NAMES)) },
    { weight: 1, arbitrary: generated },
  );
}

// ---------------------------------------------------------------------------
// Roles, plans, seat policies
// ---------------------------------------------------------------------------

/**
 * `admin` or `agent`.
 *
 * @example
 * fc.sample(roleArb(), 2); // e.g. ['agent', 'admin']
 */
export function roleArb(): fc.Arbitrary<Role> {
  return fc.constantFrom<Role>('admin', 'agent');
}

/**
 * What `planArb` produces: a catalog id or an inline custom plan, as `changePlan` accepts it.
 *
 * @example
 * const plans: PlanInput[] = ['pro', { id: 'team-2', seats: 2, departments: null }];
 */
export type PlanInput = ChangePlanInput['plan'];

/**
 * Options of {@link planArb}.
 *
 * @example
 * planArb({ minSeats: 2, maxLimit: 3 }); // room for the owner and one more, at least
 */
export type PlanArbOptions = Readonly<{
  /** Smallest seat limit of a custom plan (default and minimum 1: the owner always holds a seat). */
  minSeats?: number | undefined;
  /** Largest limit of a custom plan (default 5: small, so limits are hit in short sequences). */
  maxLimit?: number | undefined;
  /** The catalog whose ids to draw (default: the library's `PLANS`), as `createRoster({ plans })` takes it. */
  catalog?: PlanCatalog | undefined;
  /**
   * Draw inline custom plans too (default `true`). `false` draws catalog ids only: for a roster
   * created without `allowInlinePlans`, or an API that takes plan ids.
   */
  inline?: boolean | undefined;
}>;

/**
 * A plan reference: a catalog id (`free`, `starter`, `pro`, `enterprise`, `custom`, or the ids of
 * `catalog`) or, unless `inline: false`, a custom plan with small limits, each possibly unlimited
 * (`null`). Every value is accepted by `planSchema` and resolves against `PLANS` (or `catalog`).
 *
 * @example
 * fc.sample(planArb(), 2); // e.g. ['pro', { id: 'team-2', seats: 2, departments: null }]
 */
export function planArb(options: PlanArbOptions = {}): fc.Arbitrary<PlanInput> {
  const minSeats = Math.max(options.minSeats ?? 1, 1);
  const maxLimit = Math.max(options.maxLimit ?? 5, minSeats);
  // Shrinks cross over: an unlimited (`null`) limit to the smallest number, a custom plan to a catalog id.
  const limit = (min: number) => fc.oneof({ withCrossShrink: true }, { weight: 4, arbitrary: fc.integer({ min, max: maxLimit }) }, { weight: 1, arbitrary: fc.constant(null) });
  const custom = fc.record(
    { id: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/), seats: limit(minSeats), departments: limit(0) },
    { noNullPrototype: true },
  );
  const catalogIds = Object.keys(options.catalog ?? PLANS);
  if (options.inline === false) {
    if (catalogIds.length === 0) throw new Error('planArb: with `inline: false` the catalog must have a plan to draw.');
    return fc.constantFrom(...catalogIds);
  }
  return catalogIds.length === 0 ? custom : fc.oneof({ withCrossShrink: true }, fc.constantFrom(...catalogIds), custom);
}

/**
 * Either seat policy flag in either position.
 *
 * @example
 * fc.sample(seatPolicyArb(), 1); // e.g. [{ countInactiveAgents: false, reserveSeatsForInvitations: true }]
 */
export function seatPolicyArb(): fc.Arbitrary<SeatPolicy> {
  return fc.record({ countInactiveAgents: fc.boolean(), reserveSeatsForInvitations: fc.boolean() }, { noNullPrototype: true });
}

// ---------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------

// Building a full-Unicode string arbitrary indexes every code point (a fraction of a second), so
// each length range is built once per process.
const codePointStrings = new Map<string, fc.Arbitrary<string>>();
function codePointString(minLength: number, maxLength: number): fc.Arbitrary<string> {
  const key = `${minLength}-${maxLength}`;
  let arbitrary = codePointStrings.get(key);
  if (arbitrary === undefined) {
    arbitrary = fc.string({ unit: 'binary', minLength, maxLength });
    codePointStrings.set(key, arbitrary);
  }
  return arbitrary;
}

const WORDS = ['correct', 'horse', 'battery', 'staple', 'küche', 'прыжок', '月光', 'tango', 'zebra', 'river', 'ñandú', 'orbit'] as const;

/**
 * Passwords the given policy accepts (the NIST default: 15–256 code points): passphrases, any
 * Unicode code points (astral ones count once), and the exact lower and upper bounds.
 *
 * @example
 * fc.assert(fc.property(passwordArb(), (pw) => checkPassword(pw, DEFAULT_PASSWORD_POLICY).isOk()));
 */
export function passwordArb(policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): fc.Arbitrary<string> {
  const { minLength, maxLength } = policy;
  const codePoints = (s: string) => [...s].length;
  const passphrase = fc
    .array(fc.constantFrom(...WORDS), { minLength: 2, maxLength: 8 })
    .map((words) => words.join(' '))
    // Pads a short phrase rather than filtering it out, so no generation is wasted.
    .map((phrase) => (codePoints(phrase) < minLength ? phrase + '!'.repeat(minLength - codePoints(phrase)) : phrase))
    .filter((phrase) => codePoints(phrase) <= maxLength);
  const anyCodePoints = codePointString(minLength, Math.min(maxLength, minLength + 80));
  const exactBound = fc.oneof(codePointString(minLength, minLength), codePointString(maxLength, maxLength));
  return fc.oneof(passphrase, anyCodePoints, exactBound);
}
