// Totals over simulated requests: what the table footer and --json print.
import type { SimResult } from './types.js';

export interface SimTotals {
  requests: number;
  /** requests the API would reject (400): nothing cached or charged */
  rejected: number;
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** cache reads / all input tokens */
  hitRate: number;
  costUSD: number;
  /** the same sequence with no caching at all */
  noCacheCostUSD: number;
  /** requests whose model has no price (left out of both costs) */
  unpriced: number;
  /** requests with at least one estimated token count */
  estimated: number;
}

export function summarize(results: readonly SimResult[]): SimTotals {
  const t: SimTotals = {
    requests: results.length, rejected: 0, inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0,
    cacheReadTokens: 0, outputTokens: 0, hitRate: 0, costUSD: 0, noCacheCostUSD: 0, unpriced: 0, estimated: 0,
  };
  for (const r of results) {
    if (r.explain.estimatedTokens) t.estimated++;
    const u = r.usage;
    if (u === null) {
      t.rejected++;
      continue;
    }
    t.inputTokens += u.input_tokens;
    t.cacheWrite5mTokens += u.cache_creation.ephemeral_5m_input_tokens;
    t.cacheWrite1hTokens += u.cache_creation.ephemeral_1h_input_tokens;
    t.cacheReadTokens += u.cache_read_input_tokens;
    t.outputTokens += u.output_tokens;
    if (r.costUSD === null || r.noCacheCostUSD === null) t.unpriced++;
    else {
      t.costUSD += r.costUSD;
      t.noCacheCostUSD += r.noCacheCostUSD;
    }
  }
  const input = t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens;
  t.hitRate = input > 0 ? t.cacheReadTokens / input : 0;
  return t;
}
