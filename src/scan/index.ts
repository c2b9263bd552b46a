// Public face of the scan stage: files → de-duplicated request records,
// API errors and conversation events. Large inputs are shared with worker
// threads: files (and byte ranges of large files) are handed out one at a
// time from a shared counter, so a thread that starts late or gets slow
// files simply takes fewer; each thread reduces what it read and the results
// merge order-free.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { ApiErrorRecord, ConversationEvent, ScanResult } from '../domain/types.js';
import type { DiscoveredFile } from '../discover/index.js';
import { bySession, finishCollected, mergeCollected, type Collected, type SessionRecords } from './collect.js';
import { mergePacked, type PackedRecords } from './transfer.js';
import { addFileEnds, addIssues, cancelWork, claimer, oncePerFile, planItems, replyOf, scanItemsInThread, type ScanInput, type WorkerInput } from './run.js';

export { splitUsage } from './line.js';
export type { SessionRecords } from './collect.js';

/** A finished scan whose records are made on request, one session at a time. */
export interface SessionScan extends SessionRecords {
  fileEnds: Map<string, number>;
  stats: ScanResult['stats'];
}

export interface ScanOptions {
  /** threads to scan with, this one included (1 or 0 = this thread only). Default: by input size and cores */
  workers?: number;
  /** find conversation events too (default true); reports that need only usage skip them */
  events?: boolean;
}

/** Below this much input, starting workers costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 24 << 20;

/** What a scan worker (worker.ts) posts. */
export interface WorkerReply {
  packed: PackedRecords;
  apiErrors: ApiErrorRecord[];
  events: ConversationEvent[];
  issues: ScanResult['stats'];
  bytes: number;
  usageLines: number;
  fileEnds: [string, number][];
}

/** The compiled scan worker (bundled when built so); null under a TS source runner (tests), which has none. */
export function workerUrl(): URL | null {
  // '../' rather than './': the same files from dist/scan/ and from the bundles in dist/bundle/
  for (const file of ['../bundle/scan-worker.cjs', '../scan/worker.js']) {
    const url = new URL(file, import.meta.url);
    if (fs.existsSync(fileURLToPath(url))) return url;
  }
  // under a TS source runner (tests) there is no compiled worker: scan in-thread
  return null;
}

interface RunningWorker {
  worker: Worker;
  /** the worker's records; null when it was called off before it started */
  reply: Promise<WorkerReply | null>;
  cancelled: boolean;
}

function runWorker(Threads: typeof Worker, url: URL, input: WorkerInput): RunningWorker {
  const worker = new Threads(url, { workerData: input, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  const running: RunningWorker = { worker, reply: Promise.resolve(null), cancelled: false };
  running.reply = replyOf<WorkerReply>(worker, 'scan worker', () => running.cancelled);
  return running;
}

function defaultWorkers(files: DiscoveredFile[]): number {
  const bytes = files.reduce((s, f) => s + f.size, 0);
  if (bytes < WORKER_THRESHOLD_BYTES) return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  // a large file is split into ranges, so even one file can use every core
  return Math.max(1, Math.min(cores, 8));
}

/** Files to scan; `startOffset` reads only what was appended since a previous scan stopped there. */
export type ScanFile = DiscoveredFile & { startOffset?: number };

export async function scanFiles(files: ScanFile[], opts: ScanOptions = {}): Promise<ScanResult> {
  const c = await collectFiles(files, opts);
  const done = finishCollected(c.collected);
  return { ...done, fileEnds: c.fileEnds, stats: c.stats() };
}

/**
 * The same scan, with its records made a session at a time when asked for
 * (see SessionScan): a large report then never holds every record as an
 * object at once.
 */
export async function scanSessions(files: ScanFile[], opts: ScanOptions = {}): Promise<SessionScan> {
  const c = await collectFiles(files, opts);
  return { ...bySession(c.collected), fileEnds: c.fileEnds, stats: c.stats() };
}

/** Every thread's reduced records, merged; stats are read when the caller is done (their elapsed time included). */
async function collectFiles(files: ScanFile[], opts: ScanOptions): Promise<{ collected: Collected; fileEnds: Map<string, number>; stats: () => ScanResult['stats'] }> {
  const started = performance.now();
  const events = opts.events !== false;
  let threads = opts.workers ?? defaultWorkers(files);
  const url = threads > 1 ? workerUrl() : null;
  if (!url) threads = threads > 0 ? 1 : 0;
  const inputs: ScanInput[] = files.map((f) => ({ path: f.path, project: f.project, fileAgentId: f.fileAgentId, fileSessionId: f.fileSessionId, size: f.size, startOffset: f.startOffset }));
  const items = planItems(inputs, threads);
  // cell 0: the next item; cell i: worker i's state
  const counter = new SharedArrayBuffer(4 * Math.max(1, threads));
  // the main thread scans too: one isolate fewer to start and to feed
  // worker_threads (and the stream modules it pulls in) only when threads are used: small scans, such as the
  // status line's, never load it (required, not imported: the command line's bundle runs compiled with a code
  // cache through node:vm, where import() is not available)
  const Threads = threads > 1 ? (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).Worker : null;
  const workers = Array.from({ length: Math.max(0, threads - 1) }, (_, i) => runWorker(Threads!, url!, { files: inputs, items, counter, slot: i + 1, events }));
  const own = scanItemsInThread(inputs, items, claimer(counter, items.length), { events });
  // a worker that has not started by now would find nothing left to read: do not wait for it
  for (const [i, w] of workers.entries()) {
    if (cancelWork(counter, i + 1)) {
      w.cancelled = true;
      void w.worker.terminate();
    }
  }
  // (a called-off worker's exit is not waited for either)
  const pending = workers.filter((w) => !w.cancelled).map((w) => w.reply);
  const collected = own.collected;
  const issues = own.issues;
  let bytes = own.bytes;
  let usageLines = own.usageLines;
  const fileEnds = new Map<string, number>();
  addFileEnds(fileEnds, own.fileEnds);
  for (const r of await Promise.all(pending)) {
    if (!r) continue;
    addFileEnds(fileEnds, r.fileEnds);
    mergePacked(collected.requests, r.packed);
    mergeCollected(collected, { apiErrors: r.apiErrors, events: r.events });
    addIssues(issues, r.issues);
    bytes += r.bytes;
    usageLines += r.usageLines;
  }
  oncePerFile(issues);
  return {
    collected,
    fileEnds,
    stats: () => ({ ...issues, files: files.length, bytes, usageLines, workers: Math.max(1, threads), elapsedMs: performance.now() - started }),
  };
}
