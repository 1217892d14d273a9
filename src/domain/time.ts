/**
 * Instants in state and events are ISO-8601 strings in UTC (`2026-11-23T14:00:00.000Z`): JSON
 * round-trippable, sortable as text, and readable in a database column or a log line.
 */
export type IsoTime = string & { readonly __brand: 'IsoTime' };

/** @example isoTime(new Date(0)) // '1970-01-01T00:00:00.000Z' */
export function isoTime(date: Date): IsoTime {
  // toISOString is slow next to a command; a use case formats the same instant many times.
  const time = date.getTime();
  if (time !== lastTime) {
    lastTime = time;
    lastIso = date.toISOString() as IsoTime;
  }
  return lastIso;
}
let lastTime = Number.NaN;
let lastIso = '' as IsoTime;

/** True when `instant` is at or before `now`: an invitation expiring at `now` is already expired. */
export function hasPassed(instant: IsoTime, now: Date): boolean {
  return Date.parse(instant) <= now.getTime();
}
