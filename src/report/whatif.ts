// `cachelens whatif`: the recorded request timelines replayed under other
// cache policies (src/cache/whatif.ts; the model is in docs/whatif.md).
// A plain object: renderers and `--json` read the same thing.
import { usd, type Dataset } from '../accounting/index.js';
import { isWaste, type CacheAnalysis } from '../cache/index.js';
import {
  ACTUAL_POLICY,
  DEFAULT_KEEPALIVE_MINUTES,
  DEFAULT_MAX_IDLE_MINUTES,
  keepAlivePolicy,
  PING_INPUT_TOKENS,
  PING_OUTPUT_TOKENS,
  POLICIES,
  prepareReplay,
  recordedTotals,
  replayPolicy,
  type Policy,
  type PolicyOutcome,
} from '../cache/whatif.js';
import type { GapBucket } from '../cache/whatif-gaps.js';
import { apiModelRows, type ApiModelRow } from './whatif-api-model.js';
import { buildBreakEven, money, round } from './whatif-breakeven.js';

export type { ApiModelRow } from './whatif-api-model.js';
import type { Pricing } from '../pricing/index.js';
import type { ReportMeta } from './meta.js';

export interface WhatifPolicyRow {
  /** 'actual', 'all-5m', 'all-1h', 'main-1h-sub-5m', 'keepalive-<N>m', 'no-cache' */
  name: string;
  description: string;
  /** how to get it; null when no setting does it (actual, keep-alive) */
  setting: string | null;
  /** replayed cost, pings included */
  costUSD: number;
  /** costUSD − actual costUSD: negative = cheaper than what happened */
  deltaUSD: number;
  /** deltaUSD as a percentage of the actual cost (−12.5 = 12.5 % cheaper) */
  deltaPct: number;
  /** deltaUSD scaled to 30 days of the data's period */
  monthlyDeltaUSD: number;
  readTokens: number;
  write5mTokens: number;
  write1hTokens: number;
  /** TTL expiries that re-write ≥ 2,000 tokens (structural rebuilds excluded: the same under every policy) */
  misses: number;
  missTokens: number;
  /** what those re-writes cost over reading the same tokens */
  missCostUSD: number;
  pings: number;
  pingCostUSD: number;
  /** of those, pings after a main thread's last request (a pinger cannot know the session is over) */
  trailingPings: number;
  trailingPingCostUSD: number;
  /** requests whose replayed read differs from the recorded one */
  changedRequests: number;
}

export interface WhatifGapRow extends GapBucket {
  /** a 1-hour entry outlives every gap of this range */
  oneHourKeeps: boolean;
  /** the pings sent in this range cost less than the expiries they bridge (null: no gap here) */
  pingPays: boolean | null;
}

export interface WhatifReport extends ReportMeta {
  kind: 'whatif';
  /** the data's first and last active day (in filters.tz) and the inclusive day count monthly figures scale from */
  period: { firstDay: string | null; lastDay: string | null; days: number };
  requests: number;
  /** requests of unknown models: replayed for tokens, left out of every cost */
  unpricedRequests: number;
  /** conversations (a main thread or one sub-agent) by the TTL bucket their recorded writes went to */
  conversations: {
    main: { total: number; '5m': number; '1h': number; mixed: number; none: number };
    subagent: { total: number; '5m': number; '1h': number; mixed: number; none: number };
  };
  /** rebuilds with causes other than TTL expiry (model switch, compaction, …): the same under every policy */
  structuralMisses: { count: number; tokens: number; costUSD: number };
  keepAlive: { everyMinutes: number[]; maxIdleMinutes: number; pingInputTokens: number; pingOutputTokens: number };
  /** the replay of what happened; `matches` names the alternative with the same TTL rule, if any */
  actual: WhatifPolicyRow & { matches: string | null };
  /** the alternatives, in a fixed order: all-5m, all-1h, main-1h-sub-5m, keep-alive(s), no-cache */
  policies: WhatifPolicyRow[];
  fidelity: {
    recorded: { readTokens: number; writeTokens: number; costUSD: number };
    replayed: { readTokens: number; writeTokens: number; costUSD: number };
    /** |replayed − recorded| / recorded × 100 */
    readErrorPct: number;
    writeErrorPct: number;
    costErrorPct: number;
    changedRequests: number;
    /** the same replay when the gap rule alone decides warm or cold (what every counterfactual leans on) */
    gapRule: { changedRequests: number; readErrorPct: number; writeErrorPct: number; costErrorPct: number };
  };
  breakEven: {
    /** the reference prices: the model with the largest cost, at its latest request */
    model: string | null;
    displayName: string | null;
    pricesPerMTok: { input: number; write5m: number; write1h: number; read: number } | null;
    /** (1h write − 5m write) / input: the extra paid on every token written with a 1h TTL */
    oneHourPremium: number | null;
    /** (5m write − read) / input: the extra paid on every token an expiry re-writes */
    missPenalty: number | null;
    /** oneHourPremium / missPenalty: 1h pays when tokens rescued ≥ this × tokens written */
    rescueRatio: number | null;
    /** (5m write − read) / read: how many pings of a prefix one expiry of it pays for */
    pingsPerMiss: number | null;
    /** for each keep-alive interval: the longest gap whose pings cost less than one expiry (prefix ≈ at stake) */
    pingBreakEvenMinutes: { everyMinutes: number; upToMinutes: number }[];
    /** on this data, all-1h against all-5m */
    data: { rescuedTokens: number; writtenTokens1h: number; ratio: number | null; oneHourPays: boolean };
    /** the first keep-alive interval, used for `gaps` */
    gapsPingEveryMinutes: number | null;
    gaps: WhatifGapRow[];
    rules: string[];
  };
  /** with --api-model: each policy replayed by the API prompt-cache model beside the gap rule; else null */
  apiModel: ApiModelRow[] | null;
  recommendation: {
    /** the policy to use ('actual' when nothing beats what happened by 0.5 %) */
    policy: string;
    setting: string | null;
    alreadyBest: boolean;
    /** actual − recommended, over the data */
    savingUSD: number;
    monthlySavingUSD: number;
    text: string;
    notes: string[];
  };
}

export interface WhatifOptions {
  /** keep-alive ping intervals to replay, minutes, each in (0, 5); default [4] */
  keepAliveMinutes?: number[];
  /** a pinger stops this many minutes after the last request; default 60 */
  maxIdleMinutes?: number;
  /** also replay every policy through the API prompt-cache model (src/sim) as a cross-check */
  apiModel?: boolean;
}

/** One policy replayed two ways: whatif's gap rule alone, and the API prompt-cache model (cache/whatif-sim.ts). */

/** A saving below this share of the actual cost is noise: keep what you have. */
const ALREADY_BEST_SHARE = 0.005;
const MONTH_DAYS = 30;

function dayCount(first: string, last: string): number {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000) + 1;
}

function pctError(replayed: number, recorded: number): number {
  if (recorded === 0) return replayed === 0 ? 0 : 100;
  return (Math.abs(replayed - recorded) / recorded) * 100;
}

function row(policy: Policy, o: PolicyOutcome, actualCost: number, days: number): WhatifPolicyRow {
  const delta = o.costUSD - actualCost;
  return {
    name: policy.name,
    description: policy.description,
    setting: policy.setting,
    costUSD: usd(o.costUSD),
    deltaUSD: usd(delta),
    deltaPct: actualCost > 0 ? round((delta / actualCost) * 100, 4) : 0,
    monthlyDeltaUSD: days > 0 ? usd((delta * MONTH_DAYS) / days) : 0,
    readTokens: o.reads,
    write5mTokens: o.writes5m,
    write1hTokens: o.writes1h,
    misses: o.misses,
    missTokens: o.missTokens,
    missCostUSD: usd(o.missCostUSD),
    pings: o.pings,
    pingCostUSD: usd(o.pingCostUSD),
    trailingPings: o.trailingPings,
    trailingPingCostUSD: usd(o.trailingPingCostUSD),
    changedRequests: o.changedRequests,
  };
}

function describeActual(conv: WhatifReport['conversations']): { description: string; matches: string | null } {
  const part = (label: string, g: WhatifReport['conversations']['main']): string | null => {
    if (g.total === 0) return null;
    const bits = (['1h', '5m', 'mixed', 'none'] as const).filter((k) => g[k] > 0).map((k) => `${k === 'none' ? 'no writes' : k} ${g[k]}`);
    return `${label} ${bits.join(', ')}`;
  };
  const description = `as recorded: ${[part('main threads', conv.main), part('sub-agents', conv.subagent)].filter(Boolean).join('; ') || 'no conversations'}`;
  const only = (g: WhatifReport['conversations']['main']): '5m' | '1h' | null | 'any' => {
    if (g['mixed'] > 0) return null;
    if (g['1h'] > 0 && g['5m'] > 0) return null;
    return g['1h'] > 0 ? '1h' : g['5m'] > 0 ? '5m' : 'any';
  };
  const m = only(conv.main);
  const s = only(conv.subagent);
  let matches: string | null = null;
  if (m !== null && s !== null) {
    const mm = m === 'any' ? (s === 'any' ? '5m' : s) : m;
    const ss = s === 'any' ? mm : s;
    matches = mm === '5m' && ss === '5m' ? 'all-5m' : mm === '1h' && ss === '1h' ? 'all-1h' : mm === '1h' && ss === '5m' ? 'main-1h-sub-5m' : null;
  }
  return { description, matches };
}

export function buildWhatif(ds: Dataset, analysis: CacheAnalysis, pricing: Pricing, meta: ReportMeta, opts: WhatifOptions = {}): WhatifReport {
  const everyMinutes = opts.keepAliveMinutes ?? DEFAULT_KEEPALIVE_MINUTES;
  const maxIdleMinutes = opts.maxIdleMinutes ?? DEFAULT_MAX_IDLE_MINUTES;
  const keepAlives = everyMinutes.map((n) => keepAlivePolicy(n, maxIdleMinutes));
  const conversations = prepareReplay(analysis, pricing);

  // period
  let first = Infinity;
  let last = -Infinity;
  for (const p of ds.requests) {
    if (p.r.timestamp < first) first = p.r.timestamp;
    if (p.r.timestamp > last) last = p.r.timestamp;
  }
  const firstDay = Number.isFinite(first) ? ds.calendar.day(first) : null;
  const lastDay = Number.isFinite(last) ? ds.calendar.day(last) : null;
  const days = firstDay && lastDay ? dayCount(firstDay, lastDay) : 0;

  // conversations by recorded TTL
  const group = () => ({ total: 0, '5m': 0, '1h': 0, mixed: 0, none: 0 });
  const conv = { main: group(), subagent: group() };
  for (const c of conversations) {
    const g = c.main ? conv.main : conv.subagent;
    g.total++;
    g[c.recordedTtl]++;
  }

  // structural misses: every counted rebuild whose cause is not an expiry
  const structural = { count: 0, tokens: 0, costUSD: 0 };
  for (const r of analysis.rebuilds) {
    if (!isWaste(r) || r.cause === 'ttl-expired') continue;
    structural.count++;
    structural.tokens += r.tokensRewritten;
    structural.costUSD += r.wasteUSD ?? 0;
  }

  // the replays
  const actualOutcome = replayPolicy(conversations, ACTUAL_POLICY.spec);
  const gapRuleOutcome = replayPolicy(conversations, ACTUAL_POLICY.spec, { gapRuleOnly: true });
  const alternatives: Policy[] = [...POLICIES.filter((p) => p.spec.kind !== 'none'), ...keepAlives, ...POLICIES.filter((p) => p.spec.kind === 'none')];
  const outcomes = new Map<string, PolicyOutcome>(alternatives.map((p) => [p.name, replayPolicy(conversations, p.spec)]));
  const actualCost = actualOutcome.costUSD;
  const { description, matches } = describeActual(conv);
  const actualPolicy: Policy = { ...ACTUAL_POLICY, description };
  const actual = { ...row(actualPolicy, actualOutcome, actualCost, days), matches };
  const policies = alternatives.map((p) => row(p, outcomes.get(p.name)!, actualCost, days));

  // fidelity: the actual policy against the recorded tokens and cost
  const rec = recordedTotals(conversations);
  const fid = (o: PolicyOutcome) => ({
    readErrorPct: round(pctError(o.reads, rec.reads), 6),
    writeErrorPct: round(pctError(o.writes5m + o.writes1h, rec.writes), 6),
    costErrorPct: round(pctError(o.costUSD, rec.costUSD), 6),
  });
  const fidelity: WhatifReport['fidelity'] = {
    recorded: { readTokens: rec.reads, writeTokens: rec.writes, costUSD: usd(rec.costUSD) },
    replayed: { readTokens: actualOutcome.reads, writeTokens: actualOutcome.writes5m + actualOutcome.writes1h, costUSD: usd(actualOutcome.costUSD) },
    ...fid(actualOutcome),
    changedRequests: actualOutcome.changedRequests,
    gapRule: { changedRequests: gapRuleOutcome.changedRequests, ...fid(gapRuleOutcome) },
  };

  const breakEven = buildBreakEven(ds, pricing, conversations, outcomes, keepAlives, maxIdleMinutes);
  const apiModel = opts.apiModel ? apiModelRows(conversations, [actualPolicy, ...alternatives], pricing) : null;
  const recommendation = recommend(actual, policies, days);
  return {
    ...meta,
    kind: 'whatif',
    period: { firstDay, lastDay, days },
    requests: actualOutcome.requests,
    unpricedRequests: actualOutcome.unpricedRequests,
    conversations: conv,
    structuralMisses: { count: structural.count, tokens: structural.tokens, costUSD: usd(structural.costUSD) },
    keepAlive: { everyMinutes, maxIdleMinutes, pingInputTokens: PING_INPUT_TOKENS, pingOutputTokens: PING_OUTPUT_TOKENS },
    actual,
    policies,
    fidelity,
    breakEven,
    apiModel,
    recommendation,
  };
}

function recommend(actual: WhatifReport['actual'], policies: WhatifPolicyRow[], days: number): WhatifReport['recommendation'] {
  const notes: string[] = [];
  const settable = policies.filter((p) => p.setting !== null);
  const best = settable.reduce<WhatifPolicyRow | null>((b, p) => (b === null || p.costUSD < b.costUSD ? p : b), null);
  const monthly = (x: number): number => (days > 0 ? usd((x * MONTH_DAYS) / days) : 0);
  const span = `${days} day${days === 1 ? '' : 's'} of data`;
  if (!best || actual.costUSD <= 0) {
    return { policy: 'actual', setting: null, alreadyBest: true, savingUSD: 0, monthlySavingUSD: 0, text: 'No priced requests: nothing to compare.', notes };
  }
  const saving = actual.costUSD - best.costUSD;
  const alreadyBest = saving <= ALREADY_BEST_SHARE * actual.costUSD;
  const keepAlives = policies.filter((p) => p.name.startsWith('keepalive-'));
  const cheapest = (cost: (p: WhatifPolicyRow) => number): WhatifPolicyRow | null =>
    keepAlives.reduce<WhatifPolicyRow | null>((b, p) => (b === null || cost(p) < cost(b) ? p : b), null);
  const outright = cheapest((p) => p.costUSD);
  const sessionAware = cheapest((p) => p.costUSD - p.trailingPingCostUSD);
  const floor = alreadyBest ? actual.costUSD : best.costUSD;
  const against = alreadyBest ? 'what you have' : best.name;
  if (outright && outright.costUSD < floor * (1 - ALREADY_BEST_SHARE)) {
    notes.push(
      `${outright.name} would cost ${money(outright.costUSD)} (${money(monthly(floor - outright.costUSD))}/month less than ${against}), but no setting does it: it needs an external pinger (a max_tokens: 0 or 1 request on the same prefix).`,
    );
  } else if (sessionAware && sessionAware.costUSD - sessionAware.trailingPingCostUSD < floor * (1 - ALREADY_BEST_SHARE)) {
    const cost = sessionAware.costUSD - sessionAware.trailingPingCostUSD;
    notes.push(
      `${sessionAware.name} would beat ${against} (${money(cost)}, ${money(monthly(floor - cost))}/month less) only with a pinger that stops when a session ends: ` +
        `its pings after sessions' last requests cost ${money(sessionAware.trailingPingCostUSD)} of its ${money(sessionAware.pingCostUSD)}. No setting does it.`,
    );
  }
  if (actual.write1hTokens > actual.write5mTokens) {
    notes.push('Costs are API list prices. Mostly 1h writes suggest a subscription: there a saving is plan usage, not dollars (and past the plan limit Claude Code drops to 5m on its own).');
  }
  if (alreadyBest) {
    const same = actual.matches !== null ? policies.find((p) => p.name === actual.matches) ?? null : null;
    const closest = saving > 0 ? `would save only ${money(monthly(saving))}/month` : `would cost ${money(monthly(-saving))}/month more`;
    const text =
      `Keep what you have (${actual.description.replace(/^as recorded: /, '')}): it is already the cheapest setting for this usage ` +
      `(the closest, ${best.name}, ${closest}; ${span}).`;
    return { policy: same?.name ?? 'actual', setting: same?.setting ?? null, alreadyBest: true, savingUSD: 0, monthlySavingUSD: 0, text, notes };
  }
  const pct = (saving / actual.costUSD) * 100;
  const text =
    `Switch to ${best.name} (${best.description}): ${best.setting}. ` +
    `Estimated saving ${money(monthly(saving))}/month (${pct.toFixed(1)}% of ${money(actual.costUSD)} over ${span}).`;
  return { policy: best.name, setting: best.setting, alreadyBest: false, savingUSD: usd(saving), monthlySavingUSD: monthly(saving), text, notes };
}
