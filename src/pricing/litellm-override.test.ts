// `--pricing FILE`: LiteLLM-format overrides, per-token USD in the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPricing, type PriceInput } from './index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-pricing-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

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

const overrideFile = writeJson('prices.json', {
  sample_spec: { input_cost_per_token: 0, output_cost_per_token: 0, litellm_provider: 'one of …' },
  'claude-sonnet-4-5': {
    input_cost_per_token: 4e-6,
    output_cost_per_token: 2e-5,
    cache_creation_input_token_cost: 5e-6,
    cache_creation_input_token_cost_above_1hr: 8e-6,
    cache_read_input_token_cost: 4e-7,
  },
  'MiniMax-M3': { input_cost_per_token: 3e-7, output_cost_per_token: 1.2e-6 },
  'claude-nova-6': {
    input_cost_per_token: 1e-6,
    output_cost_per_token: 5e-6,
    cache_read_input_token_cost: 5e-8,
    provider_specific_entry: { fast: 2.0, us: 1.1 },
  },
  'claude-sonnet-4': {
    input_cost_per_token: 3e-6,
    output_cost_per_token: 1.5e-5,
    cache_read_input_token_cost: 3e-7,
    input_cost_per_token_above_200k_tokens: 6e-6,
    output_cost_per_token_above_200k_tokens: 2.25e-5,
    cache_read_input_token_cost_above_200k_tokens: 6e-7,
  },
  'us.anthropic.claude-haiku-4-5-20251001-v1:0': { input_cost_per_token: 1.1e-6, output_cost_per_token: 5.5e-6 },
  'claude-haiku-4-5-20251001': { input_cost_per_token: 2e-6, output_cost_per_token: 1e-5 },
  'anthropic/claude-opus-4.6-fast': { input_cost_per_token: 3e-5, output_cost_per_token: 1.5e-4 },
  'gpt-image-1': { output_cost_per_image: 0.04 },
});
const pricing = loadPricing({ overrideFile });
const cost = (r: PriceInput): number | undefined => pricing.price(r)?.costUSD;

describe('LiteLLM override file', () => {
  const tokens = { input: 1_000, cacheWrite5m: 1_000, cacheWrite1h: 1_000, cacheRead: 10_000, output: 1_000 };

  it('replaces a built-in model for all dates, whatever id form the request uses', () => {
    // 1000·4 + 1000·5 + 1000·8 + 10000·0.4 + 1000·20 = 4000 + 5000 + 8000 + 4000 + 20000 = 41000 → /M
    for (const at of ['2025-10-01T00:00:00Z', '2026-06-01T00:00:00Z']) {
      expect(cost(req('claude-sonnet-4-5-20250929', at, tokens))).toBeCloseTo(0.041, 12);
      expect(cost(req('us.anthropic.claude-sonnet-4-5-20250929-v1:0', at, tokens))).toBeCloseTo(0.041, 12);
    }
    expect(pricing.price(req('claude-sonnet-4-5', '2026-06-01T00:00:00Z', tokens))?.modelKey).toBe('claude-sonnet-4-5');
    expect(pricing.displayName('claude-sonnet-4-5')).toBe('Sonnet 4.5');
  });

  it('drops the built-in long-context tier when the entry has none', () => {
    // Jan 2026, 200,001 input: 200001·4 + 1000·20 = 800,004 + 20,000 = 820,004 → /M
    expect(cost(req('claude-sonnet-4-5', '2026-01-15T00:00:00Z', { input: 200_001, output: 1_000 }))).toBeCloseTo(0.820004, 12);
  });

  it('leaves other built-in models alone', () => {
    // Opus 4.6: 1000·5 + 1000·25 = 30000 → /M
    expect(cost(req('claude-opus-4-6', '2026-06-01T00:00:00Z', { input: 1_000, output: 1_000 }))).toBeCloseTo(0.03, 12);
  });

  it('adds an unknown model, defaulting cache prices to 1.25x / 2x / 0.1x input', () => {
    // M3: input 0.30, output 1.20, 5m 0.375, 1h 0.60, read 0.03 per M
    // 1000·0.3 + 1000·0.375 + 1000·0.6 + 10000·0.03 + 1000·1.2 = 300 + 375 + 600 + 300 + 1200 = 2775 → /M
    const priced = pricing.price(req('minimax-m3', '2026-06-01T00:00:00Z', tokens));
    expect(priced?.costUSD).toBeCloseTo(0.002775, 12);
    expect(priced?.modelKey).toBe('MiniMax-M3');
    expect(pricing.resolve('MiniMax-M3')).toBe('MiniMax-M3');
    expect(pricing.displayName('MiniMax-M3')).toBe('MiniMax-M3');
  });

  it('adds a new Claude model reachable by its normalised id, with fast and geo multipliers', () => {
    expect(pricing.resolve('claude-nova-6-20270101')).toBe('claude-nova-6');
    // fast 2x: input 2, read 0.05·2 = 0.10, output 10 per M
    // 1000·2 + 100000·0.1 + 1000·10 = 2000 + 10000 + 10000 = 22000; ·1.1 = 24200 → /M
    const r = req('anthropic/claude-nova-6', '2027-02-01T00:00:00Z', { input: 1_000, cacheRead: 100_000, output: 1_000 }, { speed: 'fast', geo: 'us' });
    expect(cost(r)).toBeCloseTo(0.0242, 12);
  });

  it('reads the *_above_200k_tokens keys as a long-context tier for all dates', () => {
    // Sep 2026 (after the built-in tier ended), 250,000 read: 250000·0.6 + 1000·22.5 = 150000 + 22500 = 172500 → /M
    expect(cost(req('claude-sonnet-4-20250514', '2026-09-01T00:00:00Z', { cacheRead: 250_000, output: 1_000 }))).toBeCloseTo(0.1725, 12);
    // 100,000 read: 100000·0.3 + 1000·15 = 30000 + 15000 = 45000 → /M
    expect(cost(req('claude-sonnet-4-20250514', '2026-09-01T00:00:00Z', { cacheRead: 100_000, output: 1_000 }))).toBeCloseTo(0.045, 12);
  });

  it('prefers a plain Claude id over a provider-prefixed one, but exact ids win', () => {
    // plain entry: 1000·2 + 1000·10 = 12000 → /M; Bedrock entry: 1000·1.1 + 1000·5.5 = 6600 → /M
    const t = { input: 1_000, output: 1_000 };
    expect(cost(req('claude-haiku-4-5', '2026-06-01T00:00:00Z', t))).toBeCloseTo(0.012, 12);
    expect(cost(req('us.anthropic.claude-haiku-4-5-20251001-v1:0', '2026-06-01T00:00:00Z', t))).toBeCloseTo(0.0066, 12);
  });

  it('never lets a fast-variant entry replace the standard model', () => {
    // standard Opus 4.6 unchanged: 1000·5 + 1000·25 = 30000 → /M; the exact fast id: 1000·30 + 1000·150 = 180000 → /M
    const t = { input: 1_000, output: 1_000 };
    expect(cost(req('claude-opus-4-6', '2026-06-01T00:00:00Z', t))).toBeCloseTo(0.03, 12);
    expect(cost(req('anthropic/claude-opus-4.6-fast', '2026-06-01T00:00:00Z', t))).toBeCloseTo(0.18, 12);
  });

  it('skips entries without token prices', () => {
    expect(pricing.resolve('gpt-image-1')).toBeNull();
  });

  it('names the file when it is not valid JSON, missing, or not an object', () => {
    const bad = writeJson('broken-prices.json', '{ "claude-sonnet-4-5": ');
    expect(() => loadPricing({ overrideFile: bad })).toThrow(/broken-prices\.json/);
    expect(() => loadPricing({ overrideFile: path.join(dir, 'missing.json') })).toThrow(/missing\.json/);
    const list = writeJson('list-prices.json', [1, 2]);
    expect(() => loadPricing({ overrideFile: list })).toThrow(/list-prices\.json/);
  });
});
