// Idle gaps of the what-if replay by length, with what is at stake in them
// (the numbers behind the break-even rules of docs/whatif.md).
import { pingCost, pingsInGap, TTL_MS, type ReplayConversation } from './whatif.js';

export interface GapBucket {
  /** label, e.g. '5–15 min' */
  label: string;
  /** gap range in minutes, (fromMinutes, toMinutes]; toMinutes null = open */
  fromMinutes: number;
  toMinutes: number | null;
  /** idle gaps in this range (requests after the first of a conversation) */
  gaps: number;
  /** Σ (R − F): tokens an expiry would re-write */
  tokensAtStake: number;
  /** Σ (R − F) × (5m write − read): what expiry costs over reading, at each request's prices */
  missCost5mUSD: number;
  /** Σ (R − F) × (1h write − read): the same if a 1h entry expired */
  missCost1hUSD: number;
  /** pings a keep-alive sends during these gaps, and their cost */
  pings: number;
  pingCostUSD: number;
  /** gaps a 5m entry plus pings bridges (gap − pings × interval ≤ 5 min) */
  bridged: number;
  /** Σ over bridged gaps of what the expiry would have cost at 5m */
  bridgedMissCostUSD: number;
}

export const GAP_EDGES_MINUTES: readonly number[] = [0, 5, 15, 30, 60, 120];

/**
 * Idle gaps by length with what is at stake in them: the numbers behind
 * "1h pays when a gap between 5 and 60 minutes would otherwise expire the
 * cache" and "pinging pays for gaps up to …". Linear in requests.
 */
export function gapProfile(conversations: readonly ReplayConversation[], everyMs: number, maxIdleMs: number): GapBucket[] {
  const edges = GAP_EDGES_MINUTES;
  const buckets: GapBucket[] = edges.map((from, k) => {
    const to = edges[k + 1] ?? null;
    return {
      label: to === null ? `> ${fmtMinutes(from)}` : from === 0 ? `≤ ${fmtMinutes(to)}` : `${fmtMinutes(from)}–${fmtMinutes(to)}`,
      fromMinutes: from, toMinutes: to, gaps: 0, tokensAtStake: 0, missCost5mUSD: 0, missCost1hUSD: 0,
      pings: 0, pingCostUSD: 0, bridged: 0, bridgedMissCostUSD: 0,
    };
  });
  for (const c of conversations) {
    for (let i = 1; i < c.steps.length; i++) {
      const s = c.steps[i]!;
      const g = s.gapMs ?? 0;
      let k = 0;
      while (k + 1 < edges.length && g > edges[k + 1]! * 60_000) k++;
      const b = buckets[k]!;
      const atStake = s.warmRead - s.coldRead;
      const u = s.unit;
      const miss5 = u ? atStake * (u.cacheWrite5m - u.cacheRead) : 0;
      b.gaps++;
      b.tokensAtStake += atStake;
      b.missCost5mUSD += miss5;
      if (u) b.missCost1hUSD += atStake * (u.cacheWrite1h - u.cacheRead);
      const pings = pingsInGap(g, everyMs, maxIdleMs);
      b.pings += pings;
      b.pingCostUSD += pings * pingCost(c.steps[i - 1]!);
      if (g > TTL_MS['5m'] && g - pings * everyMs <= TTL_MS['5m']) {
        b.bridged++;
        b.bridgedMissCostUSD += miss5;
      }
    }
  }
  return buckets;
}

function fmtMinutes(m: number): string {
  return m >= 60 && m % 60 === 0 ? `${m / 60} h` : `${m} min`;
}
