import type { Clock, Random } from '../ports/services';
import { err, type Err } from 'neverthrow';
import { appFail, type ServiceUnavailable } from './errors';
import { webCryptoRandom } from './crypto';

/**
 * Refuses, when the roster is built, to run on a runtime missing a global it will need: without
 * it a command would fail on each request instead (`performance` missing: an invitation's email
 * silently unsent; `crypto.subtle`: every token and password hash). A host's configuration, so a
 * `TypeError` like the options' (ADR 0021). See docs/getting-started.md#edge-runtimes-and-browsers.
 */
function needGlobal(present: boolean, name: string, why: string): void {
  if (!present) throw new TypeError(`createRoster: this runtime has no ${name}, which ${why} (see docs/getting-started.md#edge-runtimes-and-browsers)`);
}

/**
 * Throws a `TypeError` when the runtime lacks a global the roster needs whatever its ports:
 * `performance.now` (the outbox times its runs with it), `crypto.subtle` (invitation tokens are
 * stored as SHA-256 hashes), and `crypto.getRandomValues` while `random` is the default.
 * `createRoster` calls it once, as it is built.
 */
export function requireGlobals(random: Random): void {
  needGlobal(typeof globalThis.performance?.now === 'function', 'performance.now', 'the outbox times deliveries with');
  needGlobal(typeof globalThis.crypto?.subtle?.digest === 'function', 'crypto.subtle', 'hashes tokens');
  if (random === webCryptoRandom) needGlobal(typeof globalThis.crypto?.getRandomValues === 'function', 'crypto.getRandomValues', 'the default `random` uses');
}

/**
 * The clock and random ports are read deep inside a use case — once per attempt, and in the
 * middle of deciding (a new id) — where threading a `Result` through every call would touch
 * every use case's plumbing. So their failure travels as this exception, and is turned back into
 * the typed `ServiceUnavailable` it carries where a use case's promises settle: `transact`, the
 * roster's `call`, and `answeredAll` around every use case (ADR 0024). Nothing else throws it, and
 * nothing commits in between: a use case reads time and draws ids before it writes.
 */
export class PortFailure extends Error {
  constructor(readonly failure: ServiceUnavailable) {
    super(failure.message);
  }
}

const fail = (service: 'clock' | 'random', cause: unknown): never => {
  throw new PortFailure(appFail.service(service, cause));
};

/** 0001-01-01T00:00:00.000Z and 9999-01-01T00:00:00.000Z: the readings a clock may give ({@link checkedClock}). */
const EARLIEST = -62_135_596_800_000;
const LATEST = 253_370_764_800_000;

/**
 * The host's clock, held to its contract: a throw, or an answer that is not a valid `Date` (an
 * epoch number, an Invalid Date) or is outside the years 0001–9998, is a `PortFailure` naming
 * the clock, never a time a command would stamp on an event. Every instant the roster stores is
 * then four-digit ISO text, which sorts as it reads and which PostgreSQL takes, with a year of
 * room for what it adds to the time: an invitation's lifetime (at most 90 days) and a delay
 * (at most 2³¹−1 ms, about 24.8 days). Each reading is answered as a new `Date` of this realm,
 * so a host clock that hands out one Date and moves it cannot change a command's time mid-command.
 */
export function checkedClock(clock: Clock): () => Date {
  return () => {
    let now: unknown;
    try {
      now = clock.now();
    } catch (e) {
      return fail('clock', e);
    }
    if (kindOf(now) !== 'Date' || !Number.isFinite((now as Date).getTime())) return fail('clock', `now() answered ${describe(now)}, not a valid Date`);
    const time = (now as Date).getTime();
    // A copy: a host clock that moves one shared Date in place must not move a command's `now`.
    return time >= EARLIEST && time < LATEST ? new Date(time) : fail('clock', `now() answered ${(now as Date).toISOString()}, outside the years 0001–9998`);
  };
}

/**
 * The host's random source, held to its contract: a throw, or anything but a `Uint8Array` of the
 * length asked for, is a `PortFailure` naming it. A short answer would otherwise make a short
 * token: fewer bytes of secret in every invitation link.
 */
export function checkedRandom(random: Random): Random {
  return {
    bytes(length) {
      let bytes: unknown;
      try {
        bytes = random.bytes(length);
      } catch (e) {
        return fail('random', e);
      }
      return kindOf(bytes) === 'Uint8Array' && (bytes as Uint8Array).length === length
        ? (bytes as Uint8Array)
        : fail('random', `bytes(${length}) answered ${describe(bytes)}, not ${length} bytes`);
    },
  };
}

/**
 * `Date`, `Uint8Array`, …: the built-in kind of a value, whatever realm made it. `instanceof`
 * would refuse a Date or a Node `Buffer` from another realm (a `vm` context, a Jest sandbox).
 */
const kindOf = (value: unknown): string => Object.prototype.toString.call(value).slice(8, -1);

function describe(value: unknown): string {
  const kind = kindOf(value);
  if (kind === 'Date') return 'an Invalid Date';
  if (kind === 'Uint8Array') return `${(value as Uint8Array).length} bytes`;
  return value === null ? 'null' : typeof value;
}

/**
 * A rejection handler for a call that may meet a failing clock or random source on the way: the
 * `ServiceUnavailable` the {@link PortFailure} carries, or `toError` for anything else.
 */
export const portFailureOr =
  <E>(toError: (e: unknown) => E) =>
  (e: unknown): E | ServiceUnavailable =>
    e instanceof PortFailure ? e.failure : toError(e);

/**
 * A rejection handler for a whole use case (or `transact`): a {@link PortFailure} is answered with
 * the error it carries; anything else is a bug of ours and rejects on.
 */
export function answerPortFailure(e: unknown): Err<never, ServiceUnavailable> {
  if (e instanceof PortFailure) return err(e.failure);
  throw e;
}
