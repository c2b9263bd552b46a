// The string pool and the key hash of the request table (collect.ts): kept
// apart so the table's file reads as the table, not as its byte tricks.
import { dataView } from './skim.js';

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

// --- hashing the key, as bytes or as strings ---

export const FNV_SEED = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;
/** mixed in after the message id: no UTF-16 code unit has these values */
export const NO_REQUEST = 0x10000;
export const REQUEST_FOLLOWS = 0x10001;

// The hash mixes 4 code units (bytes) at a time, as one little-endian word;
// for plain ASCII ids the byte and the string forms give the same words.
export function hashBytes(buf: Buffer, s: number, e: number, h: number): number {
  const dv = dataView(buf);
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ dv.getInt32(i, true), FNV_PRIME);
  for (; i < e; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
  return h;
}

export function hashString(str: string, h: number): number {
  const n = str.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = str.charCodeAt(i) | (str.charCodeAt(i + 1) << 8) | (str.charCodeAt(i + 2) << 16) | (str.charCodeAt(i + 3) << 24);
    h = Math.imul(h ^ w, FNV_PRIME);
  }
  for (; i < n; i++) h = Math.imul(h ^ str.charCodeAt(i), FNV_PRIME);
  return h;
}

export function finishHash(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** An ASCII byte range equals a string (plain bytes decode to the same code units). */
export function bytesEqual(str: string, buf: Buffer, s: number, e: number): boolean {
  if (str.length !== e - s) return false;
  for (let i = 0; i < str.length; i++) if (str.charCodeAt(i) !== buf[s + i]) return false;
  return true;
}
