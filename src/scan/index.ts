// Public face of the scan stage: files → de-duplicated request records,
// API errors and conversation events. Large inputs are split across worker
// threads; each reduces its own files and the results merge order-free.
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ApiErrorRecord, ConversationEvent, ScanResult } from '../domain/types.js';
import type { DiscoveredFile } from '../discover/index.js';
import { finishCollected, mergeCollected, mergeRecord } from './collect.js';
import { unpackRecords, type PackedRecords } from './transfer.js';
import { addIssues, scanFilesInThread } from './run.js';

export { splitUsage } from './line.js';

export interface ScanOptions {
  /** threads to scan with, this one included (1 or 0 = this thread only). Default: by input size and cores */
  workers?: number;
  /** find conversation events too (default true); reports that need only usage skip them */
  events?: boolean;
}

/** Below this much input, starting workers costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 24 << 20;

interface WorkerReply {
  packed: PackedRecords;
  apiErrors: ApiErrorRecord[];
  events: ConversationEvent[];
  issues: ScanResult['stats'];
  bytes: number;
  usageLines: number;
}

/** Greedy size balancing: largest file to the least loaded worker. */
function partition(files: DiscoveredFile[], n: number): DiscoveredFile[][] {
  const groups: DiscoveredFile[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  for (const f of [...files].sort((a, b) => b.size - a.size)) {
    let best = 0;
    for (let i = 1; i < n; i++) if (load[i]! < load[best]!) best = i;
    groups[best]!.push(f);
    load[best]! += f.size + 4096;
  }
  return groups.filter((g) => g.length > 0);
}

function workerUrl(): URL | null {
  const url = new URL('./worker.js', import.meta.url);
  // under a TS source runner (tests) there is no compiled worker: scan in-thread
  return fs.existsSync(fileURLToPath(url)) ? url : null;
}

function runWorker(url: URL, files: DiscoveredFile[], events: boolean): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { workerData: { files, events }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    let reply: WorkerReply | null = null;
    w.once('message', (m: WorkerReply) => {
      reply = m;
    });
    w.once('error', reject);
    w.once('exit', (code) => {
      if (reply) resolve(reply);
      else reject(new Error(`scan worker exited with code ${code} before replying`));
    });
  });
}

function defaultWorkers(files: DiscoveredFile[]): number {
  const bytes = files.reduce((s, f) => s + f.size, 0);
  if (bytes < WORKER_THRESHOLD_BYTES || files.length < 2) return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cores, 8, files.length));
}

export async function scanFiles(files: DiscoveredFile[], opts: ScanOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const events = opts.events !== false;
  let threads = opts.workers ?? defaultWorkers(files);
  const url = threads > 1 ? workerUrl() : null;
  if (!url) threads = threads > 0 ? 1 : 0;
  // the main thread scans one share itself: one isolate fewer to start and to feed
  const groups = threads > 1 ? partition(files, threads) : [files];
  const pending = groups.slice(1).map((g) => runWorker(url!, g, events));
  const own = scanFilesInThread(groups[0]!, { events });
  const collected = own.collected;
  const issues = own.issues;
  let bytes = own.bytes;
  let usageLines = own.usageLines;
  for (const r of await Promise.all(pending)) {
    unpackRecords(r.packed, (rec) => {
      const prev = collected.requests.get(rec.key);
      if (prev) mergeRecord(prev, rec);
      else collected.requests.set(rec.key, rec);
    });
    mergeCollected(collected, { requests: [], apiErrors: r.apiErrors, events: r.events });
    addIssues(issues, r.issues);
    bytes += r.bytes;
    usageLines += r.usageLines;
  }
  const done = finishCollected(collected);
  return {
    ...done,
    stats: { ...issues, files: files.length, bytes, usageLines, workers: groups.length, elapsedMs: performance.now() - started },
  };
}
