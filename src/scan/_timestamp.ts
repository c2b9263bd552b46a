// Timestamps read straight from bytes: most lines carry one, and Date.parse of
// a fresh string per line is a measurable part of a scan.
import type { SliceBuffer } from './_layout.js';

const CUMULATIVE_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function digit(c: number): number {
  const d = c - 48;
  return d >= 0 && d <= 9 ? d : -1000000;
}

/**
 * Date.parse of `YYYY-MM-DDTHH:MM:SS.mmmZ` read from bytes (what Claude Code
 * writes). Any other form, or a field out of the plain range, goes to Date.parse.
 */
export function parseTimestamp(buf: Buffer, s: number, e: number): number {
  if (
    e - s === 24 &&
    buf[s + 4] === 45 &&
    buf[s + 7] === 45 &&
    buf[s + 10] === 84 &&
    buf[s + 13] === 58 &&
    buf[s + 16] === 58 &&
    buf[s + 19] === 46 &&
    buf[s + 23] === 90
  ) {
    const y = digit(buf[s]!) * 1000 + digit(buf[s + 1]!) * 100 + digit(buf[s + 2]!) * 10 + digit(buf[s + 3]!);
    const mo = digit(buf[s + 5]!) * 10 + digit(buf[s + 6]!);
    const d = digit(buf[s + 8]!) * 10 + digit(buf[s + 9]!);
    const h = digit(buf[s + 11]!) * 10 + digit(buf[s + 12]!);
    const mi = digit(buf[s + 14]!) * 10 + digit(buf[s + 15]!);
    const sec = digit(buf[s + 17]!) * 10 + digit(buf[s + 18]!);
    const ms = digit(buf[s + 20]!) * 100 + digit(buf[s + 21]!) * 10 + digit(buf[s + 22]!);
    // V8 rolls day 29..31 over into the next month, as Date.UTC does; the arithmetic below does the same
    if (y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59 && ms >= 0) {
      const leap = mo > 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 1 : 0;
      const yy = y - 1;
      const days = (y - 1970) * 365 + (((yy / 4) | 0) - 492) - (((yy / 100) | 0) - 19) + (((yy / 400) | 0) - 4) + CUMULATIVE_DAYS[mo - 1]! + leap + d - 1;
      return days * 86400000 + h * 3600000 + mi * 60000 + sec * 1000 + ms;
    }
  }
  return Date.parse((buf as SliceBuffer).latin1Slice(s, e));
}
