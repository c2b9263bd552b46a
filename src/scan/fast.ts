// Zero-allocation decoding of the lines that carry usage. The generic skimmer
// (skim.ts + line.ts) builds an object per JSON object and a string per field
// for every line; most of that is thrown away again, since about half of the
// usage lines are further lines of a response already seen. This decoder
// walks the same bytes with the same rules, but keeps what it finds as slots
// (a value type plus a byte range or a number, per key of LINE_SPEC), so a
// line costs no allocation until a string is really needed.
//
// It is a fast path, never a second opinion: whenever a line is not what it
// expects (a duplicate key, a number written as a string, more than one
// object on the line, bad JSON, ...) it answers FALLBACK and the caller
// decodes that line with the generic decoder, which then decides exactly as
// before. Where it does answer, it answers what the generic decoder would.
import { eventOutcome, LINE_SPEC, type LineContext, type LineOutcome } from './line.js';
import { BACKSLASHES, dataView, HIGHS, ONES, plainAscii, plainStringEnd, QUOTES, SkimError, skipString, skipValue, skipWs, type SkimSpec, type Skimmed } from './skim.js';

type SliceBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

const QUOTE = 34;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COLON = 58;
const COMMA = 44;

function isWs(c: number | undefined): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

// --- slot layout: LINE_SPEC as a tree of key tables ---

const K_STR = 0;
const K_NUM = 1;
const K_BOOL = 2;
const K_OBJ = 3;

/** Value types of a slot (meaningful only when the key was seen on the current line). */
const V_NONE = 0; // key seen, nothing kept (a container where a scalar was wanted, or a non-object where an object was)
const V_STR = 1; // plain ASCII string without escapes: bytes [start, end)
const V_DSTR = 2; // any other string, decoded by JSON.parse: strs[e]
const V_NUM = 3;
const V_TRUE = 4;
const V_FALSE = 5;
const V_NULL = 6;
const V_OBJ = 7;

interface Layout {
  n: number;
  kind: Uint8Array;
  /** group of an object entry's members; -1 for scalars */
  child: Int16Array;
  group: Int16Array;
  keyOff: Int32Array;
  keyLen: Int32Array;
  keyBytes: Uint8Array;
  /** each key's bytes as little-endian 32-bit words (the last one zero-padded), from keyWordOff */
  keyWords: Int32Array;
  keyWordOff: Int32Array;
  names: string[];
  members: number[][];
  table: Int16Array;
  mask: number;
  byPath: Map<string, number>;
}

function keyHash(g: number, len: number, first: number, last: number): number {
  return (Math.imul(len * 31 + first, 0x9e3779b1) ^ Math.imul(last + 1, 0x85ebca6b) ^ Math.imul(g + 1, 0xc2b2ae35)) >>> 0;
}

function compileLayout(spec: SkimSpec): Layout {
  const kinds: number[] = [];
  const childs: number[] = [];
  const groups: number[] = [];
  const names: string[] = [];
  const members: number[][] = [];
  const byPath = new Map<string, number>();
  const keys: Buffer[] = [];
  // each occurrence of a nested spec gets its own group (a tree, not a DAG: message and data.message.message differ)
  const addGroup = (s: SkimSpec, prefix: string): number => {
    const g = members.length;
    members.push([]);
    for (const [key, want] of Object.entries(s)) {
      const e = kinds.length;
      const path = prefix + key;
      names.push(key);
      keys.push(Buffer.from(key, 'latin1'));
      groups.push(g);
      members[g]!.push(e);
      byPath.set(path, e);
      if (typeof want === 'object') {
        kinds.push(K_OBJ);
        childs.push(-2); // patched below
        childs[e] = addGroup(want, `${path}.`);
      } else {
        if (want === 'json') throw new Error('fast decoder: json values are not supported');
        kinds.push(want === 'str' ? K_STR : want === 'num' ? K_NUM : K_BOOL);
        childs.push(-1);
      }
    }
    return g;
  };
  addGroup(spec, '');
  const n = kinds.length;
  const size = 1024;
  const table = new Int16Array(size).fill(-1);
  const keyOff = new Int32Array(n);
  const keyLen = new Int32Array(n);
  const keyBytes = new Uint8Array(keys.reduce((s, k) => s + k.length, 0));
  const keyWordOff = new Int32Array(n);
  const keyWords = new Int32Array(keys.reduce((s, k) => s + Math.ceil(k.length / 4), 0));
  let off = 0;
  let woff = 0;
  for (let e = 0; e < n; e++) {
    const k = keys[e]!;
    keyWordOff[e] = woff;
    const padded = Buffer.alloc(Math.ceil(k.length / 4) * 4);
    k.copy(padded);
    for (let i = 0; i < padded.length; i += 4) keyWords[woff++] = padded.readInt32LE(i);
    keyOff[e] = off;
    keyLen[e] = k.length;
    keyBytes.set(k, off);
    off += k.length;
    let h = keyHash(groups[e]!, k.length, k[0]!, k[k.length - 1]!) & (size - 1);
    while (table[h] !== -1) h = (h + 1) & (size - 1);
    table[h] = e;
  }
  return {
    n,
    kind: Uint8Array.from(kinds),
    child: Int16Array.from(childs),
    group: Int16Array.from(groups),
    keyOff,
    keyLen,
    keyBytes,
    keyWords,
    keyWordOff,
    names,
    members,
    table,
    mask: size - 1,
    byPath,
  };
}

const L = compileLayout(LINE_SPEC);

/** The len bytes at s equal the key whose words start at w (4 bytes at a time, the tail byte by byte). */
function keyEquals(buf: Buffer, s: number, len: number, w: number): boolean {
  const words = L.keyWords;
  const dv = dataView(buf);
  let i = 0;
  for (; i + 4 <= len; i += 4, w++) if (dv.getInt32(s + i, true) !== words[w]) return false;
  if (i === len) return true;
  let last = words[w]!;
  for (; i < len; i++, last >>>= 8) if (buf[s + i] !== (last & 0xff)) return false;
  return true;
}

/** Quick reject: (key length, first byte) pairs that some spec key has. */
const MAX_KEY = 64;
const KEY_MAYBE = new Uint8Array(MAX_KEY * 256);
for (let e = 0; e < L.n; e++) if (L.keyLen[e]! < MAX_KEY) KEY_MAYBE[L.keyLen[e]! * 256 + L.keyBytes[L.keyOff[e]!]!] = 1;

function slot(path: string): number {
  const e = L.byPath.get(path);
  if (e === undefined) throw new Error(`fast decoder: no slot ${path}`);
  return e;
}

/** The slots of one `message` object (top-level, or data.message.message of a progress line). */
interface MessageSlots {
  message: number;
  id: number;
  model: number;
  usage: number;
  input: number;
  output: number;
  flat: number;
  read: number;
  split: number;
  w5: number;
  w1: number;
  speed: number;
  geo: number;
}

function messageSlots(prefix: string): MessageSlots {
  const u = `${prefix}.usage`;
  return {
    message: slot(prefix),
    id: slot(`${prefix}.id`),
    model: slot(`${prefix}.model`),
    usage: slot(u),
    input: slot(`${u}.input_tokens`),
    output: slot(`${u}.output_tokens`),
    flat: slot(`${u}.cache_creation_input_tokens`),
    read: slot(`${u}.cache_read_input_tokens`),
    split: slot(`${u}.cache_creation`),
    w5: slot(`${u}.cache_creation.ephemeral_5m_input_tokens`),
    w1: slot(`${u}.cache_creation.ephemeral_1h_input_tokens`),
    speed: slot(`${u}.speed`),
    geo: slot(`${u}.inference_geo`),
  };
}

const S_TYPE = slot('type');
const S_SESSION = slot('sessionId');
const S_SIDECHAIN = slot('isSidechain');
const S_AGENT = slot('agentId');
const S_VERSION = slot('version');
const S_TIMESTAMP = slot('timestamp');
const S_CWD = slot('cwd');
const S_REQUEST = slot('requestId');
const S_API_ERROR = slot('isApiErrorMessage');
const S_ERROR = slot('error');
const S_DATA = slot('data');
const S_DATA_TYPE = slot('data.type');
const S_DATA_AGENT = slot('data.agentId');
const S_DATA_MESSAGE = slot('data.message');
const S_DATA_REQUEST = slot('data.message.requestId');
const S_DATA_TIMESTAMP = slot('data.message.timestamp');
const TOP_MESSAGE = messageSlots('message');
const PROGRESS_MESSAGE = messageSlots('data.message.message');

const ASSISTANT = Buffer.from('assistant');
const PROGRESS = Buffer.from('progress');
const AGENT_PROGRESS = Buffer.from('agent_progress');
const SYNTHETIC = Buffer.from('<synthetic>');

// --- results ---

/** The generic decoder must decide this line. */
export const FALLBACK = -1;
/** A well-formed line that matters to nobody. */
export const R_NONE = 0;
export const R_USAGE = 1;
export const R_API_ERROR = 2;
export const R_NO_MESSAGE_ID = 3;
export const R_SYNTHETIC = 4;
export const R_NO_TIMESTAMP = 5;
/** A conversation event, in `event`. */
export const R_EVENT = 6;

const AGENT_NONE = 0;
const AGENT_SIDECHAIN = 1;
const AGENT_PROGRESS_LINE = 2;

/** strings remembered per slot (a model that alternates with a sub-agent's, a few sessions in turn) */
const RECENT = 4;

const CUMULATIVE_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function digit(c: number): number {
  const d = c - 48;
  return d >= 0 && d <= 9 ? d : -1000000;
}

/**
 * Date.parse of `YYYY-MM-DDTHH:MM:SS.mmmZ` read from bytes (what Claude Code
 * writes). Any other form, or a field out of the plain range, goes to Date.parse.
 */
export function parseTimestamp(buf: Buffer, s: number, e: number): number {
  if (
    e - s === 24 &&
    buf[s + 4] === 45 &&
    buf[s + 7] === 45 &&
    buf[s + 10] === 84 &&
    buf[s + 13] === 58 &&
    buf[s + 16] === 58 &&
    buf[s + 19] === 46 &&
    buf[s + 23] === 90
  ) {
    const y = digit(buf[s]!) * 1000 + digit(buf[s + 1]!) * 100 + digit(buf[s + 2]!) * 10 + digit(buf[s + 3]!);
    const mo = digit(buf[s + 5]!) * 10 + digit(buf[s + 6]!);
    const d = digit(buf[s + 8]!) * 10 + digit(buf[s + 9]!);
    const h = digit(buf[s + 11]!) * 10 + digit(buf[s + 12]!);
    const mi = digit(buf[s + 14]!) * 10 + digit(buf[s + 15]!);
    const sec = digit(buf[s + 17]!) * 10 + digit(buf[s + 18]!);
    const ms = digit(buf[s + 20]!) * 100 + digit(buf[s + 21]!) * 10 + digit(buf[s + 22]!);
    // V8 rolls day 29..31 over into the next month, as Date.UTC does; the arithmetic below does the same
    if (y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59 && ms >= 0) {
      const leap = mo > 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 1 : 0;
      const yy = y - 1;
      const days = (y - 1970) * 365 + (((yy / 4) | 0) - 492) - (((yy / 100) | 0) - 19) + (((yy / 400) | 0) - 4) + CUMULATIVE_DAYS[mo - 1]! + leap + d - 1;
      return days * 86400000 + h * 3600000 + mi * 60000 + sec * 1000 + ms;
    }
  }
  return Date.parse((buf as SliceBuffer).latin1Slice(s, e));
}

/**
 * Decodes one marked line into slots. Reused for every line of a thread; after
 * `decode` returns R_USAGE or R_API_ERROR its fields describe the response and
 * the accessors below read the line's strings.
 */
export class FastDecoder {
  private gen = 0;
  private readonly seen = new Int32Array(L.n);
  private readonly vt = new Uint8Array(L.n);
  private readonly vs = new Int32Array(L.n);
  private readonly ve = new Int32Array(L.n);
  private readonly num = new Float64Array(L.n);
  private readonly strs: (string | null)[] = new Array<string | null>(L.n).fill(null);
  /** the last RECENT strings made for each slot, to share repeated values (session id, cwd, model, version ...) */
  private readonly recent: string[] = new Array<string>(L.n * RECENT).fill('');
  private readonly recentNext = new Uint8Array(L.n);
  private buf: Buffer = Buffer.alloc(0);

  // the response of an R_USAGE / R_API_ERROR line
  msg: MessageSlots = TOP_MESSAGE;
  requestSlot = -1;
  timestamp = 0;
  input = 0;
  cacheWrite5m = 0;
  cacheWrite1h = 0;
  cacheRead = 0;
  output = 0;
  private agentKind = AGENT_NONE;
  /** the outcome of an R_EVENT line */
  event: LineOutcome | null = null;

  /**
   * Decodes the line [s, t) (trimmed, non-empty). Returns FALLBACK when the
   * generic decoder must decide, else one of the R_ codes.
   */
  decode(buf: Buffer, s: number, t: number, ctx: LineContext, events: boolean): number {
    this.buf = buf;
    if (++this.gen === 0x3fffffff) {
      this.gen = 1;
      this.seen.fill(0);
    }
    let next: number;
    try {
      next = this.object(buf, s, t, 0);
    } catch (err) {
      if (err instanceof SkimError) return FALLBACK;
      throw err;
    }
    if (next < 0) return FALLBACK;
    // more than one object on the line: the generic decoder reads them all
    if (next < t && skipWs(buf, next, t) < t) return FALLBACK;
    if (this.is(S_TYPE, ASSISTANT)) {
      const m = TOP_MESSAGE;
      if (!this.isObject(m.message) || !this.isObject(m.usage)) return R_NONE;
      this.agentKind = this.vt[S_SIDECHAIN] === V_TRUE && this.has(S_SIDECHAIN) ? AGENT_SIDECHAIN : AGENT_NONE;
      const apiError = this.has(S_API_ERROR) && this.vt[S_API_ERROR] === V_TRUE;
      return this.usage(m, S_REQUEST, S_TIMESTAMP, apiError);
    }
    if (this.is(S_TYPE, PROGRESS) && this.isObject(S_DATA) && this.is(S_DATA_TYPE, AGENT_PROGRESS)) {
      const m = PROGRESS_MESSAGE;
      if (!this.isObject(S_DATA_MESSAGE) || !this.isObject(m.message) || !this.isObject(m.usage)) return R_NONE;
      this.agentKind = AGENT_PROGRESS_LINE;
      // outer.timestamp ?? line.timestamp
      const own = this.has(S_DATA_TIMESTAMP) && this.vt[S_DATA_TIMESTAMP] !== V_NONE && this.vt[S_DATA_TIMESTAMP] !== V_NULL;
      return this.usage(m, S_DATA_REQUEST, own ? S_DATA_TIMESTAMP : S_TIMESTAMP, false);
    }
    if (!events) return R_NONE;
    this.event = eventOutcome(this.skimmed(0), ctx);
    return this.event ? R_EVENT : R_NONE;
  }

  /** usageOutcome of line.ts, on slots. */
  private usage(m: MessageSlots, requestSlot: number, tsSlot: number, apiError: boolean): number {
    if (this.strLength(m.id) <= 0) return R_NO_MESSAGE_ID;
    const vt = this.has(tsSlot) ? this.vt[tsSlot] : V_NONE;
    let ts = NaN;
    if (vt === V_STR) ts = parseTimestamp(this.buf, this.vs[tsSlot]!, this.ve[tsSlot]!);
    else if (vt === V_DSTR) ts = Date.parse(this.strs[tsSlot]!);
    if (Number.isNaN(ts)) return R_NO_TIMESTAMP;
    this.msg = m;
    this.requestSlot = requestSlot;
    this.timestamp = ts;
    // splitUsage, usage-accounting.md rule 8
    const flat = this.count(m.flat);
    let w5 = flat;
    let w1 = 0;
    if (this.isObject(m.split)) {
      w5 = this.count(m.w5);
      w1 = this.count(m.w1);
      if (flat > w5 + w1) w5 += flat - (w5 + w1);
    }
    this.input = this.count(m.input);
    this.cacheWrite5m = w5;
    this.cacheWrite1h = w1;
    this.cacheRead = this.count(m.read);
    this.output = this.count(m.output);
    const synthetic = this.is(m.model, SYNTHETIC);
    if (synthetic || (apiError && this.input + this.cacheRead + this.cacheWrite5m + this.cacheWrite1h + this.output === 0)) {
      return apiError ? R_API_ERROR : R_SYNTHETIC;
    }
    return R_USAGE;
  }

  // --- accessors for the collector ---

  /** the buffer of the line last decoded */
  get bytes(): Buffer {
    return this.buf;
  }

  /** Does the response's id pair have plain bytes (no escapes)? Then `idBytes` may be hashed and compared. */
  plainIds(): boolean {
    const m = this.msg.id;
    const r = this.requestSlot;
    return this.vt[m] === V_STR && (this.strLength(r) <= 0 || this.vt[r] === V_STR);
  }
  get idStart(): number {
    return this.vs[this.msg.id]!;
  }
  get idEnd(): number {
    return this.ve[this.msg.id]!;
  }
  /** -1 when the response has no request id */
  get requestStart(): number {
    return this.strLength(this.requestSlot) > 0 ? this.vs[this.requestSlot]! : -1;
  }
  get requestEnd(): number {
    return this.strLength(this.requestSlot) > 0 ? this.ve[this.requestSlot]! : -1;
  }
  messageId(): string {
    return this.fresh(this.msg.id)!;
  }
  requestId(): string | null {
    return this.fresh(this.requestSlot);
  }
  sessionId(ctx: LineContext): string {
    return this.shared(S_SESSION) ?? ctx.fileSessionId;
  }
  agentId(ctx: LineContext): string | null {
    if (this.agentKind === AGENT_NONE) return null;
    if (this.agentKind === AGENT_PROGRESS_LINE) return this.shared(S_DATA_AGENT) ?? 'progress';
    return this.shared(S_AGENT) ?? ctx.fileAgentId ?? 'sidechain';
  }
  cwd(): string | null {
    return this.shared(S_CWD);
  }
  model(): string {
    return this.shared(this.msg.model) ?? 'unknown';
  }
  version(): string | null {
    return this.shared(S_VERSION);
  }
  speed(): string | null {
    return this.shared(this.msg.speed);
  }
  inferenceGeo(): string | null {
    return this.shared(this.msg.geo);
  }
  error(): string | null {
    return this.shared(S_ERROR);
  }

  // --- slot helpers ---

  private has(e: number): boolean {
    return this.seen[e] === this.gen;
  }
  private isObject(e: number): boolean {
    return this.seen[e] === this.gen && this.vt[e] === V_OBJ;
  }
  /** the slot holds a string equal to `bytes` (ASCII) */
  private is(e: number, bytes: Buffer): boolean {
    if (this.seen[e] !== this.gen) return false;
    const t = this.vt[e];
    if (t === V_STR) {
      const s = this.vs[e]!;
      const len = this.ve[e]! - s;
      if (len !== bytes.length) return false;
      const buf = this.buf;
      for (let i = 0; i < len; i++) if (buf[s + i] !== bytes[i]) return false;
      return true;
    }
    return t === V_DSTR && this.strs[e] === bytes.toString('latin1');
  }
  /** length of the slot's string, -1 when it holds no string */
  private strLength(e: number): number {
    if (e < 0 || this.seen[e] !== this.gen) return -1;
    const t = this.vt[e];
    if (t === V_STR) return this.ve[e]! - this.vs[e]!;
    if (t === V_DSTR) return this.strs[e]!.length;
    return -1;
  }
  /** count() of line.ts: a positive finite number, else 0 */
  private count(e: number): number {
    if (this.seen[e] !== this.gen || this.vt[e] !== V_NUM) return 0;
    const v = this.num[e]!;
    return Number.isFinite(v) && v > 0 ? v : 0;
  }
  /** str() of line.ts for a value that differs on every line */
  private fresh(e: number): string | null {
    if (this.strLength(e) <= 0) return null;
    if (this.vt[e] === V_DSTR) return this.strs[e]!;
    return (this.buf as SliceBuffer).latin1Slice(this.vs[e]!, this.ve[e]!);
  }
  /** str() of line.ts for a value that repeats from line to line: the previous string is reused when the bytes match */
  private shared(e: number): string | null {
    if (this.strLength(e) <= 0) return null;
    if (this.vt[e] === V_DSTR) return this.strs[e]!;
    const s = this.vs[e]!;
    const len = this.ve[e]! - s;
    const buf = this.buf;
    const base = e * RECENT;
    for (let k = base; k < base + RECENT; k++) {
      const last = this.recent[k]!;
      if (last.length !== len) continue;
      let i = 0;
      while (i < len && last.charCodeAt(i) === buf[s + i]) i++;
      if (i === len) return last;
    }
    const str = (buf as SliceBuffer).latin1Slice(s, s + len);
    const at = this.recentNext[e]!;
    this.recent[base + at] = str;
    this.recentNext[e] = (at + 1) % RECENT;
    return str;
  }

  /** The object the generic skimmer would have built for group `g` (for the rare lines decided by line.ts logic). */
  private skimmed(g: number): Skimmed {
    const out: Skimmed = {};
    for (const e of L.members[g]!) {
      if (this.seen[e] !== this.gen) continue;
      const key = L.names[e]!;
      switch (this.vt[e]) {
        case V_STR:
          out[key] = (this.buf as SliceBuffer).latin1Slice(this.vs[e]!, this.ve[e]!);
          break;
        case V_DSTR:
          out[key] = this.strs[e];
          break;
        case V_NUM:
          out[key] = this.num[e];
          break;
        case V_TRUE:
          out[key] = true;
          break;
        case V_FALSE:
          out[key] = false;
          break;
        case V_NULL:
          out[key] = null;
          break;
        case V_OBJ:
          out[key] = this.skimmed(L.child[e]!);
          break;
        default:
          break;
      }
    }
    return out;
  }

  // --- the walk: skim.ts's skimCompiled, writing slots instead of objects ---

  private lookup(g: number, buf: Buffer, s: number, e: number): number {
    const len = e - s;
    if (len <= 0) return -1;
    const table = L.table;
    const mask = L.mask;
    let h = keyHash(g, len, buf[s]!, buf[e - 1]!) & mask;
    for (;;) {
      const x = table[h]!;
      if (x < 0) return -1;
      if (L.group[x] === g && L.keyLen[x] === len && keyEquals(buf, s, len, L.keyWordOff[x]!)) return x;
      h = (h + 1) & mask;
    }
  }

  /** p at '{' of an object of group g; returns the index past it, or -1 (FALLBACK). */
  private object(buf: Buffer, p: number, end: number, g: number): number {
    if (buf[p] !== LBRACE) return -1;
    p = skipWs(buf, p + 1, end);
    if (buf[p] === RBRACE) return p + 1;
    const seen = this.seen;
    const gen = this.gen;
    for (;;) {
      if (buf[p] !== QUOTE) return -1;
      // keys are short and plain: scanned here, with a quick reject of keys no spec has; else the general way
      let k = p + 1;
      const dv = dataView(buf);
      while (k + 4 <= end) {
        const w = dv.getInt32(k, true);
        const a = w ^ QUOTES;
        const b = w ^ BACKSLASHES;
        if (((((a - ONES) & ~a) | ((b - ONES) & ~b)) & HIGHS) !== 0) break;
        k += 4;
      }
      let c = buf[k];
      while (c !== QUOTE && c !== BACKSLASH && k < end) c = buf[++k];
      let e: number;
      if (c === QUOTE && k < end) {
        const len = k - p - 1;
        e = len < MAX_KEY && KEY_MAYBE[len * 256 + buf[p + 1]!] === 1 ? this.lookup(g, buf, p + 1, k) : -1;
        p = k + 1;
      } else {
        const keyEnd = skipString(buf, p, end);
        e = this.lookup(g, buf, p + 1, keyEnd - 1);
        p = keyEnd;
      }
      if (buf[p] !== COLON) {
        p = skipWs(buf, p, end);
        if (buf[p] !== COLON) return -1;
      }
      p++;
      if (isWs(buf[p])) p = skipWs(buf, p, end);
      if (e < 0) p = skipValue(buf, p, end);
      else {
        // a key given twice: JSON.parse's last-one-wins (whole nested objects included) is the generic decoder's business
        if (seen[e] === gen) return -1;
        seen[e] = gen;
        if (L.kind[e] === K_OBJ) {
          if (buf[p] === LBRACE) {
            this.vt[e] = V_OBJ;
            p = this.object(buf, p, end, L.child[e]!);
            if (p < 0) return -1;
          } else {
            this.vt[e] = V_NONE;
            p = skipValue(buf, p, end);
          }
        } else {
          p = this.scalar(buf, p, end, e);
          if (p < 0) return -1;
        }
      }
      c = buf[p];
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
      return -1;
    }
  }

  /** readString / readScalar of skim.ts into slot e. */
  private scalar(buf: Buffer, p: number, end: number, e: number): number {
    const c = buf[p];
    if (c === QUOTE) {
      // a number written as a string: Number() of it is the generic decoder's business
      if (L.kind[e] === K_NUM) return -1;
      const plain = plainStringEnd(buf, p, end);
      if (plain > 0) {
        this.vt[e] = V_STR;
        this.vs[e] = p + 1;
        this.ve[e] = plain - 1;
        return plain;
      }
      const q = skipString(buf, p, end);
      if (!plainAscii(buf, p + 1, q - 1)) {
        try {
          this.strs[e] = JSON.parse((buf as SliceBuffer).utf8Slice(p, q)) as string;
        } catch {
          return -1;
        }
        this.vt[e] = V_DSTR;
        return q;
      }
      this.vt[e] = V_STR;
      this.vs[e] = p + 1;
      this.ve[e] = q - 1;
      return q;
    }
    if (c === LBRACE || c === LBRACKET) {
      this.vt[e] = V_NONE;
      return skipValue(buf, p, end);
    }
    if (c === 110) {
      this.vt[e] = V_NULL;
      return skipValue(buf, p, end);
    }
    if (c === 116 || c === 102) {
      this.vt[e] = c === 116 ? V_TRUE : V_FALSE;
      return skipValue(buf, p, end);
    }
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
    if (i === p) return -1;
    if (!simple) {
      n = Number((buf as SliceBuffer).latin1Slice(p, i));
      if (Number.isNaN(n)) return -1;
    }
    this.vt[e] = V_NUM;
    this.num[e] = n;
    return i;
  }
}
