// The dashboard in a real browser (playwright-core driving Debian's chromium):
// numbers on the page equal `cachelens report --json`, charts drew their
// series, filters live in the URL, a session view counts its requests, an
// appended transcript line shows up by itself, and hostile transcript content
// stays text. Screenshots of every view go to artifacts/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeHome, haveCli, haveSharedData, runCliJson, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';
import { FIRST_VIEW_ID, LOADER } from '../src/web/page.js';
import { chromiumPath, haveChromium, screenshotDir, SKIP_NO_CHROMIUM, startDashboard, tempDir, usageLine, type Server } from './web/harness.js';

if (!haveCli) console.warn(SKIP_NO_CLI);
if (!haveChromium) console.warn(SKIP_NO_CHROMIUM);
if (!haveSharedData) console.warn(SKIP_NO_SHARED);
const canBrowse = haveCli && haveChromium;

interface Report {
  totals: { requests: number; sessions: number; hitRate: number; wastedUSD: number; costUSD: number };
  costs: { withCacheUSD: number; noCacheUSD: number };
  periods: unknown[];
  projects: { project: string; requests: number }[];
}

async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('body[data-state=ready]', { timeout: 90_000 });
}

async function cardValue(page: Page, testId: string): Promise<number> {
  return Number(await page.getAttribute(`[data-testid=${testId}]`, 'data-value'));
}

/** The overview's cards show the report's figures (data-value) and the requests as text. */
async function expectCards(page: Page, r: Report): Promise<void> {
  expect(await cardValue(page, 'total-requests')).toBe(r.totals.requests);
  expect(await cardValue(page, 'cost-with-cache')).toBe(r.costs.withCacheUSD);
  expect(await cardValue(page, 'cost-no-cache')).toBe(r.costs.noCacheUSD);
  expect(await cardValue(page, 'total-hitrate')).toBe(r.totals.hitRate);
  expect(await cardValue(page, 'total-wasted')).toBe(r.totals.wastedUSD);
  expect(await page.textContent('[data-testid=total-requests] .card-value')).toBe(r.totals.requests.toLocaleString('en-US'));
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * Every script element is the page's own: its module (from ./assets/), the
 * inline loader the CSP allows by hash, or the inert JSON block of the first
 * overview.
 */
async function ownScriptsOnly(page: Page): Promise<boolean> {
  const scripts = await page.$$eval('script', (xs) => xs.map((x) => ({ type: x.getAttribute('type'), src: x.getAttribute('src'), id: x.id, text: x.textContent ?? '' })));
  const own = (x: (typeof scripts)[number]): boolean =>
    (x.type === 'module' && x.src !== null && new URL(x.src, page.url()).pathname.startsWith('/assets/') && x.text === '') ||
    (x.type === null && x.src === null && x.text === LOADER) ||
    (x.type === 'application/json' && x.id === FIRST_VIEW_ID && x.src === null);
  return scripts.length > 0 && scripts.filter((x) => x.type === 'module').length === 1 && scripts.every(own);
}

/** For each chart: series drawn (legend rows less the x row) and whether its canvas has any painted pixel. */
async function charts(page: Page): Promise<Record<string, { series: number; declared: number; painted: boolean }>> {
  return page.$$eval('figure.chart', (figs) =>
    Object.fromEntries(
      figs.map((f) => {
        const canvas = f.querySelector('canvas');
        let painted = false;
        if (canvas && canvas.width > 0 && canvas.height > 0) {
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) { painted = true; break; }
        }
        return [f.getAttribute('data-testid')!, { series: f.querySelectorAll('.u-legend .u-series').length - 1, declared: Number(f.getAttribute('data-series')), painted }];
      }),
    ),
  );
}

(canBrowse && haveSharedData ? describe : describe.skip)('dashboard in chromium on ../shared/data/claude-home', () => {
  const db = path.join(tempDir('dash-db'), 'c.db');
  const cli = <T>(args: string[]): T => runCliJson<T>([...args, '--json', '--dir', claudeHome, '--db', db]);
  let s: Server;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    s = await startDashboard(['--dir', claudeHome, '--db', db]);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('overview: cards equal report --json and every chart drew its series', async () => {
    await page.goto(s.url);
    await ready(page);
    const r = cli<Report>(['report']);
    await expectCards(page, r);
    const c = await charts(page);
    expect(Object.keys(c).sort()).toEqual(['chart-cost', 'chart-hitrate', 'chart-tokens']);
    expect(c['chart-tokens']).toEqual({ series: 3, declared: 3, painted: true });
    expect(c['chart-hitrate']).toEqual({ series: 1, declared: 1, painted: true });
    expect(c['chart-cost']).toEqual({ series: 2, declared: 2, painted: true });
    // one x value per period
    expect(await page.$$eval('[data-testid=table-projects] tbody tr', (rows) => rows.length)).toBe((r as Report).projects.length);
    await shot(page, 'overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await ready(page);
    await shot(page, 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('the served page paints the overview without any script; the script then takes over its data', async () => {
    // made and kept first, so the page carries it whatever the store's state
    await (await fetch(`${s.origin}/api/report`)).text();
    const r = cli<Report>(['report']);
    const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const bare = await noJs.newPage();
    await bare.goto(s.url);
    await expectCards(bare, r);
    await shot(bare, 'overview-served');
    await noJs.close();
    const asked: string[] = [];
    const onRequest = (q: { url(): string }): void => void asked.push(new URL(q.url()).pathname);
    page.on('request', onRequest);
    await page.goto(s.url);
    await ready(page);
    page.off('request', onRequest);
    // no round trip for the overview or the config; one mark, set by the page's loader
    expect(asked.filter((p) => p === '/api/report' || p === '/api/config')).toEqual([]);
    expect(await page.evaluate(() => performance.getEntriesByName('cachelens:first-view').length)).toBe(1);
    expect(await cardValue(page, 'total-requests')).toBe(r.totals.requests);
    expect(Object.values(await charts(page)).every((c) => c.painted)).toBe(true);
  });

  it('a URL with filters ignores an overview made for the defaults and shows its own numbers', async () => {
    const project = cli<Report>(['report']).projects[1]!.project;
    const filtered = cli<Report>(['report', '--project', project]);
    // the server never puts the default overview into such a page; here it is made to, and the page must not use it
    await page.route(
      (u) => u.pathname === '/' && u.searchParams.has('project'),
      async (route) => route.fulfill({ response: await route.fetch({ url: s.url }) }),
    );
    try {
      const asked: string[] = [];
      page.on('request', (q) => void asked.push(q.url()));
      await page.goto(`${s.url}?project=${encodeURIComponent(project)}`);
      expect(await page.$('#cachelens-first')).not.toBeNull();
      await ready(page);
      await page.waitForFunction((n) => document.querySelector('[data-testid=total-requests]')?.getAttribute('data-value') === String(n), filtered.totals.requests);
      expect(await cardValue(page, 'cost-with-cache')).toBe(filtered.costs.withCacheUSD);
      expect(asked.some((u) => new URL(u).pathname === '/api/report' && new URL(u).searchParams.get('project') === project)).toBe(true);
    } finally {
      await page.unrouteAll();
    }
    // as served: no overview in the page, the numbers fetched
    await page.goto(`${s.url}?project=${encodeURIComponent(project)}`);
    expect(await page.$('#cachelens-first')).toBeNull();
    await ready(page);
    expect(await cardValue(page, 'total-requests')).toBe(filtered.totals.requests);
  });

  it('a filter change updates the URL and the numbers', async () => {
    await page.goto(s.url);
    await ready(page);
    const all = cli<Report>(['report']);
    const project = all.projects[1]!.project;
    await page.fill('input[name=project]', project);
    await page.fill('input[name=since]', '2026-01-01');
    await page.click('#filters button[type=submit]');
    await page.waitForFunction((p) => new URL(location.href).searchParams.get('project') === p, project);
    await ready(page);
    const url = new URL(page.url());
    expect(url.searchParams.get('since')).toBe('2026-01-01');
    const filtered = cli<Report>(['report', '--project', project, '--since', '2026-01-01']);
    await page.waitForFunction((n) => document.querySelector('[data-testid=total-requests]')?.getAttribute('data-value') === String(n), filtered.totals.requests);
    expect(await cardValue(page, 'cost-with-cache')).toBe(filtered.costs.withCacheUSD);
    expect(filtered.totals.requests).toBeLessThan(all.totals.requests);
    // the URL alone reproduces the view
    await page.goto(page.url());
    await ready(page);
    expect(await cardValue(page, 'total-requests')).toBe(filtered.totals.requests);
    expect(await page.inputValue('input[name=project]')).toBe(project);
  });

  it('sessions table sorts and filters; a session view shows its request count', async () => {
    await page.goto(`${s.url}?view=sessions`);
    await ready(page);
    const sessions = cli<{ sessions: { sessionId: string; requests: number; costUSD: number }[] }>(['sessions']).sessions;
    expect(await page.$$eval('[data-testid=table-sessions] tbody tr', (r) => r.length)).toBe(Math.min(500, sessions.length));
    await page.click('button[aria-label="Sort by Cost"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'cost');
    const costliest = [...sessions].sort((a, b) => b.costUSD - a.costUSD)[0]!;
    expect(await page.getAttribute('[data-testid=table-sessions] tbody tr:first-child a', 'title')).toBe(costliest.sessionId);
    await shot(page, 'sessions');
    await page.fill('[data-testid=sessions-filter]', costliest.sessionId.slice(0, 13));
    await page.press('[data-testid=sessions-filter]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=table-sessions] tbody tr').length === 1);
    await page.click('[data-testid=table-sessions] tbody a');
    await page.waitForSelector('[data-testid=view-session]');
    await ready(page);
    const one = cli<{ requests: unknown[] }>(['session', costliest.sessionId]);
    expect(await cardValue(page, 'session-requests')).toBe(one.requests.length);
    expect(await page.$$eval('[data-testid=waterfall] g.req', (g) => g.length)).toBe(one.requests.length);
    expect(new URL(page.url()).searchParams.get('id')).toBe(costliest.sessionId);
    await shot(page, 'session');
  });

  it('breaks and what-if views render their reports', async () => {
    await page.goto(`${s.url}?view=breaks`);
    await ready(page);
    const b = cli<{ summary: { rebuilds: number; wastedUSD: number } }>(['breaks']);
    expect(await cardValue(page, 'breaks-rebuilds')).toBe(b.summary.rebuilds);
    expect(await cardValue(page, 'breaks-wasted')).toBe(b.summary.wastedUSD);
    const c = await charts(page);
    expect(c['chart-causes']).toEqual({ series: 1, declared: 1, painted: true });
    await shot(page, 'breaks');
    // a cause filter: in the URL, and the list holds only that cause (as breaks --cause)
    await page.selectOption('[data-testid=breaks-cause]', 'ttl-expired');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('cause') === 'ttl-expired');
    await ready(page);
    const ttl = cli<{ rebuilds: unknown[] }>(['breaks', '--cause', 'ttl-expired']);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=table-rebuilds] tbody tr').length === n, Math.min(200, ttl.rebuilds.length));
    expect(new Set(await page.$$eval('[data-testid=table-rebuilds] tbody tr td:nth-child(2)', (c) => c.map((x) => x.textContent)))).toEqual(new Set(['ttl-expired']));
    expect(await page.isHidden('select[name=by]')).toBe(true);
    await page.goto(`${s.url}?view=whatif`);
    await ready(page);
    const w = cli<{ policies: unknown[]; recommendation: { text: string } }>(['whatif']);
    expect(await page.$$eval('[data-testid=table-policies] tbody tr', (r) => r.length)).toBe(w.policies.length + 1);
    expect(await page.textContent('[data-testid=whatif-recommendation]')).toBe(w.recommendation.text);
    await shot(page, 'whatif');
  });

  it('is keyboard-reachable: Tab reaches the views and the filters', async () => {
    await page.goto(s.url);
    await ready(page);
    const reached = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => (document.activeElement?.textContent?.trim() || document.activeElement?.getAttribute('name')) ?? ''));
    }
    for (const want of ['Sessions', 'Breaks', 'What-if', 'since', 'project', 'Apply']) expect(reached).toContain(want);
    // sorting from the keyboard redraws the table and keeps the focus on the button
    await page.goto(`${s.url}?view=sessions`);
    await ready(page);
    await page.focus('button[aria-label="Sort by Requests"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'requests');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Sort by Requests');
  });
});

(canBrowse && haveSharedData ? describe : describe.skip)('dashboard live update (a copy of one project)', () => {
  let s: Server;
  let browser: Browser;
  const home = tempDir('dash-live');
  let file = '';
  beforeAll(async () => {
    // a copy: ../shared is never written to
    const projects = path.join(claudeHome, 'projects');
    const project = fs.readdirSync(projects).sort()[0]!;
    fs.cpSync(path.join(projects, project), path.join(home, 'projects', project), { recursive: true });
    file = fs.readdirSync(path.join(home, 'projects', project)).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(home, 'projects', project, f))[0]!;
    s = await startDashboard(['--dir', home, '--db', path.join(home, 'c.db')]);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('appending a line to a transcript updates the page without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(s.url);
    await ready(page);
    const before = await cardValue(page, 'total-requests');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    fs.appendFileSync(file, usageLine({ id: 'live-append-1', ts: new Date().toISOString(), session: 'eeee0000-0000-4000-8000-00000000000e', input: 10, read: 5000, out: 20 }) + '\n');
    await page.waitForFunction((n) => document.querySelector('[data-testid=total-requests]')?.getAttribute('data-value') === String(n), before + 1, { timeout: 30_000 });
    // same document: no full reload happened
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    const cliNow = runCliJson<Report>(['report', '--json', '--dir', home, '--no-store']);
    expect(await cardValue(page, 'total-requests')).toBe(cliNow.totals.requests);
  });
});

(canBrowse ? describe : describe.skip)('dashboard with hostile transcript content', () => {
  const home = tempDir('dash-hostile');
  const evilProject = '-home-u-<img src=x onerror=window.__pwned=1>';
  const session = 'dddd0000-0000-4000-8000-00000000000d';
  let s: Server;
  let browser: Browser;
  beforeAll(async () => {
    const dir = path.join(home, 'projects', evilProject);
    fs.mkdirSync(dir, { recursive: true });
    const evil = {
      model: 'claude-<script>window.__pwned=2</script>',
      agent: '"><svg onload=window.__pwned=3>',
      text: '<script>window.__pwned=4</script> secret prompt text',
      cwd: '/home/u/<img src=x onerror=window.__pwned=5>',
      version: '<b onmouseover=window.__pwned=6>2.1</b>',
    };
    fs.writeFileSync(
      path.join(dir, `${session}.jsonl`),
      [
        usageLine({ id: 'h1', ts: '2026-03-01T10:00:00.000Z', session, input: 100, w5: 5000, out: 10, text: evil.text, cwd: evil.cwd, version: evil.version }),
        usageLine({ id: 'h2', ts: '2026-03-01T12:00:00.000Z', session, model: evil.model, input: 100, w5: 5000, out: 10, text: evil.text, version: evil.version }),
        usageLine({ id: 'h3', ts: '2026-03-01T12:00:05.000Z', session, agent: evil.agent, input: 100, read: 4000, out: 10, text: evil.text }),
      ].join('\n') + '\n',
    );
    s = await startDashboard(['--dir', home, '--db', path.join(home, 'c.db')]);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('renders names as text, runs nothing, and never sends transcript text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const bodies: string[] = [];
    page.on('response', (r) => {
      // the API's answers and the pages (which may carry the first overview)
      if ((r.url().includes('/api/') && !r.url().includes('/api/events')) || r.request().resourceType() === 'document') void r.text().then((t) => bodies.push(t));
    });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const dialogs: string[] = [];
    page.on('dialog', (dg) => {
      dialogs.push(dg.message());
      void dg.dismiss();
    });
    // made and kept first: the overview page then carries the hostile names in its JSON block
    await (await fetch(`${s.origin}/api/report`)).text();
    for (const v of ['', '?view=sessions', `?view=session&id=${session}`, '?view=breaks', '?view=whatif']) {
      await page.goto(`${s.url}${v}`);
      if (v === '') expect(await page.$('#cachelens-first')).not.toBeNull();
      await ready(page);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      // only the page's own scripts; nothing injected became an element
      expect(await ownScriptsOnly(page)).toBe(true);
      expect(await page.$$eval('main img, main [onerror], main [onload], main [onmouseover], main b', (x) => x.length)).toBe(0);
    }
    await page.goto(s.url);
    await ready(page);
    const text = await page.textContent('main');
    expect(text).toContain('<img src=x onerror=window.__pwned=1>');
    expect(text).toContain('claude-<script>window.__pwned=2</script>');
    await page.goto(`${s.url}?view=session&id=${session}`);
    await ready(page);
    expect(await page.$$eval('[data-testid=waterfall] g.req', (g) => g.length)).toBe(3);
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
    expect(bodies.length).toBeGreaterThan(0);
    for (const b of bodies) expect(b).not.toContain('secret prompt text');
    await shot(page, 'hostile-session');
  });
});
