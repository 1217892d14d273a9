import type { Clock } from '../../ports/services';

/** The real time. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that only moves when told: for tests and examples.
 *
 * @example const clock = new ManualClock('2026-11-23T09:00:00Z'); clock.advance({ days: 8 })
 */
export class ManualClock implements Clock {
  #now: Date;
  /** Starts at `start`; throws a `RangeError` for an instant that is no valid time, as {@link ManualClock.set} does. */
  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#now = new Date(0);
    this.set(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  /**
   * Moves time by the sum of the amounts given: forward, or back for a negative sum, as a test of
   * a wall clock stepped back (NTP) wants. Fractions are fine (`{ hours: 1.5 }`); a fraction of a
   * millisecond is dropped, as a `Date` drops it. Throws a `RangeError`, and stays where it was,
   * when the sum is not a finite number or lands outside the dates a `Date` holds: the clock would
   * answer an Invalid Date, and every use case then `ServiceUnavailable`, far from the test's bug.
   *
   * @example clock.advance({ days: 8 }); clock.advance({ ms: -1 }) // a 1 ms step back
   */
  advance(by: Readonly<{ days?: number | undefined; hours?: number | undefined; minutes?: number | undefined; seconds?: number | undefined; ms?: number | undefined }>): this {
    const ms = (((by.days ?? 0) * 24 + (by.hours ?? 0)) * 60 + (by.minutes ?? 0)) * 60_000 + (by.seconds ?? 0) * 1000 + (by.ms ?? 0);
    const next = new Date(this.#now.getTime() + ms);
    if (Number.isNaN(next.getTime())) throw new RangeError(`ManualClock.advance: ${ms} ms gives no valid time`);
    this.#now = next;
    return this;
  }
  /** Jumps to an instant; throws a `RangeError`, and stays where it was, for one that is no valid time. */
  set(to: Date | string): this {
    const next = new Date(to);
    if (Number.isNaN(next.getTime())) throw new RangeError(`ManualClock.set: ${String(to)} is not a valid time`);
    this.#now = next;
    return this;
  }
}
