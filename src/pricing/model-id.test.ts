import { describe, expect, it } from 'vitest';
import { normalizeModelId } from './_model-id.js';
import { loadPricing } from './index.js';

const pricing = loadPricing();

describe('resolve', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['claude-4-sonnet-20250514', 'claude-sonnet-4'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['claude-sonnet-4-0', 'claude-sonnet-4'],
    ['claude-3-7-sonnet-20250219', 'claude-3-7-sonnet'],
    ['claude-sonnet-3-7', 'claude-3-7-sonnet'],
    ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet'],
    ['claude-opus-4.8', 'claude-opus-4-8'],
    ['anthropic/claude-opus-4.8', 'claude-opus-4-8'],
    ['openrouter/anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet'],
    ['eu.anthropic.claude-3-5-haiku-20241022-v1:0', 'claude-3-5-haiku'],
    ['global.anthropic.claude-opus-4-6-v1', 'claude-opus-4-6'],
    ['apac.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4'],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['vertex_ai/claude-opus-4-1@20250805', 'claude-opus-4-1'],
    ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ['claude-opus-4-20250514', 'claude-opus-4'],
    ['claude-4-opus-20250514', 'claude-opus-4'],
    ['claude-4-opus', 'claude-opus-4'],
    ['claude-3-opus-20240229', 'claude-3-opus'],
    ['claude-3-5-haiku-20241022', 'claude-3-5-haiku'],
    ['claude-haiku-3-5', 'claude-3-5-haiku'],
    ['claude-3-haiku-20240307', 'claude-3-haiku'],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['claude-haiku-5.5', 'claude-haiku-5-5'],
    ['claude-fable-5', 'claude-fable-5'],
    ['claude-fable-5-1', 'claude-fable-5-1'],
    ['claude-fable-5.2', 'claude-fable-5-2'],
    ['claude-mythos-5-1', 'claude-mythos-5-1'],
    ['CLAUDE-OPUS-4-6', 'claude-opus-4-6'],
    ['claude-opus-4-6[1m]', 'claude-opus-4-6'],
    [' claude-opus-4-7 ', 'claude-opus-4-7'],
    ['claude-sonnet-4-5:thinking', 'claude-sonnet-4-5'],
  ])('%s → %s', (id, key) => {
    expect(pricing.resolve(id)).toBe(key);
  });

  it.each(['MiniMax-M3', '<synthetic>', 'gpt-4o', '', 'sonnet', 'claude', 'claude-sonnet', 'claude-opus-9', 'claude-opus-4-2', 'claude-opus-4-5-6', 'claude-2.1'])(
    '%s is unknown',
    (id) => {
      expect(pricing.resolve(id)).toBeNull();
    },
  );

  it('treats a "-fast" gateway id as the same model running fast', () => {
    expect(pricing.resolve('anthropic/claude-opus-5-fast')).toBe('claude-opus-5');
    const priced = pricing.price({
      model: 'claude-opus-5-fast-20260723',
      timestamp: Date.parse('2026-08-01T00:00:00Z'),
      input: 1_000,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      cacheRead: 0,
      output: 1_000,
      speed: null,
      inferenceGeo: null,
    });
    // Opus 5 fast: 1000·10 + 1000·50 = 60000 → /M
    expect(priced?.costUSD).toBeCloseTo(0.06, 12);
  });
});

describe('displayName', () => {
  it('names known models briefly and returns unknown ids unchanged', () => {
    expect(pricing.displayName('claude-sonnet-4-5-20250929')).toBe('Sonnet 4.5');
    expect(pricing.displayName('claude-3-5-haiku-20241022')).toBe('Haiku 3.5');
    expect(pricing.displayName('us.anthropic.claude-opus-4-1-20250805-v1:0')).toBe('Opus 4.1');
    expect(pricing.displayName('claude-fable-5')).toBe('Fable 5');
    expect(pricing.displayName('gpt-4o')).toBe('gpt-4o');
    expect(pricing.displayName('<synthetic>')).toBe('<synthetic>');
  });
});

describe('normalizeModelId', () => {
  it('puts the family first and keeps version digits whole', () => {
    expect(normalizeModelId('claude-3-7-sonnet-20250219')).toEqual({ key: 'claude-sonnet-3-7', fast: false });
    expect(normalizeModelId('claude-opus-4-1-20250805')).toEqual({ key: 'claude-opus-4-1', fast: false });
    expect(normalizeModelId('claude-opus-4-20250514')).toEqual({ key: 'claude-opus-4', fast: false });
  });

  it('rejects ids that are not Claude-shaped', () => {
    expect(normalizeModelId('gpt-4o')).toBeNull();
    expect(normalizeModelId('claude-sonnet')).toBeNull();
    expect(normalizeModelId('claude-4-sonnet-opus')).toBeNull();
    expect(normalizeModelId('claude-4-sonnet-5')).toBeNull();
  });
});
