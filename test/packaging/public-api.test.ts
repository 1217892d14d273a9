/**
 * The names each entry point exports at run time, against the list in public-api.json: a module
 * re-exported with `export *` makes every export of it public, so a helper exported for a sibling
 * module becomes API without anyone deciding so (`causeOf`, an internal of errors.ts, did once).
 * A name added on purpose is added to the list in the same change, and the changelog says so.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const listed = JSON.parse(readFileSync(fileURLToPath(new URL('./public-api.json', import.meta.url)), 'utf8')) as Record<string, string[]>;

describe('the public API', () => {
  it.each(Object.keys(listed))('%s exports exactly the listed names', async (entry) => {
    const module = (await import(entry)) as Record<string, unknown>;
    expect(Object.keys(module).sort()).toEqual(listed[entry]);
  });
});
