// Worker entry: scans the files it is given and posts back its reduced records.
import { parentPort, workerData } from 'node:worker_threads';
import type { DiscoveredFile } from '../discover/index.js';
import { scanFilesInThread } from './run.js';

const files = (workerData as { files: DiscoveredFile[] }).files;
const r = scanFilesInThread(files);
parentPort!.postMessage({
  requests: [...r.collected.requests.values()],
  apiErrors: [...r.collected.apiErrors.values()],
  events: r.collected.events,
  issues: r.issues,
  bytes: r.bytes,
  usageLines: r.usageLines,
});
