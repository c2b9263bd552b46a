// Short forms the live views share (status line, watch): tokens, dollars,
// countdowns, cause names, ANSI colours that switch off for NO_COLOR.

export function fmtTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function fmtUSD(x: number): string {
  return x < 10 ? `$${x.toFixed(2)}` : `$${x.toFixed(1)}`;
}

export function fmtClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A duration for humans: 42s, 7m, 3h 05m, 12d 4h. */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export const SHORT_CAUSE: Record<string, string> = { 'ttl-expired': 'ttl', 'model-switch': 'model', compaction: 'compaction', unexplained: 'other' };

export interface Palette {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

export function palette(on: boolean): Palette {
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { green: wrap(32), yellow: wrap(33), red: wrap(31), cyan: wrap(36) };
}
