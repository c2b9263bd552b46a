// Byte-level JSON skimming: pull a few fields out of one JSON object without
// materialising the rest. Long strings are skipped with Buffer.indexOf on '"',
// so the cost follows the number of keys and strings, not the bytes; a 50 KB
// tool result costs one native search. Specs are compiled once into key
// tables matched by bytes, so no key string is ever allocated.

/** What to extract for each key: a scalar, a nested object spec, or 'json' (parse that value whole). */
export type SkimSpec = { readonly [key: string]: 'str' | 'num' | 'bool' | 'json' | SkimSpec };

export type Skimmed = { [key: string]: unknown };

/** Buffer's native slicers skip toString's argument checks; they exist on every Node Buffer. */
type SliceBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COLON = 58;
const COMMA = 44;

/** Thrown when the bytes are not the JSON they claim to be. */
export class SkimError extends Error {}

function fail(what: string, at: number): never {
  throw new SkimError(`${what} at byte ${at}`);
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

export function skipWs(buf: Buffer, p: number, end: number): number {
  while (p < end && isWs(buf[p]!)) p++;
  return p;
}

/** Strings up to this long are walked in JS; longer ones jump with indexOf (a native call costs more than a short loop). */
const SHORT_STRING = 64;

// Strings are walked four bytes at a time (SWAR): one 32-bit read tells
// whether any of the four bytes is a quote or a backslash, by the classic
// "has a zero byte" test on the word XOR'ed with that byte repeated:
// (x - 0x01010101) & ~x & 0x80808080 is non-zero exactly when a byte of x is 0.
export const QUOTES = 0x22222222;
export const BACKSLASHES = 0x5c5c5c5c;
export const ONES = 0x01010101;
export const HIGHS = 0x80808080 | 0;

let viewBuf: Buffer | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

/** Lets go of the last buffer walked (a read buffer grown for a long line can be megabytes). */
export function forgetDataView(): void {
  viewBuf = null;
  view = new DataView(new ArrayBuffer(0));
}

/** A DataView on the bytes of `buf` (kept while the same buffer is walked). */
export function dataView(buf: Buffer): DataView {
  if (buf !== viewBuf) {
    view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    viewBuf = buf;
  }
  return view;
}

/** p at an opening quote; returns the index just past the closing quote. */
export function skipString(buf: Buffer, p: number, end: number): number {
  let q = p + 1;
  const lim = p + SHORT_STRING < end ? p + SHORT_STRING : end;
  const dv = dataView(buf);
  while (q + 4 <= lim) {
    const w = dv.getInt32(q, true);
    const a = w ^ QUOTES;
    const b = w ^ BACKSLASHES;
    if (((((a - ONES) & ~a) | ((b - ONES) & ~b)) & HIGHS) === 0) {
      q += 4;
      continue;
    }
    // a quote or a backslash among these four bytes
    const stop = q + 4;
    while (q < stop) {
      const c = buf[q]!;
      if (c === QUOTE) return q + 1;
      q += c === BACKSLASH ? 2 : 1;
    }
  }
  while (q < lim) {
    const c = buf[q]!;
    if (c === QUOTE) return q + 1;
    q += c === BACKSLASH ? 2 : 1;
  }
  return skipLongString(buf, p, q, end);
}

/**
 * The rest of a long string, from q (never inside an escape): native searches
 * for a quote, kept when an even number of backslashes precede it.
 */
function skipLongString(buf: Buffer, p: number, q: number, end: number): number {
  for (;;) {
    q = buf.indexOf(QUOTE, q);
    if (q < 0 || q >= end) fail('unterminated string', p);
    let b = q - 1;
    while (buf[b] === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    q++;
  }
}

/**
 * p at an opening quote: the index just past the closing quote when the
 * string is plain ASCII without escapes (latin1 decoding is then JSON
 * decoding), else -1 (an escape, a non-ASCII byte, or no closing quote before end).
 */
export function plainStringEnd(buf: Buffer, p: number, end: number): number {
  let q = p + 1;
  const dv = dataView(buf);
  while (q + 4 <= end) {
    const w = dv.getInt32(q, true);
    const a = w ^ QUOTES;
    const b = w ^ BACKSLASHES;
    if (((((a - ONES) & ~a) | ((b - ONES) & ~b) | w) & HIGHS) !== 0) break;
    q += 4;
  }
  for (; q < end; q++) {
    const c = buf[q]!;
    if (c === QUOTE) return q + 1;
    if (c === BACKSLASH || c >= 0x80) return -1;
  }
  return -1;
}

/** Are the bytes [s, e) plain ASCII without a backslash (so latin1 decoding is JSON decoding)? */
export function plainAscii(buf: Buffer, s: number, e: number): boolean {
  let i = s;
  const dv = dataView(buf);
  while (i + 4 <= e) {
    const w = dv.getInt32(i, true);
    const b = w ^ BACKSLASHES;
    if (((w | ((b - ONES) & ~b)) & HIGHS) !== 0) return false;
    i += 4;
  }
  for (; i < e; i++) {
    const c = buf[i]!;
    if (c === BACKSLASH || c >= 0x80) return false;
  }
  return true;
}

/** p at '{' or '['; returns the index just past the matching close. */
function skipContainer(buf: Buffer, p: number, end: number): number {
  let depth = 0;
  let i = p;
  const dv = dataView(buf);
  while (i < end) {
    const c = buf[i]!;
    if (c === QUOTE) {
      // skipString, written out here: this loop walks most of the bytes of a
      // skipped message and a call per string costs more than its short strings
      let q = i + 1;
      const lim = q + SHORT_STRING < end ? q + SHORT_STRING : end;
      let closed = false;
      while (q + 4 <= lim) {
        const w = dv.getInt32(q, true);
        const a = w ^ QUOTES;
        const b = w ^ BACKSLASHES;
        if (((((a - ONES) & ~a) | ((b - ONES) & ~b)) & HIGHS) === 0) {
          q += 4;
          continue;
        }
        const stop = q + 4;
        while (q < stop) {
          const d = buf[q]!;
          if (d === QUOTE) {
            closed = true;
            break;
          }
          q += d === BACKSLASH ? 2 : 1;
        }
        if (closed) break;
      }
      while (!closed && q < lim) {
        const d = buf[q]!;
        if (d === QUOTE) closed = true;
        else q += d === BACKSLASH ? 2 : 1;
      }
      i = closed ? q + 1 : skipLongString(buf, i, q, end);
      continue;
    }
    if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return fail('unterminated container', p);
}

/** Skips any JSON value starting at p (after whitespace). */
export function skipValue(buf: Buffer, p: number, end: number): number {
  const c = buf[p];
  if (c === QUOTE) return skipString(buf, p, end);
  if (c === LBRACE || c === LBRACKET) return skipContainer(buf, p, end);
  // number, true, false, null: runs until a delimiter
  let i = p;
  while (i < end) {
    const d = buf[i]!;
    if (d === COMMA || d === RBRACE || d === RBRACKET || isWs(d)) break;
    i++;
  }
  if (i === p) fail('empty value', p);
  return i;
}

// --- compiled specs ---

const STR = 0;
const NUM = 1;
const BOOL = 2;
const JSON_VALUE = 3;
const OBJECT = 4;

interface Entry {
  key: string;
  bytes: Uint8Array;
  kind: number;
  child: Compiled | null;
}

/** A spec compiled to a table keyed by (length, first byte, last byte) of the key. */
interface Compiled {
  table: Map<number, Entry[]>;
}

const compiledSpecs = new WeakMap<SkimSpec, Compiled>();

function keyHash(len: number, first: number, last: number): number {
  return (len << 16) | (first << 8) | last;
}

function compile(spec: SkimSpec): Compiled {
  let c = compiledSpecs.get(spec);
  if (c) return c;
  c = { table: new Map() };
  compiledSpecs.set(spec, c);
  for (const [key, want] of Object.entries(spec)) {
    const bytes = Buffer.from(key, 'latin1');
    const kind = typeof want === 'object' ? OBJECT : want === 'str' ? STR : want === 'num' ? NUM : want === 'bool' ? BOOL : JSON_VALUE;
    const entry: Entry = { key, bytes, kind, child: typeof want === 'object' ? compile(want) : null };
    const h = keyHash(bytes.length, bytes[0] ?? 0, bytes[bytes.length - 1] ?? 0);
    const list = c.table.get(h) ?? [];
    list.push(entry);
    c.table.set(h, list);
  }
  return c;
}

function findKey(c: Compiled, buf: Buffer, s: number, e: number): Entry | undefined {
  const len = e - s;
  if (len === 0) return undefined;
  const list = c.table.get(keyHash(len, buf[s]!, buf[e - 1]!));
  if (list === undefined) return undefined;
  outer: for (const entry of list) {
    const b = entry.bytes;
    for (let i = 1; i < len - 1; i++) if (buf[s + i] !== b[i]) continue outer;
    return entry;
  }
  return undefined;
}

/** Reads the string at p into out[key]; returns the index past it. */
function readString(buf: Buffer, p: number, end: number, out: Skimmed, key: string): number {
  const q = skipString(buf, p, end);
  // extracted strings are short (ids, dates, paths): one pass tells plain ASCII from the rest
  if (plainAscii(buf, p + 1, q - 1)) out[key] = (buf as SliceBuffer).latin1Slice(p + 1, q - 1);
  else out[key] = JSON.parse((buf as SliceBuffer).utf8Slice(p, q)) as string;
  return q;
}

/** Reads a number/bool/null literal (or a string when one stands there) into out[key]. */
function readScalar(buf: Buffer, p: number, end: number, kind: number, out: Skimmed, key: string): number {
  const c = buf[p];
  if (c === QUOTE) {
    const q = readString(buf, p, end, out, key);
    if (kind === NUM) out[key] = Number(out[key]);
    return q;
  }
  if (c === LBRACE || c === LBRACKET) return skipValue(buf, p, end);
  if (c === 110) {
    // null
    out[key] = null;
    return skipValue(buf, p, end);
  }
  if (c === 116 || c === 102) {
    out[key] = c === 116;
    return skipValue(buf, p, end);
  }
  // number: small non-negative integers without a native call, the rest via Number()
  let i = p;
  let n = 0;
  let simple = true;
  while (i < end) {
    const d = buf[i]!;
    if (d >= 48 && d <= 57) n = n * 10 + (d - 48);
    else if (d === COMMA || d === RBRACE || d === RBRACKET || isWs(d)) break;
    else simple = false;
    i++;
  }
  if (i === p) fail('empty value', p);
  if (simple) out[key] = n;
  else {
    const v = Number((buf as SliceBuffer).latin1Slice(p, i));
    if (Number.isNaN(v)) fail('bad literal', p);
    out[key] = v;
  }
  return i;
}

function skimCompiled(buf: Buffer, p: number, end: number, spec: Compiled, out: Skimmed): number {
  if (buf[p] !== LBRACE) fail('expected {', p);
  p = skipWs(buf, p + 1, end);
  if (buf[p] === RBRACE) return p + 1;
  for (;;) {
    if (buf[p] !== QUOTE) fail('expected key', p);
    const keyEnd = skipString(buf, p, end);
    // keys with escapes never match a spec key (none of ours has any)
    const entry = findKey(spec, buf, p + 1, keyEnd - 1);
    p = keyEnd;
    if (buf[p] !== COLON) {
      p = skipWs(buf, p, end);
      if (buf[p] !== COLON) fail('expected :', p);
    }
    p++;
    if (isWs(buf[p]!)) p = skipWs(buf, p, end);
    if (entry === undefined) p = skipValue(buf, p, end);
    else if (entry.kind === OBJECT) {
      if (buf[p] === LBRACE) {
        const sub: Skimmed = {};
        p = skimCompiled(buf, p, end, entry.child!, sub);
        out[entry.key] = sub;
      } else p = skipValue(buf, p, end);
    } else if (entry.kind === JSON_VALUE) {
      const q = skipValue(buf, p, end);
      out[entry.key] = JSON.parse((buf as SliceBuffer).utf8Slice(p, q));
      p = q;
    } else if (entry.kind === STR && buf[p] === QUOTE) {
      p = readString(buf, p, end, out, entry.key);
    } else {
      p = readScalar(buf, p, end, entry.kind, out, entry.key);
    }
    let c = buf[p];
    if (c !== COMMA && c !== RBRACE) {
      p = skipWs(buf, p, end);
      c = buf[p];
    }
    if (c === COMMA) {
      p++;
      if (buf[p] !== QUOTE) p = skipWs(buf, p, end);
      continue;
    }
    if (c === RBRACE) return p + 1;
    fail('expected , or }', p);
  }
}

/**
 * Skims the object starting at `p` (which must be '{'), filling `out` with the
 * keys named in `spec`. Returns the index just past the object's closing brace.
 * Later duplicates of a key overwrite earlier ones, as JSON.parse does.
 */
export function skimObject(buf: Buffer, p: number, end: number, spec: SkimSpec, out: Skimmed): number {
  return skimCompiled(buf, p, end, compile(spec), out);
}
