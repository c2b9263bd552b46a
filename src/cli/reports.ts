// Option checks and report making shared by the CLI commands and the
// dashboard's JSON API, so both return the very same report objects.
// Builders are imported when a report is made.
import type { PeriodKind } from '../accounting/index.js';
import { CAUSES, type RebuildCause } from '../cache/rebuilds.js';
import type { OverviewReport } from '../report/overview.js';
import type { SessionReport, SessionsReport } from '../report/sessions.js';
import type { BreaksReport } from '../report/breaks.js';
import type { WhatifReport } from '../report/whatif.js';
import { CliError } from './errors.js';
import type { Loaded } from './load.js';
import type { PartsLoaded } from './parts.js';
import type { Pricing } from '../pricing/index.js';

export interface OverviewOptions {
  by: PeriodKind;
  plan: [string, number] | null;
  team: 'user' | 'machine' | null;
  git: boolean;
}

export async function overviewOptions(o: { by?: string; plan?: string; from?: string; git?: boolean }): Promise<OverviewOptions> {
  const byArg = o.by ?? 'week';
  const team = byArg === 'user' || byArg === 'machine' ? byArg : null;
  if (team && !o.from) throw new CliError(`--by ${byArg} needs --from postgres://… (the team database)`);
  const by = (team ? 'week' : byArg) as PeriodKind;
  if (!['day', 'week', 'month'].includes(by)) throw new CliError(`--by expects day, week, month (or user, machine with --from), got '${byArg}'`);
  const { parsePlan } = await import('../report/overview.js');
  const plan = o.plan === undefined ? null : parsePlan(o.plan);
  if (o.plan !== undefined && !plan) throw new CliError(`--plan expects pro, max5, max20 or a USD amount per month, got '${o.plan}'`);
  return { by, plan, team, git: o.git === true };
}

export async function makeOverview({ ds, pricing, meta }: Loaded, opts: OverviewOptions, from?: string): Promise<OverviewReport> {
  const { analyzeCache, wasteLookup } = await import('../cache/index.js');
  const { buildOverview } = await import('../report/overview.js');
  const { gitCommitCounts } = await import('./git.js');
  const waste = wasteLookup(analyzeCache(ds, pricing));
  const git = opts.git && ds.requests.length > 0 ? gitCommitCounts(ds) : null;
  const report = buildOverview(ds, pricing, meta, { by: opts.by, plan: opts.plan, since: meta.filters.since, until: meta.filters.until, waste, git });
  return withTeamRows(report, opts, from, pricing, ds.range);
}

/** The same overview from merged sums: the store's per-session parts, or the team database's sums (`--from`). */
export async function makeOverviewFromParts({ merged, pricing, meta, range }: PartsLoaded, opts: OverviewOptions, from?: string): Promise<OverviewReport> {
  const { finishOverview } = await import('../report/overview.js');
  const report = finishOverview(merged, pricing, meta, { by: opts.by, plan: opts.plan, since: meta.filters.since, until: meta.filters.until });
  return withTeamRows(report, opts, from, pricing, range);
}

/** With --from and --by user|machine: one Totals row per user or machine, summed on the server, priced here. */
async function withTeamRows(report: OverviewReport, opts: OverviewOptions, from: string | undefined, pricing: Pricing, range: { from: number | null; to: number | null }): Promise<OverviewReport> {
  if (!opts.team || !from) return report;
  const { teamTotals } = await import('./team.js');
  const rows = await teamTotals(from, opts.team, pricing, range, { project: report.filters.project, model: report.filters.model ?? null });
  return { ...report, team: { by: opts.team, rows: rows.map((r) => ({ key: r.key, ...r.totals })) } };
}

export async function makeSessions({ ds, pricing, meta }: Loaded): Promise<SessionsReport> {
  const { analyzeCache, wasteLookup } = await import('../cache/index.js');
  return (await import('../report/sessions.js')).buildSessions(ds, meta, wasteLookup(analyzeCache(ds, pricing)));
}

/** `session` needs the conversation events (load with `{ events: true }`). */
export async function makeSession({ ds, pricing, meta }: Loaded, id: string): Promise<SessionReport> {
  const { analyzeCache, wasteLookup } = await import('../cache/index.js');
  const { buildSession, resolveSessionId } = await import('../report/sessions.js');
  let sessionId: string;
  try {
    sessionId = resolveSessionId(ds, id);
  } catch (err) {
    throw new CliError((err as Error).message, 'list sessions with: cachelens sessions');
  }
  const analysis = analyzeCache(ds, pricing);
  return buildSession(ds, pricing, meta, sessionId, analysis, wasteLookup(analysis));
}

export interface BreaksOptions {
  causes: RebuildCause[] | null;
  minUSD: number;
  limit: number;
  includeStarts: boolean;
}

export function breaksOptions(o: { cause?: string[]; minUsd?: string; limit?: string; all?: boolean }): BreaksOptions {
  const causes = o.cause?.flatMap((c) => c.split(',')).map((c) => c.trim()) ?? null;
  const unknown = causes?.filter((c) => !(CAUSES as readonly string[]).includes(c)) ?? [];
  if (unknown.length) throw new CliError(`--cause: unknown cause '${unknown[0]}'`, `causes: ${CAUSES.join(', ')}`);
  const minUSD = Number(o.minUsd ?? '0');
  if (!Number.isFinite(minUSD) || minUSD < 0) throw new CliError(`--min-usd expects a non-negative number, got '${o.minUsd}'`);
  const limit = Number(o.limit ?? '25');
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit expects a positive whole number, got '${o.limit}'`);
  return { causes: causes as RebuildCause[] | null, minUSD, limit, includeStarts: o.all === true };
}

/** `breaks` needs the conversation events (load with `{ events: true }`). */
export async function makeBreaks({ ds, pricing, meta, ccReports, proxyFindings }: Loaded, opts: BreaksOptions): Promise<BreaksReport> {
  const { analyzeCache } = await import('../cache/index.js');
  const { buildBreaks } = await import('../report/breaks.js');
  return buildBreaks(ds, analyzeCache(ds, pricing), meta, { causes: opts.causes, minUSD: opts.minUSD, includeStarts: opts.includeStarts, ccReports, proxyFindings });
}

export interface WhatifOptions {
  keepAliveMinutes: number[];
  maxIdleMinutes: number;
  /** also replay every policy through the API prompt-cache model */
  apiModel: boolean;
}

export function whatifOptions(o: { keepAlive?: string[]; maxIdle?: string; apiModel?: boolean }): WhatifOptions {
  const keepAliveMinutes = (o.keepAlive ?? ['4']).flatMap((v) => v.split(',')).map(Number);
  const bad = keepAliveMinutes.find((m) => !Number.isFinite(m) || m <= 0 || m >= 5);
  if (bad !== undefined) throw new CliError(`--keep-alive expects minutes between 0 and 5 (a ping must land before the 5-minute TTL ends), got '${bad}'`);
  const maxIdleMinutes = Number(o.maxIdle ?? '60');
  if (!Number.isFinite(maxIdleMinutes) || maxIdleMinutes < 0) throw new CliError(`--max-idle expects minutes, got '${o.maxIdle}'`);
  return { keepAliveMinutes, maxIdleMinutes, apiModel: o.apiModel === true };
}

export async function makeWhatif({ ds, pricing, meta }: Loaded, opts: WhatifOptions): Promise<WhatifReport> {
  const { analyzeCache } = await import('../cache/index.js');
  const { buildWhatif } = await import('../report/whatif.js');
  return buildWhatif(ds, analyzeCache(ds, pricing), pricing, meta, opts);
}
