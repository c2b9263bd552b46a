// Overview: totals and cost scenarios as cards, per-period charts, and the
// per-model and per-project tables.
import { chart } from './charts.js';
import { overviewCards, type Card } from '../../src/web/cards.js';
import { h } from './dom.js';
import { int, pct, tokens, usd } from '../../src/web/format.js';
import type { OverviewReport, Totals } from './types.js';
import type { ViewContext } from './view.js';

function card(c: Card): HTMLElement {
  return h('div', { class: 'card', 'data-testid': c.testId, 'data-value': c.value === null ? '' : String(c.value) }, h('span', { class: 'card-label' }, c.label), h('strong', { class: 'card-value' }, c.text), c.note ? h('span', { class: 'card-note' }, c.note) : null);
}

function breakdown(title: string, rows: (Totals & { name: string; link?: string })[], ctx: ViewContext, testId: string): HTMLElement {
  const cols = ['', 'requests', 'hit rate', 'cost', 'rebuilds', 'wasted', 'cache read', 'writes', 'fresh in'];
  return h(
    'section',
    { class: 'panel', 'aria-label': title },
    h('h2', {}, title),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'data-testid': testId },
        h('thead', {}, h('tr', {}, ...cols.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, c || title.split(' ')[1] || '')))),
        h(
          'tbody',
          {},
          ...rows.map((r) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row', class: 'name' }, r.link ? ctx.link(r.name, r.link) : r.name),
              h('td', { class: 'num' }, int(r.requests)),
              h('td', { class: 'num' }, pct(r.hitRate)),
              h('td', { class: 'num' }, r.unpricedRequests === r.requests && r.requests > 0 ? '–' : usd(r.costUSD)),
              h('td', { class: 'num' }, int(r.rebuilds)),
              h('td', { class: 'num' }, usd(r.wastedUSD)),
              h('td', { class: 'num' }, tokens(r.cacheReadTokens)),
              h('td', { class: 'num' }, tokens(r.cacheWrite5mTokens + r.cacheWrite1hTokens)),
              h('td', { class: 'num' }, tokens(r.inputTokens)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function overviewView(r: OverviewReport, ctx: ViewContext): HTMLElement {
  const cards = h('section', { class: 'cards', 'aria-label': 'Totals' }, ...overviewCards(r).map(card));
  const labels = r.periods.map((p) => p.period);
  const width = ctx.chartWidth();
  const bands: [number, number, string][] =
    r.by === 'week'
      ? r.timeline.phases.flatMap((ph) => {
          const a = labels.indexOf(ph.from);
          const b = labels.indexOf(ph.to);
          return a >= 0 && b >= 0 && r.timeline.phases.length > 1 ? [[a, b, ph.label] as [number, number, string]] : [];
        })
      : [];
  const charts = [
    chart(
      {
        title: `Input tokens per ${r.by}: cache read vs fresh vs writes (log scale)`,
        testId: 'chart-tokens',
        labels,
        series: [
          { label: 'cache read', values: r.periods.map((p) => p.cacheReadTokens), color: '--c-read' },
          { label: 'fresh input', values: r.periods.map((p) => p.inputTokens), color: '--c-fresh' },
          { label: 'cache writes', values: r.periods.map((p) => p.cacheWrite5mTokens + p.cacheWrite1hTokens), color: '--c-w5' },
        ],
        yFormat: tokens,
        bands,
        log: true,
      },
      width,
    ),
    chart(
      { title: `Hit rate per ${r.by}`, testId: 'chart-hitrate', labels, series: [{ label: 'hit rate', values: r.periods.map((p) => p.hitRate), color: '--c-read' }], yFormat: pct, bands },
      width,
    ),
    chart(
      {
        title: `Cost and wasted dollars per ${r.by}`,
        testId: 'chart-cost',
        labels,
        series: [
          { label: 'cost', values: r.periods.map((p) => p.costUSD), color: '--c-cost', bars: true },
          { label: 'wasted', values: r.periods.map((p) => p.wastedUSD), color: '--c-waste', bars: true },
        ],
        yFormat: usd,
        bands,
      },
      width,
    ),
  ];
  for (const ch of charts) if (ch.plot) ctx.keep(ch.plot);
  return h(
    'div',
    { class: 'overview', 'data-testid': 'view-overview' },
    cards,
    h('section', { class: 'charts', 'aria-label': 'Charts' }, ...charts.map((ch) => ch.el)),
    breakdown('By model', r.models.map((m) => ({ ...m, name: m.displayName === m.model ? m.model : `${m.displayName} (${m.model})`, link: ctx.href({ model: m.model }) })), ctx, 'table-models'),
    breakdown('By project', r.projects.map((p) => ({ ...p, name: p.project, link: ctx.href({ project: p.project }) })), ctx, 'table-projects'),
  );
}
