// `cachelens whatif` report → printable blocks. No figures are computed here.
import type { WhatifPolicyRow, WhatifReport } from '../report/whatif.js';
import { int, tokens, usd } from './format.js';
import type { Block, Cell, Column, Section } from './table.js';
import { demoBanner, type Paint } from './views.js';

function signedUsd(v: Cell): string {
  if (typeof v !== 'number') return usd(v);
  return v > 0 ? `+${usd(v)}` : usd(v);
}

function signedPct(v: Cell): string {
  if (typeof v !== 'number') return v === null ? '–' : v;
  return `${v > 0 ? '+' : ''}${v.toFixed(1)}%`;
}

/** a value already in percent (0.05 = 0.05 %) */
function percent(v: number): string {
  return `${v === 0 ? '0' : v < 0.01 ? v.toFixed(4) : v.toFixed(2)}%`;
}

function deltaColumn(header: string, fmt: (v: Cell) => string, p: Paint, drop: number): Column {
  return { header, fmt, drop, paint: (s, v) => (typeof v !== 'number' || v === 0 ? s : v < 0 ? p.green(s) : p.yellow(s)) };
}

function header(r: WhatifReport, p: Paint): Block {
  const f = r.filters;
  const range = f.since || f.until ? ` · ${f.since ?? '…'} → ${f.until ?? '…'}` : '';
  const proj = f.project ? ` · project ~ "${f.project}"` : '';
  const mb = (r.scan.bytes / 2 ** 20).toFixed(1);
  const period = r.period.firstDay ? ` · ${r.period.firstDay} → ${r.period.lastDay} (${int(r.period.days)} days)` : '';
  const c = r.conversations;
  return {
    text:
      `${p.bold('cachelens — what if: every conversation replayed under other cache policies')}\n` +
      p.dim(`${int(r.scan.files)} transcript files (${mb} MiB) in ${r.sources.join(', ') || '–'} · tz ${f.tz}${range}${proj}${period}`) +
      '\n' +
      p.dim(`${int(r.requests)} requests in ${int(c.main.total)} main threads and ${int(c.subagent.total)} sub-agents · ${r.actual.description}`),
  };
}

function policyCells(x: WhatifPolicyRow): Cell[] {
  return [x.name, x.description, x.misses, x.missCostUSD, x.pings, x.costUSD, x.deltaUSD, x.deltaPct, x.monthlyDeltaUSD];
}

export function whatifBlocks(r: WhatifReport, p: Paint): Block[] {
  const blocks: Block[] = [...demoBanner(r, p), header(r, p)];
  const ka = r.keepAlive;
  const notes: string[] = [
    `misses = TTL expiries that re-write ≥ 2,000 tokens; miss cost = what those re-writes cost over reading. ` +
      `Structural rebuilds (model switch, compaction, changed prefix, …) are the same under every policy: ${int(r.structuralMisses.count)}, ${tokens(r.structuralMisses.tokens)} tokens, ${usd(r.structuralMisses.costUSD)}.`,
  ];
  if (ka.everyMinutes.length) {
    notes.push(
      `keep-alive: a ping (the prefix read + ${ka.pingInputTokens} input + ${ka.pingOutputTokens} output tokens) every N min while idle, for at most ${ka.maxIdleMinutes} min after a request; ` +
        r.policies
          .filter((x) => x.trailingPings > 0)
          .map((x) => `${x.name}: ${int(x.pings)} pings for ${usd(x.pingCostUSD)}, of which ${int(x.trailingPings)} (${usd(x.trailingPingCostUSD)}) after sessions' last requests`)
          .join('; '),
    );
  }
  if (r.unpricedRequests) notes.push(p.yellow(`${int(r.unpricedRequests)} requests of unknown models are replayed for tokens but left out of every cost.`));
  blocks.push({
    title: `Policies replayed (Δ against what happened; per 30 days of the ${int(r.period.days)}-day period)`,
    columns: [
      { header: 'policy', align: 'left', drop: 0 },
      { header: 'TTL rule', align: 'left', drop: 1 },
      { header: 'misses', fmt: int, drop: 3 },
      { header: 'miss cost', fmt: usd, drop: 2 },
      { header: 'pings', fmt: int, drop: 4 },
      { header: 'cost', fmt: usd, drop: 0 },
      deltaColumn('Δ', signedUsd, p, 6),
      deltaColumn('Δ %', signedPct, p, 5),
      deltaColumn('Δ / 30 days', signedUsd, p, 7),
    ],
    rows: [policyCells(r.actual), ...r.policies.map(policyCells)],
    notes,
  } satisfies Section);

  if (r.apiModel) {
    blocks.push({
      title: "Cross-check: each policy by whatif's gap rule and by the API prompt-cache model (--api-model)",
      columns: [
        { header: 'policy', align: 'left', drop: 0 },
        { header: 'gap rule', fmt: usd, drop: 0 },
        { header: 'API model', fmt: usd, drop: 0 },
        { header: 'cost Δ %', fmt: signedPct, drop: 1 },
        { header: 'reads Δ %', fmt: signedPct, drop: 2 },
        { header: 'writes Δ %', fmt: signedPct, drop: 3 },
        { header: 'below minimum', fmt: int, drop: 4 },
      ],
      rows: r.apiModel.map((x) => [x.policy, x.gapRuleCostUSD, x.simulatedCostUSD, x.costDiffPct, x.readDiffPct, x.writeDiffPct, x.belowMinimum]),
      notes: [
        'The API model (src/sim) replays each conversation as the requests Claude Code sends and decides every read by the documented rules (TTL from request start, refresh on hit, 20-block lookback, minimum length); ' +
          'it can read only what an earlier request of the conversation wrote, so a recorded read that came from another conversation shows as a write there (docs/whatif.md).',
      ],
    } satisfies Section);
  }

  const be = r.breakEven;
  if (be.gaps.length) {
    blocks.push({
      title: `Idle gaps: what an expiry costs, and what pinging every ${be.gapsPingEveryMinutes ?? '–'} min costs (5m writes)`,
      columns: [
        { header: 'gap', align: 'left', drop: 0 },
        { header: 'gaps', fmt: int, drop: 0 },
        { header: 'tokens at stake', fmt: tokens, drop: 1 },
        { header: 'expiry cost 5m', fmt: (v) => (v === null ? '–' : usd(v)), drop: 0 },
        { header: '1h keeps', align: 'left', drop: 3 },
        { header: 'pings', fmt: int, drop: 4 },
        { header: 'ping cost', fmt: usd, drop: 6 },
        { header: 'bridged', fmt: int, drop: 2 },
        { header: 'pinging pays', align: 'left', drop: 5 },
      ],
      rows: be.gaps.map((g) => [
        g.label,
        g.gaps,
        g.tokensAtStake,
        g.toMinutes !== null && g.toMinutes <= 5 ? null : g.missCost5mUSD,
        g.oneHourKeeps ? 'yes' : 'no',
        g.pings,
        g.pingCostUSD,
        g.bridged,
        g.pingPays === null ? '–' : g.pingPays ? p.green('yes') : 'no',
      ]),
      notes: [
        'tokens at stake = what a request would have to write again if its cache had expired (warm read − cold read); gaps ≤ 5 min do not expire at 5m, so their pings are pure cost.',
        ...be.rules,
      ],
    } satisfies Section);
  }

  const f = r.fidelity;
  blocks.push({
    text:
      `${p.bold('Fidelity')} — the actual policy replayed against the recorded data: reads ${percent(f.readErrorPct)} off, writes ${percent(f.writeErrorPct)}, cost ${percent(f.costErrorPct)} ` +
      `(${int(f.changedRequests)} requests differ). ` +
      p.dim(
        `Deciding warm or cold by the gap alone (as every counterfactual must), ${int(f.gapRule.changedRequests)} requests differ: reads ${percent(f.gapRule.readErrorPct)}, cost ${percent(f.gapRule.costErrorPct)} off.`,
      ),
  });

  const rec = r.recommendation;
  const lines = [`${p.bold('Recommendation')}: ${rec.alreadyBest ? rec.text : p.green(rec.text)}`];
  if (rec.alreadyBest && rec.setting) lines.push(p.dim(`(setting for it: ${rec.setting})`));
  for (const n of rec.notes) lines.push(p.dim(n));
  blocks.push({ text: lines.join('\n') });
  return blocks;
}
