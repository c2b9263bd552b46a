// The I/O edge: find transcripts (or the demo), scan them, load prices, and
// hand pure stages a prepared dataset.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../accounting/index.js';
import { createCalendar, isValidTimeZone, parseDateArg, type Calendar } from '../accounting/time.js';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';
import { systemTimeZone, userCacheDir, userDataDir } from '../discover/paths.js';
import type { Pricing } from '../pricing/index.js';
import type { ReportMeta, StoreInfo } from '../report/meta.js';
import type { ProxyFinding } from '../domain/proxy.js';
import { emptyIssues, type ClaudeCodeCacheReport, type ScanResult, type ScanStats } from '../domain/types.js';
import { promptCacheLog } from '../live/state.js';
import { parseCcReports } from '../store/cc-reports.js';
import { openSqliteStore, StoreVersionError, type SqliteStore } from '../store/sqlite.js';
import { refreshStore } from '../store/refresh.js';
import { backgroundMinBytes, isIndexChild, startIndexer, takeLock, unreadBytes } from './background-index.js';
import { CliError } from './errors.js';
import type { PartsLoaded } from './parts.js';

export interface CommonOptions {
  dir?: string[];
  /** --db PATH */
  db?: string;
  /** false with --no-store: read the transcripts directly */
  store?: boolean;
  /** --from postgres://…: report on the team database instead of this machine */
  from?: string;
  since?: string;
  until?: string;
  tz?: string;
  project?: string;
  /** --model TEXT: only models whose id contains it */
  model?: string;
  pricing?: string;
}

export interface Loaded {
  ds: Dataset;
  /** Claude Code's own cache reports in the range (from the store, or the status line's log with --no-store) */
  ccReports: ClaudeCodeCacheReport[];
  /** what `cachelens proxy` diagnosed in the range (from the store; none with --no-store) */
  proxyFindings: ProxyFinding[];
  pricing: Pricing;
  meta: ReportMeta;
  /** set when nothing was found: where we looked */
  notFound: string[] | null;
}

const DEMO_STAMP = '.cachelens-demo';

/** Writes (once per version) and returns the demo config dir in the user cache. */
export async function ensureDemoDir(version: string): Promise<string> {
  const dir = path.join(userCacheDir(), `demo-${version}`);
  const stamp = path.join(dir, DEMO_STAMP);
  try {
    if (fs.readFileSync(stamp, 'utf8') === version) return dir;
  } catch {
    /* not written yet */
  }
  const { writeDemoTree } = await import('../demo/index.js');
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
/** A finished output, or how to make one from the data. */
export interface OutputSpec {
  /** everything the output depends on besides the data (command, options, format, width...); null = never cache */
  cacheKey: unknown | null;
  build: (loaded: Loaded) => string | Promise<string>;
  /**
   * The same output from per-session parts (report only): with the store, a
   * run after an append then recomputes only the sessions that changed.
   */
  buildFromParts?: (loaded: PartsLoaded) => string | Promise<string>;
  /**
   * A one-shot command: when the store has much to read (a first run), it may
   * answer from the transcripts directly and fill the store in a detached
   * copy of itself (background-index.ts); and when it is likely to read
   * without the store, its workers start before the files are found (a
   * server's repeated requests would start them for nothing), and the main
   * thread reads a share of the files itself (a server's would stop
   * answering meanwhile).
   */
  background?: boolean;
}

/** `events`: also read conversation events (compaction, commands); costs extra passes over the bytes. */
export async function loadData(opts: CommonOptions, version: string, needs: { events?: boolean } = {}): Promise<Loaded> {
  let loaded: Loaded | null = null;
  await produce(opts, version, needs, { cacheKey: null, build: (l) => ((loaded = l), '') });
  return loaded!;
}

/**
 * Loads the data the options ask for and builds the output. With the store,
 * an output whose key and data generation match a previous run is printed
 * again without loading anything.
 */
export async function produce(opts: CommonOptions, version: string, needs: { events?: boolean }, spec: OutputSpec): Promise<{ output: string; notFound: string[] | null }> {
  const tz = opts.tz ?? systemTimeZone();
  // ICU starts only when an output has to be built (a cached re-run never needs it)
  let cal: Calendar | null = null;
  const calendarOf = (): Calendar => {
    if (!cal) {
      if (!isValidTimeZone(tz)) throw new CliError(`--tz: unknown time zone '${tz}' (use an IANA name such as Europe/Berlin or UTC)`);
      cal = createCalendar(tz);
    }
    return cal;
  };
  const since = checkDate('since', opts.since);
  const until = checkDate('until', opts.until);
  if (since && until && since > until) throw new CliError(`--since ${since} is after --until ${until}`);
  // the price table is read only when an output has to be built; an override file is part of the cache key
  const overrideFile = opts.pricing ? path.resolve(opts.pricing) : undefined;
  let pricingKey = '';
  if (overrideFile) {
    try {
      pricingKey = createHash('sha1').update(fs.readFileSync(overrideFile)).digest('hex');
    } catch (err) {
      throw new CliError(`--pricing: ${(err as Error).message}`);
    }
  }
  const getPricing = async (): Promise<Pricing> => {
    const { loadPricing } = await import('../pricing/index.js');
    try {
      return loadPricing(overrideFile ? { overrideFile } : {});
    } catch (err) {
      throw new CliError(`--pricing: ${(err as Error).message}`);
    }
  };
  const project = opts.project ?? null;
  const model = opts.model ?? null;
  const filters = { since, until, project, model };
  const dirs = resolveConfigDirs({ dirs: opts.dir });
  // a report read without the store (asked for, or a first run's) reads a large input in worker threads:
  // they start while the files are found; unused, they are stopped (and never hold the process)
  const coldLikely = spec.buildFromParts && spec.background && !opts.from && dirs.projectsDirs.length > 0 && (opts.store === false || (!isIndexChild() && !fs.existsSync(storePath(opts))));
  const early = coldLikely ? await (await import('./parts.js')).startColdWorkers() : null;
  const problems: { path: string; error: string }[] = [];
  const files = discoverFiles(dirs.projectsDirs, problems);
  const metaOf = (stats: ScanStats, sources: string[], demo: boolean, store: StoreInfo | null): ReportMeta => {
    stats.unreadableFiles.push(...problems);
    return { demo, sources, filters: { since, until, tz, project, model }, scan: stats, store };
  };
  const finish = async (
    data: ScanData,
    stats: ScanStats,
    sources: string[],
    demo: boolean,
    notFound: string[] | null,
    store: StoreInfo | null,
    ccReports: ClaudeCodeCacheReport[] = [],
    proxyFindings: ProxyFinding[] = [],
  ): Promise<Loaded> => {
    const meta = metaOf(stats, sources, demo, store);
    const pricing = await getPricing();
    const { prepareDataset } = await import('../accounting/index.js');
    const ds = prepareDataset(data, pricing, calendarOf(), filters);
    const inRange = (t: number): boolean => t >= (ds.range.from ?? -Infinity) && t < (ds.range.to ?? Infinity);
    return { ds, pricing, notFound, meta, ccReports: ccReports.filter((r) => inRange(r.timestamp)), proxyFindings: proxyFindings.filter((f) => inRange(Date.parse(f.timestamp))) };
  };
  if (opts.from) {
    // the team's records, read from PostgreSQL; never cached (other machines change them)
    const { loadTeamData, redactUrl, teamOverview } = await import('./team.js');
    const from = since ? calendarOf().startOfDay(since) : null;
    const to = until ? calendarOf().startOfDay(nextDay(until)) : null;
    const stats = { ...emptyIssues(), files: 0, bytes: 0, usageLines: 0, workers: 0, elapsedMs: 0 };
    if (spec.buildFromParts) {
      // summed on the server: the client never holds the team's records
      const pricing = await getPricing();
      const merged = await teamOverview(opts.from, tz, pricing, { from, to }, { project, model });
      return { output: await spec.buildFromParts({ merged, pricing, meta: metaOf(stats, [redactUrl(opts.from)], false, null), range: { from, to } }), notFound: null };
    }
    const data = await loadTeamData(opts.from, { from, to });
    return { output: await spec.build(await finish(data, stats, [redactUrl(opts.from)], false, null, null)), notFound: null };
  }
  // the transcripts read now, without the store
  const direct = async (): Promise<{ output: string; notFound: string[] | null }> => {
    if (spec.buildFromParts) {
      // the overview from per-session parts, made a session's records at a time (in worker threads for a large input)
      const cal = calendarOf();
      const { coldParts } = await import('./parts.js');
      const { merged, stats, pricing } = await coldParts(files, { tz, filters, pricingFile: overrideFile }, getPricing, cal, early, spec.background === true);
      const range = { from: since ? cal.startOfDay(since) : null, to: until ? cal.startOfDay(nextDay(until)) : null };
      return { output: await spec.buildFromParts({ merged, pricing, meta: metaOf(stats, dirs.projectsDirs, false, null), range }), notFound: null };
    }
    const { scanFiles } = await import('../scan/index.js');
    const scan = await scanFiles(files, { events: needs.events === true });
    return { output: await spec.build(await finish(scan, scan.stats, dirs.projectsDirs, false, null, null, readCcLog())), notFound: null };
  };
  if (opts.store !== false) {
    const db = storePath(opts);
    // the detached indexer of a first run (background-index.ts): one at a time
    const unlock = isIndexChild() ? takeLock(db) : null;
    if (isIndexChild() && !unlock) return { output: '', notFound: null };
    const store = openStore(db);
    try {
      const minBytes = spec.background && !isIndexChild() ? backgroundMinBytes() : null;
      const unread = minBytes === null ? 0 : unreadBytes(files, store.files());
      if (minBytes !== null && unread > 0 && unread >= minBytes) {
        // much to read into the store: answer from the transcripts now, fill the store in the background
        store.close();
        const answer = await direct();
        // started once this run's work is done: both would share the cores
        try {
          const pid = startIndexer(db);
          process.stderr.write(`cachelens: read the transcripts directly; the store is being filled in the background${pid ? ` (pid ${pid})` : ''}, so later runs are quick.\n`);
        } catch (err) {
          // the answer stands; the next run tries again
          process.stderr.write(`cachelens: read the transcripts directly; could not start filling the store in the background: ${(err as Error).message}\n`);
        }
        return answer;
      }
      early?.stop();
      const refresh = files.length > 0 ? await refreshStore(store, files, (f) => f.root) : null;
      store.ccReports.ingest(promptCacheLog(process.env));
      if (overrideFile) await getPricing(); // a bad --pricing file fails before a cached output is printed
      const candidates = dirs.looked.flatMap((e) => [e, path.join(e, 'projects')]);
      const roots = opts.dir?.length ? dirs.projectsDirs : [...candidates, ...store.roots().filter((r) => r.startsWith('import:'))];
      const generation = store.generation();
      const key =
        spec.cacheKey === null || problems.length > 0
          ? null
          : createHash('sha1').update(JSON.stringify({ v: version, k: spec.cacheKey, roots, tz, since, until, project, model, pricingKey, events: needs.events === true })).digest('hex');
      const hit = key ? store.cachedOutput(key) : null;
      if (hit !== null) return { output: hit, notFound: null };
      const from = since ? calendarOf().startOfDay(since) : null;
      const to = until ? calendarOf().startOfDay(nextDay(until)) : null;
      const storeInfo = (): StoreInfo => {
        const counts = store.counts();
        return { path: store.path, machineId: store.machineId, requests: counts.requests, trackedFiles: counts.files, filesRead: refresh?.filesRead ?? 0, bytesRead: refresh?.bytesRead ?? 0 };
      };
      const stats = refresh?.stats ?? { ...emptyIssues(), files: 0, bytes: 0, usageLines: 0, workers: 0, elapsedMs: 0 };
      // only outputs of runs that read nothing are cached: their per-run scan figures are the same on every such run
      const keep = (output: string): void => {
        if (key && (refresh === null || refresh.filesRead === 0)) store.cacheOutput(key, output, generation);
      };
      if (spec.buildFromParts) {
        const pricing = await getPricing();
        const { sessionParts } = await import('./parts.js');
        const partsKey = createHash('sha1').update(JSON.stringify({ v: version, roots, tz, since, until, project, model, pricingKey })).digest('hex');
        const { parts } = sessionParts({ store, key: partsKey, roots, range: { from, to }, filters, calendar: calendarOf(), pricing });
        if (files.length > 0 || parts.length > 0) {
          const { mergeParts } = await import('../report/parts.js');
          const output = await spec.buildFromParts({ merged: mergeParts(parts), pricing, meta: metaOf(stats, dirs.projectsDirs, false, storeInfo()), range: { from, to } });
          keep(output);
          return { output, notFound: null };
        }
      } else {
        const data = store.load({ from, to }, roots);
        if (files.length > 0 || data.requests.length > 0 || data.apiErrors.length > 0) {
          const output = await spec.build(await finish(data, stats, dirs.projectsDirs, false, null, storeInfo(), store.ccReports.load({ from, to }), store.proxyLog.findings({ from, to })));
          keep(output);
          return { output, notFound: null };
        }
      }
    } finally {
      store.close();
      unlock?.();
    }
  } else if (files.length > 0) return direct();
  early?.stop();
  // nothing found anywhere: the demo, scanned directly (never stored)
  const demoDir = await ensureDemoDir(version);
  const d = resolveConfigDirs({ dirs: [demoDir] });
  const { scanFiles } = await import('../scan/index.js');
  const scan = await scanFiles(discoverFiles(d.projectsDirs, problems), { events: needs.events === true });
  return { output: await spec.build(await finish(scan, scan.stats, d.projectsDirs, true, dirs.looked, null)), notFound: dirs.looked };
}

/** The status line's log of Claude Code's cache reports, read directly (--no-store). */
function readCcLog(): ClaudeCodeCacheReport[] {
  try {
    return parseCcReports(fs.readFileSync(promptCacheLog(process.env), 'utf8'));
  } catch {
    return []; // no status line in use
  }
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

function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
