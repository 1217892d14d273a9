import { err, ok, type Result } from 'neverthrow';
import type { z } from 'zod';
import type { FieldIssue, ValidationFailed } from './errors';
import type { RosterEvent } from './events';

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

/** Turns zod issues into field issues with dotted paths. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): readonly FieldIssue[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** A `ValidationFailed` for the given issues. */
export function validationFailed(issues: readonly FieldIssue[]): ValidationFailed {
  const fields = [...new Set(issues.map((i) => i.path || '(input)'))].join(', ');
  return { type: 'ValidationFailed', issues, message: `Invalid input: ${fields}.` };
}

const TOO_DEEP = /* @__PURE__ */ Symbol('too deep');
const MAX_DEPTH = 16;

/**
 * A copy of the input made of its own enumerable properties only. Zod reads properties the way
 * JavaScript does, inherited ones included, so without this an input built on a prototype
 * carrying `role: 'admin'` — or a host whose `Object.prototype` got polluted — would smuggle
 * fields past the schema. Inputs are small, so the copy costs next to nothing.
 */
function ownData(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    const items = value.map((v) => ownData(v, depth + 1));
    return items.includes(TOO_DEEP) ? TOO_DEEP : items;
  }
  // No prototype: a polluted Object.prototype cannot supply a missing field either.
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    const item = ownData((value as Record<string, unknown>)[key], depth + 1);
    if (item === TOO_DEEP) return TOO_DEEP;
    // On a prototype-less object a `__proto__` key is an ordinary (and refused) field, so plain
    // assignment is safe, and it keeps the copy a fast object rather than a dictionary.
    copy[key] = item;
  }
  return copy;
}

/**
 * Parses a command input. Never throws: a hostile input (a throwing getter, a Proxy) becomes a
 * `ValidationFailed` like any other bad input.
 *
 * @example parseInput(inviteAgentSchema, { email: 'ana@shop.com' })
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, ValidationFailed> {
  try {
    const data = ownData(input, 0);
    if (data === TOO_DEEP) return err(validationFailed([{ path: '', message: 'is nested too deeply' }]));
    const parsed = schema.safeParse(data);
    return parsed.success ? ok(parsed.data) : err(validationFailed(toFieldIssues(parsed.error.issues)));
  } catch {
    return err(validationFailed([{ path: '', message: 'could not be read' }]));
  }
}
