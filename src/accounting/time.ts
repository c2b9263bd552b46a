// Calendar bucketing in the user's time zone. Formatting with Intl is slow,
// so local dates are cached per 15-minute slot (every real UTC offset is a
// multiple of 15 minutes, so a slot never straddles a local midnight).

export type PeriodKind = 'day' | 'week' | 'month';

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface Calendar {
  tz: string;
  localDate(ts: number): LocalDate;
  /** 'YYYY-MM-DD' in the calendar's zone */
  day(ts: number): string;
  period(ts: number, kind: PeriodKind): string;
  /** epoch ms of local midnight starting the given 'YYYY-MM-DD' */
  startOfDay(date: string): number;
}

const SLOT = 15 * 60 * 1000;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Zones that are UTC by definition: no ICU needed (its start-up costs ~15 ms). */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'GMT', 'Etc/GMT', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'Etc/Greenwich', 'Greenwich']);

export function isValidTimeZone(tz: string): boolean {
  if (UTC_ZONES.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** ISO-8601 week ('YYYY-Www') of a calendar date. */
export function isoWeek(d: LocalDate): string {
  const t = Date.UTC(d.year, d.month - 1, d.day);
  const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(t + (3 - dow) * 86400000);
  const wy = thursday.getUTCFullYear();
  const jan1 = Date.UTC(wy, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / 86400000 / 7) + 1;
  return `${wy}-W${pad(week)}`;
}

/** The period a local day 'YYYY-MM-DD' falls in (the same strings as `Calendar.period`). */
export function periodOfDay(day: string, kind: PeriodKind): string {
  if (kind === 'day') return day;
  if (kind === 'month') return day.slice(0, 7);
  const [year, month, d] = day.split('-').map(Number) as [number, number, number];
  return isoWeek({ year, month, day: d });
}

export function createCalendar(tz: string): Calendar {
  const utc = UTC_ZONES.has(tz);
  const fmt = utc ? null : new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hourCycle: 'h23' });
  const cache = new Map<number, LocalDate>();
  const localDate = (ts: number): LocalDate => {
    const slot = Math.floor(ts / SLOT);
    let d = cache.get(slot);
    if (!d && fmt === null) {
      const t = new Date(slot * SLOT);
      d = { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
      cache.set(slot, d);
    }
    if (!d && fmt !== null) {
      let year = 0;
      let month = 0;
      let day = 0;
      for (const p of fmt.formatToParts(new Date(slot * SLOT))) {
        if (p.type === 'year') year = Number(p.value);
        else if (p.type === 'month') month = Number(p.value);
        else if (p.type === 'day') day = Number(p.value);
      }
      d = { year, month, day };
      cache.set(slot, d);
    }
    return d!;
  };
  const periodCache: Record<PeriodKind, Map<number, string>> = { day: new Map(), week: new Map(), month: new Map() };
  // the day of the last slot asked for: consecutive requests mostly fall in the same 15 minutes
  let lastDaySlot = NaN;
  let lastDay = '';
  const period = (ts: number, kind: PeriodKind): string => {
    // periods repeat for every request of a slot: format each slot's once
    const cache = periodCache[kind];
    const slot = Math.floor(ts / SLOT);
    if (kind === 'day' && slot === lastDaySlot) return lastDay;
    let p = cache.get(slot);
    if (p === undefined) {
      const d = localDate(ts);
      p = kind === 'day' ? `${d.year}-${pad(d.month)}-${pad(d.day)}` : kind === 'month' ? `${d.year}-${pad(d.month)}` : isoWeek(d);
      cache.set(slot, p);
    }
    if (kind === 'day') {
      lastDaySlot = slot;
      lastDay = p;
    }
    return p;
  };
  const day = (ts: number): string => period(ts, 'day');
  const offsetAt = (ts: number): number => {
    if (utc) return 0;
    // local wall time minus UTC, in ms, at instant ts
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23',
    }).formatToParts(new Date(ts));
    const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(ts / 1000) * 1000;
  };
  return {
    tz,
    localDate,
    day,
    period,
    startOfDay(date) {
      const [y, m, dd] = date.split('-').map(Number) as [number, number, number];
      const guess = Date.UTC(y, m - 1, dd);
      // two passes settle DST transitions
      let t = guess - offsetAt(guess);
      t = guess - offsetAt(t);
      return t;
    },
  };
}

/** Parses 'YYYY-MM-DD' strictly; returns null when it is not a real date. */
export function parseDateArg(s: string): string | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}
