// Byte-level JSON skimming: pull a few fields out of one JSON object without
// materialising the rest. Strings are skipped with Buffer.indexOf on '"', so
// the cost follows the number of strings, not the number of bytes; a 50 KB
// tool result costs one native search.

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

/** p at an opening quote; returns the index just past the closing quote. */
export function skipString(buf: Buffer, p: number, end: number): number {
  let q = p + 1;
  const lim = Math.min(end, p + SHORT_STRING);
  while (q < lim) {
    const c = buf[q]!;
    if (c === QUOTE) return q + 1;
    q += c === BACKSLASH ? 2 : 1;
  }
  for (;;) {
    q = buf.indexOf(QUOTE, q);
    if (q < 0 || q >= end) fail('unterminated string', p);
    let b = q - 1;
    while (buf[b] === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    q++;
  }
}

/** p at '{' or '['; returns the index just past the matching close. */
function skipContainer(buf: Buffer, p: number, end: number): number {
  let depth = 0;
  let i = p;
  while (i < end) {
    const c = buf[i]!;
    if (c === QUOTE) {
      i = skipString(buf, i, end);
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

function readString(buf: Buffer, p: number, end: number): [string, number] {
  const q = skipString(buf, p, end);
  // extracted strings are short (ids, dates, paths): one pass tells plain ASCII from the rest
  let plain = true;
  for (let i = p + 1; i < q - 1; i++) {
    const c = buf[i]!;
    if (c === BACKSLASH || c >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return [(buf as SliceBuffer).latin1Slice(p + 1, q - 1), q];
  return [JSON.parse((buf as SliceBuffer).utf8Slice(p, q)) as string, q];
}

function readScalar(buf: Buffer, p: number, end: number, kind: 'str' | 'num' | 'bool'): [unknown, number] {
  const c = buf[p];
  if (c === QUOTE) {
    const [s, q] = readString(buf, p, end);
    return [kind === 'num' ? Number(s) : s, q];
  }
  const q = skipValue(buf, p, end);
  if (c === LBRACE || c === LBRACKET) return [undefined, q];
  const raw = (buf as SliceBuffer).latin1Slice(p, q);
  if (raw === 'null') return [null, q];
  if (raw === 'true') return [true, q];
  if (raw === 'false') return [false, q];
  const n = Number(raw);
  if (Number.isNaN(n)) fail('bad literal', p);
  return [n, q];
}

interface SpecEntry {
  key: string;
  bytes: Buffer;
  want: SkimSpec[string];
}

/** Spec keys indexed by (length, first byte, last byte): keys are matched without allocating strings. */
type CompiledSpec = Map<number, SpecEntry[]>;

const compiledSpecs = new WeakMap<SkimSpec, CompiledSpec>();

function keyHash(len: number, first: number, last: number): number {
  return (len << 16) | (first << 8) | last;
}

function compileSpec(spec: SkimSpec): CompiledSpec {
  let c = compiledSpecs.get(spec);
  if (c) return c;
  c = new Map();
  for (const [key, want] of Object.entries(spec)) {
    const bytes = Buffer.from(key, 'latin1');
    const h = keyHash(bytes.length, bytes[0] ?? 0, bytes[bytes.length - 1] ?? 0);
    const list = c.get(h) ?? [];
    list.push({ key, bytes, want });
    c.set(h, list);
  }
  compiledSpecs.set(spec, c);
  return c;
}

function findKey(c: CompiledSpec, buf: Buffer, s: number, e: number): SpecEntry | undefined {
  const len = e - s;
  if (len === 0) return undefined;
  const list = c.get(keyHash(len, buf[s]!, buf[e - 1]!));
  if (!list) return undefined;
  outer: for (const entry of list) {
    const b = entry.bytes;
    for (let i = 1; i < len - 1; i++) if (buf[s + i] !== b[i]) continue outer;
    return entry;
  }
  return undefined;
}

/**
 * Skims the object starting at `p` (which must be '{'), filling `out` with the
 * keys named in `spec`. Returns the index just past the object's closing brace.
 * Later duplicates of a key overwrite earlier ones, as JSON.parse does.
 */
export function skimObject(buf: Buffer, p: number, end: number, spec: SkimSpec, out: Skimmed): number {
  if (buf[p] !== LBRACE) fail('expected {', p);
  const compiled = compileSpec(spec);
  p = skipWs(buf, p + 1, end);
  if (buf[p] === RBRACE) return p + 1;
  for (;;) {
    if (buf[p] !== QUOTE) fail('expected key', p);
    const keyEnd = skipString(buf, p, end);
    // keys with escapes never match a spec key (none of ours has any)
    const entry = findKey(compiled, buf, p + 1, keyEnd - 1);
    p = skipWs(buf, keyEnd, end);
    if (buf[p] !== COLON) fail('expected :', p);
    p = skipWs(buf, p + 1, end);
    const want = entry?.want;
    const key = entry?.key as string;
    if (want === undefined) {
      p = skipValue(buf, p, end);
    } else if (typeof want === 'object') {
      if (buf[p] === LBRACE) {
        const sub: Skimmed = {};
        p = skimObject(buf, p, end, want, sub);
        out[key] = sub;
      } else {
        p = skipValue(buf, p, end);
      }
    } else if (want === 'json') {
      const q = skipValue(buf, p, end);
      out[key] = JSON.parse((buf as SliceBuffer).utf8Slice(p, q));
      p = q;
    } else {
      const [v, q] = readScalar(buf, p, end, want);
      out[key] = v;
      p = q;
    }
    p = skipWs(buf, p, end);
    const c = buf[p];
    if (c === COMMA) {
      p = skipWs(buf, p + 1, end);
      continue;
    }
    if (c === RBRACE) return p + 1;
    fail('expected , or }', p);
  }
}
