/**
 * Every command that takes input, fed the hostile lists of test/fixtures/hostile-inputs.json:
 * an invalid value is always an `err` (ValidationFailed, or WeakPassword for a password), never a
 * throw; a valid one is accepted; nothing is changed, neither the state nor Object.prototype.
 */
import { readFileSync } from 'node:fs';
import type { Result } from 'neverthrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptInvitation,
  activateAgent,
  assignAgentToDepartments,
  changePlan,
  changeRole,
  changeSettings,
  createDepartment,
  createWorkspace,
  deactivateAgent,
  deleteAgent,
  deleteDepartment,
  editAgent,
  inviteAgent,
  removeAgentFromDepartment,
  renameDepartment,
  resendInvitation,
  revokeInvitation,
  setAvailability,
  transferOwnership,
  type DomainError,
  type RosterEvent,
} from 'agent-roster';
import { aTokenHash, ids, rosterOf, rosterView, STRONG_PASSWORD, T0 } from '../../src/testing/mothers';
import { deepFreeze, firstDifference } from '../../src/testing/scenario';

type Fixture = Readonly<{
  emails_invalid: readonly string[];
  emails_valid: readonly string[];
  emails_equivalent: readonly (readonly [string, string])[];
  emails_distinct: readonly (readonly [string, string])[];
  names_invalid: readonly string[];
  names_valid: readonly string[];
  passwords_invalid_default_policy: readonly string[];
  passwords_valid_default_policy: readonly string[];
  wrong_types: readonly unknown[];
  roles_invalid: readonly string[];
  object_payloads_json: readonly string[];
}>;

/**
 * The fixture lists a bare `Infinity` among wrong types, which strict JSON cannot hold; it is read
 * as the number it means. (Only a bare value is rewritten: one that follows `[`, `,` or `:`.)
 */
function loadFixture(): Fixture {
  const text = readFileSync(new URL('../fixtures/hostile-inputs.json', import.meta.url), 'utf8');
  return JSON.parse(text.replace(/(?<=[[,:]\s*)Infinity(?=\s*[,\]}])/g, '1e999')) as Fixture;
}

const fixture = loadFixture();

// ---------------------------------------------------------------------------
// One roster every command runs against, frozen so that a command that writes to it throws.
// ---------------------------------------------------------------------------

const shop = rosterOf({ departments: ['Sales'], agents: [{ name: 'Bob', departments: ['Sales'] }], invitations: [{ email: 'cy@shop.com' }] });
const state = deepFreeze(shop.state);
const before = structuredClone(state);
const roster = rosterView(state);
const owner = roster.owner;
const workspace = roster.workspace;
const bob = roster.agent('Bob');
const cy = roster.invitation('cy@shop.com');
const sales = roster.department('Sales');
const now = T0;

type Field = Readonly<{
  kind: 'email' | 'name' | 'role' | 'password' | 'id' | 'other';
  /** For ids: the prefix the field wants, so other prefixes are hostile. */
  prefix?: 'ws' | 'agt' | 'inv' | 'dep';
  /** Values from `wrong_types` that this field legitimately accepts. */
  accepts?: readonly unknown[];
}>;

type Command = Readonly<{
  name: string;
  run: (input: never) => Result<unknown, DomainError>;
  valid: Readonly<Record<string, unknown>>;
  fields: Readonly<Record<string, Field>>;
  /** Values from `wrong_types` that are a valid whole input (every field optional). */
  acceptsAsWhole?: readonly unknown[];
}>;

const email: Field = { kind: 'email' };
const name: Field = { kind: 'name' };
const role: Field = { kind: 'role' };
const flag: Field = { kind: 'other', accepts: [true] };
const agentId: Field = { kind: 'id', prefix: 'agt' };
const invitationId: Field = { kind: 'id', prefix: 'inv' };
const departmentId: Field = { kind: 'id', prefix: 'dep' };
const departmentIds: Field = { kind: 'other', accepts: [[]] };
const seatPolicy: Field = { kind: 'other', accepts: [{}] };
const ttl: Field = { kind: 'other', accepts: [42] };

const COMMANDS: readonly Command[] = [
  {
    name: 'createWorkspace',
    run: (input) => createWorkspace(input, { now, workspaceId: ids.workspace('new'), ownerId: ids.agent('new') }),
    valid: {
      name: 'Shop',
      plan: 'pro',
      owner: { email: 'ana@shop.com', name: 'Ana' },
      seatPolicy: { countInactiveAgents: true, reserveSeatsForInvitations: true },
      invitationTtlHours: 168,
    },
    fields: {
      name,
      plan: { kind: 'other' },
      owner: { kind: 'other' },
      'owner.email': email,
      'owner.name': name,
      seatPolicy,
      'seatPolicy.countInactiveAgents': flag,
      'seatPolicy.reserveSeatsForInvitations': flag,
      invitationTtlHours: ttl,
    },
  },
  {
    name: 'changePlan',
    run: (input) => changePlan({ workspace, actor: owner }, input, { now }),
    valid: { plan: 'enterprise' },
    fields: { plan: { kind: 'other' } },
  },
  {
    name: 'changeSettings',
    run: (input) => changeSettings({ workspace, actor: owner }, input, { now }),
    valid: { name: 'Shop EU', seatPolicy: { countInactiveAgents: true }, invitationTtlHours: 48 },
    fields: { name, seatPolicy, 'seatPolicy.countInactiveAgents': flag, invitationTtlHours: ttl },
    // Every setting is optional, so an empty object is a valid request that changes nothing.
    acceptsAsWhole: [{}],
  },
  {
    name: 'inviteAgent',
    run: (input) =>
      inviteAgent({ workspace, actor: owner, departments: [sales] }, input, {
        now,
        invitationId: ids.invitation('new'),
        tokenHash: aTokenHash('new'),
        emailStatus: 'available',
      }),
    valid: { email: 'dee@shop.com', role: 'agent', departmentIds: ['dep_sales'] },
    fields: { email, role, departmentIds },
  },
  {
    name: 'resendInvitation',
    run: (input) =>
      resendInvitation({ workspace, actor: owner, invitation: cy, departments: [sales] }, input, {
        now,
        tokenHash: aTokenHash('again'),
        emailStatus: roster.emailStatus(cy.email, cy.id),
      }),
    valid: { invitationId: 'inv_cy' },
    fields: { invitationId },
  },
  {
    name: 'revokeInvitation',
    run: (input) => revokeInvitation({ workspace, actor: owner, invitation: cy }, input, { now }),
    valid: { invitationId: 'inv_cy' },
    fields: { invitationId },
  },
  {
    name: 'acceptInvitation',
    run: (input) =>
      acceptInvitation({ workspace, invitation: cy, departments: [sales] }, input, {
        now,
        presentedTokenHash: cy.tokenHash,
        agentId: ids.agent('cy'),
        emailStatus: 'available',
      }),
    valid: { name: 'Cy', password: STRONG_PASSWORD },
    fields: { name, password: { kind: 'password' } },
  },
  {
    name: 'editAgent',
    run: (input) => editAgent({ workspace, actor: owner, agent: bob }, input, { now, emailStatus: 'available' }),
    valid: { agentId: 'agt_bob', name: 'Bobby', email: 'bobby@shop.com', description: 'Refunds' },
    fields: { agentId, name, email, description: { kind: 'other' } },
  },
  {
    name: 'changeRole',
    run: (input) => changeRole({ workspace, actor: owner, agent: bob }, input, { now }),
    valid: { agentId: 'agt_bob', role: 'admin' },
    fields: { agentId, role },
  },
  {
    name: 'activateAgent',
    run: (input) => activateAgent({ workspace, actor: owner, agent: bob }, input, { now }),
    valid: { agentId: 'agt_bob' },
    fields: { agentId },
  },
  {
    name: 'deactivateAgent',
    run: (input) => deactivateAgent({ workspace, actor: owner, agent: bob }, input, { now }),
    valid: { agentId: 'agt_bob' },
    fields: { agentId },
  },
  {
    name: 'setAvailability',
    run: (input) => setAvailability({ workspace, actor: owner, agent: bob }, input, { now }),
    valid: { agentId: 'agt_bob', availability: 'online' },
    fields: { agentId, availability: { kind: 'other' } },
  },
  {
    name: 'deleteAgent',
    run: (input) => deleteAgent({ workspace, actor: owner, agent: bob }, input, { now }),
    valid: { agentId: 'agt_bob' },
    fields: { agentId },
  },
  {
    name: 'transferOwnership',
    run: (input) => transferOwnership({ workspace, actor: owner, newOwner: bob }, input, { now }),
    valid: { toAgentId: 'agt_bob', formerOwnerRole: 'agent' },
    fields: { toAgentId: agentId, formerOwnerRole: role },
  },
  {
    name: 'createDepartment',
    run: (input) => createDepartment({ workspace, actor: owner }, input, { now, departmentId: ids.department('new'), nameTaken: false }),
    valid: { name: 'Support' },
    fields: { name },
  },
  {
    name: 'renameDepartment',
    run: (input) => renameDepartment({ workspace, actor: owner, department: sales }, input, { now, nameTaken: false }),
    valid: { departmentId: 'dep_sales', name: 'Sales EU' },
    fields: { departmentId, name },
  },
  {
    name: 'deleteDepartment',
    run: (input) => deleteDepartment({ workspace, actor: owner, department: sales, members: [bob], invitations: [cy] }, input, { now }),
    valid: { departmentId: 'dep_sales' },
    fields: { departmentId },
  },
  {
    name: 'assignAgentToDepartments',
    run: (input) => assignAgentToDepartments({ workspace, actor: owner, agent: bob, departments: [sales] }, input, { now }),
    valid: { agentId: 'agt_bob', departmentIds: ['dep_sales'] },
    fields: { agentId, departmentIds },
  },
  {
    name: 'removeAgentFromDepartment',
    run: (input) => removeAgentFromDepartment({ workspace, actor: owner, agent: bob, department: sales }, input, { now }),
    valid: { agentId: 'agt_bob', departmentId: 'dep_sales' },
    fields: { agentId, departmentId },
  },
];

/** Ids no command may take: reserved words, malformed, too long, or with another prefix. */
const HOSTILE_IDS = ['', '__proto__', 'constructor', 'prototype', 'toString', 'agt_', 'agt_../../etc', 'agt_a b', 'AGT_bob', 'agt_bob\n', ` agt_bob`, `agt_${'x'.repeat(65)}`, 'agt_bøb'];
const PREFIXED = { ws: 'ws_shop', agt: 'agt_bob', inv: 'inv_cy', dep: 'dep_sales' } as const;

/** A copy of `input` with the value at a dotted path replaced. */
function withField(input: Readonly<Record<string, unknown>>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(input) as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop()!;
  let target = copy;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  target[last] = value;
  return copy;
}

/** Every (command, field) whose field is of a kind. */
const fieldsOfKind = (kind: Field['kind']) =>
  COMMANDS.flatMap((command) =>
    Object.entries(command.fields)
      .filter(([, field]) => field.kind === kind)
      .map(([path, field]) => ({ command, path, field, label: `${command.name}.${path}` })),
  );

/** A short label for a value; never throws, even on a hostile object. */
const show = (value: unknown) => {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = '(unreadable)';
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/** Runs a command and expects a ValidationFailed naming `path` (or the input itself for `''`). */
function expectRefused(command: Command, input: unknown, path: string) {
  const result = command.run(input as never);
  expect(result.isErr(), `${command.name} accepted ${show(input)}`).toBe(true);
  const error = result._unsafeUnwrapErr();
  expect(error.type, `${command.name} on ${show(input)}: ${error.message}`).toBe('ValidationFailed');
  if (error.type !== 'ValidationFailed') return;
  const named = error.issues.some((issue) => issue.path === path || issue.path.startsWith(`${path}.`) || path === '');
  expect(named, `${command.name}: no issue at "${path}" in ${JSON.stringify(error.issues)}`).toBe(true);
}

function expectAccepted(command: Command, input: unknown) {
  const result = command.run(input as never);
  expect(result.isOk(), `${command.name} refused ${show(input)}: ${result.isErr() ? JSON.stringify(result.error) : ''}`).toBe(true);
  return result._unsafeUnwrap();
}

// ---------------------------------------------------------------------------
// Nothing outside the commands changes.
// ---------------------------------------------------------------------------

const prototypeKeys = () => Reflect.ownKeys(Object.prototype).map(String).sort();
let prototypeBefore: readonly string[] = [];

beforeAll(() => {
  prototypeBefore = prototypeKeys();
});

afterAll(() => {
  expect(prototypeKeys()).toEqual(prototypeBefore);
  expect(firstDifference(before, state)).toBeUndefined();
});

describe('the fixture', () => {
  it('holds the lists this file runs, Infinity included', () => {
    expect(fixture.wrong_types).toContain(Infinity);
    expect(fixture.emails_invalid.length).toBeGreaterThan(20);
    expect(fixture.object_payloads_json.length).toBeGreaterThan(0);
  });
});

describe('valid inputs', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s accepts its valid input', (_, command) => {
    expectAccepted(command, command.valid);
  });

  it.each(fieldsOfKind('email').map((f) => [f.label, f] as const))('%s accepts every valid email', (_, { command, path }) => {
    for (const value of fixture.emails_valid) expectAccepted(command, withField(command.valid, path, value));
  });

  it.each(fieldsOfKind('name').map((f) => [f.label, f] as const))('%s accepts every valid name', (_, { command, path }) => {
    for (const value of fixture.names_valid) expectAccepted(command, withField(command.valid, path, value));
  });

  it.each(fieldsOfKind('role').map((f) => [f.label, f] as const))('%s accepts both roles', (_, { command, path }) => {
    for (const value of ['admin', 'agent']) expectAccepted(command, withField(command.valid, path, value));
  });

  it('acceptInvitation accepts every valid password, and hands it back unchanged', () => {
    const accept = COMMANDS.find((c) => c.name === 'acceptInvitation')!;
    for (const password of fixture.passwords_valid_default_policy) {
      expect((expectAccepted(accept, { name: 'Cy', password }) as { password: string }).password).toBe(password);
    }
  });

  it('inviteAgent stores equivalent emails as the same address and distinct ones apart', () => {
    const invite = COMMANDS.find((c) => c.name === 'inviteAgent')!;
    const invitedEmail = (address: string) => (expectAccepted(invite, { email: address }) as { events: readonly RosterEvent[] }).events[0];
    const emailOf = (address: string) => {
      const sent = invitedEmail(address);
      return sent?.type === 'InvitationSent' ? sent.data.email : undefined;
    };
    for (const [a, b] of fixture.emails_equivalent) expect(emailOf(a), `${a} ≡ ${b}`).toBe(emailOf(b));
    for (const [a, b] of fixture.emails_distinct) expect(emailOf(a), `${a} ≠ ${b}`).not.toBe(emailOf(b));
  });
});

describe('wrong types', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s refuses every wrong type as its whole input', (_, command) => {
    for (const value of fixture.wrong_types) {
      if ((command.acceptsAsWhole ?? []).some((ok) => firstDifference(ok, value) === undefined)) expectAccepted(command, value);
      else expectRefused(command, value, '');
    }
    expectRefused(command, undefined, '');
  });

  const everyField = COMMANDS.flatMap((command) => Object.entries(command.fields).map(([path, field]) => ({ command, path, field, label: `${command.name}.${path}` })));
  it.each(everyField.map((f) => [f.label, f] as const))('%s refuses every wrong type', (_, { command, path, field }) => {
    const hostile = fixture.wrong_types.filter((value) => !(field.accepts ?? []).some((ok) => firstDifference(ok, value) === undefined));
    expect(hostile.length).toBeGreaterThan(0);
    for (const value of hostile) expectRefused(command, withField(command.valid, path, value), path);
  });
});

describe('hostile object payloads', () => {
  const payloads = fixture.object_payloads_json.map((json) => [json, JSON.parse(json) as Record<string, unknown>] as const);

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s refuses every payload as its whole input', (_, command) => {
    for (const [, payload] of payloads) expectRefused(command, payload, '');
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s refuses its valid input with hostile keys added', (_, command) => {
    for (const [, payload] of payloads) {
      // A spread copies an own "__proto__" key as data, the way a body parser hands it over.
      expectRefused(command, { ...command.valid, ...payload }, '');
    }
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s refuses a payload in place of each field', (_, command) => {
    for (const [, payload] of payloads) {
      for (const path of Object.keys(command.fields)) expectRefused(command, withField(command.valid, path, payload), path);
    }
  });

  it('leaves plain objects without the keys the payloads tried to plant', () => {
    const probe = {} as Record<string, unknown>;
    expect(probe['isAdmin']).toBeUndefined();
    expect(probe['role']).toBeUndefined();
    expect(Object.prototype.toString.call(probe)).toBe('[object Object]');
  });

  it('refuses, rather than throws on, inputs that cannot be read', () => {
    const throwingGetter = Object.defineProperty({}, 'email', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const trap = () => {
      throw new Error('boom');
    };
    const hostileProxy = new Proxy({}, { get: trap, ownKeys: trap, getPrototypeOf: trap, has: trap, getOwnPropertyDescriptor: trap });
    for (const command of COMMANDS) {
      expectRefused(command, throwingGetter, '');
      expectRefused(command, hostileProxy, '');
    }
  });
});

describe('invalid emails', () => {
  it.each(fieldsOfKind('email').map((f) => [f.label, f] as const))('%s refuses every invalid email', (_, { command, path }) => {
    for (const value of fixture.emails_invalid) expectRefused(command, withField(command.valid, path, value), path);
  });
});

describe('invalid names', () => {
  it.each(fieldsOfKind('name').map((f) => [f.label, f] as const))('%s refuses every invalid name', (_, { command, path }) => {
    for (const value of fixture.names_invalid) expectRefused(command, withField(command.valid, path, value), path);
  });
});

describe('invalid roles', () => {
  it.each(fieldsOfKind('role').map((f) => [f.label, f] as const))('%s refuses every invalid role, "owner" included', (_, { command, path }) => {
    for (const value of fixture.roles_invalid) expectRefused(command, withField(command.valid, path, value), path);
  });
});

describe('hostile ids', () => {
  it.each(fieldsOfKind('id').map((f) => [f.label, f] as const))('%s refuses reserved, malformed and foreign ids', (_, { command, path, field }) => {
    const otherPrefixes = Object.entries(PREFIXED).filter(([prefix]) => prefix !== field.prefix).map(([, id]) => id);
    for (const value of [...HOSTILE_IDS, ...otherPrefixes]) expectRefused(command, withField(command.valid, path, value), path);
  });
});

describe('invalid passwords', () => {
  const accept = COMMANDS.find((c) => c.name === 'acceptInvitation')!;

  it.each(fixture.passwords_invalid_default_policy.map((p) => [show(p), p] as const))('acceptInvitation refuses %s', (_, password) => {
    const result = accept.run({ name: 'Cy', password } as never);
    expect(result.isErr()).toBe(true);
    const error = result._unsafeUnwrapErr();
    // Within the input guard (8192 code points, with every zod of the peer range) the policy
    // speaks; beyond it, validation does.
    expect(error.type).toBe([...password].length <= 8192 ? 'WeakPassword' : 'ValidationFailed');
    expect(error).not.toHaveProperty('password');
    // Long enough not to occur in an error's own words by chance.
    if (password.length >= 10) expect(JSON.stringify(error)).not.toContain(password);
  });
});

describe('several bad fields at once', () => {
  const byName = (name: string) => COMMANDS.find((c) => c.name === name)!;
  const issuePaths = (command: Command, input: unknown) => {
    const error = command.run(input as never)._unsafeUnwrapErr();
    expect(error.type).toBe('ValidationFailed');
    return error.type === 'ValidationFailed' ? error.issues.map((i) => i.path).sort() : [];
  };

  it('lists every bad field of an invitation, each with its path', () => {
    expect(issuePaths(byName('inviteAgent'), { email: 'nope', role: 'owner' })).toEqual(['email', 'role']);
  });

  it('lists bad nested fields with dotted paths', () => {
    expect(issuePaths(byName('createWorkspace'), { name: '', owner: { email: 'a@b', name: 'Ana' } })).toEqual(['name', 'owner.email']);
    expect(issuePaths(byName('inviteAgent'), { email: 'dee@shop.com', departmentIds: ['dep_sales', 'sales', 'dep_x', 7] })).toEqual([
      'departmentIds.1',
      'departmentIds.3',
    ]);
  });

  it('lists a bad field and an unknown key together', () => {
    expect(issuePaths(byName('acceptInvitation'), { name: '\u200b', password: 42, isAdmin: true })).toEqual(['isAdmin', 'name', 'password']);
  });
});
