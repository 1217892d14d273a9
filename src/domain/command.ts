import { err, ok, type Result } from 'neverthrow';
import type { z } from 'zod';
import type { FieldIssue, ValidationFailed } from './errors';
import type { RosterEvent } from './events';
import { pure } from './pure';

/**
 * What a successful command decided: the new state of every aggregate it touched, and the events
 * that explain the change. `state` is always the fold of `events` over the state the command was
 * given, so a store may keep either and they never disagree.
 */
export type Decision<S, E = RosterEvent> = Readonly<{ state: S; events: readonly E[] }>;

/** Makes a decision. */
export function decided<S>(state: S, events: readonly RosterEvent[]): Decision<S> {
  return { state, events };
}

/**
 * Turns zod issues into field issues with dotted paths. An unknown key becomes one issue per key,
 * at that key's path (`isAdmin`, `owner.nickname`), so the summary and a form can name it.
 *
 * A path is the one place a refusal echoes the caller's text (an unknown key, a record's key), so
 * each segment is shown only when it is safe to put in a log line or a page: at most 64 code
 * points with no control, format, surrogate, private-use or line-separator character. Any other is
 * shown as `?`, so a key cannot forge a log line (`\n`), repaint a terminal (ESC) or reverse the
 * text around it (U+202E). Only the first 10 unknown keys of an object (`MAX_UNKNOWN_KEYS`) are
 * named, so an input with a hundred thousand of them gets an answer of ordinary size.
 */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): readonly FieldIssue[] {
  return issues.flatMap((issue) =>
    (issue.code === 'unrecognized_keys' ? issue.keys.slice(0, MAX_UNKNOWN_KEYS) : [null]).map((key) => ({
      path: (key === null ? issue.path : [...issue.path, key]).map(shownKey).join('.'),
      message: key === null ? issue.message : 'is not a known field',
    })),
  );
}

const MAX_UNKNOWN_KEYS = 10;
const shownKey = (key: PropertyKey): string => (/^[^\p{C}\p{Zl}\p{Zp}]{0,64}$/u.test((key = String(key))) ? key : '?');

/**
 * The `ValidationFailed` for an input that could not be read: a getter or Proxy threw. Nothing of
 * it is echoed back, since reading it is what failed.
 *
 * @example unreadableInput().issues // [{ path: '', message: 'could not be read' }]
 */
export function unreadableInput(): ValidationFailed {
  return validationFailed([{ path: '', message: 'could not be read' }]);
}

/**
 * A `ValidationFailed` for the given issues. Its `message` says what is wrong as well as where, so
 * a host that only logs or throws `message` still tells the reason: each field with its reason
 * (`Invalid input: isAdmin: is not a known field; name: Name must not be empty.`), the first 10
 * of them and how many more, so ten thousand bad record keys still make a one-line message.
 */
export function validationFailed(issues: readonly FieldIssue[]): ValidationFailed {
  const told = [...new Set(issues.map((i) => `${i.path || '(input)'}: ${i.message.replace(/\.$/, '')}`))];
  return {
    type: 'ValidationFailed',
    issues,
    message: `Invalid input: ${told.slice(0, 10).join('; ')}${told.length > 10 ? ` (and ${told.length - 10} more)` : ''}.`,
  };
}

/**
 * Thrown by {@link ownData} past {@link MAX_DEPTH} or {@link MAX_ITEMS}: each is the refusal's
 * message. Anything else thrown (a hostile getter's) is "could not be read", never echoed; a getter
 * throwing one of these very strings only gets that fixed message.
 */
const TOO_DEEP = 'is nested too deeply';
const TOO_LONG = 'holds a list of more than 1000000 items';
const MAX_DEPTH = 16;
/** The longest list any input schema takes (`syncAgents`' agents). */
const MAX_ITEMS = 1_000_000;

/**
 * The prototype of every copy {@link ownData} makes: empty, frozen, and itself without a
 * prototype, so a copy inherits nothing — not even from a polluted `Object.prototype` — and a
 * `__proto__` key on it is an ordinary own field (the `__proto__` setter lives on
 * `Object.prototype`, which is not in the chain).
 *
 * Why not `Object.create(null)` for the copies themselves: V8 keeps such objects in dictionary
 * mode, and zod's compiled object parser ran 3–4× slower on them (measured: 425 ns against
 * 95–150 ns for `changeRoleSchema`). The prototype itself is made from a literal, not with
 * `Object.create(null)`, so that it is not a dictionary-mode object either.
 */
const NO_PROTOTYPE: object = /* @__PURE__ */ pure(() => Object.freeze(Object.setPrototypeOf({}, null) as object));

/**
 * A copy of the input made of its own enumerable properties only. Zod reads properties the way
 * JavaScript does, inherited ones included, so without this an input built on a prototype
 * carrying `role: 'admin'` — or a host whose `Object.prototype` got polluted — would smuggle
 * fields past the schema. Each property is read once, so a getter or Proxy cannot show zod one
 * value and the command another.
 *
 * `Object.assign` does the copy: it reads exactly the own enumerable properties, each once, and
 * V8 runs it natively (faster here than a loop over `Object.keys`, whose variable-key reads and
 * writes go through megamorphic lookups). On a target whose chain lacks `Object.prototype` its
 * writes create own data properties, `__proto__` included. Nested objects and arrays (own indices
 * only: a hole is `undefined`) are then copied the same way, walking the copy (not the input, so
 * no getter runs twice). Past {@link MAX_DEPTH} it throws {@link TOO_DEEP}, and for a list past
 * {@link MAX_ITEMS} {@link TOO_LONG}, which {@link parseInput} turns into a refusal.
 *
 * An object met twice (one list shared by two fields, or a node repeated level after level, as
 * `structuredClone`, `v8.deserialize` or superjson rebuild it from a few hundred bytes) is copied
 * once and its copy shared, when its copy took more than {@link REMEMBERED_ABOVE} slots: copied
 * once per place, ten slots of one list nested seven deep took seconds before any check ran. A
 * smaller one is copied again where it is met again, which costs at most that many slots a
 * place; remembering every copy doubled the cost of a 5,000-agent `syncAgents` (a `Map` entry
 * for each agent). So the work stays linear in the input's slots. `copied` is made at the first
 * nested object or list item (even a string's, in a list): an input of plain fields
 * (`changeRole`'s) pays nothing for it. A shared object
 * is checked for depth where it is first met, so one met first near the top and again deeper
 * down is not refused for the depth it reaches there; no schema reads that deep.
 */
function ownData(value: unknown, depth: number, copied?: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw TOO_DEEP;
  let copy = copied?.get(value) as unknown[] | Record<string, unknown> | undefined;
  if (copy) return copy;
  const before = slots;
  if (Array.isArray(value)) {
    // Index by index, not with `map`: `map` keeps a hole, which zod then reads through a polluted
    // `Array.prototype`, and is looked up on the input itself. A hole becomes `undefined`. A list
    // longer than any schema takes is refused before it is copied: a sparse one of length 2³²
    // would be copied hole by hole, and zod before 4.5 reads every item before the length.
    const n = value.length;
    if (n > MAX_ITEMS) throw TOO_LONG;
    slots += n;
    copy = [];
    for (let i = 0; i < n; i++) copy.push(Object.hasOwn(value, i) ? ownData(value[i], depth + 1, (copied ??= new Map())) : undefined);
  } else {
    copy = Object.assign(Object.create(NO_PROTOTYPE) as Record<string, unknown>, value);
    // Symbol keys are copied too, though `for…in` does not see them: counted, so that an object
    // of a thousand of them is not taken for a small one and copied again at every place.
    if (depth) slots += Object.getOwnPropertySymbols(copy).length;
    for (const key in copy) {
      slots++;
      const item = copy[key];
      if (item !== null && typeof item === 'object') copy[key] = ownData(item, depth + 1, (copied ??= new Map()));
    }
  }
  // Remembered once whole (one in the making is not: a cycle still runs into MAX_DEPTH).
  if (slots - before > REMEMBERED_ABOVE) copied?.set(value, copy);
  return copy;
}

/**
 * Slots copied by every {@link ownData} call so far: what a copy added to it is what its subtree
 * cost, repeated parts included. Shared by calls a getter makes inside another, which only makes
 * more copies remembered.
 */
let slots = 0;
/** A copy that took more slots than this is remembered (see {@link ownData}). */
const REMEMBERED_ABOVE = 16;

/**
 * Parses a command input. Never throws: a hostile input (a throwing getter, a Proxy) becomes a
 * `ValidationFailed` like any other bad input.
 *
 * @example parseInput(inviteAgentSchema, { email: 'ana@shop.com' })
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, ValidationFailed> {
  try {
    const parsed = schema.safeParse(ownData(input, 0));
    return parsed.success ? ok(parsed.data) : err(validationFailed(toFieldIssues(parsed.error.issues)));
  } catch (thrown) {
    // The same refusal as unreadableInput(), written out: calling it cost every command's bundle 8 B.
    return err(validationFailed([{ path: '', message: thrown === TOO_DEEP || thrown === TOO_LONG ? thrown : 'could not be read' }]));
  }
}
