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
  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#now = new Date(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  /** Moves time forward. */
  advance(by: Readonly<{ days?: number | undefined; hours?: number | undefined; minutes?: number | undefined; seconds?: number | undefined; ms?: number | undefined }>): this {
    const ms = (((by.days ?? 0) * 24 + (by.hours ?? 0)) * 60 + (by.minutes ?? 0)) * 60_000 + (by.seconds ?? 0) * 1000 + (by.ms ?? 0);
    this.#now = new Date(this.#now.getTime() + ms);
    return this;
  }
  /** Jumps to an instant. */
  set(to: Date | string): this {
    this.#now = new Date(to);
    return this;
  }
}
