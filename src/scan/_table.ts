// The request table: records as columns, keyed by (message id, request id).
// Split from collect.ts, which adds lines to it and merges tables.
import type { LineContext } from './line.js';
import { bytesEqual, finishHash, FNV_PRIME, FNV_SEED, hashBytes, hashString, NO_REQUEST, REQUEST_FOLLOWS, StringPool } from './_pool.js';

/** (timestamp, file, offset) order: the tie-break of both merge rules. */
export function before(aTs: number, aFile: string, aOff: number, bTs: number, bFile: string, bOff: number): boolean {
  // every comparison made on every call: ties are rare, and a comparison that first runs once the callers
  // (the scan's hot loop) are optimized throws their code away (the files are mostly one pooled string: cheap)
  const sameTs = aTs === bTs;
  const earlier = aTs < bTs;
  const sameFile = aFile === bFile;
  const fileFirst = aFile < bFile;
  const offFirst = aOff < bOff;
  return sameTs ? (sameFile ? offFirst : fileFirst) : earlier;
}

// --- columns ---

/** Number columns: the attributed line (earliest), the token counts and the line they came from (largest output). */
export const NUM_FIELDS = ['timestamp', 'input', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'output', 'offset', 'tokTimestamp', 'tokOffset'] as const;
/** String columns (indexes into the pool; -1 for null). The first two are the key. */
export const STR_FIELDS = ['messageId', 'requestId', 'sessionId', 'project', 'cwd', 'agentId', 'model', 'version', 'speed', 'inferenceGeo', 'file', 'tokFile'] as const;
export const NN = NUM_FIELDS.length;
export const NS = STR_FIELDS.length;

export const N_TS = 0;
export const N_INPUT = 1;
export const N_W5 = 2;
export const N_W1 = 3;
export const N_READ = 4;
export const N_OUTPUT = 5;
export const N_OFFSET = 6;
export const N_TOK_TS = 7;
export const N_TOK_OFFSET = 8;

export const S_MESSAGE = 0;
export const S_REQUEST = 1;
export const S_SESSION = 2;
export const S_PROJECT = 3;
export const S_CWD = 4;
export const S_AGENT = 5;
export const S_MODEL = 6;
export const S_VERSION = 7;
export const S_SPEED = 8;
export const S_GEO = 9;
export const S_FILE = 10;
export const S_TOK_FILE = 11;

// --- column storage ---
//
// The columns live in resizable ArrayBuffers: they grow in place, and
// resize(0) returns their memory at once when a scan is done with them,
// instead of leaving ~10 MiB per 64k records to the next full GC (which may
// come in the middle of a report, at its peak). Views on them track their length.

export interface ResizableBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
  readonly maxByteLength: number;
  readonly resizable: boolean;
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
  // (columns that came as plain buffers, e.g. copied rather than moved, are left to the collector)
  if (a.resizable === true) a.resize(0);
  if (b.resizable === true) b.resize(0);
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
  private mask = 0; // (set in the constructor, as the next two)
  private pendingHash = 0;
  // the last string interned per column, and its index: consecutive records mostly share them
  private readonly lastStr: (string | null)[] = new Array<string | null>(NS).fill(null);
  private readonly lastRef = new Int32Array(NS).fill(-1);
  // pool indexes of the current file's strings
  private ctx: LineContext | null = null;
  private ctxFile = -2;
  private ctxProject = -2;

  constructor() {
    // Each field that grow(), rehash() or the next file's context replaces is stored here a second time. V8
    // compiles code that reads a field stored only once with its value built in, and the first replacement,
    // mid-scan, throws all that code away (findBytes, addFast, place, attributionWins ...) to be compiled again;
    // a field stored twice (with another value) is read as a field. Measured on a cold report: 9-36 -> 4-5 such
    // throw-aways (--trace-deopt), ~-10 ms.
    this.num = new Float64Array(this.num.buffer);
    this.ref = new Int32Array(this.ref.buffer);
    this.hashes = new Int32Array(this.hashes.buffer);
    this.slots = new Int32Array(this.slots.buffer);
    this.mask = this.slots.length - 1;
    this.ctxFile = -1;
    this.ctxProject = -1;
  }

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
    return this.findHashed(finishHash(h), messageId, requestId);
  }

  /** Whether a record's key has hash `h` (false: no record has that key; true: one may have). */
  hasHash(h: number): boolean {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = slots[i]!;
      if (x === 0) return false;
      if (this.hashes[x - 1] === h) return true;
    }
  }

  /** findStrings, given the key's hash (another table's, as its keyHashes give it: its records are merged here). */
  findHashed(h: number, messageId: string, requestId: string | null): number {
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

  /** The records' key hashes (findHashed takes them), a copy. */
  keyHashes(): Int32Array {
    return this.hashes.slice(0, this.count);
  }

  /** Room for `n` records in all, so that adding up to that many neither grows the columns nor rehashes. */
  reserve(n: number): void {
    while (this.hashes.length < n) this.grow();
    if (n * 2 > this.slots.length) {
      let size = this.slots.length;
      while (n * 2 > size) size *= 2;
      this.slots = new Int32Array(size);
      this.mask = size - 1;
      for (let r = 0; r < this.count; r++) this.place(r);
    }
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
