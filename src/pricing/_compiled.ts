// The in-memory form both price sources (built-in table, LiteLLM overrides)
// compile to: dates as ms epoch, tiers ready to select from.

import type { UnitPrices } from './types.js';

export interface CompiledPeriod {
  fromMs: number;
  prices: UnitPrices;
}

export interface CompiledTier {
  fromMs: number;
  /** exclusive; Infinity when open-ended */
  untilMs: number;
  input: number;
  output: number;
  cacheWrite5m: number | undefined;
  cacheWrite1h: number | undefined;
  cacheRead: number | undefined;
}

export interface CompiledLongContextTier extends CompiledTier {
  aboveTokens: number;
  fast: boolean;
}

export interface CompiledModel {
  key: string;
  displayName: string;
  /** ascending by fromMs; never empty */
  periods: CompiledPeriod[];
  fast: CompiledTier[];
  longContext: CompiledLongContextTier[];
  /** lower-case inference_geo value → multiplier */
  geo: ReadonlyMap<string, number>;
}
