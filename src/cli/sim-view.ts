// simulate / lint / diff results → printable blocks. Figures come from the
// simulator; this file only lays them out.
import type { Pricing } from '../pricing/index.js';
import type { DiffReport, LintReport, SimResult, SimTotals } from '../sim/index.js';
import { int, pct, tokens, usd } from './format.js';
import type { Block, Cell, Column } from './table.js';
import type { Paint } from './views.js';

/** What `simulate --json` prints. */
export interface SimulateReport {
  file: string;
  /** chars per token used for blocks given without a count (only if some were) */
  estimate: { charsPerToken: number; requests: number } | null;
  totals: SimTotals;
  requests: (Omit<SimResult, 'start'> & { start: string })[];
}

export function simulateJson(file: string, results: SimResult[], totals: SimTotals, charsPerToken: number | undefined): SimulateReport {
  return {
    file,
    estimate: totals.estimated > 0 ? { charsPerToken: charsPerToken ?? 3.5, requests: totals.estimated } : null,
    totals,
    requests: results.map((r) => ({ ...r, start: new Date(r.start).toISOString() })),
  };
}

/** one line of reasons: what was read, what was written, what went wrong */
export function why(r: SimResult): string {
  if (r.error !== null) return `rejected (400): ${r.error}`;
  const e = r.explain;
  const parts: string[] = [];
  if (e.hit) parts.push(`read to #${e.hit.position} ${e.hit.path}${e.hit.via !== e.hit.position ? ` (lookback from #${e.hit.via})` : ''}`);
  else if (e.breakpoints.some((b) => !b.belowMinimum)) parts.push('no hit');
  if (e.writes.length) parts.push(`wrote ${e.writes.map((w) => `#${w.position} ${w.ttl}`).join(', ')}`);
  if (e.breakpoints.length === 0) parts.push('no breakpoints');
  const below = e.breakpoints.filter((b) => b.belowMinimum);
  if (below.length) parts.push(`${below.length} breakpoint${below.length > 1 ? 's' : ''} below the ${int(e.minimumTokens)}-token minimum`);
  if (e.concurrentWrites.length) parts.push('written concurrently by another request');
  if (e.outOfReach) parts.push(`#${e.outOfReach.position} was cached but is out of the 20-position reach`);
  return parts.join('; ');
}

const tok = (header: string, drop = 2): Column => ({ header, fmt: tokens, drop });

export function simulateBlocks(r: SimulateReport, pricing: Pricing, p: Paint): Block[] {
  const t = r.totals;
  const rows: Cell[][] = r.requests.map((x) => {
    const u = x.usage;
    return [x.id, x.start.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), pricing.displayName(x.model), u?.input_tokens ?? null, u?.cache_creation.ephemeral_5m_input_tokens ?? null,
      u?.cache_creation.ephemeral_1h_input_tokens ?? null, u?.cache_read_input_tokens ?? null, x.costUSD, why({ ...x, start: 0 })];
  });
  const saving = t.noCacheCostUSD > 0 ? 1 - t.costUSD / t.noCacheCostUSD : 0;
  const notes = [
    `without caching the same requests cost ${p.bold(usd(t.noCacheCostUSD))}; with it ${p.bold(usd(t.costUSD))} (${saving >= 0 ? 'saves' : 'costs'} ${pct(Math.abs(saving))}) · hit rate ${pct(t.hitRate)}`,
  ];
  if (r.estimate) notes.push(p.yellow(`ESTIMATE: ${int(r.estimate.requests)} of ${int(t.requests)} requests have blocks without a token count, estimated at ${r.estimate.charsPerToken} characters per token (docs/simulate.md)`));
  if (t.rejected) notes.push(p.red(`${int(t.rejected)} requests would be rejected by the API (400): nothing cached or charged`));
  if (t.unpriced) notes.push(p.yellow(`${int(t.unpriced)} requests have a model without a price: left out of both costs`));
  return [
    { text: `${p.bold('cachelens — prompt-cache simulation')}\n${p.dim(`${r.file} · ${int(t.requests)} requests`)}` },
    {
      title: 'Requests',
      columns: [
        { header: 'request', align: 'left', drop: 0 },
        { header: 'start (UTC)', align: 'left', drop: 3 },
        { header: 'model', align: 'left', drop: 4 },
        tok('input'),
        tok('write 5m'),
        tok('write 1h'),
        tok('read'),
        { header: 'cost', fmt: usd, drop: 0 },
        { header: 'why', align: 'left', drop: 1 },
      ],
      rows,
      footer: ['total', null, null, t.inputTokens, t.cacheWrite5mTokens, t.cacheWrite1hTokens, t.cacheReadTokens, t.costUSD, null],
      notes,
    },
  ];
}

export function lintBlocks(r: LintReport, p: Paint): Block[] {
  const sev = (s: string, v: Cell): string => (v === 'error' ? p.red(s) : p.yellow(s));
  const head = `${p.bold('cachelens — cache lint')}\n${p.dim(`${r.files.join(', ')} · ${int(r.requests)} requests`)}`;
  if (r.findings.length === 0) return [{ text: `${head}\n${p.green('no cache killers found')}` }];
  return [
    { text: head },
    {
      title: `${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}`,
      columns: [
        { header: 'severity', align: 'left', drop: 0, paint: sev },
        { header: 'rule', align: 'left', drop: 3 },
        { header: 'where', align: 'left', drop: 0 },
        { header: 'problem', align: 'left', drop: 0 },
        { header: 'fix', align: 'left', drop: 1 },
      ],
      rows: r.findings.map((f) => [f.severity, f.rule, `${f.file}:${f.line}${f.path ? ` ${f.path}` : ''}${f.count > 1 ? ` (+${f.count - 1} more)` : ''}`, f.message, f.fix]),
    },
  ];
}

export function diffBlocks(r: DiffReport, p: Paint): Block[] {
  const d = r.divergence;
  const lines = [
    p.bold('cachelens — prefix diff'),
    p.dim(`A ${r.a.file}:${r.a.line} · ${r.a.model} · ${int(r.a.blocks)} blocks, ${int(r.a.tokens)} tokens`),
    p.dim(`B ${r.b.file}:${r.b.line} · ${r.b.model} · ${int(r.b.blocks)} blocks, ${int(r.b.tokens)} tokens`),
    '',
  ];
  if (d === null) lines.push(p.green('B starts with all of A: no divergence'));
  else {
    lines.push(`first divergence at position ${d.position} (${d.level}${d.pathB ? `, ${d.pathB}` : d.pathA ? `, ${d.pathA}` : ''}): ${p.bold(d.reason)}; ${int(d.commonTokens)} tokens shared before it`);
    if (d.excerptA || d.excerptB) lines.push(`  A: ${d.excerptA}`, `  B: ${d.excerptB}`);
  }
  const u = (x: DiffReport['actual']): Cell[] => [x.usage?.input_tokens ?? null, x.usage?.cache_creation_input_tokens ?? null, x.usage?.cache_read_input_tokens ?? null, x.costUSD];
  return [
    { text: lines.join('\n') },
    {
      title: 'B sent right after A',
      columns: [{ header: 'case', align: 'left', drop: 0 }, tok('input'), tok('cache write'), tok('cache read'), { header: 'cost', fmt: usd, drop: 0 }],
      rows: [['as sent', ...u(r.actual)], ['if A had matched B', ...u(r.ifMatched)]],
      notes: [`cost of the divergence: ${p.bold(r.divergenceCostUSD === null ? 'unpriced' : usd(r.divergenceCostUSD))}`],
    },
  ];
}
