import { readFileSync } from 'node:fs';

/**
 * The shared hostile-input fixture. It is JSON5-ish: `wrong_types` holds a bare `Infinity`, which
 * JSON.parse refuses, so it is read with that one token turned into a number first.
 */
export type HostileInputs = {
  emails_invalid: string[];
  emails_valid: string[];
  emails_equivalent: [string, string][];
  emails_distinct: [string, string][];
  names_invalid: string[];
  names_valid: string[];
  passwords_invalid_default_policy: string[];
  passwords_valid_default_policy: string[];
  wrong_types: unknown[];
  object_payloads_json: string[];
  roles_invalid: string[];
};

const shared = new URL('../../../shared/fixtures/hostile-inputs.json', import.meta.url);
const vendored = new URL('../fixtures/hostile-inputs.json', import.meta.url);

function read(url: URL): string | null {
  try {
    return readFileSync(url, 'utf8');
  } catch {
    return null;
  }
}

/** Parses the fixture, reading `Infinity` outside strings as a number. */
export function parseFixture(text: string): HostileInputs {
  return JSON.parse(text.replace(/("(?:[^"\\]|\\.)*")|\bInfinity\b/g, (m, str: string | undefined) => str ?? '1e999'));
}

/** The fixture from ../shared when this checkout has it beside it, else the vendored copy. */
export const hostile: HostileInputs = parseFixture(read(shared) ?? read(vendored)!);
