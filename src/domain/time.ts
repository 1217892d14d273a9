/**
 * Instants in state and events are ISO-8601 strings in UTC (`2026-11-23T14:00:00.000Z`): JSON
 * round-trippable, sortable as text, and readable in a database column or a log line.
 */
export type IsoTime = string & { readonly __brand: 'IsoTime' };

/**
 * `date.toISOString()`, which V8 writes in ~1 µs, about as long as a cheap command takes. The
 * instants a server formats come a few per request, most in the same minute as the request
 * before's, so the `YYYY-MM-DDTHH:MM:` of the last two minutes formatted are kept (two: an
 * invitation's expiry is formatted next to its sending time, a week later) and within those
 * minutes only the seconds and milliseconds are written, in tens of nanoseconds; `toISOString`
 * runs once for each new minute. Years written with six digits and a sign (before 0000, after
 * 9999) are not kept. Proven equal to `toISOString` by test/domain/time.test.ts; an invalid date
 * throws as `toISOString` does.
 */
function formatIso(date: Date): IsoTime {
  const time = date.getTime();
  const minute = Math.floor(time / 60_000);
  const prefix = minute === minuteA ? prefixA : minute === minuteB ? prefixB : '';
  if (prefix === '') {
    const iso = date.toISOString();
    if (iso.length === 24) (minuteB = minuteA), (prefixB = prefixA), (minuteA = minute), (prefixA = iso.slice(0, 17));
    return iso as IsoTime;
  }
  const digits = String(100_000 + time - minute * 60_000); // "1", then seconds (2 digits) and milliseconds (3)
  return `${prefix}${digits.slice(1, 3)}.${digits.slice(3)}Z` as IsoTime;
}
// The two minutes whose prefixes are kept, latest first. Empty until first filled, as isoTime's
// slots are: no number is `===` undefined, nor is NaN (an invalid date's minute) `===` anything, so
// an empty slot never matches and its prefix is never read. Initialised to NaN and '', the slots
// cost every command's bundle 11-14 B.
let minuteA: number | undefined;
let prefixA: string | undefined;
let minuteB: number | undefined;
let prefixB: string | undefined;

/** @example isoTime(new Date(0)) // '1970-01-01T00:00:00.000Z' */
export function isoTime(date: Date): IsoTime {
  // A use case formats the same instant many times (each event, the invitation's expiry next to
  // its sending time), so the last two instants are kept: one slot would thrash between them.
  const time = date.getTime();
  if (time === lastTime) return lastIso!;
  if (time === previousTime) return previousIso!;
  const iso = formatIso(date);
  previousTime = lastTime;
  previousIso = lastIso;
  lastTime = time;
  lastIso = iso;
  return iso;
}
// Empty until the first two instants are formatted: no number is `===` undefined, so an empty slot
// never matches (nor does NaN, an invalid date's time, ever match, so it always reaches the
// formatter and throws there as `toISOString` does).
let lastTime: number | undefined;
let lastIso: IsoTime | undefined;
let previousTime: number | undefined;
let previousIso: IsoTime | undefined;

/**
 * The exact form {@link isoTime} writes for years 0000–9999 (`2026-11-23T14:00:00.000Z`), with
 * every field in range: month 01–12 and a day that month has in every year (01–28; 29 and 30
 * except in February; 31 in the seven long months), hours 00–23, minutes and seconds 00–59. Such
 * a string names one instant and `Date.parse` reads it as written, so two of them compare as text
 * exactly as their instants compare. February 29 (valid in leap years only) goes to `Date.parse`
 * with every other spelling. Days 29–31 were left to `Date.parse` too until the benchmark's
 * day-30 expiry showed what that cost: ~250 ns a check on one expiry in ten, for 26 B in each
 * command that reads an expiry.
 */
const CANONICAL = /^\d{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * True when `instant` is at or before `now`: an invitation expiring at `now` is already expired.
 * An instant or a `now` that is no time (`Date.parse` answers NaN, an Invalid Date) has passed
 * too, so that a corrupt expiry or a caller's broken clock closes a link rather than keeps it
 * open for good. Means `!(Date.parse(instant) > now.getTime())`. `Date.parse` cost ~0.29 µs a call here, about a
 * fifth of accepting an invitation, so when `instant` is canonical (`CANONICAL`) and `now` is
 * before year 10000 the strings are compared instead: `isoTime(now)` is then canonical too, or,
 * before year 0, `toISOString`'s `-0…` form, which sorts before every canonical string as its
 * instant does. Proven equal to `Date.parse` by test/domain/time.test.ts.
 */
export function hasPassed(instant: IsoTime, now: Date): boolean {
  const time = now.getTime();
  // 253_402_300_800_000 is 10000-01-01T00:00:00.000Z; NaN (an invalid now) is not less than it.
  return time < 253_402_300_800_000 && CANONICAL.test(instant) ? instant <= isoTime(now) : !(Date.parse(instant) > time);
}
