// The prompt-cache model (facts §1; rules with sources in docs/simulate.md).
// One Map of entries keyed by (model, workspace, prefix hash); an entry exists
// only where a breakpoint wrote it. Per request: place the breakpoints (or
// reject the request as the API would), look back ≤ 20 positions from each,
// keep the longest hit, bill A/B/C as in §1.7, write at the breakpoints past
// the hit, refresh what was hit. Work per request is O(blocks + 4 × 20).
import type { Pricing } from '../pricing/index.js';
import { combine, hashString } from './hash.js';
import { documentedMinimum, FALLBACK_MINIMUM } from './minimums.js';
import { TTL_MS, type Breakpoint, type Explanation, type PrefixBlock, type SimRequest, type SimResult, type Ttl, type Usage } from './types.js';

export const MAX_BREAKPOINTS = 4;
/** positions checked per breakpoint, the breakpoint itself included */
export const LOOKBACK = 20;

interface Entry {
  expiresAt: number;
  /** readable by requests starting at or after this (the writer's response start) … */
  availableAt: number;
  /** … and strictly after the writer started (same-instant requests are concurrent) */
  writerStart: number;
  ttlMs: number;
}

/** The cache between requests; keep one to simulate a stream request by request. */
export interface CacheState {
  entries: Map<number, Entry>;
  scopes: Map<string, number>;
}

export interface SimOptions {
  /** prices requests and maps model ids to one cache per model; without it costs are null */
  pricing?: Pricing;
  /** minimum cacheable prefix for every model (default: the documented one per model) */
  minimumTokens?: number;
  /** also look for cached prefixes outside the 20-position windows (lint, explanations) */
  explainMisses?: boolean;
}

export function createCache(): CacheState {
  return { entries: new Map(), scopes: new Map() };
}

export type PlacementError = 'uncacheable-marker' | 'auto-ttl-conflict' | 'too-many-breakpoints' | 'ttl-order';
export type Placement = { breakpoints: { index: number; ttl: Ttl; auto: boolean }[] } | { error: string; code: PlacementError; path: string | null };

/**
 * Where the request's breakpoints are, or the 400 the API would answer.
 * Automatic caching takes a slot and lands on the last cacheable block.
 */
export function placeBreakpoints(blocks: readonly PrefixBlock[], autoCache: Ttl | null): Placement {
  const bps: { index: number; ttl: Ttl; auto: boolean }[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.cacheControl === null) continue;
    if (!b.cacheable) return { error: `${b.path}: a ${b.kind === 'text' ? 'empty text' : b.kind} block cannot carry cache_control`, code: 'uncacheable-marker', path: b.path };
    bps.push({ index: i, ttl: b.cacheControl, auto: false });
  }
  if (autoCache !== null) {
    let last = blocks.length - 1;
    while (last >= 0 && !blocks[last]!.cacheable) last--; // walks back over blocks that cannot be cached
    if (last >= 0) {
      const own = blocks[last]!.cacheControl;
      if (own !== null && own !== autoCache) {
        return { error: `automatic cache_control (ttl ${autoCache}) lands on ${blocks[last]!.path}, which already has ttl ${own}`, code: 'auto-ttl-conflict', path: blocks[last]!.path };
      }
      if (own === null) {
        if (bps.length >= MAX_BREAKPOINTS) {
          return { error: `automatic caching needs a breakpoint slot but ${bps.length} explicit breakpoints are set (max ${MAX_BREAKPOINTS})`, code: 'too-many-breakpoints', path: 'cache_control' };
        }
        bps.push({ index: last, ttl: autoCache, auto: true });
      }
    }
  }
  if (bps.length > MAX_BREAKPOINTS) {
    return { error: `${bps.length} cache breakpoints; the API allows at most ${MAX_BREAKPOINTS}`, code: 'too-many-breakpoints', path: blocks[bps[MAX_BREAKPOINTS]!.index]!.path };
  }
  let seen5m: number | null = null;
  for (const bp of bps) {
    if (bp.ttl === '5m' && seen5m === null) seen5m = bp.index;
    if (bp.ttl === '1h' && seen5m !== null) {
      const path = blocks[bp.index]!.path;
      return { error: `${path}: a 1h breakpoint after the 5m one at ${blocks[seen5m]!.path} (longer TTLs must come first)`, code: 'ttl-order', path };
    }
  }
  return { breakpoints: bps };
}

function scopeOf(cache: CacheState, model: string, workspace: string, pricing: Pricing | undefined): number {
  const key = `${pricing?.resolve(model) ?? model}\u0000${workspace}`;
  let h = cache.scopes.get(key);
  if (h === undefined) {
    h = hashString(key);
    cache.scopes.set(key, h);
  }
  return h;
}

const readable = (e: Entry | undefined, start: number): e is Entry =>
  e !== undefined && e.availableAt <= start && e.writerStart < start && start <= e.expiresAt;

function zeroUsage(input: number, output: number): Usage {
  return { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }, output_tokens: output };
}

/** Simulate one request against `cache` (which it updates). Requests must come in start order. */
export function simulateRequest(cache: CacheState, req: SimRequest, opts: SimOptions, index: number): SimResult {
  const blocks = req.blocks;
  const n = blocks.length;
  const cumTokens = new Float64Array(n);
  let total = 0;
  let estimatedTokens = false;
  for (let i = 0; i < n; i++) {
    const b = blocks[i]!;
    total += b.tokens;
    cumTokens[i] = total;
    if (b.estimated) estimatedTokens = true;
  }
  const modelKey = opts.pricing?.resolve(req.model) ?? null;
  const minimumTokens = opts.minimumTokens ?? documentedMinimum(modelKey) ?? FALLBACK_MINIMUM;
  const explain: Explanation = { breakpoints: [], minimumTokens, hit: null, writes: [], concurrentWrites: [], outOfReach: null, estimatedTokens };
  const result: SimResult = {
    id: req.id, index, start: req.start, model: req.model, error: null, usage: null,
    costUSD: null, noCacheCostUSD: null, totalInputTokens: total, explain,
  };
  const placed = placeBreakpoints(blocks, req.autoCache);
  if ('error' in placed) {
    result.error = placed.error;
    return result;
  }
  const bps: Breakpoint[] = placed.breakpoints.map((bp) => ({
    position: bp.index + 1, path: blocks[bp.index]!.path, ttl: bp.ttl, auto: bp.auto,
    tokens: cumTokens[bp.index]!, belowMinimum: cumTokens[bp.index]! < minimumTokens,
  }));
  explain.breakpoints = bps;
  const scope = scopeOf(cache, req.model, req.workspace, opts.pricing);
  const key = (i: number): number => combine(scope, blocks[i]!.cumulativeHash);
  const start = req.start;

  // reads: each breakpoint checks itself and the 19 positions before it; the longest hit wins
  let hitIndex = -1;
  let via = -1;
  for (const bp of bps) {
    if (bp.belowMinimum) continue;
    const at = bp.position - 1;
    const lo = Math.max(0, at - (LOOKBACK - 1));
    for (let i = at; i >= lo; i--) {
      const e = cache.entries.get(key(i));
      if (!readable(e, start)) continue;
      e.expiresAt = Math.max(e.expiresAt, start + e.ttlMs); // a hit refreshes the entry, from request start
      if (i > hitIndex) {
        hitIndex = i;
        via = bp.position;
      }
      break;
    }
  }
  const active = bps.filter((b) => !b.belowMinimum);
  // billing positions (§1.7): A = hit, B = last 1h breakpoint after A, C = last breakpoint
  const A = hitIndex >= 0 ? cumTokens[hitIndex]! : 0;
  let B = A;
  let C = A;
  for (const bp of active) {
    if (bp.position - 1 <= hitIndex) continue;
    if (bp.ttl === '1h') B = Math.max(B, bp.tokens);
    C = Math.max(C, bp.tokens);
  }
  const usage: Usage = zeroUsage(total - C, req.outputTokens);
  usage.cache_read_input_tokens = A;
  usage.cache_creation.ephemeral_1h_input_tokens = B - A;
  usage.cache_creation.ephemeral_5m_input_tokens = C - B;
  usage.cache_creation_input_tokens = C - A;
  result.usage = usage;
  if (hitIndex >= 0) explain.hit = { position: hitIndex + 1, path: blocks[hitIndex]!.path, tokens: A, via };

  // writes: one entry per breakpoint; those inside the read prefix cost nothing but still mark their prefix
  let prevTokens = A;
  for (const bp of active) {
    const k = key(bp.position - 1);
    const ttlMs = TTL_MS[bp.ttl];
    const e = cache.entries.get(k);
    if (e !== undefined && start <= e.expiresAt) {
      if (!readable(e, start) && bp.position - 1 > hitIndex) explain.concurrentWrites.push(bp.position);
      e.availableAt = Math.min(e.availableAt, req.responseStart);
      e.writerStart = Math.min(e.writerStart, start);
      e.ttlMs = Math.max(e.ttlMs, ttlMs);
      e.expiresAt = Math.max(e.expiresAt, start + e.ttlMs);
    } else {
      cache.entries.set(k, { expiresAt: start + ttlMs, availableAt: req.responseStart, writerStart: start, ttlMs });
    }
    if (bp.position - 1 > hitIndex) {
      explain.writes.push({ position: bp.position, path: bp.path, ttl: bp.ttl, tokens: bp.tokens - prevTokens });
      prevTokens = bp.tokens;
    }
  }

  if (opts.explainMisses) {
    for (let i = n - 1; i > hitIndex; i--) {
      if (readable(cache.entries.get(key(i)), start) && !explain.writes.some((w) => w.position === i + 1)) {
        explain.outOfReach = { position: i + 1, path: blocks[i]!.path, tokens: cumTokens[i]! };
        break;
      }
    }
  }

  if (opts.pricing) {
    const priced = opts.pricing.price({
      model: req.model, timestamp: start, input: usage.input_tokens,
      cacheWrite5m: usage.cache_creation.ephemeral_5m_input_tokens, cacheWrite1h: usage.cache_creation.ephemeral_1h_input_tokens,
      cacheRead: usage.cache_read_input_tokens, output: usage.output_tokens, speed: req.speed, inferenceGeo: req.inferenceGeo,
    });
    if (priced) {
      result.costUSD = priced.costUSD;
      result.noCacheCostUSD = priced.noCacheCostUSD;
    }
  }
  return result;
}

/** Simulate a sequence (processed in start order, ties in input order); results in input order. */
export function simulate(requests: readonly SimRequest[], opts: SimOptions = {}, cache: CacheState = createCache()): SimResult[] {
  const order = requests.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < requests.length && sorted; i++) sorted = requests[i - 1]!.start <= requests[i]!.start;
  if (!sorted) order.sort((a, b) => requests[a]!.start - requests[b]!.start || a - b);
  const out: SimResult[] = new Array(requests.length);
  for (const i of order) out[i] = simulateRequest(cache, requests[i]!, opts, i);
  return out;
}
