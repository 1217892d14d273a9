/**
 * Builds a module-level constant of the kit, as `src/domain/pure.ts` does for the core (the kit is
 * bundled on its own and reaches the core only through what `agent-roster` exports, so it keeps a
 * copy of these three lines). Called as `/* @__PURE__ *\/ pure(() => …)`, it tells bundlers that
 * building the value has no side effects: an arbitrary built by a chain of fast-check calls, or an
 * id parsed by a schema, then ships only in a program that uses it, not in every one that imports
 * something from `agent-roster/testing`.
 *
 * @example const plusTagArb = /* @__PURE__ *\/ pure(() => fc.stringMatching(/^[a-z0-9]{1,8}$/));
 */
export function pure<T>(make: () => T): T {
  return make();
}
