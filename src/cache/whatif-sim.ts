// The what-if replay run through the API prompt-cache model (src/sim) instead
// of whatif's own gap rule: each conversation becomes the requests Claude Code
// sends (a system prompt block kept warm by other sessions, the conversation's
// messages growing block by block, a breakpoint with the policy's TTL on the
// last message, the uncached input after it), keep-alive pings become real
// requests, and the model decides every read: TTL from request start, refresh
// on every hit, the 20-block lookback, the minimum cacheable length. Where the
// two disagree, whatif's shortcut is what to doubt (docs/whatif.md).
import type { Pricing } from '../pricing/index.js';
import { createCache, hashString, prefixFromHashes, simulateRequest, type CacheState, type SimOptions, type SimRequest } from '../sim/index.js';
import { PING_INPUT_TOKENS, PING_OUTPUT_TOKENS, pingsInGap, type PolicySpec, type ReplayConversation, type ReplayStep, type Ttl } from './whatif.js';

export interface SimulatedPolicy {
  /** the conversations' own requests (not the pings) */
  reads: number;
  writes5m: number;
  writes1h: number;
  /** their cost plus the pings' cost, over priced requests */
  costUSD: number;
  /** requests whose cacheable prefix was below the model's minimum: the API caches nothing there */
  belowMinimum: number;
}

interface Block {
  hash: number;
  /** prefix tokens after the system block up to and including this one */
  end: number;
}

function ttlFor(spec: PolicySpec, main: boolean, step: ReplayStep): Ttl {
  if (spec.kind === 'ttl') return main ? spec.main : spec.sub;
  if (spec.kind === 'keepalive') return spec.ttl;
  return step.actualTtl;
}

/**
 * Replays `spec` through the API cache model. Each conversation gets its own
 * cache; its system block (the cold floor F, what a conversation reads on a
 * cold start) is refreshed just before every request, as other sessions keep
 * the shared system prompt warm.
 */
export function simulatePolicy(conversations: readonly ReplayConversation[], spec: PolicySpec, pricing?: Pricing): SimulatedPolicy {
  // the price table maps model ids to their documented minimum cacheable length (costs are priced here)
  const opts = pricing ? { pricing } : {};
  const out: SimulatedPolicy = { reads: 0, writes5m: 0, writes1h: 0, costUSD: 0, belowMinimum: 0 };
  if (spec.kind === 'none') return out;
  for (const c of conversations) {
    const cache: CacheState = createCache();
    let blocks: Block[] = [];
    let next = 1;
    const hashOf = (label: string): number => hashString(`${c.id}:${label}:${next++}`);
    let prev: { step: ReplayStep; items: ReturnType<typeof itemsOf>; sysHash: number; floor: number } | null = null;
    for (let i = 0; i < c.steps.length; i++) {
      const s = c.steps[i]!;
      const ttl = ttlFor(spec, c.main, s);
      const floor = Math.min(s.coldRead, s.warmRead);
      const sysHash = hashString(`system:${c.id}:${floor}`);
      // keep the prefix up to the warm read where it falls on a block edge; what follows is new
      const keep = s.warmRead - floor;
      blocks = blocks.filter((b) => b.end <= keep);
      const kept = blocks.at(-1)?.end ?? 0;
      const total = s.cacheable - floor;
      if (total > kept) blocks.push({ hash: hashOf('m'), end: total });
      const items = itemsOf(floor, sysHash, blocks, ttl);
      // pings during the idle gap before this request (keep-alive): the previous prefix again, plus a word
      if (spec.kind === 'keepalive' && prev && s.gapMs !== null) {
        const n = pingsInGap(s.gapMs, spec.everyMs, spec.maxIdleMs);
        for (let k = 1; k <= n; k++) {
          const at = prev.step.timestamp + k * spec.everyMs;
          keepSystemWarm(cache, opts, c.id, prev.step.model, prev.sysHash, prev.floor, ttl, at);
          const r = simulateRequest(cache, request(c.id, `ping${i}.${k}`, prev.step.model, at, prev.items, PING_INPUT_TOKENS, hashOf('ping')), opts, -1);
          if (r.usage && prev.step.unit) out.costUSD += cost(r.usage, prev.step.unit, PING_OUTPUT_TOKENS);
        }
      }
      keepSystemWarm(cache, opts, c.id, s.model, sysHash, floor, ttl, s.timestamp);
      const r = simulateRequest(cache, request(c.id, `r${i}`, s.model, s.timestamp, items, s.input, hashOf('tail')), opts, i);
      if (r.usage) {
        out.reads += r.usage.cache_read_input_tokens;
        out.writes5m += r.usage.cache_creation.ephemeral_5m_input_tokens;
        out.writes1h += r.usage.cache_creation.ephemeral_1h_input_tokens;
        if (s.unit) out.costUSD += cost(r.usage, s.unit, s.output);
        if (r.explain.breakpoints.length > 0 && r.explain.breakpoints.every((b) => b.belowMinimum)) out.belowMinimum++;
      }
      prev = { step: s, items, sysHash, floor };
    }
    // a pinger cannot know the session is over: it goes on after the main thread's last request (as whatif counts)
    if (spec.kind === 'keepalive' && c.main && prev) {
      const n = Math.floor(spec.maxIdleMs / spec.everyMs);
      for (let k = 1; k <= n; k++) {
        const at = prev.step.timestamp + k * spec.everyMs;
        keepSystemWarm(cache, opts, c.id, prev.step.model, prev.sysHash, prev.floor, spec.ttl, at);
        const r = simulateRequest(cache, request(c.id, `ping-end.${k}`, prev.step.model, at, prev.items, PING_INPUT_TOKENS, hashOf('ping')), opts, -1);
        if (r.usage && prev.step.unit) out.costUSD += cost(r.usage, prev.step.unit, PING_OUTPUT_TOKENS);
      }
    }
  }
  return out;
}

function itemsOf(floor: number, sysHash: number, blocks: readonly Block[], ttl: Ttl) {
  const sys = floor > 0 ? [{ level: 'system' as const, hash: sysHash, tokens: floor, cacheControl: ttl }] : [];
  let start = 0;
  const msgs = blocks.map((b, k) => {
    const item = { level: 'messages' as const, hash: b.hash, tokens: b.end - start, cacheControl: k === blocks.length - 1 ? ttl : null };
    start = b.end;
    return item;
  });
  return [...sys, ...msgs];
}

/** A request: the cached items, then `input` uncached tokens after the last breakpoint. */
function request(conv: string, id: string, model: string, at: number, items: ReturnType<typeof itemsOf>, input: number, tailHash: number): SimRequest {
  const all = input > 0 ? [...items, { level: 'messages' as const, hash: tailHash, tokens: input, cacheControl: null }] : items;
  // the model picks the minimum cacheable length; costs are priced here from the recorded unit prices
  return { id: `${conv}/${id}`, start: at, responseStart: at, model, workspace: conv, blocks: prefixFromHashes(all), autoCache: null, outputTokens: 0, speed: null, inferenceGeo: null };
}

/** Another session's request that reads (or writes) the shared system prompt a moment before. */
function keepSystemWarm(cache: CacheState, opts: SimOptions, conv: string, model: string, sysHash: number, floor: number, ttl: Ttl, at: number): void {
  if (floor <= 0) return;
  simulateRequest(cache, request(conv, 'other-session', model, at - 1, [{ level: 'system', hash: sysHash, tokens: floor, cacheControl: ttl }], 0, 0), opts, -1);
}

function cost(u: { input_tokens: number; cache_read_input_tokens: number; cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number } }, unit: NonNullable<ReplayStep['unit']>, output: number): number {
  return (
    u.input_tokens * unit.input +
    u.cache_read_input_tokens * unit.cacheRead +
    u.cache_creation.ephemeral_5m_input_tokens * unit.cacheWrite5m +
    u.cache_creation.ephemeral_1h_input_tokens * unit.cacheWrite1h +
    output * unit.output
  );
}
