// The I/O edge: find transcripts (or the demo), scan them, load prices, and
// hand pure stages a prepared dataset.
import fs from 'node:fs';
import path from 'node:path';
import { createCalendar, isValidTimeZone, parseDateArg, prepareDataset, systemTimeZone, type Calendar, type Dataset } from '../accounting/index.js';
import { writeDemoTree } from '../demo/index.js';
import { discoverFiles, resolveConfigDirs, type ConfigDirs, type DiscoveredFile } from '../discover/index.js';
import { userCacheDir, userDataDir } from '../discover/paths.js';
import { loadPricing, type Pricing } from '../pricing/index.js';
import type { ReportMeta, StoreInfo } from '../report/meta.js';
import { emptyIssues, type ScanResult, type ScanStats } from '../domain/types.js';
import { openSqliteStore, StoreVersionError, type SqliteStore } from '../store/sqlite.js';
import { refreshStore } from '../store/refresh.js';
import { scanFiles } from '../scan/index.js';
import { CliError } from './errors.js';

export interface CommonOptions {
  dir?: string[];
  /** --db PATH */
  db?: string;
  /** false with --no-store: read the transcripts directly */
  store?: boolean;
  since?: string;
  until?: string;
  tz?: string;
  project?: string;
  pricing?: string;
}

export interface Loaded {
  ds: Dataset;
  pricing: Pricing;
  meta: ReportMeta;
  /** set when nothing was found: where we looked */
  notFound: string[] | null;
}

const DEMO_STAMP = '.cachelens-demo';

/** Writes (once per version) and returns the demo config dir in the user cache. */
export function ensureDemoDir(version: string): string {
  const dir = path.join(userCacheDir(), `demo-${version}`);
  const stamp = path.join(dir, DEMO_STAMP);
  try {
    if (fs.readFileSync(stamp, 'utf8') === version) return dir;
  } catch {
    /* not written yet */
  }
  writeDemoTree(dir);
  fs.writeFileSync(stamp, version);
  return dir;
}

function checkDate(name: string, v: string | undefined): string | null {
  if (v === undefined) return null;
  const d = parseDateArg(v);
  if (!d) throw new CliError(`--${name} expects a date YYYY-MM-DD, got '${v}'`);
  return d;
}

/** `events`: also read conversation events (compaction, commands); costs extra passes over the bytes. */
export async function loadData(opts: CommonOptions, version: string, needs: { events?: boolean } = {}): Promise<Loaded> {
  const tz = opts.tz ?? systemTimeZone();
  if (!isValidTimeZone(tz)) throw new CliError(`--tz: unknown time zone '${tz}' (use an IANA name such as Europe/Berlin or UTC)`);
  const since = checkDate('since', opts.since);
  const until = checkDate('until', opts.until);
  if (since && until && since > until) throw new CliError(`--since ${since} is after --until ${until}`);
  let pricing: Pricing;
  try {
    pricing = loadPricing(opts.pricing ? { overrideFile: path.resolve(opts.pricing) } : {});
  } catch (err) {
    throw new CliError(`--pricing: ${(err as Error).message}`);
  }
  const calendar = createCalendar(tz);
  const project = opts.project ?? null;
  const filters = { since, until, project };
  const dirs = resolveConfigDirs({ dirs: opts.dir });
  const problems: { path: string; error: string }[] = [];
  const files = discoverFiles(dirs.projectsDirs, problems);
  const finish = (data: ScanData, stats: ScanStats, sources: string[], demo: boolean, notFound: string[] | null, store: StoreInfo | null): Loaded => {
    stats.unreadableFiles.push(...problems);
    const ds = prepareDataset(data, pricing, calendar, filters);
    return { ds, pricing, notFound, meta: { demo, sources, filters: { since, until, tz, project }, scan: stats, store } };
  };
  if (opts.store !== false) {
    const stored = await loadFromStore(opts, files, dirs, calendar, { since, until });
    if (stored) return finish(stored.data, stored.stats, dirs.projectsDirs, false, null, stored.info);
  } else if (files.length > 0) {
    const scan = await scanFiles(files, { events: needs.events === true });
    return finish(scan, scan.stats, dirs.projectsDirs, false, null, null);
  }
  // nothing found anywhere: the demo, scanned directly (never stored)
  const demoDir = ensureDemoDir(version);
  const d = resolveConfigDirs({ dirs: [demoDir] });
  const scan = await scanFiles(discoverFiles(d.projectsDirs, problems), { events: needs.events === true });
  return finish(scan, scan.stats, d.projectsDirs, true, dirs.looked, null);
}

type ScanData = Pick<ScanResult, 'requests' | 'apiErrors' | 'events'>;

/** The store's default file: the user's data dir, or --db. */
export function storePath(opts: { db?: string }): string {
  return opts.db ? path.resolve(opts.db) : path.join(userDataDir(), 'cachelens.db');
}

function openStore(file: string): SqliteStore {
  try {
    return openSqliteStore(file);
  } catch (err) {
    if (err instanceof StoreVersionError) throw new CliError(err.message);
    throw new CliError(`cannot open the store ${file}: ${(err as Error).message}`, 'use --db PATH for another file, or --no-store');
  }
}

/**
 * Refreshes the store from the files found, then reads the records of the
 * roots this run reports on: with --dir, those dirs; by default, the default
 * config dirs (even when they have been emptied since) and every import.
 * Returns null when the store holds nothing for them and no file was found.
 */
async function loadFromStore(
  opts: CommonOptions,
  files: DiscoveredFile[],
  dirs: ConfigDirs,
  calendar: Calendar,
  range: { since: string | null; until: string | null },
): Promise<{ data: ScanData; stats: ScanStats; info: StoreInfo } | null> {
  const file = storePath(opts);
  const store = openStore(file);
  try {
    const refresh = files.length > 0 ? await refreshStore(store, files, (f) => f.root) : null;
    const candidates = dirs.looked.flatMap((e) => [e, path.join(e, 'projects')]);
    const roots = opts.dir?.length ? dirs.projectsDirs : [...candidates, ...store.roots().filter((r) => r.startsWith('import:'))];
    const from = range.since ? calendar.startOfDay(range.since) : null;
    const to = range.until ? calendar.startOfDay(nextDay(range.until)) : null;
    const data = store.load({ from, to }, roots);
    if (files.length === 0 && data.requests.length === 0 && data.apiErrors.length === 0) return null;
    const counts = store.counts();
    const stats = refresh?.stats ?? { ...emptyIssues(), files: 0, bytes: 0, usageLines: 0, workers: 0, elapsedMs: 0 };
    return {
      data,
      stats,
      info: { path: file, machineId: store.machineId, requests: counts.requests, trackedFiles: counts.files, filesRead: refresh?.filesRead ?? 0, bytesRead: refresh?.bytesRead ?? 0 },
    };
  } finally {
    store.close();
  }
}

function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
