// Display formats of the dashboard. Figures come from the report objects as
// they are; only their text is made here. Shared by the page (web/src/) and
// the server, which renders the overview's cards into the HTML it serves
// (page.ts): no Node or DOM imports.
const intFmt = new Intl.NumberFormat('en-US');

export function int(n: number): string {
  return intFmt.format(n);
}

export function usd(n: number | null): string {
  if (n === null) return '–';
  const abs = Math.abs(n);
  const digits = abs > 0 && abs < 1 ? 4 : 2;
  return `${n < 0 ? '−' : ''}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

export function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

export function tokens(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function duration(ms: number | null): string {
  if (ms === null) return '–';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** '2026-03-25T02:17:51.027Z' → '2026-03-25 02:17' (UTC as recorded) */
export function stamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
