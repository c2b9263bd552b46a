// whatif's gap rule against the API prompt-cache model on hand-built
// conversations where both must agree to the token: growth while warm, an
// idle gap that expires a 5m cache but not a 1h one, keep-alive pings that
// bridge it. Opus 4.6 prices (USD per MTok: input 5, 5m write 6.25, 1h write
// 10, read 0.50, output 25); every request has input 3 and output 100.
import { describe, expect, it } from 'vitest';
import { createCalendar, type PricedRequest } from '../accounting/index.js';
import type { RequestRecord } from '../domain/types.js';
import { loadPricing } from '../pricing/index.js';
import { analyzeCache } from './index.js';
import { keepAlivePolicy, POLICIES, prepareReplay, replayPolicy, type PolicySpec } from './whatif.js';
import { simulatePolicy } from './whatif-sim.js';

const pricing = loadPricing();
const T0 = Date.parse('2026-04-01T10:00:00.000Z');
const MIN = 60_000;
let seq = 0;

function req(at: number, read: number, w5: number): PricedRequest {
  seq++;
  const r: RequestRecord = {
    key: `k${seq}`, messageId: `msg_${seq}`, requestId: `req_${seq}`, timestamp: T0 + at, sessionId: 's', project: 'p', cwd: null, agentId: null,
    model: 'claude-opus-4-6', version: '2.1.62', speed: null, inferenceGeo: null, input: 3, cacheWrite5m: w5, cacheWrite1h: 0, cacheRead: read, output: 100, file: 'f', offset: seq,
  };
  const c = pricing.price(r);
  return { r, costUSD: c ? c.costUSD : null, noCacheCostUSD: c ? c.noCacheCostUSD : null };
}

function conversations(requests: PricedRequest[]) {
  const ds = { requests, apiErrors: [], events: [], calendar: createCalendar('UTC'), range: { from: null, to: null } };
  return prepareReplay(analyzeCache(ds, pricing), pricing);
}

const spec = (name: string): PolicySpec => POLICIES.find((p) => p.name === name)!.spec;

describe('whatif replay = API cache model where the rules coincide', () => {
  // a system prompt of 8,000 tokens read from other sessions at the start (F = 8,000), then the conversation grows:
  // r1 at 0: read 8,000, write 12,000 (C = 20,000)
  // r2 at 2 min: read 20,000, write 1,000 (warm)
  // r3 at 3 min: read 21,000, write 2,000 (warm)
  // r4 at 13 min (10 idle): read 8,000, write 16,000 — expired at 5m: R = 23,000, F = 8,000
  const conv = () => conversations([req(0, 8_000, 12_000), req(2 * MIN, 20_000, 1_000), req(3 * MIN, 21_000, 2_000), req(13 * MIN, 8_000, 16_000)]);

  for (const name of ['all-5m', 'all-1h', 'main-1h-sub-5m']) {
    it(`${name}: same reads, writes and cost`, () => {
      const c = conv();
      const g = replayPolicy(c, spec(name), { gapRuleOnly: true });
      const m = simulatePolicy(c, spec(name), pricing);
      expect([m.reads, m.writes5m + m.writes1h]).toEqual([g.reads, g.writes5m + g.writes1h]);
      expect([m.writes5m, m.writes1h]).toEqual([g.writes5m, g.writes1h]);
      expect(m.costUSD).toBeCloseTo(g.costUSD, 10);
      expect(m.belowMinimum).toBe(0);
    });
  }

  it('the 10-minute gap: cold at 5m (reads the 8,000-token floor), warm at 1h (reads all 23,000)', () => {
    const c = conv();
    // 5m: reads 8,000 + 20,000 + 21,000 + 8,000 = 57,000; 1h: … + 23,000 = 72,000
    expect(simulatePolicy(c, spec('all-5m'), pricing).reads).toBe(57_000);
    expect(simulatePolicy(c, spec('all-1h'), pricing).reads).toBe(72_000);
  });

  it('keep-alive every 4 min bridges the gap: two pings, then a warm read; the pinger goes on after the last request', () => {
    const c = conv();
    const ka = keepAlivePolicy(4, 12).spec;
    const g = replayPolicy(c, ka, { gapRuleOnly: true });
    const m = simulatePolicy(c, ka, pricing);
    expect(m.reads).toBe(72_000);
    expect([m.reads, m.writes5m]).toEqual([g.reads, g.writes5m]);
    // pings in the 10-minute gap: at 7 and 11 min (2); after the last request: 12 / 4 = 3. Each reads the
    // 23,000-token prefix and sends 10 + 1 tokens: the API model prices them as whatif does
    expect(m.costUSD).toBeCloseTo(g.costUSD, 10);
  });

  it('a prefix below the model minimum is not cached by the API (Opus 4.6: 4,096 tokens); whatif does not know', () => {
    const small = conversations([req(0, 0, 3_000), req(MIN, 3_000, 100)]);
    const m = simulatePolicy(small, spec('all-5m'), pricing);
    expect(m.belowMinimum).toBe(2);
    expect(m.reads).toBe(0);
    expect(replayPolicy(small, spec('all-5m'), { gapRuleOnly: true }).reads).toBe(3_000);
  });
});
