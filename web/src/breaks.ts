// Breaks: waste by cause (chart and table), by week, and the costliest rebuilds.
import { chart } from './charts.js';
import { h } from './dom.js';
import { duration, int, pct, stamp, tokens, usd } from '../../src/web/format.js';
import type { BreaksReport } from './types.js';
import type { ViewContext } from './view.js';

export function breaksView(r: BreaksReport, ctx: ViewContext): HTMLElement {
  const sm = r.summary;
  const byCause = chart(
    { title: 'Wasted dollars by cause', testId: 'chart-causes', xLabel: 'cause', labels: r.byCause.map((g) => g.key), series: [{ label: 'wasted', values: r.byCause.map((g) => g.wastedUSD), color: '--c-waste', bars: true }], yFormat: usd },
    ctx.chartWidth(),
  );
  const byWeek = chart(
    { title: 'Wasted dollars by week', testId: 'chart-waste-weeks', xLabel: 'week', labels: r.byWeek.map((g) => g.key), series: [{ label: 'wasted', values: r.byWeek.map((g) => g.wastedUSD), color: '--c-waste', bars: true }], yFormat: usd },
    ctx.chartWidth(),
  );
  for (const c of [byCause, byWeek]) if (c.plot) ctx.keep(c.plot);
  const top = r.rebuilds.slice(0, 200);
  const cause = ctx.param('cause') ?? '';
  const causeSelect = h('select', { 'aria-label': 'Only rebuilds of this cause', 'data-testid': 'breaks-cause' }, h('option', { value: '' }, 'every cause'), ...r.rules.causes.map((c) => h('option', { value: c, selected: c === cause }, c)));
  causeSelect.addEventListener('change', () => ctx.setParams({ cause: causeSelect.value || null }));
  return h(
    'div',
    { 'data-testid': 'view-breaks' },
    h('h2', {}, 'Cache breaks'),
    h(
      'section',
      { class: 'cards', 'aria-label': 'Break totals' },
      h('div', { class: 'card', 'data-testid': 'breaks-rebuilds', 'data-value': String(sm.rebuilds) }, h('span', { class: 'card-label' }, 'Rebuilds'), h('strong', { class: 'card-value' }, int(sm.rebuilds)), h('span', { class: 'card-note' }, `${tokens(sm.tokensRewritten)} tokens re-written`)),
      h('div', { class: 'card', 'data-testid': 'breaks-wasted', 'data-value': String(sm.wastedUSD) }, h('span', { class: 'card-label' }, 'Wasted'), h('strong', { class: 'card-value' }, usd(sm.wastedUSD))),
      h('div', { class: 'card' }, h('span', { class: 'card-label' }, 'Unexplained'), h('strong', { class: 'card-value' }, pct(sm.unexplainedShare)), h('span', { class: 'card-note' }, 'of wasted dollars')),
      h('div', { class: 'card' }, h('span', { class: 'card-label' }, 'Conversation starts'), h('strong', { class: 'card-value' }, int(sm.starts)), h('span', { class: 'card-note' }, `${tokens(sm.startTokens)} tokens, not waste`)),
    ),
    h('section', { class: 'charts', 'aria-label': 'Charts' }, byCause.el, byWeek.el),
    h(
      'section',
      { class: 'panel', 'aria-label': 'Waste by cause' },
      h('h3', {}, 'By cause'),
      h('table', {}, h('thead', {}, h('tr', {}, ...['cause', 'rebuilds', 'tokens', 'wasted', 'share'].map((c, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, c)))), h('tbody', {}, ...r.byCause.map((g) => h('tr', {}, h('th', { scope: 'row' }, g.key), h('td', { class: 'num' }, int(g.rebuilds)), h('td', { class: 'num' }, tokens(g.tokensRewritten)), h('td', { class: 'num' }, usd(g.wastedUSD)), h('td', { class: 'num' }, pct(g.share)))))),
    ),
    h(
      'section',
      { class: 'panel', 'aria-label': 'Costliest rebuilds' },
      h('h3', {}, `Costliest rebuilds (${int(top.length)} of ${int(r.rebuilds.length)})`),
      h('div', { class: 'toolbar' }, h('label', {}, 'Cause ', causeSelect)),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'table-rebuilds' },
          h('thead', {}, h('tr', {}, ...['when', 'cause', 'project', 'session', 'model', 'idle', 'tokens', 'wasted', 'evidence'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            ...top.map((b) =>
              h(
                'tr',
                {},
                h('td', {}, stamp(b.timestamp)),
                h('td', {}, b.cause),
                h('td', { class: 'name' }, b.project),
                h('td', {}, ctx.link(b.sessionId.slice(0, 8), ctx.href({ view: 'session', id: b.sessionId }), { class: 'mono', title: b.sessionId })),
                h('td', {}, b.model),
                h('td', { class: 'num' }, duration(b.gapMs)),
                h('td', { class: 'num' }, tokens(b.tokensRewritten)),
                h('td', { class: 'num' }, usd(b.wastedUSD)),
                h('td', {}, b.evidence.join('; ')),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
