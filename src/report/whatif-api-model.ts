// `whatif --api-model`: each policy replayed two ways, by whatif's gap rule
// alone and by the API prompt-cache model (cache/whatif-sim.ts), side by side,
// so that the shortcut the what-if leans on can be checked against the rules.
import { usd } from '../accounting/index.js';
import { replayPolicy, type Policy, type ReplayConversation } from '../cache/whatif.js';
import { simulatePolicy } from '../cache/whatif-sim.js';
import type { Pricing } from '../pricing/index.js';

export interface ApiModelRow {
  policy: string;
  gapRuleCostUSD: number;
  simulatedCostUSD: number;
  /** (simulated − gap rule) / gap rule × 100 */
  costDiffPct: number;
  readDiffPct: number;
  writeDiffPct: number;
  /** requests whose cacheable prefix the API would not cache (below the model's minimum) */
  belowMinimum: number;
}

function signedPct(a: number, b: number): number {
  return b === 0 ? 0 : Math.round(((a - b) / b) * 100 * 1e4) / 1e4;
}

/** Rows for every policy that caches (no-cache has nothing to check). */
export function apiModelRows(conversations: readonly ReplayConversation[], policies: readonly Policy[], pricing: Pricing): ApiModelRow[] {
  return policies
    .filter((p) => p.spec.kind !== 'none')
    .map((p) => {
      const g = replayPolicy(conversations, p.spec, { gapRuleOnly: true });
      const m = simulatePolicy(conversations, p.spec, pricing);
      return {
        policy: p.name,
        gapRuleCostUSD: usd(g.costUSD),
        simulatedCostUSD: usd(m.costUSD),
        costDiffPct: signedPct(m.costUSD, g.costUSD),
        readDiffPct: signedPct(m.reads, g.reads),
        writeDiffPct: signedPct(m.writes5m + m.writes1h, g.writes5m + g.writes1h),
        belowMinimum: m.belowMinimum,
      };
    });
}
