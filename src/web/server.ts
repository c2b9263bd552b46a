// `cachelens dashboard`: a node:http server on 127.0.0.1 serving the built
// front end from memory, the JSON API and a server-sent event stream.
// Requests whose Host header is not this server's are refused (DNS
// rebinding); with --host on another interface the API needs a per-run token.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommonOptions } from '../cli/load.js';
import { createApi, isReportName, warmApi, type ApiResult } from './api.js';
import { defaultAssetsDir, findAsset, loadAssets } from './assets.js';
import { watchTranscripts } from './live.js';
import { firstViewRest, LOADER_SOURCE, plainRest, preparePage, type Page } from './page.js';

export interface DashboardOptions {
  host: string;
  port: number;
  /** the command line's filters and data options: the page's defaults */
  common: CommonOptions;
  /** how often the transcripts are looked at for changes */
  intervalMs: number;
  /** a token the API requires; null on a loopback address */
  token: string | null;
  assetsDir?: string;
  log: (line: string) => void;
}

export interface Dashboard {
  /** the page's address (with the token, when there is one) */
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

const SECURITY_HEADERS = {
  'content-security-policy':
    `default-src 'none'; script-src 'self' ${LOADER_SOURCE}; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Host header values this server answers to. Any interface (0.0.0.0, ::): any name, the token guards the API. */
export function hostAllowed(bound: string, port: number, header: string | undefined): boolean {
  if (header === undefined) return false;
  if (bound === '0.0.0.0' || bound === '::') return true;
  const h = header.toLowerCase();
  const names = isLoopback(bound) ? ['127.0.0.1', 'localhost', '[::1]'] : [bound.includes(':') ? `[${bound.toLowerCase()}]` : bound.toLowerCase()];
  return names.some((n) => h === `${n}:${port}` || (port === 80 && h === n));
}

function tokenOk(expected: string | null, given: string | null): boolean {
  if (expected === null) return true;
  if (given === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** The page's own first request: the overview with the command line's filters (no parameter but the token). */
const FIRST_VIEW = new URLSearchParams();
const FIRST_VIEW_API = './api/report';
/** How long the page waits for its first overview before it goes out without it (the script then shows 'Loading…' and fetches). */
const FIRST_VIEW_WAIT_MS = 500;
/**
 * The first overview starts this long after listening unless a page asks for
 * it sooner (see below): at once, since even a browser already open asks ~10 ms
 * later, and with a warm store the overview takes ~40 ms (a 50 ms pause here
 * was ~20 ms of the dashboard's first paint).
 */
const FIRST_VIEW_START_MS = 0;

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const assets = loadAssets(o.assetsDir ?? defaultAssetsDir());
  const page = preparePage(findAsset(assets, '/')!.body.toString('utf8'));
  const api = createApi(o.common, o.log);
  const watcher = watchTranscripts(o.common.dir, o.intervalMs, () => api.invalidate(), o.log);
  const config = (): string =>
    JSON.stringify({
      generation: watcher.generation(),
      intervalMs: o.intervalMs,
      defaults: { since: o.common.since ?? null, until: o.common.until ?? null, tz: o.common.tz ?? null, project: o.common.project ?? null, model: o.common.model ?? null },
    });
  let port = o.port;
  let early: NodeJS.Timeout | null = null;
  const firstView = (): Promise<ApiResult> => {
    if (early) clearTimeout(early);
    return api.get('report', FIRST_VIEW);
  };
  const server = http.createServer((req, res) => {
    if (!hostAllowed(o.host, port, req.headers.host)) {
      send(res, 421, 'text/plain; charset=utf-8', 'misdirected request: this server answers only to its own address\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    if (pathname.startsWith('/api/')) {
      if (early) clearTimeout(early);
      const given = query.get('token') ?? (typeof req.headers['x-cachelens-token'] === 'string' ? req.headers['x-cachelens-token'] : null);
      if (!tokenOk(o.token, given)) {
        send(res, 403, 'application/json; charset=utf-8', JSON.stringify({ error: 'this dashboard needs the token from its URL', hint: null }));
        return;
      }
      const name = pathname.slice('/api/'.length);
      if (name === 'events') {
        watcher.attach(res);
        return;
      }
      if (name === 'config') {
        send(res, 200, 'application/json; charset=utf-8', config(), { 'cache-control': 'no-store' });
        return;
      }
      if (!isReportName(name)) {
        send(res, 404, 'application/json; charset=utf-8', JSON.stringify({ error: 'no such report', hint: null }));
        return;
      }
      api.get(name, query).then(
        (r) => send(res, r.status, 'application/json; charset=utf-8', r.body, { 'cache-control': 'no-store' }),
        (err: unknown) => {
          o.log(`dashboard: ${(err as Error).stack ?? String(err)}`);
          send(res, 500, 'application/json; charset=utf-8', JSON.stringify({ error: 'internal error', hint: null }));
        },
      );
      return;
    }
    if (pathname === '/' || pathname === '/index.html') {
      // the overview goes into the page only for the URL it was made for, and only with the token the API asks for
      const withData = tokenOk(o.token, query.get('token')) && [...query.keys()].every((k) => k === 'token');
      if (!withData) send(res, 200, 'text/html; charset=utf-8', page.head + plainRest(page), { 'cache-control': 'no-store' });
      else void sendFirstView(res, page, firstView, watcher.generation, config, o.log);
      return;
    }
    const asset = findAsset(assets, pathname);
    if (!asset) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    send(res, 200, asset.type, asset.body, { 'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  server.on('error', (err) => o.log(`dashboard: server error: ${err.message}`));
  // The first overview is made right after listening, or when the page asks for it if that comes first. The
  // page gets its head as soon as the server is free (the browser then sets up the page and fetches its files
  // while the overview is made), and the overview in place of a fetch.
  early = setTimeout(() => void firstView(), FIRST_VIEW_START_MS);
  setImmediate(() => void warmApi());
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${shown}:${port}/${o.token ? `?token=${o.token}` : ''}`;
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        watcher.stop();
        if (early) clearTimeout(early);
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// --- internal ---

/**
 * Sends the page with its first overview in place: the head at once, the
 * rest when the overview is made. When that takes longer than a moment (a
 * first scan), fails, or the data changed meanwhile, the rest is the plain
 * page, which fetches the overview itself.
 */
async function sendFirstView(
  res: http.ServerResponse,
  page: Page,
  firstView: () => Promise<ApiResult>,
  generation: () => number,
  config: () => string,
  log: (line: string) => void,
): Promise<void> {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  res.write(page.head);
  const before = generation();
  let timer: NodeJS.Timeout | null = null;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), FIRST_VIEW_WAIT_MS)));
  const r = await Promise.race([firstView(), late]);
  if (timer) clearTimeout(timer);
  let rest = plainRest(page);
  // a change while it was made: the page fetches the newer overview instead (the store keeps this one's output)
  if (r && r.status === 200 && generation() === before) {
    try {
      rest = firstViewRest(page, FIRST_VIEW_API, r.body, config());
    } catch (err) {
      log(`dashboard: the page's first overview failed, the page fetches it: ${(err as Error).stack ?? String(err)}`);
    }
  }
  res.end(rest);
}
