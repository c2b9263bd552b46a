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
      const end = findBlankLine(buf, from, max + 4);
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

/** A request head as the relay needs it, read in one pass. */
export interface ScannedRequest {
  head: RequestHead;
  /** Transfer-Encoding and Content-Length values as sent (the body's framing) */
  transferEncoding: string[];
  contentLength: string[];
  /** the Connection header's tokens, lower-cased */
  connection: string[];
  /** the head to send upstream: the path under the upstream's base, its Host, no hop-by-hop headers */
  out: Buffer;
}

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) HTTP\/(\d)\.(\d)$/;
// every header line well-formed: a token, a colon, a value without CR, LF or NUL (so no folded lines)
const HEADER_BLOCK = /^(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n\0]*\r\n)*$/;

/**
 * Parse a request head and write the one to send upstream, in one pass. It
 * runs before the first byte of each request goes on, so it is one validating
 * regex and one loop: separate passes per header cost a tenth of a
 * millisecond once the code has gone cold between requests.
 */
export function scanRequestHead(bytes: Buffer, upstream: { host: string; base: string }): Parsed<ScannedRequest> {
  const s = bytes.toString('latin1');
  let start = 0;
  while (s.startsWith('\r\n', start)) start += 2; // empty lines before a request line are skipped (RFC 9112 §2.2)
  const eol = s.indexOf('\r\n', start);
  const m = REQUEST_LINE.exec(eol < 0 ? s.slice(start) : s.slice(start, eol));
  if (!m) return { ok: false, status: 400, error: `not an HTTP request line: ${JSON.stringify(s.slice(start, start + 60).split('\r\n')[0])}` };
  if (m[3] !== '1' || (m[4] !== '0' && m[4] !== '1')) return { ok: false, status: 505, error: `HTTP/${m[3]}.${m[4]} is not supported; use HTTP/1.1` };
  const block = eol < 0 ? '' : `${s.slice(eol + 2)}\r\n`;
  if (!HEADER_BLOCK.test(block)) {
    const bad = parseHeaderLines(['', ...block.slice(0, -2).split('\r\n')]);
    return { ok: false, status: 400, error: typeof bad === 'string' ? bad : 'a malformed header line' };
  }
  const headers: RawHeaders = [];
  const r: ScannedRequest = { head: { method: m[1]!, target: m[2]!, minor: Number(m[4]), headers }, transferEncoding: [], contentLength: [], connection: [], out: EMPTY };
  let kept = '';
  for (let i = 0; i < block.length; ) {
    const end = block.indexOf('\r\n', i);
    const colon = block.indexOf(':', i);
    const name = block.slice(i, colon);
    const value = trimOws(block.slice(colon + 1, end));
    headers.push(name, value);
    const k = name.toLowerCase();
    if (k === 'content-length') r.contentLength.push(value);
    else if (k === 'transfer-encoding') r.transferEncoding.push(value);
    else if (k === 'connection') for (const t of value.split(',')) r.connection.push(t.trim().toLowerCase());
    // the line goes on as it came unless it is hop-by-hop
    if (!DROP.has(k)) kept += block.slice(i, end + 2);
    i = end + 2;
  }
  // headers that Connection names are hop-by-hop too (rare, so a second pass only then); never the body's framing
  const named = r.connection.filter((t) => t !== '' && t !== 'close' && t !== 'keep-alive' && t !== 'content-length' && t !== 'transfer-encoding');
  if (named.length > 0) kept = kept.split('\r\n').filter((l) => l === '' || !named.includes(l.slice(0, l.indexOf(':')).toLowerCase())).join('\r\n');
  // the upstream connection is this client's alone, so whether it stays open is the client's to say
  const keep = r.connection.filter((t) => t === 'close' || t === 'keep-alive');
  const connection = keep.length > 0 ? `Connection: ${keep.join(', ')}\r\n` : '';
  r.out = Buffer.from(`${r.head.method} ${upstream.base}${r.head.target} HTTP/1.${r.head.minor}\r\nHost: ${upstream.host}\r\n${kept}${connection}\r\n`, 'latin1');
  return { ok: true, head: r };
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

/** Does the connection end after this message? `connection`: its Connection header's tokens (RFC 9112 §9.3) */
export const closesConnection = (connection: readonly string[], minor: number): boolean =>
  connection.includes('close') || (minor === 0 && !connection.includes('keep-alive'));

// --- internal ---

// hop-by-hop headers (RFC 9110 §7.6.1) that the relay does not pass on, and Host (replaced). Transfer-Encoding
// and Trailer stay: the body bytes are forwarded as they came, so their framing must travel with them.
const DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'host']);
const EMPTY = Buffer.alloc(0);

/**
 * Where the first CR LF CR LF at or after `from` starts, looking at no byte from `limit` on; -1 if none.
 * A byte loop, not Buffer#indexOf: it runs on each request's first chunk, and between paced requests
 * the native call's path has gone cold and costs about 40 µs, this loop a few (BENCHMARKS.md, Proxy).
 */
function findBlankLine(buf: Buffer, from: number, limit: number): number {
  const n = Math.min(buf.length, limit);
  for (let i = from + 3; i < n; i++) {
    if (buf[i] === 0x0a && buf[i - 1] === 0x0d && buf[i - 2] === 0x0a && buf[i - 3] === 0x0d) return i - 3;
  }
  return -1;
}

function trimOws(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}
