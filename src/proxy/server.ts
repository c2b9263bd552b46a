// The forwarding proxy: listens on 127.0.0.1 only and sends every request to
// the upstream as it came (method, path and query, headers, body bytes), then
// passes the response back as it arrives: status, headers, and each chunk
// written to the client before anything else looks at it. Messages API
// requests are also copied (body) and tapped (usage); the recorder runs after
// the response has ended, on a later turn of the event loop.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { ProxyFinding, ProxyRequestRecord } from '../domain/proxy.js';
import type { Pricing } from '../pricing/index.js';
import type { ProxyLogStore } from '../store/proxy-log.js';
import { isMessagesRequest, type CaptureHeaders } from './capture.js';
import { createCapturer } from './capturer.js';
import { createRecorder, type Exchange } from './record.js';
import { createUsageTap, type TapResult, type UsageTap } from './usage-tap.js';

export const DEFAULT_UPSTREAM = 'https://api.anthropic.com';
/** how long to wait for the upstream's response headers (long prompts can take minutes to start) */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export interface ProxyOptions {
  upstream: string;
  /** 0 = any free port */
  port: number;
  store: ProxyLogStore | null;
  pricing: Pricing;
  keepBodies?: boolean;
  timeoutMs?: number;
  /** the clock for request starts (and so for TTL diagnoses); tests inject one */
  now?: () => number;
  /** one line per request (never a header or body) */
  log?: (line: string) => void;
  warn?: (line: string) => void;
  /** fingerprint bodies on a worker thread when the compiled worker exists (default true) */
  threads?: boolean;
  /** called after each request is recorded (tests wait on it) */
  onRecord?: (r: { record: ProxyRequestRecord; finding: ProxyFinding | null }) => void;
}

export interface RunningProxy {
  port: number;
  url: string;
  close(): Promise<void>;
}

// hop-by-hop headers belong to one connection, not to the request (RFC 9110 §7.6.1)
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** Raw headers minus hop-by-hop ones; `host` replaced when given. */
function forwardHeaders(raw: readonly string[], host: string | null): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const t of raw[i + 1]!.split(',')) named.add(t.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (HOP.has(k) || named.has(k) || (host !== null && k === 'host')) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  if (host !== null) out.unshift('Host', host);
  return out;
}

const errorBody = (message: string): string => JSON.stringify({ type: 'error', error: { type: 'api_error', message } });

export function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const upstream = new URL(opts.upstream);
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new Error(`--upstream must be an http:// or https:// URL, got ${opts.upstream}`);
  const client = upstream.protocol === 'https:' ? https : http;
  const agent = upstream.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const base = upstream.pathname.replace(/\/+$/, '');
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((l: string) => void process.stdout.write(`${l}\n`));
  const warn = opts.warn ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const recorder = createRecorder({ store: opts.store, pricing: opts.pricing, keepBodies: opts.keepBodies ?? false, log, warn });
  const capturer = createCapturer({ threads: opts.threads ?? true, warn });
  if (opts.store) recorder.preload(opts.store.requests({ from: now() - 2 * 60 * 60_000, to: null }));

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const start = now();
    const t0 = performance.now();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q >= 0 ? target.slice(0, q) : target;
    const messages = isMessagesRequest(method, pathname);
    const chunks: Buffer[] = [];
    let status: number | null = null;
    let note: string | null = null;
    let ttfbMs: number | null = null;
    let apiRequestId: string | null = null;
    let tap: UsageTap | null = null;
    let recorded = false;

    const finish = (tapResult: TapResult | null): void => {
      if (recorded) return;
      recorded = true;
      const sid = req.headers['x-claude-code-session-id'];
      const beta = req.headers['anthropic-beta'];
      const headers: CaptureHeaders = {
        ...(typeof sid === 'string' ? { 'x-claude-code-session-id': sid } : {}),
        ...(Array.isArray(beta) ? { 'anthropic-beta': beta.join(',') } : typeof beta === 'string' ? { 'anthropic-beta': beta } : {}),
      };
      const body = messages ? Buffer.concat(chunks) : null;
      const x: Exchange = { start, method, path: pathname, messages, body, headers, status, note, tap: tapResult, apiRequestId, ttfbMs, durationMs: performance.now() - t0 };
      const record = (fingerprint: Parameters<typeof recorder.record>[1]): void => {
        const r = recorder.record(x, fingerprint);
        opts.onRecord?.(r);
      };
      // off the forwarding path (another thread, or a later turn): the next chunk or request is never behind a fingerprint
      if (!body) return void setImmediate(() => record(null));
      capturer.capture(body, headers).then(record, (err: Error) => {
        warn(`cachelens proxy: could not fingerprint ${method} ${pathname}: ${err.message}`);
        record({ ok: false, note: 'fingerprint failed (see the proxy log)' });
      });
    };
    const done = (): void => (tap ? tap.end(finish) : finish(null));

    const up = client.request({
      protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port || undefined, method,
      path: base + target, headers: forwardHeaders(req.rawHeaders, upstream.host), agent,
    });
    // our own code: an OS-level ETIMEDOUT (connect) is 'unreachable', not 'no response'
    const timer = setTimeout(() => up.destroy(Object.assign(new Error(`no response within ${Math.round(timeoutMs / 1000)} s`), { code: 'CACHELENS_UPSTREAM_TIMEOUT' })), timeoutMs);
    up.setNoDelay(true);

    up.on('response', (ur) => {
      clearTimeout(timer);
      status = ur.statusCode ?? 502;
      const rid = ur.headers['request-id'];
      apiRequestId = typeof rid === 'string' ? rid : null;
      res.sendDate = false; // the upstream's Date header is passed on as it is
      res.writeHead(status, ur.statusMessage, forwardHeaders(ur.rawHeaders, null));
      res.flushHeaders();
      ttfbMs = performance.now() - t0;
      ur.pipe(res);
      // after pipe's own listener: the chunk is already on its way to the client
      if (messages) {
        const t = createUsageTap(ur.headers['content-type'], ur.headers['content-encoding']);
        tap = t;
        ur.on('data', (c: Buffer) => t.write(c));
      }
      ur.on('error', (err) => {
        if (res.destroyed) return; // we stopped it because the client left
        note = `upstream connection lost mid-response: ${err.message}`;
        warn(`cachelens proxy: ${method} ${pathname}: ${note}`);
        res.destroy(err);
      });
    });

    up.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (res.headersSent) {
        // the response has started: the client sees it cut, as it would without the proxy
        note ??= `upstream connection lost mid-response: ${err.message}`;
        res.destroy(err);
        return;
      }
      if (res.destroyed) return; // the client left first (we stopped the upstream request): nobody to answer
      const timedOut = err.code === 'CACHELENS_UPSTREAM_TIMEOUT';
      status = timedOut ? 504 : 502;
      note = `${timedOut ? 'upstream timed out' : 'upstream unreachable'}: ${err.message}`;
      const message = `cachelens proxy: ${timedOut ? `upstream ${upstream.origin} sent no response within ${Math.round(timeoutMs / 1000)} s` : `cannot reach upstream ${upstream.origin}: ${err.message}`}`;
      warn(`${message} (${method} ${pathname})`);
      const body = errorBody(message);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-cachelens-proxy-error': '1' });
      res.end(body);
    });

    // written on as it comes, without waiting for 'drain': a body is at most tens of MB, and pausing
    // the client for every 16 KB the upstream socket has not taken yet costs more than the memory
    req.on('data', (c: Buffer) => {
      up.write(c);
      if (messages) chunks.push(c);
    });
    req.on('end', () => up.end());
    req.on('error', (err) => {
      note = `client request failed: ${err.message}`;
      up.destroy(err);
    });
    res.on('finish', done);
    res.on('close', () => {
      if (res.writableFinished) return;
      // the client left early: stop the upstream request too
      clearTimeout(timer);
      note ??= 'client closed the connection before the response ended';
      up.destroy();
      done();
    });
  };

  const server = http.createServer({ noDelay: true }, handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // loopback only: the proxy forwards credentials and must not be reachable from the network
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((ok, fail) => {
            server.close((err) => (err ? fail(err) : capturer.close().then(ok, fail)));
            server.closeAllConnections();
            agent.destroy();
          }),
      });
    });
  });
}
