/**
 * Which peer versions this run resolves. Under vitest.floor.config.ts every import of zod and
 * fast-check (ours, the library's, @fast-check/vitest's) must reach the floor, or the floor run
 * would silently test the pinned versions again; under the main config they must be the pinned
 * versions.
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
    floor: Readonly<Record<'zod' | 'fast-check', string>>;
  }
}

type Version = { major: number; minor: number; patch: number };
const dotted = (v: Version): string => `${v.major}.${v.minor}.${v.patch}`;

it('resolves zod and fast-check to one copy each, the floor when vitest.floor.config.ts runs', () => {
  const zodSeenByTests = dotted(z.core.version);
  const zodSeenByLibrary = dotted((emailSchema as unknown as { _zod: { version: Version } })._zod.version);
  expect(zodSeenByLibrary).toBe(zodSeenByTests);
  expect(fcOfVitestPlugin.__version).toBe(fc.__version);
  expect(emailArb()).toBeInstanceOf(fc.Arbitrary);

  // `provide` is set only by the floor config; elsewhere `inject` answers undefined and the run
  // must be on the versions package.json pins.
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const pinned = { zod: manifest.devDependencies.zod, 'fast-check': manifest.devDependencies['fast-check'] };
  const floor = inject('floor') as Readonly<Record<'zod' | 'fast-check', string>> | undefined;
  expect({ zod: zodSeenByTests, 'fast-check': fc.__version }).toEqual(floor ?? pinned);
});
