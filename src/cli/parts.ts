// The store's incremental report: per-session parts kept in the store, only
// the sessions changed since they were computed are loaded and analysed again.
// Falls back to all sessions when nothing is kept or when the changed
// sessions move the start levels every conversation is judged against.
import { prepareDataset, type Calendar, type Dataset, type Filters } from '../accounting/index.js';
import { analyzeCache, conversationFirsts, startLevelsOf, wasteLookup, type ConversationFirst, type StartLevels } from '../cache/index.js';
import type { Pricing } from '../pricing/index.js';
import type { ReportMeta } from '../report/meta.js';
import { collectParts, decodeParts, encodeParts, mergeParts, type MergedParts, type SessionPart } from '../report/parts.js';
import { rowsSession, rowsSessionPart, type RowsSession } from '../report/rows-parts.js';
import type { SqliteStore } from '../store/sqlite.js';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ScanStats } from '../domain/types.js';
import type { ScanFile, SessionRecords } from '../scan/index.js';
import type { EarlyWorkers } from '../scan/sink.js';
import type { PartsWorkerInput } from './parts-worker.js';

/** What a report built from merged sums gets: the sums (local parts merged, or the team database's), prices, meta. */
export interface PartsLoaded {
  merged: MergedParts;
  pricing: Pricing;
  meta: ReportMeta;
  /** [from, to) epoch ms of the filters, null where open */
  range: { from: number | null; to: number | null };
}

export interface PartsContext {
  store: SqliteStore;
  /** everything the parts depend on besides the data, hashed */
  key: string;
  roots: string[];
  range: { from: number | null; to: number | null };
  filters: Filters;
  calendar: Calendar;
  pricing: Pricing;
}

function levelsKey(levels: StartLevels): string {
  return JSON.stringify([...levels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Every session's part, recomputing only what changed since the kept parts. */
export function sessionParts(ctx: PartsContext): { parts: SessionPart[]; recomputed: number } {
  const { store, key } = ctx;
  // read before the data: anything written later has a later generation and is recomputed next time
  const generation = store.generation();
  const kept = store.parts.read(key);
  if (kept) {
    const changed = store.changedSessions(kept.generation);
    const current = new Map(decodeParts(kept.data).map((p) => [p.session, p]));
    for (const [s, d] of kept.changes) {
      if (d === null) current.delete(s);
      else current.set(s, JSON.parse(d) as SessionPart);
    }
    if (changed.length === 0) return { parts: [...current.values()], recomputed: 0 };
    for (const s of changed) current.delete(s);
    const keptFirsts = [...current.values()].flatMap((p) => p.firsts);
    const fresh = compute(ctx, changed, (own) => startLevelsOf([...keptFirsts, ...own]));
    if (fresh.levels === kept.levels) {
      for (const p of fresh.parts) current.set(p.session, p);
      const parts = [...current.values()];
      // few changes are stored as changes; many are folded into the whole set again
      if (kept.changes.size + changed.length > Math.max(64, parts.length / 20)) store.parts.writeAll(key, generation, fresh.levels, encodeParts(parts));
      else {
        const mine = new Map(fresh.parts.map((p) => [p.session, JSON.stringify(p)] as const));
        store.parts.writeChanges(key, generation, new Map(changed.map((s) => [s, mine.get(s) ?? null] as const)));
      }
      return { parts, recomputed: changed.length };
    }
  }
  const all = compute(ctx, null, (own) => startLevelsOf(own));
  store.parts.writeAll(key, generation, all.levels, encodeParts(all.parts));
  return { parts: all.parts, recomputed: all.parts.length };
}

function compute(ctx: PartsContext, sessions: readonly string[] | null, levelsOf: (own: ConversationFirst[]) => StartLevels): { parts: SessionPart[]; levels: string } {
  const data = ctx.store.load(ctx.range, ctx.roots, sessions);
  const { parts, levels } = datasetParts(prepareDataset(data, ctx.pricing, ctx.calendar, ctx.filters), ctx.pricing, levelsOf);
  return { parts, levels: levelsKey(levels) };
}

/**
 * The parts of a prepared dataset, with the start levels `levelsOf` makes of
 * its conversations' first requests (by default: those levels alone).
 */
export function datasetParts(ds: Dataset, pricing: Pricing, levelsOf: (own: ConversationFirst[]) => StartLevels = startLevelsOf): { parts: SessionPart[]; levels: StartLevels } {
  let levels: StartLevels | null = null;
  const analysis = analyzeCache(ds, pricing, (conversations) => (levels = levelsOf(conversationFirsts(conversations))));
  // (analyzeCache calls it once, before judging any conversation)
  const firsts = conversationFirsts(analysis.conversations);
  return { parts: collectParts(ds, wasteLookup(analysis), firsts), levels: levels ?? new Map() };
}

/**
 * The parts of a scan read a session at a time (the report without a store):
 * each session's requests are read in place and reduced to its part
 * (report/rows-parts.ts), so a large input never makes an object per record.
 * The start levels all conversations share matter only to a session whose
 * sub-agents may have fanned out in parallel (the shared part of a fan-out,
 * cache/rebuilds.ts markFanouts): those sessions are summed once every
 * session's first requests are known, the others at once.
 */
export function scanParts(scan: SessionRecords, pricing: Pricing, calendar: Calendar, filters: Filters): SessionPart[] {
  const parts: SessionPart[] = [];
  const later: RowsSession[] = [];
  const firsts: ConversationFirst[] = [];
  for (const session of scan.sessions) {
    const x = rowsSession({ session, ...scan.rows(session) }, calendar, filters);
    if (!x) continue; // nothing left after the filters
    firsts.push(...x.firsts);
    // a fan-out's part waits for the levels; any other is done now, and its records need not be read again
    if (x.fanout) later.push(x);
    else parts.push(rowsSessionPart(x, pricing, calendar, NO_LEVELS));
  }
  const levels = startLevelsOf(firsts);
  for (const x of later) parts.push(rowsSessionPart(x, pricing, calendar, levels));
  return parts;
}

const NO_LEVELS: StartLevels = new Map();

/**
 * Above this much input a cold report is read and reduced in worker threads
 * (scan/sink.ts, parts-worker.ts); below, this thread does it as small and
 * sooner. CACHELENS_SINK_MIN_BYTES overrides it (tests use 0 to take the
 * worker path on small trees).
 */
const SINK_MIN_BYTES = 64 << 20;

function sinkMinBytes(): number {
  const v = process.env.CACHELENS_SINK_MIN_BYTES;
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : SINK_MIN_BYTES;
}

function coldThreads(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 8));
}

/** Where the sink and scan workers are, or null when this build has none (e.g. under a TypeScript test runner). */
async function coldUrls(): Promise<{ sinkUrl: URL; scanUrl: URL } | null> {
  const { workerUrl } = await import('../scan/index.js');
  // '../bundle/' from both dist/bundle/program.cjs and dist/cli/parts.js
  const sinkUrl = new URL('../bundle/parts-worker.cjs', import.meta.url);
  const scanUrl = workerUrl();
  return scanUrl && fs.existsSync(fileURLToPath(sinkUrl)) ? { sinkUrl, scanUrl } : null;
}

/**
 * The workers a large cold report reads with, started before the files are
 * found (which takes the main thread ~20 ms on 2,000 files, while a worker
 * takes ~40 ms to start). coldParts uses them or stops them; the caller stops
 * them when it takes another path.
 */
export async function startColdWorkers(): Promise<EarlyWorkers | null> {
  const urls = await coldUrls();
  if (!urls) return null;
  const { startEarly } = await import('../scan/sink.js');
  // (for a one-shot command, whose main thread reads a share too)
  return startEarly(urls.sinkUrl, urls.scanUrl, coldThreads(), true);
}

/**
 * The overview's parts of transcripts read now (no store), merged: in worker
 * threads for a large input, else here. `pricingOf` is read while the workers
 * start and read (the main thread needs prices too, to name the models);
 * `early`: workers started for this already (startColdWorkers); `mainReads`:
 * this thread reads a share too (a one-shot command; a server's thread must
 * stay free to answer).
 */
export async function coldParts(files: ScanFile[], input: PartsWorkerInput, pricingOf: () => Promise<Pricing>, calendar: Calendar, early: EarlyWorkers | null = null, mainReads = false): Promise<{ merged: MergedParts; stats: ScanStats; pricing: Pricing }> {
  const started = performance.now();
  const bytes = files.reduce((n, f) => n + f.size, 0);
  // a bad --pricing file fails before any worker is given work
  const priced = input.pricingFile ? await pricingOf() : null;
  const urls = bytes >= sinkMinBytes() ? await coldUrls() : null;
  if (urls) {
    const threads = coldThreads();
    const { scanWithSink } = await import('../scan/sink.js');
    // the workers start (or get their input) in here, before its first await
    const running = scanWithSink<MergedParts, PartsWorkerInput>(files, { url: urls.sinkUrl, extra: input }, urls.scanUrl, { threads, events: false, early, mainReads });
    const pricing =
      priced ??
      (await pricingOf().catch(async (err: unknown) => {
        // (should the built-in table fail, no worker is left running)
        await running.catch(() => undefined);
        throw err;
      }));
    const { result, counts } = await running;
    const stats: ScanStats = { ...counts.issues, files: files.length, bytes: counts.bytes, usageLines: counts.usageLines, workers: threads, elapsedMs: performance.now() - started };
    return { merged: result, stats, pricing };
  }
  early?.stop();
  const pricing = priced ?? (await pricingOf());
  const { scanSessions } = await import('../scan/index.js');
  const scan = await scanSessions(files, { events: false });
  return { merged: mergeParts(scanParts(scan, pricing, calendar, input.filters)), stats: scan.stats, pricing };
}
