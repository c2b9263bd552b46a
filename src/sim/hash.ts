// Hashes for prefix fingerprints. A block hash is a 53-bit number (safe as a
// Map key, no string allocation); the prefix hash at a position combines the
// previous prefix hash with the block's hash, so extending a prefix by one
// block costs one combine and never re-reads earlier content. Two 32-bit
// lanes with different seeds keep collisions negligible (≈ n²/2⁵⁴).

const TWO32 = 4294967296;
const LOW21 = 0x1fffff;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function join(hi: number, lo: number): number {
  // 32 high bits + 21 low bits = 53 bits
  return (hi >>> 0) * 2097152 + ((lo >>> 0) & LOW21);
}

/** Hash of a string (UTF-16 code units), 53 bits. */
export function hashString(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = fmix(a ^ s.length);
  b = fmix(b ^ Math.imul(s.length, 0x27d4eb2d));
  return join(a, b);
}

/** The hash of a prefix extended by one block: `combine(prefixHash, blockHash)`. Order matters. */
export function combine(prefix: number, block: number): number {
  const pl = prefix >>> 0;
  const ph = Math.floor(prefix / TWO32) >>> 0;
  const bl = block >>> 0;
  const bh = Math.floor(block / TWO32) >>> 0;
  let a = Math.imul(pl ^ 0x9e3779b9, 0xcc9e2d51) ^ ph;
  a = fmix(Math.imul(a ^ bl, 0x1b873593) ^ Math.imul(bh, 0xe6546b64));
  let b = Math.imul(ph ^ 0x7f4a7c15, 0x85ebca6b) ^ pl;
  b = fmix(Math.imul(b ^ bh, 0xc2b2ae35) ^ Math.imul(bl ^ a, 0x27d4eb2f));
  return join(a, b);
}

/** The empty prefix (before the first tool definition). */
export const EMPTY_PREFIX = hashString('cachelens/prefix/v1');

/** 53-bit hash as 14 hex digits, for JSON output and logs. */
export function hashHex(h: number): string {
  return h.toString(16).padStart(14, '0');
}
