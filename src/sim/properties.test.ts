// Property tests over random requests (seeded, so failures reproduce):
// - a request identical to the previous one, within the TTL, reads everything
//   up to its last breakpoint (when that prefix reaches the model's minimum)
//   and writes nothing;
// - appending blocks to a warm conversation (earlier markers kept) never
//   reduces the read, and the read covers the previous request's last breakpoint.
import { describe, expect, it } from 'vitest';
import { loadPricing } from '../pricing/index.js';
import { simulate } from './engine.js';
import { prefixFromHashes } from './fingerprint.js';
import type { Level, SimRequest, Ttl } from './types.js';

const pricing = loadPricing();
const T0 = Date.parse('2026-03-01T10:00:00Z');
const MIN_TOKENS = 1024; // Sonnet 4.5

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Gen {
  hash: number;
  level: Level;
  tokens: number;
  cacheable: boolean;
  cacheControl: Ttl | null;
}

function randomBlocks(r: () => number, n: number, idBase: number, level: Level = 'messages'): Gen[] {
  return Array.from({ length: n }, (_, i) => ({
    hash: idBase + i,
    level,
    tokens: 1 + Math.floor(r() * 600),
    cacheable: r() > 0.1,
    cacheControl: null,
  }));
}

/** up to `slots` markers on random cacheable blocks, 1h ones before 5m ones */
function mark(r: () => number, blocks: Gen[], slots: number): void {
  const free = blocks.map((b, i) => (b.cacheable && b.cacheControl === null ? i : -1)).filter((i) => i >= 0);
  const used = blocks.filter((b) => b.cacheControl !== null).length;
  const want = Math.min(free.length, Math.floor(r() * (slots - used + 1)));
  const picked = free.sort(() => r() - 0.5).slice(0, want).sort((a, b) => a - b);
  const lastMarked = blocks.reduce((m, b, i) => (b.cacheControl ? i : m), -1);
  const anyFiveAfter = blocks.some((b) => b.cacheControl === '5m');
  const cut = Math.floor(r() * (picked.length + 1));
  picked.forEach((i, k) => {
    // keep the order rule: a 1h marker only before every 5m marker
    blocks[i]!.cacheControl = k < cut && !anyFiveAfter && i > lastMarked ? '1h' : '5m';
  });
}

function toReq(blocks: Gen[], at: number): SimRequest {
  return { id: String(at), start: at, responseStart: at, model: 'claude-sonnet-4-5', workspace: 'w', blocks: prefixFromHashes(blocks), autoCache: null, outputTokens: 0, speed: null, inferenceGeo: null };
}

/** hand rule: the prefix through the last marker, if it reaches the minimum */
function cacheableTokens(blocks: Gen[]): number {
  let total = 0;
  let upToLast = 0;
  for (const b of blocks) {
    total += b.tokens;
    if (b.cacheControl) upToLast = total;
  }
  return upToLast >= MIN_TOKENS ? upToLast : 0;
}

describe('properties', () => {
  it('an identical request within the TTL reads everything cacheable and writes nothing (500 random requests)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const r = rng(seed);
      const blocks = [...randomBlocks(r, Math.floor(r() * 4), 1000, 'tools'), ...randomBlocks(r, 1 + Math.floor(r() * 3), 2000, 'system'), ...randomBlocks(r, 1 + Math.floor(r() * 60), 3000)];
      mark(r, blocks, 4);
      const gap = Math.floor(r() * 299_000) + 1000;
      const [first, second] = simulate([toReq(blocks, T0), toReq(blocks, T0 + gap)], { pricing });
      expect(first!.error).toBeNull();
      const c = cacheableTokens(blocks);
      const total = blocks.reduce((s, b) => s + b.tokens, 0);
      expect(second!.usage!.cache_read_input_tokens, `seed ${seed}`).toBe(c);
      expect(second!.usage!.cache_creation_input_tokens, `seed ${seed}`).toBe(0);
      expect(second!.usage!.input_tokens, `seed ${seed}`).toBe(total - c);
    }
  });

  it('appending blocks never reduces the read while warm (300 random conversations of 8 turns)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed * 7919);
      let blocks = randomBlocks(r, 5 + Math.floor(r() * 20), 1);
      mark(r, blocks, 3);
      const reqs: SimRequest[] = [];
      const lastMarked: number[] = [];
      for (let turn = 0; turn < 8; turn++) {
        if (turn > 0) {
          const added = randomBlocks(r, 1 + Math.floor(r() * 12), 100 * (turn + 1) + seed * 10_000);
          blocks = [...blocks.map((b) => ({ ...b })), ...added];
          // a new marker on the last cacheable new block, if a slot is free
          const marks = blocks.filter((b) => b.cacheControl !== null).length;
          const lastNew = added.map((b) => b.cacheable).lastIndexOf(true);
          if (marks < 4 && lastNew >= 0) added[lastNew]!.cacheControl = '5m';
        }
        lastMarked.push(cacheableTokens(blocks));
        reqs.push(toReq(blocks, T0 + turn * 60_000));
      }
      const reads = simulate(reqs, { pricing }).map((x) => x.usage!.cache_read_input_tokens);
      for (let i = 1; i < reads.length; i++) {
        expect(reads[i]!, `seed ${seed} turn ${i}`).toBeGreaterThanOrEqual(reads[i - 1]!);
        expect(reads[i]!, `seed ${seed} turn ${i}`).toBeGreaterThanOrEqual(lastMarked[i - 1]!);
      }
    }
  });
});
