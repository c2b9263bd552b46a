// Worker entry: scans the files it is given and posts back its reduced records.
import { parentPort, workerData } from 'node:worker_threads';
import type { DiscoveredFile } from '../discover/index.js';
import { scanFilesInThread } from './run.js';
import { packRecords } from './transfer.js';

const data = workerData as { files: DiscoveredFile[]; events: boolean };
const r = scanFilesInThread(data.files, { events: data.events });
const packed = packRecords(r.collected.requests.values(), r.collected.requests.size);
parentPort!.postMessage(
  {
    packed,
    apiErrors: [...r.collected.apiErrors.values()],
    events: r.collected.events,
    issues: r.issues,
    bytes: r.bytes,
    usageLines: r.usageLines,
  },
  [packed.nums.buffer as ArrayBuffer, packed.refs.buffer as ArrayBuffer, packed.starts.buffer as ArrayBuffer],
);
