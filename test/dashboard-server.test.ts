// `cachelens dashboard` over HTTP, without a browser: the API returns exactly
// what the CLI prints with --json (same filters), and hostile requests (a
// foreign Host header, traversal paths, a missing token) get nothing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeHome, haveCli, haveSharedData, runCliJson, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';
import { rawGet, stable, startDashboard, tempDir, usageLine, type Server } from './web/harness.js';
import { firstViewOf, servedCards } from './web/first-view.js';

if (!haveCli) console.warn(SKIP_NO_CLI);
const d = haveCli ? describe : describe.skip;

const S1 = 'aaaa1111-0000-4000-8000-000000000001';

function smallTree(): string {
  const root = tempDir('dash-tree');
  const dir = path.join(root, 'projects', '-home-u-shop');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, `${S1}.jsonl`),
    [
      usageLine({ id: 'a1', ts: '2026-03-01T10:00:00.000Z', session: S1, input: 1000, w5: 10000, out: 500 }),
      usageLine({ id: 'a2', ts: '2026-03-01T10:01:00.000Z', session: S1, input: 10, read: 10000, w1: 2000, out: 100 }),
      usageLine({ id: 'a3', ts: '2026-03-09T10:00:00.000Z', session: S1, model: 'claude-opus-4-6', input: 5, read: 12000, out: 50 }),
    ].join('\n') + '\n',
  );
  return root;
}

async function api(s: Server, route: string): Promise<Record<string, unknown>> {
  const r = await rawGet(s.port, route);
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as Record<string, unknown>;
}

d('dashboard server: API = CLI --json, small tree', () => {
  const root = smallTree();
  const db = path.join(tempDir('dash-db'), 'c.db');
  let s: Server;
  beforeAll(async () => {
    s = await startDashboard(['--dir', root, '--db', db]);
  });
  afterAll(() => s?.stop());

  const cli = (args: string[]): Record<string, unknown> => runCliJson<Record<string, unknown>>([...args, '--json', '--dir', root, '--db', db]);

  it('each report route equals its command, with and without filters', async () => {
    expect(stable(await api(s, '/api/report'))).toEqual(stable(cli(['report'])));
    expect(stable(await api(s, '/api/report?since=2026-03-02&by=day&plan=max5'))).toEqual(stable(cli(['report', '--since', '2026-03-02', '--by', 'day', '--plan', 'max5'])));
    expect(stable(await api(s, '/api/report?model=opus'))).toEqual(stable(cli(['report', '--model', 'opus'])));
    expect(stable(await api(s, '/api/sessions?project=shop'))).toEqual(stable(cli(['sessions', '--project', 'shop'])));
    expect(stable(await api(s, `/api/session?id=${S1.slice(0, 8)}`))).toEqual(stable(cli(['session', S1.slice(0, 8)])));
    expect(stable(await api(s, '/api/breaks'))).toEqual(stable(cli(['breaks'])));
    expect(stable(await api(s, '/api/whatif?keepAlive=3'))).toEqual(stable(cli(['whatif', '--keep-alive', '3'])));
  });

  it('the model filter keeps only matching models (CLI --model too)', async () => {
    const r = (await api(s, '/api/report?model=opus')) as { totals: { requests: number }; models: { model: string }[]; filters: { model: string } };
    expect(r.totals.requests).toBe(1);
    expect(r.models.map((m) => m.model)).toEqual(['claude-opus-4-6']);
    expect(r.filters.model).toBe('opus');
  });

  it('the page arrives with the default overview: its JSON and its cards equal report --json', async () => {
    const r = await rawGet(s.port, '/');
    expect(r.status).toBe(200);
    const rep = cli(['report']) as { totals: { requests: number; hitRate: number; wastedUSD: number; sessions: number }; costs: { withCacheUSD: number; noCacheUSD: number } };
    const first = firstViewOf(r.body);
    expect(first).not.toBeNull();
    expect(first!.api).toBe('./api/report');
    expect(stable(first!.report)).toEqual(stable(rep));
    expect(first!.config).toEqual(JSON.parse((await rawGet(s.port, '/api/config')).body));
    const cards = servedCards(r.body);
    expect(cards['total-requests']).toEqual({ value: String(rep.totals.requests), text: rep.totals.requests.toLocaleString('en-US'), note: `${rep.totals.sessions} sessions` });
    expect(Number(cards['total-hitrate']!.value)).toBe(rep.totals.hitRate);
    expect(Number(cards['cost-with-cache']!.value)).toBe(rep.costs.withCacheUSD);
    expect(Number(cards['cost-no-cache']!.value)).toBe(rep.costs.noCacheUSD);
    expect(Number(cards['total-wasted']!.value)).toBe(rep.totals.wastedUSD);
    expect(cards['cost-plan']!.value).toBe('');
    // the inline loader runs by its hash, nothing else inline does
    const csp = r.headers['content-security-policy'] as string;
    const inline = /<script>([^<]*)<\/script>/.exec(r.body)![1]!;
    expect(csp).toContain(`script-src 'self' 'sha256-${createHash('sha256').update(inline).digest('base64')}';`);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('a URL with filters, another view or a period choice gets the page without data', async () => {
    for (const q of ['?project=shop', '?since=2026-03-02', '?by=day', '?plan=max5', '?view=sessions', '?view=overview', '?tz=UTC']) {
      const r = await rawGet(s.port, `/${q}`);
      expect(r.status).toBe(200);
      expect(firstViewOf(r.body), q).toBeNull();
      expect(r.body, q).not.toContain('data-testid="total-requests"');
      expect(r.body, q).toMatch(/<script type="module"[^>]* src="\.\/assets\//);
    }
  });

  it('bad options are 400 with the CLI message', async () => {
    const r = await rawGet(s.port, '/api/report?since=yesterday');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toContain('--since expects a date');
    expect((await rawGet(s.port, '/api/session?id=ffff')).status).toBe(400);
  });

  it('refuses a foreign Host header (DNS rebinding) on every path', async () => {
    for (const p of ['/', '/api/report', '/api/events', '/index.html']) {
      const r = await rawGet(s.port, p, { host: 'evil.example' });
      expect(r.status).toBe(421);
      expect(r.body).not.toContain('totals');
    }
    expect((await rawGet(s.port, '/', { host: `evil.example:${s.port}` })).status).toBe(421);
    expect((await rawGet(s.port, '/', { host: `localhost:${s.port}` })).status).toBe(200);
  });

  it('no request path reaches the file system: traversal and encoded paths are 404', async () => {
    const paths = ['/../package.json', '/..%2fpackage.json', '/%2e%2e/package.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/assets/../../package.json', '/assets/..%2f..%2fpackage.json', '//etc/passwd', '/../../../../etc/passwd', '/api/../index.html', '/index.html/..', '/.%00/etc/passwd', '/dist/ui/index.html'];
    for (const p of paths) {
      const r = await rawGet(s.port, p);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toMatch(/"name": "cachelens"|root:x:0/);
    }
  });

  it('serves the page from memory with a strict CSP and no remote URL', async () => {
    const r = await rawGet(s.port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    // preloaded in the head, added by the inline loader once the cards are painted
    const js = /<link rel="modulepreload"[^>]* href="\.\/(assets\/[^"]+\.js)"/.exec(r.body)?.[1];
    expect(js).toBeTruthy();
    // a page that fetches its view has the script tag itself
    expect((await rawGet(s.port, '/?view=sessions')).body).toContain(`src="./${js}"></script>`);
    const asset = await rawGet(s.port, `/${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect((await rawGet(s.port, '/api/report', {}, 'POST')).status).toBe(405);
  });
});

d('dashboard server: --host other than loopback needs the per-run token', () => {
  const root = smallTree();
  let s: Server;
  beforeAll(async () => {
    s = await startDashboard(['--dir', root, '--db', path.join(tempDir('dash-db'), 'c.db'), '--host', '0.0.0.0']);
  });
  afterAll(() => s?.stop());

  it('prints a warning and a URL with a token; the API refuses requests without it', async () => {
    expect(s.stderr()).toContain('warning');
    const token = new URL(s.url).searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect((await rawGet(s.port, '/api/report')).status).toBe(403);
    expect((await rawGet(s.port, '/api/report?token=wrong')).status).toBe(403);
    expect((await rawGet(s.port, '/api/events')).status).toBe(403);
    expect((await rawGet(s.port, `/api/report?token=${token}`)).status).toBe(200);
  });

  it('the page carries the overview only for the URL with the token', async () => {
    const token = new URL(s.url).searchParams.get('token');
    expect(firstViewOf((await rawGet(s.port, '/')).body)).toBeNull();
    expect(servedCards((await rawGet(s.port, '/?token=wrong')).body)).toEqual({});
    expect(firstViewOf((await rawGet(s.port, `/?token=${token}`)).body)?.report).toMatchObject({ totals: { requests: 3 } });
  });
});

if (!haveSharedData) console.warn(SKIP_NO_SHARED);
(haveCli && haveSharedData ? describe : describe.skip)('dashboard server on ../shared/data/claude-home', () => {
  const db = path.join(tempDir('dash-db'), 'c.db');
  let s: Server;
  beforeAll(async () => {
    s = await startDashboard(['--dir', claudeHome, '--db', db]);
  });
  afterAll(() => s?.stop());

  it('report, sessions and breaks equal the CLI for the same filters', async () => {
    const cli = (args: string[]): Record<string, unknown> => runCliJson<Record<string, unknown>>([...args, '--json', '--dir', claudeHome, '--db', db]);
    expect(stable(await api(s, '/api/report'))).toEqual(stable(cli(['report'])));
    expect(stable(await api(s, '/api/report?since=2026-02-01&until=2026-03-31&by=day'))).toEqual(stable(cli(['report', '--since', '2026-02-01', '--until', '2026-03-31', '--by', 'day'])));
    expect(stable(await api(s, '/api/sessions?model=opus'))).toEqual(stable(cli(['sessions', '--model', 'opus'])));
    expect(stable(await api(s, '/api/breaks'))).toEqual(stable(cli(['breaks'])));
  });
});
