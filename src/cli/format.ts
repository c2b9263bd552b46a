// Human number formats for tables. JSON and CSV carry the exact values.
import type { Cell } from './table.js';

// made on first use: Intl starts ICU (~14 ms), and every command imports this module, most never format a number
let intFormat: Intl.NumberFormat | null = null;
const INT = { format: (v: number): string => (intFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(v) };

export function int(v: Cell): string {
  return typeof v === 'number' ? INT.format(v) : v === null ? '–' : v;
}

/** 1234 → 1,234; 1234567 → 1.23M: tables stay narrow, JSON stays exact. */
export function tokens(v: Cell): string {
  if (typeof v !== 'number') return v === null ? '–' : v;
  const a = Math.abs(v);
  if (a < 100_000) return INT.format(v);
  if (a < 1e6) return `${(v / 1e3).toFixed(1)}K`;
  if (a < 1e9) return `${(v / 1e6).toFixed(a < 1e7 ? 2 : 1)}M`;
  return `${(v / 1e9).toFixed(2)}B`;
}

export function usd(v: Cell): string {
  if (typeof v !== 'number') return v === null ? 'unpriced' : v;
  const a = Math.abs(v);
  const s = a >= 1000 ? INT.format(Math.round(a)) : a >= 0.01 || a === 0 ? a.toFixed(2) : a.toFixed(4);
  return `${v < 0 ? '-' : ''}$${s}`;
}

export function pct(v: Cell): string {
  if (typeof v !== 'number') return v === null ? '–' : v;
  return `${(v * 100).toFixed(1)}%`;
}

/** 95_000 ms → '1m35s'; 3 h → '3h00m' */
export function duration(v: Cell): string {
  if (typeof v !== 'number') return v === null ? '' : v;
  const s = Math.round(v / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

export function ratio(v: number): string {
  return v >= 100 ? INT.format(Math.round(v)) : v.toFixed(1);
}

/** '2026-03-25T02:17:51.027Z' in the report's zone → '2026-03-25 02:17' */
export function localTime(iso: string, tz: string, withSeconds = false): string {
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}), hourCycle: 'h23',
  }).formatToParts(d);
  const g = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${g('year')}-${g('month')}-${g('day')} ${g('hour')}:${g('minute')}${withSeconds ? `:${g('second')}` : ''}`;
}
