import { err, ok, type Result } from 'neverthrow';
import type { z } from 'zod';
import type { FieldIssue, ValidationFailed } from './errors';
import type { RosterEvent } from './events';

/**
 * What a successful command decided: the new state of every aggregate it touched, and the events
 * that explain the change. `state` is always the fold of `events` over the state the command was
 * given, so a store may keep either and they never disagree.
 */
export type Decision<S> = Readonly<{ state: S; events: readonly RosterEvent[] }>;

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

/**
 * Parses a command input. Never throws: a hostile input (a throwing getter, a Proxy) becomes a
 * `ValidationFailed` like any other bad input.
 *
 * @example parseInput(inviteAgentSchema, { email: 'ana@shop.com' })
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, ValidationFailed> {
  try {
    const parsed = schema.safeParse(input);
    return parsed.success ? ok(parsed.data) : err(validationFailed(toFieldIssues(parsed.error.issues)));
  } catch {
    return err(validationFailed([{ path: '', message: 'could not be read' }]));
  }
}
