// After a response has been passed on: fingerprint the request, diagnose it
// against the earlier requests of its conversation, store both and print one
// line. Runs off the forwarding path (the caller defers it), so the client
// never waits for it. The conversation history lives in this closure.
import type { ProxyFinding, ProxyRequestRecord } from '../domain/proxy.js';
import type { Pricing } from '../pricing/index.js';
import { documentedMinimum, FALLBACK_MINIMUM, type PrefixBlock } from '../sim/index.js';
import type { ProxyLogStore } from '../store/proxy-log.js';
import { toProxyBlocks, type Capture, type CaptureHeaders, type CapturedRequest } from './capture.js';
import { commonPrefix, diagnose, type DiagnoseContext, type SeenRequest } from './diagnose.js';
import type { TapResult } from './usage-tap.js';

/** One request/response pair as the server saw it. Only the headers the capture needs are passed on. */
export interface Exchange {
  start: number;
  method: string;
  path: string;
  /** POST /v1/messages: fingerprinted */
  messages: boolean;
  /** the request body (Messages requests only) */
  body: Buffer | null;
  /** x-claude-code-session-id and anthropic-beta, nothing else */
  headers: CaptureHeaders;
  status: number | null;
  note: string | null;
  tap: TapResult | null;
  apiRequestId: string | null;
  ttfbMs: number | null;
  durationMs: number | null;
}

export interface RecorderOptions {
  store: ProxyLogStore | null;
  pricing: Pricing;
  keepBodies: boolean;
  log: (line: string) => void;
  warn: (line: string) => void;
}

export interface Recorder {
  /** `fingerprint`: the body's capture (Messages requests), done by the caller (see capturer.ts) */
  record(x: Exchange, fingerprint: Capture | null): { record: ProxyRequestRecord; finding: ProxyFinding | null };
  /** takes earlier requests (from the store) into the history, so a restarted proxy still compares */
  preload(records: readonly ProxyRequestRecord[]): void;
}

/** requests kept per conversation for comparison */
const HISTORY = 32;
/** conversations idle longer than this are forgotten (the longest TTL, with room) */
const FORGET_MS = 2 * 60 * 60_000;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function diagnoseContext(pricing: Pricing): DiagnoseContext {
  return {
    minimumTokens: (key) => documentedMinimum(key) ?? FALLBACK_MINIMUM,
    premium(r) {
      const u = r.usage;
      const prices = pricing.unitPrices({
        model: r.model, timestamp: r.start, input: u.input, cacheWrite5m: u.cacheWrite5m, cacheWrite1h: u.cacheWrite1h,
        cacheRead: u.cacheRead, output: u.output, speed: r.settings.speed, inferenceGeo: null,
      });
      if (!prices) return null;
      const w = u.cacheWrite5m + u.cacheWrite1h;
      const share1h = w > 0 ? u.cacheWrite1h / w : 0;
      return share1h * prices.cacheWrite1h + (1 - share1h) * prices.cacheWrite5m - prices.cacheRead;
    },
  };
}

function seenOf(id: number, start: number, c: CapturedRequest, usage: NonNullable<ProxyRequestRecord['usage']>, pricing: Pricing): SeenRequest {
  return { id, start, model: c.model, modelKey: pricing.resolve(c.model) ?? c.model, settings: c.settings, blocks: c.blocks, usage };
}

function line(rec: ProxyRequestRecord, f: ProxyFinding | null): string {
  const time = new Date(rec.timestamp).toISOString().slice(11, 19);
  const head = `${time} ${rec.method} ${rec.path} ${rec.status ?? '—'}`;
  if (rec.kind !== 'messages') return `${head} · ${rec.note ?? 'not a Messages request'}: forwarded untouched`;
  const u = rec.usage;
  const usage = u ? ` · read ${int(u.cacheRead)} · write ${int(u.cacheWrite5m + u.cacheWrite1h)} · input ${int(u.input)}` : '';
  const ms = rec.durationMs === null ? '' : ` · ${int(rec.durationMs)} ms`;
  const note = rec.note ? ` · ${rec.note}` : '';
  const diag = f
    ? ` — ${f.cause === 'below-minimum' ? 'MISS' : 'REBUILD'} ${f.cause}: ${f.detail}; ${int(f.tokensRewritten)} tokens re-written${f.wastedUSD === null ? '' : `, $${f.wastedUSD.toFixed(4)}`}`
    : '';
  return `${head} ${rec.model ?? ''}${rec.stream ? ' stream' : ''}${usage}${ms}${note}${diag}`;
}

export function createRecorder(opts: RecorderOptions): Recorder {
  const history = new Map<string, SeenRequest[]>();
  const ctx = diagnoseContext(opts.pricing);
  let localId = 0;

  const remember = (conversation: string, seen: SeenRequest): void => {
    const list = history.get(conversation) ?? [];
    list.push(seen);
    if (list.length > HISTORY) list.shift();
    history.set(conversation, list);
    for (const [k, v] of history) if (seen.start - v[v.length - 1]!.start > FORGET_MS) history.delete(k);
  };

  return {
    preload(records) {
      for (const r of records) {
        if (r.kind !== 'messages' || r.status !== 200 || !r.usage || !r.blocks || !r.settings || !r.model || !r.conversation) continue;
        const blocks: PrefixBlock[] = r.blocks.map((b) => ({
          ...b, hash: parseInt(b.hash, 16), cumulativeHash: parseInt(b.cumulativeHash, 16), estimated: true, cacheable: b.kind !== 'thinking' && b.kind !== 'redacted_thinking',
        }));
        const seen: SeenRequest = { id: r.id, start: r.timestamp, model: r.model, modelKey: opts.pricing.resolve(r.model) ?? r.model, settings: r.settings, blocks, usage: r.usage };
        remember(r.conversation, seen);
      }
    },
    record(x, fingerprint) {
      let capture: CapturedRequest | null = null;
      let note = x.note;
      let kind: ProxyRequestRecord['kind'] = x.messages ? 'messages' : 'other';
      if (x.messages && fingerprint) {
        if (fingerprint.ok) capture = fingerprint.request;
        else {
          kind = 'malformed';
          note = note ? `${fingerprint.note}; ${note}` : fingerprint.note;
        }
      }
      for (const extra of [x.tap?.error ? `API error: ${x.tap.error}` : null, x.tap?.note ?? null]) if (extra) note = note ? `${note}; ${extra}` : extra;
      const usage = x.tap?.usage ?? null;
      const rec: ProxyRequestRecord = {
        id: 0, timestamp: x.start, method: x.method, path: x.path, kind, note, status: x.status, stream: capture?.stream ?? false,
        sessionId: capture?.sessionId ?? null, conversation: capture?.conversation ?? null, model: capture?.model ?? null,
        settings: capture?.settings ?? null, blocks: capture ? toProxyBlocks(capture.blocks) : null, usage,
        apiRequestId: x.apiRequestId, ttfbMs: x.ttfbMs, durationMs: x.durationMs,
      };
      let diag: Omit<ProxyFinding, 'requestId'> | null = null;
      let seen: SeenRequest | null = null;
      if (capture && usage && x.status === 200) {
        seen = seenOf(0, x.start, capture, usage, opts.pricing);
        const d = diagnose(history.get(capture.conversation) ?? [], seen, ctx);
        if (d) diag = { apiRequestId: x.apiRequestId, ...d, timestamp: new Date(x.start).toISOString(), sessionId: capture.sessionId, conversation: capture.conversation };
      }
      let id = ++localId;
      if (opts.store) {
        // the stored blocks refer to the earlier request sharing the longest prefix: only the rest is written
        let base: { id: number; shared: number } | null = null;
        for (const h of capture ? (history.get(capture.conversation) ?? []) : []) {
          const n = commonPrefix(h.blocks, capture!.blocks);
          if (n > (base?.shared ?? 0)) base = { id: h.id, shared: n };
        }
        try {
          id = opts.store.add(rec, diag, opts.keepBodies && x.body ? x.body : null, base);
        } catch (err) {
          // the request itself went through; say that this one is missing from the store
          opts.warn(`cachelens proxy: could not store the request: ${(err as Error).message}`);
        }
      }
      rec.id = id;
      if (seen && capture) remember(capture.conversation, { ...seen, id });
      const finding = diag ? { requestId: id, ...diag } : null;
      opts.log(line(rec, finding));
      return { record: rec, finding };
    },
  };
}
