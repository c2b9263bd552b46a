// Weekly hit rate and waste, split into phases where they shift markedly
// (e.g. a cold-start build phase, then a steady phase). Pure: git commit
// counts, when wanted, come in as data.
import type { Totals } from '../accounting/index.js';

export interface TimelineWeek {
  week: string;
  requests: number;
  hitRate: number;
  costUSD: number;
  wastedUSD: number;
  /** wasted dollars per dollar spent */
  wasteShare: number;
  /** index into `phases` */
  phase: number;
  /** commits in the projects' repositories that week (with --git) */
  commits: number | null;
}

export interface Phase {
  from: string;
  to: string;
  weeks: number;
  requests: number;
  hitRate: number;
  costUSD: number;
  wastedUSD: number;
  wasteShare: number;
  label: string;
}

export interface Timeline {
  weeks: TimelineWeek[];
  phases: Phase[];
  /** with --git: commits per project and week; projects whose directory is gone are listed in `missing` */
  git: { byProject: Record<string, Record<string, number>>; missing: string[] } | null;
}

/** week → commits, per project */
export type GitCounts = { byProject: Record<string, Record<string, number>>; missing: string[] };

interface Point {
  hit: number;
  waste: number;
  weight: number;
}

/**
 * Optimal partition of a series into segments (dynamic programming over all
 * split points) minimising the weighted squared deviation from each segment's
 * mean plus a penalty per segment. The penalty is BIC-like: 2·σ²·ln(n), with
 * σ² estimated from week-to-week differences, so only shifts well above the
 * weekly noise open a new phase.
 */
export function segment(points: Point[], minPenalty = 0.002): number[] {
  const n = points.length;
  if (n <= 2) return points.map(() => 0);
  const diffs: number[] = [];
  for (let i = 1; i < n; i++) {
    const dh = points[i]!.hit - points[i - 1]!.hit;
    const dw = points[i]!.waste - points[i - 1]!.waste;
    diffs.push((dh * dh + dw * dw) / 2);
  }
  diffs.sort((a, b) => a - b);
  const sigma2 = diffs[Math.floor(diffs.length / 2)]!;
  const penalty = Math.max(minPenalty, 2 * sigma2 * Math.log(n));
  // prefix sums make each segment's cost O(1): Σw(x-m)² = Σwx² - (Σwx)²/Σw
  const pre = { w: [0], h: [0], h2: [0], s: [0], s2: [0] };
  for (const p of points) {
    const k = pre.w.length - 1;
    pre.w.push(pre.w[k]! + p.weight);
    pre.h.push(pre.h[k]! + p.weight * p.hit);
    pre.h2.push(pre.h2[k]! + p.weight * p.hit * p.hit);
    pre.s.push(pre.s[k]! + p.weight * p.waste);
    pre.s2.push(pre.s2[k]! + p.weight * p.waste * p.waste);
  }
  const cost = (a: number, b: number): number => {
    const w = pre.w[b]! - pre.w[a]!;
    if (w <= 0) return 0;
    const h = pre.h[b]! - pre.h[a]!;
    const s = pre.s[b]! - pre.s[a]!;
    const c = pre.h2[b]! - pre.h2[a]! - (h * h) / w + (pre.s2[b]! - pre.s2[a]!) - (s * s) / w;
    return Math.max(0, c) / w;
  };
  const best = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(0);
  best[0] = 0;
  for (let b = 1; b <= n; b++) {
    for (let a = 0; a < b; a++) {
      const c = best[a]! + cost(a, b) * (b - a) + penalty;
      if (c < best[b]!) {
        best[b] = c;
        from[b] = a;
      }
    }
  }
  const cuts: number[] = [];
  for (let b = n; b > 0; b = from[b]!) cuts.unshift(from[b]!);
  const labels = new Array<number>(n).fill(0);
  cuts.forEach((start, k) => {
    for (let i = start; i < (cuts[k + 1] ?? n); i++) labels[i] = k;
  });
  return labels;
}

function label(p: Omit<Phase, 'label'>, overall: { hitRate: number; wasteShare: number }, first: boolean): string {
  const parts: string[] = [];
  if (p.hitRate < overall.hitRate - 0.05) parts.push(first ? 'build-up: low hit rate' : 'low hit rate');
  else if (p.hitRate > overall.hitRate + 0.02) parts.push('high hit rate');
  if (p.wasteShare > overall.wasteShare * 1.5 && p.wastedUSD > 0) parts.push('high waste');
  else if (p.wasteShare < overall.wasteShare * 0.5) parts.push('low waste');
  return parts.length ? parts.join(', ') : 'steady';
}

/** `groups`: the totals of each week that has requests, in week order. */
export function buildTimeline(groups: readonly { week: string; t: Totals }[], git: GitCounts | null): Timeline {
  const points: Point[] = groups.map(({ t }) => ({
    hit: t.hitRate,
    waste: t.costUSD > 0 ? t.wastedUSD / t.costUSD : 0,
    weight: Math.log1p(t.requests),
  }));
  const phaseOf = segment(points);
  const commitsIn = (week: string): number | null => {
    if (!git) return null;
    let n = 0;
    for (const weeks of Object.values(git.byProject)) n += weeks[week] ?? 0;
    return n;
  };
  const weeks: TimelineWeek[] = groups.map(({ week, t }, i) => ({
    week,
    requests: t.requests,
    hitRate: t.hitRate,
    costUSD: t.costUSD,
    wastedUSD: t.wastedUSD,
    wasteShare: points[i]!.waste,
    phase: phaseOf[i]!,
    commits: commitsIn(week),
  }));
  const all = { read: 0, input: 0, cost: 0, wasted: 0 };
  for (const { t } of groups) {
    all.read += t.cacheReadTokens;
    all.input += t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens;
    all.cost += t.costUSD;
    all.wasted += t.wastedUSD;
  }
  const overall = { hitRate: all.input > 0 ? all.read / all.input : 0, wasteShare: all.cost > 0 ? all.wasted / all.cost : 0 };
  const phases: Phase[] = [];
  groups.forEach(({ week, t }, i) => {
    const k = phaseOf[i]!;
    let ph = phases[k] as (Phase & { _read: number; _in: number }) | undefined;
    if (!ph) {
      ph = { from: week, to: week, weeks: 0, requests: 0, hitRate: 0, costUSD: 0, wastedUSD: 0, wasteShare: 0, label: '', _read: 0, _in: 0 };
      phases[k] = ph;
    }
    ph.to = week;
    ph.weeks++;
    ph.requests += t.requests;
    ph.costUSD += t.costUSD;
    ph.wastedUSD += t.wastedUSD;
    ph._read += t.cacheReadTokens;
    ph._in += t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens;
  });
  return {
    weeks,
    phases: phases.map((raw, k) => {
      const { _read, _in, ...p } = raw as Phase & { _read: number; _in: number };
      const done = { ...p, hitRate: _in > 0 ? _read / _in : 0, wasteShare: p.costUSD > 0 ? p.wastedUSD / p.costUSD : 0, costUSD: round(p.costUSD), wastedUSD: round(p.wastedUSD) };
      return { ...done, label: label(done, overall, k === 0) };
    }),
    git,
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
