// Where request bodies are fingerprinted: on a worker thread when the
// compiled worker is there (dist/), else on this thread, deferred to a later
// turn of the event loop (a TypeScript test runner has no compiled worker).
// Replies come back in the order the bodies were sent, so a conversation's
// requests are recorded in order.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { captureRequest, type Capture, type CaptureHeaders } from './capture.js';

export interface CaptureJob {
  id: number;
  body: Uint8Array;
  headers: CaptureHeaders;
}

export type CaptureReply = { id: number; capture: Capture } | { id: number; error: string };

export interface Capturer {
  /**
   * `handOver`: the caller gives the body up, so a body that owns its memory moves to the thread
   * instead of being copied there (it reads as empty afterwards). Copying 800 KB into the message
   * took about 1.4 ms of the forwarding thread at the end of each response.
   */
  capture(body: Buffer, headers: CaptureHeaders, handOver?: boolean): Promise<Capture>;
  /** true when a worker thread does the work */
  readonly threaded: boolean;
  close(): Promise<void>;
}

function workerUrl(): URL | null {
  // '../proxy/' rather than './': the same file from dist/proxy/ and from the bundle in dist/bundle/
  const url = new URL('../proxy/capture-worker.js', import.meta.url);
  return fs.existsSync(fileURLToPath(url)) ? url : null;
}

function inThread(): Capturer {
  return {
    threaded: false,
    capture: (body, headers) => new Promise((resolve, reject) => setImmediate(() => {
      try {
        resolve(captureRequest(body, headers));
      } catch (err) {
        reject(err);
      }
    })),
    close: async () => undefined,
  };
}

/** A capturer; `threads: false` (or no compiled worker) fingerprints on this thread. */
export function createCapturer(opts: { threads: boolean; warn: (line: string) => void }): Capturer {
  const url = opts.threads ? workerUrl() : null;
  if (!url) return inThread();
  const worker = new Worker(url);
  worker.unref(); // the server keeps the process alive, not this thread
  const pending = new Map<number, { resolve: (c: Capture) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | null = null;
  const fallback = inThread();
  // the last job: close() waits for it so a body sent just before stopping is still recorded
  let last: Promise<unknown> = Promise.resolve();
  worker.on('message', (r: CaptureReply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if ('error' in r) p.reject(new Error(r.error));
    else p.resolve(r.capture);
  });
  worker.on('error', (err) => {
    // the thread is gone: what it had is lost, later bodies are captured here
    failed = err;
    opts.warn(`cachelens proxy: the capture thread failed (${err.message}); capturing on the main thread from now on`);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  return {
    threaded: true,
    capture(body, headers, handOver = false) {
      if (failed) return fallback.capture(body, headers);
      const id = ++next;
      // only a buffer alone in its memory: a small one is a slice of Node's shared pool, which must stay here
      const move = handOver && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      const job = new Promise<Capture>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, body, headers } satisfies CaptureJob, move ? [body.buffer as ArrayBuffer] : []);
      });
      last = job.then(
        () => undefined,
        () => undefined,
      );
      return job;
    },
    async close() {
      await last;
      await worker.terminate();
    },
  };
}
