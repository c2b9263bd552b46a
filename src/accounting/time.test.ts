// The calendar's UTC fast path (no ICU) against ICU itself: a zone with no
// offset and no DST (Africa/Abidjan) must give the same local dates, periods
// and day starts as 'UTC' at every instant tried.
import { describe, expect, it } from 'vitest';
import { createCalendar, isValidTimeZone } from './time.js';

describe('calendar: UTC without ICU', () => {
  it('UTC and its aliases are valid zones; nonsense is not', () => {
    for (const z of ['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Zulu']) expect(isValidTimeZone(z)).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('gives what ICU gives for a zero-offset zone, across years, leap days and ISO-week edges', () => {
    const fast = createCalendar('UTC');
    const icu = createCalendar('Africa/Abidjan');
    const instants = [Date.parse('2024-02-29T23:59:59.999Z'), Date.parse('2024-12-30T00:00:00Z'), Date.parse('2026-01-01T00:14:59Z'), Date.parse('2027-01-03T23:45:00Z')];
    for (let t = Date.parse('2025-12-20T00:00:00Z'); t < Date.parse('2026-01-10T00:00:00Z'); t += 7 * 60_000 + 13_000) instants.push(t);
    for (const t of instants) {
      expect(fast.localDate(t), new Date(t).toISOString()).toEqual(icu.localDate(t));
      for (const k of ['day', 'week', 'month'] as const) expect(fast.period(t, k)).toBe(icu.period(t, k));
    }
    for (const d of ['2024-02-29', '2025-12-31', '2026-03-29']) expect(fast.startOfDay(d)).toBe(icu.startOfDay(d));
  });
});
