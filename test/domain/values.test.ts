import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { z } from 'zod';
import {
  DEFAULT_PASSWORD_POLICY,
  checkPassword,
  departmentNameSchema,
  descriptionSchema,
  emailSchema,
  nameKey,
  parseEmail,
  passwordPolicy,
  passwordSchema,
  personNameSchema,
} from '../../src/domain/values';
import type { DepartmentName, Email, PasswordPolicy, PersonName } from '../../src/domain/values';

// ---------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------

type Fixture = {
  emails_invalid: string[];
  emails_valid: string[];
  emails_equivalent: [string, string][];
  emails_distinct: [string, string][];
  names_invalid: string[];
  names_valid: string[];
  passwords_invalid_default_policy: string[];
  passwords_valid_default_policy: string[];
  wrong_types: unknown[];
  roles_invalid: string[];
  object_payloads_json: string[];
};

/**
 * The fixture holds a bare `Infinity` in wrong_types, which strict JSON does
 * not allow. Rewriting that token (outside strings only) to `1e999` lets
 * JSON.parse produce the intended value without touching the shared file.
 */
function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charAt(i);
      if (inString) {
        out += c;
        if (c === '\\') {
          out += text.charAt(i + 1);
          i++;
        } else if (c === '"') {
          inString = false;
        }
      } else if (c === '"') {
        inString = true;
        out += c;
      } else if (text.startsWith('Infinity', i)) {
        out += '1e999';
        i += 'Infinity'.length - 1;
      } else {
        out += c;
      }
    }
    return JSON.parse(out);
  }
}

const fixturePath = fileURLToPath(new URL('../fixtures/hostile-inputs.json', import.meta.url));
const fixture = parseLenientJson(readFileSync(fixturePath, 'utf8')) as Fixture;

const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

afterAll(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);
  const probe: Record<string, unknown> = {};
  expect(probe['isAdmin']).toBeUndefined();
  expect(probe['role']).toBeUndefined();
});

const show = (s: unknown): string => {
  const json = JSON.stringify(s) ?? String(s);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
};

const canonical = (raw: string): string => {
  const r = emailSchema.safeParse(raw);
  if (!r.success) throw new Error(`expected ${show(raw)} to be accepted: ${r.error.issues[0]?.message}`);
  return r.data;
};

// ---------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------

describe('emailSchema: fixture', () => {
  it('loads a fixture with the expected shape', () => {
    expect(fixture.emails_invalid.length).toBeGreaterThan(0);
    expect(fixture.wrong_types).toContain(Number.POSITIVE_INFINITY);
  });

  it.each(fixture.emails_invalid.map((e) => [show(e), e] as const))('refuses %s', (_label, raw) => {
    let result: ReturnType<typeof emailSchema.safeParse> | undefined;
    expect(() => {
      result = emailSchema.safeParse(raw);
    }).not.toThrow();
    expect(result?.success).toBe(false);
    const issue = result?.error?.issues[0];
    expect(issue?.message).toEqual(expect.any(String));
    expect(issue?.message.length).toBeGreaterThan(10);
    expect(parseEmail(raw).isErr()).toBe(true);
  });

  it.each(fixture.emails_valid.map((e) => [e] as const))('accepts %s', (raw) => {
    const r = parseEmail(raw);
    expect(r.isOk()).toBe(true);
    const value = r._unsafeUnwrap();
    expect(value).toBe(value.trim());
    expect(value).toBe(value.toLowerCase());
    expect(value.split('@')[1]).toMatch(/^[a-z0-9.-]+$/);
  });

  it.each(fixture.emails_equivalent.map(([a, b]) => [show(a), show(b), a, b] as const))(
    '%s ≡ %s',
    (_la, _lb, a, b) => {
      expect(canonical(a)).toBe(canonical(b));
    },
  );

  it.each(fixture.emails_distinct.map(([a, b]) => [show(a), show(b), a, b] as const))(
    '%s ≠ %s',
    (_la, _lb, a, b) => {
      expect(canonical(a)).not.toBe(canonical(b));
    },
  );

  it.each(fixture.wrong_types.map((v) => [show(v), v] as const))('refuses wrong type %s without throwing', (_l, v) => {
    expect(() => emailSchema.safeParse(v)).not.toThrow();
    expect(emailSchema.safeParse(v).success).toBe(false);
    expect(parseEmail(v).isErr()).toBe(true);
  });

  it.each(fixture.object_payloads_json.map((j) => [j] as const))('refuses object payload %s', (json) => {
    const payload: unknown = JSON.parse(json);
    expect(emailSchema.safeParse(payload).success).toBe(false);
    expect(personNameSchema.safeParse(payload).success).toBe(false);
    expect(departmentNameSchema.safeParse(payload).success).toBe(false);
    expect(descriptionSchema.safeParse(payload).success).toBe(false);
  });
});

describe('emailSchema: canonical key rules', () => {
  it.each([
    ['  Ana@Shop.COM\t', 'ana@shop.com'],
    ['u@BÜCHER.de', 'u@xn--bcher-kva.de'],
    ['u@ＥＸＡＭＰＬＥ.com', 'u@example.com'],
    ['Jose\u0301@x.com', 'jos\u00e9@x.com'],
    ['ana+SALES@shop.com', 'ana+sales@shop.com'],
    ["o'brien@shop.ie", "o'brien@shop.ie"],
    ['!#$%&*+/=?^_`{|}~-@x.com', '!#$%&*+/=?^_`{|}~-@x.com'],
    ['用户@例子.广告', '用户@xn--fsqu00a.xn--4rr70v'],
  ])('%s → %s', (raw, expected) => {
    expect(canonical(raw)).toBe(expected);
  });

  it.each([
    ['a@x.com.', /end with a dot/],
    ['a@.x.com', /empty label/],
    ['a@x..com', /empty label/],
    ['a@1.2.3.4', /IP address/],
    ['a@[::1]', /IP-address literal/],
    ['a@x.com:25', /U\+003A/],
    ['a@x.com/path', /U\+002F/],
    ['a@x%2ecom', /U\+0025/],
    ['a@x_y.com', /U\+005F/],
    ['a@-x.com', /hyphen/],
    ['a@x-.com', /hyphen/],
    ['a@x.123', /.+/],
    ['a@localhost', /two labels/],
    // IDNA maps '⒈' to '1.': a dot the user did not type must not make a second label.
    ['a@x\u2488com', /two labels/],
    [`a@${'b'.repeat(64)}.com`, /longer than 63/],
    ['a@xn--zz.com', /internationalized domain/],
    ['"a b"@x.com', /.+/],
    ['"ab"@x.com', /Quoted/],
    ['a\\b@x.com', /U\+005C/],
    ['a;b@x.com', /U\+003B/],
    ['a:b@x.com', /U\+003A/],
    ['a(b)@x.com', /U\+0028/],
    ['a[b]@x.com', /U\+005B/],
    ['a>b@x.com', /U\+003E/],
    ['a\u00a0@x.com', /spaces/],
    ['\u00a0a@x.com', /spaces/],
    ['a\u3000b@x.com', /spaces/],
    ['a\u3164b@x.com', /invisible/],
    ['a\u2028b@x.com', /spaces/],
    ['a\ud800b@x.com', /spaces, control or invisible characters \(found U\+D800\)/],
    ['a\u200bb@x.com', /invisible characters \(found U\+200B\)/],
    ['a\u0007b@x.com', /control or invisible characters \(found U\+0007\)/],
    ['ana maria@x.com', /spaces.*found U\+0020/],
    ['@x.com', /before "@"/],
    ['a@', /domain after "@"/],
  ])('refuses %j', (raw, message) => {
    const r = parseEmail(raw);
    expect(r.isErr()).toBe(true);
    expect(r._unsafeUnwrapErr()).toMatch(message);
  });

  it('measures the local part in UTF-8 octets (64 max)', () => {
    expect(parseEmail(`${'a'.repeat(64)}@x.com`).isOk()).toBe(true);
    expect(parseEmail(`${'a'.repeat(65)}@x.com`).isErr()).toBe(true);
    // 'é' is two octets: 32 of them is 64 octets, 33 is 66.
    expect(parseEmail(`${'é'.repeat(32)}@x.com`).isOk()).toBe(true);
    expect(parseEmail(`${'é'.repeat(33)}@x.com`)._unsafeUnwrapErr()).toMatch(/64 bytes/);
  });

  it('caps the whole address at 254 octets after IDNA', () => {
    const label = 'd'.repeat(63);
    const domain = `${label}.${label}.${label}.${'e'.repeat(57)}.com`; // 63*3 + 57 + 3 + 4 dots = 253
    expect(domain.length).toBe(253);
    expect(parseEmail(`a@${domain.slice(2)}`).isOk()).toBe(true); // 1 + 1 + 251 = 253
    expect(parseEmail(`ab@${domain.slice(2)}`).isOk()).toBe(true); // 254
    expect(parseEmail(`abc@${domain.slice(2)}`)._unsafeUnwrapErr()).toMatch(/254 bytes/);
  });

  it('refuses hostile-size input cheaply and without throwing', () => {
    const huge = `${'a'.repeat(1_000_000)}@x.com`;
    const started = performance.now();
    expect(parseEmail(huge).isErr()).toBe(true);
    expect(parseEmail(`a@${'b.'.repeat(500_000)}com`).isErr()).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('produces the Email brand at the type level', () => {
    expectTypeOf<z.output<typeof emailSchema>>().toEqualTypeOf<Email>();
    expectTypeOf<z.input<typeof emailSchema>>().toEqualTypeOf<string>();
    expectTypeOf(parseEmail).returns.toEqualTypeOf<ReturnType<typeof parseEmail>>();
  });
});

// ---------------------------------------------------------------------------
// Names and descriptions
// ---------------------------------------------------------------------------

const nameSchemas = [
  ['personNameSchema', personNameSchema, 100],
  ['departmentNameSchema', departmentNameSchema, 60],
] as const;

describe.each(nameSchemas)('%s', (_name, schema, max) => {
  it.each(fixture.names_invalid.map((n) => [show(n), n] as const))('refuses %s', (_l, raw) => {
    expect(() => schema.safeParse(raw)).not.toThrow();
    const r = schema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toEqual(expect.any(String));
  });

  it.each(fixture.names_valid.map((n) => [n] as const))('accepts %s', (raw) => {
    expect(schema.safeParse(raw).data).toBe(raw.normalize('NFC'));
  });

  it.each(fixture.wrong_types.map((v) => [show(v), v] as const))('refuses wrong type %s', (_l, v) => {
    expect(() => schema.safeParse(v)).not.toThrow();
    expect(schema.safeParse(v).success).toBe(false);
  });

  it('trims, normalizes to NFC and keeps inner spacing and case', () => {
    expect(schema.parse('  Jose\u0301  Ñúñez \n')).toBe('José  Ñúñez');
    expect(schema.parse('\u00a0Ana\u3000')).toBe('Ana');
  });

  it(`counts code points: ${max} accepted, ${max + 1} refused`, () => {
    expect(schema.safeParse('😀'.repeat(max)).success).toBe(true);
    expect(schema.safeParse('😀'.repeat(max + 1)).success).toBe(false);
    expect(schema.safeParse('e\u0301'.repeat(max)).success).toBe(true); // NFC makes it `max` code points
  });

  it.each([
    ['line separator', 'a\u2028b'],
    ['paragraph separator', 'a\u2029b'],
    ['BOM', '\ufeffAna'],
    ['soft hyphen', 'A\u00adna'],
    ['bidi isolate', 'Ana\u2066'],
    ['tab inside', 'A\tna'],
    ['DEL', 'A\u007fna'],
    ['C1 control', 'A\u0085na'],
    ['unpaired surrogate', 'A\udc00na'],
  ])('refuses %s', (_l, raw) => {
    expect(schema.safeParse(raw).success).toBe(false);
  });

  it.each([
    ['Hangul fillers', '\u3164\u3164'],
    ['a halfwidth Hangul filler between spaces', ' \uffa0 '],
    ['a lone presentation selector', '\ufe0f'],
    ['a lone combining mark', '\u0301'],
    ['a Mongolian variation selector and a grapheme joiner', '\u180b\u034f'],
  ])('refuses a name of nothing visible (%s) as empty: it shows blank', (_l, raw) => {
    expect(schema.safeParse(raw).error?.issues[0]?.message).toMatch(/must not be empty\.$/);
  });

  it.each([
    ['an emoji with the presentation selector a phone puts after it', '\u2764\ufe0f Ana'],
    ['a text-style emoji', 'Ana \u260e\ufe0e'],
    ['Mongolian with a free variation selector', '\u182e\u1823\u1829\u182d\u180b\u1823\u182f'],
    ['a Japanese surname with an ideographic variation sequence', '\u845b\u{e0100}\u98fe'],
    ['a CJK standardized variant', '\u8279\ufe00'],
    ['old Hangul in conjoining jamo with a filler', '\u1100\u1160'],
    ['Hebrew with a combining grapheme joiner', '\u05d0\u05b8\u034f\u05b7'],
  ])('takes %s: the selectors and joiners that write a script are part of the name', (_l, raw) => {
    expect(schema.safeParse(raw).data).toBe(raw.normalize('NFC'));
  });

  it('names the character it refuses', () => {
    expect(schema.safeParse('A\u200bna').error?.issues[0]?.message).toMatch(/invisible characters .*\(found U\+200B\)/);
    expect(schema.safeParse('A\tna').error?.issues[0]?.message).toMatch(/tabs.*\(found U\+0009\)/);
  });
});

describe('name brands', () => {
  it('are distinct nominal types', () => {
    expectTypeOf<z.output<typeof personNameSchema>>().toEqualTypeOf<PersonName>();
    expectTypeOf<z.output<typeof departmentNameSchema>>().toEqualTypeOf<DepartmentName>();
    expectTypeOf<PersonName>().not.toEqualTypeOf<DepartmentName>();
  });
});

describe('descriptionSchema', () => {
  it('allows empty and normalizes line endings', () => {
    expect(descriptionSchema.parse('')).toBe('');
    expect(descriptionSchema.parse('   ')).toBe('');
    expect(descriptionSchema.parse(' Refunds.\r\nEU only.\r\n\r\n')).toBe('Refunds.\nEU only.');
    expect(descriptionSchema.parse('a\n\nb')).toBe('a\n\nb');
    expect(descriptionSchema.parse('Cafe\u0301')).toBe('Café');
  });

  it('caps at 500 code points', () => {
    expect(descriptionSchema.safeParse('😀'.repeat(500)).success).toBe(true);
    expect(descriptionSchema.safeParse('😀'.repeat(501)).success).toBe(false);
    expect(descriptionSchema.safeParse('x'.repeat(10_000)).success).toBe(false);
  });

  it.each([
    ['tab', 'a\tb'],
    ['lone CR', 'a\rb'],
    ['NUL', 'a\u0000b'],
    ['zero-width space', 'a\u200bb'],
    ['RLO', 'a\u202eb'],
  ])('refuses %s', (_l, raw) => {
    expect(descriptionSchema.safeParse(raw).success).toBe(false);
  });

  it('names the character it refuses', () => {
    // A carriage return is refused even though line breaks are allowed: the message says which.
    expect(descriptionSchema.safeParse('a\rb').error?.issues[0]?.message).toBe(
      'Description must not contain control or invisible characters other than a line feed (found U+000D).',
    );
    expect(descriptionSchema.safeParse('a\tb').error?.issues[0]?.message).toMatch(/other than a line feed \(found U\+0009\)/);
  });

  it.each(fixture.wrong_types.map((v) => [show(v), v] as const))('refuses wrong type %s', (_l, v) => {
    expect(descriptionSchema.safeParse(v).success).toBe(false);
  });
});

describe('nameKey', () => {
  it.each([
    ['Sales', 'SALES'],
    ['Sales', 'sales'],
    ['Straße', 'STRASSE'],
    ['ẞ', 'ß'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['Café', 'CAFE\u0301'],
  ])('%s and %s collide', (a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
  });

  it.each([' sales ', '\u00A0Sales', 'SALES\u3000', '\t\nSales\u2028'])('%j as typed has the key of the stored "Sales"', (typed) => {
    expect(nameKey(typed)).toBe(nameKey(departmentNameSchema.parse('Sales')));
  });

  fcTest.prop([fc.string({ maxLength: 20 }), fc.array(fc.constantFrom(' ', '\t', '\u00A0', '\u2003', '\u3000', '\u2028', '\uFEFF'), { maxLength: 3 }), fc.array(fc.constantFrom(' ', '\u00A0', '\u3000', '\u205F'), { maxLength: 3 })])(
    'a name padded with white space has the key of the name the schema stores',
    (name, before, after) => {
      const stored = departmentNameSchema.safeParse(name);
      const typed = `${before.join('')}${name}${after.join('')}`;
      const parsed = departmentNameSchema.safeParse(typed);
      if (stored.success && parsed.success) expect(nameKey(typed)).toBe(nameKey(parsed.data));
    },
  );

  it('keeps different names apart', () => {
    expect(nameKey('Sales')).not.toBe(nameKey('Sales EU'));
    expect(nameKey('Sales')).not.toBe(nameKey('Sale'));
  });
});

// ---------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------

describe('password policy', () => {
  it('defaults to NIST single-factor bounds', () => {
    expect(DEFAULT_PASSWORD_POLICY).toEqual({ minLength: 15, maxLength: 256 });
    expect(Object.isFrozen(DEFAULT_PASSWORD_POLICY)).toBe(true);
    expect(passwordPolicy()._unsafeUnwrap()).toEqual(DEFAULT_PASSWORD_POLICY);
    expect(passwordPolicy({})._unsafeUnwrap()).toEqual(DEFAULT_PASSWORD_POLICY);
  });

  it('lowers the minimum to 8 with a second factor', () => {
    expect(passwordPolicy({ secondFactor: true })._unsafeUnwrap()).toEqual({ minLength: 8, maxLength: 256 });
    expect(passwordPolicy({ secondFactor: false })._unsafeUnwrap()).toEqual(DEFAULT_PASSWORD_POLICY);
    expect(passwordPolicy({ minLength: 20, maxLength: 64 })._unsafeUnwrap()).toEqual({ minLength: 20, maxLength: 64 });
    expect(passwordPolicy({ minLength: 10, secondFactor: true })._unsafeUnwrap()).toEqual({ minLength: 10, maxLength: 256 });
  });

  it.each([
    [{ minLength: 7, secondFactor: true }],
    [{ minLength: 14 }],
    [{ minLength: 8 }],
    [{ minLength: 8.5 }],
    [{ minLength: Number.NaN }],
    [{ maxLength: 63 }],
    [{ maxLength: Number.POSITIVE_INFINITY }],
    [{ maxLength: 4097 }],
    [{ minLength: 100, maxLength: 64 }],
    [{ minLength: '15' as unknown as number }],
    [{ secondFactor: 'yes' as unknown as boolean }],
  ])('refuses %j', (options) => {
    const r = passwordPolicy(options);
    expect(r.isErr()).toBe(true);
    expect(r._unsafeUnwrapErr()).toEqual(expect.any(String));
  });

  it.each(fixture.passwords_invalid_default_policy.map((p) => [show(p), p] as const))('refuses %s', (_l, pw) => {
    // The guard counts code points with every zod of the peer range (zod's own .max counts UTF-16
    // units before 4.5): up to 8192 pass, whatever they are, and the policy refuses them.
    expect(passwordSchema.safeParse(pw).success).toBe([...pw].length <= 8192);
    const r = checkPassword(pw, DEFAULT_PASSWORD_POLICY);
    expect(r.isErr()).toBe(true);
    const e = r._unsafeUnwrapErr();
    expect(e.length).toBe([...pw].length);
    expect(e.reason).toBe(e.length < 15 ? 'too-short' : 'too-long');
    // The error is safe to log: numbers and a reason only.
    expect(Object.keys(e).sort()).toEqual(['length', 'maxLength', 'minLength', 'reason']);
    expect(['too-short', 'too-long']).toContain(e.reason);
    for (const k of ['length', 'maxLength', 'minLength'] as const) expect(typeof e[k]).toBe('number');
  });

  it.each(fixture.passwords_valid_default_policy.map((p) => [show(p), p] as const))('accepts %s', (_l, pw) => {
    expect(passwordSchema.safeParse(pw).success).toBe(true);
    expect(checkPassword(pw, DEFAULT_PASSWORD_POLICY).isOk()).toBe(true);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(checkPassword('🔒'.repeat(15), DEFAULT_PASSWORD_POLICY).isOk()).toBe(true);
    expect(checkPassword('🔒'.repeat(14), DEFAULT_PASSWORD_POLICY)._unsafeUnwrapErr()).toEqual({
      reason: 'too-short',
      minLength: 15,
      maxLength: 256,
      length: 14,
    });
  });

  it('passwordSchema only guards against abuse', () => {
    expect(passwordSchema.safeParse('x'.repeat(8192)).success).toBe(true);
    expect(passwordSchema.safeParse('x'.repeat(8193)).success).toBe(false);
    // Code points, not UTF-16 units, whichever zod counts which (npm test runs this on zod 4.3 too).
    expect(passwordSchema.safeParse('🔒'.repeat(8192)).success).toBe(true);
    expect(passwordSchema.safeParse(`${'🔒'.repeat(8191)}xx`).success).toBe(false);
    expect(passwordSchema.safeParse('🔒'.repeat(8193)).success).toBe(false);
    expect(passwordSchema.safeParse('\uD83D'.repeat(8193)).success).toBe(false);
    expect(passwordSchema.safeParse('🔒'.repeat(1_000_000)).error?.issues).toEqual([expect.objectContaining({ message: 'Password is too long.' })]);
    expect(z.toJSONSchema(passwordSchema, { io: 'input' })).toMatchObject({ type: 'string', maxLength: 8192 });
    expect(passwordSchema.parse('  spaces kept  ')).toBe('  spaces kept  ');
    for (const v of fixture.wrong_types) expect(passwordSchema.safeParse(v).success).toBe(false);
    expectTypeOf<PasswordPolicy>().toEqualTypeOf<Readonly<{ minLength: number; maxLength: number }>>();
  });
});

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const mixedCaseLetter = fc.constantFrom(
  ...'aAbBzZéÉüÜßẞıİσΣςǅǆÅ\u212bΩ\u2126ﬀĳĲķĶ\u212aᾳᾼΐ'.split(''),
  'e\u0301',
  'E\u0301',
  'ǰ',
);
const localChar = fc.oneof(
  fc.constantFrom(...'abcXYZ0123456789!#$%&\'*+/=?^_`{|}~-'.split('')),
  mixedCaseLetter,
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
);
const localPart = fc
  .array(fc.string({ unit: localChar, minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 })
  .map((atoms) => atoms.join('.'));
const domainLabel = fc.string({
  unit: fc.oneof(fc.constantFrom(...'abcXYZ019-'.split('')), mixedCaseLetter),
  minLength: 1,
  maxLength: 10,
});
const plausibleEmail = fc
  .tuple(
    fc.constantFrom('', ' ', '\t', '\n '),
    localPart,
    fc.array(domainLabel, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('com', 'DE', 'co.uk', 'Ελ', 'рф', 'xn--p1ai'),
    fc.constantFrom('', ' ', '\r\n'),
  )
  .map(([pre, local, labels, tld, post]) => `${pre}${local}@${labels.join('.')}.${tld}${post}`);

const isControlOrFormat = (s: string): boolean => /[\p{Cc}\p{Cf}]/u.test(s);
/**
 * The format characters a name or description keeps, as the docs state them: a zero-width joiner
 * or non-joiner after a character that is neither a format character nor a space and before one
 * that is not a mark either, and a subdivision flag's tags (🏴, 3-7 lower-case tag letters or
 * digits, the cancel tag). What is left after removing them.
 */
const withoutDrawnFormat = (s: string): string =>
  s
    .replace(/(?<=[^\p{Cf}\p{White_Space}])[\u200C\u200D](?=[^\p{Cf}\p{White_Space}\p{M}])/gu, '')
    .replace(/\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{3,7}\u{E007F}/gu, '🏴');
/** `word` spelled in tag characters (U+E0000 + each ASCII code point), as a flag's tags are. */
const tags = (word: string): string => String.fromCodePoint(...[...word].map((c) => 0xe0000 + c.codePointAt(0)!));
const isJoinerOrTag = (c: string): boolean => /^[\u200C\u200D\u{E0020}-\u{E007F}]$/u.test(c);
const controlOrFormatChar = fc
  .integer({ min: 0, max: 0xe007f })
  .map((cp) => String.fromCodePoint(cp))
  .filter(isControlOrFormat);
const controlOrFormatSample = fc.oneof(
  controlOrFormatChar,
  fc.constantFrom('\u0000', '\t', '\n', '\r', '\u007f', '\u0085', '\u200b', '\u200d', '\u202e', '\u2066', '\ufeff', '\u00ad'),
);

describe('properties', () => {
  fcTest.prop([fc.oneof(plausibleEmail, fc.string({ unit: 'binary', maxLength: 40 }))], { numRuns: 2000 })(
    'email canonicalization is idempotent',
    (raw) => {
      const first = emailSchema.safeParse(raw);
      if (!first.success) return;
      const second = emailSchema.safeParse(first.data);
      expect(second.success).toBe(true);
      expect(second.data).toBe(first.data);
    },
  );

  // Octets as UTF-8 encodes them: one for ASCII (escaped by encodeURI or not), two to four beyond.
  fcTest.prop([fc.string({ unit: fc.constantFrom('a', 'Z', '%', '#', '~', "'", 'é', 'ж', '用', '𝒶', '𐐨'), minLength: 1, maxLength: 70 })], {
    numRuns: 1000,
  })('the local part is limited to 64 UTF-8 octets', (local) => {
    const octets = new TextEncoder().encode(local.toLowerCase()).length;
    expect(parseEmail(`${local}@x.com`).isOk()).toBe(octets <= 64);
  });

  it('the plausible-email generator mostly produces accepted addresses', () => {
    const samples = fc.sample(plausibleEmail, { numRuns: 500, seed: 42 });
    const accepted = samples.filter((s) => emailSchema.safeParse(s).success).length;
    expect(accepted).toBeGreaterThan(samples.length * 0.3);
  });

  fcTest.prop([fc.string({ unit: 'binary', maxLength: 120 })], { numRuns: 1000 })(
    'name and description canonicalization is idempotent',
    (raw) => {
      for (const schema of [personNameSchema, departmentNameSchema, descriptionSchema]) {
        const first = schema.safeParse(raw);
        if (!first.success) continue;
        expect(schema.safeParse(first.data).data).toBe(first.data);
      }
    },
  );

  fcTest.prop([fc.string({ maxLength: 10 }), controlOrFormatSample, fc.string({ maxLength: 10 })], { numRuns: 1000 })(
    'any email or name containing a \\p{Cc} or \\p{Cf} character is refused',
    (before, bad, after) => {
      // 'x' on both sides so the character is inside the value, not trimmable edge whitespace.
      const inside = `x${before}${bad}${after}x`;
      expect(emailSchema.safeParse(`${inside}@x.com`).success).toBe(false);
      expect(emailSchema.safeParse(`ana@${inside}.com`).success).toBe(false);
      // A joiner between two drawn characters, or a flag's tags, are a name's (the next property).
      if (isJoinerOrTag(bad)) return;
      expect(personNameSchema.safeParse(inside).success).toBe(false);
      expect(departmentNameSchema.safeParse(inside).success).toBe(false);
      if (bad !== '\n' && bad !== '\r') expect(descriptionSchema.safeParse(inside).success).toBe(false);
    },
  );

  // Units near the rule's edges: the two halves of 👩 (alone, each a broken surrogate), a mark, a
  // variation selector, tag letters, a tag capital (hidden text) and the cancel tag.
  const nearFormat = fc.string({
    unit: fc.constantFrom('a', ' ', '\u200B', '\u200C', '\u200D', '🏴', '\u{E0067}', '\u{E0062}', '\u{E0041}', '\u{E007F}', '\uFE0F', '\u0301', '\uD83D', '\uDC69'),
    maxLength: 8,
  });
  fcTest.prop([nearFormat, fc.constantFrom('\u200C', '\u200D', '\u{E0067}', '\u{E007F}'), nearFormat], { numRuns: 3000 })(
    'a joiner or tag character is kept in a name exactly where it draws something, and never makes broken text whole',
    (before, format, after) => {
      const raw = `x${before}${format}${after}x`;
      const wellFormed = !/\p{Cs}/u.test(raw); // no broken surrogate pair (String#isWellFormed, ES2024)
      const kept = wellFormed && !isControlOrFormat(withoutDrawnFormat(raw));
      for (const schema of [personNameSchema, departmentNameSchema, descriptionSchema]) expect(schema.safeParse(raw).success).toBe(kept);
    },
  );

  it.each([
    ['👩‍💻 Devs', true],
    ['🏳️‍🌈 Pride', true],
    ['❤️‍🔥', true],
    ['ශ්‍රී ලාල්', true], // Sinhala "Sri": a conjunct with U+200D
    ['علی نیک‌نام', true], // Persian: U+200C inside a word
    ['🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} Scotland', true],
    ['\u200DAna', false],
    ['Ana\u200D', false],
    ['A\u200D\u200Dna', false],
    ['A\u200C\u200Dna', false],
    ['A \u200Dna', false],
    ['\u{E0067}Ana', false],
    ['🏴\u{E0067}Ana', false], // tags with no cancel tag are no flag
    ['Sales 🏴\u{E0049}\u{E0047}\u{E004E}\u{E004F}\u{E0052}\u{E0045}\u{E007F}', false], // tag capitals spell hidden text ("IGNORE")
    ['Sales\u200D\uFE0F', false], // a joiner before a mark joins nothing
    ['Sa\u200D\u0301les', false],
    ['Ana\uD83D\u200D\uDC69', false], // two halves of 👩 around a joiner stay broken
    ['x\uD83D🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}\uDC69x', false],
    // A flag's tags: 3 to 7 lower-case letters or digits, after 🏴, before the cancel tag.
    [`🏴${tags('usa')}\u{E007F} Texas`, true],
    [`🏴${tags('usca123')}\u{E007F} A`, true],
    [`🏴${tags('gb')}\u{E007F} A`, false],
    [`🏴${tags('ignoreme')}\u{E007F} A`, false],
    [`Sales ${tags('ignore')}\u{E007F}`, false], // no flag: hidden text
    [`Sales 🏴${tags('ignore')}x`, false], // no cancel tag
    [`Sales 🏳${tags('gbsct')}\u{E007F}`, false], // only the black flag takes tags
    [`Sales 🏴${tags('ig{}')}\u{E007F}`, false], // tag punctuation
  ])('name %j is accepted: %s', (name, accepted) => {
    expect(personNameSchema.safeParse(name).success).toBe(accepted);
    expect(departmentNameSchema.safeParse(name).success).toBe(accepted);
  });

  it.each(['\u2800', '\u2800\u2800', ' \u2800 '])('a name of braille blanks only (%j) shows nothing and is refused as empty', (name) => {
    expect(personNameSchema.safeParse(name).error?.issues[0]?.message).toBe('Name must not be empty.');
    expect(departmentNameSchema.safeParse(name).error?.issues[0]?.message).toBe('Department name must not be empty.');
  });

  fcTest.prop([fc.string({ unit: 'binary', maxLength: 30 })], { numRuns: 2000 })(
    'accepted emails never contain \\p{Cc} or \\p{Cf}, nor names any but joiners and flag tags that draw',
    (raw) => {
      const r = emailSchema.safeParse(raw);
      if (r.success) expect(isControlOrFormat(r.data)).toBe(false);
      // A name keeps the joiners and tags that draw something, and nothing else of the kind.
      for (const schema of [personNameSchema, departmentNameSchema]) {
        const n = schema.safeParse(raw);
        if (n.success) expect(isControlOrFormat(withoutDrawnFormat(n.data))).toBe(false);
      }
    },
  );

  fcTest.prop([fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: mixedCaseLetter, maxLength: 12 }))], {
    numRuns: 2000,
  })('nameKey is case-insensitive and idempotent', (raw) => {
    // Names reach nameKey NFC-normalized (the schemas guarantee it). On
    // non-normalized input, toUpperCase is not closed under canonical
    // equivalence (U+0345 uppercases to a base letter), so no key could be.
    const s = raw.normalize('NFC');
    const key = nameKey(s);
    expect(nameKey(s.toUpperCase())).toBe(key);
    expect(nameKey(s.toLowerCase())).toBe(key);
    expect(nameKey(key)).toBe(key);
  });

  const policyArb = fc
    .integer({ min: 8, max: 80 })
    .chain((minLength) =>
      fc.integer({ min: Math.max(64, minLength), max: 300 }).map((maxLength) => ({ minLength, maxLength, secondFactor: true })),
    );

  fcTest.prop(
    [policyArb.chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p.maxLength + 20 })))
      .chain(([p, n]) => fc.tuple(fc.constant(p), fc.string({ unit: 'binary', minLength: n, maxLength: n })))],
    { numRuns: 500 },
  )('checkPassword accepts exactly lengths in [min, max] code points', ([options, password]) => {
    const policy = passwordPolicy(options)._unsafeUnwrap();
    const length = [...password].length;
    const r = checkPassword(password, policy);
    expect(r.isOk()).toBe(length >= policy.minLength && length <= policy.maxLength);
    if (r.isErr()) {
      expect(r.error.length).toBe(length);
      expect(r.error.reason).toBe(length < policy.minLength ? 'too-short' : 'too-long');
    }
  });

  // Lengths are counted without iterating the string; this pins the count to what `for…of`
  // gives on any UTF-16, lone surrogates and surrogates in the wrong order included.
  const surrogateHeavy = fc
    .array(
      fc.oneof(
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff, 0x61, 0x20),
        fc.integer({ min: 0, max: 0xffff }),
      ),
      { maxLength: 40 },
    )
    .map((units) => String.fromCharCode(...units));

  fcTest.prop([fc.oneof(surrogateHeavy, fc.string({ unit: 'binary', maxLength: 40 }))], { numRuns: 2000 })(
    'checkPassword counts code points exactly as for…of does, on any UTF-16',
    (password) => {
      const r = checkPassword(password, { minLength: 1_000, maxLength: 2_000 });
      expect(r._unsafeUnwrapErr().length).toBe([...password].length);
      // Twice in a row: the count must not depend on state left by the previous call.
      expect(checkPassword(password, { minLength: 1_000, maxLength: 2_000 })._unsafeUnwrapErr().length).toBe([...password].length);
    },
  );

  it('checkPassword counts pairs, lone and reversed surrogates as for…of does', () => {
    const cases = ['', 'a', '\uD83D\uDE42', '\uD83D', '\uDE42', '\uDE42\uD83D', '\uD83D\uD83D\uDE42', 'a\uD83D\uDE42\uDE42b', '\uD83D\uDE42'.repeat(100)];
    for (const password of cases) {
      expect(checkPassword(password, { minLength: 1_000, maxLength: 2_000 })._unsafeUnwrapErr().length, JSON.stringify(password)).toBe([...password].length);
    }
  });
});
