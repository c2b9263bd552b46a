// The dashboard page: reads its state from the URL (view, filters, table
// sort), fetches the matching report from the JSON API, renders it, and
// re-fetches when the server says the transcripts changed (server-sent events).
import type uPlot from 'uplot';
import './style.css';
import { breaksView } from './breaks.js';
import { DEMO_BANNER } from '../../src/web/cards.js';
import { h } from './dom.js';
import { overviewView } from './overview.js';
import { sessionView } from './session.js';
import { sessionsView } from './sessions.js';
import { whatifView } from './whatif.js';
import type { BreaksReport, OverviewReport, SessionReport, SessionsReport, WhatifReport } from './types.js';
import type { ViewContext } from './view.js';

type ViewName = 'overview' | 'sessions' | 'session' | 'breaks' | 'whatif';
const VIEWS: { name: ViewName; label: string; api: string; params: string[] }[] = [
  { name: 'overview', label: 'Overview', api: 'report', params: ['by', 'plan'] },
  { name: 'sessions', label: 'Sessions', api: 'sessions', params: [] },
  { name: 'session', label: 'Session', api: 'session', params: ['id'] },
  { name: 'breaks', label: 'Breaks', api: 'breaks', params: ['cause'] },
  { name: 'whatif', label: 'What-if', api: 'whatif', params: [] },
];
/** filters shared by every view, sent to the API as they are in the URL */
const FILTERS = ['since', 'until', 'tz', 'project', 'model'];
const FORM_FIELDS = ['since', 'until', 'project', 'model', 'by', 'plan'];

interface Config {
  generation: number;
  defaults: Record<string, string | null>;
}

interface App {
  config: Config;
  /** the data shown, by API URL */
  last: { url: string; data: unknown } | null;
  plots: uPlot[];
  seq: number;
  /** the first view's data, asked for at start beside the config */
  early: { url: string; data: Promise<unknown> } | null;
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

function params(): URLSearchParams {
  return new URLSearchParams(location.search);
}

function viewOf(p: URLSearchParams): (typeof VIEWS)[number] {
  return VIEWS.find((v) => v.name === p.get('view')) ?? VIEWS[0]!;
}

/** The API URL for the view these parameters ask for; `withToken` false: as the server names it in the page. */
function apiUrl(p: URLSearchParams, withToken = true): string {
  const v = viewOf(p);
  const q = new URLSearchParams();
  for (const k of [...FILTERS, ...v.params]) {
    const val = p.get(k);
    if (val !== null) q.set(k, val);
  }
  const token = p.get('token');
  if (token && withToken) q.set('token', token);
  const qs = q.toString();
  return `./api/${v.api}${qs ? `?${qs}` : ''}`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as T & { error?: string; hint?: string | null };
  if (!res.ok) throw new Error(`${body.error ?? res.statusText}${body.hint ? ` (${body.hint})` : ''}`);
  return body;
}

function hrefWith(change: Record<string, string | null>): string {
  const p = params();
  for (const [k, v] of Object.entries(change)) {
    if (v === null) p.delete(k);
    else p.set(k, v);
  }
  if (p.get('view') === 'overview') p.delete('view');
  const qs = p.toString();
  return qs ? `?${qs}` : location.pathname;
}

/** An attribute that finds the same control after a redraw. */
function focusKey(el: HTMLElement): [string, string] | null {
  for (const attr of ['data-testid', 'aria-label', 'href']) {
    const v = el.getAttribute(attr);
    if (v) return [attr, v];
  }
  return null;
}

interface FirstView {
  /** the API URL the report answers (the server's default overview) */
  api: string;
  config: Config;
  report: unknown;
}

/**
 * The overview the server put into the page (src/web/page.ts), when it is
 * the one this URL asks for: a URL with other filters fetches its own.
 */
function inlinedFirstView(): FirstView | null {
  const el = document.getElementById('cachelens-first');
  if (!el?.textContent) return null;
  const first = JSON.parse(el.textContent) as FirstView;
  return first.api === apiUrl(params(), false) ? first : null;
}

function start(): void {
  const firstUrl = apiUrl(params());
  const inlined = inlinedFirstView();
  const app: App = {
    config: inlined?.config ?? { generation: 0, defaults: {} },
    last: null,
    plots: [],
    seq: 0,
    early: { url: firstUrl, data: inlined ? Promise.resolve(inlined.report) : getJson<unknown>(firstUrl) },
  };
  // a failure is shown by render(), which awaits this promise
  app.early!.data.catch(() => undefined);
  const main = byId<HTMLElement>('view');
  const form = byId<HTMLFormElement>('filters');
  const live = byId<HTMLElement>('live');

  const navigate = (href: string, replace = false): void => {
    if (replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
    void render(false);
  };

  const ctx: ViewContext = {
    href: hrefWith,
    link(text, href, attrs = {}) {
      const a = h('a', { href, ...attrs }, text);
      a.addEventListener('click', (e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || (e as MouseEvent).button !== 0) return;
        e.preventDefault();
        navigate(href);
      });
      return a;
    },
    param: (name) => params().get(name),
    setParams(change) {
      history.replaceState(null, '', hrefWith(change));
      void render(false);
    },
    chartWidth: () => Math.max(480, Math.min(main.clientWidth - 64, 1600)),
    keep: (plot) => void app.plots.push(plot),
  };

  const fillForm = (): void => {
    const p = params();
    // periods and plan shape the overview only
    const overview = viewOf(p).name === 'overview';
    for (const name of ['by', 'plan']) (form.elements.namedItem(name) as HTMLSelectElement).closest('label')!.hidden = !overview;
    for (const name of FORM_FIELDS) {
      const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
      if (el) el.value = p.get(name) ?? app.config.defaults[name] ?? (name === 'by' ? 'week' : '');
    }
  };

  const fillNav = (): void => {
    const current = viewOf(params()).name;
    const nav = byId<HTMLElement>('nav');
    nav.replaceChildren(
      ...VIEWS.filter((v) => v.name !== 'session' || current === 'session').map((v) => {
        const a = ctx.link(v.label, hrefWith({ view: v.name, id: v.name === 'session' ? params().get('id') : null, sort: null, dir: null, q: null, all: null, zoom: null }));
        if (v.name === current) a.setAttribute('aria-current', 'page');
        return a;
      }),
    );
  };

  const draw = (data: unknown): void => {
    for (const pl of app.plots) pl.destroy();
    app.plots = [];
    const v = viewOf(params()).name;
    const el =
      v === 'overview' ? overviewView(data as OverviewReport, ctx)
      : v === 'sessions' ? sessionsView(data as SessionsReport, ctx)
      : v === 'session' ? sessionView(data as SessionReport, ctx)
      : v === 'breaks' ? breaksView(data as BreaksReport, ctx)
      : whatifView(data as WhatifReport);
    const meta = data as OverviewReport;
    const banner = meta.demo ? h('p', { class: 'banner', role: 'note' }, DEMO_BANNER) : null;
    // a redraw (sorting, filtering, a live update) keeps the keyboard focus where it was
    const focused = document.activeElement instanceof HTMLElement && main.contains(document.activeElement) ? focusKey(document.activeElement) : null;
    main.replaceChildren(...(banner ? [banner] : []), el);
    if (focused) main.querySelector<HTMLElement>(`[${focused[0]}="${CSS.escape(focused[1])}"]`)?.focus();
    const lists: [string, string[]][] = v === 'overview' ? [['projects', meta.projects.map((x) => x.project)], ['models', meta.models.map((x) => x.model)]] : [];
    for (const [id, values] of lists) byId(id).replaceChildren(...values.map((x) => h('option', { value: x })));
  };

  /** live: a data change, so fetch again even when the URL is unchanged */
  const render = async (liveUpdate: boolean): Promise<void> => {
    const seq = ++app.seq;
    fillForm();
    fillNav();
    const url = apiUrl(params());
    if (!liveUpdate && app.last?.url === url) {
      draw(app.last.data);
      return;
    }
    const early = app.early;
    app.early = null;
    document.body.dataset.state = 'loading';
    main.setAttribute('aria-busy', 'true');
    if (!app.last || app.last.url !== url) main.replaceChildren(h('p', { class: 'muted', 'data-testid': 'loading' }, 'Loading…'));
    try {
      const data = await (early && early.url === url && !liveUpdate ? early.data : getJson<unknown>(url));
      if (seq !== app.seq) return;
      app.last = { url, data };
      draw(data);
      document.body.dataset.state = 'ready';
      // for the bench: when the first view's numbers were on screen (the frame after they were drawn); a page
      // the server sent with its cards in place was marked before this script ran
      if (performance.getEntriesByName('cachelens:first-view').length === 0) requestAnimationFrame(() => setTimeout(() => performance.mark('cachelens:first-view')));
    } catch (err) {
      if (seq !== app.seq) return;
      app.last = null;
      main.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not load this view: ${(err as Error).message}`));
      document.body.dataset.state = 'error';
    } finally {
      if (seq === app.seq) main.removeAttribute('aria-busy');
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const change: Record<string, string | null> = {};
    for (const name of FORM_FIELDS) {
      const el = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
      const fallback = app.config.defaults[name] ?? (name === 'by' ? 'week' : '');
      change[name] = el.value === fallback ? null : el.value;
    }
    navigate(hrefWith(change));
  });
  byId('reset').addEventListener('click', () => navigate(hrefWith(Object.fromEntries(FORM_FIELDS.map((f) => [f, null])))));
  window.addEventListener('popstate', () => void render(false));

  const themeBtn = byId('theme');
  const stored = localStorage.getItem('cachelens-theme');
  if (stored === 'light' || stored === 'dark') document.documentElement.dataset.theme = stored;
  themeBtn.addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme ? document.documentElement.dataset.theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
    const next = dark ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('cachelens-theme', next);
    if (app.last) draw(app.last.data);
  });

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => app.last && draw(app.last.data), 150);
  });

  const token = params().get('token');
  const tq = token ? `?token=${encodeURIComponent(token)}` : '';
  // the first view renders as soon as its data is here; the config only fills the filter defaults
  void render(false);
  if (!inlined) getJson<Config>(`./api/config${tq}`).then(
    (c) => {
      app.config = c;
      fillForm();
    },
    (err: unknown) => {
      live.textContent = `server unreachable: ${(err as Error).message}`;
    },
  );
  const events = new EventSource(`./api/events${tq}`);
  events.addEventListener('hello', (e) => {
    // after a reconnect: catch up on a change missed while away
    const { generation } = JSON.parse((e as MessageEvent<string>).data) as { generation: number };
    live.textContent = 'live';
    if (app.config.generation && generation !== app.config.generation) {
      app.config.generation = generation;
      void render(true);
    }
  });
  events.addEventListener('change', (e) => {
    const { generation } = JSON.parse((e as MessageEvent<string>).data) as { generation: number };
    app.config.generation = generation;
    document.body.dataset.generation = String(generation);
    live.textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    void render(true);
  });
  events.addEventListener('error', () => (live.textContent = 'reconnecting…'));
}

start();
