/**
 * A runtime missing a global the roster needs is refused when the roster (or the in-memory store)
 * is built, with a TypeError naming the global, not request by request: without `performance`
 * an invitation's email went silently unsent and deliverOutbox answered StoreUnavailable
 * "performance is not defined"; without structuredClone every command answered StoreUnavailable;
 * without crypto.subtle createWorkspace said the sign-in system failed. Only what the chosen ports
 * need is asked for.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRoster, MemoryIdentity, MemoryRosterStore } from 'agent-roster';

const realCrypto = globalThis.crypto;
const fixedRandom = { bytes: (n: number) => new Uint8Array(n).fill(7) };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createRoster on a runtime missing a global', () => {
  it('with everything present, builds', () => {
    expect(() => createRoster()).not.toThrow();
  });

  it('without structuredClone: the in-memory store refuses to be built, and so does the default roster', () => {
    vi.stubGlobal('structuredClone', undefined);
    expect(() => new MemoryRosterStore()).toThrow(new TypeError('MemoryRosterStore: this runtime has no structuredClone, which it copies commits with'));
    expect(() => createRoster()).toThrow(/no structuredClone/);
  });

  it('without structuredClone, a roster on another store builds', () => {
    const store = new MemoryRosterStore();
    vi.stubGlobal('structuredClone', undefined);
    expect(() => createRoster({ store })).not.toThrow();
  });

  it('without performance: refused, naming performance.now', () => {
    vi.stubGlobal('performance', undefined);
    expect(() => createRoster()).toThrow(TypeError);
    expect(() => createRoster()).toThrow(/^createRoster: this runtime has no performance\.now, which the outbox times deliveries with/);
  });

  it('without crypto.subtle: refused even with the host\'s own identity and random source (token hashes need it)', () => {
    vi.stubGlobal('crypto', { getRandomValues: realCrypto.getRandomValues.bind(realCrypto) });
    expect(() => createRoster()).toThrow(/^createRoster: this runtime has no crypto\.subtle/);
    expect(() => createRoster({ identity: new MemoryIdentity(), random: fixedRandom })).toThrow(/no crypto\.subtle/);
  });

  it('without crypto.getRandomValues: refused on the default random source, built with the host\'s', () => {
    vi.stubGlobal('crypto', { subtle: realCrypto.subtle });
    expect(() => createRoster()).toThrow(/^createRoster: this runtime has no crypto\.getRandomValues/);
    expect(() => createRoster({ random: fixedRandom })).not.toThrow();
  });

  it('without crypto at all: refused', () => {
    vi.stubGlobal('crypto', undefined);
    expect(() => createRoster()).toThrow(/no crypto\.subtle/);
  });
});
