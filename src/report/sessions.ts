// `cachelens sessions` and `cachelens session <id>`: per-session views.
import { finishTotals, groupBy, hitRate, totalInput, usd, type Dataset, type PricedRequest, type Totals, type WasteLookup } from '../accounting/index.js';
import { isWaste, type CacheAnalysis, type RebuildCause } from '../cache/index.js';
import type { Pricing } from '../pricing/index.js';
import type { ReportMeta } from './meta.js';

export interface SessionRow extends Totals {
  sessionId: string;
  project: string;
  firstTimestamp: string;
  lastTimestamp: string;
  mainRequests: number;
  subagentRequests: number;
  /** distinct sub-agents seen */
  subagents: number;
  models: string[];
}

export interface SessionsReport extends ReportMeta {
  kind: 'sessions';
  sessions: SessionRow[];
}

export interface RequestRow {
  index: number;
  timestamp: string;
  /** ms since the previous request of the same thread (main, or that sub-agent); null for its first */
  gapMs: number | null;
  model: string;
  displayModel: string;
  /** null = main thread */
  agentId: string | null;
  messageId: string;
  requestId: string | null;
  version: string | null;
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  hitRate: number;
  /** null when the model has no known price */
  costUSD: number | null;
  /** set when this request re-wrote the cache (or started a conversation) */
  rebuild: { cause: RebuildCause; waste: boolean; tokensRewritten: number; wastedUSD: number | null; evidence: string[] } | null;
}

export interface SessionReport extends ReportMeta {
  kind: 'session';
  sessionId: string;
  project: string;
  summary: SessionRow;
  requests: RequestRow[];
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

function sessionRow(sessionId: string, reqs: PricedRequest[], ds: Dataset, totals: Totals): SessionRow {
  let first = Infinity;
  let last = -Infinity;
  let main = 0;
  const agents = new Set<string>();
  const models = new Set<string>();
  for (const p of reqs) {
    first = Math.min(first, p.r.timestamp);
    last = Math.max(last, p.r.timestamp);
    if (p.r.agentId === null) main++;
    else agents.add(p.r.agentId);
    models.add(p.r.model);
  }
  for (const e of ds.apiErrors) {
    if (e.sessionId !== sessionId) continue;
    first = Math.min(first, e.timestamp);
    last = Math.max(last, e.timestamp);
  }
  const project = reqs[0]?.r.project ?? ds.apiErrors.find((e) => e.sessionId === sessionId)?.project ?? '';
  return {
    sessionId,
    project,
    firstTimestamp: iso(first),
    lastTimestamp: iso(last),
    mainRequests: main,
    subagentRequests: reqs.length - main,
    subagents: agents.size,
    models: [...models].sort(),
    ...totals,
  };
}

function bySession(ds: Dataset): Map<string, PricedRequest[]> {
  const m = new Map<string, PricedRequest[]>();
  for (const p of ds.requests) {
    let a = m.get(p.r.sessionId);
    if (!a) m.set(p.r.sessionId, (a = []));
    a.push(p);
  }
  for (const e of ds.apiErrors) if (!m.has(e.sessionId)) m.set(e.sessionId, []);
  return m;
}

export function buildSessions(ds: Dataset, meta: ReportMeta, waste?: WasteLookup): SessionsReport {
  const groups = bySession(ds);
  const acc = groupBy(ds.requests, ds.apiErrors, (p) => p.r.sessionId, (e) => e.sessionId, waste);
  const sessions = [...groups]
    .map(([id, reqs]) => sessionRow(id, reqs, ds, finishTotals(acc.get(id)!)))
    .sort((a, b) => (a.lastTimestamp < b.lastTimestamp ? 1 : a.lastTimestamp > b.lastTimestamp ? -1 : 0));
  return { ...meta, kind: 'sessions', sessions };
}

/** Resolves 'latest', a full id or a unique prefix. Throws a user-facing message otherwise. */
export function resolveSessionId(ds: Dataset, query: string): string {
  const ids = [...bySession(ds).keys()];
  if (ids.length === 0) throw new Error('no sessions found');
  if (query === 'latest') {
    let best = '';
    let bestTs = -Infinity;
    for (const p of ds.requests) if (p.r.timestamp > bestTs) [best, bestTs] = [p.r.sessionId, p.r.timestamp];
    return best || ids[0]!;
  }
  if (ids.includes(query)) return query;
  const hits = ids.filter((id) => id.startsWith(query));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw new Error(`no session matches '${query}'`);
  throw new Error(`'${query}' matches ${hits.length} sessions: ${hits.slice(0, 5).join(', ')}${hits.length > 5 ? ', …' : ''}`);
}

export function buildSession(ds: Dataset, pricing: Pricing, meta: ReportMeta, sessionId: string, analysis?: CacheAnalysis, waste?: WasteLookup): SessionReport {
  const reqs = ds.requests.filter((p) => p.r.sessionId === sessionId);
  const acc = groupBy(reqs, ds.apiErrors.filter((e) => e.sessionId === sessionId), () => sessionId, () => sessionId, waste);
  const summary = sessionRow(sessionId, reqs, ds, finishTotals(acc.get(sessionId)!));
  const lastByThread = new Map<string, number>();
  const requests = reqs.map((p, i): RequestRow => {
    const r = p.r;
    const thread = r.agentId ?? '';
    const prev = lastByThread.get(thread);
    lastByThread.set(thread, r.timestamp);
    const rb = analysis?.byKey.get(r.key);
    return {
      index: i + 1,
      timestamp: iso(r.timestamp),
      gapMs: prev === undefined ? null : r.timestamp - prev,
      model: r.model,
      displayModel: pricing.displayName(r.model),
      agentId: r.agentId,
      messageId: r.messageId,
      requestId: r.requestId,
      version: r.version,
      inputTokens: r.input,
      cacheWrite5mTokens: r.cacheWrite5m,
      cacheWrite1hTokens: r.cacheWrite1h,
      cacheReadTokens: r.cacheRead,
      outputTokens: r.output,
      hitRate: hitRate(r.cacheRead, totalInput({ input: r.input, w5: r.cacheWrite5m, w1: r.cacheWrite1h, read: r.cacheRead })),
      costUSD: p.costUSD === null ? null : usd(p.costUSD),
      rebuild: rb
        ? { cause: rb.cause, waste: isWaste(rb), tokensRewritten: rb.tokensRewritten, wastedUSD: rb.wasteUSD === null ? null : usd(rb.wasteUSD), evidence: rb.evidence }
        : null,
    };
  });
  return { ...meta, kind: 'session', sessionId, project: summary.project, summary, requests };
}
