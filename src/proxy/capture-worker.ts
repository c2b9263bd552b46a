// The capture thread: request bodies in, fingerprints out, so parsing and
// hashing a large body never holds up the thread that forwards traffic.
import { parentPort } from 'node:worker_threads';
import { captureRequest } from './capture.js';
import type { CaptureJob, CaptureReply } from './capturer.js';

const port = parentPort;
if (!port) throw new Error('capture-worker.js runs as a worker thread');
port.on('message', (job: CaptureJob) => {
  let reply: CaptureReply;
  try {
    reply = { id: job.id, capture: captureRequest(Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength), job.headers) };
  } catch (err) {
    reply = { id: job.id, error: (err as Error).stack ?? String(err) };
  }
  port.postMessage(reply);
});
