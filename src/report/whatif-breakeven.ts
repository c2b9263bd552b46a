// `whatif`'s break-even numbers: what 1h, a miss and a ping cost at the
// reference prices, and what the idle gaps of this data put at stake.
import { usd, type Dataset } from '../accounting/index.js';
import type { Policy, PolicyOutcome, ReplayConversation } from '../cache/whatif.js';
import { gapProfile } from '../cache/whatif-gaps.js';
import type { Pricing } from '../pricing/index.js';
import type { WhatifGapRow, WhatifReport } from './whatif.js';

export function money(x: number): string {
  const a = Math.abs(x);
  return `${x < 0 ? '-' : ''}$${a >= 100 ? Math.round(a).toLocaleString('en-US') : a.toFixed(2)}`;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function buildBreakEven(
  ds: Dataset,
  pricing: Pricing,
  conversations: ReplayConversation[],
  outcomes: Map<string, PolicyOutcome>,
  keepAlives: Policy[],
  maxIdleMinutes: number,
): WhatifReport['breakEven'] {
  // reference prices: the costliest model, at its latest request
  const byModel = new Map<string, { cost: number; latest: Dataset['requests'][number] }>();
  for (const p of ds.requests) {
    if (p.costUSD === null) continue;
    const m = byModel.get(p.r.model);
    if (!m) byModel.set(p.r.model, { cost: p.costUSD, latest: p });
    else {
      m.cost += p.costUSD;
      if (p.r.timestamp >= m.latest.r.timestamp) m.latest = p;
    }
  }
  let top: { model: string; latest: Dataset['requests'][number] } | null = null;
  let topCost = -1;
  for (const [model, m] of byModel) if (m.cost > topCost) [top, topCost] = [{ model, latest: m.latest }, m.cost];
  const u = top ? pricing.unitPrices(top.latest.r) : null;
  const perM = (x: number): number => Number((x * 1e6).toPrecision(10));
  const oneHourPremium = u && u.input > 0 ? (u.cacheWrite1h - u.cacheWrite5m) / u.input : null;
  const missPenalty = u && u.input > 0 ? (u.cacheWrite5m - u.cacheRead) / u.input : null;
  const rescueRatio = oneHourPremium !== null && missPenalty ? oneHourPremium / missPenalty : null;
  const pingsPerMiss = u && u.cacheRead > 0 ? (u.cacheWrite5m - u.cacheRead) / u.cacheRead : null;
  const everyMinutes = keepAlives.map((p) => (p.spec.kind === 'keepalive' ? p.spec.everyMs / 60_000 : 0));
  // a gap g takes ceil(g/N) − 1 pings; they cost less than one expiry while that is ≤ pingsPerMiss
  const pingBreakEvenMinutes =
    pingsPerMiss === null ? [] : everyMinutes.map((n) => ({ everyMinutes: n, upToMinutes: round((Math.floor(pingsPerMiss) + 1) * n, 2) }));

  const five = outcomes.get('all-5m')!;
  const hour = outcomes.get('all-1h')!;
  const rescuedTokens = hour.reads - five.reads;
  const writtenTokens1h = hour.writes1h;
  const ratio = writtenTokens1h > 0 ? rescuedTokens / writtenTokens1h : null;

  const firstKeepAlive = keepAlives[0]?.spec;
  const gapsEvery = firstKeepAlive?.kind === 'keepalive' ? firstKeepAlive : null;
  const buckets = gapProfile(conversations, gapsEvery?.everyMs ?? 240_000, gapsEvery?.maxIdleMs ?? maxIdleMinutes * 60_000);
  const gaps: WhatifGapRow[] = buckets.map((b) => ({
    ...b,
    missCost5mUSD: usd(b.missCost5mUSD),
    missCost1hUSD: usd(b.missCost1hUSD),
    pingCostUSD: usd(b.pingCostUSD),
    bridgedMissCostUSD: usd(b.bridgedMissCostUSD),
    oneHourKeeps: b.toMinutes !== null && b.toMinutes <= 60,
    pingPays: b.gaps === 0 ? null : b.bridgedMissCostUSD > b.pingCostUSD,
  }));

  const x = (v: number | null, d = 2): string => (v === null ? '?' : v.toFixed(d));
  const rules: string[] = [];
  if (u && top) {
    rules.push(
      `At ${pricing.displayName(top.model)} prices (input $${perM(u.input)}, 5m write $${perM(u.cacheWrite5m)}, 1h write $${perM(u.cacheWrite1h)}, read $${perM(u.cacheRead)} per MTok): ` +
        `a 1h TTL costs ${x(oneHourPremium)}× input more on every token written, and saves ${x(missPenalty)}× input on every token a gap of 5–60 min would otherwise make it write again.`,
      `1h pays when the tokens it rescues from expiry are at least ${x(rescueRatio)}× the tokens it writes: in one conversation, roughly when a gap of 5–60 min falls where the prefix already holds ${Math.round((rescueRatio ?? 0) * 100)}% of all it will write.`,
      `On this data all-1h rescues ${rescuedTokens.toLocaleString('en-US')} tokens for ${writtenTokens1h.toLocaleString('en-US')} written (${x(ratio)}×): 1h ${ratio !== null && rescueRatio !== null && ratio >= rescueRatio ? 'pays' : 'does not pay'}.`,
    );
    if (pingsPerMiss !== null) {
      rules.push(
        `A keep-alive ping re-reads the prefix (${x((u.cacheRead / u.input) * 100, 1)}% of input each): one expiry pays for ${x(pingsPerMiss, 1)} pings, so pinging every N min pays for gaps up to about ${Math.floor(pingsPerMiss) + 1}×N min ` +
          `(${pingBreakEvenMinutes.map((p) => `${p.upToMinutes} min at N = ${p.everyMinutes}`).join(', ')}) when nearly all the prefix is at stake — but a pinger also pings through gaps that would not have expired, and after a session ends, for up to ${maxIdleMinutes} min.`,
      );
    }
  }
  return {
    model: top?.model ?? null,
    displayName: top ? pricing.displayName(top.model) : null,
    pricesPerMTok: u ? { input: perM(u.input), write5m: perM(u.cacheWrite5m), write1h: perM(u.cacheWrite1h), read: perM(u.cacheRead) } : null,
    oneHourPremium: oneHourPremium === null ? null : round(oneHourPremium, 6),
    missPenalty: missPenalty === null ? null : round(missPenalty, 6),
    rescueRatio: rescueRatio === null ? null : round(rescueRatio, 6),
    pingsPerMiss: pingsPerMiss === null ? null : round(pingsPerMiss, 6),
    pingBreakEvenMinutes,
    data: { rescuedTokens, writtenTokens1h, ratio: ratio === null ? null : round(ratio, 6), oneHourPays: ratio !== null && rescueRatio !== null && ratio >= rescueRatio },
    gapsPingEveryMinutes: gapsEvery ? gapsEvery.everyMs / 60_000 : null,
    gaps,
    rules,
  };
}

