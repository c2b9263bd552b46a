// The forwarding proxy: listens on 127.0.0.1 only and sends every request to
// the upstream as it came (method, path and query, headers, body bytes), then
// passes the response back as it arrives, each chunk written to the client
// before anything else looks at it. The bytes move in relay.ts; here each
// exchange is watched: a Messages API request's body is kept (slices, no copy
// on the way) and its response tapped for the usage; the recorder runs after
// the response has ended, on a later turn of the event loop.
import { performance } from 'node:perf_hooks';
import type { ProxyFinding, ProxyRequestRecord } from '../domain/proxy.js';
import type { Pricing } from '../pricing/index.js';
import type { ProxyLogStore } from '../store/proxy-log.js';
import { isMessagesRequest, type CaptureHeaders } from './capture.js';
import { createCapturer } from './capturer.js';
import { headerValue, headerValues, type RequestHead } from './http-head.js';
import { createRecorder, type Exchange } from './record.js';
import { createRelay, type ExchangeSink } from './relay.js';
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
  /** CA certificates for an https upstream instead of Node's (tests use a self-signed one) */
  upstreamCa?: string | Buffer;
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

export function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const upstream = new URL(opts.upstream);
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new Error(`--upstream must be an http:// or https:// URL, got ${opts.upstream}`);
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((l: string) => void process.stdout.write(`${l}\n`));
  const warn = opts.warn ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const keepBodies = opts.keepBodies ?? false;
  const recorder = createRecorder({ store: opts.store, pricing: opts.pricing, keepBodies, log, warn });
  const capturer = createCapturer({ threads: opts.threads ?? true, warn });
  if (opts.store) recorder.preload(opts.store.requests({ from: now() - 2 * 60 * 60_000, to: null }));

  // one exchange as the relay passes it: the body slices are kept for the fingerprint, the response fed to the usage tap
  const open = (req: RequestHead): ExchangeSink => {
    const start = now();
    const t0 = performance.now();
    const q = req.target.indexOf('?');
    const pathname = q >= 0 ? req.target.slice(0, q) : req.target;
    const messages = isMessagesRequest(req.method, pathname);
    const chunks: Buffer[] = [];
    let status: number | null = null;
    let ttfbMs: number | null = null;
    let apiRequestId: string | null = null;
    let tap: UsageTap | null = null;

    const finish = (note: string | null, tapResult: TapResult | null): void => {
      const sid = headerValue(req.headers, 'x-claude-code-session-id');
      const beta = headerValues(req.headers, 'anthropic-beta');
      const headers: CaptureHeaders = {
        ...(sid !== undefined ? { 'x-claude-code-session-id': sid } : {}),
        ...(beta.length > 0 ? { 'anthropic-beta': beta.join(',') } : {}),
      };
      const durationMs = performance.now() - t0;
      // off the forwarding path (a later turn, then another thread): the response's last bytes have just been
      // written and the client is reading them; joining 800 KB of body slices can wait for the next turn
      setImmediate(() => {
        const body = messages ? Buffer.concat(chunks) : null;
        chunks.length = 0;
        const x: Exchange = { start, method: req.method, path: pathname, messages, body, headers, status, note, tap: tapResult, apiRequestId, ttfbMs, durationMs };
        const record = (fingerprint: Parameters<typeof recorder.record>[1]): void => {
          const r = recorder.record(x, fingerprint);
          opts.onRecord?.(r);
        };
        if (!body) return record(null);
        // the body moves to the capture thread unless the store keeps it
        capturer.capture(body, headers, !keepBodies).then(record, (err: Error) => {
          warn(`cachelens proxy: could not fingerprint ${req.method} ${pathname}: ${err.message}`);
          record({ ok: false, note: 'fingerprint failed (see the proxy log)' });
        });
      });
    };

    return {
      body(c) {
        if (messages) chunks.push(c);
      },
      response(r) {
        status = r.status;
        ttfbMs = performance.now() - t0;
        apiRequestId = headerValue(r.headers, 'request-id') ?? null;
        if (messages) tap = createUsageTap(headerValue(r.headers, 'content-type'), headerValue(r.headers, 'content-encoding'));
      },
      responseBody(c) {
        tap?.write(c);
      },
      end(o) {
        status = o.status ?? status;
        if (tap) tap.end((t) => finish(o.note, t));
        else finish(o.note, null);
      },
    };
  };

  const relay = createRelay({ upstream, timeoutMs, ca: opts.upstreamCa, warn, open });
  const server = relay.server;
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
            relay.closeConnections();
          }),
      });
    });
  });
}
