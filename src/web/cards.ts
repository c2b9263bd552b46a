// The overview's totals cards as data. The page draws them as elements
// (web/src/overview.ts); the server renders the same cards into the HTML it
// serves first (page.ts), so the numbers are on screen before any script
// runs and both show the very same text. No Node or DOM imports.
import type { OverviewReport } from '../report/overview.js';
import { int, pct, tokens, usd } from './format.js';

export interface Card {
  label: string;
  text: string;
  testId: string;
  /** the exact figure (the data-value attribute tests and the bench read); null when there is none */
  value: number | null;
  note?: string;
}

export const DEMO_BANNER = 'No Claude Code transcripts found: showing the built-in demo data.';

export function overviewCards(r: OverviewReport): Card[] {
  const t = r.totals;
  const c = r.costs;
  const plan: Card = c.plan
    ? { label: `Subscription (${c.plan.plan})`, text: usd(c.plan.proratedUSD), testId: 'cost-plan', value: c.plan.proratedUSD, note: `${c.plan.days} days at ${usd(c.plan.monthlyUSD)}/month` }
    : { label: 'Subscription', text: 'choose a plan', testId: 'cost-plan', value: null, note: 'Plan filter above' };
  return [
    { label: 'Requests', text: int(t.requests), testId: 'total-requests', value: t.requests, note: `${int(t.sessions)} sessions` },
    { label: 'Cache hit rate', text: pct(t.hitRate), testId: 'total-hitrate', value: t.hitRate, note: `${tokens(t.cacheReadTokens)} read` },
    { label: 'Cost with cache', text: usd(c.withCacheUSD), testId: 'cost-with-cache', value: c.withCacheUSD, note: 'API list prices' },
    { label: 'Cost without cache', text: usd(c.noCacheUSD), testId: 'cost-no-cache', value: c.noCacheUSD, note: `saved ${usd(c.savingsUSD)} (${pct(c.savingsRate)})` },
    plan,
    { label: 'Wasted on rebuilds', text: usd(t.wastedUSD), testId: 'total-wasted', value: t.wastedUSD, note: `${int(t.rebuilds)} rebuilds` },
  ];
}
