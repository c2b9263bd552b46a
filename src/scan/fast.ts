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
// before. Where it does answer, it answers what the generic decoder would.//
// The slot layout is in _layout.ts, the byte-level walk in _walk.ts and the
// timestamp reader in _timestamp.ts; this module decides what a line means.
import { ASSISTANT, AGENT_PROGRESS, L, type MessageSlots, PROGRESS, PROGRESS_MESSAGE, S_AGENT, S_API_ERROR, S_CWD, S_DATA, S_DATA_AGENT, S_DATA_MESSAGE, S_DATA_REQUEST, S_DATA_TIMESTAMP, S_DATA_TYPE, S_ERROR, S_REQUEST, S_SESSION, S_SIDECHAIN, S_TIMESTAMP, S_TYPE, S_VERSION, type SliceBuffer, SYNTHETIC, TOP_MESSAGE, V_DSTR, V_FALSE, V_NONE, V_NULL, V_NUM, V_OBJ, V_STR, V_TRUE } from './_layout.js';
import { parseTimestamp } from './_timestamp.js';
import { SlotWalker } from './_walk.js';
import type { WasmWalk } from './_wasm.js';
import { eventOutcome, type LineContext, type LineOutcome } from './line.js';
import { SkimError, skipWs, type Skimmed } from './skim.js';

export { parseTimestamp } from './_timestamp.js';

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

/**
 * Decodes one marked line into slots. Reused for every line of a thread; after
 * `decode` returns R_USAGE or R_API_ERROR its fields describe the response and
 * the accessors below read the line's strings.
 */
export class FastDecoder extends SlotWalker {
  /** the last RECENT strings made for each slot, to share repeated values (session id, cwd, model, version ...) */
  private readonly recent: string[] = new Array<string>(L.n * RECENT).fill('');
  private readonly recentNext = new Uint8Array(L.n);

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
  /** lines the WebAssembly walk read (the rest, the JS walk): for tests and profiles */
  walkedInWasm = 0;

  /** `walk`: read buffers in its memory are walked there (scan/_wasm.ts); others, and what it leaves, in JS. */
  constructor(walk: WasmWalk | null = null) {
    super();
    // (bound by the first decode: a call that only runs once the code is optimized throws that code away)
    this.wasm = walk;
  }

  private nextGen(): number {
    if (++this.gen === 0x3fffffff) {
      this.gen = 1;
      this.seen.fill(0);
    }
    return this.gen;
  }

  /**
   * Decodes the line [s, t) (trimmed, non-empty). Returns FALLBACK when the
   * generic decoder must decide, else one of the R_ codes.
   */
  decode(buf: Buffer, s: number, t: number, ctx: LineContext, events: boolean): number {
    this.buf = buf;
    let next = -1;
    const w = this.wasm;
    if (w !== null && buf.buffer === w.memory.buffer) {
      // a read buffer in the walk's memory: walked there, the JS walk deciding what it leaves
      if (this.boundTo !== buf.buffer) this.bindSlots(w);
      const base = buf.byteOffset;
      next = w.decode(s + base, t + base, this.nextGen(), base);
      if (next >= 0) {
        next -= base;
        this.walkedInWasm++;
      }
    }
    if (next < 0) {
      // (a new generation: what the WebAssembly walk marked before it gave up is not this walk's)
      this.nextGen();
      try {
        next = this.object(buf, s, t, 0);
      } catch (err) {
        if (err instanceof SkimError) return FALLBACK;
        throw err;
      }
    }
    if (next < 0) return FALLBACK;
    // more than one object on the line: the generic decoder reads them all
    if (next < t && skipWs(buf, next, t) < t) return FALLBACK;
    if (this.is(S_TYPE, ASSISTANT)) {
      const m = TOP_MESSAGE;
      if (!this.isObject(m.message) || !this.isObject(m.usage)) return R_NONE;
      this.agentKind = this.isTrue(S_SIDECHAIN) ? AGENT_SIDECHAIN : AGENT_NONE;
      return this.usage(m, S_REQUEST, S_TIMESTAMP, this.isTrue(S_API_ERROR));
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
    // (both read whatever the line: see isTrue; on a main-thread line the slot is empty, found at once)
    const kind = this.agentKind;
    const own = this.shared(kind === AGENT_PROGRESS_LINE ? S_DATA_AGENT : S_AGENT);
    const fileAgentId = ctx.fileAgentId;
    if (kind === AGENT_NONE) return null;
    if (kind === AGENT_PROGRESS_LINE) return own ?? 'progress';
    return own ?? fileAgentId ?? 'sidechain';
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
  /**
   * The slot holds `true`. Both halves are read on every call, not one after
   * the other: a read that first runs once the code is optimized (an API
   * error, a sidechain line) has no type feedback and throws that code away.
   */
  private isTrue(e: number): boolean {
    const seen = this.seen[e] === this.gen;
    const isTrue = this.vt[e] === V_TRUE;
    return seen && isTrue;
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
}
