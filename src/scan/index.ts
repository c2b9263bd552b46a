// Public face of the scan stage: files → de-duplicated request records,
// API errors and conversation events. Large inputs are split across worker
// threads; each reduces its own files and the results merge order-free.
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emptyIssues, type ApiErrorRecord, type ConversationEvent, type ScanResult } from '../domain/types.js';
import type { DiscoveredFile } from '../discover/index.js';
import { emptyCollected, finishCollected, mergeCollected, type ScanRecord } from './collect.js';
import { addIssues, scanFilesInThread } from './run.js';

export { splitUsage } from './line.js';

export interface ScanOptions {
  /** worker threads to use; 0 = scan in this thread. Default: by input size and cores */
  workers?: number;
}

/** Below this much input, starting workers costs more than it saves. */
const WORKER_THRESHOLD_BYTES = 24 << 20;

interface WorkerReply {
  requests: ScanRecord[];
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

function runWorker(url: URL, files: DiscoveredFile[]): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { workerData: { files } });
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
  let workers = opts.workers ?? defaultWorkers(files);
  const url = workers > 0 ? workerUrl() : null;
  if (!url) workers = 0;
  const collected = emptyCollected();
  const issues = emptyIssues();
  let bytes = 0;
  let usageLines = 0;
  if (workers === 0) {
    const r = scanFilesInThread(files);
    mergeCollected(collected, { requests: r.collected.requests.values(), apiErrors: r.collected.apiErrors.values(), events: r.collected.events });
    addIssues(issues, r.issues);
    bytes = r.bytes;
    usageLines = r.usageLines;
  } else {
    const groups = partition(files, workers);
    workers = groups.length;
    const replies = await Promise.all(groups.map((g) => runWorker(url!, g)));
    for (const r of replies) {
      mergeCollected(collected, r);
      addIssues(issues, r.issues);
      bytes += r.bytes;
      usageLines += r.usageLines;
    }
  }
  const done = finishCollected(collected);
  return {
    ...done,
    stats: { ...issues, files: files.length, bytes, usageLines, workers, elapsedMs: performance.now() - started },
  };
}
