// `cachelens breaks`: every cache rebuild across history, costliest first,
// with its cause and evidence, and waste grouped by cause, project, Claude
// Code version and week.
import { usd, type Dataset } from '../accounting/index.js';
import {
  CAUSES,
  FANOUT_WINDOW_MS,
  isWaste,
  REBUILD_MIN_SHARE,
  REBUILD_MIN_TOKENS,
  TTL_SLACK_MS,
  type CacheAnalysis,
  type Rebuild,
  type RebuildCause,
} from '../cache/index.js';
import type { ClaudeCodeCacheReport } from '../domain/types.js';
import type { ReportMeta } from './meta.js';

export interface BreakRow {
  cause: RebuildCause;
  timestamp: string;
  project: string;
  sessionId: string;
  /** null = main thread */
  agentId: string | null;
  model: string;
  version: string | null;
  /** TTL in force before the request (from the conversation's latest writes) */
  ttl: '5m' | '1h' | null;
  gapMs: number | null;
  expectedReadTokens: number;
  readTokens: number;
  tokensRewritten: number;
  /** null when the model has no known price */
  wastedUSD: number | null;
  /** for 'partial': the earlier level the read fell back to */
  level: number | null;
  evidence: string[];
  /**
   * Claude Code's own verdict when its status line reported one (main thread only):
   * the first `prompt_cache.last_miss_cause` the status line received for this
   * session within 15 minutes after the request
   */
  claudeCode: { lastMissCause: string; reportedAt: string } | null;
  /** request ids, for bug reports */
  messageId: string;
  requestId: string | null;
  previousMessageId: string | null;
  previousRequestId: string | null;
}

export interface WasteGroup {
  key: string;
  rebuilds: number;
  tokensRewritten: number;
  wastedUSD: number;
  /** share of all wasted dollars (0..1) */
  share: number;
}

export interface BreaksReport extends ReportMeta {
  kind: 'breaks';
  rules: { minTokens: number; minShare: number; ttlSlackMs: number; fanoutWindowMs: number; causes: readonly string[] };
  summary: {
    /** rebuilds that cost money (conversation starts excluded) */
    rebuilds: number;
    tokensRewritten: number;
    wastedUSD: number;
    /** conversation starts (cold starts and first requests after /clear): reported, not waste */
    starts: number;
    startTokens: number;
    /** share of wasted dollars whose cause is 'unexplained' */
    unexplainedShare: number;
    unpricedRebuilds: number;
  };
  byCause: WasteGroup[];
  byProject: WasteGroup[];
  byVersion: WasteGroup[];
  byWeek: WasteGroup[];
  /** the rebuilds that pass the filters, costliest first */
  rebuilds: BreakRow[];
}

export interface BreaksOptions {
  causes: RebuildCause[] | null;
  minUSD: number;
  /** include conversation starts in the list (they are never waste) */
  includeStarts: boolean;
  /** Claude Code's own cache reports (status line `prompt_cache`), in time order */
  ccReports?: readonly ClaudeCodeCacheReport[];
}

/** How long after a request a status-line report is taken to describe it. */
export const CC_REPORT_WINDOW_MS = 15 * 60_000;

function verdict(r: Rebuild, reports: readonly ClaudeCodeCacheReport[]): BreakRow['claudeCode'] {
  if (r.agentId !== null) return null;
  const t = r.request.timestamp;
  const hit = reports.find(
    (x) => x.sessionId === r.sessionId && x.timestamp >= t && x.timestamp <= t + CC_REPORT_WINDOW_MS && typeof x.promptCache.last_miss_cause === 'string',
  );
  return hit ? { lastMissCause: hit.promptCache.last_miss_cause as string, reportedAt: new Date(hit.timestamp).toISOString() } : null;
}

function row(r: Rebuild, reports: readonly ClaudeCodeCacheReport[]): BreakRow {
  return {
    cause: r.cause,
    timestamp: new Date(r.request.timestamp).toISOString(),
    project: r.project,
    sessionId: r.sessionId,
    agentId: r.agentId,
    model: r.request.model,
    version: r.request.version,
    ttl: r.ttl,
    gapMs: r.gapMs,
    expectedReadTokens: r.expectedRead,
    readTokens: r.read,
    tokensRewritten: r.tokensRewritten,
    wastedUSD: r.wasteUSD === null ? null : usd(r.wasteUSD),
    level: r.level,
    evidence: r.evidence,
    claudeCode: verdict(r, reports),
    messageId: r.request.messageId,
    requestId: r.request.requestId,
    previousMessageId: r.previous?.messageId ?? null,
    previousRequestId: r.previous?.requestId ?? null,
  };
}

function group(list: Rebuild[], keyOf: (r: Rebuild) => string, total: number): WasteGroup[] {
  const m = new Map<string, WasteGroup>();
  for (const r of list) {
    const k = keyOf(r);
    const g = m.get(k) ?? { key: k, rebuilds: 0, tokensRewritten: 0, wastedUSD: 0, share: 0 };
    g.rebuilds++;
    g.tokensRewritten += r.tokensRewritten;
    g.wastedUSD += r.wasteUSD ?? 0;
    m.set(k, g);
  }
  return [...m.values()]
    .map((g) => ({ ...g, wastedUSD: usd(g.wastedUSD), share: total > 0 ? g.wastedUSD / total : 0 }))
    .sort((a, b) => b.wastedUSD - a.wastedUSD || b.tokensRewritten - a.tokensRewritten);
}

export function buildBreaks(ds: Dataset, analysis: CacheAnalysis, meta: ReportMeta, opts: BreaksOptions): BreaksReport {
  const waste = analysis.rebuilds.filter(isWaste);
  const starts = analysis.rebuilds.filter((r) => !isWaste(r));
  const total = waste.reduce((s, r) => s + (r.wasteUSD ?? 0), 0);
  const unexplained = waste.filter((r) => r.cause === 'unexplained').reduce((s, r) => s + (r.wasteUSD ?? 0), 0);
  const cal = ds.calendar;
  const listed = (opts.includeStarts || (opts.causes && opts.causes.some((c) => c === 'cold-start' || c === 'clear')) ? analysis.rebuilds : waste)
    .filter((r) => (opts.causes === null || opts.causes.includes(r.cause)) && (r.wasteUSD ?? 0) >= opts.minUSD)
    .sort((a, b) => (b.wasteUSD ?? 0) - (a.wasteUSD ?? 0) || b.tokensRewritten - a.tokensRewritten || a.request.timestamp - b.request.timestamp);
  return {
    ...meta,
    kind: 'breaks',
    rules: { minTokens: REBUILD_MIN_TOKENS, minShare: REBUILD_MIN_SHARE, ttlSlackMs: TTL_SLACK_MS, fanoutWindowMs: FANOUT_WINDOW_MS, causes: CAUSES },
    summary: {
      rebuilds: waste.length,
      tokensRewritten: waste.reduce((s, r) => s + r.tokensRewritten, 0),
      wastedUSD: usd(total),
      starts: starts.length,
      startTokens: starts.reduce((s, r) => s + r.tokensRewritten, 0),
      unexplainedShare: total > 0 ? unexplained / total : 0,
      unpricedRebuilds: waste.filter((r) => r.wasteUSD === null).length,
    },
    byCause: group(waste, (r) => r.cause, total),
    byProject: group(waste, (r) => r.project, total),
    byVersion: group(waste, (r) => r.request.version ?? 'unknown', total),
    byWeek: group(waste, (r) => cal.period(r.request.timestamp, 'week'), total).sort((a, b) => (a.key < b.key ? -1 : 1)),
    rebuilds: listed.map((r) => row(r, opts.ccReports ?? [])),
  };
}
