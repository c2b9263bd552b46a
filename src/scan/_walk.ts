// The byte-level walk of the fast decoder: keys, strings and numbers of one
// line written into slots. A base class of FastDecoder (fast.ts) only to keep
// each file short; the code is skim.ts's walk, as it was in fast.ts.
import { K_NUM, K_OBJ, keyEquals, keyHash, KEY_MAYBE, L, MAX_KEY, type SliceBuffer, V_DSTR, V_FALSE, V_NONE, V_NULL, V_NUM, V_OBJ, V_STR, V_TRUE } from './_layout.js';
import { BACKSLASHES, dataView, HIGHS, ONES, plainAscii, plainStringEnd, QUOTES, skipString, skipValue, skipWs } from './skim.js';
import type { WasmWalk } from './_wasm.js';

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

/** The slots of the line being decoded, and the walk that fills them. */
export class SlotWalker {
  protected gen = 0;
  // the slots: typed arrays of their own, or views on the memory of a WebAssembly walk (bindSlots)
  protected seen = new Int32Array(L.n);
  protected vt = new Uint8Array(L.n);
  protected vs = new Int32Array(L.n);
  protected ve = new Int32Array(L.n);
  protected num = new Float64Array(L.n);
  protected readonly strs: (string | null)[] = new Array<string | null>(L.n).fill(null);
  protected buf: Buffer = Buffer.alloc(0);
  /** the WebAssembly walk whose memory holds the slots, and the memory the views were made on */
  protected wasm: WasmWalk | null = null;
  protected boundTo: ArrayBufferLike | null = null;

  /** Puts the slots in the walk's memory (again after the memory grew: growing detaches views). */
  protected bindSlots(w: WasmWalk): void {
    const mem = w.memory.buffer;
    this.seen = new Int32Array(mem, w.seenOff, L.n);
    this.vt = new Uint8Array(mem, w.vtOff, L.n);
    this.vs = new Int32Array(mem, w.vsOff, L.n);
    this.ve = new Int32Array(mem, w.veOff, L.n);
    this.num = new Float64Array(mem, w.numOff, L.n);
    this.wasm = w;
    this.boundTo = mem;
  }

  // --- the walk: skim.ts's skimCompiled, writing slots instead of objects ---

  protected lookup(g: number, buf: Buffer, s: number, e: number): number {
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
  protected object(buf: Buffer, p: number, end: number, g: number): number {
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
  protected scalar(buf: Buffer, p: number, end: number, e: number): number {
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
