// The team commands: `cachelens sync --to postgres://...` and the loaders that
// `report|sessions|breaks|whatif --from postgres://...` use. Credentials come
// only from the URL, the PG* environment variables or ~/.pgpass; any URL that
// is printed has its password masked.
import type { Totals } from '../accounting/aggregate.js';
import type { Pricing } from '../pricing/index.js';
import type { MergedParts } from '../report/parts.js';
import { REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS } from '../cache/thresholds.js';
import {
  INPUT_TIER_THRESHOLDS,
  loadFromPg,
  openPgStore,
  redactText,
  redactUrl,
  syncToPg,
  teamGroupCounts,
  teamTokenSums,
  type PgStore,
  type SyncResult,
  type TeamFilter,
  type TeamTokenRow,
} from '../store/postgres.js';
import { CliError } from './errors.js';
import { storePath } from './load.js';

export { redactUrl };

export interface SyncCliOptions {
  /** postgres://user@host:port/db?sslmode=require (password best left to PGPASSWORD or ~/.pgpass) */
  to: string;
  /** user label stored on every row (default: the OS user name) */
  user?: string;
  /** the local store (--db PATH; default: the user data dir's cachelens.db) */
  db?: string;
  /** config dirs to bring the local store up to date from first (default: the usual ones) */
  dir?: string[];
  /** false: push the store as it is, without scanning transcripts first */
  refresh?: boolean;
  /** rows per batch (default 5000) */
  batchRows?: number;
}

function checkUrl(url: string, option: string): void {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new CliError(`${option} expects a postgres:// or postgresql:// URL, got '${redactUrl(url)}'`);
}

async function connect(url: string, option: string): Promise<PgStore> {
  checkUrl(url, option);
  try {
    return await openPgStore(url);
  } catch (err) {
    throw new CliError(redactText((err as Error).message, url), 'credentials come from the URL, PGUSER/PGPASSWORD or ~/.pgpass; TLS from ?sslmode=...');
  }
}

/** `cachelens sync --to URL`: refresh the local store, push it, print the counts (never the password). */
export async function runSync(opts: SyncCliOptions, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<SyncResult> {
  const { openSqliteStore } = await import('../store/sqlite.js');
  const file = storePath({ db: opts.db });
  const local = openSqliteStore(file);
  try {
    if (opts.refresh !== false) {
      const { discoverFiles, resolveConfigDirs } = await import('../discover/index.js');
      const { refreshStore } = await import('../store/refresh.js');
      const dirs = resolveConfigDirs({ dirs: opts.dir });
      const files = discoverFiles(dirs.projectsDirs, []);
      if (files.length > 0) await refreshStore(local, files, (f) => f.root);
    }
    const pgStore = await connect(opts.to, '--to');
    try {
      const r = await syncToPg(local, pgStore, { user: opts.user, batchRows: opts.batchRows });
      const n = r.requests + r.apiErrors + r.events;
      const rate = r.elapsedMs > 0 ? Math.round((n * 1000) / r.elapsedMs) : n;
      out(
        `synced ${r.requests} requests, ${r.apiErrors} API errors, ${r.events} events from machine ${r.machineId} (user ${r.user}) ` +
          `to ${pgStore.displayUrl} in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.batches} batches, ${rate} records/s)`,
      );
      return r;
    } catch (err) {
      throw new CliError(`sync to ${redactUrl(opts.to)} failed: ${redactText((err as Error).message, opts.to)}`, 'run the same sync again: it resumes and converges');
    } finally {
      await pgStore.close().catch(() => {});
    }
  } finally {
    local.close();
  }
}

/**
 * The team's records for `--from URL`, in the plain shapes `prepareDataset`
 * takes (each request also carries `machineId` and `user`).
 */
export async function loadTeamData(url: string, range: { from: number | null; to: number | null } = { from: null, to: null }, filter: TeamFilter = {}) {
  const s = await connect(url, '--from');
  try {
    return await loadFromPg(s, range, filter);
  } finally {
    await s.close().catch(() => {});
  }
}

/** `report --from URL`: the overview's sums, computed on the server and priced here. */
export async function teamOverview(url: string, tz: string, pricing: Pricing, range: { from: number | null; to: number | null }, filter: TeamFilter = {}): Promise<MergedParts> {
  const s = await connect(url, '--from');
  try {
    const { teamOverviewSums } = await import('../store/pg-overview.js');
    const { teamMergedParts } = await import('../report/team-overview.js');
    const { sums, counts } = await teamOverviewSums(s, tz, { minTokens: REBUILD_MIN_TOKENS, minShare: REBUILD_MIN_SHARE }, range, filter);
    return teamMergedParts(sums, counts, pricing);
  } finally {
    await s.close().catch(() => {});
  }
}

/** One `--by user|machine` row: a user label or machine id and its totals. */
export interface TeamGroupRow {
  key: string;
  totals: Totals;
}

const usd = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Pure: prices the server's token sums (one row per group, model, UTC day,
 * speed, geo and input tier) and folds them into one Totals per group, sorted
 * by cost. Cost is linear in tokens once the unit prices are fixed, and the
 * unit prices depend only on the model, the date, speed, geo and the input
 * tier, which is exactly what the server grouped by. `counts` supplies the
 * distinct sessions and API errors per group (they do not add up across rows).
 * Rebuild figures need the per-request replay and stay 0 here.
 */
export function teamTotalsFromSums(rows: TeamTokenRow[], pricing: Pricing, counts?: Map<string, { sessions: number; apiErrors: number }>): TeamGroupRow[] {
  const acc = new Map<string, { requests: number; input: number; output: number; w5: number; w1: number; read: number; cost: number; noCache: number; unpriced: number }>();
  for (const r of rows) {
    let a = acc.get(r.group);
    if (!a) acc.set(r.group, (a = { requests: 0, input: 0, output: 0, w5: 0, w1: 0, read: 0, cost: 0, noCache: 0, unpriced: 0 }));
    a.requests += r.requests;
    a.input += r.input;
    a.output += r.output;
    a.w5 += r.cacheWrite5m;
    a.w1 += r.cacheWrite1h;
    a.read += r.cacheRead;
    // a probe request on the row's UTC day whose total input falls in the row's tier
    const probeInput = r.inputTier === 0 ? 0 : INPUT_TIER_THRESHOLDS[r.inputTier - 1]! + 1;
    const p = pricing.unitPrices({
      model: r.model, timestamp: Date.parse(`${r.day}T00:00:00Z`), input: probeInput, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0,
      speed: r.speed, inferenceGeo: r.inferenceGeo,
    });
    if (!p) {
      a.unpriced += r.requests;
      continue;
    }
    a.cost += r.input * p.input + r.cacheWrite5m * p.cacheWrite5m + r.cacheWrite1h * p.cacheWrite1h + r.cacheRead * p.cacheRead + r.output * p.output;
    a.noCache += (r.input + r.cacheWrite5m + r.cacheWrite1h + r.cacheRead) * p.input + r.output * p.output;
  }
  const out: TeamGroupRow[] = [];
  for (const [key, a] of acc) {
    const total = a.input + a.w5 + a.w1 + a.read;
    const c = counts?.get(key);
    out.push({
      key,
      totals: {
        requests: a.requests, sessions: c?.sessions ?? 0, apiErrors: c?.apiErrors ?? 0,
        inputTokens: a.input, outputTokens: a.output, cacheWrite5mTokens: a.w5, cacheWrite1hTokens: a.w1, cacheReadTokens: a.read,
        nonCachedTokens: a.input + a.output, totalTokens: total + a.output, hitRate: total > 0 ? a.read / total : 0,
        costUSD: usd(a.cost), noCacheCostUSD: usd(a.noCache), unpricedRequests: a.unpriced, rebuilds: 0, wastedUSD: 0,
      },
    });
  }
  return out.sort((x, y) => y.totals.costUSD - x.totals.costUSD || (x.key < y.key ? -1 : 1));
}

/** `report --from URL --by user|machine`: per-group Totals, aggregated on the server, priced here. */
export async function teamTotals(
  url: string,
  by: 'user' | 'machine',
  pricing: Pricing,
  range: { from: number | null; to: number | null } = { from: null, to: null },
  filter: TeamFilter = {},
): Promise<TeamGroupRow[]> {
  const s = await connect(url, '--from');
  try {
    const [sums, counts] = await Promise.all([teamTokenSums(s, by, range, filter), teamGroupCounts(s, by, range, filter)]);
    return teamTotalsFromSums(sums, pricing, counts);
  } finally {
    await s.close().catch(() => {});
  }
}
