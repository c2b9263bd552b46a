// Prints a report in the chosen format: table (default), --json, --csv, --md.
import pc from 'picocolors';
import type { Block } from './table.js';
import { renderCsv, renderMarkdown, renderTable, visibleWidth } from './table.js';
import type { Paint } from './views.js';

export type Format = 'table' | 'json' | 'csv' | 'md';

export interface OutputOptions {
  json?: boolean;
  csv?: boolean;
  md?: boolean;
  color?: boolean;
}

export function formatOf(o: OutputOptions): Format {
  if (o.json) return 'json';
  if (o.csv) return 'csv';
  if (o.md) return 'md';
  return 'table';
}

export function paintFor(o: OutputOptions, stream: NodeJS.WriteStream = process.stdout): Paint {
  const env = process.env;
  const enabled = o.color !== false && !('NO_COLOR' in env && env.NO_COLOR !== '') && (!!env.FORCE_COLOR || !!stream.isTTY) && formatOf(o) === 'table';
  return pc.createColors(enabled);
}

/** Terminal width for tables: the TTY's, else COLUMNS, else unlimited (pipes keep every column). */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const c = Number(process.env.COLUMNS);
  return Number.isFinite(c) && c > 20 ? c : Infinity;
}

/** Word-wraps free text to the terminal width (tables fit themselves). */
export function wrap(text: string, width: number): string {
  if (!Number.isFinite(width)) return text;
  return text
    .split('\n')
    .map((line) => {
      if (visibleWidth(line) <= width) return line;
      const out: string[] = [];
      let cur = '';
      for (const word of line.split(' ')) {
        const next = cur === '' ? word : `${cur} ${word}`;
        if (visibleWidth(next) > width && cur !== '') {
          out.push(cur);
          cur = word;
        } else cur = next;
      }
      if (cur !== '') out.push(cur);
      return out.join('\n');
    })
    .join('\n');
}

export function renderBlocks(blocks: Block[], format: Exclude<Format, 'json'>, paint: Paint, width: number): string {
  const out: string[] = [];
  for (const b of blocks) {
    if ('text' in b) {
      if (format === 'csv') continue;
      out.push(format === 'table' ? wrap(b.text, width) : b.text);
      continue;
    }
    if (format === 'csv') {
      out.push(`# ${b.title}\n${renderCsv(b)}`);
    } else if (format === 'md') {
      out.push(`## ${b.title}\n\n${renderMarkdown(b)}${b.notes?.length ? `\n\n${b.notes.join('  \n')}` : ''}`);
    } else {
      const notes = b.notes?.length ? `\n${wrap(b.notes.join('\n'), width)}` : '';
      out.push(`${paint.bold(paint.cyan(b.title))}\n${renderTable(b, width, paint)}${notes}`);
    }
  }
  return out.join('\n\n') + '\n';
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
