// Worker entry of a large cold report (coldParts in parts.ts): the sink of
// the scan (scan/sink.ts) reduces every record to the overview's per-session
// parts, a session at a time, with a bounded young generation, and merges
// them; only the merged sums go back to the main thread (a few hundred groups
// instead of a part per session to copy and merge there).
import { createCalendar, type Filters } from '../accounting/index.js';
import { loadPricing, type Pricing } from '../pricing/index.js';
import { mergeParts } from '../report/parts.js';
import { sinkReply, sinkScan } from '../scan/sink.js';
import { saveWorkerCode } from '../scan/worker-input.js';
import { scanParts } from './parts.js';

/** What the main thread gives the worker besides its share of the scan. */
export interface PartsWorkerInput {
  tz: string;
  filters: Filters;
  /** --pricing FILE, resolved */
  pricingFile?: string;
}

async function main(): Promise<void> {
  let pricing: Pricing | null = null;
  const load = (extra: PartsWorkerInput): Pricing => loadPricing(extra.pricingFile ? { overrideFile: extra.pricingFile } : {});
  // the prices are read while the other threads' records are on their way
  const { records, extra, own } = await sinkScan<PartsWorkerInput>((x) => (pricing = load(x)));
  const merged = mergeParts(scanParts(records, pricing ?? load(extra), createCalendar(extra.tz), extra.filters));
  // (only when there was no cache: a first run after an install pays a few ms for the later ones)
  saveWorkerCode();
  sinkReply(merged, own);
}

// an error becomes the worker's 'error' event, which fails the report on the main thread
main().catch((err: unknown) =>
  setImmediate(() => {
    throw err;
  }),
);
