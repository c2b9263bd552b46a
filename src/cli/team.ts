// The team commands: `cachelens sync --to postgres://...` and the loaders that
// `report|sessions|breaks|whatif --from postgres://...` use. Credentials come
// only from the URL, the PG* environment variables or ~/.pgpass; any URL that
// is printed has its password masked.
import { finishTotals, newAccumulator, type Accumulator, type Totals } from '../accounting/aggregate.js';
import { addRow, rowUnitPrices } from '../report/team-overview.js';
import type { Pricing } from '../pricing/index.js';
import type { MergedParts } from '../report/parts.js';
import { REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS } from '../cache/thresholds.js';
import {
  loadFromPg,
  openPgStore,
  redactText,
  redactUrl,
  syncToPg,
  type PgStore,
  type SyncResult,
  type TeamFilter,
} from '../store/postgres.js';
import { teamGroupCounts, teamTokenSums, type TeamTokenRow } from '../store/pg-overview.js';
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
  const acc = new Map<string, Accumulator>();
  for (const r of rows) {
    let a = acc.get(r.group);
    if (!a) acc.set(r.group, (a = newAccumulator()));
    addRow(a, r, rowUnitPrices(pricing, r));
  }
  const out: TeamGroupRow[] = [];
  for (const [key, a] of acc) {
    const c = counts?.get(key);
    a.sessionCount = c?.sessions ?? 0;
    a.apiErrors = c?.apiErrors ?? 0;
    out.push({ key, totals: finishTotals(a) });
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
    // one connection: one query at a time
    const sums = await teamTokenSums(s, by, range, filter);
    const counts = await teamGroupCounts(s, by, range, filter);
    return teamTotalsFromSums(sums, pricing, counts);
  } finally {
    await s.close().catch(() => {});
  }
}
