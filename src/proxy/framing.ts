// Where an HTTP/1.x body ends (RFC 9112 §6): by Content-Length, by chunked
// transfer coding, or (responses only) at the close of the connection. The
// relay forwards the framed bytes as they came; a decoder only says how many
// of a chunk's bytes belong to the body, and hands the payload (without the
// chunk-size lines) to the capture or the usage tap as slices of the chunk,
// never copies.
import { headerTokens, headerValues, type RawHeaders } from './http-head.js';

export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export interface BodyDecoder {
  /** Bytes from the start of `chunk`; returns how many belong to this body (the rest is the next message). */
  push(chunk: Buffer): number;
  readonly done: boolean;
  /** set when a chunked body is malformed; push then consumes nothing more */
  readonly error: string | null;
}

/** a chunk-size or trailer line longer than this is refused */
const MAX_LINE = 16 * 1024;

/** Content-Length values (a list or repeated header) must agree (RFC 9110 §8.6). */
function contentLength(values: readonly string[]): number | null {
  const all = values.flatMap((v) => v.split(',')).map((v) => v.trim());
  if (all.length === 0 || !all.every((v) => v === all[0] && /^\d{1,15}$/.test(v))) return null;
  return Number(all[0]);
}

/** A request's body framing from its Transfer-Encoding and Content-Length values, or why it cannot be forwarded safely. */
export function requestFraming(transferEncoding: readonly string[], cl: readonly string[]): Framing | { error: string } {
  // the usual request, one plain Content-Length: decided without the lists and the regex below, which
  // cost tens of microseconds before the first body byte goes on when the code has gone cold
  if (transferEncoding.length === 0 && cl.length === 1) {
    const n = plainLength(cl[0]!);
    if (n !== null) return n === 0 ? { kind: 'none' } : { kind: 'length', length: n };
  }
  const te = transferEncoding.flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
  if (te.length > 0) {
    // both at once is how requests are smuggled past proxies: refuse instead of picking one
    if (cl.length > 0) return { error: 'both Transfer-Encoding and Content-Length' };
    if (te[te.length - 1] !== 'chunked') return { error: `Transfer-Encoding ${te.join(', ')} does not end with chunked` };
    return { kind: 'chunked' };
  }
  if (cl.length === 0) return { kind: 'none' };
  const n = contentLength(cl);
  if (n === null) return { error: `bad Content-Length: ${cl.join(', ')}` };
  return n === 0 ? { kind: 'none' } : { kind: 'length', length: n };
}

/** A response's body framing; anything unreadable is read until the connection closes. */
export function responseFraming(method: string, status: number, headers: RawHeaders): Framing {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return { kind: 'none' };
  const te = headerTokens(headers, 'transfer-encoding');
  if (te.length > 0) return te[te.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  const cl = headerValues(headers, 'content-length');
  if (cl.length === 0) return { kind: 'close' };
  const n = contentLength(cl);
  return n === null ? { kind: 'close' } : n === 0 ? { kind: 'none' } : { kind: 'length', length: n };
}

export function createBodyDecoder(framing: Framing, onData: (payload: Buffer) => void): BodyDecoder {
  if (framing.kind === 'chunked') return chunkedDecoder(onData);
  if (framing.kind === 'close') {
    return { done: false, error: null, push: (c) => (onData(c), c.length) };
  }
  let left = framing.kind === 'length' ? framing.length : 0;
  return {
    get done() {
      return left === 0;
    },
    error: null,
    push(chunk) {
      const n = Math.min(left, chunk.length);
      if (n === 0) return 0;
      left -= n;
      onData(n === chunk.length ? chunk : chunk.subarray(0, n));
      return n;
    },
  };
}

// --- internal ---

/** 1 to 15 ASCII digits and nothing else, as a number; null for anything else (the general path decides). */
function plainLength(v: string): number | null {
  if (v.length === 0 || v.length > 15) return null;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return n;
}

function chunkedDecoder(onData: (payload: Buffer) => void): BodyDecoder {
  // 'size': a chunk-size line; 'data': payload bytes; 'data-end': the CRLF after them; 'trailer': trailer lines until an empty one
  let state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  let line = '';
  let left = 0;
  let error: string | null = null;
  const endLine = (text: string): void => {
    if (state === 'size') {
      const m = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(text);
      if (!m) error = `bad chunk size line ${JSON.stringify(text.slice(0, 40))}`;
      else {
        left = parseInt(m[1]!, 16);
        state = left === 0 ? 'trailer' : 'data';
      }
    } else if (state === 'data-end') {
      if (text === '') state = 'size';
      else error = 'chunk data longer than its size';
    } else if (text === '') state = 'done';
  };
  return {
    get done() {
      return state === 'done';
    },
    get error() {
      return error;
    },
    push(chunk) {
      let i = 0;
      while (i < chunk.length && state !== 'done' && error === null) {
        if (state === 'data') {
          const n = Math.min(left, chunk.length - i);
          onData(i === 0 && n === chunk.length ? chunk : chunk.subarray(i, i + n));
          i += n;
          left -= n;
          if (left === 0) state = 'data-end';
          continue;
        }
        // a line: read up to its LF (it may continue in the next chunk)
        const lf = chunk.indexOf(0x0a, i);
        const end = lf < 0 ? chunk.length : lf + 1;
        line += chunk.toString('latin1', i, end);
        i = end;
        if (line.length > MAX_LINE) error = 'a chunk-size or trailer line over 16 KB';
        else if (lf >= 0) {
          if (!line.endsWith('\r\n')) error = 'a bare LF in the chunked framing';
          else endLine(line.slice(0, -2));
          line = '';
        }
      }
      return i;
    },
  };
}
