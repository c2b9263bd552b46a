// Scanning into a worker ("the sink"): the main thread and worker threads
// share the files as in scanFiles, but the records end in one of the workers,
// which merges the others' records (sent straight to it, each through a
// message channel of its own) into its own and hands them, a session at a
// time (SessionRecords), to its entry file's code; only that code's result
// comes back to the main thread.
//
// Why a worker reduces: V8 doubles a thread's young generation up to 16 MiB
// semispaces once enough objects have survived its scavenges, and the main
// thread's limit cannot be set from inside the process; a worker's can
// (resourceLimits). Reducing keeps objects alive across scavenges however it
// is cut, so it runs where the young generation stays small. Reading a share
// keeps little alive (records are columns, handed over at the end), so the
// main thread reads one: that is a worker fewer to start (~40 ms of a core),
// and its share starts as soon as the files are found.
import { MessageChannel, parentPort, Worker, type MessagePort } from 'node:worker_threads';
import { emptyIssues, type ScanIssues } from '../domain/types.js';
import { bySession, mergeCollected, type SessionRecords } from './collect.js';
import { addIssues, claimer, claimerLeaving, oncePerFile, planItems, replyOf, scanItemsInThread, startWork, type ScanInput, type WorkerInput } from './run.js';
import { mergeKeeping, mergePacked, recordsMessage, type Records } from './transfer.js';
import type { ScanFile } from './index.js';
import { DEFERRED, workerInput } from './worker-input.js';

/** The sink's workerData: its share of the scan, and what its entry file needs besides. */
interface SinkData<X> {
  scan: WorkerInput;
  extra: X;
  /** one per other reading thread (scan workers, then the main thread): each sends its records through it, once */
  ports: MessagePort[];
}

/** Scan counts of one thread. */
export type Counts = { issues: ScanIssues; bytes: number; usageLines: number };

/** The sink's reply: its entry's result and the sink's own counts. */
type SinkReply<T> = { result: T } & Counts;

/** Young generation of the sink: scavenges stay cheap, and it is a sixth of what the main thread's grows to. */
const SINK_YOUNG_MB = 8;
/** Scan-only workers keep little: their young generation is smaller still. */
const SCAN_YOUNG_MB = 4;
/**
 * A reading thread packs and sends its records in about the time the sink
 * reads 1/64 of the input (~10 ms for half of 1 GiB): it leaves that much at
 * the end to the sink.
 */
const LEAVE_SHARE = 64;

/**
 * The workers of a scan into a sink, started before their input is known
 * (while the main thread still finds the files: a worker takes tens of ms to
 * start). scanWithSink posts them their input, or they are stopped.
 */
export interface EarlyWorkers {
  sink: Worker;
  scanners: Worker[];
  /** one of them failed or ended before it got its input: they are not used */
  failed: boolean;
  stop(): void;
}

/** Scan-only workers of a scan into a sink with `threads` threads: the sink reads too, and the main thread when `mainReads`. */
function scanWorkers(threads: number, mainReads: boolean): number {
  return Math.max(0, threads - (mainReads ? 2 : 1));
}

export function startEarly(sinkUrl: URL, scanUrl: URL, threads: number, mainReads = false): EarlyWorkers {
  const sink = new Worker(sinkUrl, { workerData: DEFERRED, resourceLimits: { maxYoungGenerationSizeMb: SINK_YOUNG_MB } });
  const scanners = Array.from({ length: scanWorkers(threads, mainReads) }, () => new Worker(scanUrl, { workerData: DEFERRED, resourceLimits: { maxYoungGenerationSizeMb: SCAN_YOUNG_MB } }));
  const early: EarlyWorkers = {
    sink,
    scanners,
    failed: false,
    stop: () => {
      for (const w of [sink, ...scanners]) void w.terminate();
    },
  };
  for (const w of [sink, ...scanners]) {
    w.once('error', () => (early.failed = true));
    w.once('exit', () => (early.failed = true));
    // until they get work, they do not keep the process alive (a path that ends without them need not stop them)
    w.unref();
  }
  return early;
}

/**
 * Main thread: scans `files` with `threads` threads (the sink at `sink.url`,
 * which gets `sink.extra`, scan workers at `scanUrl`, and with `mainReads`
 * this one: a one-shot command's, not a server's, which must stay free to
 * answer), and resolves to the sink's result and the scan's counts. `early`:
 * workers started for it already (startEarly with the same urls, threads and
 * mainReads).
 */
export async function scanWithSink<T, X>(
  files: ScanFile[],
  sink: { url: URL; extra: X },
  scanUrl: URL,
  opts: { threads: number; events: boolean; early?: EarlyWorkers | null; mainReads?: boolean },
): Promise<{ result: T; counts: Counts }> {
  const threads = Math.max(1, opts.threads);
  const inputs: ScanInput[] = files.map((f) => ({ path: f.path, project: f.project, fileAgentId: f.fileAgentId, fileSessionId: f.fileSessionId, size: f.size, startOffset: f.startOffset }));
  const items = planItems(inputs, threads);
  // cell 0: the next item; cell 1: the sink's state, then the scan workers', and with mainReads cell threads: this thread's
  // (nobody is called off: the sink reduces whatever the others read)
  const counter = new SharedArrayBuffer(4 * (threads + 1));
  const input = (slot: number): WorkerInput => ({ files: inputs, items, counter, slot, events: opts.events });
  // a channel from each other reading thread straight to the sink (with mainReads, the last one is this thread's)
  const channels = Array.from({ length: threads - 1 }, () => new MessageChannel());
  const data: SinkData<X> = { scan: input(1), extra: sink.extra, ports: channels.map((c) => c.port1) };
  const workers = scanWorkers(threads, opts.mainReads === true);
  const early = opts.early && !opts.early.failed && opts.early.scanners.length === workers ? opts.early : null;
  if (opts.early && !early) opts.early.stop();
  const start = (url: URL, youngMb: number, d: unknown, transferList: MessagePort[], started: Worker | undefined): Worker => {
    if (!started) return new Worker(url, { workerData: d, transferList, resourceLimits: { maxYoungGenerationSizeMb: youngMb } });
    started.ref();
    started.postMessage({ kind: 'input', data: d }, transferList);
    return started;
  };
  const sinkWorker = start(sink.url, SINK_YOUNG_MB, data, data.ports, early?.sink);
  const sinkDone = replyOf<SinkReply<T>>(sinkWorker, 'the worker reducing the records');
  // awaited below; if a scan worker fails first, the sink's end (terminated in finally) must not become an unhandled rejection
  sinkDone.catch(() => undefined);
  // the other readers leave the last ~1.5 % of the bytes to the sink: they pack and send their records while it reads those
  const leaveBytes = inputs.reduce((n, f) => n + f.size, 0) / LEAVE_SHARE;
  const scanners = channels.slice(0, workers).map((c, i) => start(scanUrl, SCAN_YOUNG_MB, { ...input(i + 2), sinkPort: c.port2, leaveBytes }, [c.port2], early?.scanners[i]));
  const counts: Counts = { issues: emptyIssues(), bytes: 0, usageLines: 0 };
  const add = (c: Counts): void => {
    addIssues(counts.issues, c.issues);
    counts.bytes += c.bytes;
    counts.usageLines += c.usageLines;
  };
  try {
    const own = channels[workers];
    if (own) {
      // this thread's share, read while the workers start and read theirs
      startWork(counter, threads);
      const r = scanItemsInThread(inputs, items, claimerLeaving(counter, inputs, items, leaveBytes), { events: opts.events });
      const { records, moved } = recordsMessage(r.collected);
      own.port2.postMessage(records, moved);
      own.port2.close();
      add(r);
    }
    await Promise.all(scanners.map(async (w) => add((await replyOf<Counts>(w, 'a scan worker'))!)));
    const s = (await sinkDone)!;
    add(s);
    oncePerFile(counts.issues);
    return { result: s.result, counts };
  } finally {
    for (const w of [sinkWorker, ...scanners]) void w.terminate();
  }
}

/**
 * In the sink worker: reads its share of the items, then merges the records
 * the other reading threads send it (each through its port); `meanwhile` runs in
 * between, while those are on their way. Resolves to all of them, a
 * session at a time, with the entry's `extra` and the sink's own counts.
 */
export async function sinkScan<X>(meanwhile?: (extra: X) => void): Promise<{ records: SessionRecords; extra: X; own: Counts }> {
  const data = await workerInput<SinkData<X>>();
  const s = data.scan;
  startWork(s.counter, s.slot);
  const r = scanItemsInThread(s.files, s.items, claimer(s.counter, s.items.length), { events: s.events });
  // the other threads' records are not here yet (they finish about when this one does, then pack and send theirs)
  meanwhile?.(data.extra);
  // each other reader's records arrive once, through its own port
  const got = await Promise.all(
    data.ports.map(
      (port) =>
        new Promise<Records>((resolve) =>
          port.once('message', (m: Records) => {
            port.close();
            resolve(m);
          }),
        ),
    ),
  );
  // the biggest share is kept where it is (mergeKeeping), after the others are merged (in any order: the merge is order-free)
  got.sort((a, b) => a.packed.count - b.packed.count);
  for (const m of got) mergeCollected(r.collected, m);
  const last = got.pop();
  for (const m of got) mergePacked(r.collected.requests, m.packed);
  const kept = last ? mergeKeeping(r.collected.requests, last.packed) : undefined;
  return { records: bySession(r.collected, kept), extra: data.extra, own: { issues: r.issues, bytes: r.bytes, usageLines: r.usageLines } };
}

/** In the sink worker: the reply, with the sink's own counts. */
export function sinkReply<T>(result: T, own: Counts): void {
  parentPort!.postMessage({ result, ...own } satisfies SinkReply<T>);
}
