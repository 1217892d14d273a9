/**
 * `isoTime` does not call `toISOString` on its usual inputs (it costs more than a cheap command):
 * these tests prove it still gives exactly what `toISOString` would. `hasPassed` is pinned too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasPassed, isoTime, type IsoTime } from 'agent-roster';

const YEAR_0 = -62_167_219_200_000;
const YEAR_10000 = 253_402_300_800_000;
const MAX_DATE = 8.64e15;

const edges = [
  0, -1, 1, 86_399_999, 86_400_000, -86_400_000, YEAR_0, YEAR_0 - 1, YEAR_10000 - 1, YEAR_10000, MAX_DATE, -MAX_DATE,
  Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(1900, 1, 28), Date.UTC(1900, 2, 1), Date.UTC(2100, 1, 28, 12),
  Date.UTC(2400, 1, 29), Date.UTC(1600, 1, 29), Date.UTC(2026, 10, 23, 9), Date.UTC(1969, 11, 31, 23, 59, 59, 999),
];

describe('isoTime', () => {
  it('writes exactly what toISOString writes, at the edges', () => {
    for (const time of edges) expect(isoTime(new Date(time)), String(time)).toBe(new Date(time).toISOString());
  });

  it('writes exactly what toISOString writes, for any instant a Date can hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_DATE, max: MAX_DATE }), (time) => {
        expect(isoTime(new Date(time))).toBe(new Date(time).toISOString());
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: YEAR_0 - 1000, max: YEAR_10000 + 1000 }), (time) => {
        expect(isoTime(new Date(time))).toBe(new Date(time).toISOString());
      }),
      { numRuns: 50_000 },
    );
  });

  it('gives each of two alternating instants its own string (the cache keeps both apart)', () => {
    const a = new Date(Date.UTC(2026, 0, 1));
    const b = new Date(Date.UTC(2026, 0, 8));
    for (let n = 0; n < 3; n++) {
      expect(isoTime(a)).toBe('2026-01-01T00:00:00.000Z');
      expect(isoTime(b)).toBe('2026-01-08T00:00:00.000Z');
    }
    expect(isoTime(new Date(Date.UTC(2027, 0, 1)))).toBe('2027-01-01T00:00:00.000Z');
    expect(isoTime(a)).toBe('2026-01-01T00:00:00.000Z');
  });

  it('writes exactly what toISOString writes for runs of nearby instants, as a server formats them (the kept minute)', () => {
    // Steps within a minute, across minutes, hours, days and years, and across the years whose
    // prefix is not kept (before 0000, from 10000), with invalid dates in between; each instant
    // is formatted next to one a week later, as an invitation's sending time and expiry are.
    const start = fc.oneof(
      fc.integer({ min: -MAX_DATE, max: MAX_DATE }),
      fc.constantFrom(YEAR_0, YEAR_0 - 60_000, YEAR_10000 - 604_860_000, YEAR_10000 - 60_000, Date.UTC(2026, 11, 31, 23, 59, 59), 0, -60_000),
    );
    const step = fc.oneof(fc.integer({ min: -1_000, max: 61_000 }), fc.integer({ min: -86_400_000, max: 86_400_000 }), fc.constant(Number.NaN));
    fc.assert(
      fc.property(start, fc.array(step, { maxLength: 40 }), (first, steps) => {
        let time = first;
        for (const delta of [0, ...steps]) {
          const next = time + delta;
          const date = new Date(next);
          if (Number.isNaN(date.getTime())) {
            expect(() => isoTime(date)).toThrow(RangeError);
            continue;
          }
          time = next;
          expect(isoTime(date), String(time)).toBe(date.toISOString());
          const week = new Date(time + 604_800_000);
          if (!Number.isNaN(week.getTime())) expect(isoTime(week), String(time)).toBe(week.toISOString());
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('still throws on an invalid date, as toISOString does', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('hasPassed', () => {
  /**
   * What hasPassed means: Date.parse, so any ISO spelling a store hands back is read correctly;
   * an instant or now that is no time has passed.
   */
  const reference = (instant: string, now: Date) => !(Date.parse(instant) > now.getTime());
  const at = (time: number) => new Date(time);

  it('agrees with Date.parse on other spellings and on garbage', () => {
    const now = at(Date.UTC(2026, 10, 23, 9));
    const instants = [
      '2026-11-23T09:00:00.000Z', '2026-11-23T09:00:00Z', '2026-11-23T09:00:00.000+00:00', '2026-11-23T10:00:00.000+01:00',
      '2026-11-23', '+002026-11-23T09:00:00.000Z', '-000001-01-01T00:00:00.000Z', '2026-11-23T09:00:00.0000', '2026-11-23 09:00:00.000Z',
      '2026-11-23T24:00:00.000Z', '2026-02-29T00:00:00.000Z', '2026-02-30T12:00:00.000Z', '2026-04-31T00:00:00.000Z',
      '2026-11-23T09:00:00.00aZ', '2026-1a-23T09:00:00.000Z', '20a6-11-23T09:00:00.000Z', '2026-11-23T09:00:60.000Z',
      '2026-11-23T09:60:00.000Z', '2026-00-23T09:00:00.000Z', '2026-11-00T09:00:00.000Z', '2026-11-32T09:00:00.000Z',
      '2026-11-23T09:00:00.000z', '', 'soon', '2026-11-23T09:00:00.000Zx', '2026-11-23t09:00:00.000Z', '2026-11-2３T09:00:00.000Z',
      '2026-11-23T09:00:00.-00Z', '2026-11-23T09:00:00.0-0Z', '2026-11-23T09:00:00.00-Z', '-026-11-23T09:00:00.000Z', '2026-11-23T-9:00:00.000Z',
      '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z',
    ];
    for (const instant of instants) {
      for (const time of [now.getTime(), Date.parse(instant), Date.parse(instant) - 1]) {
        if (Number.isFinite(time)) expect(hasPassed(instant as IsoTime, at(time)), instant).toBe(reference(instant, at(time)));
      }
    }
  });

  // hasPassed compares canonical strings as text and hands everything else to Date.parse: these
  // properties generate both kinds, and the near misses between them, and demand Date.parse's answer.
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const nowArb = fc.oneof(
    fc.integer({ min: YEAR_0 - 86_400_000, max: YEAR_10000 + 86_400_000 }),
    fc.integer({ min: -MAX_DATE, max: MAX_DATE }),
    fc.constantFrom(YEAR_0, YEAR_0 - 1, YEAR_10000 - 1, YEAR_10000, Number.NaN),
  );
  /** Every field in or just out of range, so Feb 29–31, 24:00, :60 and month 00/13 come up. */
  const fieldsArb = fc
    .record({
      year: fc.integer({ min: 0, max: 9999 }),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 61 }),
      second: fc.integer({ min: 0, max: 61 }),
      ms: fc.integer({ min: 0, max: 999 }),
    })
    .map(({ year, month, day, hour, minute, second, ms }) =>
      `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms, 3)}Z`,
    );
  /** An instant as isoTime writes it (other years in toISOString's six-digit form). */
  const canonicalArb = fc.integer({ min: -MAX_DATE, max: MAX_DATE }).map((time) => new Date(time).toISOString());
  /** A canonical string with one character replaced, inserted or removed. */
  const nearMissArb = fc
    .tuple(
      fc.integer({ min: YEAR_0, max: YEAR_10000 - 1 }).map((time) => new Date(time).toISOString()),
      fc.nat({ max: 24 }),
      fc.oneof(fc.constantFrom('0', '9', '-', ':', '.', 'T', 'Z', 'z', 't', ' ', '+', '\uD800', '\uDC00', '٣', '３', ''), fc.string({ maxLength: 2, unit: 'binary' })),
      fc.constantFrom('replace', 'insert'),
    )
    .map(([iso, at, text, how]) => iso.slice(0, at) + text + iso.slice(how === 'replace' ? at + 1 : at));
  const instantArb = fc.oneof(fieldsArb, canonicalArb, nearMissArb, fc.string({ maxLength: 30, unit: 'binary' }));

  it('agrees with Date.parse on generated instants, canonical or not, at any now (property)', () => {
    fc.assert(
      fc.property(instantArb, nowArb, (instant, time) => {
        expect(hasPassed(instant as IsoTime, at(time))).toBe(reference(instant, at(time)));
      }),
      { numRuns: 100_000 },
    );
  });

  it('agrees with Date.parse around the instant itself: just before, at and just after (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fieldsArb, canonicalArb, nearMissArb), fc.integer({ min: -2, max: 2 }), (instant, offset) => {
        const parsed = Date.parse(instant);
        if (!Number.isFinite(parsed)) return;
        const time = parsed + offset;
        expect(hasPassed(instant as IsoTime, at(time))).toBe(reference(instant, at(time)));
      }),
      { numRuns: 50_000 },
    );
  });

  it('does not throw on an invalid now or instant, and says passed: a link whose expiry cannot be read is closed', () => {
    expect(hasPassed('2026-11-23T09:00:00.000Z' as IsoTime, at(Number.NaN))).toBe(true);
    expect(hasPassed('soon' as IsoTime, at(Date.UTC(2026, 10, 23, 9)))).toBe(true);
    expect(hasPassed('' as IsoTime, at(Date.UTC(2026, 10, 23, 9)))).toBe(true);
  });

  it('treats an expiry at exactly now as passed', () => {
    const now = at(Date.UTC(2026, 10, 23, 9));
    expect(hasPassed('2026-11-23T09:00:00.000Z' as IsoTime, now)).toBe(true);
    expect(hasPassed('2026-11-23T09:00:00.001Z' as IsoTime, now)).toBe(false);
  });
});
