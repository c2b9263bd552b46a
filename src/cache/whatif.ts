// What-if replay: every conversation's request timeline (gaps, prefix sizes,
// reads and writes) replayed under another cache policy. Pure and linear in
// requests. The model, its assumptions and a worked example: docs/whatif.md.
import type { PricedRequest } from '../accounting/index.js';
import type { Pricing } from '../pricing/index.js';
import type { Conversation } from './conversations.js';
import { REBUILD_MIN_TOKENS, type Rebuild } from './rebuilds.js';

export type Ttl = '5m' | '1h';

export const TTL_MS: Record<Ttl, number> = { '5m': 300_000, '1h': 3_600_000 };

/** Fresh input tokens of one keep-alive ping (a one-word user turn after the cached prefix). */
export const PING_INPUT_TOKENS = 10;
/** Output tokens of one keep-alive ping (`max_tokens: 1`). */
export const PING_OUTPUT_TOKENS = 1;
/** How long a pinger keeps a prefix warm after the last request, unless told otherwise. */
export const DEFAULT_MAX_IDLE_MINUTES = 60;
export const DEFAULT_KEEPALIVE_MINUTES = [4];

/** How a policy decides the TTL of each conversation's writes. */
export type PolicySpec =
  /** what happened: each request reads entries with the TTL of the conversation's latest recorded write */
  | { kind: 'actual' }
  /** every main-thread write uses `main`, every sub-agent write `sub` */
  | { kind: 'ttl'; main: Ttl; sub: Ttl }
  /** writes use `ttl`; while idle, a ping every `everyMs` re-reads the prefix, for at most `maxIdleMs` */
  | { kind: 'keepalive'; ttl: Ttl; everyMs: number; maxIdleMs: number }
  /** caching off: every input token at the base input price */
  | { kind: 'none' };

export interface Policy {
  /** stable id: 'actual', 'all-5m', 'all-1h', 'main-1h-sub-5m', 'keepalive-4m', 'no-cache' */
  name: string;
  description: string;
  /** how to get it (Claude Code environment or settings, API); null when no setting does it */
  setting: string | null;
  spec: PolicySpec;
}

export const ACTUAL_POLICY: Policy = {
  name: 'actual',
  description: 'as recorded: each conversation keeps the TTL its writes went to',
  setting: null,
  spec: { kind: 'actual' },
};

/** The fixed alternatives; keep-alive policies come from `keepAlivePolicy`. */
export const POLICIES: readonly Policy[] = [
  {
    name: 'all-5m',
    description: 'every write 5-minute TTL, the API default',
    setting: 'FORCE_PROMPT_CACHING_5M=1 (or settings "promptCacheTtl": "5m", "subagentPromptCacheTtl": "5m"; API: cache_control {"type": "ephemeral"})',
    spec: { kind: 'ttl', main: '5m', sub: '5m' },
  },
  {
    name: 'all-1h',
    description: 'every write 1-hour TTL, sub-agents included',
    setting: 'settings "promptCacheTtl": "1h" and "subagentPromptCacheTtl": "1h" (Claude Code 2.1.243+; API: cache_control {"type": "ephemeral", "ttl": "1h"})',
    spec: { kind: 'ttl', main: '1h', sub: '1h' },
  },
  {
    name: 'main-1h-sub-5m',
    description: "main thread 1h, sub-agents 5m: Claude Code's subscription default",
    setting: 'ENABLE_PROMPT_CACHING_1H=1 (default on a subscription; or settings "promptCacheTtl": "1h", "subagentPromptCacheTtl": "5m")',
    spec: { kind: 'ttl', main: '1h', sub: '5m' },
  },
  {
    name: 'no-cache',
    description: 'caching off: every input token at the base input price',
    setting: 'DISABLE_PROMPT_CACHING=1',
    spec: { kind: 'none' },
  },
];

/** Keep-alive on top of 5-minute writes: a ping every `everyMinutes` (0 < N < 5) while idle, for at most `maxIdleMinutes`. */
export function keepAlivePolicy(everyMinutes: number, maxIdleMinutes: number = DEFAULT_MAX_IDLE_MINUTES): Policy {
  if (!(everyMinutes > 0 && everyMinutes < 5)) {
    throw new RangeError(`keep-alive interval must be more than 0 and less than 5 minutes (the 5m TTL), got ${everyMinutes}`);
  }
  if (!(maxIdleMinutes >= 0) || !Number.isFinite(maxIdleMinutes)) {
    throw new RangeError(`keep-alive max idle time must be 0 or more minutes, got ${maxIdleMinutes}`);
  }
  return {
    name: `keepalive-${everyMinutes}m`,
    description: `5m writes + a ping every ${everyMinutes} min while idle, for at most ${maxIdleMinutes} min after a request`,
    setting: null,
    spec: { kind: 'keepalive', ttl: '5m', everyMs: everyMinutes * 60_000, maxIdleMs: maxIdleMinutes * 60_000 },
  };
}

/** USD per token, as `Pricing.unitPrices` gives them. */
export interface UnitPricesUSD {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/** One request, reduced to what the replay needs. */
export interface ReplayStep {
  timestamp: number;
  model: string;
  /** ms since the previous request of the conversation; null for its first request */
  gapMs: number | null;
  /** C: the cacheable prefix, recorded read + writes; the same under every policy */
  cacheable: number;
  /** R: what the request reads when the cache is warm */
  warmRead: number;
  /** F: what it reads when its cache expired (the cross-session floor), at most R */
  coldRead: number;
  /** what happened: the first request, a warm cache (structural rebuilds included), or a TTL expiry */
  observed: 'start' | 'warm' | 'expired';
  /** TTL of the entries this request reads: the bucket of the conversation's latest recorded write (5m before any) */
  actualTtl: Ttl;
  /** recorded tokens */
  input: number;
  output: number;
  read: number;
  write5m: number;
  write1h: number;
  /** null for unknown models (never priced at 0) */
  unit: UnitPricesUSD | null;
  noCacheCostUSD: number | null;
}

export interface ReplayConversation {
  id: string;
  main: boolean;
  /** the buckets its recorded writes went to */
  recordedTtl: Ttl | 'mixed' | 'none';
  steps: ReplayStep[];
}

/**
 * Reduces conversations and their rebuilds to replay timelines, once for all
 * policies. R and F (docs/whatif.md, "The model"):
 * - R = the recorded read, except after a TTL expiry, where the prefix was
 *   intact and only expired: R = min(previous read + previous write, C).
 * - F = the latest read this conversation made cold on the request's model
 *   (its first request on that model, or a TTL-expired rebuild), capped at R;
 *   for a cold request, its own read. The cache is per model, so each model
 *   has its own floor.
 */
export function prepareReplay(
  analysis: { conversations: Conversation[]; byKey: Map<string, Rebuild> },
  pricing: Pricing,
): ReplayConversation[] {
  const out: ReplayConversation[] = [];
  for (const c of analysis.conversations) {
    const steps: ReplayStep[] = [];
    let latest: Ttl | null = null;
    /** per model: the latest read made with a cold cache */
    const coldLevels = new Map<string, number>();
    let any5m = false;
    let any1h = false;
    let prev: PricedRequest | null = null;
    for (const p of c.requests) {
      const r = p.r;
      const cacheable = r.cacheRead + r.cacheWrite5m + r.cacheWrite1h;
      let observed: ReplayStep['observed'];
      let warmRead = r.cacheRead;
      if (prev === null) {
        observed = 'start';
        coldLevels.set(r.model, r.cacheRead);
      } else {
        const rb = analysis.byKey.get(r.key);
        if (rb && rb.cause === 'ttl-expired') {
          observed = 'expired';
          warmRead = Math.min(rb.expectedRead, cacheable);
          coldLevels.set(r.model, r.cacheRead);
        } else {
          observed = 'warm';
          // the first request on another model reads that model's cache from cold
          if (!coldLevels.has(r.model)) coldLevels.set(r.model, r.cacheRead);
        }
      }
      steps.push({
        timestamp: r.timestamp,
        model: r.model,
        gapMs: prev === null ? null : r.timestamp - prev.r.timestamp,
        cacheable,
        warmRead,
        coldRead: Math.min(coldLevels.get(r.model) ?? 0, warmRead),
        observed,
        actualTtl: latest ?? '5m',
        input: r.input,
        output: r.output,
        read: r.cacheRead,
        write5m: r.cacheWrite5m,
        write1h: r.cacheWrite1h,
        unit: pricing.unitPrices(r),
        noCacheCostUSD: p.noCacheCostUSD,
      });
      // the same rule as ttlInForce in rebuilds.ts: a 1h write wins within a request
      if (r.cacheWrite1h > 0) latest = '1h';
      else if (r.cacheWrite5m > 0) latest = '5m';
      any1h ||= r.cacheWrite1h > 0;
      any5m ||= r.cacheWrite5m > 0;
      prev = p;
    }
    out.push({ id: c.id, main: c.agentId === null, recordedTtl: any1h && any5m ? 'mixed' : any1h ? '1h' : any5m ? '5m' : 'none', steps });
  }
  return out;
}

export interface PolicyOutcome {
  /** requests' cost plus pings' cost, over priced requests */
  costUSD: number;
  /** token sums over every request, priced or not */
  reads: number;
  writes5m: number;
  writes1h: number;
  /** TTL expiries that re-write at least REBUILD_MIN_TOKENS (structural rebuilds are the same under every policy and not counted) */
  misses: number;
  /** tokens those expiries re-wrote: R − F each */
  missTokens: number;
  /** what those re-writes cost over reading: (R − F) × (write price − read price) */
  missCostUSD: number;
  pings: number;
  pingCostUSD: number;
  /** of those, the pings after each main thread's last request (what a session-aware pinger would save) */
  trailingPings: number;
  trailingPingCostUSD: number;
  requests: number;
  unpricedRequests: number;
  /** requests whose replayed read differs from the recorded read */
  changedRequests: number;
}

export interface ReplayOptions {
  /**
   * Decide warm or cold by the gap rule alone (cold iff gap > TTL), ignoring
   * what was observed. Only to measure how well the gap rule predicts the data.
   */
  gapRuleOnly?: boolean;
}

function policyTtl(spec: PolicySpec, main: boolean, step: ReplayStep): Ttl {
  switch (spec.kind) {
    case 'ttl':
      return main ? spec.main : spec.sub;
    case 'keepalive':
      return spec.ttl;
    default:
      return step.actualTtl;
  }
}

/** Pings sent during an idle gap of `gapMs`: one every `everyMs` strictly before the next request, none after `maxIdleMs`. */
export function pingsInGap(gapMs: number, everyMs: number, maxIdleMs: number): number {
  if (gapMs <= everyMs) return 0;
  return Math.max(0, Math.min(Math.ceil(gapMs / everyMs) - 1, Math.floor(maxIdleMs / everyMs)));
}

/** What one keep-alive ping after `prev` costs: the prefix read plus the ping's own tokens. */
export function pingCost(prev: ReplayStep): number {
  const u = prev.unit;
  return u ? prev.cacheable * u.cacheRead + PING_INPUT_TOKENS * u.input + PING_OUTPUT_TOKENS * u.output : 0;
}

/**
 * Is this request's cache cold under the policy? What happened decides where
 * the policy keeps the cache exactly as long as reality did, or longer for a
 * warm request, or shorter for an expired one (a cache that survived a gap
 * survives it under a longer TTL; one that expired, under a shorter one).
 * Otherwise the gap rule: cold iff the idle time since the last refresh
 * (request or ping) exceeds the TTL.
 */
export function isCold(step: ReplayStep, ttl: Ttl, pings: number, effectiveGapMs: number, gapRuleOnly = false): boolean {
  if (step.observed === 'start') return false;
  const ruleCold = effectiveGapMs > TTL_MS[ttl];
  if (gapRuleOnly) return ruleCold;
  const policyMs = TTL_MS[ttl];
  const realMs = TTL_MS[step.actualTtl];
  // it survived this gap in reality, and the policy keeps it at least as long (pings only add)
  if (step.observed === 'warm' && policyMs >= realMs) return false;
  // it expired in reality, and the policy keeps it no longer
  if (step.observed === 'expired' && policyMs <= realMs && pings === 0) return true;
  return ruleCold;
}

/** Replays every conversation under one policy. Linear in requests. */
export function replayPolicy(conversations: readonly ReplayConversation[], spec: PolicySpec, opts: ReplayOptions = {}): PolicyOutcome {
  const o: PolicyOutcome = {
    costUSD: 0, reads: 0, writes5m: 0, writes1h: 0, misses: 0, missTokens: 0, missCostUSD: 0,
    pings: 0, pingCostUSD: 0, trailingPings: 0, trailingPingCostUSD: 0, requests: 0, unpricedRequests: 0, changedRequests: 0,
  };
  for (const c of conversations) {
    const steps = c.steps;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      o.requests++;
      if (s.unit === null) o.unpricedRequests++;
      if (spec.kind === 'none') {
        if (s.read !== 0) o.changedRequests++;
        if (s.noCacheCostUSD !== null) o.costUSD += s.noCacheCostUSD;
        continue;
      }
      const ttl = policyTtl(spec, c.main, s);
      let pings = 0;
      let effectiveGap = s.gapMs ?? 0;
      if (spec.kind === 'keepalive' && s.gapMs !== null) {
        pings = pingsInGap(s.gapMs, spec.everyMs, spec.maxIdleMs);
        effectiveGap = s.gapMs - pings * spec.everyMs;
        if (pings > 0) {
          o.pings += pings;
          o.pingCostUSD += pings * pingCost(steps[i - 1]!);
        }
      }
      const cold = isCold(s, ttl, pings, effectiveGap, opts.gapRuleOnly === true);
      const read = cold ? s.coldRead : s.warmRead;
      const write = s.cacheable - read;
      // the write's bucket: the policy's TTL; under 'actual', the recorded split
      // (or, where the replay writes something the data did not, the TTL in force)
      let w1: number;
      if (spec.kind === 'actual') {
        const recorded = s.write5m + s.write1h;
        if (recorded > 0) w1 = write === recorded ? s.write1h : Math.round((write * s.write1h) / recorded);
        else w1 = ttl === '1h' ? write : 0;
      } else w1 = ttl === '1h' ? write : 0;
      const w5 = write - w1;
      o.reads += read;
      o.writes5m += w5;
      o.writes1h += w1;
      if (read !== s.read) o.changedRequests++;
      const u = s.unit;
      if (u) o.costUSD += s.input * u.input + read * u.cacheRead + w5 * u.cacheWrite5m + w1 * u.cacheWrite1h + s.output * u.output;
      if (cold) {
        const lost = s.warmRead - s.coldRead;
        if (lost >= REBUILD_MIN_TOKENS) {
          o.misses++;
          o.missTokens += lost;
          if (u) o.missCostUSD += lost * ((write > 0 ? (w1 * u.cacheWrite1h + w5 * u.cacheWrite5m) / write : u.cacheWrite5m) - u.cacheRead);
        }
      }
    }
    // a pinger cannot know the session is over: it pings the main thread's prefix after its last request too
    if (spec.kind === 'keepalive' && c.main && steps.length > 0) {
      const n = Math.floor(spec.maxIdleMs / spec.everyMs);
      const cost = n * pingCost(steps[steps.length - 1]!);
      o.pings += n;
      o.pingCostUSD += cost;
      o.trailingPings += n;
      o.trailingPingCostUSD += cost;
    }
  }
  o.costUSD += o.pingCostUSD;
  return o;
}

/** Recorded sums, to hold the replay of the actual policy against. */
export function recordedTotals(conversations: readonly ReplayConversation[]): { reads: number; writes: number; costUSD: number } {
  let reads = 0;
  let writes = 0;
  let costUSD = 0;
  for (const c of conversations) {
    for (const s of c.steps) {
      reads += s.read;
      writes += s.write5m + s.write1h;
      const u = s.unit;
      if (u) costUSD += s.input * u.input + s.read * u.cacheRead + s.write5m * u.cacheWrite5m + s.write1h * u.cacheWrite1h + s.output * u.output;
    }
  }
  return { reads, writes, costUSD };
}
