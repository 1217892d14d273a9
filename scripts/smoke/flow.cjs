// @ts-check
/**
 * The invite → accept story, written once and run everywhere the package claims to work:
 * Node (ESM and CJS), Bun, Deno, and a Web-only `vm` context with the core bundled for the browser.
 *
 * Plain CommonJS with no imports of its own on purpose: every consumer hands in the library's
 * namespace (`import * as roster from 'agent-roster'` or `require('agent-roster')`), so this file
 * loads unchanged under `require`, under `import`, in Bun, in Deno and inside a bare `vm` script.
 * Every unexpected outcome throws, so a consumer that finishes has proved the whole flow.
 */
'use strict';

const PASSWORD = 'correct horse battery staple';

/** @param {boolean} condition @param {string} message */
function check(condition, message) {
  if (!condition) throw new Error(`smoke flow: ${message}`);
}

/**
 * Unwraps a neverthrow Result, failing with the error's type and message.
 * @param {any} result @param {string} step
 */
function value(result, step) {
  if (result.isErr()) {
    const error = result.error;
    throw new Error(`smoke flow: ${step} failed with ${error.type}: ${error.message}`);
  }
  return result.value;
}

/**
 * The application layer end to end on its in-memory defaults: createRoster → createWorkspace →
 * inviteAgent → (token read from the captured email) → acceptInvitation, then the same link again.
 *
 * @param {any} api the `agent-roster` namespace
 * @returns {Promise<string>} one line saying what happened
 */
async function runRosterFlow(api) {
  const mailer = new api.CapturingMailer();
  const roster = api.createRoster({ mailer, clock: new api.ManualClock('2026-11-23T09:00:00Z') });

  const opened = value(
    await roster.createWorkspace({
      name: 'Bookshop',
      plan: 'starter',
      owner: { email: 'ana@bookshop.com', name: 'Ana', password: PASSWORD },
    }),
    'createWorkspace',
  );
  const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };

  value(await roster.inviteAgent(ana, { email: 'Bob@Bookshop.com' }), 'inviteAgent');
  const token = mailer.lastTokenFor('bob@bookshop.com');
  check(typeof token === 'string' && token.length === 43, `no invitation link was emailed to bob (sent: ${mailer.sent.length})`);

  const accepted = value(await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }), 'acceptInvitation');
  check(accepted.state.agent.email === 'bob@bookshop.com', `Bob joined as ${accepted.state.agent.email}`);
  check(
    accepted.events.some((/** @type {any} */ e) => e.type === 'InvitationAccepted'),
    `acceptInvitation emitted ${accepted.events.map((/** @type {any} */ e) => e.type).join(', ')}`,
  );

  const again = await roster.acceptInvitation({ token, name: 'Mallory', password: PASSWORD });
  check(again.isErr(), 'the same invitation link was accepted twice');

  return `roster: ${opened.state.workspace.name} has ${accepted.state.agent.name} after ${accepted.events.length} events; link reuse refused with ${again.error.type}`;
}

/**
 * The pure domain with every fact passed in (time, ids, token hash via Web Crypto), then the
 * history replayed and checked against DOMAIN.md's invariants.
 *
 * @param {any} api the `agent-roster` namespace
 * @returns {Promise<string>} one line saying what happened
 */
async function runDomainFlow(api) {
  const now = new Date('2026-11-23T09:00:00Z');
  const history = [];

  const opened = value(
    api.createWorkspace(
      { name: 'Bookshop', plan: 'starter', owner: { email: 'ana@bookshop.com', name: 'Ana' } },
      { now, workspaceId: api.workspaceIdSchema.parse('ws_bookshop'), ownerId: api.agentIdSchema.parse('agt_ana') },
    ),
    'createWorkspace',
  );
  history.push(...opened.events);

  const token = 'a-token-that-only-the-email-holds';
  const invited = value(
    api.inviteAgent(
      { workspace: opened.state.workspace, actor: opened.state.owner },
      { email: 'Bob@Bookshop.com' },
      {
        now,
        invitationId: api.invitationIdSchema.parse('inv_bob'),
        tokenHash: await api.sha256Hex(token),
        emailStatus: 'available',
      },
    ),
    'inviteAgent',
  );
  history.push(...invited.events);

  const accepted = value(
    api.acceptInvitation(
      { workspace: invited.state.workspace, invitation: invited.state.invitation },
      { name: 'Bob', password: PASSWORD },
      {
        now,
        presentedTokenHash: await api.sha256Hex(token),
        agentId: api.agentIdSchema.parse('agt_bob'),
        emailStatus: 'available',
      },
    ),
    'acceptInvitation',
  );
  history.push(...accepted.events);

  const state = api.replay(history);
  const violations = api.checkRoster(state);
  check(violations.length === 0, `invariants broken after replay: ${JSON.stringify(violations)}`);
  check(Object.keys(state.agents).length === 2, `replay has agents ${Object.keys(state.agents).join(', ')}`);

  const wrongToken = api.acceptInvitation(
    { workspace: invited.state.workspace, invitation: invited.state.invitation },
    { name: 'Mallory', password: PASSWORD },
    {
      now,
      presentedTokenHash: await api.sha256Hex('a guessed token'),
      agentId: api.agentIdSchema.parse('agt_mallory'),
      emailStatus: 'available',
    },
  );
  check(wrongToken.isErr(), 'a guessed token was accepted');

  return `domain: ${history.length} events replay to ${Object.keys(state.agents).length} agents with no invariant broken; a guessed token is refused with ${wrongToken.error.type}`;
}

/** A value as JSON with its object keys sorted, `undefined` properties dropped: what `toEqual` compares. @param {unknown} value */
function canonical(value) {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

/** Whether `actual` holds `expected`'s properties, deeply (what `toMatchObject` checks). @param {any} actual @param {any} expected @returns {boolean} */
function holds(actual, expected) {
  if (expected === null || typeof expected !== 'object') return Object.is(actual, expected);
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => holds(actual[i], e));
  return Object.keys(expected).every((k) => holds(actual[k], expected[k]));
}

/**
 * The store contract suite, run by a runner of a few lines (no test framework, no fast-check)
 * against the in-memory store: what an adapter author gets from `agent-roster/testing/store-contract`.
 *
 * @param {(name: string, make: () => Promise<{ store: unknown }>, framework: object) => void} describeStoreContract
 * @param {new () => unknown} MemoryRosterStore
 */
async function runStoreContract(describeStoreContract, MemoryRosterStore) {
  /** @type {{ name: string, body: () => Promise<void> }[]} */
  const tests = [];
  /** @type {(() => Promise<void>)[]} */ const before = [];
  /** @type {(() => Promise<void>)[]} */ const after = [];
  /** @param {unknown} actual @param {boolean} [negated] @returns {any} */
  const expect = (actual, negated = false) => {
    /** @param {boolean} ok @param {string} what */
    const verdict = (ok, what) => check(ok !== negated, `expected ${canonical(actual)}${negated ? ' not' : ''} ${what}`);
    return {
      toBe: (/** @type {unknown} */ e) => verdict(Object.is(actual, e), `to be ${canonical(e)}`),
      toEqual: (/** @type {unknown} */ e) => verdict(canonical(actual) === canonical(e), `to equal ${canonical(e)}`),
      toMatchObject: (/** @type {object} */ e) => verdict(holds(actual, e), `to match ${canonical(e)}`),
      toBeNull: () => verdict(actual === null, 'to be null'),
      toHaveLength: (/** @type {number} */ n) => verdict(/** @type {unknown[]} */ (actual).length === n, `to have length ${n}`),
      toContain: (/** @type {unknown} */ e) => verdict(/** @type {unknown[]} */ (actual).includes(e), `to contain ${canonical(e)}`),
      get not() {
        return expect(actual, !negated);
      },
    };
  };
  const prefix = /** @type {string[]} */ ([]);
  describeStoreContract('MemoryRosterStore', async () => ({ store: new MemoryRosterStore() }), {
    describe: (/** @type {string} */ name, /** @type {() => void} */ body) => {
      prefix.push(name);
      body();
      prefix.pop();
    },
    it: (/** @type {string} */ name, /** @type {() => Promise<void>} */ body) => tests.push({ name: [...prefix, name].join(' > '), body }),
    expect,
    beforeEach: (/** @type {() => Promise<void>} */ hook) => before.push(hook),
    afterEach: (/** @type {() => Promise<void>} */ hook) => after.push(hook),
  });
  check(tests.length >= 40, `the contract declared only ${tests.length} tests`);
  for (const test of tests) {
    for (const hook of before) await hook();
    try {
      await test.body();
    } catch (e) {
      throw new Error(`${test.name}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const hook of after) await hook();
    }
  }
  return `store contract: ${tests.length} tests passed against MemoryRosterStore without a test framework`;
}

module.exports = { runRosterFlow, runDomainFlow, runStoreContract };
