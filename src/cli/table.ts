// Output formats over one neutral shape: a section is a title, typed columns
// and raw rows. Tables drop their least important columns until they fit the
// terminal; CSV keeps raw values; Markdown keeps the display strings.

export type Cell = string | number | null;

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** higher stays longer when the table is too wide; 0 = never dropped */
  drop?: number;
  /** display form; CSV gets the raw cell */
  fmt?: (v: Cell) => string;
  /** colour for the display string */
  paint?: (s: string, v: Cell) => string;
}

export interface Section {
  title: string;
  columns: Column[];
  rows: Cell[][];
  /** a totals row drawn under a rule */
  footer?: Cell[];
  /** lines printed under the table */
  notes?: string[];
}

/** A block of free text in a rendered report (headers, key-value lists, notes). */
export type Block = { text: string } | Section;

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
}

function display(col: Column, v: Cell): string {
  if (col.fmt) return col.fmt(v);
  if (v === null) return '–';
  return String(v);
}

// Visible width: strip ANSI; count each code point once (tables hold ASCII, digits and a few symbols).
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

function pad(s: string, w: number, align: 'left' | 'right'): string {
  const gap = w - visibleWidth(s);
  if (gap <= 0) return s;
  return align === 'right' ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

function truncate(s: string, w: number): string {
  if (visibleWidth(s) <= w) return s;
  const plain = [...s.replace(ANSI, '')];
  return w <= 1 ? plain.slice(0, w).join('') : plain.slice(0, w - 1).join('') + '…';
}

/** Renders a table no wider than `maxWidth` (Infinity = no limit). */
export function renderTable(sec: Section, maxWidth: number, style: Style): string {
  const all = sec.columns.map((c, i) => ({ c, i }));
  const bodyRows = sec.footer ? [...sec.rows, sec.footer] : sec.rows;
  const text = bodyRows.map((row) => sec.columns.map((c, i) => display(c, row[i] ?? null)));
  const widthOf = (i: number): number => Math.max(visibleWidth(sec.columns[i]!.header), ...text.map((r) => visibleWidth(r[i]!)));
  let cols = all;
  const total = (cs: typeof all): number => cs.reduce((s, { i }) => s + widthOf(i), 0) + (cs.length - 1) * 2;
  // drop the least important droppable column until it fits
  while (total(cols) > maxWidth) {
    const droppable = cols.filter(({ c }) => (c.drop ?? 1) > 0);
    if (droppable.length === 0) break;
    const victim = droppable.reduce((a, b) => ((b.c.drop ?? 1) <= (a.c.drop ?? 1) ? b : a));
    cols = cols.filter((x) => x !== victim);
  }
  const widths = cols.map(({ i }) => widthOf(i));
  // still too wide (only undroppable columns left): shrink the first left-aligned column
  const excess = total(cols) - maxWidth;
  if (excess > 0) {
    const k = cols.findIndex(({ c }) => (c.align ?? 'right') === 'left');
    if (k >= 0) widths[k] = Math.max(4, widths[k]! - excess);
  }
  const line = (cells: string[], raw: Cell[] | null): string =>
    cols
      .map(({ c, i }, k) => {
        let s = truncate(cells[i]!, widths[k]!);
        if (raw && c.paint) s = c.paint(s, raw[i] ?? null);
        return pad(s, widths[k]!, c.align ?? 'right');
      })
      .join('  ')
      .replace(/\s+$/, '');
  const out: string[] = [];
  out.push(style.bold(line(sec.columns.map((c) => c.header), null)));
  sec.rows.forEach((row, r) => out.push(line(text[r]!, row)));
  if (sec.footer) {
    out.push(style.dim('─'.repeat(Math.min(maxWidth, widths.reduce((s, w) => s + w, 0) + (widths.length - 1) * 2))));
    out.push(style.bold(line(text[text.length - 1]!, null)));
  }
  return out.join('\n');
}

function csvCell(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(sec: Section): string {
  const rows = sec.footer ? [...sec.rows, sec.footer] : sec.rows;
  return [sec.columns.map((c) => csvCell(c.header)).join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n');
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(sec: Section): string {
  const head = `| ${sec.columns.map((c) => mdCell(c.header)).join(' | ')} |`;
  const rule = `| ${sec.columns.map((c) => ((c.align ?? 'right') === 'right' ? '---:' : ':---')).join(' | ')} |`;
  const rows = (sec.footer ? [...sec.rows, sec.footer] : sec.rows).map(
    (r) => `| ${sec.columns.map((c, i) => mdCell(display(c, r[i] ?? null))).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}
