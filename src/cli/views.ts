// Report objects → printable blocks. No figures are computed here.
import type { ReportMeta } from '../report/meta.js';
import type { OverviewReport } from '../report/overview.js';
import type { SessionReport, SessionsReport } from '../report/sessions.js';
import { duration, int, localTime, pct, ratio, tokens, usd } from './format.js';
import { causeLabel } from './labels.js';
import type { Block, Cell, Column, Section } from './table.js';

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const tok = (header: string, drop = 1): Column => ({ header, fmt: tokens, drop });

function hitColumn(p: Paint, drop = 5): Column {
  return {
    header: 'hit',
    fmt: pct,
    drop,
    paint: (s, v) => (typeof v !== 'number' ? s : v >= 0.9 ? p.green(s) : v >= 0.7 ? s : p.yellow(s)),
  };
}

const costColumn = (header = 'cost', drop = 0): Column => ({ header, fmt: usd, drop });

export function demoBanner(meta: ReportMeta, p: Paint): Block[] {
  if (!meta.demo) return [];
  return [{ text: p.yellow(p.bold('DEMO DATA — no Claude Code transcripts were found; these numbers are generated examples.')) }];
}

function scanNotes(meta: ReportMeta, p: Paint): string[] {
  const s = meta.scan;
  const bits: string[] = [];
  if (s.badLines) bits.push(`${int(s.badLines)} unreadable lines skipped`);
  if (s.truncatedLastLines) bits.push(`${int(s.truncatedLastLines)} truncated last lines`);
  if (s.concatenatedLines) bits.push(`${int(s.concatenatedLines)} lines holding several objects (all read)`);
  if (s.noTimestamp) bits.push(`${int(s.noTimestamp)} usage lines without a timestamp skipped`);
  if (s.unreadableFiles.length) bits.push(`${s.unreadableFiles.length} files could not be read (${s.unreadableFiles[0]!.path}${s.unreadableFiles.length > 1 ? ', …' : ''})`);
  if (s.emptyFiles) bits.push(`${int(s.emptyFiles)} empty files`);
  return bits.length ? [p.dim(`Scan: ${bits.join(' · ')}`)] : [];
}

function header(meta: ReportMeta, title: string, p: Paint): Block {
  const f = meta.filters;
  const range = f.since || f.until ? ` · ${f.since ?? '…'} → ${f.until ?? '…'}` : '';
  const proj = (f.project ? ` · project ~ "${f.project}"` : '') + (f.model ? ` · model ~ "${f.model}"` : '');
  const mb = (meta.scan.bytes / 2 ** 20).toFixed(1);
  return {
    text: `${p.bold(title)}\n${p.dim(`${int(meta.scan.files)} transcript files (${mb} MiB) in ${meta.sources.join(', ') || '–'} · tz ${f.tz}${range}${proj}`)}`,
  };
}

export function overviewBlocks(r: OverviewReport, p: Paint, opts: { top: number }): Block[] {
  const t = r.totals;
  const blocks: Block[] = [...demoBanner(r, p), header(r, 'cachelens — prompt-cache report', p)];
  blocks.push({
    title: 'Totals',
    columns: [{ header: 'tokens', align: 'left', drop: 0 }, { header: 'count', fmt: int, drop: 0 }, { header: 'share of input', fmt: pct, drop: 1 }],
    rows: [
      ['input (fresh)', t.inputTokens, t.inputTokens / Math.max(1, t.totalTokens - t.outputTokens)],
      ['output', t.outputTokens, null],
      ['non-cached total (input + output)', t.nonCachedTokens, null],
      ['cache write 5m', t.cacheWrite5mTokens, t.cacheWrite5mTokens / Math.max(1, t.totalTokens - t.outputTokens)],
      ['cache write 1h', t.cacheWrite1hTokens, t.cacheWrite1hTokens / Math.max(1, t.totalTokens - t.outputTokens)],
      ['cache read', t.cacheReadTokens, t.cacheReadTokens / Math.max(1, t.totalTokens - t.outputTokens)],
      ['grand total', t.totalTokens, null],
    ],
    notes: [
      `hit rate ${p.bold(pct(t.hitRate))} (cache read / total input) · cache read per fresh input token ${ratio(r.ratios.cacheReadPerInputToken)} · per output token ${ratio(r.ratios.cacheReadPerOutputToken)}`,
      `${int(t.requests)} requests · ${int(t.sessions)} sessions · ${int(t.apiErrors)} API errors · ${int(t.rebuilds)} cache rebuilds wasted ${usd(t.wastedUSD)} (see: cachelens breaks)`,
    ],
  });
  const c = r.costs;
  const costRows: Cell[][] = [
    ['API list price, with caching', c.withCacheUSD],
    ['same usage without caching', c.noCacheUSD],
    [`saved by caching (${pct(c.savingsRate)})`, c.savingsUSD],
  ];
  if (c.plan) costRows.push([`${c.plan.plan} plan, pro-rated ${c.plan.days} days (${c.plan.firstDay} → ${c.plan.lastDay})`, c.plan.proratedUSD]);
  const costNotes: string[] = [];
  if (r.unpriced.length) {
    costNotes.push(
      p.yellow(`Not priced (unknown model, tokens counted, cost excluded): ${r.unpriced.map((u) => `${u.model} ${int(u.requests)} req, ${tokens(u.inputTokens + u.cacheReadTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens)} in / ${tokens(u.outputTokens)} out`).join('; ')}`),
    );
  }
  blocks.push({ title: 'Cost', columns: [{ header: 'scenario', align: 'left', drop: 0 }, costColumn('USD')], rows: costRows, notes: costNotes });
  blocks.push({
    title: `By ${r.by}`,
    columns: [
      { header: r.by, align: 'left', drop: 0 },
      { header: 'sessions', fmt: int, drop: 2 },
      { header: 'requests', fmt: int, drop: 3 },
      tok('output', 4),
      tok('cache read', 6),
      hitColumn(p, 7),
      { header: 'rebuilds', fmt: int, drop: 3 },
      { header: 'wasted', fmt: usd, drop: 4 },
      costColumn(),
    ],
    rows: r.periods.map((x) => [x.period, x.sessions, x.requests, x.outputTokens, x.cacheReadTokens, x.hitRate, x.rebuilds, x.wastedUSD, x.costUSD]),
    footer: ['total', t.sessions, t.requests, t.outputTokens, t.cacheReadTokens, t.hitRate, t.rebuilds, t.wastedUSD, t.costUSD],
  });
  const modelCols: Column[] = [
    { header: 'model', align: 'left', drop: 0 },
    { header: 'requests', fmt: int, drop: 3 },
    tok('input', 2),
    tok('output', 4),
    tok('cache read', 5),
    hitColumn(p, 6),
    costColumn(),
  ];
  blocks.push({
    title: 'By model',
    columns: modelCols,
    rows: r.models.map((m) => [m.displayName === m.model ? m.model : `${m.displayName} (${m.model})`, m.requests, m.inputTokens, m.outputTokens, m.cacheReadTokens, m.hitRate, m.unpricedRequests === m.requests && m.requests > 0 ? null : m.costUSD]),
  });
  const shown = r.projects.slice(0, opts.top);
  blocks.push({
    title: r.projects.length > shown.length ? `Top ${shown.length} of ${r.projects.length} projects` : 'By project',
    columns: [
      { header: 'project', align: 'left', drop: 0 },
      { header: 'sessions', fmt: int, drop: 2 },
      { header: 'requests', fmt: int, drop: 3 },
      tok('output', 4),
      tok('cache read', 5),
      hitColumn(p, 6),
      { header: 'wasted', fmt: usd, drop: 4 },
      costColumn(),
    ],
    rows: shown.map((x) => [x.project, x.sessions, x.requests, x.outputTokens, x.cacheReadTokens, x.hitRate, x.wastedUSD, x.costUSD]),
  });
  if (r.team) {
    blocks.push({
      title: `By ${r.team.by} (team database)`,
      columns: [{ header: r.team.by, align: 'left', drop: 0 }, { header: 'sessions', fmt: int, drop: 2 }, { header: 'requests', fmt: int, drop: 3 }, tok('output', 4), tok('cache read', 5), hitColumn(p, 6), costColumn()],
      rows: r.team.rows.map((x) => [x.key, x.sessions, x.requests, x.outputTokens, x.cacheReadTokens, x.hitRate, x.costUSD]),
    });
  }
  blocks.push(timelineSection(r, p));
  blocks.push({ text: scanNotes(r, p).join('\n') });
  return blocks.filter((b) => !('text' in b) || b.text !== '');
}

function timelineSection(r: OverviewReport, p: Paint): Section {
  const tl = r.timeline;
  const cols: Column[] = [
    { header: 'week', align: 'left', drop: 0 },
    { header: 'requests', fmt: int, drop: 3 },
    hitColumn(p, 0),
    { header: 'wasted', fmt: usd, drop: 0 },
    { header: 'waste/cost', fmt: pct, drop: 2 },
    { header: 'phase', align: 'left', drop: 1 },
  ];
  if (tl.git) cols.push({ header: 'commits', fmt: int, drop: 1 });
  const notes = tl.phases.map((ph, k) => `phase ${k + 1} ${ph.from} → ${ph.to} (${ph.weeks} wk): ${ph.label} · hit ${pct(ph.hitRate)} · wasted ${usd(ph.wastedUSD)} of ${usd(ph.costUSD)}`);
  if (tl.git?.missing.length) notes.push(p.dim(`no git history for: ${tl.git.missing.join(', ')} (directory gone or not a repository)`));
  return {
    title: 'Timeline: hit rate and cache waste by week',
    columns: cols,
    rows: tl.weeks.map((w) => {
      const row: Cell[] = [w.week, w.requests, w.hitRate, w.wastedUSD, w.wasteShare, `${w.phase + 1}`];
      if (tl.git) row.push(w.commits);
      return row;
    }),
    notes,
  };
}

export function sessionsBlocks(r: SessionsReport, p: Paint): Block[] {
  const tz = r.filters.tz;
  return [
    ...demoBanner(r, p),
    header(r, 'cachelens — sessions (newest first)', p),
    {
      title: `${r.sessions.length} sessions`,
      columns: [
        { header: 'session', align: 'left', drop: 0 },
        { header: 'project', align: 'left', drop: 3 },
        { header: 'first', align: 'left', drop: 2 },
        { header: 'last', align: 'left', drop: 4 },
        { header: 'main', fmt: int, drop: 5 },
        { header: 'sub-agent', fmt: int, drop: 4 },
        hitColumn(p, 6),
        { header: 'rebuilds', fmt: int, drop: 3 },
        { header: 'wasted', fmt: usd, drop: 5 },
        costColumn(),
      ],
      rows: r.sessions.map((s) => [
        s.sessionId.slice(0, 8),
        s.project,
        localTime(s.firstTimestamp, tz),
        localTime(s.lastTimestamp, tz),
        s.mainRequests,
        s.subagentRequests,
        s.hitRate,
        s.rebuilds,
        s.wastedUSD,
        s.costUSD,
      ]),
    } satisfies Section,
    { text: scanNotes(r, p).join('\n') },
  ].filter((b) => !('text' in b) || b.text !== '');
}

export function sessionBlocks(r: SessionReport, p: Paint): Block[] {
  const s = r.summary;
  const tz = r.filters.tz;
  return [
    ...demoBanner(r, p),
    {
      text: `${p.bold(`Session ${r.sessionId}`)}\n${p.dim(`${r.project} · ${localTime(s.firstTimestamp, tz)} → ${localTime(s.lastTimestamp, tz)} (${tz}) · ${s.models.join(', ')}`)}`,
    },
    {
      title: 'Summary',
      columns: [{ header: '', align: 'left', drop: 0 }, { header: 'tokens', fmt: int, drop: 0 }],
      rows: [
        ['input (fresh)', s.inputTokens],
        ['cache write 5m', s.cacheWrite5mTokens],
        ['cache write 1h', s.cacheWrite1hTokens],
        ['cache read', s.cacheReadTokens],
        ['output', s.outputTokens],
      ],
      notes: [
        `hit rate ${p.bold(pct(s.hitRate))} · ${int(s.mainRequests)} main + ${int(s.subagentRequests)} sub-agent requests (${s.subagents} sub-agents) · ${int(s.apiErrors)} API errors · cost ${p.bold(usd(s.costUSD))} (without caching ${usd(s.noCacheCostUSD)})`,
        `${int(s.rebuilds)} cache rebuilds wasted ${p.bold(usd(s.wastedUSD))}`,
      ],
    },
    {
      title: 'Requests (gap = time since the previous request of the same thread)',
      columns: [
        { header: '#', fmt: int, drop: 0 },
        { header: 'time', align: 'left', drop: 3 },
        { header: 'gap', drop: 6 },
        { header: 'model', align: 'left', drop: 2 },
        { header: 'thread', align: 'left', drop: 4 },
        tok('fresh', 5),
        tok('write 5m', 7),
        tok('write 1h', 7),
        tok('read', 8),
        tok('output', 5),
        hitColumn(p, 8),
        costColumn(),
        { header: 'cache', align: 'left', drop: 1, paint: (txt, v) => (typeof v === 'string' && v !== '' && !v.startsWith('start') && !v.startsWith('/clear') ? p.red(txt) : txt) },
      ],
      rows: r.requests.map((q) => [
        q.index,
        localTime(q.timestamp, tz, true),
        q.gapMs === null ? '' : duration(q.gapMs),
        q.displayModel,
        q.agentId === null ? 'main' : `sub ${q.agentId.slice(0, 8)}`,
        q.inputTokens,
        q.cacheWrite5mTokens,
        q.cacheWrite1hTokens,
        q.cacheReadTokens,
        q.outputTokens,
        q.hitRate,
        q.costUSD,
        q.rebuild === null
          ? ''
          : !q.rebuild.waste
            ? q.rebuild.cause === 'clear' ? '/clear start' : 'start'
            : `${causeLabel(q.rebuild.cause)} ${usd(q.rebuild.wastedUSD)}`,
      ]),
    } satisfies Section,
  ];
}
