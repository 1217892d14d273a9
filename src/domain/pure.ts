/**
 * Builds a module-level constant. Called as `/* @__PURE__ *\/ pure(() => …)`, it tells bundlers
 * that building the value has no side effects, so a program that never uses the constant does not
 * ship it. Zod schemas are built by chains of calls, and a bundler keeps any call it cannot prove
 * harmless: without this, importing one command would pull in every schema of the package.
 *
 * @example export const roleSchema = /* @__PURE__ *\/ pure(() => z.enum(['admin', 'agent']));
 */
export function pure<T>(make: () => T): T {
  return make();
}
