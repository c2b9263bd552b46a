// Sessions: a sortable, filterable table; each row links to its session view.
// Sort column, direction and the text filter live in the URL.
import { h } from './dom.js';
import { int, pct, stamp, usd } from '../../src/web/format.js';
import type { SessionRow, SessionsReport } from './types.js';
import type { ViewContext } from './view.js';

interface Col {
  key: string;
  label: string;
  num: boolean;
  get: (r: SessionRow) => number | string;
  show: (r: SessionRow) => string;
}

const COLS: Col[] = [
  { key: 'project', label: 'Project', num: false, get: (r) => r.project, show: (r) => r.project },
  { key: 'first', label: 'First', num: false, get: (r) => r.firstTimestamp, show: (r) => stamp(r.firstTimestamp) },
  { key: 'last', label: 'Last', num: false, get: (r) => r.lastTimestamp, show: (r) => stamp(r.lastTimestamp) },
  { key: 'requests', label: 'Requests', num: true, get: (r) => r.requests, show: (r) => int(r.requests) },
  { key: 'subagents', label: 'Sub-agents', num: true, get: (r) => r.subagents, show: (r) => int(r.subagents) },
  { key: 'hitRate', label: 'Hit rate', num: true, get: (r) => r.hitRate, show: (r) => pct(r.hitRate) },
  { key: 'cost', label: 'Cost', num: true, get: (r) => r.costUSD, show: (r) => usd(r.costUSD) },
  { key: 'rebuilds', label: 'Rebuilds', num: true, get: (r) => r.rebuilds, show: (r) => int(r.rebuilds) },
  { key: 'waste', label: 'Wasted', num: true, get: (r) => r.wastedUSD, show: (r) => usd(r.wastedUSD) },
];

const SHOWN = 500;

export function sessionsView(r: SessionsReport, ctx: ViewContext): HTMLElement {
  const sortKey = ctx.param('sort') ?? 'last';
  const dir = ctx.param('dir') === 'asc' ? 1 : -1;
  const q = (ctx.param('q') ?? '').toLowerCase();
  const col = COLS.find((c) => c.key === sortKey) ?? COLS[2]!;
  const rows = r.sessions
    .filter((s) => !q || s.project.toLowerCase().includes(q) || s.sessionId.toLowerCase().includes(q) || s.models.some((m) => m.toLowerCase().includes(q)))
    .sort((a, b) => {
      const x = col.get(a);
      const y = col.get(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
  const all = ctx.param('all') === '1';
  const shown = all ? rows : rows.slice(0, SHOWN);
  const search = h('input', { type: 'search', name: 'q', value: ctx.param('q') ?? '', placeholder: 'project, session id or model', 'aria-label': 'Filter sessions', 'data-testid': 'sessions-filter' });
  search.addEventListener('change', () => ctx.setParams({ q: search.value || null }));
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'Session'),
    ...COLS.map((c) => {
      const active = c === col;
      const btn = h('button', { type: 'button', class: 'sort', 'aria-label': `Sort by ${c.label}` }, c.label, active ? (dir > 0 ? ' ▲' : ' ▼') : '');
      btn.addEventListener('click', () => ctx.setParams({ sort: c.key, dir: active && dir < 0 ? 'asc' : 'desc' }));
      return h('th', { scope: 'col', class: c.num ? 'num' : '', 'aria-sort': active ? (dir > 0 ? 'ascending' : 'descending') : 'none' }, btn);
    }),
  );
  const body = h(
    'tbody',
    {},
    ...shown.map((s) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, ctx.link(s.sessionId.slice(0, 8), ctx.href({ view: 'session', id: s.sessionId, sort: null, dir: null, q: null, all: null }), { title: s.sessionId, class: 'mono' })),
        ...COLS.map((c) => h('td', { class: c.num ? 'num' : c.key === 'project' ? 'name' : '' }, c.show(s))),
      ),
    ),
  );
  return h(
    'div',
    { 'data-testid': 'view-sessions' },
    h('h2', {}, 'Sessions'),
    h('div', { class: 'toolbar' }, h('label', {}, 'Filter ', search), h('span', { class: 'muted', 'data-testid': 'sessions-count' }, `${int(rows.length)} of ${int(r.sessions.length)} sessions`)),
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'table-sessions' }, h('thead', {}, head), body)),
    rows.length > shown.length ? h('p', {}, ctx.link(`Show all ${int(rows.length)}`, ctx.href({ all: '1' }))) : null,
  );
}
