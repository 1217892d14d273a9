import type { Clock, Random } from '../ports/services';
import { appFail, type ServiceUnavailable } from './errors';

/**
 * The clock and random ports are read deep inside a use case — once per attempt, and in the
 * middle of deciding (a new id) — where threading a `Result` through every call would touch
 * every use case's plumbing. So their failure travels as this exception, and one place per use
 * case (`answered` in roster.ts) turns it back into the typed `ServiceUnavailable` it carries.
 * Nothing else throws it, and nothing commits in between: a use case reads time and draws ids
 * before it writes.
 */
export class PortFailure extends Error {
  constructor(readonly failure: ServiceUnavailable) {
    super(failure.message);
  }
}

const fail = (service: 'clock' | 'random', cause: unknown): never => {
  throw new PortFailure(appFail.service(service, cause));
};

/**
 * The host's clock, held to its contract: a throw, or an answer that is not a valid `Date` (an
 * epoch number, an Invalid Date), is a `PortFailure` naming the clock, never a time a command
 * would stamp on an event.
 */
export function checkedClock(clock: Clock): () => Date {
  return () => {
    let now: unknown;
    try {
      now = clock.now();
    } catch (e) {
      return fail('clock', e);
    }
    return now instanceof Date && Number.isFinite(now.getTime()) ? now : fail('clock', `now() answered ${describe(now)}, not a valid Date`);
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
      return bytes instanceof Uint8Array && bytes.length === length
        ? bytes
        : fail('random', `bytes(${length}) answered ${describe(bytes)}, not ${length} bytes`);
    },
  };
}

function describe(value: unknown): string {
  if (value instanceof Date) return 'an Invalid Date';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return value === null ? 'null' : typeof value;
}
