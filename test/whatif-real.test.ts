// `whatif` on the real transcripts in ../shared/data/claude-home: under the
// policy that matches what happened, the replay must reproduce the recorded
// reads, writes and cost within 1%. "Recorded" is taken twice: from the
// pipeline's own dataset, and from the independent hand count
// (test/oracle/naive-count.ts: JSON.parse of every line), priced per response.
import { beforeAll, describe, expect, it } from 'vitest';
import { createCalendar, prepareDataset, type Dataset } from '../src/accounting/index.js';
import { analyzeCache, type CacheAnalysis } from '../src/cache/index.js';
import { discoverFiles, resolveConfigDirs } from '../src/discover/index.js';
import { loadPricing, type Pricing } from '../src/pricing/index.js';
import type { ReportMeta } from '../src/report/meta.js';
import { buildWhatif, type WhatifReport } from '../src/report/whatif.js';
import { scanFiles } from '../src/scan/index.js';
import { claudeHome, haveSharedData, SKIP_NO_SHARED } from './oracle/cli.js';
import { naiveCount } from './oracle/naive-count.js';

if (!haveSharedData) console.warn(SKIP_NO_SHARED);

const within1Pct = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(0.01 * Math.abs(expected));
};

(haveSharedData ? describe : describe.skip)('whatif on ../shared/data/claude-home', () => {
  let ds: Dataset;
  let pricing: Pricing;
  let analysis: CacheAnalysis;
  let report: WhatifReport;

  beforeAll(async () => {
    // what src/cli/load.ts does, in-process (no events: whatif does not need them)
    pricing = loadPricing();
    const dirs = resolveConfigDirs({ dirs: [claudeHome] });
    const scan = await scanFiles(discoverFiles(dirs.projectsDirs, []), { events: false });
    ds = prepareDataset(scan, pricing, createCalendar('UTC'), { since: null, until: null, project: null });
    analysis = analyzeCache(ds, pricing);
    const meta: ReportMeta = { demo: false, sources: dirs.projectsDirs, filters: { since: null, until: null, tz: 'UTC', project: null }, scan: scan.stats };
    report = buildWhatif(ds, analysis, pricing, meta, { keepAliveMinutes: [4], maxIdleMinutes: 60, apiModel: true });
  });

  it('the actual policy reproduces the recorded reads, writes and cost within 1% (and says so in fidelity)', () => {
    const f = report.fidelity;
    expect(f.readErrorPct).toBeLessThan(1);
    expect(f.writeErrorPct).toBeLessThan(1);
    expect(f.costErrorPct).toBeLessThan(1);
    let reads = 0;
    let writes5m = 0;
    let writes1h = 0;
    let cost = 0;
    for (const p of ds.requests) {
      reads += p.r.cacheRead;
      writes5m += p.r.cacheWrite5m;
      writes1h += p.r.cacheWrite1h;
      cost += p.costUSD ?? 0;
    }
    const a = report.actual;
    within1Pct(a.readTokens, reads);
    within1Pct(a.write5mTokens, writes5m);
    within1Pct(a.write1hTokens, writes1h);
    within1Pct(a.costUSD, cost);
  });

  it('matches the independent hand count, priced response by response, within 1%', () => {
    const oracle = naiveCount(claudeHome);
    let cost = 0;
    for (const r of oracle.responses.values()) {
      const c = pricing.price({
        model: r.model, timestamp: Date.parse(r.timestamp), input: r.inputTokens, cacheWrite5m: r.cacheWrite5mTokens,
        cacheWrite1h: r.cacheWrite1hTokens, cacheRead: r.cacheReadTokens, output: r.outputTokens, speed: null, inferenceGeo: null,
      });
      cost += c?.costUSD ?? 0;
    }
    const a = report.actual;
    expect(report.requests).toBe(oracle.totals.requests);
    within1Pct(a.readTokens, oracle.totals.cacheReadTokens);
    within1Pct(a.write5mTokens + a.write1hTokens, oracle.totals.cacheWrite5mTokens + oracle.totals.cacheWrite1hTokens);
    within1Pct(a.costUSD, cost);
  });

  it('the gap rule alone, which every counterfactual leans on, also stays within 1%', () => {
    const g = report.fidelity.gapRule;
    expect(g.readErrorPct).toBeLessThan(1);
    expect(g.writeErrorPct).toBeLessThan(1);
    expect(g.costErrorPct).toBeLessThan(1);
    // it misjudges only a handful of requests (gaps within a minute of the TTL)
    expect(g.changedRequests).toBeLessThan(0.01 * report.requests);
  });

  it('counts the recorded TTL expiries as the actual misses, and orders the policies sensibly', () => {
    const expired = analysis.rebuilds.filter((r) => r.cause === 'ttl-expired').length;
    expect(report.actual.misses).toBe(expired);
    const by = Object.fromEntries(report.policies.map((p) => [p.name, p]));
    // a longer TTL never misses more
    expect(by['all-1h']!.misses).toBeLessThanOrEqual(by['main-1h-sub-5m']!.misses);
    expect(by['main-1h-sub-5m']!.misses).toBeLessThanOrEqual(by['all-5m']!.misses);
    // no caching: the recorded no-cache cost
    within1Pct(by['no-cache']!.costUSD, ds.requests.reduce((s, p) => s + (p.noCacheCostUSD ?? 0), 0));
    // every row's delta is against the actual cost
    for (const p of report.policies) expect(p.deltaUSD).toBeCloseTo(p.costUSD - report.actual.costUSD, 4);
    // the recommendation names a policy with a setting, or keeps what happened
    const rec = report.recommendation;
    if (rec.alreadyBest) expect(rec.monthlySavingUSD).toBe(0);
    else {
      expect(rec.setting).toBeTruthy();
      const best = by[rec.policy]!;
      expect(rec.monthlySavingUSD).toBeCloseTo(((report.actual.costUSD - best.costUSD) * 30) / report.period.days, 4);
    }
  });

  it('--api-model: the API prompt-cache model agrees with the gap rule within 5% in cost and 1% in reads for every policy', () => {
    // two independent models of the same thing: whatif's gap rule, and src/sim replaying Claude Code's request
    // shapes by the documented rules; they part where a recorded read came from another conversation
    expect(report.apiModel?.map((r) => r.policy)).toEqual(['actual', 'all-5m', 'all-1h', 'main-1h-sub-5m', 'keepalive-4m']);
    for (const r of report.apiModel!) {
      expect(Math.abs(r.costDiffPct), r.policy).toBeLessThan(5);
      expect(Math.abs(r.readDiffPct), r.policy).toBeLessThan(1);
      expect(r.gapRuleCostUSD).toBeGreaterThan(0);
    }
    // both agree on the ranking the recommendation rests on: all-5m is cheaper than all-1h on this data
    const cost = (name: string, k: 'gapRuleCostUSD' | 'simulatedCostUSD') => report.apiModel!.find((r) => r.policy === name)![k];
    expect(cost('all-5m', 'gapRuleCostUSD') < cost('all-1h', 'gapRuleCostUSD')).toBe(cost('all-5m', 'simulatedCostUSD') < cost('all-1h', 'simulatedCostUSD'));
  });
});
