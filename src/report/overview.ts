// `cachelens report`: totals, cost scenarios, and breakdowns by period, model
// and project. A plain object: renderers and `--json` read the same thing.
import {
  finishTotals,
  groupBy,
  newAccumulator,
  addRequest,
  addApiError,
  usd,
  type Dataset,
  type PeriodKind,
  type Totals,
  type WasteLookup,
} from '../accounting/index.js';
import type { Pricing } from '../pricing/index.js';
import type { ReportMeta } from './meta.js';
import { buildTimeline, type GitCounts, type Timeline } from './timeline.js';

export interface PlanCost {
  plan: string;
  monthlyUSD: number;
  /** inclusive local days the pro-rated cost covers */
  days: number;
  firstDay: string;
  lastDay: string;
  proratedUSD: number;
}

export interface CostSummary {
  /** API list price of what was used, with caching as it happened */
  withCacheUSD: number;
  /** the same usage with every input token at the base input price */
  noCacheUSD: number;
  savingsUSD: number;
  /** savings as a share of noCacheUSD (0..1) */
  savingsRate: number;
  plan: PlanCost | null;
}

export interface UnpricedModel {
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export interface OverviewReport extends ReportMeta {
  kind: 'report';
  by: PeriodKind;
  totals: Totals;
  costs: CostSummary;
  /** cache-read tokens per fresh input token and per output token */
  ratios: { cacheReadPerInputToken: number; cacheReadPerOutputToken: number };
  periods: (Totals & { period: string })[];
  models: (Totals & { model: string; displayName: string })[];
  projects: (Totals & { project: string })[];
  unpriced: UnpricedModel[];
  /** hit rate and waste by week, with phases (and commits with --git) */
  timeline: Timeline;
  /** with --from and --by user|machine: the team's totals per user label or machine id */
  team?: { by: 'user' | 'machine'; rows: (Totals & { key: string })[] };
}

export const PLANS: Record<string, number> = { pro: 20, max5: 100, max20: 200 };

/** 'pro' | 'max5' | 'max20' | a USD amount per month → [name, monthly USD], or null. */
export function parsePlan(s: string): [string, number] | null {
  const k = s.trim().toLowerCase();
  if (k in PLANS) return [k, PLANS[k]!];
  const n = Number(k.replace(/^\$/, ''));
  return Number.isFinite(n) && n > 0 ? [`$${n}/month`, n] : null;
}

function dayCount(first: string, last: string): number {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86400000) + 1;
}

const AVG_MONTH_DAYS = 365.25 / 12;

export function buildOverview(
  ds: Dataset,
  pricing: Pricing,
  meta: ReportMeta,
  opts: { by: PeriodKind; plan: [string, number] | null; since: string | null; until: string | null; waste?: WasteLookup; git?: GitCounts | null },
): OverviewReport {
  const cal = ds.calendar;
  const waste = opts.waste;
  const all = newAccumulator();
  for (const p of ds.requests) addRequest(all, p, waste);
  for (const e of ds.apiErrors) addApiError(all, e);
  const totals = finishTotals(all);

  const periods = [...groupBy(ds.requests, ds.apiErrors, (p) => cal.period(p.r.timestamp, opts.by), (e) => cal.period(e.timestamp, opts.by), waste)]
    .map(([period, a]) => ({ period, ...finishTotals(a) }))
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  const models = [...groupBy(ds.requests, [], (p) => p.r.model, null, waste)]
    .map(([model, a]) => ({ model, displayName: pricing.displayName(model), ...finishTotals(a) }))
    .sort((a, b) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens);
  const projects = [...groupBy(ds.requests, ds.apiErrors, (p) => p.r.project, (e) => e.project, waste)]
    .map(([project, a]) => ({ project, ...finishTotals(a) }))
    .sort((a, b) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens);
  const unpriced = [...groupBy(ds.requests.filter((p) => p.costUSD === null), [], (p) => p.r.model, null)].map(([model, a]) => ({
    model,
    requests: a.requests,
    inputTokens: a.input,
    outputTokens: a.output,
    cacheWrite5mTokens: a.w5,
    cacheWrite1hTokens: a.w1,
    cacheReadTokens: a.read,
  }));

  let plan: PlanCost | null = null;
  if (opts.plan) {
    const days = ds.requests.map((p) => cal.day(p.r.timestamp)).sort();
    const firstDay = opts.since ?? days[0] ?? null;
    const lastDay = opts.until ?? days[days.length - 1] ?? null;
    if (firstDay && lastDay) {
      const n = dayCount(firstDay, lastDay);
      plan = { plan: opts.plan[0], monthlyUSD: opts.plan[1], days: n, firstDay, lastDay, proratedUSD: usd((opts.plan[1] * n) / AVG_MONTH_DAYS) };
    }
  }
  const savings = totals.noCacheCostUSD - totals.costUSD;
  return {
    ...meta,
    kind: 'report',
    by: opts.by,
    totals,
    costs: {
      withCacheUSD: totals.costUSD,
      noCacheUSD: totals.noCacheCostUSD,
      savingsUSD: usd(savings),
      savingsRate: totals.noCacheCostUSD > 0 ? savings / totals.noCacheCostUSD : 0,
      plan,
    },
    ratios: {
      cacheReadPerInputToken: totals.inputTokens > 0 ? totals.cacheReadTokens / totals.inputTokens : 0,
      cacheReadPerOutputToken: totals.outputTokens > 0 ? totals.cacheReadTokens / totals.outputTokens : 0,
    },
    periods,
    models,
    projects,
    unpriced,
    timeline: buildTimeline(ds, waste ?? new Map(), opts.git ?? null),
  };
}
