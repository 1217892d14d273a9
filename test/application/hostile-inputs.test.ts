/**
 * Every use case of `createRoster`, fed the hostile inputs of test/fixtures/hostile-inputs.json:
 * as its whole input, as its actor, and in each of its fields. Each must answer with a typed
 * error (ValidationFailed, or WeakPassword / InvalidToken where that is the documented outcome):
 * never a throw, never a rejected promise, never a commit, and Object.prototype left alone.
 */
import { readFileSync } from 'node:fs';
import type { Result } from 'neverthrow';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CapturingMailer,
  createRoster,
  ManualClock,
  MemoryIdentity,
  MemoryRosterStore,
  type ActorRef,
  type Roster,
  type Commit,
  type RosterStore,
  type ValidationFailed,
} from 'agent-roster';

type Fixture = Readonly<{
  emails_invalid: readonly string[];
  names_invalid: readonly string[];
  passwords_invalid_default_policy: readonly string[];
  wrong_types: readonly unknown[];
  object_payloads_json: readonly string[];
  roles_invalid: readonly string[];
}>;

/** The fixture holds a bare `Infinity`, which JSON does not allow; it is read as the number it means. */
function loadFixture(): Fixture {
  const text = readFileSync(new URL('../fixtures/hostile-inputs.json', import.meta.url), 'utf8');
  return JSON.parse(text.replace(/^(\s*)(-?)Infinity(,?)$/gm, '$1$21e999$3')) as Fixture;
}
const fixture = loadFixture();
const payloads = fixture.object_payloads_json.map((json) => JSON.parse(json) as Record<string, unknown>);

const PASSWORD = 'correct horse battery staple';

/** Strings no id field accepts, whatever its prefix. */
const BAD_IDS = ['', '__proto__', 'constructor', 'prototype', 'zz_1', 'agt_ spaced', 'dep_a/b', `inv_${'a'.repeat(65)}`, 'ws_\u0000'];
const isEmptyArray = (v: unknown) => Array.isArray(v) && v.length === 0;
const isEmptyObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

/** What may go into a field of a given kind, besides the fixture's wrong types. */
const KINDS = {
  email: { extra: fixture.emails_invalid, valid: () => false },
  name: { extra: fixture.names_invalid, valid: () => false },
  role: { extra: fixture.roles_invalid, valid: () => false },
  availability: { extra: ['ONLINE', 'busy', '', ' online', 'offline'], valid: () => false },
  password: { extra: fixture.passwords_invalid_default_policy, valid: () => false },
  id: { extra: BAD_IDS, valid: () => false },
  ids: { extra: [['__proto__'], [['dep_x']], BAD_IDS, Array.from({ length: 101 }, (_, i) => `dep_${i}`)], valid: isEmptyArray },
  token: { extra: ['', 'a', `${'A'.repeat(43)}=`, '../../etc/passwd', 'A'.repeat(201), '__proto__', ' '.repeat(43)], valid: () => false },
  ttl: { extra: [0, 1.5, 24 * 91, Number.NaN, '48'], valid: (v: unknown) => v === 42 },
  plan: { extra: [{ id: 'pro', seats: -1, departments: 1 }, { id: 'Pro!', seats: 1, departments: 1 }, { id: 'x', seats: 1 }], valid: () => false },
  seatPolicy: { extra: [{ countInactiveAgents: 'yes' }, { reserveSeats: true }], valid: isEmptyObject },
  description: { extra: ['a\u0000b', 'x'.repeat(501), 'a\u202Eb'], valid: () => false },
  requester: { extra: ['x'.repeat(201)], valid: () => false },
} as const;
type Kind = keyof typeof KINDS;

type Outcome = PromiseLike<Result<unknown, { type: string; message: string }>>;
type Refusal = 'ValidationFailed' | 'WeakPassword' | 'InvalidToken';

/** One use case as the hostile runs see it. */
type UseCase = Readonly<{
  name: string;
  /** Calls the use case; `actor` is ignored by those that take none. */
  run: (roster: Roster, actor: unknown, input: unknown) => Outcome;
  takesActor: boolean;
  /** A valid input, so that a refusal can only come from what was made hostile. */
  input: () => unknown;
  /** Fields by dotted path and kind. */
  fields: Readonly<Record<string, Kind>>;
  /** Whole inputs that are valid for this use case (an empty settings change is a no-op). */
  acceptsWhole?: (input: unknown) => boolean;
  /** Refusals besides ValidationFailed that the documentation names for a field. */
  alsoRefusedWith?: Readonly<Partial<Record<string, readonly Refusal[]>>>;
}>;

type World = Readonly<{ ana: ActorRef; bob: string; sales: string; cyInvitation: string; cyToken: string }>;
let world: World;
let roster: Roster;
let store: MemoryRosterStore;

const loose = (f: (...args: never[]) => unknown) => f as unknown as (...args: unknown[]) => Outcome;

function useCases(w: () => World = () => world): readonly UseCase[] {
  const onActor = (name: keyof Roster, input: () => unknown, fields: Record<string, Kind>): UseCase => ({
    name,
    run: (r, actor, i) => loose(r[name] as never)(actor, i),
    takesActor: true,
    input,
    fields,
  });
  return [
    {
      name: 'createWorkspace',
      run: (r, _actor, i) => loose(r.createWorkspace)(i),
      takesActor: false,
      input: () => ({
        name: 'Acme',
        plan: 'pro',
        owner: { email: 'olga@acme.com', name: 'Olga', password: PASSWORD },
        seatPolicy: { countInactiveAgents: false },
        invitationTtlHours: 48,
      }),
      fields: { name: 'name', plan: 'plan', 'owner.email': 'email', 'owner.name': 'name', 'owner.password': 'password', seatPolicy: 'seatPolicy', invitationTtlHours: 'ttl' },
      alsoRefusedWith: { 'owner.password': ['WeakPassword'] },
    },
    onActor('changePlan', () => ({ plan: 'enterprise' }), { plan: 'plan' }),
    {
      ...onActor('changeSettings', () => ({ name: 'Acme Global', seatPolicy: { countInactiveAgents: false }, invitationTtlHours: 48 }), {
        name: 'name',
        seatPolicy: 'seatPolicy',
        invitationTtlHours: 'ttl',
      }),
      acceptsWhole: isEmptyObject,
    },
    onActor('inviteAgent', () => ({ email: 'dee@acme.com', role: 'agent', departmentIds: [w().sales] }), {
      email: 'email',
      role: 'role',
      departmentIds: 'ids',
    }),
    onActor('resendInvitation', () => ({ invitationId: w().cyInvitation }), { invitationId: 'id' }),
    onActor('revokeInvitation', () => ({ invitationId: w().cyInvitation }), { invitationId: 'id' }),
    {
      name: 'previewInvitation',
      run: (r, _actor, i) => loose(r.previewInvitation)(i),
      takesActor: false,
      input: () => ({ token: w().cyToken }),
      fields: { token: 'token' },
      alsoRefusedWith: { token: ['InvalidToken'] },
    },
    {
      name: 'acceptInvitation',
      run: (r, _actor, i) => loose(r.acceptInvitation)(i),
      takesActor: false,
      input: () => ({ token: w().cyToken, name: 'Cy', password: PASSWORD }),
      fields: { token: 'token', name: 'name', password: 'password' },
      alsoRefusedWith: { token: ['InvalidToken'], password: ['WeakPassword'] },
    },
    {
      name: 'expireLapsedInvitations',
      run: (r, _actor, i) => loose(r.expireLapsedInvitations)(i),
      takesActor: false,
      input: () => w().ana.workspaceId,
      fields: {},
    },
    onActor('editAgent', () => ({ agentId: w().bob, name: 'Robert', email: 'robert@acme.com', description: 'Refunds.' }), {
      agentId: 'id',
      name: 'name',
      email: 'email',
      description: 'description',
    }),
    onActor('changeRole', () => ({ agentId: w().bob, role: 'admin' }), { agentId: 'id', role: 'role' }),
    onActor('activateAgent', () => ({ agentId: w().bob }), { agentId: 'id' }),
    onActor('deactivateAgent', () => ({ agentId: w().bob }), { agentId: 'id' }),
    onActor('setAvailability', () => ({ agentId: w().bob, availability: 'online' }), { agentId: 'id', availability: 'availability' }),
    onActor('transferOwnership', () => ({ toAgentId: w().bob, formerOwnerRole: 'admin' }), { toAgentId: 'id', formerOwnerRole: 'role' }),
    onActor('deleteAgent', () => ({ agentId: w().bob }), { agentId: 'id' }),
    onActor('createDepartment', () => ({ name: 'Billing' }), { name: 'name' }),
    onActor('renameDepartment', () => ({ departmentId: w().sales, name: 'Deals' }), { departmentId: 'id', name: 'name' }),
    onActor('deleteDepartment', () => ({ departmentId: w().sales }), { departmentId: 'id' }),
    onActor('assignAgentToDepartments', () => ({ agentId: w().bob, departmentIds: [w().sales] }), { agentId: 'id', departmentIds: 'ids' }),
    onActor('removeAgentFromDepartment', () => ({ agentId: w().bob, departmentId: w().sales }), { agentId: 'id', departmentId: 'id' }),
  ];
}

/** The queries, which take an actor (and some a filter). */
const QUERIES: readonly (keyof Roster)[] = [
  'getWorkspace',
  'listAgents',
  'listInvitations',
  'listDepartments',
  'seatUsage',
  'availabilityBoard',
  'events',
  'outbox',
  'outboxPage',
];

/** A copy of `input` with the dotted `path` set to `value`. */
function withField(input: unknown, path: string, value: unknown): unknown {
  const [head, ...rest] = path.split('.');
  const copy = { ...(input as Record<string, unknown>) };
  copy[head!] = rest.length === 0 ? value : withField(copy[head!], rest.join('.'), value);
  return copy;
}

/** What a call did, as text when it broke a rule, or null when it answered with an allowed refusal. */
async function violation(call: () => Outcome, allowed: readonly string[]): Promise<string | null> {
  const before = counter.commits;
  let pending: Outcome;
  try {
    pending = call();
  } catch (e) {
    return `threw synchronously: ${String(e)}`;
  }
  let result: Awaited<Outcome>;
  try {
    result = await pending;
  } catch (e) {
    return `rejected: ${String(e)}`;
  }
  if (counter.commits !== before) return 'committed';
  if (result.isOk()) return 'succeeded';
  const error = result.error;
  if (!allowed.includes(error.type)) return `answered ${error.type}: ${error.message}`;
  if (typeof error.message !== 'string' || JSON.parse(JSON.stringify(error)).type !== error.type) return 'answered an unserializable error';
  return null;
}

const describeValue = (v: unknown) => {
  const text = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 40 ? `${text.slice(0, 40)}…(${text.length})` : text;
};

/** Whole inputs: the wrong types, the payloads, and each payload spread over a valid input. */
function hostileInputs(valid: unknown): readonly unknown[] {
  const merged = typeof valid === 'object' && valid !== null ? payloads.map((p) => ({ ...(valid as object), ...p })) : [];
  return [...fixture.wrong_types, ...payloads, ...merged, undefined];
}

/** Actor refs: the wrong types, the payloads, bad ids in each field, extra keys. */
function hostileActors(): readonly unknown[] {
  const { ana } = world;
  return [
    ...fixture.wrong_types,
    ...payloads,
    undefined,
    ...[...fixture.wrong_types, ...BAD_IDS, ana.agentId].map((workspaceId) => ({ workspaceId, agentId: ana.agentId })),
    ...[...fixture.wrong_types, ...BAD_IDS, ana.workspaceId].map((agentId) => ({ workspaceId: ana.workspaceId, agentId })),
    ...payloads.map((p) => ({ ...ana, ...p })),
    { ...ana, isOwner: true },
    { workspaceId: ana.workspaceId },
  ];
}

async function snapshot() {
  const id = world.ana.workspaceId as never;
  return JSON.stringify({
    workspace: await store.loadWorkspace(id),
    agents: await store.listAgents(id),
    invitations: await store.listInvitations(id),
    departments: await store.listDepartments(id),
    events: await store.events(id),
    outbox: await store.listOutbox(id),
  });
}

const prototypeShape = () => JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort());
const PROTOTYPE = prototypeShape();
function expectPrototypesUntouched() {
  expect(prototypeShape()).toBe(PROTOTYPE);
  const probe: Record<string, unknown> = {};
  expect([probe.isAdmin, probe.role, probe.length, (probe.constructor as { prototype?: Record<string, unknown> }).prototype?.isAdmin]).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
}

/** A workspace with Ana (owner), Bob (agent), Sales, and a pending invitation for Cy; commits are counted. */
async function aWorld() {
  const inner = new MemoryRosterStore();
  /** `collideOnce`: the next commit that writes reports a stale version, so its use case decides again. */
  const counter = { commits: 0, collideOnce: false };
  const counted = new Proxy(inner, {
    get(target, name) {
      const original = Reflect.get(target, name, target) as unknown;
      if (typeof original !== 'function') return original;
      return (...args: unknown[]) => {
        // A commit that writes nothing only re-checks versions after a refusal or a no-op (readsMoved).
        const c = args[0] as Commit | undefined;
        if (name === 'commit' && c && (c.writes.length > 0 || c.removals.length > 0 || c.events.length > 0 || c.outbox.length > 0)) {
          if (counter.collideOnce) {
            counter.collideOnce = false;
            return Promise.resolve({ committed: false, reason: 'stale-version', detail: 'simulated' });
          }
          counter.commits++;
        }
        return (original as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as RosterStore;
  const mailer = new CapturingMailer();
  const r = createRoster({ store: counted, mailer, identity: new MemoryIdentity(), clock: new ManualClock('2026-11-23T09:00:00Z') });
  const opened = (await r.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
  const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
  const sales = (await r.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department.id;
  (await r.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
  const bob = (await r.acceptInvitation({ token: mailer.lastTokenFor('bob@acme.com') ?? '', name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  const cy = (await r.inviteAgent(ana, { email: 'cy@acme.com', departmentIds: [sales] }))._unsafeUnwrap();
  const w: World = { ana, bob: bob.state.agent.id, sales, cyInvitation: cy.state.invitation.id, cyToken: mailer.lastTokenFor('cy@acme.com') ?? '' };
  return { roster: r, store: inner, world: w, counter };
}

let counter = { commits: 0, collideOnce: false };
beforeAll(async () => {
  ({ roster, store, world, counter } = await aWorld());
});

describe('hostile inputs', () => {
  it('start from valid inputs, which every use case gets past validation with', async () => {
    for (const name of useCases().map((u) => u.name)) {
      const fresh = await aWorld();
      const useCase = useCases(() => fresh.world).find((u) => u.name === name)!;
      const result = await useCase.run(fresh.roster, fresh.world.ana, useCase.input());
      expect({ name, outcome: result.isOk() ? 'ok' : result.error.type }).toEqual({ name, outcome: 'ok' });
    }
  });

  for (const useCase of useCases()) {
    it(`${useCase.name}: refuses hostile input, actors and fields without throwing or committing`, async () => {
      const before = await snapshot();
      const problems: string[] = [];
      const check = async (what: string, actor: unknown, input: unknown, allowed: readonly string[]) => {
        const broke = await violation(() => useCase.run(roster, actor, input), allowed);
        if (broke !== null) problems.push(`${what}: ${broke}`);
      };
      for (const input of hostileInputs(useCase.input()).filter((i) => !useCase.acceptsWhole?.(i))) {
        await check(`input ${describeValue(input)}`, world.ana, input, ['ValidationFailed']);
      }
      if (useCase.takesActor) {
        for (const actor of hostileActors()) await check(`actor ${describeValue(actor)}`, actor, useCase.input(), ['ValidationFailed']);
      }
      for (const [path, kind] of Object.entries(useCase.fields)) {
        const allowed = ['ValidationFailed', ...(useCase.alsoRefusedWith?.[path] ?? [])];
        const values = [...fixture.wrong_types, ...KINDS[kind].extra].filter((v) => !KINDS[kind].valid(v as never));
        for (const value of values) {
          await check(`${path} = ${describeValue(value)}`, world.ana, withField(useCase.input(), path, value), allowed);
        }
      }
      expect(problems).toEqual([]);
      expect(await snapshot()).toBe(before);
      expectPrototypesUntouched();
    });
  }

  for (const query of QUERIES) {
    it(`${query}: refuses hostile actors without throwing`, async () => {
      const problems: string[] = [];
      for (const actor of hostileActors()) {
        const broke = await violation(() => loose(roster[query] as never)(actor), ['ValidationFailed']);
        if (broke !== null) problems.push(`actor ${describeValue(actor)}: ${broke}`);
      }
      expect(problems).toEqual([]);
      expectPrototypesUntouched();
    });
  }

  it('getAgent: refuses an agent id of the wrong type or shape with ValidationFailed', async () => {
    const problems: string[] = [];
    for (const agentId of [...fixture.wrong_types, ...payloads, '', 'bob', 'ws_x', ' agt_x', world.bob.toUpperCase()]) {
      const broke = await violation(() => loose(roster.getAgent)(world.ana, agentId), ['ValidationFailed']);
      if (broke !== null) problems.push(`agentId ${describeValue(agentId)}: ${broke}`);
    }
    expect(problems).toEqual([]);
    expectPrototypesUntouched();
  });

  for (const query of ['listAgents', 'listInvitations', 'outbox', 'availabilityBoard'] as const) {
    it(`${query}: refuses a hostile filter with ValidationFailed`, async () => {
      const problems: string[] = [];
      const filters = [...fixture.wrong_types.filter((v) => !isEmptyObject(v)), ...payloads, { status: 'bogus' }, 'bogus'];
      // A department id of the wrong type or shape, and a valid one beside a key no filter has.
      if (query === 'availabilityBoard') filters.push(...[...fixture.wrong_types, '', 'sales', 'agt_x'].map((departmentId) => ({ departmentId })), { departmentId: world.sales, extra: 1 });
      for (const filter of query === 'outbox' ? [...fixture.wrong_types, 'sent', ''] : filters) {
        const broke = await violation(() => loose(roster[query] as never)(world.ana, filter), ['ValidationFailed']);
        if (broke !== null) problems.push(`filter ${describeValue(filter)}: ${broke}`);
      }
      expect(problems).toEqual([]);
      expectPrototypesUntouched();
    });
  }
});

/** A copy of a plain object whose every field is a getter counting its reads into `reads`, under `prefix`. */
function readCounting(value: unknown, reads: Map<string, number>, prefix = ''): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const counted = {};
  for (const [key, field] of Object.entries(value)) {
    const path = `${prefix}${key}`;
    reads.set(path, 0);
    Object.defineProperty(counted, key, {
      enumerable: true,
      get: () => {
        reads.set(path, (reads.get(path) ?? 0) + 1);
        return field;
      },
    });
  }
  return counted;
}

describe('inputs are read once (ADR 0020)', () => {
  // A use case that reads its input twice can check one value and decide on another: a getter or
  // Proxy answering differently the second time slips past whatever the first read was checked
  // for. Every field of the input and of the actor must be read exactly once, retries included.
  for (const collide of [false, true]) {
    it(`every use case reads each field of its input and actor once${collide ? ', even when it decides again after a conflict' : ''}`, async () => {
      const reads: Record<string, Record<string, number>> = {};
      for (const name of useCases().map((u) => u.name)) {
        const fresh = await aWorld();
        const useCase = useCases(() => fresh.world).find((u) => u.name === name)!;
        const seen = new Map<string, number>();
        const input = readCounting(useCase.input(), seen);
        const actor = readCounting(fresh.world.ana, seen, 'actor.');
        fresh.counter.collideOnce = collide;
        const result = await useCase.run(fresh.roster, actor, input);
        expect({ name, outcome: result.isOk() ? 'ok' : result.error.type }).toEqual({ name, outcome: 'ok' });
        if (!useCase.takesActor) for (const key of [...seen.keys()]) if (key.startsWith('actor.')) seen.delete(key);
        reads[name] = Object.fromEntries(seen);
      }
      const once = Object.fromEntries(Object.entries(reads).map(([name, fields]) => [name, Object.fromEntries(Object.keys(fields).map((f) => [f, 1]))]));
      expect(reads).toEqual(once);
    });
  }

  it('the routing use cases read each field of their input and actor once', async () => {
    const { roster: r, world: w, counter: c } = await aWorld();
    const reads: Record<string, Record<string, number>> = {};
    const run = async (name: string, call: (input: unknown, actor: unknown) => Outcome, input: object) => {
      const seen = new Map<string, number>();
      c.collideOnce = true;
      const result = await call(readCounting(input, seen), readCounting(w.ana, seen, 'actor.'));
      expect({ name, outcome: result.isOk() ? 'ok' : result.error.type }).toEqual({ name, outcome: 'ok' });
      reads[name] = Object.fromEntries(seen);
    };
    const ws = w.ana.workspaceId;
    await run('routeConversation', (i) => loose(r.routeConversation)(ws, i), { departmentId: w.sales, conversationId: 'conv_1' });
    await run('transferConversation', (i) => loose(r.transferConversation)(ws, i), { departmentId: w.sales, conversationId: 'conv_1', to: 'queue' });
    await run('closeConversation', (i) => loose(r.closeConversation)(ws, i), { departmentId: w.sales, conversationId: 'conv_1' });
    await run('configureRouting', (i, actor) => loose(r.configureRouting)(actor, i), { departmentId: w.sales, capacity: 3 });
    expect(reads).toEqual({
      routeConversation: { departmentId: 1, conversationId: 1, 'actor.workspaceId': 0, 'actor.agentId': 0 },
      transferConversation: { departmentId: 1, conversationId: 1, to: 1, 'actor.workspaceId': 0, 'actor.agentId': 0 },
      closeConversation: { departmentId: 1, conversationId: 1, 'actor.workspaceId': 0, 'actor.agentId': 0 },
      configureRouting: { departmentId: 1, capacity: 1, 'actor.workspaceId': 1, 'actor.agentId': 1 },
    });
  });
});

describe('a refusal of an argument beside the input', () => {
  it('names that argument, so it never shares a path with a field of the input', async () => {
    const { roster: r, world: w } = await aWorld();
    const pathsOf = async (outcome: Outcome) => {
      const result = await outcome;
      return result.isErr() && result.error.type === 'ValidationFailed' ? (result.error as ValidationFailed).issues.map((i) => i.path) : result;
    };
    expect(await pathsOf(loose(r.routeConversation)('nope', { departmentId: w.sales, conversationId: 'conv_1' }))).toEqual(['workspaceId']);
    expect(await pathsOf(loose(r.closeConversation)(42, { departmentId: null, conversationId: 'conv_1' }))).toEqual(['workspaceId']);
    expect(await pathsOf(loose(r.expireLapsedInvitations)('ws'))).toEqual(['workspaceId']);
    expect(await pathsOf(loose(r.outbox)(w.ana, 'sent'))).toEqual(['status']);
    expect(await pathsOf(loose(r.previewInvitation)({ token: w.cyToken }, { ip: '1' }))).toEqual(['request.ip']);
    expect(await pathsOf(loose(r.acceptInvitation)({ token: w.cyToken, name: 'Cy', password: PASSWORD }, { requester: 42 }))).toEqual(['request.requester']);
    const unreadable = new Proxy({}, { ownKeys: () => { throw new Error('no'); } });
    expect(await pathsOf(loose(r.previewInvitation)({ token: w.cyToken }, unreadable))).toEqual(['request']);
    // The actor too: named whole when it cannot be read, and field by field.
    expect(await pathsOf(loose(r.getWorkspace)(unreadable))).toEqual(['actor']);
    expect(await pathsOf(loose(r.getWorkspace)('ana'))).toEqual(['actor']);
    expect(await pathsOf(loose(r.getWorkspace)({ workspaceId: w.ana.workspaceId, agentId: 'bob', extra: 1 }))).toEqual(['actor.agentId', 'actor.extra']);
  });
});
