// The what-if replay on hand-built conversations. Every expected dollar figure
// is worked out in the comments at Opus 4.6 prices (USD per MTok: input 5,
// 5m write 6.25, 1h write 10, read 0.50, output 25), i.e. per token
// input 5e-6, w5 6.25e-6, w1 10e-6, read 0.5e-6, output 25e-6.
// Every request below has input 3 and output 100 tokens: 3 × 5e-6 + 100 × 25e-6
// = 0.000015 + 0.0025 = 0.002515 per request under every caching policy.
import { describe, expect, it } from 'vitest';
import { createCalendar, type PricedRequest } from '../accounting/index.js';
import type { RequestRecord } from '../domain/types.js';
import { loadPricing } from '../pricing/index.js';
import { buildWhatif } from '../report/whatif.js';
import { whatifBlocks } from '../cli/whatif-view.js';
import type { ReportMeta } from '../report/meta.js';
import { analyzeCache } from './index.js';
import {
  ACTUAL_POLICY,
  isCold,
  keepAlivePolicy,
  pingsInGap,
  POLICIES,
  prepareReplay,
  recordedTotals,
  replayPolicy,
  type PolicySpec,
  type ReplayStep,
} from './whatif.js';

const pricing = loadPricing();
const T0 = Date.parse('2026-04-01T10:00:00.000Z');
const MIN = 60_000;
const FIXED = 0.002515;
let seq = 0;

function req(o: { at: number; read: number; w5?: number; w1?: number; agentId?: string | null; sessionId?: string; model?: string }): PricedRequest {
  seq++;
  const r: RequestRecord = {
    key: `k${seq}`, messageId: `msg_${seq}`, requestId: `req_${seq}`, timestamp: T0 + o.at,
    sessionId: o.sessionId ?? 's1', project: 'p', cwd: null, agentId: o.agentId ?? null,
    model: o.model ?? 'claude-opus-4-6', version: '2.1.62', speed: null, inferenceGeo: null,
    input: 3, cacheWrite5m: o.w5 ?? 0, cacheWrite1h: o.w1 ?? 0, cacheRead: o.read, output: 100, file: 'f', offset: seq,
  };
  const c = pricing.price(r);
  return { r, costUSD: c ? c.costUSD : null, noCacheCostUSD: c ? c.noCacheCostUSD : null };
}

function dataset(requests: PricedRequest[]) {
  return { requests, apiErrors: [], events: [], calendar: createCalendar('UTC'), range: { from: null, to: null } };
}

function replay(requests: PricedRequest[]) {
  const ds = dataset(requests);
  const analysis = analyzeCache(ds, pricing);
  const conversations = prepareReplay(analysis, pricing);
  return { ds, analysis, conversations, run: (spec: PolicySpec, gapRuleOnly = false) => replayPolicy(conversations, spec, { gapRuleOnly }) };
}

const spec = (name: string): PolicySpec => POLICIES.find((p) => p.name === name)!.spec;

describe('replay: a 5m conversation whose cache expired over a 10-minute gap', () => {
  // r1 at 0: read 0, 5m write 20,000 (start: C = 20,000, R = F = 0)
  // r2 at 10 min: read 0, 5m write 22,000: a ttl-expired rebuild.
  //   C = 22,000; R = min(previous read + write = 20,000, C) = 20,000; F = its own read = 0.
  const mk = (agentId: string | null = null) => [req({ at: 0, read: 0, w5: 20_000, agentId }), req({ at: 10 * MIN, read: 0, w5: 22_000, agentId })];

  it('actual reproduces the recorded reads, writes and cost', () => {
    const { run, conversations, ds } = replay(mk());
    expect(conversations[0]!.steps.map((s) => [s.observed, s.cacheable, s.warmRead, s.coldRead])).toEqual([
      ['start', 20_000, 0, 0],
      ['expired', 22_000, 20_000, 0],
    ]);
    const o = run(ACTUAL_POLICY.spec);
    // 2 × 0.002515 + 20,000 × 6.25e-6 (0.125) + 22,000 × 6.25e-6 (0.1375) = 0.26753
    expect(o.costUSD).toBeCloseTo(0.26753, 10);
    expect(o.costUSD).toBeCloseTo(ds.requests.reduce((s, p) => s + p.costUSD!, 0), 10);
    expect([o.reads, o.writes5m, o.writes1h, o.changedRequests]).toEqual([0, 42_000, 0, 0]);
    // one miss: R − F = 20,000 tokens, 20,000 × (6.25 − 0.5)e-6 = 0.115 over reading them
    expect([o.misses, o.missTokens]).toEqual([1, 20_000]);
    expect(o.missCostUSD).toBeCloseTo(0.115, 10);
  });

  it('all-5m is what happened; all-1h keeps the cache over the gap', () => {
    const { run } = replay(mk());
    expect(run(spec('all-5m')).costUSD).toBeCloseTo(0.26753, 10);
    const h = run(spec('all-1h'));
    // r1: 1h write 20,000 × 10e-6 = 0.2
    // r2 warm: read 20,000 × 0.5e-6 = 0.01, 1h write 2,000 × 10e-6 = 0.02
    // 0.00503 + 0.2 + 0.01 + 0.02 = 0.23503
    expect(h.costUSD).toBeCloseTo(0.23503, 10);
    expect([h.reads, h.writes5m, h.writes1h, h.misses]).toEqual([20_000, 0, 22_000, 0]);
  });

  it('keep-alive every 4 min bridges the gap with 2 pings (main thread: plus 15 pings after the last request)', () => {
    const { run } = replay(mk());
    const o = run(keepAlivePolicy(4, 60).spec);
    // pings at 4 and 8 min (the request comes at 10): 2 pings, each reading C1 = 20,000:
    //   20,000 × 0.5e-6 + 10 × 5e-6 + 1 × 25e-6 = 0.01 + 0.00005 + 0.000025 = 0.010075; × 2 = 0.02015
    // the last ping was 2 min before r2 ≤ 5 min: warm. r1 0.125; r2 read 20,000 (0.01) + 5m write 2,000 (0.0125)
    // after r2 (last request of a main thread) the pinger goes on for 60 min: 15 pings reading C2 = 22,000:
    //   22,000 × 0.5e-6 + 0.000075 = 0.011075; × 15 = 0.166125
    // total 0.00503 + 0.125 + 0.01 + 0.0125 + 0.02015 + 0.166125 = 0.338805
    expect([o.pings, o.trailingPings]).toEqual([17, 15]);
    expect(o.pingCostUSD).toBeCloseTo(0.02015 + 0.166125, 10);
    expect(o.trailingPingCostUSD).toBeCloseTo(0.166125, 10);
    expect(o.costUSD).toBeCloseTo(0.338805, 10);
    expect(o.misses).toBe(0);
  });

  it('a sub-agent gets no pings after its last request', () => {
    const { run } = replay(mk('agent-1'));
    const o = run(keepAlivePolicy(4, 60).spec);
    // 0.338805 − 0.166125 = 0.17268
    expect(o.pings).toBe(2);
    expect(o.costUSD).toBeCloseTo(0.17268, 10);
  });

  it('no caching prices every input token at the input price', () => {
    const { run } = replay(mk());
    // r1 (3 + 20,000) × 5e-6 + 0.0025 = 0.102515; r2 (3 + 22,000) × 5e-6 + 0.0025 = 0.112515
    const o = run(spec('no-cache'));
    expect(o.costUSD).toBeCloseTo(0.21503, 10);
    expect([o.reads, o.writes5m, o.writes1h]).toEqual([0, 0, 0]);
  });
});

describe('replay: a 1h conversation that stayed warm over a 10-minute gap', () => {
  // r1 at 0: read 10,000 (the cross-session floor), 1h write 30,000. Start: F = 10,000.
  // r2 at 10 min: read 40,000, 1h write 5,000: warm. C = 45,000, R = 40,000, F = min(10,000, R) = 10,000.
  const mk = (agentId: string | null = null) => [
    req({ at: 0, read: 10_000, w1: 30_000, agentId }),
    req({ at: 10 * MIN, read: 40_000, w1: 5_000, agentId }),
  ];

  it('actual and all-1h reproduce what happened', () => {
    const { run } = replay(mk());
    // r1 10,000 × 0.5e-6 + 30,000 × 10e-6 = 0.305; r2 40,000 × 0.5e-6 + 5,000 × 10e-6 = 0.07; + 0.00503 = 0.38003
    expect(run(ACTUAL_POLICY.spec).costUSD).toBeCloseTo(0.38003, 10);
    expect(run(spec('all-1h')).costUSD).toBeCloseTo(0.38003, 10);
    expect(run(spec('main-1h-sub-5m')).costUSD).toBeCloseTo(0.38003, 10);
  });

  it('under 5m the gap expires the cache: the request falls back to the floor and writes the rest', () => {
    const { run } = replay(mk());
    const o = run(spec('all-5m'));
    // r1 10,000 × 0.5e-6 + 30,000 × 6.25e-6 = 0.005 + 0.1875 = 0.1925
    // r2 cold: read F = 10,000 (0.005), 5m write 45,000 − 10,000 = 35,000 (0.21875) = 0.22375
    // 0.00503 + 0.1925 + 0.22375 = 0.42128
    expect(o.costUSD).toBeCloseTo(0.42128, 10);
    expect([o.reads, o.writes5m, o.misses, o.missTokens, o.changedRequests]).toEqual([20_000, 65_000, 1, 30_000, 1]);
    // 30,000 × (6.25 − 0.5)e-6
    expect(o.missCostUSD).toBeCloseTo(0.1725, 10);
  });

  it('main-1h-sub-5m treats a sub-agent as 5m', () => {
    const { run } = replay(mk('agent-1'));
    expect(run(spec('main-1h-sub-5m')).costUSD).toBeCloseTo(0.42128, 10);
  });
});

describe('the worked example of docs/whatif.md', () => {
  // A main thread recorded with 1h writes (a subscription):
  //   r1 at 0:       read 10,000, 1h write 30,000   C 40,000  R 10,000  F 10,000 (start)
  //   r2 at 2 min:   read 40,000, 1h write  2,000   C 42,000  R 40,000  F 10,000
  //   r3 at 22 min:  read 42,000, 1h write  3,000   C 45,000  R 42,000  F 10,000 (a 20-minute gap)
  const mk = () => [
    req({ at: 0, read: 10_000, w1: 30_000 }),
    req({ at: 2 * MIN, read: 40_000, w1: 2_000 }),
    req({ at: 22 * MIN, read: 42_000, w1: 3_000 }),
  ];

  it('gives the numbers the document derives by hand', () => {
    const { run, conversations } = replay(mk());
    expect(conversations[0]!.steps.map((s) => [s.cacheable, s.warmRead, s.coldRead])).toEqual([
      [40_000, 10_000, 10_000],
      [42_000, 40_000, 10_000],
      [45_000, 42_000, 10_000],
    ]);
    // actual = all-1h: 0.305 + 0.04 + 0.051 + 3 × 0.002515 = 0.403545
    expect(run(ACTUAL_POLICY.spec).costUSD).toBeCloseTo(0.403545, 10);
    expect(run(spec('all-1h')).costUSD).toBeCloseTo(0.403545, 10);
    // all-5m: 0.1925 + 0.0325 + 0.22375 + 0.007545 = 0.456295; one miss of 32,000 tokens costing 0.184
    const five = run(spec('all-5m'));
    expect(five.costUSD).toBeCloseTo(0.456295, 10);
    expect([five.misses, five.missTokens]).toEqual([1, 32_000]);
    expect(five.missCostUSD).toBeCloseTo(0.184, 10);
    // break-even: 32,000 × 5.75e-6 − 35,000 × 3.75e-6 = 0.184 − 0.13125 = 0.05275 = all-5m − all-1h
    expect(five.costUSD - run(spec('all-1h')).costUSD).toBeCloseTo(0.05275, 10);
    // keep-alive 4 min: 4 pings in the 20-minute gap (0.0843) + 15 after r3 (0.338625) + requests 0.272295 = 0.69522
    const ka = run(keepAlivePolicy(4, 60).spec);
    expect([ka.pings, ka.misses]).toEqual([19, 0]);
    expect(ka.pingCostUSD).toBeCloseTo(0.0843 + 0.338625, 10);
    expect(ka.costUSD).toBeCloseTo(0.69522, 10);
    // no caching: 0.202515 + 0.212515 + 0.227515 = 0.642545
    expect(run(spec('no-cache')).costUSD).toBeCloseTo(0.642545, 10);
  });
});

describe('warm or cold', () => {
  const step = (o: Partial<ReplayStep>): ReplayStep => ({
    timestamp: 0, gapMs: 0, cacheable: 50_000, warmRead: 40_000, coldRead: 10_000, observed: 'warm', actualTtl: '5m',
    input: 3, output: 100, read: 40_000, write5m: 10_000, write1h: 0, unit: null, noCacheCostUSD: null, ...o,
  });

  it('what happened decides when the policy keeps the cache as long as reality did', () => {
    // warm after 5.5 min at 5m: the entry outlived its TTL (as ~1 in 15 such gaps do in real data)
    const late = step({ gapMs: 5.5 * MIN });
    expect(isCold(late, '5m', 0, late.gapMs!)).toBe(false);
    expect(isCold(late, '1h', 0, late.gapMs!)).toBe(false);
    expect(isCold(late, '5m', 0, late.gapMs!, true)).toBe(true); // the gap rule alone
    // expired after 4.5 min at 5m
    const early = step({ gapMs: 4.5 * MIN, observed: 'expired' });
    expect(isCold(early, '5m', 0, early.gapMs!)).toBe(true);
    expect(isCold(early, '1h', 0, early.gapMs!)).toBe(false);
    expect(isCold(early, '5m', 0, early.gapMs!, true)).toBe(false);
  });

  it('the gap rule decides where reality says nothing: shorter TTL for a warm request, longer for an expired one', () => {
    const w = step({ gapMs: 20 * MIN, actualTtl: '1h' });
    expect(isCold(w, '5m', 0, w.gapMs!)).toBe(true);
    expect(isCold(step({ gapMs: 5 * MIN, actualTtl: '1h' }), '5m', 0, 5 * MIN)).toBe(false); // exactly the TTL: still warm
    const e = step({ gapMs: 90 * MIN, actualTtl: '5m', observed: 'expired' });
    expect(isCold(e, '1h', 0, e.gapMs!)).toBe(true);
    expect(isCold(step({ gapMs: 50 * MIN, observed: 'expired' }), '1h', 0, 50 * MIN)).toBe(false);
    // a start is never cold: its read is kept under every policy
    expect(isCold(step({ gapMs: null, observed: 'start' }), '5m', 0, 0)).toBe(false);
  });

  it('pings: one every N min strictly before the next request, none past the max idle time', () => {
    expect(pingsInGap(3 * MIN, 4 * MIN, 60 * MIN)).toBe(0);
    expect(pingsInGap(4 * MIN, 4 * MIN, 60 * MIN)).toBe(0);
    expect(pingsInGap(8 * MIN, 4 * MIN, 60 * MIN)).toBe(1);
    expect(pingsInGap(10 * MIN, 4 * MIN, 60 * MIN)).toBe(2);
    expect(pingsInGap(200 * MIN, 4 * MIN, 60 * MIN)).toBe(15);
  });

  it('keep-alive keeps a prefix warm up to max idle + TTL', () => {
    // 5m conversation, gaps of 64 and 66 min: 15 pings each (at 4 … 60 min); 4 min left is warm, 6 min is not
    const { run } = replay([
      req({ at: 0, read: 0, w5: 20_000 }),
      req({ at: 64 * MIN, read: 0, w5: 20_000 }),
      req({ at: 130 * MIN, read: 0, w5: 20_000 }),
    ]);
    const o = run(keepAlivePolicy(4, 60).spec);
    expect([o.misses, o.missTokens]).toEqual([1, 20_000]);
    expect(o.pings).toBe(15 + 15 + 15);
    expect(() => keepAlivePolicy(5)).toThrow(RangeError);
  });
});

describe('structural rebuilds and mixed buckets', () => {
  it('a model switch keeps its recorded read while the cache is warm, and falls to the floor when it also expired', () => {
    // r1 start: read 12,000, 1h write 20,000 (the Opus floor: 12,000)
    // r2 at 2 min: read 32,000, 1h write 3,000 (warm)
    // r3 at 12 min, another model: read 0, 1h write 36,000 (model-switch rebuild: R = 0; the Sonnet floor: 0)
    // r4 at 13 min: read 36,000, 1h write 1,000; r5 at 25 min (12-min gap): read 37,000, 5m write 500 (a mixed request)
    const requests = [
      req({ at: 0, read: 12_000, w1: 20_000 }),
      req({ at: 2 * MIN, read: 32_000, w1: 3_000 }),
      req({ at: 12 * MIN, read: 0, w1: 36_000, model: 'claude-sonnet-4-6' }),
      req({ at: 13 * MIN, read: 36_000, w1: 1_000, model: 'claude-sonnet-4-6' }),
      req({ at: 25 * MIN, read: 37_000, w5: 500, model: 'claude-sonnet-4-6' }),
    ];
    const { run, analysis, conversations } = replay(requests);
    expect(analysis.byKey.get(requests[2]!.r.key)!.cause).toBe('model-switch');
    expect(conversations[0]!.recordedTtl).toBe('mixed');
    const actual = run(ACTUAL_POLICY.spec);
    const rec = recordedTotals(conversations);
    expect([actual.reads, actual.writes5m + actual.writes1h, actual.writes5m]).toEqual([rec.reads, rec.writes, 500]);
    expect(actual.costUSD).toBeCloseTo(rec.costUSD, 12);
    // floors: Opus 12,000 (r1); Sonnet 0 (r3, its first request on Sonnet)
    expect(conversations[0]!.steps.map((s) => s.coldRead)).toEqual([12_000, 12_000, 0, 0, 0]);
    // all-5m: r3 (10-min gap) is cold but its R = F = 0: no extra miss; r5 (12-min gap) is cold: reads the Sonnet floor 0
    const five = run(spec('all-5m'));
    expect(five.misses).toBe(1);
    expect(five.missTokens).toBe(37_000);
  });

  it('unknown models are replayed for tokens and left out of costs', () => {
    const { run } = replay([req({ at: 0, read: 0, w5: 5_000, model: 'mystery-1' }), req({ at: MIN, read: 5_000, w5: 100, model: 'mystery-1' })]);
    const o = run(spec('all-1h'));
    expect([o.unpricedRequests, o.costUSD, o.writes1h]).toEqual([2, 0, 5_100]);
  });
});

describe('buildWhatif and its view', () => {
  const meta: ReportMeta = {
    demo: false, sources: ['/x/projects'], filters: { since: null, until: null, tz: 'UTC', project: null },
    scan: { files: 1, bytes: 1, usageLines: 1, workers: 0, elapsedMs: 0, badLines: 0, truncatedLastLines: 0, concatenatedLines: 0, noMessageId: 0, syntheticNoResponse: 0, noTimestamp: 0, emptyFiles: 0, unreadableFiles: [] },
  };

  it('puts actual, the alternatives, fidelity, break-even and a recommendation in one object', () => {
    // the 1h conversation above (0.38003 actual, 0.42128 at 5m) over one day, plus a sub-agent
    // recorded at 5m that expired over 10 minutes (0.26753 actual, 0.23503 at 1h)
    const requests = [
      req({ at: 0, read: 10_000, w1: 30_000 }),
      req({ at: 10 * MIN, read: 40_000, w1: 5_000 }),
      req({ at: 0, read: 0, w5: 20_000, agentId: 'a1' }),
      req({ at: 10 * MIN, read: 0, w5: 22_000, agentId: 'a1' }),
    ];
    const ds = dataset(requests);
    const r = buildWhatif(ds, analyzeCache(ds, pricing), pricing, meta, { keepAliveMinutes: [4], maxIdleMinutes: 60 });
    expect(r.kind).toBe('whatif');
    expect(r.period).toEqual({ firstDay: '2026-04-01', lastDay: '2026-04-01', days: 1 });
    expect(r.actual.costUSD).toBeCloseTo(0.38003 + 0.26753, 6);
    expect(r.actual.matches).toBe('main-1h-sub-5m');
    const cost = Object.fromEntries(r.policies.map((p) => [p.name, p.costUSD]));
    expect(cost['all-5m']).toBeCloseTo(0.42128 + 0.26753, 6);
    expect(cost['all-1h']).toBeCloseTo(0.38003 + 0.23503, 6);
    expect(cost['main-1h-sub-5m']).toBeCloseTo(0.38003 + 0.26753, 6);
    expect(r.fidelity.costErrorPct).toBe(0);
    // all-1h is cheapest by 0.0325: 0.0325 × 30 days / 1 day = 0.975 a month
    expect(r.recommendation.policy).toBe('all-1h');
    expect(r.recommendation.monthlySavingUSD).toBeCloseTo(0.975, 6);
    expect(r.recommendation.text).toContain('subagentPromptCacheTtl');
    // break-even at Opus 4.6 prices: (10 − 6.25)/5 = 0.75; (6.25 − 0.5)/5 = 1.15; 0.75/1.15; (6.25 − 0.5)/0.5 = 11.5
    expect(r.breakEven.oneHourPremium).toBeCloseTo(0.75, 6);
    expect(r.breakEven.missPenalty).toBeCloseTo(1.15, 6);
    expect(r.breakEven.rescueRatio).toBeCloseTo(0.75 / 1.15, 6);
    expect(r.breakEven.pingsPerMiss).toBeCloseTo(11.5, 6);
    expect(r.breakEven.pingBreakEvenMinutes).toEqual([{ everyMinutes: 4, upToMinutes: 48 }]);
    // reads: all-1h 10,000 + 40,000 (main) + 0 + 20,000 (sub) = 70,000; all-5m 10,000 + 10,000 + 0 + 0 = 20,000
    // 1h writes under all-1h: 30,000 + 5,000 + 20,000 + 2,000 = 57,000
    expect(r.breakEven.data).toMatchObject({ rescuedTokens: 50_000, writtenTokens1h: 57_000 });
    const text = JSON.stringify(whatifBlocks(r, { bold: String, dim: String, yellow: String, red: String, green: String, cyan: String }));
    expect(text).toContain('Recommendation');
    expect(text).toContain('all-1h');
  });

  it('copes with no requests', () => {
    const ds = dataset([]);
    const r = buildWhatif(ds, analyzeCache(ds, pricing), pricing, meta, {});
    expect([r.requests, r.period.days, r.actual.costUSD, r.breakEven.model]).toEqual([0, 0, 0, null]);
    expect(r.recommendation.text).toMatch(/nothing to compare/);
    expect(() => whatifBlocks(r, { bold: String, dim: String, yellow: String, red: String, green: String, cyan: String })).not.toThrow();
  });

  it('says so when what happened is already the cheapest', () => {
    // one 5m conversation with short gaps: 5m is what happened and nothing is cheaper
    const requests = [req({ at: 0, read: 0, w5: 20_000 }), req({ at: MIN, read: 20_000, w5: 1_000 }), req({ at: 2 * MIN, read: 21_000, w5: 1_000 })];
    const ds = dataset(requests);
    const r = buildWhatif(ds, analyzeCache(ds, pricing), pricing, meta, {});
    expect(r.recommendation.alreadyBest).toBe(true);
    expect(r.recommendation.policy).toBe('all-5m');
    expect(r.recommendation.monthlySavingUSD).toBe(0);
    expect(r.recommendation.text).toMatch(/^Keep what you have/);
  });
});
