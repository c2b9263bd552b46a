// `cachelens report`: totals, cost scenarios, and breakdowns by period, model
// and project. A plain object: renderers and `--json` read the same thing.
import { addAccumulator, finishTotals, periodOfDay, usd, type Accumulator, type Dataset, type PeriodKind, type Totals, type WasteLookup } from '../accounting/index.js';
import type { Pricing } from '../pricing/index.js';
import type { ReportMeta } from './meta.js';
import { collectParts, mergeParts, type MergedParts } from './parts.js';
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

export interface OverviewOptions {
  by: PeriodKind;
  plan: [string, number] | null;
  since: string | null;
  until: string | null;
  waste?: WasteLookup;
  git?: GitCounts | null;
}

/** The overview of a dataset: its per-session parts, merged. */
export function buildOverview(ds: Dataset, pricing: Pricing, meta: ReportMeta, opts: OverviewOptions): OverviewReport {
  return finishOverview(mergeParts(collectParts(ds, opts.waste ?? new Map(), [])), pricing, meta, opts);
}

type Row<K extends string> = Totals & Record<K, string>;

function rows<K extends string>(m: Map<string, Accumulator>, name: K): Row<K>[] {
  return [...m].map(([k, a]) => ({ [name]: k, ...finishTotals(a) }) as Row<K>);
}

/** Regroups accumulators under a coarser key. */
function regroup(m: Map<string, Accumulator>, keyOf: (k: string) => string): Map<string, Accumulator> {
  const out = new Map<string, Accumulator>();
  for (const [k, a] of m) {
    const g = keyOf(k);
    const b = out.get(g);
    if (!b) {
      // a group of one keeps its count; a merged group's count is set by the caller when it has one
      out.set(g, { ...a, sessions: new Set(a.sessions) });
      continue;
    }
    b.sessionCount = undefined;
    addAccumulator(b, a);
  }
  return out;
}

const byKey = <T>(key: (x: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** The report from merged parts (the store's incremental path enters here). */
export function finishOverview(m: MergedParts, pricing: Pricing, meta: ReportMeta, opts: OverviewOptions): OverviewReport {
  const totals = finishTotals(m.total);
  const byPeriod = regroup(m.days, (d) => periodOfDay(d, opts.by));
  if (m.periodSessions && opts.by !== 'day') for (const [k, a] of byPeriod) a.sessionCount = m.periodSessions.get(`${opts.by}:${k}`)?.sessions ?? 0;
  const periods = rows(byPeriod, 'period').sort(byKey((r) => r.period));
  const models = rows(m.models, 'model')
    .map(({ model, ...t }) => ({ model, displayName: pricing.displayName(model), ...t }))
    .sort((a, b) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens || (a.model < b.model ? -1 : 1));
  const projects = rows(m.projects, 'project').sort((a, b) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens || (a.project < b.project ? -1 : 1));
  const unpriced = [...m.unpriced].sort(byKey(([k]) => k)).map(([model, a]) => ({
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
    const days = [...m.days].filter(([, a]) => a.requests > 0).map(([d]) => d).sort();
    const firstDay = opts.since ?? days[0] ?? null;
    const lastDay = opts.until ?? days[days.length - 1] ?? null;
    if (firstDay && lastDay) {
      const n = dayCount(firstDay, lastDay);
      plan = { plan: opts.plan[0], monthlyUSD: opts.plan[1], days: n, firstDay, lastDay, proratedUSD: usd((opts.plan[1] * n) / AVG_MONTH_DAYS) };
    }
  }
  const savings = totals.noCacheCostUSD - totals.costUSD;
  // weeks of requests only (API errors alone do not make a week of the timeline)
  const weekly = [...regroup(m.days, (d) => periodOfDay(d, 'week'))]
    .filter(([, a]) => a.requests > 0)
    .map(([week, a]) => ({ week, t: finishTotals(a) }))
    .sort(byKey((w) => w.week));
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
    timeline: buildTimeline(weekly, opts.git ?? null),
  };
}
