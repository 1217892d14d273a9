import type { Agent } from '../domain/agent';
import type { Department } from '../domain/department';
import { event, type RosterEvent } from '../domain/events';
import type { WorkspaceId } from '../domain/ids';
import type { Invitation } from '../domain/invitation';
import { isoTime } from '../domain/time';
import { emptyRoutingState, memberOf, routeConversation, syncAgent, type RoutingState } from '../domain/routing/index';
import type { Workspace } from '../domain/workspace';
import type { OutboxMessage, OutboxStatus } from '../ports/outbox';
import type {
  Aggregate,
  AgentFilter,
  AgentKey,
  Commit,
  DecisionReads,
  InvitationFilter,
  InvitationKey,
  OutboxKey,
  PageBounds,
  PositionedEvent,
  Removal,
  RosterStore,
} from '../ports/store';
import { aDepartment, anAgent, anEmail, anInvitation, aTokenHash, aWorkspace, hoursAfter, ids, T0 } from './mothers';
import { pure } from './pure';

/**
 * The assertions the contract uses; vitest's and jest's `expect` both fit.
 *
 * @example const assertion: ContractAssertion = expect(await store.loadWorkspace(id));
 */
export type ContractAssertion = {
  /** Fails unless the value is the very same (`Object.is`) as `expected`. */
  toBe(expected: unknown): void;
  /** Fails unless the value deeply equals `expected`. */
  toEqual(expected: unknown): void;
  /** Fails unless the value has at least `expected`'s properties, deeply equal. */
  toMatchObject(expected: object): void;
  /** Fails unless the value is `null`: what a store answers for something it does not hold. */
  toBeNull(): void;
  /** Fails unless the value (an array) has `length` items. */
  toHaveLength(length: number): void;
  /** Fails unless the value (an array) holds `item` (compared with `===`). */
  toContain(item: unknown): void;
  /** The same assertions, negated. */
  readonly not: ContractAssertion;
};

/**
 * The test functions of the caller's runner. Passed in, rather than imported, so that the
 * published `agent-roster/testing` does not depend on any test runner.
 *
 * @example
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * const framework: ContractFramework = { describe, it, expect, beforeEach, afterEach };
 */
export type ContractFramework = Readonly<{
  /** Groups the contract's tests under a name (the store's, then each rule's). */
  describe: (name: string, body: () => void) => void;
  /** Declares one async test. */
  it: (name: string, body: () => Promise<void>) => void;
  /** Starts an assertion on a value. */
  expect: (actual: unknown) => ContractAssertion;
  /** Runs before each test: the contract makes a fresh store there. */
  beforeEach: (hook: () => Promise<void>) => void;
  /** Runs after each test: the contract closes the store there. */
  afterEach: (hook: () => Promise<void>) => void;
}>;

/**
 * A store to test, and how to dispose of it. `makeStore` must give an empty store every time;
 * the contract's aggregates use ids unique across workspaces, as real ids are.
 *
 * @example const made: StoreUnderTest = { store: new PostgresRosterStore(pool), close: () => pool.end() };
 */
export type StoreUnderTest = Readonly<{
  /** The empty store the test runs against. */
  store: RosterStore;
  /** Disposes of the store after the test (closes a pool, drops a schema); omit when nothing needs it. */
  close?: (() => Promise<void>) | undefined;
}>;

const WS_A = /* @__PURE__ */ pure(() => ids.workspace('ws_a'));
const WS_B = /* @__PURE__ */ pure(() => ids.workspace('ws_b'));

type Versioned = readonly [Aggregate, number];

/** A commit described by intent: what is new, what changes from which version, what is only read. */
type Change = Readonly<{
  workspaceId?: WorkspaceId;
  create?: readonly Aggregate[];
  update?: readonly Versioned[];
  remove?: readonly (readonly [Removal, number])[];
  read?: readonly Versioned[];
  events?: readonly RosterEvent[];
  outbox?: readonly OutboxMessage[];
  withdraw?: readonly string[];
}>;

function commitOf(change: Change): Commit {
  const expect = (a: { kind: Aggregate['kind']; id: string }, version: number) => ({ kind: a.kind, id: a.id, version });
  return {
    workspaceId: change.workspaceId ?? WS_A,
    expected: [
      ...(change.create ?? []).map((a) => expect(a, 0)),
      ...(change.update ?? []).map(([a, v]) => expect(a, v)),
      ...(change.remove ?? []).map(([r, v]) => expect(r, v)),
      ...(change.read ?? []).map(([a, v]) => expect(a, v)),
    ],
    writes: [...(change.create ?? []), ...(change.update ?? []).map(([a]) => a)],
    removals: (change.remove ?? []).map(([r]) => r),
    events: change.events ?? [],
    outbox: change.outbox ?? [],
    ...(change.withdraw ? { withdraw: change.withdraw } : {}),
  };
}

const removal = (a: Agent | Department): Removal => ({ kind: a.kind, id: a.id, removed: true });

/** An event whose content does not matter to the store, tagged so tests can tell them apart. */
function departmentCreated(workspaceId: WorkspaceId, name: string, at = T0): RosterEvent {
  return event('DepartmentCreated', workspaceId, isoTime(at), { departmentId: ids.department(name.toLowerCase()), name });
}

let messages = 0;
/** A pending outbox message, due at `due`, with a `topic` and an `expiresAt` when given. */
function aMessage(
  overrides: Readonly<{ workspaceId?: WorkspaceId; due?: Date; to?: string; text?: string; topic?: string; expiresAt?: Date }> = {},
): OutboxMessage {
  const n = ++messages;
  const due = isoTime(overrides.due ?? T0);
  return {
    ...(overrides.topic === undefined ? {} : { topic: overrides.topic }),
    ...(overrides.expiresAt === undefined ? {} : { expiresAt: isoTime(overrides.expiresAt) }),
    id: `msg_contract_${n}`,
    workspaceId: overrides.workspaceId ?? WS_A,
    idempotencyKey: `contract:${n}`,
    to: overrides.to ?? `person${n}@shop.com`,
    subject: `Message ${n}`,
    text: overrides.text ?? `Join us: https://chat.example.com/join?token=secret-token-${n}`,
    html: `<a href="https://chat.example.com/join?token=secret-token-${n}">Join</a>`,
    status: 'pending',
    attempts: 0,
    createdAt: due,
    nextAttemptAt: due,
    deliveredAt: null,
    lastError: null,
  };
}

/** What a message says and to whom: times are left out, a store may keep them in its own precision. */
const contentOf = (m: OutboxMessage) => {
  const { createdAt: _c, nextAttemptAt: _n, deliveredAt: _d, expiresAt: _e, ...content } = m;
  return content;
};
const at = (hours: number) => hoursAfter(T0, hours);
const sameInstant = (a: string | null, b: Date) => a !== null && Date.parse(a) === b.getTime();
const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((x, y) => x.id.localeCompare(y.id));
const idsOf = (items: readonly { id: string }[]) => items.map((i) => i.id).sort();
/** Strings in code point order (UTF-8 byte order, `COLLATE "C"`), spelled out: the order the contract holds text listings to. */
const byCodePoints = (x: string, y: string): number => {
  const [a, b] = [Array.from(x, (c) => c.codePointAt(0)!), Array.from(y, (c) => c.codePointAt(0)!)];
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
};

/**
 * `expect` with an optional message that says what the store did wrong, put before the runner's
 * own text when the assertion fails. The runner's `expect` is still called with the value alone:
 * jest's throws when given a second argument, and the contract must run under both.
 */
function explaining(expect: ContractFramework['expect']): (actual: unknown, message?: string) => ContractAssertion {
  return (actual, message) => (message === undefined ? expect(actual) : explained(expect(actual), message));
}

function explained(assertion: ContractAssertion, message: string): ContractAssertion {
  const guard =
    <A extends unknown[]>(assert: (...args: A) => void) =>
    (...args: A): void => {
      try {
        assert(...args);
      } catch (error) {
        // The frame that called this matcher: the runner's code frame then points at the
        // contract's line, not at this wrapper.
        const caller = new Error().stack?.split('\n')[2];
        throw withMessage(error, message, caller);
      }
    };
  return {
    toBe: guard((expected: unknown) => assertion.toBe(expected)),
    toEqual: guard((expected: unknown) => assertion.toEqual(expected)),
    toMatchObject: guard((expected: object) => assertion.toMatchObject(expected)),
    toBeNull: guard(() => assertion.toBeNull()),
    toHaveLength: guard((length: number) => assertion.toHaveLength(length)),
    toContain: guard((item: unknown) => assertion.toContain(item)),
    get not() {
      return explained(assertion.not, message);
    },
  };
}

/**
 * The runner's error, its message led by `message` and its stack starting at `caller`; the same
 * object where it can be, so the runner still shows its diff.
 */
function withMessage(error: unknown, message: string, caller: string | undefined): unknown {
  const original = error instanceof Error ? error.message : String(error);
  const text = `${message}: ${original}`;
  if (error instanceof Error) {
    try {
      const stack = error.stack;
      error.message = text;
      if (typeof stack === 'string') error.stack = restacked(stack.includes(original) ? stack.replace(original, text) : stack, caller);
      if (error.message === text) return error;
    } catch {
      // A frozen error: wrapped below.
    }
  }
  return new Error(text, { cause: error });
}

/** `stack` without the frames above `caller` (those of the wrapper), when `caller` is one of its lines. */
function restacked(stack: string, caller: string | undefined): string {
  const lines = stack.split('\n');
  const first = lines.findIndex((line) => /^\s+at /.test(line));
  const from = caller === undefined ? -1 : lines.indexOf(caller);
  return first < 0 || from <= first ? stack : [...lines.slice(0, first), ...lines.slice(from)].join('\n');
}

/** A commit in a few words, for messages: what it creates, updates from which version, removes and only reads. */
function described(commit: Commit): string {
  const written = new Set(commit.writes.map((w) => `${w.kind}:${w.id}`));
  const removed = new Set(commit.removals.map((r) => `${r.kind}:${r.id}`));
  const parts = { creates: [] as string[], updates: [] as string[], removes: [] as string[], reads: [] as string[] };
  for (const e of commit.expected) {
    const key = `${e.kind}:${e.id}`;
    const at = `${e.kind} ${e.id}`;
    if (removed.has(key)) parts.removes.push(`${at} at version ${e.version}`);
    else if (written.has(key)) (e.version === 0 ? parts.creates : parts.updates).push(e.version === 0 ? at : `${at} from version ${e.version}`);
    else parts.reads.push(`${at} at version ${e.version}`);
  }
  const said = Object.entries(parts).flatMap(([verb, items]) => (items.length === 0 ? [] : [`${verb} ${items.join(', ')}`]));
  const extras = [
    commit.events.length > 0 ? `appends ${commit.events.length} event(s)` : '',
    commit.outbox.length > 0 ? `enqueues ${commit.outbox.length} message(s)` : '',
    (commit.withdraw ?? []).length > 0 ? `withdraws topic(s) ${(commit.withdraw ?? []).join(', ')}` : '',
  ].filter((x) => x !== '');
  return [...said, ...extras].join('; ') || 'changes nothing';
}

/**
 * The contract every {@link RosterStore} must pass: versions and optimistic concurrency,
 * atomic all-or-nothing commits, the uniqueness rules, workspace scoping of every read, the
 * query filters, the event log and the outbox's leases. Run it from your store's test file with
 * your runner's functions; `makeStore` is called before each test and must return an empty store.
 *
 * @example
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import { describeStoreContract } from 'agent-roster/testing/store-contract'; // needs no fast-check
 *
 * describeStoreContract('MemoryRosterStore', async () => ({ store: new MemoryRosterStore() }), {
 *   describe, it, expect, beforeEach, afterEach,
 * });
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  framework: ContractFramework,
): void {
  const { describe, it, beforeEach, afterEach } = framework;
  const expect = explaining(framework.expect);
  let store: RosterStore;
  let close: (() => Promise<void>) | undefined;

  /** Commits and expects success: a contract test's setup must never be refused. */
  const given = async (change: Change) => {
    const commit = commitOf(change);
    const outcome = await store.commit(commit);
    const said = outcome.committed ? '' : ` (${outcome.reason}: ${outcome.detail})`;
    const message = `commit refused${said} a commit that ${described(commit)}; after what the test committed before, the versions it expects hold and it breaks no uniqueness rule`;
    expect(outcome, message).toEqual({ committed: true });
  };
  /** Commits and expects a refusal for `reason`. */
  const refused = async (change: Change, reason: 'stale-version' | 'unique-violation') => {
    const commit = commitOf(change);
    const why = reason === 'stale-version' ? 'an expected version does not hold' : 'it breaks a uniqueness rule';
    expect(await store.commit(commit), `commit must refuse with '${reason}' a commit that ${described(commit)}, since ${why}`).toMatchObject({
      committed: false,
      reason,
    });
  };
  /** Everything a workspace holds, to show a refused commit wrote nothing. */
  const snapshot = async (workspaceId: WorkspaceId = WS_A) => ({
    workspace: await store.loadWorkspace(workspaceId),
    agents: byId(await store.listAgents(workspaceId)),
    invitations: byId(await store.listInvitations(workspaceId)),
    departments: byId((await store.listDepartments(workspaceId)).map((d) => d.department)),
    events: await store.events(workspaceId),
    outbox: byId(await store.listOutbox(workspaceId)),
  });
  /** Expects workspace A to hold what it held `before` a refused commit. */
  const unchangedSince = async (before: Awaited<ReturnType<typeof snapshot>>) =>
    expect(await snapshot(), 'what the workspace holds after a refused commit: a refusal writes nothing (no aggregate, event or outbox message)').toEqual(before);

  const workspaceA = aWorkspace({ id: WS_A });
  const ana = anAgent({ workspaceId: WS_A, id: 'agt_ana', name: 'Ana', role: 'admin' });
  const bob = anAgent({ workspaceId: WS_A, name: 'Bob' });
  const sales = aDepartment({ workspaceId: WS_A, name: 'Sales' });
  const cyInvited = anInvitation({ workspaceId: WS_A, email: 'cy@shop.com' });

  describe(`${name} (RosterStore contract)`, () => {
    beforeEach(async () => {
      const made = await makeStore();
      store = made.store;
      close = made.close;
    });
    afterEach(async () => {
      await close?.();
    });

    describe('versions', () => {
      it('stores a new aggregate at version 1 and adds 1 per write', async () => {
        await given({ create: [workspaceA] });
        expect(await store.loadWorkspace(WS_A), 'loadWorkspace after a commit that creates the workspace: it must be stored as written, at version 1').toEqual({
          value: workspaceA,
          version: 1,
        });
        const renamed: Workspace = { ...workspaceA, name: 'Shop EU' };
        await given({ update: [[renamed, 1]] });
        expect(await store.loadWorkspace(WS_A), 'loadWorkspace after a commit that updates it from version 1: it must be stored as written, at version 2').toEqual({
          value: renamed,
          version: 2,
        });
        await given({ update: [[{ ...renamed, name: 'Shop World' }, 2]] });
        expect((await store.loadWorkspace(WS_A))?.version, 'loadWorkspace after a second update: each write adds 1 to the version').toBe(3);
      });

      it('gives back every kind of aggregate as updated, at the next version', async () => {
        const queue = emptyRoutingState(WS_A, sales.id);
        await given({ create: [workspaceA, bob, cyInvited, sales, queue] });
        const workspace: Workspace = { ...workspaceA, name: 'Shop EU' };
        const agent: Agent = { ...bob, name: 'Robert', availability: 'online', departmentIds: [sales.id] };
        const invitation: Invitation = { ...cyInvited, tokenHash: aTokenHash('resent'), resendCount: 1 };
        const department: Department = { ...sales, name: 'Deals', nameKey: 'deals' };
        const routing = syncAgent(queue, { agentId: bob.id, active: true, online: true, departmentIds: [sales.id] }, { now: T0 })._unsafeUnwrap().state;
        await given({ update: [[workspace, 1], [agent, 1], [invitation, 1], [department, 1], [routing, 1]] });
        const lost = (kind: Aggregate['kind'], read: string) =>
          `${read} after a commit that updates the ${kind} from version 1: the store must give it back as the commit wrote it, at version 2 (a write that keeps the stored row, like INSERT … ON CONFLICT DO NOTHING, loses the update)`;
        expect(await store.loadWorkspace(WS_A), lost('workspace', 'loadWorkspace')).toEqual({ value: workspace, version: 2 });
        expect(await store.loadAgent(WS_A, bob.id), lost('agent', 'loadAgent')).toEqual({ value: agent, version: 2 });
        expect(await store.loadInvitation(WS_A, cyInvited.id), lost('invitation', 'loadInvitation')).toEqual({ value: invitation, version: 2 });
        expect(await store.findInvitationByTokenHash(invitation.tokenHash), lost('invitation', 'findInvitationByTokenHash')).toEqual({ value: invitation, version: 2 });
        expect(await store.loadDepartments(WS_A, [sales.id]), lost('department', 'loadDepartments')).toEqual([{ value: department, version: 2 }]);
        const queues = (await store.loadRoutingStates(WS_A, [sales.id])).map((q) => ({ value: JSON.parse(JSON.stringify(q.value)) as unknown, version: q.version }));
        expect(queues, lost('routing', 'loadRoutingStates')).toEqual([{ value: JSON.parse(JSON.stringify(routing)), version: 2 }]);
      });

      it('gives back every kind of aggregate exactly as written', async () => {
        const lapsed = anInvitation({ workspaceId: WS_A, email: 'dee@shop.com', status: 'expired', departmentIds: ['dep_sales'] });
        const bobInSales: Agent = { ...bob, departmentIds: [sales.id], description: 'Handles refunds.\nEU only.' };
        await given({ create: [workspaceA, ana, bobInSales, sales, cyInvited, lapsed] });
        expect(await store.loadAgent(WS_A, bob.id)).toEqual({ value: bobInSales, version: 1 });
        expect(await store.loadInvitation(WS_A, cyInvited.id)).toEqual({ value: cyInvited, version: 1 });
        expect(await store.loadInvitation(WS_A, lapsed.id)).toEqual({ value: lapsed, version: 1 });
        expect(await store.loadDepartments(WS_A, [sales.id])).toEqual([{ value: sales, version: 1 }]);
      });

      it('keeps no reference to the objects it was given', async () => {
        const mutable = structuredClone(bob) as { -readonly [K in keyof Agent]: Agent[K] };
        await given({ create: [workspaceA, mutable] });
        mutable.name = 'Mallory';
        expect((await store.loadAgent(WS_A, bob.id))?.value.name).toBe('Bob');
      });

      it('treats expected version 0 as "must not exist yet"', async () => {
        await given({ create: [workspaceA] });
        await refused({ create: [{ ...workspaceA, name: 'Other' }] }, 'stale-version');
        expect(await store.loadWorkspace(WS_A), 'loadWorkspace after a refused commit: a refusal writes nothing').toEqual({ value: workspaceA, version: 1 });
      });

      it('refuses an expected version on an aggregate that does not exist', async () => {
        await refused({ update: [[workspaceA, 1]] }, 'stale-version');
        expect(await store.loadWorkspace(WS_A), 'loadWorkspace after a refused commit: a refusal writes nothing').toBeNull();
      });

      it('refuses a stale version and writes nothing: no aggregate, no event, no outbox message', async () => {
        await given({ create: [workspaceA, ana], events: [departmentCreated(WS_A, 'First')] });
        await given({ update: [[{ ...workspaceA, name: 'Shop EU' }, 1]] });
        const before = await snapshot();
        await refused(
          {
            update: [[{ ...workspaceA, name: 'Lost update' }, 1]],
            create: [bob, sales, cyInvited],
            events: [departmentCreated(WS_A, 'Lost')],
            outbox: [aMessage()],
          },
          'stale-version',
        );
        await unchangedSince(before);
        expect(await store.claimOutbox(at(1), 100, 60_000)).toEqual([]);
        expect(await store.findInvitationByTokenHash(cyInvited.tokenHash)).toBeNull();
      });

      it('checks the versions of aggregates a commit only read', async () => {
        await given({ create: [workspaceA, ana, sales] });
        await given({ update: [[{ ...sales, name: 'Sales EU', nameKey: 'sales eu' }, 1]] });
        const before = await snapshot();
        await refused({ read: [[sales, 1]], update: [[{ ...ana, departmentIds: [sales.id] }, 1]] }, 'stale-version');
        await unchangedSince(before);
      });

      // After refusing a command, a roster without versionsCurrent commits exactly this (only
      // `expected`) to learn whether a read behind the refusal moved: a store that answers it
      // "committed" without checking makes every such refusal final, even when it is stale.
      it('checks the versions of a commit that writes nothing at all (only expected versions): refused when stale, accepted when current', async () => {
        await given({ create: [workspaceA, ana] });
        await given({ read: [[workspaceA, 1], [ana, 1], [sales, 0]] });
        await given({ update: [[{ ...ana, name: 'Ana B.' }, 1]] });
        const before = await snapshot();
        await refused({ read: [[workspaceA, 1], [ana, 1]] }, 'stale-version');
        await refused({ read: [[sales, 1]] }, 'stale-version');
        await refused({ read: [[ana, 0]] }, 'stale-version');
        await given({ read: [[workspaceA, 1], [ana, 2], [sales, 0]] });
        expect(await snapshot(), 'what the workspace holds after commits that write nothing: they change nothing, versions included').toEqual(before);
        expect((await store.loadAgent(WS_A, ana.id))?.version, 'the version of an agent that commits writing nothing only read').toBe(2);
      });

      it('lets a commit through when the aggregates it read are unchanged, and leaves their versions alone', async () => {
        await given({ create: [workspaceA, ana, sales] });
        await given({ read: [[sales, 1]], update: [[{ ...ana, departmentIds: [sales.id] }, 1]] });
        expect((await store.loadAgent(WS_A, ana.id))?.version, 'the version of an agent a commit updated from version 1').toBe(2);
        expect((await store.loadDepartments(WS_A, [sales.id]))[0]?.version, 'the version of a department a commit only read: reading must not change it').toBe(1);
      });

      it('removes aggregates, checking their versions', async () => {
        await given({ create: [workspaceA, ana, bob, sales] });
        await refused({ remove: [[removal(bob), 2]] }, 'stale-version');
        expect(await store.loadAgent(WS_A, bob.id), 'loadAgent after a refused removal: a refusal writes nothing').toMatchObject({ value: bob, version: 1 });

        await given({ remove: [[removal(bob), 1], [removal(sales), 1]], update: [[workspaceA, 1]] });
        const gone = (read: string) => `${read} after a commit that removes agent ${bob.id} and department ${sales.id}`;
        expect(await store.loadAgent(WS_A, bob.id), gone('loadAgent')).toBeNull();
        expect(await store.loadDepartments(WS_A, [sales.id]), gone('loadDepartments')).toEqual([]);
        expect(idsOf(await store.listAgents(WS_A)), gone('listAgents')).toEqual([ana.id]);
        expect(await store.listDepartments(WS_A), gone('listDepartments')).toEqual([]);
        if (store.loadAllDepartments) expect(await store.loadAllDepartments(WS_A), gone('loadAllDepartments')).toEqual([]);
        expect(await store.emailHolder(WS_A, bob.email), gone('emailHolder of the removed agent\'s email')).toBeNull();
        expect(await store.departmentNameTaken(WS_A, sales.nameKey), gone('departmentNameTaken of the removed department\'s name')).toBe(false);
      });

      it('lets a removed aggregate be created again from version 1, its email and name free', async () => {
        await given({ create: [workspaceA, bob, sales] });
        await given({ remove: [[removal(bob), 1], [removal(sales), 1]] });
        await given({ create: [bob, { ...sales, id: ids.department('dep_sales2') }] });
        expect((await store.loadAgent(WS_A, bob.id))?.version, 'the version of an agent created again after its removal: it starts again at 1').toBe(1);
      });
    });

    describe('uniqueness', () => {
      const bobAgain = anAgent({ workspaceId: WS_A, id: 'agt_bob2', email: 'bob@shop.com', name: 'Robert' });

      it('refuses two agents with one email in a workspace, writing nothing', async () => {
        await given({ create: [workspaceA, bob] });
        const before = await snapshot();
        await refused(
          { create: [bobAgain], update: [[workspaceA, 1]], events: [departmentCreated(WS_A, 'X')], outbox: [aMessage()] },
          'unique-violation',
        );
        await unchangedSince(before);
      });

      it('refuses two agents with one email in the same commit', async () => {
        await refused({ create: [workspaceA, bob, bobAgain] }, 'unique-violation');
        expect(await store.loadWorkspace(WS_A)).toBeNull();
      });

      it('refuses a pending invitation for an agent\'s email, and an agent for a pending invitation\'s email', async () => {
        await given({ create: [workspaceA, bob, cyInvited] });
        await refused({ create: [anInvitation({ workspaceId: WS_A, id: 'inv_bob', email: 'bob@shop.com' })] }, 'unique-violation');
        await refused({ create: [anAgent({ workspaceId: WS_A, name: 'Cy' })] }, 'unique-violation');
        expect(await store.loadInvitation(WS_A, ids.invitation('inv_bob'))).toBeNull();
        expect(await store.loadAgent(WS_A, ids.agent('agt_cy'))).toBeNull();
      });

      it('refuses two pending invitations for one email', async () => {
        await given({ create: [workspaceA, cyInvited] });
        const again = anInvitation({ workspaceId: WS_A, id: 'inv_cy2', email: 'cy@shop.com', tokenHash: aTokenHash('another') });
        await refused({ create: [again] }, 'unique-violation');
        expect(await store.loadInvitation(WS_A, again.id)).toBeNull();
      });

      it('refuses two departments with one name key', async () => {
        await given({ create: [workspaceA, sales] });
        const shouting = aDepartment({ workspaceId: WS_A, id: 'dep_sales2', name: 'SALES' });
        expect(shouting.nameKey).toBe(sales.nameKey);
        await refused({ create: [shouting] }, 'unique-violation');
        expect(await store.loadDepartments(WS_A, [shouting.id])).toEqual([]);
      });

      it('refuses two invitations with one token hash, in one workspace or across two', async () => {
        const workspaceB = aWorkspace({ id: WS_B });
        await given({ create: [workspaceA, cyInvited] });
        await given({ workspaceId: WS_B, create: [workspaceB] });
        const sameToken = { tokenHash: cyInvited.tokenHash };
        await refused({ create: [anInvitation({ workspaceId: WS_A, email: 'dee@shop.com', ...sameToken })] }, 'unique-violation');
        await refused({ workspaceId: WS_B, create: [anInvitation({ workspaceId: WS_B, email: 'dee@shop.com', ...sameToken })] }, 'unique-violation');
        expect(await store.listInvitations(WS_B)).toEqual([]);
      });

      it('allows one email, and one department name, in two workspaces', async () => {
        const workspaceB = aWorkspace({ id: WS_B });
        const salesInB = aDepartment({ workspaceId: WS_B, id: 'dep_sales_in_b', name: 'SALES' });
        expect(salesInB.nameKey).toBe(sales.nameKey);
        await given({ create: [workspaceA, bob, cyInvited, sales] });
        await given({
          workspaceId: WS_B,
          create: [
            workspaceB,
            anAgent({ workspaceId: WS_B, id: 'agt_bob_in_b', name: 'Bob' }),
            anInvitation({ workspaceId: WS_B, id: 'inv_cy_in_b', email: 'cy@shop.com', tokenHash: aTokenHash('cy in b') }),
            salesInB,
          ],
        });
        expect(await store.emailHolder(WS_B, bob.email)).toBe('agent');
        expect(await store.emailHolder(WS_B, cyInvited.email)).toBe('pending-invitation');
        expect(await store.departmentNameTaken(WS_B, sales.nameKey), 'departmentNameTaken in a workspace whose own department holds the name').toBe(true);
        expect((await store.loadDepartments(WS_B, [salesInB.id]))[0]?.value).toEqual(salesInB);
        // Renamed onto a name another workspace holds: still only that workspace's business.
        const dealsInB = aDepartment({ workspaceId: WS_B, id: 'dep_deals_in_b', name: 'Deals' });
        await given({ create: [aDepartment({ workspaceId: WS_A, id: 'dep_deals', name: 'Deals' })] });
        await given({ workspaceId: WS_B, create: [dealsInB] });
        await given({ workspaceId: WS_B, update: [[{ ...dealsInB, name: 'Sales EU', nameKey: 'sales eu' }, 1]] });
        await given({ update: [[{ ...sales, name: 'Sales EU', nameKey: 'sales eu' }, 1]] });
      });

      for (const status of ['accepted', 'revoked', 'expired'] as const) {
        it(`frees the email of an invitation once it is ${status}`, async () => {
          await given({ create: [workspaceA, cyInvited] });
          await given({ update: [[{ ...cyInvited, status, closedAt: isoTime(at(1)) }, 1]] });
          expect(await store.emailHolder(WS_A, cyInvited.email)).toBeNull();
          const again = anInvitation({ workspaceId: WS_A, id: 'inv_cy2', email: 'cy@shop.com', tokenHash: aTokenHash('again') });
          await given({ create: [again] });
          await given({ remove: [], update: [[{ ...again, status: 'revoked' }, 1]] });
          await given({ create: [anAgent({ workspaceId: WS_A, name: 'Cy' })] });
          expect(await store.emailHolder(WS_A, cyInvited.email)).toBe('agent');
          expect((await store.findInvitationByTokenHash(cyInvited.tokenHash))?.value.status).toBe(status);
        });
      }

      it('accepts, in one commit, the agent and the accepted invitation that share its email', async () => {
        await given({ create: [workspaceA, ana, cyInvited] });
        const cy = anAgent({ workspaceId: WS_A, name: 'Cy', email: 'cy@shop.com' });
        const accepted: Invitation = { ...cyInvited, status: 'accepted', agentId: cy.id, closedAt: isoTime(at(1)) };
        const counts = { ...workspaceA.counts, activeAgents: 2 };
        await given({ create: [cy], update: [[accepted, 1], [{ ...workspaceA, counts }, 1]] });
        expect(await store.emailHolder(WS_A, cy.email)).toBe('agent');
        expect((await store.loadInvitation(WS_A, cyInvited.id))?.value.status).toBe('accepted');
      });

      it('frees an agent\'s old email when it changes, and a department\'s old name when renamed', async () => {
        await given({ create: [workspaceA, bob, sales] });
        const newEmail = anEmail('robert@shop.com');
        await given({ update: [[{ ...bob, email: newEmail }, 1], [{ ...sales, name: 'Deals', nameKey: 'deals' }, 1]] });
        expect(await store.emailHolder(WS_A, bob.email), 'emailHolder of an agent\'s old email, after a commit that changes it: the old email is free').toBeNull();
        expect(await store.emailHolder(WS_A, newEmail), 'emailHolder of an agent\'s new email, after a commit that changes it').toBe('agent');
        await given({ create: [anAgent({ workspaceId: WS_A, id: 'agt_bob2', email: 'bob@shop.com' }), aDepartment({ workspaceId: WS_A, id: 'dep_sales2', name: 'Sales' })] });
      });

      it('lets a department change the case of its own name', async () => {
        await given({ create: [workspaceA, sales] });
        await given({ update: [[{ ...sales, name: 'SALES' }, 1]] });
        expect((await store.loadDepartments(WS_A, [sales.id]))[0]?.value.name).toBe('SALES');
      });

      // A rule checked only when a row is inserted (SETNX on create, a plain SET on update) lets
      // two renames, or two email changes, racing onto one free name both through.
      it('refuses an update that moves a department\'s name key onto another department\'s, as it refuses the insert, writing nothing', async () => {
        const deals = aDepartment({ workspaceId: WS_A, name: 'Deals' });
        await given({ create: [workspaceA, sales, deals] });
        const before = await snapshot();
        await refused({ update: [[{ ...deals, name: 'SALES', nameKey: sales.nameKey }, 1], [workspaceA, 1]], events: [departmentCreated(WS_A, 'Renamed')] }, 'unique-violation');
        await unchangedSince(before);
        // Two departments renamed onto one new name in one commit.
        await refused({ update: [[{ ...sales, name: 'Gamma', nameKey: 'gamma' }, 1], [{ ...deals, name: 'GAMMA', nameKey: 'gamma' }, 1]] }, 'unique-violation');
        expect(await store.departmentNameTaken(WS_A, 'gamma'), 'departmentNameTaken of a name only refused commits asked for').toBe(false);
        // Swapped in one commit: each name is free again by the time the commit ends.
        await given({ update: [[{ ...sales, name: 'Deals', nameKey: deals.nameKey }, 1], [{ ...deals, name: 'Sales', nameKey: sales.nameKey }, 1]] });
      });

      it('refuses an update that moves an agent\'s email onto another agent\'s or a pending invitation\'s, as it refuses the insert, writing nothing', async () => {
        await given({ create: [workspaceA, ana, bob, cyInvited] });
        const before = await snapshot();
        await refused({ update: [[{ ...bob, email: ana.email }, 1], [workspaceA, 1]], events: [departmentCreated(WS_A, 'Moved')] }, 'unique-violation');
        await refused({ update: [[{ ...bob, email: cyInvited.email }, 1]] }, 'unique-violation');
        await refused({ update: [[{ ...ana, email: anEmail('new@shop.com') }, 1], [{ ...bob, email: anEmail('new@shop.com') }, 1]] }, 'unique-violation');
        await unchangedSince(before);
        expect(await store.emailHolder(WS_A, anEmail('new@shop.com')), 'emailHolder of an email only refused commits asked for').toBeNull();
      });
    });

    describe('reads', () => {
      const workspaceB = aWorkspace({ id: WS_B });
      const zed = anAgent({ workspaceId: WS_B, name: 'Zed' });
      const support = aDepartment({ workspaceId: WS_B, name: 'Support' });
      const yvesInvited = anInvitation({ workspaceId: WS_B, email: 'yves@shop.com' });
      const twoWorkspaces = async () => {
        await given({ create: [workspaceA, ana, bob, sales, cyInvited] });
        await given({ workspaceId: WS_B, create: [workspaceB, zed, support, yvesInvited] });
      };

      it('finds nothing that does not exist', async () => {
        expect(await store.loadWorkspace(WS_A)).toBeNull();
        expect(await store.loadAgent(WS_A, bob.id)).toBeNull();
        expect(await store.loadInvitation(WS_A, cyInvited.id)).toBeNull();
        expect(await store.findInvitationByTokenHash(aTokenHash('nothing'))).toBeNull();
        expect(await store.loadDepartments(WS_A, [sales.id])).toEqual([]);
        expect(await store.events(WS_A)).toEqual([]);
        expect(await store.listAgents(WS_A)).toEqual([]);
        expect(await store.listOutbox(WS_A)).toEqual([]);
      });

      it('scopes every load by workspace', async () => {
        await twoWorkspaces();
        const leak = (read: string, what: string, of: WorkspaceId) =>
          `${read} asked in ${of === WS_A ? WS_B : WS_A} answered with ${what} of ${of}: every read is scoped by the workspace it is given, so ids never leak across tenants`;
        expect(await store.loadAgent(WS_B, bob.id), leak('loadAgent', 'an agent', WS_A)).toBeNull();
        expect(await store.loadAgent(WS_A, zed.id), leak('loadAgent', 'an agent', WS_B)).toBeNull();
        expect(await store.loadInvitation(WS_B, cyInvited.id), leak('loadInvitation', 'an invitation', WS_A)).toBeNull();
        expect(await store.loadDepartments(WS_A, [support.id]), leak('loadDepartments', 'a department', WS_B)).toEqual([]);
        expect(await store.loadDepartments(WS_B, [sales.id]), leak('loadDepartments', 'a department', WS_A)).toEqual([]);
        expect(await store.emailHolder(WS_B, bob.email), leak('emailHolder', 'the holder of an email', WS_A)).toBeNull();
        expect(await store.departmentNameTaken(WS_B, sales.nameKey), leak('departmentNameTaken', 'the name of a department', WS_A)).toBe(false);
        expect(idsOf(await store.listAgents(WS_B)), `listAgents(${WS_B}) must list the agents of ${WS_B} only`).toEqual([zed.id]);
        expect(idsOf(await store.listInvitations(WS_B)), `listInvitations(${WS_B}) must list the invitations of ${WS_B} only`).toEqual([yvesInvited.id]);
        expect((await store.listDepartments(WS_B)).map((d) => d.department.id), `listDepartments(${WS_B}) must list the departments of ${WS_B} only`).toEqual([support.id]);
        if (store.loadAllDepartments) {
          expect((await store.loadAllDepartments(WS_B)).map((d) => d.id), `loadAllDepartments(${WS_B}) must list the departments of ${WS_B} only`).toEqual([support.id]);
        }
        expect(await store.loadAgent(WS_A, bob.id), `loadAgent(${WS_A}, ${bob.id}): an agent is found in its own workspace`).toEqual({ value: bob, version: 1 });
        // The facts a command decides on, too: members of a department, lapsed invitations.
        await given({ update: [[{ ...bob, departmentIds: [sales.id] }, 1], [{ ...cyInvited, departmentIds: [sales.id] }, 1]] });
        expect(await store.departmentMembers(WS_B, sales.id), leak('departmentMembers', 'the members of a department', WS_A)).toEqual({ agents: [], invitations: [] });
        const lapsed = (await store.lapsedInvitations(WS_B, at(10_000), 10)).map((i) => i.value.id);
        expect(lapsed, `lapsedInvitations(${WS_B}) must list the invitations of ${WS_B} only`).toEqual([yvesInvited.id]);
      });

      it('finds an invitation by its token hash in any workspace and any status', async () => {
        await twoWorkspaces();
        expect(await store.findInvitationByTokenHash(yvesInvited.tokenHash)).toEqual({ value: yvesInvited, version: 1 });
        const revoked: Invitation = { ...cyInvited, status: 'revoked', closedAt: isoTime(at(1)) };
        await given({ update: [[revoked, 1]] });
        expect(await store.findInvitationByTokenHash(cyInvited.tokenHash)).toEqual({ value: revoked, version: 2 });
      });

      it('forgets a token hash once the invitation holds a new one', async () => {
        await twoWorkspaces();
        const resent: Invitation = { ...cyInvited, tokenHash: aTokenHash('resent'), resendCount: 1 };
        await given({ update: [[resent, 1]] });
        expect(await store.findInvitationByTokenHash(cyInvited.tokenHash)).toBeNull();
        expect(await store.findInvitationByTokenHash(resent.tokenHash)).toEqual({ value: resent, version: 2 });
        await given({ create: [anInvitation({ workspaceId: WS_A, email: 'dee@shop.com', tokenHash: cyInvited.tokenHash })] });
      });

      it('loads only the departments that exist in the workspace, with their versions', async () => {
        await twoWorkspaces();
        const billing = aDepartment({ workspaceId: WS_A, name: 'Billing' });
        await given({ create: [billing] });
        await given({ update: [[{ ...billing, name: 'Invoices', nameKey: 'invoices' }, 1]] });
        const loaded = await store.loadDepartments(WS_A, [sales.id, ids.department('dep_gone'), support.id, billing.id]);
        expect(byId(loaded.map((d) => ({ id: d.value.id, version: d.version })))).toEqual(
          byId([
            { id: sales.id, version: 1 },
            { id: billing.id, version: 2 },
          ]),
        );
        expect(await store.loadDepartments(WS_A, [])).toEqual([]);
      });

      it('says who holds an email: an agent, a pending invitation, or nobody', async () => {
        await twoWorkspaces();
        await given({ create: [anInvitation({ workspaceId: WS_A, email: 'dee@shop.com', status: 'revoked' })] });
        expect(await store.emailHolder(WS_A, bob.email)).toBe('agent');
        expect(await store.emailHolder(WS_A, cyInvited.email)).toBe('pending-invitation');
        expect(await store.emailHolder(WS_A, anEmail('dee@shop.com'))).toBeNull();
        expect(await store.emailHolder(WS_A, anEmail('nobody@shop.com'))).toBeNull();
      });

      it('says whether another department uses a name key', async () => {
        await twoWorkspaces();
        expect(await store.departmentNameTaken(WS_A, sales.nameKey)).toBe(true);
        expect(await store.departmentNameTaken(WS_A, sales.nameKey, sales.id)).toBe(false);
        expect(await store.departmentNameTaken(WS_A, sales.nameKey, ids.department('dep_other'))).toBe(true);
        expect(await store.departmentNameTaken(WS_A, 'support')).toBe(false);
      });

      it('lists the members of a department: its agents and pending invitations only', async () => {
        const inSales = { departmentIds: [sales.id] };
        const bobInSales: Agent = { ...bob, ...inSales };
        const cyInSales: Invitation = { ...cyInvited, ...inSales };
        const others = [
          anInvitation({ workspaceId: WS_A, email: 'dee@shop.com', status: 'revoked', departmentIds: [sales.id] }),
          anInvitation({ workspaceId: WS_A, email: 'eve@shop.com', status: 'accepted', departmentIds: [sales.id] }),
          anInvitation({ workspaceId: WS_A, email: 'fay@shop.com', status: 'expired', departmentIds: [sales.id] }),
        ];
        const billing = aDepartment({ workspaceId: WS_A, name: 'Billing' });
        const gus = anAgent({ workspaceId: WS_A, name: 'Gus', departmentIds: [billing.id] });
        await given({ create: [workspaceA, ana, bob, sales, billing, cyInSales, gus, ...others] });
        await given({ update: [[bobInSales, 1]] });
        const members = await store.departmentMembers(WS_A, sales.id);
        expect(members.agents, 'departmentMembers: the agents that name the department, as stored, after a commit that updated one into it').toEqual([
          { value: bobInSales, version: 2 },
        ]);
        expect(members.invitations, 'departmentMembers: the pending invitations that name the department (not the revoked, accepted or expired ones)').toEqual([
          { value: cyInSales, version: 1 },
        ]);
        expect(await store.departmentMembers(WS_B, sales.id)).toEqual({ agents: [], invitations: [] });
      });

      it("lists a department's members as listAgents and listInvitations list them: by joinedAt or sentAt, then id", async () => {
        // Commands record members in this order (DepartmentDeleted's agentIds and invitationIds),
        // so it must not be the store's own: not the order rows were written in, nor a locale's.
        const inSales = [sales.id];
        const member = (id: string, joinedAt: Date, departmentIds: string[] = inSales) =>
          anAgent({ workspaceId: WS_A, id, email: `${id.slice(4).toLowerCase()}@shop.com`, joinedAt, departmentIds });
        const invited = (id: string, sentAt: Date) => anInvitation({ workspaceId: WS_A, id, email: `${id.slice(4).toLowerCase()}@shop.com`, sentAt, departmentIds: inSales });
        const mover = member('agt_mover', at(1), []);
        const agents = [mover, member('agt_late', at(2)), member('agt_m_b', at(0)), member('agt_mA', at(0))];
        const [x, y, z] = [invited('inv_x', at(0)), invited('inv_y', at(1)), invited('inv_Z', at(1))];
        await given({ create: [workspaceA, sales, ...agents, x!, y!, z!] });
        // One agent joins later than it was first written; one invitation is resent, sent last now.
        const resent: Invitation = { ...x!, sentAt: isoTime(at(3)), expiresAt: isoTime(at(75)), resendCount: 1, tokenHash: aTokenHash('x-again@shop.com') };
        await given({ update: [[{ ...mover, departmentIds: inSales.map(ids.department) }, 1], [resent, 1]] });
        const members = await store.departmentMembers(WS_A, sales.id);
        expect(members.agents.map((m) => m.value.id)).toEqual(['agt_mA', 'agt_m_b', 'agt_mover', 'agt_late']);
        expect(members.invitations.map((m) => m.value.id)).toEqual(['inv_Z', 'inv_y', 'inv_x']);
        expect(members.agents.map((m) => m.value.id)).toEqual((await store.listAgents(WS_A, { departmentId: sales.id })).map((a) => a.id));
        expect(members.invitations.map((m) => m.value.id)).toEqual((await store.listInvitations(WS_A, { status: 'pending' })).map((i) => i.id));
      });

      it('lists lapsed invitations: pending with expiry at or before now, oldest first, at most the limit', async () => {
        const expiring = (email: string, hours: number, status: Invitation['status'] = 'pending') =>
          anInvitation({ workspaceId: WS_A, email, status, sentAt: T0, expiresAt: at(hours) });
        const late = expiring('late@shop.com', 30);
        const early = expiring('early@shop.com', 10);
        const exact = expiring('exact@shop.com', 48);
        const future = expiring('future@shop.com', 49);
        const revoked = expiring('revoked@shop.com', 5, 'revoked');
        const expired = expiring('expired@shop.com', 6, 'expired');
        await given({ create: [workspaceA, late, early, exact, future, revoked, expired] });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B }), anInvitation({ workspaceId: WS_B, email: 'b@shop.com', expiresAt: at(1) })] });
        const lapsed = await store.lapsedInvitations(WS_A, at(48), 10);
        expect(lapsed.map((r) => r.value.id)).toEqual([early.id, late.id, exact.id]);
        expect(lapsed.map((r) => r.version)).toEqual([1, 1, 1]);
        expect((await store.lapsedInvitations(WS_A, at(48), 2)).map((r) => r.value.id)).toEqual([early.id, late.id]);
        expect(await store.lapsedInvitations(WS_A, at(9), 10)).toEqual([]);
      });

      it('counts lapsed invitations (when the store has it): pending with expiry at or before now, in the workspace only', async () => {
        const expiring = (email: string, hours: number, status: Invitation['status'] = 'pending') =>
          anInvitation({ workspaceId: WS_A, email, status, sentAt: T0, expiresAt: at(hours) });
        await given({
          create: [
            workspaceA,
            expiring('early@shop.com', 10),
            expiring('late@shop.com', 30),
            expiring('exact@shop.com', 48),
            expiring('future@shop.com', 49),
            expiring('revoked@shop.com', 5, 'revoked'),
            expiring('expired@shop.com', 6, 'expired'),
          ],
        });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B }), anInvitation({ workspaceId: WS_B, email: 'b@shop.com', expiresAt: at(1) })] });
        // Optional (stores written for 0.1.0 lack it): checked when the store has it.
        if (!store.countLapsedInvitations) return;
        expect(await store.countLapsedInvitations(WS_A, at(48))).toBe(3);
        expect(await store.countLapsedInvitations(WS_A, at(10))).toBe(1);
        expect(await store.countLapsedInvitations(WS_A, at(9))).toBe(0);
        expect(await store.countLapsedInvitations(WS_A, at(1000))).toBe(4);
        expect(await store.countLapsedInvitations(WS_B, at(1000))).toBe(1);
        expect(await store.countLapsedInvitations(ids.workspace('ws_none'), at(1000))).toBe(0);
      });

      it('lists agents by status, availability and department', async () => {
        const cat = anAgent({ workspaceId: WS_A, name: 'Cat', availability: 'online', departmentIds: [sales.id] });
        const dee = anAgent({ workspaceId: WS_A, name: 'Dee', status: 'inactive', departmentIds: [sales.id] });
        await twoWorkspaces();
        await given({ create: [cat, dee] });
        expect(idsOf(await store.listAgents(WS_A))).toEqual(idsOf([ana, bob, cat, dee]));
        expect(idsOf(await store.listAgents(WS_A, {}))).toEqual(idsOf([ana, bob, cat, dee]));
        expect(idsOf(await store.listAgents(WS_A, { status: 'inactive' }))).toEqual([dee.id]);
        expect(idsOf(await store.listAgents(WS_A, { status: 'active' }))).toEqual(idsOf([ana, bob, cat]));
        expect(idsOf(await store.listAgents(WS_A, { availability: 'online' }))).toEqual([cat.id]);
        expect(idsOf(await store.listAgents(WS_A, { departmentId: sales.id }))).toEqual(idsOf([cat, dee]));
        expect(idsOf(await store.listAgents(WS_A, { departmentId: sales.id, status: 'active' }))).toEqual([cat.id]);
        expect(await store.listAgents(WS_A, { departmentId: support.id })).toEqual([]);
        expect(await store.listAgents(WS_A, { status: 'active', availability: 'online', departmentId: ids.department('dep_x') })).toEqual([]);
      });

      it('lists invitations by status, counting pending ones past expiry at `now` as expired', async () => {
        const lapsing = anInvitation({ workspaceId: WS_A, email: 'lapsing@shop.com', expiresAt: at(24) });
        const revoked = anInvitation({ workspaceId: WS_A, email: 'revoked@shop.com', status: 'revoked' });
        const accepted = anInvitation({ workspaceId: WS_A, email: 'accepted@shop.com', status: 'accepted' });
        const expired = anInvitation({ workspaceId: WS_A, email: 'expired@shop.com', status: 'expired' });
        await twoWorkspaces();
        await given({ create: [lapsing, revoked, accepted, expired] });
        const now = at(24);
        expect(idsOf(await store.listInvitations(WS_A))).toEqual(idsOf([cyInvited, lapsing, revoked, accepted, expired]));
        expect(idsOf(await store.listInvitations(WS_A, { status: 'pending', now }))).toEqual([cyInvited.id]);
        expect(idsOf(await store.listInvitations(WS_A, { status: 'expired', now }))).toEqual(idsOf([lapsing, expired]));
        expect(idsOf(await store.listInvitations(WS_A, { status: 'pending', now: at(1) }))).toEqual(idsOf([cyInvited, lapsing]));
        expect(idsOf(await store.listInvitations(WS_A, { status: 'revoked', now }))).toEqual([revoked.id]);
        expect(idsOf(await store.listInvitations(WS_A, { status: 'accepted' }))).toEqual([accepted.id]);
        expect(idsOf(await store.listInvitations(WS_A, { now }))).toHaveLength(5);
        // Filtered as expired, but given back as stored: the sweep is what records the expiry.
        const [asStored] = await store.listInvitations(WS_A, { status: 'expired', now: at(1000) });
        expect(asStored).toMatchObject({ status: 'pending', closedAt: null });
      });

      it('lists agents and invitations by time, then id compared byte by byte, a page at a time', async () => {
        // Ties on the time are broken by id byte by byte ('-' < digits < upper case < '_' < lower
        // case), not as a locale would: what PostgreSQL calls COLLATE "C". Ids are ASCII, so this
        // is also how JavaScript's < compares them.
        const names = ['b', 'B', 'a-1', 'a_1', 'A', 'z', 'Z9', 'a1'];
        const agents = names.map((n, k) =>
          anAgent({ workspaceId: WS_A, id: n, email: `p${k}@shop.com`, name: `P${k}`, joinedAt: at(k % 3), status: k === 3 ? 'inactive' : 'active' }),
        );
        const invitations = names.map((n, k) => anInvitation({ workspaceId: WS_A, id: n, email: `i${k}@shop.com`, sentAt: at(k % 3) }));
        await given({ create: [workspaceA, ...agents, ...invitations] });
        const before = (x: readonly [string, string], y: readonly [string, string]) =>
          x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
        const agentOrder = [...agents].sort((x, y) => before([x.joinedAt, x.id], [y.joinedAt, y.id])).map((a) => a.id);
        const invitationOrder = [...invitations].sort((x, y) => before([x.sentAt, x.id], [y.sentAt, y.id])).map((i) => i.id);
        expect(agentOrder.slice(0, 3)).toEqual(['agt_Z9', 'agt_a_1', 'agt_b']); // not a locale's order
        expect((await store.listAgents(WS_A)).map((a) => a.id)).toEqual(agentOrder);
        expect((await store.listInvitations(WS_A)).map((i) => i.id)).toEqual(invitationOrder);

        for (const limit of [1, 3, 8, 20]) {
          for (let k = -1; k < agents.length; k++) {
            const after = k < 0 ? undefined : agents.find((a) => a.id === agentOrder[k])!;
            const page = await store.listAgents(WS_A, {}, { after: after && { joinedAt: after.joinedAt, id: after.id }, limit });
            expect(page.map((a) => a.id)).toEqual(agentOrder.slice(k + 1, k + 1 + limit));
            const sent = k < 0 ? undefined : invitations.find((i) => i.id === invitationOrder[k])!;
            const invited = await store.listInvitations(WS_A, {}, { after: sent && { sentAt: sent.sentAt, id: sent.id }, limit });
            expect(invited.map((i) => i.id)).toEqual(invitationOrder.slice(k + 1, k + 1 + limit));
          }
        }
        // Filters and bounds together; a key that is no row's still marks a place.
        const active = agentOrder.filter((id) => id !== agents[3]!.id);
        expect((await store.listAgents(WS_A, { status: 'active' }, { limit: 100 })).map((a) => a.id)).toEqual(active);
        const between = { joinedAt: agents[0]!.joinedAt, id: ids.agent('a') };
        const afterBetween = active.filter((id) => {
          const agent = agents.find((a) => a.id === id)!;
          return before([agent.joinedAt, agent.id], [between.joinedAt, between.id]) > 0;
        });
        expect((await store.listAgents(WS_A, { status: 'active' }, { after: between, limit: 2 })).map((a) => a.id)).toEqual(afterBetween.slice(0, 2));
      });

      // `limit` counts the rows left after every filter, and the roster takes a page shorter than
      // it asked for as the end of the listing: a store that applies a filter to the rows a LIMIT
      // kept returns short pages and ends a walk early.
      it('pages agents under each filter with small limits: exactly the agents the filter keeps, in order, a short page only at the end', async () => {
        const billing = aDepartment({ workspaceId: WS_A, name: 'Billing' });
        // Agents the filters keep are spread among those they do not, in both orders of a tie.
        const agents = Array.from({ length: 10 }, (_, k) =>
          anAgent({
            workspaceId: WS_A,
            id: `agt_page_${String.fromCharCode(106 - k)}`,
            email: `page${k}@shop.com`,
            name: `Page ${k}`,
            joinedAt: at(Math.floor(k / 2)),
            availability: k % 3 === 0 ? 'online' : 'away',
            status: k === 5 ? 'inactive' : 'active', // away, as an inactive agent always is
            departmentIds: k % 4 === 1 ? [sales.id] : k % 4 === 2 ? [sales.id, billing.id] : k % 4 === 3 ? [billing.id] : [],
          }),
        );
        await given({ create: [workspaceA, sales, billing, ...agents] });
        const order = [...agents].sort((x, y) => (x.joinedAt !== y.joinedAt ? (x.joinedAt < y.joinedAt ? -1 : 1) : x.id < y.id ? -1 : 1));
        const filters: readonly (readonly [AgentFilter, (a: Agent) => boolean])[] = [
          [{ availability: 'online' }, (a) => a.availability === 'online'],
          [{ availability: 'away' }, (a) => a.availability === 'away'],
          [{ departmentId: sales.id }, (a) => a.departmentIds.includes(sales.id)],
          [{ departmentId: billing.id, availability: 'away' }, (a) => a.departmentIds.includes(billing.id) && a.availability === 'away'],
          [{ status: 'active', availability: 'online' }, (a) => a.status === 'active' && a.availability === 'online'],
          [{ status: 'active', departmentId: sales.id }, (a) => a.status === 'active' && a.departmentIds.includes(sales.id)],
        ];
        await expectFilteredPages(expect, 'listAgents', 'agents', order, filters, (filter, after, limit) =>
          store.listAgents(WS_A, filter, { after: after && { joinedAt: after.joinedAt, id: after.id }, limit }),
        );
      });

      it('pages invitations under each status filter with small limits: exactly the invitations the filter keeps, in order, a short page only at the end', async () => {
        const statuses = ['pending', 'revoked', 'accepted', 'pending', 'expired', 'revoked', 'pending', 'accepted', 'pending', 'revoked', 'pending'] as const;
        const now = at(30);
        const invitations = statuses.map((status, k) =>
          anInvitation({
            workspaceId: WS_A,
            id: `inv_page_${String.fromCharCode(107 - k)}`,
            email: `invited${k}@shop.com`,
            status,
            sentAt: at(Math.floor(k / 2)),
            // Every other pending invitation has lapsed at `now`.
            expiresAt: at(k % 4 === 0 ? 24 : 48),
          }),
        );
        await given({ create: [workspaceA, ...invitations] });
        const order = [...invitations].sort((x, y) => (x.sentAt !== y.sentAt ? (x.sentAt < y.sentAt ? -1 : 1) : x.id < y.id ? -1 : 1));
        const lapsed = (i: Invitation) => i.status === 'pending' && Date.parse(i.expiresAt) <= now.getTime();
        const filters: readonly (readonly [InvitationFilter, (i: Invitation) => boolean])[] = [
          [{ status: 'pending' }, (i) => i.status === 'pending'],
          [{ status: 'revoked' }, (i) => i.status === 'revoked'],
          [{ status: 'accepted', now }, (i) => i.status === 'accepted'],
          [{ status: 'pending', now }, (i) => i.status === 'pending' && !lapsed(i)],
          [{ status: 'expired', now }, (i) => i.status === 'expired' || lapsed(i)],
        ];
        await expectFilteredPages(expect, 'listInvitations', 'invitations', order, filters, (filter, after, limit) =>
          store.listInvitations(WS_A, filter, { after: after && { sentAt: after.sentAt, id: after.id }, limit }),
        );
      });

      it('lists departments by name key, compared code point by code point, then by id', async () => {
        // Code point order is the order of UTF-8 bytes, what PostgreSQL's COLLATE "C" compares on
        // a UTF-8 database. JavaScript's < compares UTF-16 code units, which put a character
        // beyond U+FFFF (a surrogate pair) before U+E000–U+FFFF: the last three names tell them apart.
        const names = ['zeta', 'Ärger', 'e-mail', 'Zulu', 'étude', 'alpha', 'Beta', '😀 VIP', 'ｚ Fullwidth', '\uE000 Private', '𝔸 Math', '\uFFFD Odd'];
        const departments = names.map((name, k) => aDepartment({ workspaceId: WS_A, id: `dep_${k}`, name }));
        await given({ create: [workspaceA, ...departments] });
        const keys = departments.map((d) => d.nameKey).sort(byCodePoints);
        expect(keys.slice(-5)).toEqual(['\uE000 private', 'ｚ fullwidth', '\uFFFD odd', '𝔸 math', '😀 vip']); // not as < sorts them
        expect((await store.listDepartments(WS_A)).map((s) => s.department.nameKey)).toEqual(keys);
        // Without counts, in the same order (when the store has it): the whole board reads it.
        if (store.loadAllDepartments) expect((await store.loadAllDepartments(WS_A)).map((d) => d.nameKey)).toEqual(keys);
      });

      it('lists departments with their member and pending-invitation counts', async () => {
        const billing = aDepartment({ workspaceId: WS_A, name: 'Billing' });
        const both = { departmentIds: [sales.id, billing.id] };
        await given({
          create: [
            workspaceA,
            sales,
            billing,
            { ...ana, departmentIds: [sales.id] },
            { ...bob, ...both },
            { ...cyInvited, ...both },
            anInvitation({ workspaceId: WS_A, email: 'dee@shop.com', status: 'revoked', departmentIds: [sales.id] }),
          ],
        });
        const summaries = await store.listDepartments(WS_A);
        expect(byId(summaries.map((s) => ({ id: s.department.id, members: s.members, pendingInvitations: s.pendingInvitations })))).toEqual(
          byId([
            { id: sales.id, members: 2, pendingInvitations: 1 },
            { id: billing.id, members: 1, pendingInvitations: 1 },
          ]),
        );
        expect(summaries.find((s) => s.department.id === sales.id)?.department).toEqual(sales);
      });

      it('lists departments given `now` without the pending invitations lapsed at `now`, as listInvitations calls them expired', async () => {
        const billing = aDepartment({ workspaceId: WS_A, name: 'Billing' });
        const both = { departmentIds: [sales.id, billing.id] };
        const lapsing = anInvitation({ workspaceId: WS_A, email: 'lapsing@shop.com', expiresAt: at(24), departmentIds: [sales.id] });
        const lapsingBoth = anInvitation({ workspaceId: WS_A, email: 'both@shop.com', expiresAt: at(12), ...both });
        const later = anInvitation({ workspaceId: WS_A, email: 'later@shop.com', expiresAt: at(25), ...both });
        // Closed ones with a past expiry count neither as pending nor as lapsed: a store that
        // subtracts lapsed invitations whatever their status would go below the pending count.
        const closed = (['revoked', 'expired', 'accepted'] as const).map((status) =>
          anInvitation({ workspaceId: WS_A, email: `${status}@shop.com`, status, expiresAt: at(6), ...both }),
        );
        await given({ create: [workspaceA, sales, billing, { ...bob, ...both }, lapsing, lapsingBoth, later, ...closed] });
        const counts = async (now?: Date) =>
          byId((await store.listDepartments(WS_A, now)).map((s) => ({ id: s.department.id, members: s.members, pendingInvitations: s.pendingInvitations })));
        expect(await counts()).toEqual(byId([{ id: sales.id, members: 1, pendingInvitations: 3 }, { id: billing.id, members: 1, pendingInvitations: 2 }]));
        expect(await counts(at(11))).toEqual(await counts());
        expect(await counts(at(12))).toEqual(byId([{ id: sales.id, members: 1, pendingInvitations: 2 }, { id: billing.id, members: 1, pendingInvitations: 1 }]));
        expect(await counts(at(24))).toEqual(byId([{ id: sales.id, members: 1, pendingInvitations: 1 }, { id: billing.id, members: 1, pendingInvitations: 1 }]));
        expect(await counts(at(25))).toEqual(byId([{ id: sales.id, members: 1, pendingInvitations: 0 }, { id: billing.id, members: 1, pendingInvitations: 0 }]));
        // The same as counting, per department, what listInvitations says is still pending.
        const pending = await store.listInvitations(WS_A, { status: 'pending', now: at(24) });
        for (const s of await store.listDepartments(WS_A, at(24))) {
          expect(s.pendingInvitations).toBe(pending.filter((i) => i.departmentIds.includes(s.department.id)).length);
        }
      });

      it('keeps each workspace\'s events in commit order', async () => {
        const a = (name: string) => departmentCreated(WS_A, name);
        const b = (name: string) => departmentCreated(WS_B, name);
        await given({ create: [workspaceA], events: [a('One'), a('Two')] });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B })], events: [b('Alpha')] });
        await given({ update: [[workspaceA, 1]], events: [a('Three')] });
        await given({ workspaceId: WS_B, update: [[aWorkspace({ id: WS_B }), 1]], events: [b('Beta'), b('Gamma')] });
        await given({ update: [[workspaceA, 2]], events: [a('Four')] });
        expect(await store.events(WS_A)).toEqual([a('One'), a('Two'), a('Three'), a('Four')]);
        expect(await store.events(WS_B)).toEqual([b('Alpha'), b('Beta'), b('Gamma')]);
      });
    });

    // Every read, listed again with the same arguments after each kind of change: a store that
    // keeps a listing (or a lookup) cached past a commit passes every test that reads only once.
    describe('reads follow commits', () => {
      const billing = aDepartment({ workspaceId: WS_A, name: 'Billing' });
      const legacy = aDepartment({ workspaceId: WS_A, name: 'Legacy' });
      const support = aDepartment({ workspaceId: WS_A, name: 'Support' });
      const bobInSales: Agent = { ...bob, departmentIds: [sales.id] };
      const cy = anInvitation({ workspaceId: WS_A, email: 'cy@shop.com', departmentIds: [sales.id], sentAt: T0, expiresAt: at(48) });
      const dee = anInvitation({ workspaceId: WS_A, email: 'dee@shop.com', departmentIds: [billing.id], sentAt: at(1), expiresAt: at(12) });
      // Eve takes the email of Cy's invitation once it is revoked; Fay's invitation has lapsed at 48 h.
      const eve = anAgent({ workspaceId: WS_A, name: 'Eve', email: 'cy@shop.com', availability: 'online', departmentIds: [sales.id] });
      const fay = anInvitation({ workspaceId: WS_A, email: 'fay@shop.com', departmentIds: [sales.id], sentAt: at(2), expiresAt: at(6) });
      const wide = emptyRoutingState(WS_A, null);
      const salesQueue = emptyRoutingState(WS_A, sales.id);
      const billingQueue = emptyRoutingState(WS_A, billing.id);
      const withdrawnTopic = `invitation:${cy.id}`;
      const [m1, m2, m3, m4] = [aMessage({ topic: withdrawnTopic }), aMessage(), aMessage(), aMessage()] as const;
      const note = (name: string) => departmentCreated(WS_A, name);

      const renamed: Workspace = { ...workspaceA, name: 'Shop EU' };
      const anaRenamed: Agent = { ...ana, name: 'Ana B.' };
      const bobMoved: Agent = { ...bobInSales, availability: 'online', departmentIds: [billing.id] };
      const cyRevoked: Invitation = { ...cy, status: 'revoked', closedAt: isoTime(at(1)) };
      const deeResent: Invitation = { ...dee, tokenHash: aTokenHash('dee resent'), expiresAt: isoTime(at(72)), resendCount: 1 };
      const deals: Department = { ...sales, name: 'Deals', nameKey: 'deals' };
      const member = { agentId: ana.id, active: true, online: true, departmentIds: [sales.id] };
      const salesStaffed = syncAgent(salesQueue, member, { now: T0 })._unsafeUnwrap().state;

      /** What the store holds, as the scenario goes: the expected answer of every read derives from it. */
      type World = Readonly<{
        workspace: readonly [Workspace, number];
        agents: readonly (readonly [Agent, number])[];
        invitations: readonly (readonly [Invitation, number])[];
        departments: readonly (readonly [Department, number])[];
        queues: readonly (readonly [RoutingState, number])[];
        events: readonly RosterEvent[];
        outbox: readonly (readonly [id: string, status: OutboxStatus, attempts: number])[];
      }>;
      const opened: World = {
        workspace: [workspaceA, 1],
        agents: [[ana, 1], [bobInSales, 1]],
        invitations: [[cy, 1], [dee, 1]],
        departments: [[sales, 1], [billing, 1], [legacy, 1]],
        queues: [[wide, 1], [salesQueue, 1]],
        events: [note('Opened')],
        outbox: [[m1.id, 'pending', 0], [m2.id, 'pending', 0]],
      };
      const setup: Change = {
        create: [workspaceA, ana, bobInSales, cy, dee, sales, billing, legacy, wide, salesQueue],
        events: [note('Opened')],
        outbox: [m1, m2],
      };
      type Step = Readonly<{ what: string; run: () => Promise<void>; world: (w: World) => World }>;
      const steps: readonly Step[] = [
        // One kind at a time: a cache cleared by any commit that writes some other kind passes
        // a commit that updates everything at once.
        {
          what: 'a commit that only updates the workspace (and appends an event)',
          run: () => given({ update: [[renamed, 1]], events: [note('Updated')] }),
          world: (w) => ({ ...w, workspace: [renamed, 2], events: [...w.events, note('Updated')] }),
        },
        {
          what: 'a commit that only updates agents',
          run: () => given({ update: [[anaRenamed, 1], [bobMoved, 1]] }),
          world: (w) => ({ ...w, agents: [[anaRenamed, 2], [bobMoved, 2]] }),
        },
        {
          what: 'a commit that only updates invitations (and withdraws a topic)',
          run: () => given({ update: [[cyRevoked, 1], [deeResent, 1]], withdraw: [withdrawnTopic] }),
          world: (w) => ({ ...w, invitations: [[cyRevoked, 2], [deeResent, 2]], outbox: [[m1.id, 'withdrawn', 0], [m2.id, 'pending', 0]] }),
        },
        {
          what: 'a commit that only updates a department',
          run: () => given({ update: [[deals, 1]] }),
          world: (w) => ({ ...w, departments: [[deals, 2], [billing, 1], [legacy, 1]] }),
        },
        {
          what: 'a commit that only updates a routing queue',
          run: () => given({ update: [[salesStaffed, 1]] }),
          world: (w) => ({ ...w, queues: [[wide, 1], [salesStaffed, 2]] }),
        },
        {
          what: 'a commit that only removes (an agent, a department, a routing queue)',
          run: () =>
            given({
              remove: [[removal(bobMoved), 2], [removal(legacy), 1], [{ kind: 'routing', id: salesQueue.id, removed: true }, 2]],
              events: [note('Removed')],
              outbox: [m3],
            }),
          world: (w) => ({
            ...w,
            agents: w.agents.filter(([a]) => a.id !== bob.id),
            departments: w.departments.filter(([d]) => d.id !== legacy.id),
            queues: w.queues.filter(([q]) => q.id !== salesQueue.id),
            events: [...w.events, note('Removed')],
            outbox: [...w.outbox, [m3.id, 'pending', 0]],
          }),
        },
        {
          what: 'a commit that only creates',
          run: () => given({ create: [eve, fay, support, billingQueue], events: [note('Created')] }),
          world: (w) => ({
            ...w,
            agents: [...w.agents, [eve, 1]],
            invitations: [...w.invitations, [fay, 1]],
            departments: [...w.departments, [support, 1]],
            queues: [...w.queues, [billingQueue, 1]],
            events: [...w.events, note('Created')],
          }),
        },
        {
          what: 'a commit that writes no aggregate (it only reads the workspace, appends an event and enqueues a message)',
          run: () => given({ read: [[renamed, 2]], events: [note('Noted')], outbox: [m4] }),
          world: (w) => ({ ...w, events: [...w.events, note('Noted')], outbox: [...w.outbox, [m4.id, 'pending', 0]] }),
        },
        {
          what: 'markDelivered, markFailed and (when the store has it) markWithdrawn',
          run: async () => {
            await store.markDelivered(m2.id, at(1));
            await store.markFailed(m3.id, 'mailer unavailable', at(2));
            await store.markWithdrawn?.(m4.id);
          },
          world: (w) => ({
            ...w,
            outbox: w.outbox.map(([id, status, attempts]): World['outbox'][number] =>
              id === m2.id ? [id, 'delivered', 1] : id === m3.id ? [id, status, 1] : id === m4.id && store.markWithdrawn ? [id, 'withdrawn', 0] : [id, status, attempts],
            ),
          }),
        },
      ];

      /** One read with fixed arguments, what it answers (in a form every store can give) and what it must answer in a world. */
      type View<R> = Readonly<{ method: string; call: string; read: (reads: R) => Promise<unknown>; expected: (w: World) => unknown }>;
      const show = (method: string, ...args: readonly unknown[]) => {
        while (args.length > 0 && args[args.length - 1] === undefined) args = args.slice(0, -1);
        return `${method}(${args.map((a) => (a === undefined ? 'undefined' : JSON.stringify(a))).join(', ')})`;
      };
      const sortedById = <T extends readonly unknown[]>(rows: readonly T[]) => [...rows].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : String(x[0]) > String(y[0]) ? 1 : 0));
      const versionOf = (w: World, kind: Aggregate['kind'], id: string) => {
        const all: readonly (readonly [Aggregate, number])[] = [[w.workspace[0], w.workspace[1]], ...w.agents, ...w.invitations, ...w.departments, ...w.queues];
        return all.find(([a]) => a.kind === kind && a.id === id)?.[1] ?? 0;
      };
      const agentRows = (agents: readonly Agent[]) => sortedById(agents.map((a) => [a.id, a.name, a.status, a.availability, [...a.departmentIds].sort()] as const));
      const invitationRows = (invitations: readonly Invitation[]) => sortedById(invitations.map((i) => [i.id, i.status, Date.parse(i.expiresAt)] as const));
      const isPending = (i: Invitation, now?: Date) => i.status === 'pending' && (now === undefined || Date.parse(i.expiresAt) > now.getTime());
      const lapsedAt = (w: World, now: Date) =>
        w.invitations.filter(([i]) => i.status === 'pending' && Date.parse(i.expiresAt) <= now.getTime()).sort(([x], [y]) => Date.parse(x.expiresAt) - Date.parse(y.expiresAt));
      const holderOf = (w: World, email: string) =>
        w.agents.some(([a]) => a.email === email) ? 'agent' : w.invitations.some(([i]) => i.email === email && i.status === 'pending') ? 'pending-invitation' : null;

      const listAgentsView = (filter?: AgentFilter, page?: PageBounds<AgentKey>): View<RosterStore> => ({
        method: 'listAgents',
        call: show('listAgents', WS_A, filter, page),
        read: async (s) => agentRows(await s.listAgents(WS_A, filter, page)),
        expected: (w) =>
          agentRows(
            w.agents
              .map(([a]) => a)
              .filter((a) => (filter?.status ?? a.status) === a.status && (filter?.availability ?? a.availability) === a.availability)
              .filter((a) => filter?.departmentId === undefined || a.departmentIds.includes(filter.departmentId)),
          ),
      });
      const listInvitationsView = (filter?: InvitationFilter, page?: PageBounds<InvitationKey>): View<RosterStore> => ({
        method: 'listInvitations',
        call: show('listInvitations', WS_A, filter, page),
        read: async (s) => invitationRows(await s.listInvitations(WS_A, filter, page)),
        expected: (w) =>
          invitationRows(
            w.invitations
              .map(([i]) => i)
              .filter((i) => {
                if (filter?.status === undefined) return true;
                if (filter.now === undefined) return i.status === filter.status;
                if (filter.status === 'pending') return isPending(i, filter.now);
                if (filter.status === 'expired') return i.status === 'expired' || (i.status === 'pending' && !isPending(i, filter.now));
                return i.status === filter.status;
              }),
          ),
      });
      const listOutboxView = (status?: OutboxStatus, page?: PageBounds<OutboxKey>): View<RosterStore> => ({
        method: 'listOutbox',
        call: show('listOutbox', WS_A, status, page),
        read: async (s) => sortedById((await s.listOutbox(WS_A, status, page)).map((m) => [m.id, m.status, m.attempts] as const)),
        expected: (w) => sortedById(w.outbox.filter(([, s]) => status === undefined || s === status)),
      });
      const listDepartmentsView = (now?: Date): View<RosterStore> => ({
        method: 'listDepartments',
        call: show('listDepartments', WS_A, now),
        read: async (s) => sortedById((await s.listDepartments(WS_A, now)).map((d) => [d.department.id, d.department.nameKey, d.members, d.pendingInvitations] as const)),
        expected: (w) =>
          sortedById(
            w.departments.map(([d]) => [
              d.id,
              d.nameKey,
              w.agents.filter(([a]) => a.departmentIds.includes(d.id)).length,
              w.invitations.filter(([i]) => isPending(i, now) && i.departmentIds.includes(d.id)).length,
            ] as const),
          ),
      });
      // Where the log stood after the setup: eventsAfter from there must pick up every later commit.
      let setupEnd = '0';
      const everyoneBefore = isoTime(at(-1));

      /** The reads a use case decides on: the store's, and a session's when the store has `begin`. */
      const decisionViews: readonly View<DecisionReads>[] = [
        {
          method: 'loadWorkspace',
          call: show('loadWorkspace', WS_A),
          read: async (r) => {
            const loaded = await r.loadWorkspace(WS_A);
            return loaded && [loaded.value.name, loaded.version];
          },
          expected: (w) => [w.workspace[0].name, w.workspace[1]],
        },
        ...[ana, bob, eve].map(
          (agent): View<DecisionReads> => ({
            method: 'loadAgent',
            call: show('loadAgent', WS_A, agent.id),
            read: async (r) => {
              const loaded = await r.loadAgent(WS_A, agent.id);
              return loaded && [loaded.value.name, loaded.value.availability, [...loaded.value.departmentIds].sort(), loaded.version];
            },
            expected: (w) => {
              const found = w.agents.find(([a]) => a.id === agent.id);
              return found ? [found[0].name, found[0].availability, [...found[0].departmentIds].sort(), found[1]] : null;
            },
          }),
        ),
        ...[cy, dee, fay].map(
          (invitation): View<DecisionReads> => ({
            method: 'loadInvitation',
            call: show('loadInvitation', WS_A, invitation.id),
            read: async (r) => {
              const loaded = await r.loadInvitation(WS_A, invitation.id);
              return loaded && [loaded.value.status, Date.parse(loaded.value.expiresAt), loaded.version];
            },
            expected: (w) => {
              const found = w.invitations.find(([i]) => i.id === invitation.id);
              return found ? [found[0].status, Date.parse(found[0].expiresAt), found[1]] : null;
            },
          }),
        ),
        ...[cy.tokenHash, dee.tokenHash, deeResent.tokenHash, fay.tokenHash].map(
          (tokenHash): View<DecisionReads> => ({
            method: 'findInvitationByTokenHash',
            call: show('findInvitationByTokenHash', tokenHash),
            read: async (r) => {
              const found = await r.findInvitationByTokenHash(tokenHash);
              return found && [found.value.id, found.value.status, found.version];
            },
            expected: (w) => {
              const found = w.invitations.find(([i]) => i.tokenHash === tokenHash);
              return found ? [found[0].id, found[0].status, found[1]] : null;
            },
          }),
        ),
        {
          method: 'loadDepartments',
          call: show('loadDepartments', WS_A, [sales.id, billing.id, legacy.id, support.id]),
          read: async (r) => sortedById((await r.loadDepartments(WS_A, [sales.id, billing.id, legacy.id, support.id])).map((d) => [d.value.id, d.value.nameKey, d.version] as const)),
          expected: (w) => sortedById(w.departments.map(([d, v]) => [d.id, d.nameKey, v] as const)),
        },
        ...[ana.email, bob.email, cy.email, dee.email, fay.email].map(
          (email): View<DecisionReads> => ({
            method: 'emailHolder',
            call: show('emailHolder', WS_A, email),
            read: (r) => r.emailHolder(WS_A, email),
            expected: (w) => holderOf(w, email),
          }),
        ),
        ...[sales.nameKey, deals.nameKey, legacy.nameKey, support.nameKey].map(
          (nameKey): View<DecisionReads> => ({
            method: 'departmentNameTaken',
            call: show('departmentNameTaken', WS_A, nameKey),
            read: (r) => r.departmentNameTaken(WS_A, nameKey),
            expected: (w) => w.departments.some(([d]) => d.nameKey === nameKey),
          }),
        ),
        ...[sales.id, billing.id].map(
          (departmentId): View<DecisionReads> => ({
            method: 'departmentMembers',
            call: show('departmentMembers', WS_A, departmentId),
            read: async (r) => {
              const members = await r.departmentMembers(WS_A, departmentId);
              return {
                agents: sortedById(members.agents.map((a) => [a.value.id, a.version] as const)),
                invitations: sortedById(members.invitations.map((i) => [i.value.id, i.version] as const)),
              };
            },
            expected: (w) => ({
              agents: sortedById(w.agents.filter(([a]) => a.departmentIds.includes(departmentId)).map(([a, v]) => [a.id, v] as const)),
              invitations: sortedById(w.invitations.filter(([i]) => i.status === 'pending' && i.departmentIds.includes(departmentId)).map(([i, v]) => [i.id, v] as const)),
            }),
          }),
        ),
        {
          method: 'loadRoutingStates',
          call: show('loadRoutingStates', WS_A, [null, sales.id, billing.id]),
          read: async (r) =>
            sortedById((await r.loadRoutingStates(WS_A, [null, sales.id, billing.id])).map((q) => [q.value.id, q.version, memberOf(q.value, ana.id) !== undefined] as const)),
          expected: (w) => sortedById(w.queues.map(([q, v]) => [q.id, v, memberOf(q, ana.id) !== undefined] as const)),
        },
        {
          method: 'lapsedInvitations',
          call: show('lapsedInvitations', WS_A, at(48), 10),
          read: async (r) => (await r.lapsedInvitations(WS_A, at(48), 10)).map((i) => [i.value.id, i.version]),
          expected: (w) => lapsedAt(w, at(48)).map(([i, v]) => [i.id, v]),
        },
        ...(
          [
            [workspaceA, 1],
            [bob, 1],
            [eve, 0],
            [legacy, 1],
          ] as const
        ).map(
          ([a, version]): View<DecisionReads> => ({
            method: 'versionsCurrent',
            call: show('versionsCurrent', [{ kind: a.kind, id: a.id, version }]),
            read: (r) => r.versionsCurrent!([{ kind: a.kind, id: a.id, version }]),
            expected: (w) => versionOf(w, a.kind, a.id) === version,
          }),
        ),
      ];
      const views: readonly View<RosterStore>[] = [
        ...decisionViews,
        {
          method: 'countLapsedInvitations',
          call: show('countLapsedInvitations', WS_A, at(48)),
          read: (s) => s.countLapsedInvitations!(WS_A, at(48)),
          expected: (w) => lapsedAt(w, at(48)).length,
        },
        listAgentsView(),
        listAgentsView({ status: 'active' }),
        listAgentsView({ availability: 'online' }),
        listAgentsView({ departmentId: sales.id }),
        listAgentsView({ departmentId: billing.id, status: 'active' }),
        listAgentsView({}, { limit: 10 }),
        listAgentsView({ availability: 'online' }, { after: { joinedAt: everyoneBefore, id: ana.id }, limit: 10 }),
        listInvitationsView(),
        listInvitationsView({ status: 'pending' }),
        listInvitationsView({ status: 'revoked' }),
        listInvitationsView({ status: 'pending', now: at(48) }),
        listInvitationsView({ status: 'expired', now: at(48) }),
        listInvitationsView({}, { limit: 10 }),
        listInvitationsView({ status: 'pending' }, { after: { sentAt: everyoneBefore, id: cy.id }, limit: 10 }),
        listDepartmentsView(),
        listDepartmentsView(at(48)),
        {
          method: 'loadAllDepartments',
          call: show('loadAllDepartments', WS_A),
          read: async (s) => sortedById((await s.loadAllDepartments!(WS_A)).map((d) => [d.id, d.nameKey, d.name] as const)),
          expected: (w) => sortedById(w.departments.map(([d]) => [d.id, d.nameKey, d.name] as const)),
        },
        { method: 'events', call: show('events', WS_A), read: (s) => s.events(WS_A), expected: (w) => w.events },
        {
          method: 'eventsAfter',
          call: show('eventsAfter', WS_A, '0', 100),
          read: async (s) => (await s.eventsAfter!(WS_A, '0', 100)).map((p) => p.event),
          expected: (w) => w.events,
        },
        {
          method: 'eventsAfter',
          call: 'eventsAfter(ws_a, <the position of the setup\'s last event>, 100)',
          read: async (s) => (await s.eventsAfter!(WS_A, setupEnd, 100)).map((p) => p.event),
          expected: (w) => w.events.slice(1),
        },
        listOutboxView(),
        listOutboxView('pending'),
        listOutboxView('delivered'),
        listOutboxView('withdrawn'),
        listOutboxView(undefined, {}),
        listOutboxView(undefined, { limit: 10 }),
        listOutboxView('pending', { after: { createdAt: everyoneBefore, id: m1.id }, limit: 10 }),
      ];

      /** Plays the scenario, reading every view after the setup and after each step, as `open` lets it read. */
      const follow = async <R>(chosen: readonly View<R>[], open: () => Promise<Readonly<{ reads: R; done: () => Promise<void> }>>) => {
        await given(setup);
        if (store.eventsAfter) setupEnd = (await store.eventsAfter(WS_A, '0', 100)).at(-1)?.position ?? '0';
        const look = async () => {
          const { reads, done } = await open();
          try {
            const answers: unknown[] = [];
            for (const view of chosen) answers.push(await view.read(reads));
            return answers;
          } finally {
            await done();
          }
        };
        let world = opened;
        let seen = await look();
        chosen.forEach((view, k) => expect(seen[k], `${view.call} right after the setup`).toEqual(view.expected(world)));
        for (const step of steps) {
          await step.run();
          world = step.world(world);
          const now = await look();
          chosen.forEach((view, k) => {
            const expected = view.expected(world);
            const stale = JSON.stringify(now[k]) === JSON.stringify(seen[k]) && JSON.stringify(expected) !== JSON.stringify(seen[k]);
            const why = stale
              ? 'it still answers what it did before, as if the read came from a cache the change did not clear (or the change was lost)'
              : 'it does not answer what the store now holds';
            expect(now[k], `${view.call} after ${step.what}: ${why}`).toEqual(expected);
          });
          seen = now;
        }
      };
      const onTheStore = async () => ({ reads: store, done: async () => {} });
      const optional = new Set(['versionsCurrent', 'eventsAfter', 'countLapsedInvitations', 'loadAllDepartments']);

      for (const method of [...new Set(views.map((v) => v.method))]) {
        const when = optional.has(method) ? ' (when the store has it)' : '';
        it(`${method}${when}, asked again with the same arguments, sees each update, removal, creation and outbox change`, async () => {
          if (optional.has(method) && typeof (store as unknown as Record<string, unknown>)[method] !== 'function') return;
          await follow(
            views.filter((v) => v.method === method),
            onTheStore,
          );
        });
      }

      it('a session\'s reads (when the store has begin), asked again in a later session, see each change', async () => {
        const begin = store.begin?.bind(store);
        if (!begin) return;
        const probe = await begin();
        const versionsCurrent = typeof probe.versionsCurrent === 'function';
        await probe.end();
        const chosen = decisionViews.filter((v) => v.method !== 'versionsCurrent' || versionsCurrent);
        await follow(chosen, async () => {
          const session = await begin();
          return { reads: session, done: () => session.end() };
        });
      });
    });

    describe('routing queues', () => {
      it('keeps a queue per department and one for the workspace: loaded by workspace, versioned, removable', async () => {
        const route = (state: RoutingState, conversationId: string) => routeConversation(state, { conversationId }, { now: T0 })._unsafeUnwrap().state;
        const member = { agentId: bob.id, active: true, online: true, departmentIds: [sales.id] };
        const staffed = syncAgent(emptyRoutingState(WS_A, sales.id), member, { now: T0 })._unsafeUnwrap().state;
        const salesQueue = route(staffed, 'conv_1');
        const wide = emptyRoutingState(WS_A, null);
        const elsewhere = emptyRoutingState(WS_B, null);
        await given({ create: [workspaceA, sales, bob, salesQueue, wide] });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B }), elsewhere] });

        const loaded = await store.loadRoutingStates(WS_A, [null, ids.department('dep_none'), sales.id]);
        expect(loaded.map((q) => [q.value.id, q.version])).toEqual([
          [wide.id, 1],
          [salesQueue.id, 1],
        ]);
        // What comes back is the queue as written: its members and conversations survive the trip.
        expect(JSON.parse(JSON.stringify(loaded[1]!.value))).toEqual(JSON.parse(JSON.stringify(salesQueue)));
        expect(memberOf(loaded[1]!.value, bob.id)?.conversationIds).toEqual(['conv_1']);
        expect(await store.loadRoutingStates(WS_B, [sales.id])).toEqual([]);
        expect((await store.loadRoutingStates(WS_B, [null])).map((q) => q.value.id)).toEqual([elsewhere.id]);
        expect(await store.loadRoutingStates(WS_A, [])).toEqual([]);

        const busier = route(loaded[1]!.value, 'conv_2');
        await refused({ update: [[busier, 2]] }, 'stale-version');
        await given({ update: [[busier, 1]] });
        const [again] = await store.loadRoutingStates(WS_A, [sales.id]);
        expect(again?.version).toBe(2);
        expect(memberOf(again!.value, bob.id)?.conversationIds).toEqual(['conv_1', 'conv_2']);

        await given({ remove: [[{ kind: 'routing', id: salesQueue.id, removed: true }, 2]] });
        expect((await store.loadRoutingStates(WS_A, [sales.id, null])).map((q) => q.value.id)).toEqual([wide.id]);
      });
    });

    describe('eventsAfter (when the store has it)', () => {
      it('pages a workspace\'s log in commit order by position, and picks up what is committed later', async () => {
        const eventsAfter = store.eventsAfter?.bind(store);
        if (!eventsAfter) return;
        const a = (name: string) => departmentCreated(WS_A, name);
        await given({ create: [workspaceA], events: [a('One'), a('Two')] });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B })], events: [departmentCreated(WS_B, 'Alpha')] });
        await given({ update: [[workspaceA, 1]], events: [a('Three')] });
        const all = await eventsAfter(WS_A, '0', 100);
        expect(all.map((p) => p.event)).toEqual([a('One'), a('Two'), a('Three')]);
        // Positions: whole numbers in decimal, no leading zero, growing in commit order.
        const positions = all.map((p) => p.position);
        const later = (x: string, y: string) => (x.length !== y.length ? x.length > y.length : x > y);
        expect(positions.every((p, k) => /^[1-9]\d{0,18}$/.test(p) && (k === 0 || later(p, positions[k - 1]!)))).toBe(true);
        expect(await eventsAfter(WS_A, '0', 2)).toEqual(all.slice(0, 2));
        expect(await eventsAfter(WS_A, positions[0]!, 1)).toEqual(all.slice(1, 2));
        expect(await eventsAfter(WS_A, positions[2]!, 10)).toEqual([]);
        expect(await eventsAfter(WS_A, '9223372036854775807', 10)).toEqual([]);
        await given({ update: [[workspaceA, 2]], events: [a('Four')] });
        const since = await eventsAfter(WS_A, positions[2]!, 10);
        expect(since.map((p) => p.event)).toEqual([a('Four')]);
        expect(later(since[0]!.position, positions[2]!)).toBe(true);
        expect((await eventsAfter(WS_B, '0', 10)).map((p) => p.event)).toEqual([departmentCreated(WS_B, 'Alpha')]);
      });

      it('walks a log of a dozen commits in pages of three, in commit order (positions compare as numbers, not text)', async () => {
        const eventsAfter = store.eventsAfter?.bind(store);
        if (!eventsAfter) return;
        const names = Array.from({ length: 12 }, (_, k) => `Dept${k}`);
        await given({ create: [workspaceA], events: [departmentCreated(WS_A, names[0]!)] });
        for (let k = 1; k < names.length; k++) await given({ update: [[workspaceA, k]], events: [departmentCreated(WS_A, names[k]!)] });
        const read: PositionedEvent[] = [];
        for (let after = '0'; ; ) {
          const page = await eventsAfter(WS_A, after, 3);
          read.push(...page);
          if (page.length < 3) break;
          after = page[page.length - 1]!.position;
        }
        expect(read.map((p) => p.event)).toEqual(names.map((name) => departmentCreated(WS_A, name)));
      });
    });

    describe('outbox', () => {
      it('enqueues messages with the commit and lists them by workspace and status', async () => {
        const first = aMessage();
        const second = aMessage();
        const elsewhere = aMessage({ workspaceId: WS_B });
        await given({ create: [workspaceA], outbox: [first, second] });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B })], outbox: [elsewhere] });
        expect(idsOf(await store.listOutbox(WS_A))).toEqual(idsOf([first, second]));
        expect(idsOf(await store.listOutbox(WS_A, 'pending'))).toEqual(idsOf([first, second]));
        expect(await store.listOutbox(WS_A, 'delivered')).toEqual([]);
        const listed = (await store.listOutbox(WS_A)).find((m) => m.id === first.id);
        expect(listed && contentOf(listed)).toEqual(contentOf(first));
        expect(sameInstant(listed?.createdAt ?? null, T0) && sameInstant(listed?.nextAttemptAt ?? null, T0)).toBe(true);
        await store.markDelivered(first.id, at(1));
        expect(idsOf(await store.listOutbox(WS_A, 'delivered'))).toEqual([first.id]);
        expect(idsOf(await store.listOutbox(WS_A, 'pending'))).toEqual([second.id]);
        expect(idsOf(await store.listOutbox(WS_B))).toEqual([elsewhere.id]);
      });

      it('lists messages a page at a time, by createdAt then id compared byte by byte, a message keeping its place whatever its status', async () => {
        // Ties on the time are broken by id byte by byte, as for agents (COLLATE "C").
        const names = ['b', 'B', 'a-1', 'a_1', 'A', 'z', 'Z9', 'a1'];
        const enqueued = names.map((n, k) => ({ ...aMessage({ due: at(k % 3) }), id: `msg_${n}` }));
        // Enqueued in two commits, the later one holding earlier messages: the page order is not the enqueue order.
        await given({ create: [workspaceA], outbox: enqueued.slice(4) });
        await given({ read: [[workspaceA, 1]], outbox: enqueued.slice(0, 4) });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B })], outbox: [{ ...aMessage({ workspaceId: WS_B, due: at(1) }), id: 'msg_a' }] });
        const before = (x: OutboxMessage, y: OutboxMessage) =>
          x.createdAt !== y.createdAt ? (x.createdAt < y.createdAt ? -1 : 1) : x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
        const order = [...enqueued].sort(before);
        expect(order.slice(0, 3).map((m) => m.id)).toEqual(['msg_Z9', 'msg_a_1', 'msg_b']); // not a locale's order
        const key = (m: OutboxMessage) => ({ createdAt: m.createdAt, id: m.id });
        expect((await store.listOutbox(WS_A, undefined, {})).map((m) => m.id)).toEqual(order.map((m) => m.id));
        for (const limit of [1, 3, 8, 20]) {
          for (let k = -1; k < order.length; k++) {
            const page = await store.listOutbox(WS_A, undefined, { after: k < 0 ? undefined : key(order[k]!), limit });
            expect(page.map((m) => m.id)).toEqual(order.slice(k + 1, k + 1 + limit).map((m) => m.id));
          }
        }
        const [listed] = await store.listOutbox(WS_A, undefined, { limit: 1 });
        expect(listed && contentOf(listed)).toEqual(contentOf(order[0]!));
        // Delivered, a message keeps its place; a status filter and bounds together; a key that is no message's still marks a place.
        const delivered = [order[1]!.id, order[4]!.id, order[6]!.id];
        for (const id of delivered) await store.markDelivered(id, at(5));
        expect((await store.listOutbox(WS_A, undefined, { limit: 100 })).map((m) => m.id)).toEqual(order.map((m) => m.id));
        expect((await store.listOutbox(WS_A, 'delivered', { limit: 100 })).map((m) => m.id)).toEqual(delivered);
        const pending = order.filter((m) => !delivered.includes(m.id)).map((m) => m.id);
        expect((await store.listOutbox(WS_A, 'pending', { after: key(order[1]!), limit: 2 })).map((m) => m.id)).toEqual(pending.slice(1, 3));
        expect((await store.listOutbox(WS_A, 'delivered', { after: { createdAt: order[4]!.createdAt, id: 'msg_' }, limit: 1 })).map((m) => m.id)).toEqual([order[4]!.id]);
        expect(await store.listOutbox(WS_A, 'withdrawn', { limit: 10 })).toEqual([]);
        expect((await store.listOutbox(WS_B, undefined, { after: { createdAt: isoTime(T0), id: 'msg_' } })).map((m) => m.id)).toEqual(['msg_a']);
      });

      it('claims only messages that are due, earliest due first, at most the limit', async () => {
        const due = [aMessage({ due: T0 }), aMessage({ due: at(1) }), aMessage({ due: at(2) })];
        const later = aMessage({ due: at(5) });
        // Enqueued latest due first: a store claiming in enqueue order, or newest first, would
        // starve old messages and retries behind a steady flow of new mail.
        await given({ create: [workspaceA], outbox: [later, due[2]!, due[0]!, due[1]!] });
        expect(await store.claimOutbox(hoursAfter(T0, -1), 10, 60_000)).toEqual([]);
        const claimed = await store.claimOutbox(at(2), 2, 60_000);
        expect(claimed.map((m) => m.id)).toEqual([due[0]!.id, due[1]!.id]);
        const rest = await store.claimOutbox(at(2), 10, 60_000);
        expect(rest.map((m) => m.id)).toEqual([due[2]!.id]);
        const original = due.find((m) => m.id === claimed[0]?.id);
        expect(claimed[0] && contentOf(claimed[0])).toEqual(original && contentOf(original));
      });

      // `limit` counts the messages handed out: one that picks the earliest due and then drops
      // the leased ones stalls every other dispatcher behind one email in flight.
      it('claims the next due message past a leased one: the limit counts the messages it hands out, not those it looked at', async () => {
        const [first, second, third] = [aMessage({ due: T0 }), aMessage({ due: at(1) }), aMessage({ due: at(2) })];
        await given({ create: [workspaceA], outbox: [first, second, third] });
        expect((await store.claimOutbox(T0, 1, 24 * 3_600_000)).map((m) => m.id)).toEqual([first.id]);
        const claim = async (limit: number) => (await store.claimOutbox(at(2), limit, 60_000)).map((m) => m.id);
        const why = 'with the earliest due message leased, claimOutbox must hand out the next due ones (a store that applies its limit before leaving out leased messages hands out nothing)';
        expect(await claim(1), `claimOutbox(at 2 h, 1, …) ${why}`).toEqual([second.id]);
        expect(await claim(1), `claimOutbox(at 2 h, 1, …) again ${why}`).toEqual([third.id]);
        expect(await claim(1)).toEqual([]);
      });

      // Selecting the due messages and then leasing them, in two steps, hands one message to
      // every dispatcher that selected it before the first lease landed: each sends the email.
      it('hands each message to one of ten claims racing for them, selecting and leasing in one atomic step', async () => {
        const enqueued = Array.from({ length: 8 }, (_, k) => aMessage({ due: at(k % 3) }));
        await given({ create: [workspaceA], outbox: enqueued });
        const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimOutbox(at(3), 2, 60_000)));
        const handed = claims.flat().map((m) => m.id);
        const twice = [...new Set(handed.filter((id, k) => handed.indexOf(id) !== k))];
        expect(twice, 'the messages that ten claimOutbox calls racing at one instant handed out more than once: a claim must select and lease in one atomic step').toEqual([]);
        const rest = (await store.claimOutbox(at(3), 100, 60_000)).map((m) => m.id);
        expect([...handed, ...rest].sort(), 'every message due, handed out once by the racing claims or by a claim after them').toEqual(idsOf(enqueued));
      });

      it('does not hand a claimed message out again until its lease ends', async () => {
        const message = aMessage();
        await given({ create: [workspaceA], outbox: [message] });
        const leaseMs = 60_000;
        expect(idsOf(await store.claimOutbox(T0, 10, leaseMs))).toEqual([message.id]);
        expect(await store.claimOutbox(T0, 10, leaseMs)).toEqual([]);
        expect(await store.claimOutbox(new Date(T0.getTime() + leaseMs - 1), 10, leaseMs)).toEqual([]);
        // The instant the lease ends, the message is due again.
        const reclaimed = await store.claimOutbox(new Date(T0.getTime() + leaseMs), 10, leaseMs);
        expect(reclaimed.map(contentOf), 'claimOutbox must hand a message out again at the instant its lease ends (claimed at t for leaseMs: due at t + leaseMs)').toEqual([contentOf(message)]);
      });

      it('claims, leases, retries and delivers by a clock that reads before 1970, as after it', async () => {
        // Epoch milliseconds are negative there: "no lease" must not be the instant 0.
        const early = new Date('1969-06-01T00:00:00.000Z');
        const message = aMessage({ due: early });
        await given({ create: [workspaceA], outbox: [message] });
        expect(idsOf(await store.claimOutbox(early, 10, 60_000))).toEqual([message.id]);
        expect(await store.claimOutbox(early, 10, 60_000)).toEqual([]);
        const retryAt = new Date(early.getTime() + 1_000);
        await store.markFailed(message.id, 'mailer unavailable', retryAt);
        expect(idsOf(await store.claimOutbox(retryAt, 10, 60_000))).toEqual([message.id]);
        await store.markDelivered(message.id, retryAt);
        expect((await store.listOutbox(WS_A)).map((m) => m.status)).toEqual(['delivered']);
        const claimByIds = store.claimOutboxMessages?.bind(store);
        if (!claimByIds) return;
        const another = aMessage({ due: early });
        await given({ outbox: [another] });
        expect(idsOf(await claimByIds([another.id], early, 60_000))).toEqual([another.id]);
      });

      it('claims messages by id (when the store can): only those named that are due and not leased, in the order named', async () => {
        const claimByIds = store.claimOutboxMessages?.bind(store);
        if (!claimByIds) return;
        const [first, second, leased, delivered] = [aMessage(), aMessage(), aMessage(), aMessage()];
        const later = aMessage({ due: at(5) });
        const unnamed = aMessage();
        await given({ create: [workspaceA], outbox: [first, second, leased, delivered, later, unnamed] });
        await claimByIds([leased.id], T0, 3 * 3_600_000); // leased past at(1)
        await claimByIds([delivered.id], T0, 60_000);
        await store.markDelivered(delivered.id, T0);
        const named = [second.id, 'msg_nobody', later.id, leased.id, delivered.id, first.id, second.id];
        const claimed = await claimByIds(named, at(1), 60_000);
        expect(claimed.map((m) => m.id)).toEqual([second.id, first.id]);
        expect(claimed.map(contentOf)).toEqual([contentOf(second), contentOf(first)]);
        // Leased now: neither a claim by id nor claimOutbox hands them out again before the lease ends.
        expect(await claimByIds([first.id, second.id], at(1), 60_000)).toEqual([]);
        expect(idsOf(await store.claimOutbox(at(1), 10, 60_000))).toEqual([unnamed.id]);
        expect(await claimByIds([], at(1), 60_000)).toEqual([]);
      });

      it('marks a message delivered: drops its body, never hands it out again, and ignores a second mark', async () => {
        const message = aMessage();
        await given({ create: [workspaceA], outbox: [message] });
        await store.claimOutbox(T0, 10, 1_000);
        await store.markDelivered(message.id, at(1));
        const [delivered] = await store.listOutbox(WS_A);
        expect(delivered).toMatchObject({ id: message.id, status: 'delivered', text: '', html: null, to: message.to, attempts: message.attempts + 1 });
        expect(sameInstant(delivered?.deliveredAt ?? null, at(1))).toBe(true);
        expect(JSON.stringify(await store.listOutbox(WS_A))).not.toContain('secret-token');

        await store.markDelivered(message.id, at(2));
        await store.markFailed(message.id, 'late failure report', at(3));
        const [after] = await store.listOutbox(WS_A);
        expect(after).toEqual(delivered);
        expect(await store.claimOutbox(at(100), 10, 1_000)).toEqual([]);
      });

      it('marks a failed attempt: counts it, keeps the error, and hands the message out again at the retry time', async () => {
        const message = aMessage();
        await given({ create: [workspaceA], outbox: [message] });
        await store.claimOutbox(T0, 10, 60 * 60_000);
        const retryAt = new Date(T0.getTime() + 1_000);
        await store.markFailed(message.id, 'mailer unavailable', retryAt);
        const [failed] = await store.listOutbox(WS_A, 'pending');
        expect(failed).toMatchObject({ id: message.id, status: 'pending', attempts: 1, lastError: 'mailer unavailable', text: message.text });
        expect(sameInstant(failed?.nextAttemptAt ?? null, retryAt)).toBe(true);
        expect(await store.claimOutbox(new Date(retryAt.getTime() - 1), 10, 60_000)).toEqual([]);
        // The retry time wins over the lease of the failed attempt, or backoff would wait a whole lease.
        expect(idsOf(await store.claimOutbox(retryAt, 10, 60_000))).toEqual([message.id]);
        await store.markFailed(message.id, 'still down', at(1));
        expect((await store.listOutbox(WS_A))[0]).toMatchObject({ attempts: 2, lastError: 'still down' });
      });

      it('keeps any error text the roster hands it (1,000 code units of Unicode), and counts an attempt whose text holds a NUL', async () => {
        const message = aMessage();
        await given({ create: [workspaceA], outbox: [message] });
        // What the roster passes is cut to 1,000 code units, NUL and unpaired surrogates replaced.
        const text = `550 "bob\uFFFD" <x@y> \\ ' $1 %s\n\t😀 é `.padEnd(1_000, 'z');
        await store.claimOutbox(T0, 10, 60_000);
        await store.markFailed(message.id, text, at(1));
        expect((await store.listOutbox(WS_A))[0]).toMatchObject({ attempts: 1, lastError: text });
        // A host calling the store itself may pass a NUL, which PostgreSQL's text refuses: the
        // attempt still counts, the NUL kept or replaced by U+FFFD.
        await store.claimOutbox(at(1), 10, 60_000);
        await store.markFailed(message.id, '550 unknown user "bob\u0000"', at(2));
        const [failed] = await store.listOutbox(WS_A);
        expect(failed).toMatchObject({ status: 'pending', attempts: 2 });
        expect(['550 unknown user "bob\u0000"', '550 unknown user "bob\uFFFD"']).toContain(failed?.lastError);
      });
    });

    describe('outbox withdrawals', () => {
      const topic = 'invitation:inv_contract_bob';

      it('keeps a message\'s topic and expiry as enqueued, in listings and claims', async () => {
        const message = aMessage({ topic, expiresAt: at(168) });
        await given({ create: [workspaceA], outbox: [message] });
        const [listed] = await store.listOutbox(WS_A);
        const [claimed] = await store.claimOutbox(T0, 10, 60_000);
        for (const m of [listed, claimed]) {
          expect(m && contentOf(m)).toEqual(contentOf(message));
          expect(sameInstant(m?.expiresAt ?? null, at(168))).toBe(true);
        }
      });

      it('withdraws the pending messages of the topics a commit names, with the commit: body dropped, never claimed, listed as withdrawn', async () => {
        const first = aMessage({ topic });
        const delivered = aMessage({ topic });
        const otherTopic = aMessage({ topic: 'invitation:inv_contract_cy' });
        const noTopic = aMessage();
        const otherWorkspace = aMessage({ workspaceId: WS_B, topic });
        await given({ create: [workspaceA], outbox: [first, delivered, otherTopic, noTopic] });
        await given({ workspaceId: WS_B, create: [aWorkspace({ id: WS_B })], outbox: [otherWorkspace] });
        await store.markDelivered(delivered.id, at(1));
        const deliveredBefore = (await store.listOutbox(WS_A, 'delivered'))[0];

        // The commit that replaces the topic's message: the old one withdrawn, its own enqueued pending.
        const replacement = aMessage({ topic });
        await given({ update: [[{ ...workspaceA, name: 'Resent' }, 1]], withdraw: [topic], outbox: [replacement] });

        const byIdIn = async (id: string) => (await store.listOutbox(WS_A)).find((m) => m.id === id);
        expect(await byIdIn(first.id)).toMatchObject({ status: 'withdrawn', text: '', html: null, attempts: 0, deliveredAt: null });
        expect(JSON.stringify(await byIdIn(first.id))).not.toContain('secret-token');
        expect(await byIdIn(delivered.id)).toEqual(deliveredBefore);
        expect(idsOf(await store.listOutbox(WS_A, 'withdrawn'))).toEqual([first.id]);
        expect(idsOf(await store.listOutbox(WS_A, 'pending'))).toEqual(idsOf([otherTopic, noTopic, replacement]));
        expect(idsOf(await store.listOutbox(WS_B, 'pending'))).toEqual([otherWorkspace.id]);
        expect(idsOf(await store.claimOutbox(at(2), 10, 60_000))).toEqual(idsOf([otherTopic, noTopic, replacement, otherWorkspace]));
      });

      it('withdraws nothing when the commit is refused, for a stale version or a broken uniqueness rule', async () => {
        const message = aMessage({ topic });
        await given({ create: [workspaceA, ana], outbox: [message] });
        await given({ update: [[{ ...workspaceA, name: 'Moved on' }, 1]] });
        const before = await snapshot();
        await refused({ update: [[{ ...workspaceA, name: 'Stale' }, 1]], withdraw: [topic] }, 'stale-version');
        await refused({ create: [anAgent({ workspaceId: WS_A, id: 'agt_ana_twin', email: ana.email })], withdraw: [topic] }, 'unique-violation');
        await unchangedSince(before);
        expect(idsOf(await store.claimOutbox(at(1), 10, 60_000))).toEqual([message.id]);
      });

      it('withdraws a message while it is leased, and a late mark of its send, delivered or failed, leaves it withdrawn', async () => {
        const sent = aMessage({ topic });
        const failing = aMessage({ topic: 'invitation:inv_contract_cy' });
        await given({ create: [workspaceA], outbox: [sent, failing] });
        expect(idsOf(await store.claimOutbox(T0, 10, 60_000))).toEqual(idsOf([sent, failing]));
        await given({ update: [[workspaceA, 1]], withdraw: [topic, 'invitation:inv_contract_cy'] });
        await store.markDelivered(sent.id, at(1));
        await store.markFailed(failing.id, 'mailer unavailable', at(1));
        const listed = await store.listOutbox(WS_A);
        expect(listed.map((m) => [m.id, m.status, m.attempts, m.deliveredAt, m.lastError, m.text])).toEqual([
          [sent.id, 'withdrawn', 0, null, null, ''],
          [failing.id, 'withdrawn', 0, null, null, ''],
        ]);
        expect(await store.claimOutbox(at(100), 10, 60_000)).toEqual([]);
      });
    });

    // Optional methods: a store without them passes these trivially (the roster does without).
    describe('markWithdrawn (when the store has it)', () => {
      it('withdraws a pending message, leased or not, and leaves a delivered or withdrawn one as it is', async () => {
        const markWithdrawn = store.markWithdrawn?.bind(store);
        if (!markWithdrawn) return;
        const leased = aMessage();
        const waiting = aMessage({ due: at(5) });
        const delivered = aMessage();
        await given({ create: [workspaceA], outbox: [leased, waiting, delivered] });
        expect(idsOf(await store.claimOutbox(T0, 10, 60_000))).toEqual(idsOf([leased, delivered]));
        await store.markFailed(leased.id, 'mailer unavailable', at(1));
        await store.markDelivered(delivered.id, at(1));
        const deliveredBefore = (await store.listOutbox(WS_A, 'delivered'))[0];

        await markWithdrawn(leased.id);
        await markWithdrawn(waiting.id);
        await markWithdrawn(delivered.id);
        await markWithdrawn('msg_nobody_has');
        expect(await store.listOutbox(WS_A, 'withdrawn')).toMatchObject([
          { id: leased.id, status: 'withdrawn', attempts: 1, lastError: 'mailer unavailable', text: '', html: null, deliveredAt: null },
          { id: waiting.id, status: 'withdrawn', attempts: 0, text: '', html: null },
        ]);
        expect(await store.listOutbox(WS_A, 'delivered')).toEqual([deliveredBefore]);
        expect(await store.claimOutbox(at(100), 10, 60_000)).toEqual([]);

        const before = await store.listOutbox(WS_A);
        await markWithdrawn(leased.id);
        await store.markDelivered(waiting.id, at(101));
        await store.markFailed(leased.id, 'late failure report', at(102));
        expect(await store.listOutbox(WS_A)).toEqual(before);
      });
    });

    describe('versionsCurrent (when the store has it)', () => {
      it('answers whether every aggregate named is still at its version, 0 meaning absent', async () => {
        const versionsCurrent = store.versionsCurrent?.bind(store);
        if (!versionsCurrent) return;
        await given({ create: [workspaceA, ana, bob] });
        const at = (a: Aggregate | Removal, version: number) => ({ kind: a.kind, id: a.id, version });
        expect(await versionsCurrent([])).toBe(true);
        expect(await versionsCurrent([at(workspaceA, 1), at(ana, 1), at(sales, 0)])).toBe(true);

        await given({ update: [[{ ...ana, name: 'Ana B.' }, 1]], remove: [[removal(bob), 1]] });
        expect(await versionsCurrent([at(workspaceA, 1), at(ana, 1)])).toBe(false);
        expect(await versionsCurrent([at(workspaceA, 1), at(ana, 2)])).toBe(true);
        expect(await versionsCurrent([at(bob, 1)])).toBe(false);
        expect(await versionsCurrent([at(bob, 0), at(sales, 0)])).toBe(true);
        expect(await versionsCurrent([at(ana, 0)])).toBe(false);
      });
    });

    describe('sessions (when the store has begin)', () => {
      it('reads and commits in a session like the store, and an ended session writes nothing', async () => {
        const begin = store.begin?.bind(store);
        if (!begin) return;
        await given({ create: [workspaceA, ana] });

        const looked = await begin();
        expect(await looked.lockWorkspace(WS_A)).toEqual({ locked: true, workspace: { value: workspaceA, version: 1 } });
        expect(await looked.loadAgent(WS_A, ana.id)).toEqual({ value: ana, version: 1 });
        await looked.end();
        await looked.end();

        const renamed = { ...workspaceA, name: 'Renamed' };
        const committing = await begin();
        await committing.lockWorkspace(WS_A);
        expect(await committing.commit(commitOf({ update: [[renamed, 1]], events: [departmentCreated(WS_A, 'Session')] }))).toEqual({ committed: true });
        await committing.end();
        expect(await store.loadWorkspace(WS_A)).toEqual({ value: renamed, version: 2 });
        expect(await store.events(WS_A)).toEqual([departmentCreated(WS_A, 'Session')]);

        const stale = await begin();
        await stale.lockWorkspace(WS_A);
        const before = await snapshot();
        expect(await stale.commit(commitOf({ update: [[{ ...workspaceA, name: 'Stale' }, 1]] }))).toMatchObject({ committed: false, reason: 'stale-version' });
        await stale.end();
        await unchangedSince(before);

        const abandoned = await begin();
        await abandoned.lockWorkspace(WS_A);
        await abandoned.end();
        expect(await store.loadWorkspace(WS_A)).toEqual({ value: renamed, version: 2 });

        // A session that never locked commits like the store; locking a missing workspace finds none.
        const unlocked = await begin();
        expect(await unlocked.commit(commitOf({ create: [bob] }))).toEqual({ committed: true });
        await unlocked.end();
        expect((await store.loadAgent(WS_A, bob.id))?.version).toBe(1);
        const missing = await begin();
        expect(await missing.lockWorkspace(WS_B)).toEqual({ locked: true, workspace: null });
        await missing.end();
      });

      it('makes a session locking a workspace wait until the one holding it ends, then see its commit', async () => {
        const begin = store.begin?.bind(store);
        if (!begin) return;
        await given({ create: [workspaceA] });
        const first = await begin();
        await first.lockWorkspace(WS_A);
        const second = await begin();
        let secondLocked = false;
        const waiting = second.lockWorkspace(WS_A).then((outcome) => {
          secondLocked = true;
          return outcome;
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(secondLocked).toBe(false);
        const renamed = { ...workspaceA, name: 'First' };
        expect(await first.commit(commitOf({ update: [[renamed, 1]] }))).toEqual({ committed: true });
        expect(await waiting).toEqual({ locked: true, workspace: { value: renamed, version: 2 } });
        await second.end();
        await first.end();
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of ten commits expecting the same version win', async () => {
        await given({ create: [workspaceA] });
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, (_, n) =>
            store.commit(
              commitOf({
                update: [[{ ...workspaceA, name: `Shop ${n}` }, 1]],
                create: [anAgent({ workspaceId: WS_A, id: `agt_racer${n}`, email: `racer${n}@shop.com` })],
                events: [departmentCreated(WS_A, `Racer${n}`)],
                outbox: [aMessage()],
              }),
            ),
          ),
        );
        const winners = outcomes.flatMap((o, n) => (o.committed ? [n] : []));
        expect(winners).toHaveLength(1);
        expect(outcomes.filter((o) => !o.committed && o.reason === 'stale-version')).toHaveLength(9);
        const winner = winners[0]!;
        expect(await store.loadWorkspace(WS_A)).toEqual({ value: { ...workspaceA, name: `Shop ${winner}` }, version: 2 });
        expect(idsOf(await store.listAgents(WS_A))).toEqual([`agt_racer${winner}`]);
        expect(await store.events(WS_A)).toEqual([departmentCreated(WS_A, `Racer${winner}`)]);
        expect(await store.listOutbox(WS_A)).toHaveLength(1);
      });

      it('lets exactly one of ten new agents with one email in', async () => {
        await given({ create: [workspaceA] });
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, (_, n) =>
            store.commit(commitOf({ create: [anAgent({ workspaceId: WS_A, id: `agt_twin${n}`, email: 'twin@shop.com' })] })),
          ),
        );
        expect(outcomes.filter((o) => o.committed)).toHaveLength(1);
        expect(outcomes.filter((o) => !o.committed && o.reason === 'unique-violation')).toHaveLength(9);
        expect(await store.listAgents(WS_A)).toHaveLength(1);
      });
    });
  });
}

/**
 * Reads a filtered listing from every place (the start, then after each row the filter keeps)
 * with limits 1 to 3, and expects each page to hold exactly the next rows the filter keeps, in
 * `order`: a store that filters the rows its LIMIT kept gives a short page, which ends the
 * listing early.
 */
async function expectFilteredPages<T extends { id: string }, F>(
  expect: ReturnType<typeof explaining>,
  method: string,
  rows: string,
  order: readonly T[],
  filters: readonly (readonly [F, (row: T) => boolean])[],
  list: (filter: F, after: T | undefined, limit: number) => Promise<readonly { id: string }[]>,
): Promise<void> {
  for (const [filter, keeps] of filters) {
    const kept = order.filter(keeps);
    for (const limit of [1, 2, 3]) {
      for (let k = -1; k < kept.length; k++) {
        const after = kept[k];
        const page = await list(filter, after, limit);
        expect(
          page.map((row) => row.id),
          `${method}(${JSON.stringify(filter)}, { after: ${after ? after.id : 'none'}, limit: ${limit} }): the page must hold the first ${limit} ${rows} the filter keeps after that place (a store that filters the rows its LIMIT kept gives a short page, which ends the listing early)`,
        ).toEqual(kept.slice(k + 1, k + 1 + limit).map((row) => row.id));
      }
    }
  }
}
