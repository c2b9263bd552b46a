// The cache rules, each from the documentation's own examples (facts §1).
// Every expectation is computed by hand from the rule, never from the code.
import { describe, expect, it } from 'vitest';
import { loadPricing } from '../pricing/index.js';
import { createCache, simulate, simulateRequest } from './engine.js';
import { prefixFromHashes } from './fingerprint.js';
import type { Level, SimRequest, Ttl } from './types.js';

const pricing = loadPricing();
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');

interface B {
  id: number;
  tokens?: number;
  bp?: Ttl;
  level?: Level;
  cacheable?: boolean;
}

/** a request whose block i has content `ids[i]`; equal ids = equal content */
function req(blocks: B[], o: { at?: number; ttft?: number; model?: string; workspace?: string; auto?: Ttl } = {}): SimRequest {
  const at = o.at ?? T0;
  return {
    id: 'r',
    start: at,
    responseStart: at + (o.ttft ?? 0),
    model: o.model ?? 'claude-opus-5', // minimum 512: blocks of 100 tokens cache from the 6th
    workspace: o.workspace ?? 'w',
    blocks: prefixFromHashes(blocks.map((b) => ({ level: b.level ?? 'messages', hash: b.id, tokens: b.tokens ?? 100, cacheable: b.cacheable, cacheControl: b.bp ?? null }))),
    autoCache: o.auto ?? null,
    outputTokens: 0,
    speed: null,
    inferenceGeo: null,
  };
}

/** blocks 1..n, 100 tokens each, a 5m breakpoint on the listed positions */
const conv = (n: number, bps: number[]): B[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, ...(bps.includes(i + 1) ? { bp: '5m' as const } : {}) }));

const usageOf = (r: ReturnType<typeof simulate>[number]) => {
  const u = r.usage!;
  return { read: u.cache_read_input_tokens, w5m: u.cache_creation.ephemeral_5m_input_tokens, w1h: u.cache_creation.ephemeral_1h_input_tokens, input: u.input_tokens };
};

describe('20-block lookback (the docs example: 10, 15, 35 blocks)', () => {
  it('turn 1 writes at 10; turn 2 hits 10 and writes 11–15; turn 3 (35 blocks) finds nothing within 20 positions', () => {
    const res = simulate([req(conv(10, [10])), req(conv(15, [15]), { at: T0 + MIN }), req(conv(35, [35]), { at: T0 + 2 * MIN })], { pricing });
    expect(usageOf(res[0]!)).toEqual({ read: 0, w5m: 1000, w1h: 0, input: 0 });
    expect(usageOf(res[1]!)).toEqual({ read: 1000, w5m: 500, w1h: 0, input: 0 });
    expect(res[1]!.explain.hit).toMatchObject({ position: 10, via: 15 });
    expect(res[1]!.explain.writes).toEqual([{ position: 15, path: '#15', ttl: '5m', tokens: 500 }]);
    // checks 35..16: the entry at 15 is one position outside
    expect(usageOf(res[2]!)).toEqual({ read: 0, w5m: 3500, w1h: 0, input: 0 });
  });

  it('a second breakpoint at 15 starts a second window and hits', () => {
    const res = simulate([req(conv(10, [10])), req(conv(15, [15]), { at: T0 + MIN }), req(conv(35, [15, 35]), { at: T0 + 2 * MIN })], { pricing });
    expect(usageOf(res[2]!)).toEqual({ read: 1500, w5m: 2000, w1h: 0, input: 0 });
  });

  it('counts the breakpoint itself: 19 positions back is the 20th checked (hit), 20 back is not', () => {
    const hit = simulate([req(conv(10, [10])), req(conv(29, [29]), { at: T0 + MIN })], { pricing });
    expect(usageOf(hit[1]!).read).toBe(1000);
    const miss = simulate([req(conv(10, [10])), req(conv(30, [30]), { at: T0 + MIN })], { pricing, explainMisses: true });
    expect(usageOf(miss[1]!).read).toBe(0);
    expect(miss[1]!.explain.outOfReach).toMatchObject({ position: 10, tokens: 1000 });
  });

  it('matches only positions an earlier request wrote, not stable content', () => {
    // turn 1 wrote at 10 only; turn 2 shares blocks 1..12 but 11 and 12 were never written
    const res = simulate([req(conv(12, [10])), req([...conv(12, []), { id: 99, bp: '5m' }], { at: T0 + MIN })], { pricing });
    expect(usageOf(res[1]!)).toEqual({ read: 1000, w5m: 300, w1h: 0, input: 0 });
  });

  it('the longest hit wins across breakpoints', () => {
    const first = req(conv(12, [4, 12]));
    const res = simulate([first, req(conv(14, [4, 14]), { at: T0 + MIN })], { pricing });
    expect(res[1]!.explain.hit).toMatchObject({ position: 12, via: 14 });
    expect(usageOf(res[1]!)).toEqual({ read: 1200, w5m: 200, w1h: 0, input: 0 });
  });
});

describe('mixed TTLs (§1.7) and the usage example of §1.8', () => {
  it('reads A, writes B−A at 1h and C−B at 5m, bills the rest as input', () => {
    // prefix of 1800 tokens cached earlier; then +100 (1h marker) +148 (5m marker) +2048 unmarked
    const prefix: B[] = [{ id: 1, tokens: 1000 }, { id: 2, tokens: 800, bp: '1h' }];
    const second: B[] = [{ id: 1, tokens: 1000 }, { id: 2, tokens: 800 }, { id: 3, tokens: 100, bp: '1h' }, { id: 4, tokens: 148, bp: '5m' }, { id: 5, tokens: 2048 }];
    const sonnet = 'claude-sonnet-4-5';
    const res = simulate([req(prefix, { model: sonnet }), req(second, { at: T0 + MIN, model: sonnet })], { pricing });
    const u = res[1]!.usage!;
    expect(u).toEqual({
      input_tokens: 2048,
      cache_creation_input_tokens: 248,
      cache_read_input_tokens: 1800,
      cache_creation: { ephemeral_5m_input_tokens: 148, ephemeral_1h_input_tokens: 100 },
      output_tokens: 0,
    });
    // Sonnet 4.5: $3 input, $3.75 5m, $6 1h, $0.30 read per million
    expect(res[1]!.costUSD).toBeCloseTo((2048 * 3 + 148 * 3.75 + 100 * 6 + 1800 * 0.3) / 1e6, 12);
  });

  it('rejects a 1h breakpoint after a 5m one (longer TTLs first)', () => {
    const [r] = simulate([req([{ id: 1, tokens: 2000, bp: '5m' }, { id: 2, tokens: 2000, bp: '1h' }])], { pricing });
    expect(r!.usage).toBeNull();
    expect(r!.error).toMatch(/1h breakpoint after the 5m/);
    expect(r!.costUSD).toBeNull();
  });
});

describe('breakpoint slots and automatic caching', () => {
  it('more than 4 breakpoints is an error', () => {
    const [r] = simulate([req(conv(20, [4, 8, 12, 16, 20]))], { pricing });
    expect(r!.error).toMatch(/5 cache breakpoints/);
  });

  it('automatic caching takes one slot: with 4 explicit breakpoints it is an error', () => {
    const [r] = simulate([req(conv(20, [4, 8, 12, 16]), { auto: '5m' })], { pricing });
    expect(r!.error).toMatch(/needs a breakpoint slot/);
  });

  it('lands on the last block, walking back over blocks that cannot be cached', () => {
    const blocks: B[] = [...conv(12, []), { id: 50, cacheable: false }, { id: 51, cacheable: false }];
    const [r] = simulate([req(blocks, { auto: '5m' })], { pricing });
    expect(r!.explain.breakpoints).toEqual([{ position: 12, path: '#12', ttl: '5m', auto: true, tokens: 1200, belowMinimum: false }]);
    expect(usageOf(r!)).toEqual({ read: 0, w5m: 1200, w1h: 0, input: 200 });
  });

  it('same TTL already on the last block: a no-op; a different TTL: an error', () => {
    const same = simulate([req(conv(12, [12]), { auto: '5m' })], { pricing })[0]!;
    expect(same.error).toBeNull();
    expect(same.explain.breakpoints).toHaveLength(1);
    const other = simulate([req(conv(12, [12]), { auto: '1h' })], { pricing })[0]!;
    expect(other.error).toMatch(/already has ttl 5m/);
  });

  it('a growing conversation with automatic caching reads the previous turn', () => {
    const res = simulate([req(conv(12, []), { auto: '5m' }), req(conv(16, []), { auto: '5m', at: T0 + MIN })], { pricing });
    expect(usageOf(res[1]!)).toEqual({ read: 1200, w5m: 400, w1h: 0, input: 0 });
  });
});

describe('minimum cacheable length (§1.5)', () => {
  const big = (tokens: number): B[] => [{ id: 1, tokens: tokens - 100 }, { id: 2, tokens: 100, bp: '5m' }, { id: 3, tokens: 500 }];
  it('Opus 4.6 needs 4,096: a 4,095-token prefix caches nothing, with no error', () => {
    const res = simulate([req(big(4095), { model: 'claude-opus-4-6' }), req(big(4095), { model: 'claude-opus-4-6', at: T0 + MIN })], { pricing });
    for (const r of res) {
      expect(r.error).toBeNull();
      expect(usageOf(r)).toEqual({ read: 0, w5m: 0, w1h: 0, input: 4595 });
      expect(r.explain.breakpoints[0]!.belowMinimum).toBe(true);
    }
  });
  it('4,096 tokens is enough', () => {
    const res = simulate([req(big(4096), { model: 'claude-opus-4-6' }), req(big(4096), { model: 'claude-opus-4-6', at: T0 + MIN })], { pricing });
    expect(usageOf(res[0]!)).toEqual({ read: 0, w5m: 4096, w1h: 0, input: 500 });
    expect(usageOf(res[1]!)).toEqual({ read: 4096, w5m: 0, w1h: 0, input: 500 });
  });
  it('Sonnet 4.5 needs 1,024; Opus 5 512', () => {
    const sonnet = { model: 'claude-sonnet-4-5' };
    expect(simulate([req(big(1023), sonnet)], { pricing })[0]!.usage!.cache_creation_input_tokens).toBe(0);
    expect(simulate([req(big(1024), sonnet)], { pricing })[0]!.usage!.cache_creation_input_tokens).toBe(1024);
    expect(simulate([req(big(511), { model: 'claude-opus-5' })], { pricing })[0]!.usage!.cache_creation_input_tokens).toBe(0);
    expect(simulate([req(big(512), { model: 'claude-opus-5' })], { pricing })[0]!.usage!.cache_creation_input_tokens).toBe(512);
  });
});

describe('TTL: from request start, refreshed by every hit (§1.6)', () => {
  const blocks = conv(12, [12]);
  it('5m: hit at 4:59, miss at 5:01', () => {
    expect(usageOf(simulate([req(blocks), req(blocks, { at: T0 + 4 * MIN + 59_000 })], { pricing })[1]!).read).toBe(1200);
    expect(usageOf(simulate([req(blocks), req(blocks, { at: T0 + 5 * MIN + 1000 })], { pricing })[1]!).read).toBe(0);
  });
  it('every hit refreshes: hits at 4 and 8 minutes keep it alive', () => {
    const res = simulate([req(blocks), req(blocks, { at: T0 + 4 * MIN }), req(blocks, { at: T0 + 8 * MIN })], { pricing });
    expect(res.map((r) => usageOf(r).read)).toEqual([0, 1200, 1200]);
  });
  it('a hit found by lookback refreshes too', () => {
    const res = simulate([req(conv(12, [12])), req(conv(14, [14]), { at: T0 + 4 * MIN }), req(conv(13, [13]), { at: T0 + 8 * MIN })], { pricing });
    // the third request finds position 12 (refreshed at 4 min by the second one's lookback)
    expect(usageOf(res[2]!)).toEqual({ read: 1200, w5m: 100, w1h: 0, input: 0 });
  });
  it('measured from the start: a response streamed for 4 minutes leaves about 1 minute', () => {
    const res = simulate([req(blocks, { ttft: 1000 }), req(blocks, { at: T0 + 5 * MIN + 30_000 })], { pricing });
    expect(usageOf(res[1]!).read).toBe(0);
  });
  it('1h: hit at 59 minutes, miss at 61', () => {
    const b1h = conv(12, []).map((b, i) => (i === 11 ? { ...b, bp: '1h' as const } : b));
    expect(usageOf(simulate([req(b1h), req(b1h, { at: T0 + 59 * MIN })], { pricing })[1]!).read).toBe(1200);
    expect(usageOf(simulate([req(b1h), req(b1h, { at: T0 + 61 * MIN })], { pricing })[1]!).read).toBe(0);
  });
});

describe('concurrency (§1.10): an entry is readable once the writing response has started', () => {
  const blocks = conv(12, [12]);
  it('a request sent before the first response began writes too; one sent after reads', () => {
    const res = simulate([req(blocks, { ttft: 2000 }), req(blocks, { at: T0 + 1000, ttft: 2000 }), req(blocks, { at: T0 + 2500 })], { pricing });
    expect(res.map((r) => usageOf(r))).toEqual([
      { read: 0, w5m: 1200, w1h: 0, input: 0 },
      { read: 0, w5m: 1200, w1h: 0, input: 0 },
      { read: 1200, w5m: 0, w1h: 0, input: 0 },
    ]);
    expect(res[1]!.explain.concurrentWrites).toEqual([12]);
  });
  it('requests sent at the same instant all write', () => {
    const res = simulate([req(blocks), req(blocks), req(blocks)], { pricing });
    expect(res.map((r) => usageOf(r).w5m)).toEqual([1200, 1200, 1200]);
  });
  it('input order does not matter: requests run in start order', () => {
    const res = simulate([req(blocks, { at: T0 + MIN }), req(blocks)], { pricing });
    expect(usageOf(res[1]!).w5m).toBe(1200);
    expect(usageOf(res[0]!).read).toBe(1200);
  });
});

describe('isolation: the cache is per model and per workspace', () => {
  const blocks = conv(12, [12]);
  it('another model or workspace misses; the same model under a dated id hits', () => {
    expect(usageOf(simulate([req(blocks), req(blocks, { at: T0 + MIN, model: 'claude-opus-4-5' })], { pricing })[1]!).read).toBe(0);
    expect(usageOf(simulate([req(blocks), req(blocks, { at: T0 + MIN, workspace: 'other' })], { pricing })[1]!).read).toBe(0);
    expect(usageOf(simulate([req(blocks), req(blocks, { at: T0 + MIN, model: 'claude-opus-5-20260724' })], { pricing })[1]!).read).toBe(1200);
  });
});

describe('simulateRequest with a kept cache (as a proxy would call it)', () => {
  it('keeps state between calls', () => {
    const cache = createCache();
    simulateRequest(cache, req(conv(12, [12])), { pricing }, 0);
    expect(simulateRequest(cache, req(conv(13, [13]), { at: T0 + MIN }), { pricing }, 1).usage!.cache_read_input_tokens).toBe(1200);
  });
});
