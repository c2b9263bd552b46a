// A worker's input: its workerData, or, for a worker started before its input
// was known (scan/sink.ts startEarly: while the main thread still finds the
// files), the first message it is posted. Kept apart from run.ts, which the
// main thread loads too: this needs node:worker_threads.
import { parentPort, workerData } from 'node:worker_threads';

/** workerData of a worker whose input follows as its first message ({ kind: 'input', data }). */
export const DEFERRED = { deferred: true } as const;

export function workerInput<D>(): Promise<D> {
  const d = workerData as D | typeof DEFERRED;
  if (typeof d !== 'object' || d === null || !('deferred' in d)) return Promise.resolve(d as D);
  // (resolved in the message's own turn: whatever the worker then does synchronously, such as attaching its
  // next listener, happens before any later message can arrive)
  return new Promise((resolve) => parentPort!.once('message', (m: { kind: 'input'; data: D }) => resolve(m.data)));
}

/**
 * Writes the worker's code cache when its loader keeps one (cli/code-cache.cts
 * runWorkerBundle; nothing happens otherwise). Called once the worker's work is
 * compiled and done, before it tells the main thread, which may stop it then.
 */
export function saveWorkerCode(): void {
  (globalThis as { [k: symbol]: (() => void) | undefined })[Symbol.for('cachelens.saveWorkerCode')]?.();
}
