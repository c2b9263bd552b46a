// `cachelens blocks` report → printable blocks. No figures are computed here.
import type { BlocksReport } from '../report/blocks.js';
import { duration, int, localTime, pct, tokens, usd } from './format.js';
import type { Block, Cell, Column } from './table.js';
import { demoBanner, type Paint } from './views.js';

export function blocksBlocks(r: BlocksReport, p: Paint): Block[] {
  const tz = r.filters.tz;
  const out: Block[] = [
    ...demoBanner(r, p),
    {
      text:
        `${p.bold('cachelens — 5-hour usage blocks')}\n` +
        p.dim('A block starts at its first request, floored to the UTC hour, and lasts 5 hours; the next request after it opens a new one. Idle gaps are not listed. Costs are API list prices.'),
    },
  ];
  const cols: Column[] = [
    { header: 'block start', align: 'left', drop: 0 },
    { header: 'requests', fmt: int, drop: 3 },
    { header: 'tokens', fmt: tokens, drop: 2 },
    {
      header: 'hit',
      fmt: pct,
      drop: 4,
      paint: (s, v) => (typeof v !== 'number' ? s : v >= 0.9 ? p.green(s) : v >= 0.7 ? s : p.yellow(s)),
    },
    { header: 'wasted', fmt: usd, drop: 1 },
    { header: 'cost', fmt: usd, drop: 0 },
    { header: '', align: 'left', drop: 0, paint: (s) => p.green(s) },
  ];
  const rows: Cell[][] = r.blocks.map((b) => [
    localTime(b.start, tz),
    b.requests,
    b.totalTokens,
    b.hitRate,
    b.wastedUSD,
    b.unpricedRequests === b.requests && b.requests > 0 ? null : b.costUSD,
    b.active ? 'ACTIVE' : '',
  ]);
  const title = r.activeOnly ? 'Active block' : `${r.blocks.length} blocks, oldest first`;
  if (rows.length === 0) {
    out.push({ text: r.activeOnly ? p.dim('No active block: no request in the last 5 hours.') : p.dim('No requests in range.') });
    return out;
  }
  out.push({ title, columns: cols, rows });
  const a = r.activeBlock;
  if (a && a.remainingMs !== null && a.projection) {
    out.push({
      text: [
        p.bold(`Active block ${localTime(a.start, tz)} → ${localTime(a.end, tz)} (${tz})`),
        `time left ${p.bold(duration(a.remainingMs))} · so far ${tokens(a.totalTokens)} tokens, ${usd(a.costUSD)}`,
        `burn rate ${tokens(Math.round(a.burnRate.tokensPerHour))} tokens/h · ${usd(a.burnRate.usdPerHour)}/h`,
        `projected at block end: ${p.bold(tokens(a.projection.tokens))} tokens · ${p.bold(usd(a.projection.usd))}`,
      ].join('\n'),
    });
  }
  return out;
}
