// Session view: a waterfall of the conversation. One bar per request, stacked
// cache read / 5m write / 1h write / fresh input, on a time axis drawn to
// scale; the main thread and each sub-agent get their own lane; rebuilds are
// marked with their cause and cost; a band shows when each lane's cache was
// warm (until the TTL of its latest write ran out).
import { h, s } from './dom.js';
import { duration, int, pct, stamp, tokens, usd } from '../../src/web/format.js';
import type { RequestRow, SessionReport } from './types.js';
import type { ViewContext } from './view.js';

const LANE_H = 88;
const TOP = 24;
const LEFT = 110;
const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

interface Lane {
  key: string;
  label: string;
  reqs: RequestRow[];
}

function lanes(reqs: RequestRow[]): Lane[] {
  const byKey = new Map<string, Lane>();
  byKey.set('main', { key: 'main', label: 'main thread', reqs: [] });
  for (const r of reqs) {
    const key = r.agentId ?? 'main';
    let lane = byKey.get(key);
    if (!lane) byKey.set(key, (lane = { key, label: `agent ${key.slice(0, 8)}`, reqs: [] }));
    lane.reqs.push(r);
  }
  return [...byKey.values()].filter((l) => l.reqs.length > 0);
}

/** Warm intervals of one lane: from each request until the TTL of the latest write, merged. */
function warmIntervals(reqs: RequestRow[]): [number, number][] {
  const out: [number, number][] = [];
  let ttl = TTL_MS['5m'];
  for (const r of reqs) {
    if (r.cacheWrite1hTokens > 0) ttl = TTL_MS['1h'];
    else if (r.cacheWrite5mTokens > 0) ttl = TTL_MS['5m'];
    const t = Date.parse(r.timestamp);
    const last = out[out.length - 1];
    if (last && t <= last[1]) last[1] = Math.max(last[1], t + ttl);
    else out.push([t, t + ttl]);
  }
  return out;
}

function waterfall(r: SessionReport, zoom: number, width: number): SVGSVGElement {
  const ls = lanes(r.requests);
  const t0 = Date.parse(r.requests[0]?.timestamp ?? r.summary.firstTimestamp);
  const t1 = r.requests.reduce((m, q) => Math.max(m, Date.parse(q.timestamp)), t0 + 60_000);
  const span = t1 - t0;
  const plotW = Math.max(200, (width - LEFT - 40) * zoom);
  const x = (t: number): number => LEFT + ((t - t0) / span) * plotW;
  const maxIn = r.requests.reduce((m, q) => Math.max(m, q.cacheReadTokens + q.cacheWrite5mTokens + q.cacheWrite1hTokens + q.inputTokens), 1);
  const barW = Math.max(1.5, Math.min(8, (plotW / Math.max(1, r.requests.length)) * 0.8));
  const height = TOP + ls.length * LANE_H + 24;
  const svg = s('svg', { width: LEFT + plotW + 40, height, class: 'waterfall', role: 'img', 'aria-label': `Waterfall of ${r.requests.length} requests in ${ls.length} lanes`, 'data-testid': 'waterfall' });
  // time ticks
  const ticks = 8 * zoom;
  for (let i = 0; i <= ticks; i++) {
    const t = t0 + (span * i) / ticks;
    const xx = x(t);
    svg.append(s('line', { x1: xx, x2: xx, y1: TOP - 4, y2: height - 20, class: 'tick' }), s('text', { x: xx, y: height - 6, class: 'tick-label', 'text-anchor': 'middle' }, stamp(new Date(t).toISOString()).slice(5)));
  }
  ls.forEach((lane, li) => {
    const y0 = TOP + li * LANE_H;
    const base = y0 + LANE_H - 8;
    const g = s('g', { class: 'lane', 'data-lane': lane.key });
    g.append(s('text', { x: 4, y: y0 + LANE_H / 2, class: 'lane-label' }, lane.label), s('line', { x1: LEFT, x2: LEFT + plotW, y1: base, y2: base, class: 'baseline' }));
    for (const [a, b] of warmIntervals(lane.reqs)) {
      g.append(s('rect', { x: x(a), y: y0 + 4, width: Math.max(1, Math.min(x(b), LEFT + plotW) - x(a)), height: LANE_H - 12, class: 'warm' }, s('title', {}, `cache warm ${stamp(new Date(a).toISOString())} → ${stamp(new Date(b).toISOString())}`)));
    }
    for (const q of lane.reqs) {
      const xx = x(Date.parse(q.timestamp)) - barW / 2;
      const parts: [number, string][] = [
        [q.cacheReadTokens, 'read'],
        [q.cacheWrite5mTokens, 'w5'],
        [q.cacheWrite1hTokens, 'w1'],
        [q.inputTokens, 'fresh'],
      ];
      const bar = s('g', { class: 'req', 'data-index': q.index });
      let y = base;
      for (const [n, cls] of parts) {
        if (n <= 0) continue;
        const hh = (n / maxIn) * (LANE_H - 20);
        y -= hh;
        bar.append(s('rect', { x: xx, y, width: barW, height: Math.max(hh, 0.5), class: `seg ${cls}` }));
      }
      const tip = `#${q.index} ${stamp(q.timestamp)} ${q.model} · read ${int(q.cacheReadTokens)} · 5m write ${int(q.cacheWrite5mTokens)} · 1h write ${int(q.cacheWrite1hTokens)} · fresh ${int(q.inputTokens)} · ${usd(q.costUSD)}${q.gapMs !== null ? ` · gap ${duration(q.gapMs)}` : ''}`;
      bar.append(s('title', {}, tip));
      g.append(bar);
      if (q.rebuild && q.rebuild.waste) {
        const cx = xx + barW / 2;
        g.append(
          s(
            'path',
            { d: `M${cx - 5},${y0 + 2} L${cx + 5},${y0 + 2} L${cx},${y0 + 11} Z`, class: 'rebuild-mark', 'data-cause': q.rebuild.cause },
            s('title', {}, `rebuild: ${q.rebuild.cause} · ${int(q.rebuild.tokensRewritten)} tokens re-written · wasted ${usd(q.rebuild.wastedUSD)}`),
          ),
        );
      }
    }
    svg.append(g);
  });
  return svg;
}

export function sessionView(r: SessionReport, ctx: ViewContext): HTMLElement {
  const sm = r.summary;
  const zoom = Math.max(1, Math.min(64, Number(ctx.param('zoom') ?? '1') || 1));
  const rebuilds = r.requests.filter((q) => q.rebuild && q.rebuild.waste);
  const zoomBtns = [1, 4, 16, 64].map((z) => {
    const b = h('button', { type: 'button', 'aria-pressed': String(z === zoom) }, `${z}×`);
    b.addEventListener('click', () => ctx.setParams({ zoom: z === 1 ? null : String(z) }));
    return b;
  });
  return h(
    'div',
    { 'data-testid': 'view-session' },
    h('p', {}, ctx.link('← Sessions', ctx.href({ view: 'sessions', id: null, zoom: null }))),
    h('h2', {}, 'Session ', h('span', { class: 'mono' }, r.sessionId)),
    h('p', { class: 'muted' }, `${r.project} · ${stamp(sm.firstTimestamp)} → ${stamp(sm.lastTimestamp)} · ${sm.models.join(', ')}`),
    h(
      'section',
      { class: 'cards', 'aria-label': 'Session totals' },
      h('div', { class: 'card', 'data-testid': 'session-requests', 'data-value': String(r.requests.length) }, h('span', { class: 'card-label' }, 'Requests'), h('strong', { class: 'card-value' }, int(r.requests.length)), h('span', { class: 'card-note' }, `${int(sm.mainRequests)} main · ${int(sm.subagentRequests)} in ${int(sm.subagents)} sub-agents`)),
      h('div', { class: 'card' }, h('span', { class: 'card-label' }, 'Hit rate'), h('strong', { class: 'card-value' }, pct(sm.hitRate))),
      h('div', { class: 'card' }, h('span', { class: 'card-label' }, 'Cost'), h('strong', { class: 'card-value' }, usd(sm.costUSD))),
      h('div', { class: 'card' }, h('span', { class: 'card-label' }, 'Wasted'), h('strong', { class: 'card-value' }, usd(sm.wastedUSD)), h('span', { class: 'card-note' }, `${int(sm.rebuilds)} rebuilds`)),
    ),
    h(
      'section',
      { class: 'panel', 'aria-label': 'Waterfall' },
      h('h3', {}, 'Waterfall'),
      h('div', { class: 'toolbar' }, h('span', {}, 'Zoom '), ...zoomBtns, h('span', { class: 'legend' }, h('i', { class: 'sw read' }), 'cache read ', h('i', { class: 'sw w5' }), '5m write ', h('i', { class: 'sw w1' }), '1h write ', h('i', { class: 'sw fresh' }), 'fresh input ', h('i', { class: 'sw warm' }), 'cache warm (TTL) ', h('i', { class: 'sw mark' }), 'rebuild')),
      h('div', { class: 'scroll-x', tabindex: '0', 'aria-label': 'Waterfall, scroll sideways' }, waterfall(r, zoom, ctx.chartWidth())),
    ),
    h(
      'section',
      { class: 'panel', 'aria-label': 'Rebuilds' },
      h('h3', {}, `Rebuilds (${rebuilds.length})`),
      rebuilds.length === 0
        ? h('p', { class: 'muted' }, 'No rebuild cost money in this session.')
        : h(
            'table',
            { 'data-testid': 'session-rebuilds' },
            h('thead', {}, h('tr', {}, ...['#', 'time', 'lane', 'cause', 'tokens re-written', 'wasted', 'evidence'].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', {}, ...rebuilds.map((q) => h('tr', {}, h('td', {}, q.index), h('td', {}, stamp(q.timestamp)), h('td', {}, q.agentId ? `agent ${q.agentId.slice(0, 8)}` : 'main'), h('td', {}, q.rebuild!.cause), h('td', { class: 'num' }, tokens(q.rebuild!.tokensRewritten)), h('td', { class: 'num' }, usd(q.rebuild!.wastedUSD)), h('td', {}, q.rebuild!.evidence.join('; '))))),
          ),
    ),
  );
}
