// Costs checked against numbers worked out by hand from
// caching-and-pricing-facts.md §2 (USD per million tokens; "M" = 1,000,000).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPricing, loadPricing, type PriceInput, type PriceTable } from './index.js';

const pricing = loadPricing();

function req(
  model: string,
  isoTime: string,
  tokens: Partial<Pick<PriceInput, 'input' | 'cacheWrite5m' | 'cacheWrite1h' | 'cacheRead' | 'output'>>,
  opts: { speed?: string | null; geo?: string | null } = {},
): PriceInput {
  return {
    model,
    timestamp: Date.parse(isoTime),
    input: tokens.input ?? 0,
    cacheWrite5m: tokens.cacheWrite5m ?? 0,
    cacheWrite1h: tokens.cacheWrite1h ?? 0,
    cacheRead: tokens.cacheRead ?? 0,
    output: tokens.output ?? 0,
    speed: opts.speed ?? null,
    inferenceGeo: opts.geo ?? null,
  };
}

const cost = (r: PriceInput): number | undefined => pricing.price(r)?.costUSD;

describe('standard prices', () => {
  it('prices a Sonnet 4.5 request with 1h writes and reads', () => {
    const r = req('claude-sonnet-4-5-20250929', '2026-01-15T10:00:00Z', {
      input: 3,
      cacheWrite1h: 11_377,
      cacheRead: 22_248,
      output: 109,
    });
    // 3·3 + 11377·6 + 22248·0.30 + 109·15 = 9 + 68262 + 6674.4 + 1635 = 76580.4 → /M
    // no cache: (3 + 11377 + 22248) = 33628 · 3 = 100884, + 1635 = 102519 → /M
    const priced = pricing.price(r);
    expect(priced?.modelKey).toBe('claude-sonnet-4-5');
    expect(priced?.costUSD).toBeCloseTo(0.0765804, 12);
    expect(priced?.noCacheCostUSD).toBeCloseTo(0.102519, 12);
  });

  it('uses the per-model cache-read price (0.1x, 0.05x, 0.025x)', () => {
    const read = { cacheRead: 1_000_000 };
    expect(cost(req('claude-fable-5', '2026-10-01T00:00:00Z', read))).toBeCloseTo(1.0, 12);
    expect(cost(req('claude-fable-5-1', '2026-10-01T00:00:00Z', read))).toBeCloseTo(0.25, 12);
    expect(cost(req('claude-fable-5-2', '2026-11-15T00:00:00Z', read))).toBeCloseTo(0.2, 12);
    expect(cost(req('claude-opus-5-5', '2026-10-01T00:00:00Z', read))).toBeCloseTo(0.2, 12);
    expect(cost(req('claude-opus-5', '2026-10-01T00:00:00Z', read))).toBeCloseTo(0.5, 12);
    expect(cost(req('claude-3-haiku-20240307', '2025-01-01T00:00:00Z', read))).toBeCloseTo(0.03, 12);
    // Haiku 3's published 5m write is 0.30 (1.2x), not 1.25x
    expect(cost(req('claude-3-haiku-20240307', '2025-01-01T00:00:00Z', { cacheWrite5m: 1_000_000 }))).toBeCloseTo(0.3, 12);
  });

  it('cuts the Sonnet 5.5 read price from 0.20 to 0.10 on 2026-10-07 (UTC)', () => {
    const read = { cacheRead: 1_000_000 };
    expect(cost(req('claude-sonnet-5-5', '2026-10-06T23:59:59.999Z', read))).toBeCloseTo(0.2, 12);
    expect(cost(req('claude-sonnet-5-5', '2026-10-07T00:00:00Z', read))).toBeCloseTo(0.1, 12);
    expect(pricing.unitPrices(req('claude-sonnet-5-5', '2026-10-01T00:00:00Z', {}))?.cacheRead).toBeCloseTo(2e-7, 18);
    expect(pricing.unitPrices(req('claude-sonnet-5-5', '2026-11-01T00:00:00Z', {}))?.cacheRead).toBeCloseTo(1e-7, 18);
  });

  it('reports unit prices per token', () => {
    const u = pricing.unitPrices(req('claude-haiku-4-5-20251001', '2026-01-01T00:00:00Z', {}));
    // Haiku 4.5: 1 / 5 / 1.25 / 2 / 0.10 per M
    expect(u?.input).toBeCloseTo(1e-6, 18);
    expect(u?.output).toBeCloseTo(5e-6, 18);
    expect(u?.cacheWrite5m).toBeCloseTo(1.25e-6, 18);
    expect(u?.cacheWrite1h).toBeCloseTo(2e-6, 18);
    expect(u?.cacheRead).toBeCloseTo(1e-7, 18);
  });
});

describe('data residency (inference_geo)', () => {
  const tokens = { input: 10, cacheWrite5m: 1_000, cacheWrite1h: 2_000, cacheRead: 50_000, output: 500 };
  // Opus 4.6: 10·5 + 1000·6.25 + 2000·10 + 50000·0.5 + 500·25 = 50 + 6250 + 20000 + 25000 + 12500 = 63800
  it('multiplies every category by 1.1 for "us" on Claude 4.6+', () => {
    const priced = pricing.price(req('claude-opus-4-6', '2026-06-01T00:00:00Z', tokens, { geo: 'us' }));
    // 63800 · 1.1 = 70180 → /M; no cache: (53010·5 + 12500) · 1.1 = 277550 · 1.1 = 305305 → /M
    expect(priced?.costUSD).toBeCloseTo(0.07018, 12);
    expect(priced?.noCacheCostUSD).toBeCloseTo(0.305305, 12);
    expect(cost(req('claude-opus-4-6', '2026-06-01T00:00:00Z', tokens, { geo: 'US' }))).toBeCloseTo(0.07018, 12);
  });

  it('leaves global, missing and not_available at list price', () => {
    for (const geo of ['global', 'not_available', '', null]) {
      expect(cost(req('claude-opus-4-6', '2026-06-01T00:00:00Z', tokens, { geo }))).toBeCloseTo(0.0638, 12);
    }
  });

  it('does not apply to models before 4.6', () => {
    expect(cost(req('claude-opus-4-5-20251101', '2026-06-01T00:00:00Z', tokens, { geo: 'us' }))).toBeCloseTo(0.0638, 12);
  });
});

describe('fast mode', () => {
  const tokens = { input: 100, cacheWrite5m: 2_000, cacheRead: 30_000, output: 1_000 };
  it('prices Opus 4.8 fast at $10/$50 with cache multipliers on top', () => {
    // fast: 100·10 + 2000·12.5 + 30000·1.0 + 1000·50 = 1000 + 25000 + 30000 + 50000 = 106000 → /M
    const priced = pricing.price(req('claude-opus-4-8', '2026-07-01T00:00:00Z', tokens, { speed: 'fast' }));
    expect(priced?.costUSD).toBeCloseTo(0.106, 12);
    // no cache: 32100·10 + 1000·50 = 371000 → /M
    expect(priced?.noCacheCostUSD).toBeCloseTo(0.371, 12);
    const u = pricing.unitPrices(req('claude-opus-4-8', '2026-07-01T00:00:00Z', tokens, { speed: 'fast' }));
    expect(u?.cacheWrite1h).toBeCloseTo(2e-5, 18);
    expect(u?.cacheRead).toBeCloseTo(1e-6, 18);
  });

  it('prices standard and unknown speed at list price', () => {
    // 100·5 + 2000·6.25 + 30000·0.5 + 1000·25 = 500 + 12500 + 15000 + 25000 = 53000 → /M
    for (const speed of ['standard', null]) {
      expect(cost(req('claude-opus-4-8', '2026-07-01T00:00:00Z', tokens, { speed }))).toBeCloseTo(0.053, 12);
    }
  });

  it('stacks Opus 5.5 fast ($8/$40, read 0.05x) with data residency', () => {
    // 1000·8 + 1000·16 + 100000·0.40 + 2000·40 = 8000 + 16000 + 40000 + 80000 = 144000; ·1.1 = 158400 → /M
    const r = req('claude-opus-5-5', '2026-10-20T00:00:00Z', { input: 1_000, cacheWrite1h: 1_000, cacheRead: 100_000, output: 2_000 }, { speed: 'fast', geo: 'us' });
    expect(cost(r)).toBeCloseTo(0.1584, 12);
  });

  it('falls back to standard prices when the model has no fast price', () => {
    // Sonnet 4.5: 1000·3 + 1000·15 = 18000 → /M; Fable 5.2: 1000·8 + 1000·40 = 48000 → /M
    expect(cost(req('claude-sonnet-4-5', '2026-01-15T00:00:00Z', { input: 1_000, output: 1_000 }, { speed: 'fast' }))).toBeCloseTo(0.018, 12);
    expect(cost(req('claude-fable-5-2', '2026-11-15T00:00:00Z', { input: 1_000, output: 1_000 }, { speed: 'fast' }))).toBeCloseTo(0.048, 12);
  });

  it('prices Opus 4.6 fast above 200K at $60/$225 until 2026-03-13, flat $30/$150 after', () => {
    const t = { cacheRead: 300_000, output: 1_000 };
    // before: 300000·6 + 1000·225 = 1,800,000 + 225,000 = 2,025,000 → /M
    expect(cost(req('claude-opus-4-6', '2026-03-01T00:00:00Z', t, { speed: 'fast' }))).toBeCloseTo(2.025, 12);
    // after: 300000·3 + 1000·150 = 900,000 + 150,000 = 1,050,000 → /M
    expect(cost(req('claude-opus-4-6', '2026-04-01T00:00:00Z', t, { speed: 'fast' }))).toBeCloseTo(1.05, 12);
  });
});

describe('long-context tiers (whole request, total input > threshold)', () => {
  it('switches Haiku 5.5 to its >100K tier at 100,001 total input', () => {
    const at = '2026-11-01T00:00:00Z';
    // 99,999: 9999·0.10 + 90000·0.01 + 1000·0.5 = 999.9 + 900 + 500 = 2399.9 → /M
    expect(cost(req('claude-haiku-5-5', at, { input: 9_999, cacheRead: 90_000, output: 1_000 }))).toBeCloseTo(0.0023999, 12);
    // 100,000 is not above the threshold: 1000 + 900 + 500 = 2400 → /M
    expect(cost(req('claude-haiku-5-5', at, { input: 10_000, cacheRead: 90_000, output: 1_000 }))).toBeCloseTo(0.0024, 12);
    // 100,001: 10001·0.5 + 90000·0.05 + 1000·2.5 = 5000.5 + 4500 + 2500 = 12000.5 → /M
    const priced = pricing.price(req('claude-haiku-5-5', at, { input: 10_001, cacheRead: 90_000, output: 1_000 }));
    expect(priced?.costUSD).toBeCloseTo(0.0120005, 12);
    // no cache: 100001·0.5 + 1000·2.5 = 50000.5 + 2500 = 52500.5 → /M
    expect(priced?.noCacheCostUSD).toBeCloseTo(0.0525005, 12);
  });

  it('counts cache writes toward the Haiku 5.5 threshold', () => {
    // 1 + 50000 + 50000 = 100,001: 1·0.5 + 50000·0.625 + 50000·1.00 = 0.5 + 31250 + 50000 = 81250.5 → /M
    const r = req('claude-haiku-5-5', '2026-11-01T00:00:00Z', { input: 1, cacheWrite5m: 50_000, cacheWrite1h: 50_000 });
    expect(cost(r)).toBeCloseTo(0.0812505, 12);
  });

  it('bills Sonnet 4.5 above 200K at $6/$22.50 in Jan 2026 but not in May 2026', () => {
    const t = { input: 200_001, output: 1_000 };
    // Jan: 200001·6 + 1000·22.5 = 1,200,006 + 22,500 = 1,222,506 → /M
    expect(cost(req('claude-sonnet-4-5-20250929', '2026-01-15T00:00:00Z', t))).toBeCloseTo(1.222506, 12);
    // May (1M beta retired 2026-04-30): 200001·3 + 1000·15 = 600,003 + 15,000 = 615,003 → /M
    expect(cost(req('claude-sonnet-4-5-20250929', '2026-05-15T00:00:00Z', t))).toBeCloseTo(0.615003, 12);
    // the tier ends at 2026-04-30 00:00 UTC (exclusive)
    expect(cost(req('claude-sonnet-4-5', '2026-04-29T23:59:59Z', t))).toBeCloseTo(1.222506, 12);
    expect(cost(req('claude-sonnet-4-5', '2026-04-30T00:00:00Z', t))).toBeCloseTo(0.615003, 12);
    // exactly 200,000 stays standard: 600,000 + 15,000 → /M
    expect(cost(req('claude-sonnet-4-5', '2026-01-15T00:00:00Z', { input: 200_000, output: 1_000 }))).toBeCloseTo(0.615, 12);
  });

  it('applies cache multipliers on top of the Sonnet 4.5 long-context tier', () => {
    const r = req('claude-sonnet-4-5', '2026-01-15T00:00:00Z', { input: 1, cacheWrite5m: 100_000, cacheWrite1h: 50_000, cacheRead: 50_000, output: 100 });
    // 1·6 + 100000·7.5 + 50000·12 + 50000·0.6 + 100·22.5 = 6 + 750000 + 600000 + 30000 + 2250 = 1,382,256 → /M
    // no cache: 200001·6 + 2250 = 1,202,256 → /M
    const priced = pricing.price(r);
    expect(priced?.costUSD).toBeCloseTo(1.382256, 12);
    expect(priced?.noCacheCostUSD).toBeCloseTo(1.202256, 12);
  });

  it('starts the Sonnet 4 tier on 2025-08-12', () => {
    const t = { input: 200_001, output: 1_000 };
    expect(cost(req('claude-sonnet-4-20250514', '2025-08-11T12:00:00Z', t))).toBeCloseTo(0.615003, 12);
    expect(cost(req('claude-sonnet-4-20250514', '2025-08-12T00:00:00Z', t))).toBeCloseTo(1.222506, 12);
  });

  it('prices Opus 4.6 and Sonnet 4.6 above 200K only before the 1M GA on 2026-03-13', () => {
    const t = { input: 250_000, output: 1_000 };
    // Opus 4.6 Feb: 250000·10 + 1000·37.5 = 2,500,000 + 37,500 = 2,537,500 → /M; ·1.1 = 2,791,250 → /M
    expect(cost(req('claude-opus-4-6', '2026-02-20T00:00:00Z', t))).toBeCloseTo(2.5375, 12);
    expect(cost(req('claude-opus-4-6', '2026-02-20T00:00:00Z', t, { geo: 'us' }))).toBeCloseTo(2.79125, 12);
    // Opus 4.6 after GA: 250000·5 + 1000·25 = 1,275,000 → /M
    expect(cost(req('claude-opus-4-6', '2026-03-20T00:00:00Z', t))).toBeCloseTo(1.275, 12);
    // Sonnet 4.6 Feb: 250000·6 + 1000·22.5 = 1,522,500 → /M; after: 750,000 + 15,000 → /M
    expect(cost(req('claude-sonnet-4-6', '2026-02-20T00:00:00Z', t))).toBeCloseTo(1.5225, 12);
    expect(cost(req('claude-sonnet-4-6', '2026-03-20T00:00:00Z', t))).toBeCloseTo(0.765, 12);
  });
});

describe('unknown models', () => {
  it('are never priced', () => {
    for (const model of ['gpt-4o', '<synthetic>', 'MiniMax-M3', 'claude-opus-9', '']) {
      const r = req(model, '2026-06-01T00:00:00Z', { input: 1_000, output: 1_000 });
      expect(pricing.price(r)).toBeNull();
      expect(pricing.unitPrices(r)).toBeNull();
    }
  });
});

describe('the built-in table', () => {
  const table = JSON.parse(fs.readFileSync(new URL('../../data/prices.json', import.meta.url), 'utf8')) as PriceTable;

  it('has every model of the facts table, each with a source note', () => {
    const expected = [
      'claude-fable-5-2', 'claude-fable-5-1', 'claude-mythos-5-1', 'claude-fable-5', 'claude-mythos-5',
      'claude-opus-5-5', 'claude-opus-5', 'claude-opus-4-8', 'claude-opus-4-7', 'claude-opus-4-6',
      'claude-opus-4-5', 'claude-opus-4-1', 'claude-opus-4', 'claude-3-opus', 'claude-sonnet-5-5',
      'claude-sonnet-5', 'claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-sonnet-4', 'claude-3-7-sonnet',
      'claude-haiku-5-5', 'claude-haiku-4-5', 'claude-3-5-haiku', 'claude-3-haiku',
    ];
    for (const key of expected) {
      expect(pricing.resolve(key)).toBe(key);
      expect(table.models[key]?.sources.length).toBeGreaterThan(0);
    }
  });

  it('gives the same answers through createPricing', () => {
    const r = req('claude-sonnet-4-5', '2026-01-15T00:00:00Z', { input: 1_000, output: 1_000 });
    expect(createPricing(table).price(r)?.costUSD).toBeCloseTo(0.018, 12);
  });

  it('rejects a malformed table with the offending field named', () => {
    const bad = structuredClone(table);
    const period = bad.models['claude-opus-4-6']?.prices[0];
    if (period === undefined) throw new Error('fixture lost Opus 4.6');
    period.cacheRead = -1;
    expect(() => createPricing(bad)).toThrow(/claude-opus-4-6\.prices\[0\]\.cacheRead/);
  });

  it('rejects two models claiming the same id', () => {
    const bad = structuredClone(table);
    bad.models['claude-opus-4-5']?.aliases.push('claude-opus-4-1-20250805');
    expect(() => createPricing(bad)).toThrow(/also names/);
  });
});
