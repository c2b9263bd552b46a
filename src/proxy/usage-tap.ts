// Reads the usage out of a response while it is passed on: the proxy writes
// each chunk to the client first and hands the same chunk to the tap after,
// so the tap never holds a chunk back. Streams (SSE) are read line by line and
// only `message_start`, `message_delta` and `error` events are parsed; a JSON
// body is kept (up to a limit) and parsed at its end. A compressed response is
// inflated on a copy; the client still gets the bytes as sent.
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import type { ProxyUsage } from '../domain/proxy.js';

/** JSON bodies larger than this are passed on but not parsed for usage. */
export const JSON_LIMIT = 16 * 1024 * 1024;

export interface TapResult {
  usage: ProxyUsage | null;
  /** the response's model (message_start.message.model or the body's) */
  model: string | null;
  /** an `error` event or an error body: its type */
  error: string | null;
  /** why no usage could be read (unsupported encoding, bad JSON, …) */
  note: string | null;
}

export interface UsageTap {
  write(chunk: Buffer): void;
  /** call once the response has ended; calls `done` when every copied byte is read */
  end(done: (r: TapResult) => void): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Merge an API usage object into `u` (message_delta carries cumulative counts: later values win). */
export function mergeUsage(u: ProxyUsage | null, raw: unknown): ProxyUsage | null {
  if (!isObj(raw)) return u;
  const out: ProxyUsage = u ? { ...u } : { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0 };
  const input = num(raw['input_tokens']);
  if (input !== undefined) out.input = input;
  const read = num(raw['cache_read_input_tokens']);
  if (read !== undefined) out.cacheRead = read;
  const output = num(raw['output_tokens']);
  if (output !== undefined) out.output = output;
  const split = isObj(raw['cache_creation']) ? raw['cache_creation'] : null;
  const w5 = num(split?.['ephemeral_5m_input_tokens']);
  const w1 = num(split?.['ephemeral_1h_input_tokens']);
  const total = num(raw['cache_creation_input_tokens']);
  if (w5 !== undefined || w1 !== undefined) {
    out.cacheWrite5m = w5 ?? 0;
    out.cacheWrite1h = w1 ?? 0;
  } else if (total !== undefined) {
    // no per-TTL split (message_delta carries only the cumulative total): keep the split message_start gave
    const before = out.cacheWrite5m + out.cacheWrite1h;
    out.cacheWrite1h = before > 0 ? Math.round((total * out.cacheWrite1h) / before) : 0;
    out.cacheWrite5m = total - out.cacheWrite1h;
  }
  return out;
}

/** The SSE reader: event lines in, usage out. */
function sseReader(): { text(s: string): void; result(): TapResult } {
  let pending = '';
  let event = '';
  const r: TapResult = { usage: null, model: null, error: null, note: null };
  const line = (l: string): void => {
    if (l.startsWith('event:')) {
      event = l.slice(6).trim();
      return;
    }
    if (l === '') {
      event = '';
      return;
    }
    if (!l.startsWith('data:') || (event !== 'message_start' && event !== 'message_delta' && event !== 'error')) return;
    let data: unknown;
    try {
      data = JSON.parse(l.slice(5));
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      r.note = `unreadable ${event} event`;
      return;
    }
    if (!isObj(data)) return;
    if (event === 'message_start' && isObj(data['message'])) {
      const m = data['message'];
      if (typeof m['model'] === 'string') r.model = m['model'];
      r.usage = mergeUsage(r.usage, m['usage']);
    } else if (event === 'message_delta') {
      r.usage = mergeUsage(r.usage, data['usage']);
    } else if (event === 'error' && isObj(data['error'])) {
      r.error = String(data['error']['type'] ?? 'error');
    }
  };
  return {
    text(s) {
      pending += s;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        line(pending.slice(0, pending[nl - 1] === '\r' ? nl - 1 : nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    },
    result() {
      if (pending !== '') line(pending);
      return r;
    },
  };
}

function jsonReader(): { text(s: string): void; result(): TapResult } {
  const parts: string[] = [];
  let size = 0;
  return {
    text(s) {
      size += s.length;
      if (size <= JSON_LIMIT) parts.push(s);
    },
    result() {
      const r: TapResult = { usage: null, model: null, error: null, note: null };
      if (size > JSON_LIMIT) return { ...r, note: `response body over ${JSON_LIMIT} bytes: usage not read` };
      let body: unknown;
      try {
        body = JSON.parse(parts.join(''));
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        return { ...r, note: 'response body is not JSON' };
      }
      if (!isObj(body)) return r;
      if (typeof body['model'] === 'string') r.model = body['model'];
      if (isObj(body['error'])) r.error = String(body['error']['type'] ?? 'error');
      r.usage = mergeUsage(null, body['usage']);
      return r;
    },
  };
}

/** A tap for one response, by its content type and content encoding. */
export function createUsageTap(contentType: string | undefined, contentEncoding: string | undefined): UsageTap {
  const reader = (contentType ?? '').includes('text/event-stream') ? sseReader() : jsonReader();
  const decoder = new StringDecoder('utf8');
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  const inflate = enc === 'gzip' || enc === 'x-gzip' ? zlib.createGunzip() : enc === 'deflate' ? zlib.createInflate() : enc === 'br' ? zlib.createBrotliDecompress() : null;
  const unsupported = inflate === null && enc !== 'identity' && enc !== '' ? `content-encoding ${enc}: usage not read` : null;
  let inflateError: string | null = null;
  if (inflate) {
    inflate.on('data', (b: Buffer) => reader.text(decoder.write(b)));
    inflate.on('error', (err: Error) => {
      inflateError = `could not inflate the ${enc} response: ${err.message}`;
    });
  }
  const finish = (): TapResult => {
    reader.text(decoder.end());
    const r = reader.result();
    const note = unsupported ?? inflateError ?? r.note;
    return { ...r, note };
  };
  return {
    write(chunk) {
      if (unsupported) return;
      if (inflate) inflate.write(chunk);
      else reader.text(decoder.write(chunk));
    },
    end(done) {
      if (!inflate || unsupported) return done(finish());
      if (inflateError) return done(finish());
      inflate.once('end', () => done(finish()));
      inflate.once('error', () => done(finish()));
      inflate.end();
    },
  };
}
