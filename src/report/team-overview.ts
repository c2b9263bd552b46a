// The team overview from the server's sums (store/pg-overview.ts): each sum
// row priced at its model, UTC day, speed, region and input tier (cost is
// linear in tokens once those fix the unit prices), folded into the same
// merged shape the local report finishes (overview.ts finishOverview).
import { newAccumulator, type Accumulator } from '../accounting/index.js';
import type { Pricing } from '../pricing/index.js';
import { INPUT_TIER_THRESHOLDS, type OverviewCountRow, type OverviewSumRow, type PriceKeySums } from '../store/pg-overview.js';
import type { MergedParts } from './parts.js';

function at(m: Map<string, Accumulator>, k: string): Accumulator {
  let a = m.get(k);
  if (!a) {
    a = newAccumulator();
    m.set(k, a);
  }
  return a;
}

/** Unit prices of a row's price key: a probe request on its UTC day whose total input falls in its tier. */
export function rowUnitPrices(pricing: Pricing, r: PriceKeySums) {
  const probe = r.inputTier === 0 ? 0 : INPUT_TIER_THRESHOLDS[r.inputTier - 1]! + 1;
  return pricing.unitPrices({ model: r.model, timestamp: Date.parse(`${r.utcDay}T00:00:00Z`), input: probe, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0, speed: r.speed, inferenceGeo: r.inferenceGeo });
}

/** Adds a row's sums to `a`, priced with `u` (null: unknown model, counted as unpriced, never at $0). */
export function addRow(a: Accumulator, r: PriceKeySums, u: ReturnType<Pricing['unitPrices']>): void {
  a.requests += r.requests;
  a.input += r.input;
  a.output += r.output;
  a.w5 += r.cacheWrite5m;
  a.w1 += r.cacheWrite1h;
  a.read += r.cacheRead;
  if (!u) {
    a.unpriced += r.requests;
    return;
  }
  a.cost += r.input * u.input + r.cacheWrite5m * u.cacheWrite5m + r.cacheWrite1h * u.cacheWrite1h + r.cacheRead * u.cacheRead + r.output * u.output;
  a.noCache += (r.input + r.cacheWrite5m + r.cacheWrite1h + r.cacheRead) * u.input + r.output * u.output;
}

export function teamMergedParts(sums: readonly OverviewSumRow[], counts: readonly OverviewCountRow[], pricing: Pricing): MergedParts {
  const m: MergedParts = { total: newAccumulator(), days: new Map(), models: new Map(), projects: new Map(), unpriced: new Map(), periodSessions: new Map() };
  for (const r of sums) {
    const u = rowUnitPrices(pricing, r);
    const targets = [m.total, at(m.days, r.localDay), at(m.models, r.model), at(m.projects, r.project)];
    if (!u) targets.push(at(m.unpriced, r.model));
    for (const a of targets) {
      addRow(a, r, u);
      a.rebuilds += r.rebuilds;
      // as rebuildPremium: the 1h share at the 1h write price, the rest at the 5m price, less the read price
      if (u) a.wasted += r.rewritten1h * (u.cacheWrite1h - u.cacheRead) + (r.rewritten - r.rewritten1h) * (u.cacheWrite5m - u.cacheRead);
    }
  }
  for (const c of counts) {
    if (c.kind === 'week' || c.kind === 'month') {
      m.periodSessions!.set(`${c.kind}:${c.key}`, { sessions: c.sessions, apiErrors: c.apiErrors });
      continue;
    }
    const a = c.kind === 'total' ? m.total : at(c.kind === 'day' ? m.days : c.kind === 'project' ? m.projects : m.models, c.key);
    a.sessionCount = c.sessions;
    if (c.kind !== 'model') a.apiErrors = c.apiErrors;
  }
  return m;
}
