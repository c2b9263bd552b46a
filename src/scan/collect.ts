// De-duplication of responses across lines and files (usage-accounting.md
// rules 1–3, 7). The merge is associative and order-independent, so workers
// can each reduce their files and the main thread can merge their results in
// any order and still get the same records.
//
// Records are kept as columns (typed arrays of numbers and of string-pool
// indexes), not as objects: a scan makes no object per response, a worker
// hands its columns over as they are, and the record objects are made once,
// at the end, on the main thread.
import type { ApiErrorRecord, ConversationEvent, RequestRecord } from '../domain/types.js';
import { R_API_ERROR, R_USAGE, type FastDecoder } from './fast.js';
import type { LineContext, LineOutcome } from './line.js';
import { dataView } from './skim.js';

export interface Collected {
  requests: RequestTable;
  apiErrors: Map<string, ApiErrorRecord>;
  events: ConversationEvent[];
}

export function emptyCollected(): Collected {
  return { requests: new RequestTable(), apiErrors: new Map(), events: [] };
}

export function requestKey(messageId: string, requestId: string | null): string {
  return requestId === null ? messageId : `${messageId}\u0000${requestId}`;
}

function before(aTs: number, aFile: string, aOff: number, bTs: number, bFile: string, bOff: number): boolean {
  if (aTs !== bTs) return aTs < bTs;
  if (aFile !== bFile) return aFile < bFile;
  return aOff < bOff;
}

// --- columns ---

/** Number columns: the attributed line (earliest), the token counts and the line they came from (largest output). */
export const NUM_FIELDS = ['timestamp', 'input', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'output', 'offset', 'tokTimestamp', 'tokOffset'] as const;
/** String columns (indexes into the pool; -1 for null). The first two are the key. */
export const STR_FIELDS = ['messageId', 'requestId', 'sessionId', 'project', 'cwd', 'agentId', 'model', 'version', 'speed', 'inferenceGeo', 'file', 'tokFile'] as const;
export const NN = NUM_FIELDS.length;
export const NS = STR_FIELDS.length;

const N_TS = 0;
const N_INPUT = 1;
const N_W5 = 2;
const N_W1 = 3;
const N_READ = 4;
const N_OUTPUT = 5;
const N_OFFSET = 6;
const N_TOK_TS = 7;
const N_TOK_OFFSET = 8;

const S_MESSAGE = 0;
const S_REQUEST = 1;
const S_SESSION = 2;
const S_PROJECT = 3;
const S_CWD = 4;
const S_AGENT = 5;
const S_MODEL = 6;
const S_VERSION = 7;
const S_SPEED = 8;
const S_GEO = 9;
const S_FILE = 10;
const S_TOK_FILE = 11;

/** Distinct strings, each stored once (ids, which never repeat, skip the index). */
export class StringPool {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  intern(s: string | null): number {
    if (s === null) return -1;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  unique(s: string | null): number {
    if (s === null) return -1;
    this.strings.push(s);
    return this.strings.length - 1;
  }

  get(i: number): string | null {
    return i < 0 ? null : this.strings[i]!;
  }
}

// --- column storage ---
//
// The columns live in resizable ArrayBuffers: they grow in place, and
// resize(0) returns their memory at once when a scan is done with them,
// instead of leaving ~10 MiB per 64k records to the next full GC (which may
// come in the middle of a report, at its peak). Views on them track their length.

export interface ResizableBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
  readonly maxByteLength: number;
}

const Resizable = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableBuffer;

/** Room reserved (address space, not memory) for a column to grow into in place. */
const RESERVE_BYTES = 256 << 20;

function resizable(bytes: number): ResizableBuffer {
  return new Resizable(bytes, { maxByteLength: Math.max(RESERVE_BYTES, bytes) });
}

/** The buffer grown to `bytes`: in place while the reserve lasts, else copied into a bigger one. */
function grown(b: ResizableBuffer, bytes: number): ResizableBuffer {
  if (bytes <= b.maxByteLength) {
    b.resize(bytes);
    return b;
  }
  const bigger = new Resizable(bytes, { maxByteLength: bytes * 2 });
  new Uint8Array(bigger).set(new Uint8Array(b));
  b.resize(0);
  return bigger;
}

/** Returns the memory of columns nobody reads again. */
export function releaseColumns(num: Float64Array, ref: Int32Array): void {
  const a = num.buffer as ResizableBuffer;
  const b = ref.buffer as ResizableBuffer;
  if (typeof a.resize === 'function' && a.maxByteLength > 0) a.resize(0);
  if (typeof b.resize === 'function' && b.maxByteLength > 0) b.resize(0);
}

// --- hashing the key, as bytes or as strings ---

const FNV_SEED = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** mixed in after the message id: no UTF-16 code unit has these values */
const NO_REQUEST = 0x10000;
const REQUEST_FOLLOWS = 0x10001;

// The hash mixes 4 code units (bytes) at a time, as one little-endian word;
// for plain ASCII ids the byte and the string forms give the same words.
function hashBytes(buf: Buffer, s: number, e: number, h: number): number {
  const dv = dataView(buf);
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ dv.getInt32(i, true), FNV_PRIME);
  for (; i < e; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h;
}

function hashString(str: string, h: number): number {
  const n = str.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = str.charCodeAt(i) | (str.charCodeAt(i + 1) << 8) | (str.charCodeAt(i + 2) << 16) | (str.charCodeAt(i + 3) << 24);
    h = Math.imul(h ^ w, FNV_PRIME);
  }
  for (; i < n; i++) h = Math.imul(h ^ str.charCodeAt(i), FNV_PRIME);
  return h;
}

function finishHash(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** An ASCII byte range equals a string (plain bytes decode to the same code units). */
function bytesEqual(str: string, buf: Buffer, s: number, e: number): boolean {
  if (str.length !== e - s) return false;
  for (let i = 0; i < str.length; i++) if (str.charCodeAt(i) !== buf[s + i]) return false;
  return true;
}

/**
 * Request records keyed by (message id, request id) (usage-accounting.md
 * rule 1; a null request id is its own key). A further line of a response
 * already seen is found from its bytes, without making its key string. The
 * hash is over UTF-16 code units, which for plain ASCII bytes are the bytes.
 */
export class RequestTable {
  count = 0;
  num = new Float64Array(resizable(1024 * NN * 8));
  ref = new Int32Array(resizable(1024 * NS * 4));
  readonly pool = new StringPool();
  private hashes = new Int32Array(1024);
  /** record index + 1; 0 is empty */
  private slots = new Int32Array(2048);
  private mask = 2047;
  private pendingHash = 0;
  // the last string interned per column, and its index: consecutive records mostly share them
  private readonly lastStr: (string | null)[] = new Array<string | null>(NS).fill(null);
  private readonly lastRef = new Int32Array(NS).fill(-1);
  // pool indexes of the current file's strings
  private ctx: LineContext | null = null;
  private ctxFile = -1;
  private ctxProject = -1;

  get size(): number {
    return this.count;
  }

  /** Index of the record with these plain-byte ids (rs = -1: no request id), or -1. */
  findBytes(buf: Buffer, ms: number, me: number, rs: number, re: number): number {
    let h = hashBytes(buf, ms, me, FNV_SEED);
    h = rs < 0 ? Math.imul(h ^ NO_REQUEST, FNV_PRIME) : hashBytes(buf, rs, re, Math.imul(h ^ REQUEST_FOLLOWS, FNV_PRIME));
    h = finishHash(h);
    this.pendingHash = h;
    const slots = this.slots;
    const mask = this.mask;
    const strings = this.pool.strings;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = slots[i]!;
      if (x === 0) return -1;
      const r = x - 1;
      if (this.hashes[r] !== h) continue;
      if (!bytesEqual(strings[this.ref[r * NS + S_MESSAGE]!]!, buf, ms, me)) continue;
      const q = this.ref[r * NS + S_REQUEST]!;
      if (rs < 0 ? q < 0 : q >= 0 && bytesEqual(strings[q]!, buf, rs, re)) return r;
    }
  }

  /** Index of the record with these ids, or -1. */
  findStrings(messageId: string, requestId: string | null): number {
    let h = hashString(messageId, FNV_SEED);
    h = requestId === null ? Math.imul(h ^ NO_REQUEST, FNV_PRIME) : hashString(requestId, Math.imul(h ^ REQUEST_FOLLOWS, FNV_PRIME));
    h = finishHash(h);
    this.pendingHash = h;
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = slots[i]!;
      if (x === 0) return -1;
      const r = x - 1;
      if (this.hashes[r] !== h) continue;
      if (this.pool.get(this.ref[r * NS + S_MESSAGE]!) === messageId && this.pool.get(this.ref[r * NS + S_REQUEST]!) === requestId) return r;
    }
  }

  /** A new record for the ids just looked up (and not found) with findBytes or findStrings; the caller fills it. */
  addFound(messageId: string, requestId: string | null): number {
    const n = this.count;
    if (n === this.hashes.length) this.grow();
    this.count = n + 1;
    this.hashes[n] = this.pendingHash;
    this.ref[n * NS + S_MESSAGE] = this.pool.unique(messageId);
    this.ref[n * NS + S_REQUEST] = this.pool.unique(requestId);
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(n);
    return n;
  }

  /** Pool index of a repeated string (session, project, model, file ...) for column `col`. */
  shared(col: number, s: string | null): number {
    if (s === this.lastStr[col]) return this.lastRef[col]!;
    const i = this.pool.intern(s);
    this.lastStr[col] = s;
    this.lastRef[col] = i;
    return i;
  }

  /** Pool indexes of a file's path and project (cached while the same context is used). */
  fileRef(ctx: LineContext): number {
    if (ctx !== this.ctx) this.setContext(ctx);
    return this.ctxFile;
  }
  projectRef(ctx: LineContext): number {
    if (ctx !== this.ctx) this.setContext(ctx);
    return this.ctxProject;
  }
  private setContext(ctx: LineContext): void {
    this.ctx = ctx;
    this.ctxFile = this.pool.intern(ctx.file);
    this.ctxProject = this.pool.intern(ctx.project);
  }

  str(r: number, col: number): string | null {
    return this.pool.get(this.ref[r * NS + col]!);
  }

  private grow(): void {
    const cap = this.hashes.length * 2;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    this.num = new Float64Array(grown(this.num.buffer as ResizableBuffer, cap * NN * 8));
    this.ref = new Int32Array(grown(this.ref.buffer as ResizableBuffer, cap * NS * 4));
  }

  /** Shrinks the columns to the records held (before they are handed to another thread). */
  trim(): void {
    (this.num.buffer as ResizableBuffer).resize(this.count * NN * 8);
    (this.ref.buffer as ResizableBuffer).resize(this.count * NS * 4);
  }

  /** Gives the columns' memory back at once (the table is not used again). */
  release(): void {
    this.count = 0;
    releaseColumns(this.num, this.ref);
  }

  private place(n: number): void {
    const mask = this.mask;
    let i = this.hashes[n]! & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = n + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let n = 0; n < this.count; n++) this.place(n);
  }

  // --- merge rules ---

  /** mergeTokens: the line with the largest output_tokens wins; ties go to the earlier line. */
  tokensWin(r: number, output: number, ts: number, file: string, offset: number): boolean {
    const num = this.num;
    const o = r * NN;
    const cur = num[o + N_OUTPUT]!;
    if (output !== cur) return output > cur;
    return before(ts, file, offset, num[o + N_TOK_TS]!, this.str(r, S_TOK_FILE)!, num[o + N_TOK_OFFSET]!);
  }

  setTokens(r: number, input: number, w5: number, w1: number, read: number, output: number, speed: number, geo: number, ts: number, file: number, offset: number): void {
    const num = this.num;
    const o = r * NN;
    num[o + N_INPUT] = input;
    num[o + N_W5] = w5;
    num[o + N_W1] = w1;
    num[o + N_READ] = read;
    num[o + N_OUTPUT] = output;
    num[o + N_TOK_TS] = ts;
    num[o + N_TOK_OFFSET] = offset;
    const s = r * NS;
    this.ref[s + S_SPEED] = speed;
    this.ref[s + S_GEO] = geo;
    this.ref[s + S_TOK_FILE] = file;
  }

  /** mergeAttribution: the earliest line gives time and attribution. */
  attributionWins(r: number, ts: number, file: string, offset: number): boolean {
    const o = r * NN;
    return before(ts, file, offset, this.num[o + N_TS]!, this.str(r, S_FILE)!, this.num[o + N_OFFSET]!);
  }

  setAttribution(r: number, ts: number, session: number, project: number, cwd: number, agent: number, model: number, version: number, file: number, offset: number): void {
    const o = r * NN;
    this.num[o + N_TS] = ts;
    this.num[o + N_OFFSET] = offset;
    const s = r * NS;
    const ref = this.ref;
    ref[s + S_SESSION] = session;
    ref[s + S_PROJECT] = project;
    ref[s + S_CWD] = cwd;
    ref[s + S_AGENT] = agent;
    ref[s + S_MODEL] = model;
    ref[s + S_VERSION] = version;
    ref[s + S_FILE] = file;
  }
}

// --- adding lines ---

/**
 * Adds a line the fast decoder read (R_USAGE or R_API_ERROR): the same as
 * addOutcome of its LineOutcome, but a further line of a known response makes
 * no strings unless it wins the tokens or the attribution.
 */
export function addFast(c: Collected, d: FastDecoder, result: number, ctx: LineContext, offset: number): void {
  const ts = d.timestamp;
  if (result === R_API_ERROR) {
    mergeError(c.apiErrors, {
      key: d.messageId(),
      timestamp: ts,
      sessionId: d.sessionId(ctx),
      project: ctx.project,
      agentId: d.agentId(ctx),
      error: d.error(),
      file: ctx.file,
      offset,
    });
    return;
  }
  if (result !== R_USAGE) return;
  const t = c.requests;
  let r = d.plainIds() ? t.findBytes(d.bytes, d.idStart, d.idEnd, d.requestStart, d.requestEnd) : t.findStrings(d.messageId(), d.requestId());
  const isNew = r < 0;
  if (isNew) r = t.addFound(d.messageId(), d.requestId());
  if (isNew || t.tokensWin(r, d.output, ts, ctx.file, offset)) {
    t.setTokens(r, d.input, d.cacheWrite5m, d.cacheWrite1h, d.cacheRead, d.output, t.shared(S_SPEED, d.speed()), t.shared(S_GEO, d.inferenceGeo()), ts, t.fileRef(ctx), offset);
  }
  if (isNew || t.attributionWins(r, ts, ctx.file, offset)) {
    t.setAttribution(
      r,
      ts,
      t.shared(S_SESSION, d.sessionId(ctx)),
      t.projectRef(ctx),
      t.shared(S_CWD, d.cwd()),
      t.shared(S_AGENT, d.agentId(ctx)),
      t.shared(S_MODEL, d.model()),
      t.shared(S_VERSION, d.version()),
      t.fileRef(ctx),
      offset,
    );
  }
}

function mergeError(map: Map<string, ApiErrorRecord>, e: ApiErrorRecord): void {
  const prev = map.get(e.key);
  if (!prev || before(e.timestamp, e.file, e.offset, prev.timestamp, prev.file, prev.offset)) map.set(e.key, e);
}

/** Adds one decoded line outcome (from the generic decoder) to the collection. */
export function addOutcome(c: Collected, o: LineOutcome, ctx: LineContext, offset: number): void {
  if (o.kind === 'usage') {
    const t = c.requests;
    let r = t.findStrings(o.messageId, o.requestId);
    const isNew = r < 0;
    if (isNew) r = t.addFound(o.messageId, o.requestId);
    if (isNew || t.tokensWin(r, o.output, o.timestamp, ctx.file, offset)) {
      t.setTokens(r, o.input, o.cacheWrite5m, o.cacheWrite1h, o.cacheRead, o.output, t.shared(S_SPEED, o.speed), t.shared(S_GEO, o.inferenceGeo), o.timestamp, t.fileRef(ctx), offset);
    }
    if (isNew || t.attributionWins(r, o.timestamp, ctx.file, offset)) {
      t.setAttribution(
        r,
        o.timestamp,
        t.shared(S_SESSION, o.sessionId),
        t.projectRef(ctx),
        t.shared(S_CWD, o.cwd),
        t.shared(S_AGENT, o.agentId),
        t.shared(S_MODEL, o.model),
        t.shared(S_VERSION, o.version),
        t.fileRef(ctx),
        offset,
      );
    }
  } else if (o.kind === 'api-error') {
    mergeError(c.apiErrors, {
      key: o.messageId,
      timestamp: o.timestamp,
      sessionId: o.sessionId,
      project: ctx.project,
      agentId: o.agentId,
      error: o.error,
      file: ctx.file,
      offset,
    });
  } else if (o.kind === 'event') {
    c.events.push({
      kind: o.event,
      timestamp: o.timestamp,
      sessionId: o.sessionId,
      project: ctx.project,
      agentId: o.agentId,
      detail: o.detail,
      file: ctx.file,
      offset,
    });
  }
}

/**
 * Merges the records of another table (another thread's, whose string pool is
 * `strings`) into `into`: mergeRecord of every record, order-free.
 */
export function mergeColumns(into: RequestTable, count: number, num: Float64Array, ref: Int32Array, strings: string[]): void {
  // each distinct string of the other pool gets its index here once
  const map = new Int32Array(strings.length).fill(-2);
  const local = (i: number): number => {
    if (i < 0) return -1;
    let m = map[i]!;
    if (m === -2) {
      m = into.pool.intern(strings[i]!);
      map[i] = m;
    }
    return m;
  };
  for (let n = 0; n < count; n++) {
    const o = n * NN;
    const s = n * NS;
    const messageId = strings[ref[s + S_MESSAGE]!]!;
    const rq = ref[s + S_REQUEST]!;
    const requestId = rq < 0 ? null : strings[rq]!;
    let r = into.findStrings(messageId, requestId);
    const isNew = r < 0;
    if (isNew) r = into.addFound(messageId, requestId);
    const tokFile = strings[ref[s + S_TOK_FILE]!]!;
    if (isNew || into.tokensWin(r, num[o + N_OUTPUT]!, num[o + N_TOK_TS]!, tokFile, num[o + N_TOK_OFFSET]!)) {
      into.setTokens(
        r,
        num[o + N_INPUT]!,
        num[o + N_W5]!,
        num[o + N_W1]!,
        num[o + N_READ]!,
        num[o + N_OUTPUT]!,
        local(ref[s + S_SPEED]!),
        local(ref[s + S_GEO]!),
        num[o + N_TOK_TS]!,
        local(ref[s + S_TOK_FILE]!),
        num[o + N_TOK_OFFSET]!,
      );
    }
    const file = strings[ref[s + S_FILE]!]!;
    if (isNew || into.attributionWins(r, num[o + N_TS]!, file, num[o + N_OFFSET]!)) {
      into.setAttribution(
        r,
        num[o + N_TS]!,
        local(ref[s + S_SESSION]!),
        local(ref[s + S_PROJECT]!),
        local(ref[s + S_CWD]!),
        local(ref[s + S_AGENT]!),
        local(ref[s + S_MODEL]!),
        local(ref[s + S_VERSION]!),
        local(ref[s + S_FILE]!),
        num[o + N_OFFSET]!,
      );
    }
  }
}

/** Merges API errors and events from another thread into `into`. */
export function mergeCollected(into: Collected, from: { apiErrors: Iterable<ApiErrorRecord>; events: ConversationEvent[] }): void {
  for (const e of from.apiErrors) mergeError(into.apiErrors, e);
  for (const e of from.events) into.events.push(e);
}

/**
 * A request record as the scan hands it on, with where its token counts came
 * from (tokTimestamp, tokFile, tokOffset: the tie-break of the largest-output
 * rule, which the store needs to merge records across scans). A class only so
 * that V8 builds the 64k objects of a large scan with one constructor (an
 * object literal of 22 properties is made more slowly); it is plain data.
 */
export class Request implements RequestRecord {
  constructor(
    public key: string,
    public messageId: string,
    public requestId: string | null,
    public timestamp: number,
    public sessionId: string,
    public project: string,
    public cwd: string | null,
    public agentId: string | null,
    public model: string,
    public version: string | null,
    public speed: string | null,
    public inferenceGeo: string | null,
    public input: number,
    public cacheWrite5m: number,
    public cacheWrite1h: number,
    public cacheRead: number,
    public output: number,
    public file: string,
    public offset: number,
    // where the token counts came from: the merge's tie-breaker, kept so the store can merge later lines exactly
    public tokTimestamp: number,
    public tokFile: string,
    public tokOffset: number,
  ) {}
}

/**
 * The request records as plain objects, in `order` (record indexes; default:
 * as stored).
 */
export function requestRecords(t: RequestTable, order?: ArrayLike<number>): Request[] {
  const n = order ? order.length : t.count;
  const out: Request[] = new Array<Request>(n);
  const num = t.num;
  const ref = t.ref;
  const strings = t.pool.strings;
  const s = (i: number): string | null => (i < 0 ? null : strings[i]!);
  for (let k = 0; k < n; k++) {
    const r = order ? order[k]! : k;
    const o = r * NN;
    const b = r * NS;
    const messageId = strings[ref[b + S_MESSAGE]!]!;
    const requestId = s(ref[b + S_REQUEST]!);
    out[k] = new Request(
      requestKey(messageId, requestId),
      messageId,
      requestId,
      num[o + N_TS]!,
      strings[ref[b + S_SESSION]!]!,
      strings[ref[b + S_PROJECT]!]!,
      s(ref[b + S_CWD]!),
      s(ref[b + S_AGENT]!),
      strings[ref[b + S_MODEL]!]!,
      s(ref[b + S_VERSION]!),
      s(ref[b + S_SPEED]!),
      s(ref[b + S_GEO]!),
      num[o + N_INPUT]!,
      num[o + N_W5]!,
      num[o + N_W1]!,
      num[o + N_READ]!,
      num[o + N_OUTPUT]!,
      strings[ref[b + S_FILE]!]!,
      num[o + N_OFFSET]!,
      num[o + N_TOK_TS]!,
      strings[ref[b + S_TOK_FILE]!]!,
      num[o + N_TOK_OFFSET]!,
    );
  }
  return out;
}

/** Record indexes ordered by (timestamp, file, offset), compared as numbers (files by their rank). */
function sortedOrder(t: RequestTable): Uint32Array {
  const n = t.count;
  const num = t.num;
  const ref = t.ref;
  const strings = t.pool.strings;
  // rank the distinct file paths once
  const files = new Set<number>();
  for (let r = 0; r < n; r++) files.add(ref[r * NS + S_FILE]!);
  const byName = [...files].sort((a, b) => (strings[a]! < strings[b]! ? -1 : strings[a]! > strings[b]! ? 1 : 0));
  const rank = new Int32Array(strings.length);
  byName.forEach((f, i) => {
    rank[f] = i;
  });
  const ts = new Float64Array(n);
  const fileRank = new Int32Array(n);
  const off = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    ts[r] = num[r * NN + N_TS]!;
    off[r] = num[r * NN + N_OFFSET]!;
    fileRank[r] = rank[ref[r * NS + S_FILE]!]!;
  }
  const order = new Uint32Array(n);
  for (let r = 0; r < n; r++) order[r] = r;
  return order.sort((a, b) => ts[a]! - ts[b]! || fileRank[a]! - fileRank[b]! || off[a]! - off[b]!);
}

/** Final, sorted, plain records. */
export function finishCollected(c: Collected): { requests: RequestRecord[]; apiErrors: ApiErrorRecord[]; events: ConversationEvent[] } {
  const requests = requestRecords(c.requests, sortedOrder(c.requests));
  c.requests.release();
  const order = (a: { timestamp: number; file: string; offset: number }, b: { timestamp: number; file: string; offset: number }): number =>
    a.timestamp - b.timestamp || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset);
  const apiErrors = [...c.apiErrors.values()].sort(order);
  // the same event line can be read twice (a file copied into a resumed session); keep one
  const seen = new Set<string>();
  const events = c.events
    .filter((e) => {
      const k = `${e.file}\u0000${e.offset}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(order);
  return { requests, apiErrors, events };
}
