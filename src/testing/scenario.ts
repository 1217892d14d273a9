import type { Result } from 'neverthrow';
import type { DomainError } from '../domain/errors';
import type { RosterEvent } from '../domain/events';
import { replay, type RosterState } from '../domain/roster';
import { describeThrown, show } from './show';

/**
 * Given / when / then for roster commands, in the style of emmett's decider specifications:
 *
 * ```ts
 * given(history).when((state) => command(…)).then([expectedEvents])
 * ```
 *
 * It works with any test runner: a mismatch throws a plain `Error` whose message shows what was
 * expected, what came, and where they first differ. Every scenario also checks two rules for
 * free, because a test that forgets them would pass on a broken command:
 * - the command must not change the state it was given (the state is deep-frozen and compared
 *   with a copy afterwards), whether it succeeds or fails;
 * - the aggregates a decision returns must be what replaying its events gives (invariant 8 of
 *   the rules, docs/domain.md).
 */

/**
 * The history a scenario starts from; call its `when` with the command under test.
 *
 * @example const start: Given = given(rosterOf().events); start.state.workspace?.plan.id // 'pro'
 */
export type Given = Readonly<{
  /** The state replaying the given events produced (deep-frozen). */
  state: RosterState;
  /**
   * Runs the command under test on the given state, once, right away.
   *
   * @example given(history).when((state) => deleteAgent({ … }, { agentId }, { now }))
   */
  when<V, E extends DomainError>(command: (state: RosterState) => Result<V, E>): When<V, E>;
}>;

/**
 * A command that ran; assert on its outcome with one of the `then…` methods.
 *
 * @example const ran = given(history).when((s) => deleteAgent(…)); ran.thenFails('OwnerCannotBeDeleted');
 */
export type When<V, E extends DomainError> = Readonly<{
  /**
   * Expects success with exactly these events, in this order, compared deeply (nothing ignored).
   *
   * @example .then([event('AgentDeleted', wsId, at, { agentId, email, status: 'active', deletedBy })])
   */
  then(expected: readonly RosterEvent[]): Then<V>;
  /**
   * Expects success with no event: the command was a no-op (or a query).
   *
   * @example given(history).when((s) => changeRole(…same role…)).thenNothingHappened()
   */
  thenNothingHappened(): Then<V>;
  /**
   * Expects the command to fail with an error of this `type`; when `expected` is given, each of
   * its properties must deep-equal the error's. Returns the error for further checks.
   *
   * @example .thenFails('SeatLimitReached', { limit: 3, used: 3 })
   */
  thenFails<T extends E['type']>(type: T, expected?: Partial<Extract<E, { type: T }>>): Extract<E, { type: T }>;
  /**
   * Expects success, then hands `check` the state that replaying the given and the new events
   * gives. `check` may throw (any runner's `expect`) or return `false` to fail.
   *
   * @example .thenState((state) => expect(state.workspace?.counts.pendingInvitations).toBe(0))
   */
  thenState(check: (state: RosterState) => unknown): Then<V>;
}>;

/**
 * A successful outcome: its value, its events and the state after them.
 *
 * @example const { value, events, state } = given(history).when((s) => acceptInvitation(…)).thenState(() => true);
 */
export type Then<V> = Readonly<{
  /** What the command returned (usually a `Decision`). */
  value: V;
  /** The events the command emitted. */
  events: readonly RosterEvent[];
  /** Given events then new events, replayed. */
  state: RosterState;
  /**
   * Hands `check` the state after the command; see `thenState` of {@link When}.
   *
   * @example .then([…]).thenState((state) => expect(checkRoster(state)).toEqual([]))
   */
  thenState(check: (state: RosterState) => unknown): Then<V>;
}>;

/**
 * Starts a scenario from a history of events (use `[]` for "nothing happened yet"). The replayed
 * state is deep-frozen, and with it the arrays it shares with those events: treat given events
 * as read-only from then on.
 *
 * @example
 * given(shop.events)
 *   .when((state) => {
 *     const { workspace, owner } = rosterView(state);
 *     return changePlan({ workspace, actor: owner }, { plan: 'free' }, { now });
 *   })
 *   .thenFails('PlanLimitsExceeded', { seats: { used: 2, allowed: 1 } });
 */
export function given(events: readonly RosterEvent[]): Given {
  const history = [...events];
  const state = deepFreeze(replay(history));
  return {
    state,
    when<V, E extends DomainError>(command: (state: RosterState) => Result<V, E>): When<V, E> {
      const before = structuredClone(state);
      let result: Result<V, E>;
      try {
        result = command(state);
      } catch (error) {
        throw new Error(`The command threw instead of returning a Result: ${describeThrown(error)}`, { cause: error });
      }
      const changed = firstDifference(before, state);
      if (changed) {
        throw new Error(`The command changed the state it was given.\n${describeDifference(changed)}`);
      }
      return outcome(history, state, result);
    },
  };
}

function outcome<V, E extends DomainError>(history: readonly RosterEvent[], state: RosterState, result: Result<V, E>): When<V, E> {
  const succeeded = (expectation: string): Then<V> => {
    if (result.isErr()) {
      throw new Error(`Expected ${expectation}, but the command failed with ${result.error.type}: ${result.error.message}\n${show(result.error)}`);
    }
    return settle(history, state, result.value);
  };
  return {
    then(expected) {
      const done = succeeded(`${expected.length} event(s)`);
      const difference = firstDifference(expected, done.events);
      if (difference) {
        throw new Error(
          `The command emitted other events than expected.\n${describeDifference(difference)}\n` +
            `Expected events:\n${listEvents(expected)}\nActual events:\n${listEvents(done.events)}`,
        );
      }
      return done;
    },
    thenNothingHappened() {
      const done = succeeded('success with no event');
      if (done.events.length > 0) {
        throw new Error(`Expected no event, but the command emitted ${done.events.length}:\n${listEvents(done.events)}`);
      }
      return done;
    },
    thenFails(type, expected) {
      if (result.isOk()) {
        throw new Error(`Expected the command to fail with ${type}, but it succeeded with:\n${listEvents(eventsOf(result.value))}`);
      }
      const error = result.error;
      if (error.type !== type) {
        throw new Error(`Expected the command to fail with ${type}, but it failed with ${error.type}: ${error.message}\n${show(error)}`);
      }
      if (typeof error.message !== 'string' || error.message.length === 0) {
        throw new Error(`The ${type} error has no message a UI could show.`);
      }
      for (const [key, value] of Object.entries(expected ?? {})) {
        const difference = firstDifference(value, (error as Record<string, unknown>)[key], key);
        if (difference) throw new Error(`The ${type} error is not the expected one.\n${describeDifference(difference)}\nActual error:\n${show(error)}`);
      }
      return error as Extract<E, { type: typeof type }>;
    },
    thenState(check) {
      return succeeded('success').thenState(check);
    },
  };
}

function settle<V>(history: readonly RosterEvent[], given: RosterState, value: V): Then<V> {
  const events = eventsOf(value);
  const state = replay(events, given);
  const disagreement = decisionDisagreement(value, state);
  if (disagreement) {
    throw new Error(
      `The state the decision returned is not what replaying its events gives (invariant 8).\n${disagreement}\n` +
        `Given ${history.length} event(s); new events:\n${listEvents(events)}`,
    );
  }
  const then: Then<V> = {
    value,
    events,
    state,
    thenState(check) {
      let verdict: unknown;
      try {
        verdict = check(state);
      } catch (error) {
        if (error instanceof Error) throw error;
        throw new Error(`The state check threw: ${describeThrown(error)}`, { cause: error });
      }
      if (verdict === false) throw new Error(`The state check returned false for:\n${show(state)}`);
      return then;
    },
  };
  return then;
}

function eventsOf(value: unknown): readonly RosterEvent[] {
  if (isRecord(value) && Array.isArray(value['events'])) return value['events'] as readonly RosterEvent[];
  return [];
}

/**
 * Compares every aggregate a decision returned (tagged by `kind`) with the replayed one; a
 * `removed` marker must match an aggregate the replay no longer has.
 */
function decisionDisagreement(value: unknown, replayed: RosterState): string | undefined {
  if (!isRecord(value) || !isRecord(value['state'])) return undefined;
  for (const [name, part] of Object.entries(value['state'])) {
    const items: readonly unknown[] = Array.isArray(part) ? part : [part];
    for (const [n, item] of items.entries()) {
      if (!isRecord(item) || typeof item['kind'] !== 'string') continue;
      const label = Array.isArray(part) ? `state.${name}[${n}]` : `state.${name}`;
      const found = replayedAggregate(replayed, item['kind'], item['id']);
      if (found === unknownKind) continue;
      if (item['removed'] === true) {
        if (found !== undefined) return `${label} says ${item['kind']} ${String(item['id'])} was removed, but the replay still has it.`;
        continue;
      }
      const difference = firstDifference(found, item, label);
      if (difference) return describeDifference(difference, 'replay', 'decision');
    }
  }
  return undefined;
}

const unknownKind = Symbol('unknown kind');

function replayedAggregate(state: RosterState, kind: string, id: unknown): unknown {
  const key = String(id);
  const pick = (records: Readonly<Record<string, unknown>>) => (Object.hasOwn(records, key) ? records[key] : undefined);
  switch (kind) {
    case 'workspace':
      return state.workspace ?? undefined;
    case 'agent':
      return pick(state.agents);
    case 'invitation':
      return pick(state.invitations);
    case 'department':
      return pick(state.departments);
    default:
      return unknownKind;
  }
}

/**
 * Freezes an object and everything reachable from it, so that a command that tries to change
 * its input throws (ES modules run in strict mode) instead of silently corrupting a test's data.
 * Returns the same object.
 *
 * @example
 * const workspace = deepFreeze(aWorkspace());
 * changePlan({ workspace, actor }, { plan: 'pro' }, { now }); // would throw if it mutated workspace
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && (typeof value === 'object' || typeof value === 'function') && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/**
 * Where two values first differ: a dotted path and both sides.
 *
 * @example const d: Difference | undefined = firstDifference(expected, actual); d?.path // 'agents.agt_bob.role'
 */
export type Difference = Readonly<{ path: string; expected: unknown; actual: unknown }>;

/**
 * The first place where `actual` differs from `expected`, comparing plain data deeply and
 * strictly: arrays by position, objects by their own enumerable keys (a key set to `undefined`
 * differs from a missing key), everything else with `Object.is`. `undefined` when they are equal.
 *
 * @example firstDifference({ a: [1, 2] }, { a: [1, 3] }) // { path: 'a[1]', expected: 2, actual: 3 }
 */
export function firstDifference(expected: unknown, actual: unknown, path = ''): Difference | undefined {
  if (Object.is(expected, actual)) return undefined;
  const here = { path: path || '(root)', expected, actual };
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return here;
    if (expected.length !== actual.length) return { path: `${path || '(root)'}.length`, expected: expected.length, actual: actual.length };
    for (let i = 0; i < expected.length; i++) {
      const difference = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (expected instanceof Date || actual instanceof Date) {
    return expected instanceof Date && actual instanceof Date && expected.getTime() === actual.getTime() ? undefined : here;
  }
  if (!isRecord(expected) || !isRecord(actual)) return here;
  if (Object.getPrototypeOf(expected) !== Object.getPrototypeOf(actual)) return here;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const key of keys) {
    const at = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(actual, key)) return { path: at, expected: expected[key], actual: '(missing)' };
    if (!Object.hasOwn(expected, key)) return { path: at, expected: '(missing)', actual: actual[key] };
    const difference = firstDifference(expected[key], actual[key], at);
    if (difference) return difference;
  }
  return undefined;
}

function describeDifference(d: Difference, expectedLabel = 'expected', actualLabel = 'actual'): string {
  return `First difference at ${d.path}:\n  ${expectedLabel}: ${show(d.expected)}\n  ${actualLabel}:   ${show(d.actual)}`;
}

function listEvents(events: readonly RosterEvent[]): string {
  if (events.length === 0) return '  (none)';
  return events.map((e, n) => `  [${n}] ${e.type} ${show({ workspaceId: e.workspaceId, occurredAt: e.occurredAt, data: e.data })}`).join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
