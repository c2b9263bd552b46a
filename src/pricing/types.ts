// Shapes of the price data: `data/prices.json` (PriceTable) and a LiteLLM
// `model_prices_and_context_window.json` file given with `--pricing FILE`.
// All PriceTable amounts are USD per million tokens; dates are UTC days.

/** The five unit prices of one request category, USD per million tokens. */
export interface UnitPrices {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/** Standard-speed prices in force from `from` (inclusive) until the next period's `from`. */
export interface PricePeriod extends UnitPrices {
  /** YYYY-MM-DD (UTC). The first period also covers any earlier date. */
  from: string;
}

/**
 * A conditional replacement of input/output prices. Cache prices left out are
 * derived from the standard period in force: tier input × (period cache price /
 * period input), i.e. the model's own 5m/1h/read multipliers apply on top.
 */
export interface PriceTier {
  input: number;
  output: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  cacheRead?: number;
  /** YYYY-MM-DD (UTC), inclusive */
  from: string;
  /** YYYY-MM-DD (UTC), exclusive; open-ended when absent */
  until?: string;
}

/** Fast-mode prices (`usage.speed === 'fast'`). */
export type FastTier = PriceTier;

/** Prices for the whole request when its total input (input + cache writes + cache reads) exceeds `aboveTokens`. */
export interface LongContextTier extends PriceTier {
  aboveTokens: number;
  /** which speed the tier applies to; 'standard' when absent */
  speed?: 'standard' | 'fast';
}

export interface ModelEntry {
  /** short name for tables, e.g. "Sonnet 4.5" */
  displayName: string;
  /** ids that name this model; matched after normalisation (docs/pricing.md) */
  aliases: string[];
  /** standard prices, ordered by `from` */
  prices: PricePeriod[];
  fast?: FastTier[];
  longContext?: LongContextTier[];
  /** multiplier on every token category per `usage.inference_geo` value, e.g. { "us": 1.1 } */
  inferenceGeo?: Record<string, number>;
  /** where the numbers come from (short) */
  sources: string;
}

export interface PriceTable {
  schemaVersion: 1;
  /** YYYY-MM-DD of the last edit */
  updated: string;
  currency: 'USD';
  unit: 'per million tokens';
  /** canonical model key ('claude-sonnet-4-5') → entry */
  models: Record<string, ModelEntry>;
}

/** One entry of a LiteLLM price file (per-token USD). Unknown keys are ignored. */
export interface LiteLLMEntry {
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  /** 5-minute cache write */
  cache_creation_input_token_cost?: number;
  /** 1-hour cache write (despite the name) */
  cache_creation_input_token_cost_above_1hr?: number;
  cache_read_input_token_cost?: number;
  input_cost_per_token_above_200k_tokens?: number;
  output_cost_per_token_above_200k_tokens?: number;
  cache_creation_input_token_cost_above_200k_tokens?: number;
  cache_creation_input_token_cost_above_1hr_above_200k_tokens?: number;
  cache_read_input_token_cost_above_200k_tokens?: number;
  /** e.g. { "us": 1.1, "fast": 2.0 } */
  provider_specific_entry?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A LiteLLM `model_prices_and_context_window.json` document: model id → entry. */
export type LiteLLMJson = Record<string, unknown>;
