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
import type { ProxyFinding } from '../domain/proxy.js';
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
  /** what `cachelens proxy` saw in this request's body, when it was in the way (docs/proxy.md) */
  proxy: ProxyProof | null;
  /** request ids, for bug reports */
  messageId: string;
  requestId: string | null;
  previousMessageId: string | null;
  previousRequestId: string | null;
}

/** A proxy finding joined to a rebuild: the block that broke the cache, proven from the request bodies. */
export interface ProxyProof {
  provenBy: 'proxy';
  /** 'request-id': the API request ids are equal; 'session-time': same session, closest finding before the response */
  matchedBy: 'request-id' | 'session-time';
  cause: ProxyFinding['cause'];
  detail: string;
  position: number | null;
  path: string | null;
  tokensRewritten: number;
  /** the finding's row id in the store (proxy_findings.request_id) */
  proxyRequestId: number;
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
  /** what `cachelens proxy` diagnosed in the same dates: counts, and the findings no listed rebuild matched */
  proxy: { findings: number; matched: number; unmatched: (ProxyFinding & { provenBy: 'proxy' })[] };
}

export interface BreaksOptions {
  causes: RebuildCause[] | null;
  minUSD: number;
  /** include conversation starts in the list (they are never waste) */
  includeStarts: boolean;
  /** Claude Code's own cache reports (status line `prompt_cache`), in time order */
  ccReports?: readonly ClaudeCodeCacheReport[];
  /** findings of `cachelens proxy` (from the store), in time order */
  proxyFindings?: readonly ProxyFinding[];
}

/** How long before a transcript's response line a proxy finding of the same session may have started. */
export const PROXY_MATCH_WINDOW_MS = 10 * 60_000;
/** transcript and proxy clocks are the same machine's; allow a little skew the other way */
const PROXY_SKEW_MS = 5_000;

function proxyProof(r: Rebuild, findings: readonly ProxyFinding[], byRequestId: ReadonlyMap<string, ProxyFinding>): ProxyProof | null {
  let f: ProxyFinding | undefined = r.request.requestId ? byRequestId.get(r.request.requestId) : undefined;
  let matchedBy: ProxyProof['matchedBy'] = 'request-id';
  if (!f) {
    // the closest finding of the session that started before this response was written
    const t = r.request.timestamp;
    let best: ProxyFinding | undefined;
    let bestAt = -Infinity;
    for (const x of findings) {
      // a miss below the minimum rewrote nothing; a model of another family is another thread (e.g. a Haiku side request)
      if (x.sessionId !== r.sessionId || x.cause === 'below-minimum' || !(r.request.model.startsWith(x.model) || x.model.startsWith(r.request.model))) continue;
      const at = Date.parse(x.timestamp);
      if (at <= t + PROXY_SKEW_MS && t - at <= PROXY_MATCH_WINDOW_MS && at > bestAt) {
        best = x;
        bestAt = at;
      }
    }
    f = best;
    matchedBy = 'session-time';
  }
  if (!f) return null;
  return { provenBy: 'proxy', matchedBy, cause: f.cause, detail: f.detail, position: f.position, path: f.path, tokensRewritten: f.tokensRewritten, proxyRequestId: f.requestId };
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

function row(r: Rebuild, reports: readonly ClaudeCodeCacheReport[], proxy: ProxyProof | null): BreakRow {
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
    proxy,
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
  const findings = opts.proxyFindings ?? [];
  const byRequestId = new Map(findings.filter((f) => f.apiRequestId !== null).map((f) => [f.apiRequestId!, f]));
  const rows = listed.map((r) => row(r, opts.ccReports ?? [], findings.length ? proxyProof(r, findings, byRequestId) : null));
  const used = new Set(rows.flatMap((x) => (x.proxy ? [x.proxy.proxyRequestId] : [])));
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
    rebuilds: rows,
    proxy: {
      findings: findings.length,
      matched: used.size,
      unmatched: findings.filter((f) => !used.has(f.requestId)).map((f) => ({ ...f, provenBy: 'proxy' as const })),
    },
  };
}
