// Which unit prices apply to one request, and what the request costs.

import type { CompiledModel, CompiledTier } from './_compiled.js';
import { fillTier } from './_table.js';
import type { UnitPrices } from './types.js';

export interface RequestTokens {
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
}

export interface RequestTerms {
  timestamp: number;
  /** input + cache writes + cache reads */
  totalInput: number;
  fast: boolean;
  inferenceGeo: string | null;
}

/**
 * Unit prices (USD per million tokens) for one request: the standard period in
 * force at its date; replaced by the fast tier when the request ran fast and
 * the model has fast prices then; replaced by a long-context tier (of the same
 * speed) when the request's total input exceeds the tier's threshold; then the
 * `inference_geo` multiplier on every category.
 */
export function selectUnitPrices(model: CompiledModel, terms: RequestTerms): UnitPrices {
  // an unreadable timestamp prices at the newest rates
  const t = Number.isFinite(terms.timestamp) ? terms.timestamp : Number.MAX_SAFE_INTEGER;
  const base = periodAt(model, t);
  const inForce = (tier: CompiledTier): boolean => tier.fromMs <= t && t < tier.untilMs;

  const fastTier = terms.fast ? model.fast.find(inForce) : undefined;
  const useFast = fastTier !== undefined;
  let longTier: (typeof model.longContext)[number] | undefined;
  for (const tier of model.longContext) {
    if (tier.fast !== useFast || !inForce(tier) || terms.totalInput <= tier.aboveTokens) continue;
    if (longTier === undefined || tier.aboveTokens > longTier.aboveTokens) longTier = tier;
  }

  const tier = longTier ?? fastTier;
  const prices = tier === undefined ? base : fillTier(tier, base);
  const geo = terms.inferenceGeo === null ? undefined : model.geo.get(terms.inferenceGeo.trim().toLowerCase());
  return geo === undefined ? prices : scale(prices, geo);
}

/** USD for the given tokens at the given per-million prices. */
export function costUSD(tokens: RequestTokens, p: UnitPrices): number {
  const micro =
    tokens.input * p.input +
    tokens.cacheWrite5m * p.cacheWrite5m +
    tokens.cacheWrite1h * p.cacheWrite1h +
    tokens.cacheRead * p.cacheRead +
    tokens.output * p.output;
  return micro / 1_000_000;
}

/** USD if nothing had been cached: every input token at the input price. */
export function noCacheCostUSD(tokens: RequestTokens, p: UnitPrices): number {
  const allInput = tokens.input + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.cacheRead;
  return (allInput * p.input + tokens.output * p.output) / 1_000_000;
}

// --- internal ---

function periodAt(model: CompiledModel, t: number): UnitPrices {
  let found = model.periods[0];
  for (const period of model.periods) {
    if (period.fromMs <= t) found = period;
    else break;
  }
  if (found === undefined) throw new Error(`pricing: model ${model.key} has no price period`);
  return found.prices;
}

function scale(p: UnitPrices, factor: number): UnitPrices {
  const f = (v: number): number => Number((v * factor).toPrecision(12));
  return {
    input: f(p.input),
    output: f(p.output),
    cacheWrite5m: f(p.cacheWrite5m),
    cacheWrite1h: f(p.cacheWrite1h),
    cacheRead: f(p.cacheRead),
  };
}
