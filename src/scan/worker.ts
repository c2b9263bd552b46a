// Worker entry: scans the items it claims from the shared counter and posts back its reduced records.
import { parentPort } from 'node:worker_threads';
import { claimer, claimerLeaving, scanItemsInThread, startWork, type WorkerInput } from './run.js';
import { recordsMessage } from './transfer.js';
import { saveWorkerCode, workerInput } from './worker-input.js';

void workerInput<WorkerInput>().then((data) => {
  // called off before it started (the main thread read everything): claim nothing, say nothing
  if (!startWork(data.counter, data.slot)) return;
  const claim = data.leaveBytes ? claimerLeaving(data.counter, data.files, data.items, data.leaveBytes) : claimer(data.counter, data.items.length);
  const r = scanItemsInThread(data.files, data.items, claim, { events: data.events });
  const { records, moved } = recordsMessage(r.collected);
  const counts = { issues: r.issues, bytes: r.bytes, usageLines: r.usageLines, fileEnds: r.fileEnds };
  if (data.sinkPort) {
    // straight to the sink: the main thread need not copy them in and out again
    data.sinkPort.postMessage(records, moved);
    data.sinkPort.close();
    // (while the sink reduces, off the way of the result)
    saveWorkerCode();
    parentPort!.postMessage(counts);
  } else {
    saveWorkerCode();
    parentPort!.postMessage({ ...records, ...counts }, moved);
  }
});
