// The fast decoder's walk in WebAssembly (walk.wat): an instance per read
// buffer, whose memory holds the key tables of the line spec, the decoder's
// slots and, from BUF_OFF on, the buffer fs.readSync fills, so the module
// walks what was read without a copy. A runtime without WebAssembly SIMD
// gets plain buffers and the JS walk.
import { KEY_MAYBE, L, MAX_KEY } from './_layout.js';
import { WALK_WASM_BASE64 } from './_walk-wasm.js';

const PAGE = 65536;
/** where the read buffer starts: the tables and slots fit in the first page */
const BUF_OFF = PAGE;
/** walk.wat reads up to 63 bytes past the end of a line */
const PAD = 64;

/** One instance: its memory and the addresses of the slots in it. */
export interface WasmWalk {
  memory: WebAssembly.Memory;
  /** walk.wat's decode: the index past the object at p, or -1 (the JS walk decides) */
  decode(p: number, end: number, gen: number, base: number): number;
  seenOff: number;
  vtOff: number;
  vsOff: number;
  veOff: number;
  numOff: number;
}

/** undefined: not tried yet; null: this runtime cannot run it */
let compiled: WebAssembly.Module | null | undefined;

function moduleOnce(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(WALK_WASM_BASE64, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Writes the layout into the first page and tells the instance where everything is. */
function instantiate(mod: WebAssembly.Module): WasmWalk {
  const exports = new WebAssembly.Instance(mod, {}).exports as unknown as {
    memory: WebAssembly.Memory;
    init(...addresses: number[]): void;
    decode(p: number, end: number, gen: number, base: number): number;
  };
  const n = L.n;
  let at = 0;
  const take = (bytes: number, align = 4): number => {
    at = Math.ceil(at / align) * align;
    const off = at;
    at += bytes;
    return off;
  };
  const table = take((L.mask + 1) * 4);
  const group = take(n * 4);
  const klen = take(n * 4);
  const koff = take(n * 4);
  const kind = take(n * 4);
  const child = take(n * 4);
  const keys = take(L.keyBytes.length, 1);
  const maybe = take(MAX_KEY * 256, 1);
  const seenOff = take(n * 4);
  const vsOff = take(n * 4);
  const veOff = take(n * 4);
  const numOff = take(n * 8, 8);
  const vtOff = take(n, 1);
  if (at > BUF_OFF) throw new Error('wasm walk: the layout does not fit its page');
  const mem = exports.memory.buffer;
  new Int32Array(mem, table, L.mask + 1).set(L.table);
  new Int32Array(mem, group, n).set(L.group);
  new Int32Array(mem, klen, n).set(L.keyLen);
  new Int32Array(mem, koff, n).set(Array.from(L.keyOff, (o) => keys + o));
  new Int32Array(mem, kind, n).set(L.kind);
  new Int32Array(mem, child, n).set(L.child);
  new Uint8Array(mem, keys, L.keyBytes.length).set(L.keyBytes);
  new Uint8Array(mem, maybe, MAX_KEY * 256).set(KEY_MAYBE);
  exports.init(table, L.mask, group, klen, koff, kind, child, maybe, seenOff, vtOff, vsOff, veOff, numOff);
  return { memory: exports.memory, decode: exports.decode, seenOff, vtOff, vsOff, veOff, numOff };
}

/** Makes the memory hold a buffer of `size` bytes at BUF_OFF (and the padding after it). */
function reserve(walk: WasmWalk, size: number): void {
  const pages = Math.ceil((BUF_OFF + size + PAD) / PAGE);
  const have = walk.memory.buffer.byteLength / PAGE;
  if (pages > have) walk.memory.grow(pages - have);
}

/** A read buffer of `size` bytes in a new instance's memory, with the instance; null where WebAssembly SIMD does not run. */
export function wasmBuffer(size: number): { buf: Buffer; walk: WasmWalk } | null {
  const mod = moduleOnce();
  if (!mod) return null;
  try {
    const walk = instantiate(mod);
    reserve(walk, size);
    return { buf: Buffer.from(walk.memory.buffer, BUF_OFF, size), walk };
  } catch {
    return null;
  }
}

/**
 * The read buffer grown to `size` bytes in place (the memory keeps its bytes;
 * views made before are detached: the decoder binds its slots again).
 */
export function growWasmBuffer(walk: WasmWalk, size: number): Buffer {
  reserve(walk, size);
  return Buffer.from(walk.memory.buffer, BUF_OFF, size);
}
