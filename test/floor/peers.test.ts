/**
 * Which peer versions this run resolves. Under vitest.floor.config.ts every import of zod and
 * fast-check (ours, the library's, @fast-check/vitest's) must reach the floor, or the floor run
 * would silently test the pinned versions again; under the main config they must be the pinned
 * versions. (neverthrow exports no version; its floor is the pinned version, which
 * scripts/peer-floors.ts checks.)
 */
import { readFileSync } from 'node:fs';
import { fc as fcOfVitestPlugin } from '@fast-check/vitest';
import fc from 'fast-check';
import { expect, inject, it } from 'vitest';
import { z } from 'zod';
import { emailSchema } from 'agent-roster';
import { emailArb } from 'agent-roster/testing';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by vitest.floor.config.ts only: each peer's floor version, by name. */
    floors: Readonly<Record<string, string>>;
  }
}

type Version = { major: number; minor: number; patch: number };
const dotted = (v: Version): string => `${v.major}.${v.minor}.${v.patch}`;

it('resolves zod and fast-check to one copy each: the floors under the floor config, else the pinned versions', () => {
  const zodSeenByTests = dotted(z.core.version);
  const zodSeenByLibrary = dotted((emailSchema as unknown as { _zod: { version: Version } })._zod.version);
  expect(zodSeenByLibrary).toBe(zodSeenByTests);
  expect(fcOfVitestPlugin.__version).toBe(fc.__version);
  expect(emailArb()).toBeInstanceOf(fc.Arbitrary);

  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const floors = inject('floors') as Readonly<Record<string, string>> | undefined;
  const expected = floors ?? manifest.devDependencies;
  expect({ zod: zodSeenByTests, 'fast-check': fc.__version }).toEqual({ zod: expected.zod, 'fast-check': expected['fast-check'] });
});
