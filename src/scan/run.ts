// Scans work items in this thread: the unit of work a worker runs. An item is
// a whole file or, for a large file split across threads, one byte range of it.
import { emptyIssues, type ScanIssues } from '../domain/types.js';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { DiscoveredFile } from '../discover/index.js';
import { emptyCollected, type Collected } from './collect.js';
import { newScratch, scanFile } from './file.js';
import type { LineContext } from './line.js';
import { forgetDataView } from './skim.js';

export type ScanInput = Pick<DiscoveredFile, 'path' | 'project' | 'fileAgentId' | 'fileSessionId' | 'size'> & {
  /** incremental scans: read from here (a line start: where the previous scan stopped) */
  startOffset?: number;
};

/** A whole file (start 0, end Infinity, split false) or the lines starting in [start, end) of it. */
export interface ScanItem {
  file: number;
  start: number;
  end: number;
  split: boolean;
}

export interface RunResult {
  collected: Collected;
  issues: ScanIssues;
  bytes: number;
  usageLines: number;
  /** per file read to its end: the offset just past its last complete line (a split file may be listed more than once: keep the smallest, see addFileEnds) */
  fileEnds: [string, number][];
}

export function addIssues(into: ScanIssues, from: ScanIssues): void {
  into.badLines += from.badLines;
  into.truncatedLastLines += from.truncatedLastLines;
  into.concatenatedLines += from.concatenatedLines;
  into.noMessageId += from.noMessageId;
  into.syntheticNoResponse += from.syntheticNoResponse;
  into.noTimestamp += from.noTimestamp;
  into.emptyFiles += from.emptyFiles;
  into.unreadableFiles.push(...from.unreadableFiles);
}

/** A file split into ranges that could not be opened is reported by each of them: keeps one report per file. */
export function oncePerFile(issues: ScanIssues): void {
  const seen = new Set<string>();
  issues.unreadableFiles = issues.unreadableFiles.filter((u) => {
    if (seen.has(u.path)) return false;
    seen.add(u.path);
    return true;
  });
}

/** A worker's one message; null when `calledOff()` says it was called off before it started; else its failure. */
export function replyOf<R>(worker: Worker, what: string, calledOff: () => boolean = () => false): Promise<R | null> {
  return new Promise((resolve, reject) => {
    let got: { m: R } | null = null;
    worker.once('message', (m: R) => {
      got = { m };
    });
    worker.once('error', (err) => (calledOff() ? resolve(null) : reject(err)));
    worker.once('exit', (code) => {
      if (got) resolve(got.m);
      else if (calledOff()) resolve(null);
      else reject(new Error(`${what} exited with code ${code} before replying`));
    });
  });
}

/** Adds (file, end offset) pairs to `into`, keeping the smallest offset of a file listed more than once. */
export function addFileEnds(into: Map<string, number>, ends: [string, number][]): void {
  for (const [file, end] of ends) {
    const prev = into.get(file);
    if (prev === undefined || end < prev) into.set(file, end);
  }
}

/** Files bigger than this are cut into ranges of about this size, so threads can share them. */
export const SPLIT_BYTES = 24 << 20;

/**
 * Work items for `threads` threads, biggest first (so the last items, which
 * decide when the slowest thread ends, are small). With one thread nothing is
 * split and the files keep their order.
 */
export function planItems(files: ScanInput[], threads: number): ScanItem[] {
  const items: ScanItem[] = [];
  files.forEach((f, i) => {
    if (f.startOffset) {
      // an incremental read of appended bytes: one item from where the last scan stopped
      items.push({ file: i, start: f.startOffset, end: Infinity, split: false });
      return;
    }
    const pieces = threads > 1 && f.size > 2 * SPLIT_BYTES ? Math.ceil(f.size / SPLIT_BYTES) : 1;
    if (pieces === 1) {
      items.push({ file: i, start: 0, end: Infinity, split: false });
      return;
    }
    const step = Math.ceil(f.size / pieces);
    // the last range runs to the end of the file, however long it has grown since it was listed
    for (let k = 0; k < pieces; k++) items.push({ file: i, start: k * step, end: k === pieces - 1 ? Infinity : (k + 1) * step, split: true });
  });
  if (threads <= 1) return items;
  const weight = (it: ScanItem): number => itemBytes(files, it);
  return items.sort((a, b) => weight(b) - weight(a) || a.file - b.file || a.start - b.start);
}

/** The bytes an item covers, as listed. */
function itemBytes(files: ScanInput[], it: ScanItem): number {
  return Math.max(0, Math.min(it.end, files[it.file]!.size) - it.start);
}

/** What a worker is given: every file and item, and the shared counter that hands out items. */
export interface WorkerInput {
  files: ScanInput[];
  items: ScanItem[];
  /** cell 0: the next item to claim; cell `slot`: this worker's state (see startWork / cancelWork) */
  counter: SharedArrayBuffer;
  slot: number;
  events: boolean;
  /** a scan into a sink (sink.ts): the records go to the sink through this port, only the counts to the main thread */
  sinkPort?: MessagePort;
  /** leave the items that hold the last this many bytes to the others (claimerLeaving) */
  leaveBytes?: number;
}

const NOT_STARTED = 0;
const STARTED = 1;
const CANCELLED = 2;

/**
 * A worker says it starts claiming items; false when the main thread has
 * already read everything and called it off (then it must claim nothing).
 */
export function startWork(counter: SharedArrayBuffer, slot: number): boolean {
  return Atomics.compareExchange(new Int32Array(counter), slot, NOT_STARTED, STARTED) === NOT_STARTED;
}

/**
 * The main thread, done with every item, calls off a worker that has not
 * started yet (a worker takes ~0.1 s to start: for a small input the main
 * thread is done first and need not wait for it). False when it had started.
 */
export function cancelWork(counter: SharedArrayBuffer, slot: number): boolean {
  return Atomics.compareExchange(new Int32Array(counter), slot, NOT_STARTED, CANCELLED) === NOT_STARTED;
}

/** Hands out the next item index (or -1): Atomics on a counter shared by every scanning thread. */
export function claimer(counter: SharedArrayBuffer, count: number): () => number {
  const cell = new Int32Array(counter);
  return () => {
    const k = Atomics.add(cell, 0, 1);
    return k < count ? k : -1;
  };
}

/**
 * A claimer that leaves the last items to the others: it stops once the items
 * not yet claimed hold fewer than `leaveBytes`. A scan worker feeding a sink
 * (sink.ts) claims with it, so that it packs and sends its records while the
 * sink reads those last bytes, instead of the sink waiting for them.
 */
export function claimerLeaving(counter: SharedArrayBuffer, files: ScanInput[], items: ScanItem[], leaveBytes: number): () => number {
  const cell = new Int32Array(counter);
  // bytes from item k to the end
  const rest = new Float64Array(items.length + 1);
  for (let k = items.length - 1; k >= 0; k--) rest[k] = rest[k + 1]! + itemBytes(files, items[k]!);
  return () => {
    for (;;) {
      const k = Atomics.load(cell, 0);
      if (k >= items.length || rest[k]! < leaveBytes) return -1;
      if (Atomics.compareExchange(cell, 0, k, k + 1) === k) return k;
    }
  };
}

/** Scans the items handed out by `claim` (an index into `items`, -1 when none is left). */
export function scanItemsInThread(files: ScanInput[], items: ScanItem[], claim: () => number, opts: { events?: boolean } = {}): RunResult {
  const collected = emptyCollected();
  const issues = emptyIssues();
  let bytes = 0;
  let usageLines = 0;
  const scratch = newScratch();
  const contexts = new Map<number, LineContext>();
  const fileEnds: [string, number][] = [];
  for (let k = claim(); k >= 0; k = claim()) {
    const item = items[k]!;
    const f = files[item.file]!;
    let ctx = contexts.get(item.file);
    if (!ctx) {
      ctx = { file: f.path, project: f.project, fileAgentId: f.fileAgentId, fileSessionId: f.fileSessionId };
      contexts.set(item.file, ctx);
    }
    const r = scanFile(f.path, ctx, collected, {
      scratch,
      events: opts.events,
      range: item.split ? { start: item.start, end: item.end } : undefined,
      startOffset: item.split ? undefined : item.start,
    });
    // a split file's end is known from its ranges that reached the end of the file (see FileScanResult.reachedEof)
    if (item.split ? r.reachedEof : item.end === Infinity) fileEnds.push([f.path, r.endOffset]);
    bytes += r.bytes;
    usageLines += r.usageLines;
    addIssues(issues, r.issues);
  }
  forgetDataView();
  return { collected, issues, bytes, usageLines, fileEnds };
}

