// The slot layout of the fast decoder (fast.ts): LINE_SPEC compiled once into
// a tree of key tables, and the slots the decoder reads by name. Split from
// fast.ts so the decoder's file holds only the decoding.
import { LINE_SPEC } from './line.js';
import { dataView, type SkimSpec } from './skim.js';

export type SliceBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

// --- slot layout: LINE_SPEC as a tree of key tables ---

export const K_STR = 0;
export const K_NUM = 1;
export const K_BOOL = 2;
export const K_OBJ = 3;

/** Value types of a slot (meaningful only when the key was seen on the current line). */
export const V_NONE = 0; // key seen, nothing kept (a container where a scalar was wanted, or a non-object where an object was)
export const V_STR = 1; // plain ASCII string without escapes: bytes [start, end)
export const V_DSTR = 2; // any other string, decoded by JSON.parse: strs[e]
export const V_NUM = 3;
export const V_TRUE = 4;
export const V_FALSE = 5;
export const V_NULL = 6;
export const V_OBJ = 7;

export interface Layout {
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

export function keyHash(g: number, len: number, first: number, last: number): number {
  return (Math.imul(len * 31 + first, 0x9e3779b1) ^ Math.imul(last + 1, 0x85ebca6b) ^ Math.imul(g + 1, 0xc2b2ae35)) >>> 0;
}

export function compileLayout(spec: SkimSpec): Layout {
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

export const L = compileLayout(LINE_SPEC);

/** The len bytes at s equal the key whose words start at w (4 bytes at a time, the tail byte by byte). */
export function keyEquals(buf: Buffer, s: number, len: number, w: number): boolean {
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
export const MAX_KEY = 64;
export const KEY_MAYBE = new Uint8Array(MAX_KEY * 256);
for (let e = 0; e < L.n; e++) if (L.keyLen[e]! < MAX_KEY) KEY_MAYBE[L.keyLen[e]! * 256 + L.keyBytes[L.keyOff[e]!]!] = 1;

export function slot(path: string): number {
  const e = L.byPath.get(path);
  if (e === undefined) throw new Error(`fast decoder: no slot ${path}`);
  return e;
}

/** The slots of one `message` object (top-level, or data.message.message of a progress line). */
export interface MessageSlots {
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

export function messageSlots(prefix: string): MessageSlots {
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

export const S_TYPE = slot('type');
export const S_SESSION = slot('sessionId');
export const S_SIDECHAIN = slot('isSidechain');
export const S_AGENT = slot('agentId');
export const S_VERSION = slot('version');
export const S_TIMESTAMP = slot('timestamp');
export const S_CWD = slot('cwd');
export const S_REQUEST = slot('requestId');
export const S_API_ERROR = slot('isApiErrorMessage');
export const S_ERROR = slot('error');
export const S_DATA = slot('data');
export const S_DATA_TYPE = slot('data.type');
export const S_DATA_AGENT = slot('data.agentId');
export const S_DATA_MESSAGE = slot('data.message');
export const S_DATA_REQUEST = slot('data.message.requestId');
export const S_DATA_TIMESTAMP = slot('data.message.timestamp');
export const TOP_MESSAGE = messageSlots('message');
export const PROGRESS_MESSAGE = messageSlots('data.message.message');

export const ASSISTANT = Buffer.from('assistant');
export const PROGRESS = Buffer.from('progress');
export const AGENT_PROGRESS = Buffer.from('agent_progress');
export const SYNTHETIC = Buffer.from('<synthetic>');
