/**
 * `parseInput` copies an input before zod reads it, so that only the input's own enumerable data
 * is seen, each property read once. The copy is made with `Object.assign` onto an object whose
 * prototype is an empty, frozen, prototype-less object (fast for V8 and zod); these tests pin
 * what it guarantees, and prove it gives exactly what the earlier copy (a loop over `Object.keys`
 * into `Object.create(null)`) gave, on the shared hostile inputs and on hand-made hostile objects.
 */
import fc from 'fast-check';
import { err, ok, type Result } from 'neverthrow';
import type { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acceptInvitationSchema,
  assignAgentSchema,
  changeRoleSchema,
  createWorkspaceSchema,
  unreadableInput,
  editAgentSchema,
  inviteAgentSchema,
  parseInput,
  setAvailabilitySchema,
  toFieldIssues,
  validationFailed,
  type ValidationFailed,
} from 'agent-roster';
import { hostile } from '../support/hostile-inputs';

// ---------------------------------------------------------------------------
// The reference: parseInput as it was before the copy was made faster.
// ---------------------------------------------------------------------------

const TOO_DEEP = Symbol('too deep');

function referenceOwnData(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 16) return TOO_DEEP;
  if (Array.isArray(value)) {
    const items = value.map((v) => referenceOwnData(v, depth + 1));
    return items.includes(TOO_DEEP) ? TOO_DEEP : items;
  }
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    const item = referenceOwnData((value as Record<string, unknown>)[key], depth + 1);
    if (item === TOO_DEEP) return TOO_DEEP;
    copy[key] = item;
  }
  return copy;
}

function referenceParse<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, ValidationFailed> {
  try {
    const data = referenceOwnData(input, 0);
    if (data === TOO_DEEP) return err(validationFailed([{ path: '', message: 'is nested too deeply' }]));
    const parsed = schema.safeParse(data);
    return parsed.success ? ok(parsed.data) : err(validationFailed(toFieldIssues(parsed.error.issues)));
  } catch {
    return err(validationFailed([{ path: '', message: 'could not be read' }]));
  }
}

const SCHEMAS: readonly (readonly [string, z.ZodType])[] = [
  ['createWorkspace', createWorkspaceSchema],
  ['inviteAgent', inviteAgentSchema],
  ['acceptInvitation', acceptInvitationSchema],
  ['editAgent', editAgentSchema],
  ['changeRole', changeRoleSchema],
  ['setAvailability', setAvailabilitySchema],
  ['assignAgentToDepartments', assignAgentSchema],
];

/** Both parses of one input; inputs built by `make` so side effects (getters, traps) start afresh for each. */
function both(schema: z.ZodType, make: () => unknown) {
  const actual = parseInput(schema, make());
  const expected = referenceParse(schema, make());
  return { actual, expected };
}

function expectSame(schema: z.ZodType, make: () => unknown, label: string) {
  const { actual, expected } = both(schema, make);
  expect(actual.isOk(), `${label}: ok`).toBe(expected.isOk());
  if (actual.isOk() && expected.isOk()) expect(actual.value, label).toEqual(expected.value);
  if (actual.isErr() && expected.isErr()) expect(actual.error, label).toEqual(expected.error);
}

const VALID: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  createWorkspace: { name: 'Shop', plan: 'pro', owner: { email: 'ana@shop.com', name: 'Ana' }, seatPolicy: { countInactiveAgents: true } },
  inviteAgent: { email: 'dee@shop.com', role: 'agent', departmentIds: ['dep_sales', 'dep_sales'] },
  acceptInvitation: { name: 'Cy', password: 'correct horse battery staple' },
  editAgent: { agentId: 'agt_bob', name: 'Bobby', description: 'Refunds' },
  changeRole: { agentId: 'agt_bob', role: 'admin' },
  setAvailability: { agentId: 'agt_bob', availability: 'online' },
  assignAgentToDepartments: { agentId: 'agt_bob', departmentIds: ['dep_sales'] },
};

describe('parseInput gives what the earlier copy gave', () => {
  const payloads = hostile.object_payloads_json.map((json) => JSON.parse(json) as Record<string, unknown>);

  it.each(SCHEMAS)('%s: on valid input, wrong types and the hostile payloads, whole and per field', (name, schema) => {
    const valid = VALID[name]!;
    expectSame(schema, () => structuredClone(valid), `${name} valid`);
    for (const value of [...hostile.wrong_types, undefined]) {
      expectSame(schema, () => structuredClone(value), `${name} whole ${String(value)}`);
      for (const key of Object.keys(valid)) expectSame(schema, () => ({ ...structuredClone(valid), [key]: value }), `${name}.${key} = ${String(value)}`);
    }
    for (const payload of payloads) {
      expectSame(schema, () => structuredClone(payload), `${name} payload`);
      // A spread copies an own "__proto__" key as data, the way a body parser hands it over.
      expectSame(schema, () => ({ ...structuredClone(valid), ...structuredClone(payload) }), `${name} + payload`);
      for (const key of Object.keys(valid)) expectSame(schema, () => ({ ...structuredClone(valid), [key]: structuredClone(payload) }), `${name}.${key} = payload`);
    }
  });

  it.each(SCHEMAS)('%s: on hand-made hostile objects', (name, schema) => {
    const valid = VALID[name]!;
    const keys = Object.keys(valid);
    const makers: readonly (readonly [string, () => unknown])[] = [
      ['inherited fields', () => Object.create(structuredClone(valid))],
      ['null prototype', () => Object.assign(Object.create(null), structuredClone(valid))],
      ['class instance', () => Object.assign(new (class Input {})(), structuredClone(valid))],
      ['non-enumerable field', () => Object.defineProperty(structuredClone(valid), keys[0]!, { enumerable: false })],
      ['symbol key', () => ({ ...structuredClone(valid), [Symbol('extra')]: { deep: true } })],
      ['getter field', () => Object.defineProperty({ ...structuredClone(valid) }, keys[0]!, { enumerable: true, get: () => valid[keys[0]!] })],
      ['throwing getter', () => Object.defineProperty({ ...structuredClone(valid) }, keys[0]!, { enumerable: true, get: () => { throw new Error('boom'); } })],
      ['Proxy of the valid input', () => new Proxy(structuredClone(valid), {})],
      ['Proxy with throwing traps', () => new Proxy(structuredClone(valid), { ownKeys: () => { throw new Error('boom'); } })],
      ['Proxy whose get throws', () => new Proxy(structuredClone(valid), { get: () => { throw new Error('boom'); } })],
      ['array', () => Object.values(valid)],
      ['boxed string', () => new String('agt_bob')],
      ['date', () => new Date(0)],
      ['map', () => new Map(Object.entries(valid))],
      ['numeric keys', () => ({ ...structuredClone(valid), 0: 'a', 1: 'b' })],
      ['frozen input', () => Object.freeze(structuredClone(valid))],
    ];
    for (const [label, make] of makers) expectSame(schema, make, `${name}: ${label}`);
  });

  it('agrees on nesting at and past the depth guard', () => {
    const nest = (levels: number): unknown => (levels === 0 ? 'x' : { a: nest(levels - 1) });
    const nestArrays = (levels: number): unknown => (levels === 0 ? 'x' : [nestArrays(levels - 1)]);
    for (const levels of [14, 15, 16, 17, 18, 40]) {
      for (const [name, schema] of SCHEMAS) {
        const valid = VALID[name]!;
        expectSame(schema, () => ({ ...structuredClone(valid), extra: nest(levels) }), `${name} object depth ${levels}`);
        expectSame(schema, () => ({ ...structuredClone(valid), extra: nestArrays(levels) }), `${name} array depth ${levels}`);
      }
    }
  });

  it('agrees on arbitrary JSON-like values', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SCHEMAS), fc.anything({ withObjectString: true, withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, maxDepth: 4 }), ([, schema], value) => {
        expectSame(schema, () => value, 'anything');
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...SCHEMAS), fc.dictionary(fc.constantFrom('agentId', 'role', 'availability', 'email', 'name', 'password', 'departmentIds', 'owner', 'plan', '__proto__', 'constructor'), fc.anything({ maxDepth: 2 })), ([, schema], value) => {
        expectSame(schema, () => value, 'dictionary');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseInput sees only own enumerable data', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>)['role'];
    delete (Object.prototype as Record<string, unknown>)['availability'];
  });

  it('does not let an inherited field fill a missing one', () => {
    const input = Object.create({ role: 'admin' }) as Record<string, unknown>;
    input['agentId'] = 'agt_bob';
    const result = parseInput(changeRoleSchema, input);
    expect(result._unsafeUnwrapErr().issues.map((i) => i.path)).toEqual(['role']);
  });

  it('does not let a polluted Object.prototype fill a missing field, nor report it as unknown', () => {
    (Object.prototype as Record<string, unknown>)['role'] = 'admin';
    expect(parseInput(changeRoleSchema, { agentId: 'agt_bob' })._unsafeUnwrapErr().issues.map((i) => i.path)).toEqual(['role']);
    expect(parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'agent' })._unsafeUnwrap()).toEqual({ agentId: 'agt_bob', role: 'agent' });
  });

  it('refuses an own "__proto__" key as an unknown field and touches no prototype', () => {
    const input = JSON.parse('{"agentId": "agt_bob", "availability": "online", "__proto__": {"availability": "away"}}') as unknown;
    const result = parseInput(setAvailabilitySchema, input);
    expect(result._unsafeUnwrapErr().issues).toEqual([{ path: '__proto__', message: 'is not a known field' }]);
    expect(({} as Record<string, unknown>)['availability']).toBeUndefined();
  });

  it('names each unknown key at its own path, nested ones included, beside the other bad fields', () => {
    const result = parseInput(createWorkspaceSchema, {
      name: '',
      plan: 'starter',
      isAdmin: true,
      owner: { email: 'ana@shop.com', name: 'Ana', nickname: 'A', role: 'owner' },
    });
    const error = result._unsafeUnwrapErr();
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'isAdmin', message: 'is not a known field' },
        { path: 'owner.nickname', message: 'is not a known field' },
        { path: 'owner.role', message: 'is not a known field' },
        expect.objectContaining({ path: 'name' }),
      ]),
    );
    expect(error.issues).toHaveLength(4);
    expect(error.message).toMatch(/isAdmin/);
    expect(error.message).toMatch(/owner\.nickname: is not a known field; owner\.role: is not a known field/);
    expect(error.message).toMatch(/name: Name must not be empty/);
  });

  it("does not let a polluted Array.prototype fill an array's hole", () => {
    (Array.prototype as unknown as Record<number, unknown>)[0] = 'dep_smuggled';
    try {
      const holey: unknown[] = [];
      holey.length = 1;
      const issues = parseInput(inviteAgentSchema, { email: 'dee@shop.com', departmentIds: holey })._unsafeUnwrapErr().issues;
      expect(issues.map((i) => i.path)).toEqual(['departmentIds.0']);
      const valid = ['dep_sales'];
      valid.length = 2;
      expect(parseInput(inviteAgentSchema, { email: 'dee@shop.com', departmentIds: valid }).isErr()).toBe(true);
    } finally {
      delete (Array.prototype as unknown as Record<number, unknown>)[0];
    }
  });

  it('refuses a list longer than any schema takes before copying it: a sparse array of length 2³² − 1 costs nothing', () => {
    const endless: unknown[] = [];
    endless.length = 2 ** 32 - 1;
    const error = parseInput(inviteAgentSchema, { email: 'dee@shop.com', departmentIds: endless })._unsafeUnwrapErr();
    expect(error.issues).toEqual([{ path: '', message: 'holds a list of more than 1000000 items' }]);
    // A list within the bound is the schema's to judge, at its field.
    const over = Array.from({ length: 101 }, (_, i) => `dep_${i}`);
    expect(parseInput(inviteAgentSchema, { email: 'dee@shop.com', departmentIds: over })._unsafeUnwrapErr().issues[0]?.path).toBe('departmentIds');
  });

  it('tells the first 10 fields and their reasons in `message`, and how many more, however many issues there are', () => {
    const issues = Array.from({ length: 10_000 }, (_, i) => ({ path: `capacities.bad${i}`, message: 'must be an agent id like "agt_…".' }));
    const { message } = validationFailed(issues);
    expect(message).toMatch(/^Invalid input: capacities\.bad0: must be an agent id like "agt_…"; capacities\.bad1: /);
    expect(message).toMatch(/; capacities\.bad9: must be an agent id like "agt_…" \(and 9990 more\)\.$/);
    expect(message.length).toBeLessThan(600);
  });

  it("reads an array's own items, not a `map` the input carries", () => {
    const departmentIds = Object.assign(['dep_sales'], { map: () => 'not an array' });
    expect(parseInput(inviteAgentSchema, { email: 'dee@shop.com', departmentIds })._unsafeUnwrap().departmentIds).toEqual(['dep_sales']);
  });

  it.each([
    ['a line break, to forge a log line', '\n2026-01-01 ERROR admin password reset ok'],
    ['an escape sequence, to repaint a terminal', '\u001b[2J'],
    ['a right-to-left override', 'isAdmin\u202E'],
    ['a lone surrogate', 'a\uD800'],
    ['65 characters', 'k'.repeat(65)],
  ])('names an unknown key holding %s as `?`, so a refusal never echoes it', (_, key) => {
    const error = parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'admin', [key]: 1 })._unsafeUnwrapErr();
    expect(error.issues).toEqual([{ path: '?', message: 'is not a known field' }]);
    expect(error.message).toBe('Invalid input: ?: is not a known field.');
  });

  it('names an unknown key of ordinary text as it was sent, spaces and accents included', () => {
    const keys = ['first name', 'prénom', '名前', 'k'.repeat(64), '🔒'];
    const error = parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'admin', ...Object.fromEntries(keys.map((k) => [k, 1])) })._unsafeUnwrapErr();
    expect(error.issues.map((i) => i.path)).toEqual(keys);
  });

  it('names at most the first 10 unknown keys of an object, so a flood of keys gets an answer of ordinary size', () => {
    const flood = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`extra${i}`, i]));
    const error = parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'admin', ...flood })._unsafeUnwrapErr();
    expect(error.issues.map((i) => i.path)).toEqual(Array.from({ length: 10 }, (_, i) => `extra${i}`));
    expect(error.message.length).toBeLessThan(400);
  });

  it('refuses an input whose reading throws with the same error unreadableInput() gives', () => {
    const throwing = new Proxy({}, { ownKeys: () => { throw new Error('boom'); } });
    expect(parseInput(setAvailabilitySchema, throwing)._unsafeUnwrapErr()).toEqual(unreadableInput());
    expect(unreadableInput()).toEqual({ type: 'ValidationFailed', issues: [{ path: '', message: 'could not be read' }], message: 'Invalid input: (input): could not be read.' });
  });

  it('ignores non-enumerable own fields', () => {
    const input = Object.defineProperty({ agentId: 'agt_bob' }, 'role', { value: 'admin', enumerable: false });
    expect(parseInput(changeRoleSchema, input)._unsafeUnwrapErr().issues.map((i) => i.path)).toEqual(['role']);
  });

  it('reads every field once, so a getter cannot show zod one value and the command another', () => {
    let reads = 0;
    const input = Object.defineProperty({ agentId: 'agt_bob' }, 'role', {
      enumerable: true,
      get: () => (++reads === 1 ? 'agent' : 'admin'),
    });
    expect(parseInput(changeRoleSchema, input)._unsafeUnwrap()).toEqual({ agentId: 'agt_bob', role: 'agent' });
    expect(reads).toBe(1);
  });

  it('reads every field of a Proxy once, nested ones included', () => {
    const gets: string[] = [];
    const counted = <T extends object>(target: T, prefix: string): T =>
      new Proxy(target, {
        get(t, key, receiver) {
          if (typeof key === 'string') gets.push(`${prefix}${key}`);
          return Reflect.get(t, key, receiver);
        },
      });
    const owner = counted({ email: 'ana@shop.com', name: 'Ana' }, 'owner.');
    const result = parseInput(createWorkspaceSchema, counted({ name: 'Shop', owner }, ''));
    expect(result.isOk()).toBe(true);
    expect(gets.sort()).toEqual(['name', 'owner', 'owner.email', 'owner.name']);
  });

  it('copies an object met in many places once it is big, so a node repeated level after level costs what its few bytes do', () => {
    // What structuredClone, v8.deserialize or superjson rebuild from ~200 bytes: each level a list
    // of ten references to the level below. Copied once per place, 10⁷ places took seconds.
    let reads = 0;
    let node: unknown = new Proxy({ leaf: true }, { ownKeys: (t) => (reads++, Reflect.ownKeys(t)) });
    // Five levels here (10⁵ places), so that a regression fails in a second rather than a minute.
    for (let level = 0; level < 5; level++) node = Array.from({ length: 10 }, () => node);
    const refused = parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'admin', junk: node })._unsafeUnwrapErr();
    expect(refused.issues).toEqual([{ path: 'junk', message: 'is not a known field' }]);
    // The leaf is small (a copy of at most 16 slots is made again where it is met again, at most
    // that many slots a place): 10 reads of it, not 100,000.
    expect(reads).toBe(10);
    // Symbol keys count, though `for…in` skips them: a leaf of a thousand is no small one.
    let symbolReads = 0;
    const symbols = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [Symbol(String(i)), i]));
    const heavy = new Proxy(symbols, { ownKeys: (t) => (symbolReads++, Reflect.ownKeys(t)) });
    const many = parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'admin', junk: Array.from({ length: 2_000 }, () => heavy) });
    expect(many._unsafeUnwrapErr().issues).toEqual([{ path: 'junk', message: 'is not a known field' }]);
    expect(symbolReads).toBe(1);
    // A big list shared by two fields is read once, and both places get its items.
    const ids = Array.from({ length: 20 }, (_, i) => `dep_${i}`);
    let lengthReads = 0;
    const shared = new Proxy(ids, { get: (t, k, r) => (k === 'length' && lengthReads++, Reflect.get(t, k, r)) });
    const twice = parseInput(createWorkspaceSchema, { name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana' }, extra: [shared, shared] });
    expect(twice._unsafeUnwrapErr().issues).toEqual([{ path: 'extra', message: 'is not a known field' }]);
    expect(lengthReads).toBe(1);
    // A small one is copied at each place, each copy whole.
    const few = ['dep_sales', 'dep_billing'];
    expect(parseInput(assignAgentSchema, { agentId: 'agt_bob', departmentIds: few })._unsafeUnwrap().departmentIds).toEqual(few);
  });

  it('still refuses a cycle as nested too deeply: an object is shared only once its copy is whole', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop['self'] = loop;
    const wide: unknown[] = [];
    wide.push(wide, wide);
    for (const junk of [loop, wide, [loop, loop]]) {
      expect(parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'admin', junk })._unsafeUnwrapErr().issues).toEqual([{ path: '', message: 'is nested too deeply' }]);
    }
  });

  it('turns inputs that cannot be read into ValidationFailed', () => {
    const trap = () => {
      throw new Error('boom');
    };
    const inputs = [
      Object.defineProperty({}, 'agentId', { enumerable: true, get: trap }),
      new Proxy({}, { ownKeys: trap }),
      new Proxy({ agentId: 'agt_bob', role: 'admin' }, { get: trap }),
      new Proxy({ agentId: 'agt_bob', role: 'admin' }, { getOwnPropertyDescriptor: trap }),
      { agentId: 'agt_bob', role: 'admin', nested: new Proxy({}, { ownKeys: trap }) },
    ];
    for (const input of inputs) {
      expect(parseInput(changeRoleSchema, input)._unsafeUnwrapErr()).toEqual({
        type: 'ValidationFailed',
        issues: [{ path: '', message: 'could not be read' }],
        message: 'Invalid input: (input): could not be read.',
      });
    }
  });

  it('refuses inputs nested deeper than 16 levels before zod sees them', () => {
    let deep: unknown = 'x';
    for (let n = 0; n < 17; n++) deep = { a: deep };
    expect(parseInput(changeRoleSchema, { agentId: 'agt_bob', role: 'admin', deep })._unsafeUnwrapErr().issues).toEqual([
      { path: '', message: 'is nested too deeply' },
    ]);
  });

  it('leaves the input as it was', () => {
    const input = { email: 'Dee@Shop.com', departmentIds: ['dep_sales', 'dep_sales'] };
    const before = structuredClone(input);
    expect(parseInput(inviteAgentSchema, input)._unsafeUnwrap()).toEqual({ email: 'dee@shop.com', role: 'agent', departmentIds: ['dep_sales'] });
    expect(input).toEqual(before);
  });
});
