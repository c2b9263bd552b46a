// What-if: the replayed cost of each cache policy against what happened, and
// the recommendation.
import { h } from './dom.js';
import { int, usd } from '../../src/web/format.js';
import type { WhatifReport } from './types.js';

export function whatifView(r: WhatifReport): HTMLElement {
  const rows = [r.actual, ...r.policies];
  const max = Math.max(1e-9, ...rows.map((p) => p.costUSD));
  return h(
    'div',
    { 'data-testid': 'view-whatif' },
    h('h2', {}, 'What if: other cache policies'),
    h('p', { class: 'muted' }, `${r.period.firstDay ?? '–'} → ${r.period.lastDay ?? '–'} (${int(r.period.days)} days), ${int(r.requests)} requests replayed.`),
    h('section', { class: 'panel recommend', 'aria-label': 'Recommendation' }, h('h3', {}, 'Recommendation'), h('p', { 'data-testid': 'whatif-recommendation' }, r.recommendation.text), ...r.recommendation.notes.map((n) => h('p', { class: 'muted' }, n))),
    h(
      'section',
      { class: 'panel', 'aria-label': 'Policies' },
      h('h3', {}, 'Policies'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { 'data-testid': 'table-policies' },
          h('thead', {}, h('tr', {}, ...['policy', 'cost', '', 'vs actual', 'per 30 days', 'misses', 'pings', 'setting'].map((c, i) => h('th', { scope: 'col', class: i > 0 && i < 7 && i !== 2 ? 'num' : '' }, c)))),
          h(
            'tbody',
            {},
            ...rows.map((p) => {
              const bar = h('span', { class: `hbar${p.deltaUSD < 0 ? ' good' : ''}` });
              bar.style.width = `${Math.round((p.costUSD / max) * 160)}px`;
              return h(
                'tr',
                { class: p.name === r.recommendation.policy ? 'best' : '' },
                h('th', { scope: 'row', title: p.description }, p.name),
                h('td', { class: 'num' }, usd(p.costUSD)),
                h('td', {}, bar),
                h('td', { class: 'num' }, p.name === 'actual' ? '–' : `${usd(p.deltaUSD)} (${p.deltaPct.toFixed(1)} %)`),
                h('td', { class: 'num' }, p.name === 'actual' ? '–' : usd(p.monthlyDeltaUSD)),
                h('td', { class: 'num' }, int(p.misses)),
                h('td', { class: 'num' }, int(p.pings)),
                h('td', { class: 'mono' }, p.setting ?? '–'),
              );
            }),
          ),
        ),
      ),
    ),
  );
}
