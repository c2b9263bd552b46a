// HTTP/1.x message heads for the byte-level relay: find where a head ends
// (it may arrive split across socket chunks), parse the request or status line
// and the header lines, and write the request head again with the upstream's
// Host. Only heads are parsed; bodies pass as bytes (framing.ts).

/** Raw header pairs as sent: name, value, name, value, … (node's rawHeaders shape). */
export type RawHeaders = string[];

export interface RequestHead {
  method: string;
  /** the request target as sent: path and query */
  target: string;
  /** minor version: 0 or 1 (HTTP/1.x only) */
  minor: number;
  headers: RawHeaders;
}

export interface ResponseHead {
  minor: number;
  status: number;
  reason: string;
  headers: RawHeaders;
}

export type Parsed<T> = { ok: true; head: T } | { ok: false; status: number; error: string };

/** Larger heads are refused (Node's own server refuses 16 KB). */
export const MAX_HEAD_BYTES = 64 * 1024;

const BLANK_LINE = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export type HeadRead = { head: Buffer; rest: Buffer } | { tooLarge: true } | null;

export interface HeadReader {
  /** Bytes in; the head (without its blank line) and the bytes after it once the blank line is in, else null. */
  push(chunk: Buffer): HeadRead;
  /** bytes of an unfinished head held so far */
  readonly held: number;
}

export function createHeadReader(max = MAX_HEAD_BYTES): HeadReader {
  let held: Buffer | null = null;
  return {
    get held() {
      return held?.length ?? 0;
    },
    push(chunk) {
      let buf = chunk;
      let from = 0;
      if (held) {
        // only a head split across chunks is copied; the blank line may straddle the split
        from = Math.max(0, held.length - 3);
        buf = Buffer.concat([held, chunk]);
        held = null;
      }
      const end = buf.indexOf(BLANK_LINE, from);
      if (end < 0) {
        if (buf.length > max) return { tooLarge: true };
        held = buf;
        return null;
      }
      if (end > max) return { tooLarge: true };
      return { head: buf.subarray(0, end), rest: buf.subarray(end + 4) };
    },
  };
}

function parseHeaderLines(lines: readonly string[]): RawHeaders | string {
  const out: RawHeaders = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith(' ') || l.startsWith('\t')) return 'a header line folded onto the next (obsolete, refused)';
    const colon = l.indexOf(':');
    const name = colon > 0 ? l.slice(0, colon) : '';
    if (!TOKEN.test(name)) return `a header line without a valid name: ${JSON.stringify(l.slice(0, 40))}`;
    const value = l.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (/[\0\r\n]/.test(value)) return `header ${name} has a control character in its value`;
    out.push(name, value);
  }
  return out;
}

/** A request head; empty lines before the request line are skipped (RFC 9112 §2.2). */
export function parseRequestHead(head: Buffer): Parsed<RequestHead> {
  const lines = head.toString('latin1').replace(/^(\r\n)+/, '').split('\r\n');
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP\/(\d)\.(\d)$/.exec(lines[0]!);
  if (!m) return { ok: false, status: 400, error: `not an HTTP request line: ${JSON.stringify(lines[0]!.slice(0, 60))}` };
  if (m[3] !== '1' || (m[4] !== '0' && m[4] !== '1')) return { ok: false, status: 505, error: `HTTP/${m[3]}.${m[4]} is not supported; use HTTP/1.1` };
  const headers = parseHeaderLines(lines);
  if (typeof headers === 'string') return { ok: false, status: 400, error: headers };
  return { ok: true, head: { method: m[1]!, target: m[2]!, minor: Number(m[4]), headers } };
}

export function parseResponseHead(head: Buffer): Parsed<ResponseHead> {
  const lines = head.toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!m) return { ok: false, status: 502, error: `not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 60))}` };
  const headers = parseHeaderLines(lines);
  if (typeof headers === 'string') return { ok: false, status: 502, error: headers };
  return { ok: true, head: { minor: Number(m[1]), status: Number(m[2]), reason: m[3] ?? '', headers } };
}

/** Every value of a header (case-insensitive name), in order. */
export function headerValues(raw: RawHeaders, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

export const headerValue = (raw: RawHeaders, name: string): string | undefined => headerValues(raw, name)[0];

/** The comma-separated tokens of a header, lower-cased (Connection, Transfer-Encoding). */
export const headerTokens = (raw: RawHeaders, name: string): string[] =>
  headerValues(raw, name).flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()).filter((t) => t !== '');

/** Does the connection end after this message? (RFC 9112 §9.3) */
export function closesConnection(raw: RawHeaders, minor: number): boolean {
  const t = headerTokens(raw, 'connection');
  return t.includes('close') || (minor === 0 && !t.includes('keep-alive'));
}

// hop-by-hop headers (RFC 9110 §7.6.1) that the relay does not pass on. Transfer-Encoding and
// Trailer stay: the body bytes are forwarded as they came, so their framing must travel with them.
const DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'host']);

/** The request head as sent upstream: the path under the upstream's base, its Host, no hop-by-hop headers. */
export function writeRequestHead(h: RequestHead, upstream: { host: string; base: string }): Buffer {
  const conn = headerTokens(h.headers, 'connection');
  let s = `${h.method} ${upstream.base}${h.target} HTTP/1.${h.minor}\r\nHost: ${upstream.host}\r\n`;
  for (let i = 0; i < h.headers.length; i += 2) {
    const k = h.headers[i]!.toLowerCase();
    if (DROP.has(k) || (conn.includes(k) && k !== 'content-length' && k !== 'transfer-encoding')) continue;
    s += `${h.headers[i]}: ${h.headers[i + 1]}\r\n`;
  }
  // the upstream connection is this client's alone, so whether it stays open is the client's to say
  const keep = conn.filter((t) => t === 'close' || t === 'keep-alive');
  if (keep.length > 0) s += `Connection: ${keep.join(', ')}\r\n`;
  return Buffer.from(`${s}\r\n`, 'latin1');
}
