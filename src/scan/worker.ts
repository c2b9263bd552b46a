// Worker entry: scans the items it claims from the shared counter and posts back its reduced records.
import { parentPort } from 'node:worker_threads';
import { claimer, scanItemsInThread, startWork, type WorkerInput } from './run.js';
import { packRecords } from './transfer.js';
import { workerInput } from './worker-input.js';

void workerInput<WorkerInput>().then((data) => {
  // called off before it started (the main thread read everything): claim nothing, say nothing
  if (!startWork(data.counter, data.slot)) return;
  const r = scanItemsInThread(data.files, data.items, claimer(data.counter, data.items.length), { events: data.events });
  const packed = packRecords(r.collected.requests);
  parentPort!.postMessage(
    {
      packed,
      apiErrors: [...r.collected.apiErrors.values()],
      events: r.collected.events,
      issues: r.issues,
      bytes: r.bytes,
      usageLines: r.usageLines,
      fileEnds: r.fileEnds,
    },
    [packed.nums.buffer as ArrayBuffer, packed.refs.buffer as ArrayBuffer, packed.starts.buffer as ArrayBuffer, packed.hashes.buffer as ArrayBuffer],
  );
});
