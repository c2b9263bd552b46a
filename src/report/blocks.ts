// `cachelens blocks`: usage in subscription-style 5-hour windows (parity with
// ccusage `blocks` and the usage monitors). A plain object: renderers and
// `--json` read the same thing. Rules: docs/blocks.md.
import {
  addApiError,
  addRequest,
  finishTotals,
  newAccumulator,
  usd,
  type Dataset,
  type PricedRequest,
  type Totals,
  type WasteLookup,
} from '../accounting/index.js';
import type { ReportMeta } from './meta.js';

export const BLOCK_MS = 5 * 3_600_000;
const HOUR_MS = 3_600_000;
const MIN_ELAPSED_MS = 60_000;

export interface BurnRate {
  /** totalTokens (input + writes + read + output) per hour of active time */
  tokensPerHour: number;
  /** priced cost per hour of active time (unpriced requests add nothing) */
  usdPerHour: number;
}

export interface BlockRow extends Totals {
  /** first request's time floored to the UTC hour */
  start: string;
  /** start + 5 h (exclusive) */
  end: string;
  firstRequest: string;
  lastRequest: string;
  /** distinct model ids, sorted */
  models: string[];
  /** start <= now < end and the last request is less than 5 h before now */
  active: boolean;
  /** over max(last − first request, 1 minute) */
  burnRate: BurnRate;
  /** active block only: ms from now to end */
  remainingMs: number | null;
  /** active block only: totals at block end if the burn rate holds */
  projection: { tokens: number; usd: number } | null;
}

export interface BlocksReport extends ReportMeta {
  kind: 'blocks';
  /** the 'now' the active flags were judged against (ISO) */
  now: string;
  blockHours: 5;
  /** true with --active: `blocks` holds only the active block, or nothing */
  activeOnly: boolean;
  /** oldest first; idle gaps between blocks are not listed */
  blocks: BlockRow[];
  /** the active block (also in `blocks`), or null */
  activeBlock: BlockRow | null;
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

function floorHour(ts: number): number {
  return Math.floor(ts / HOUR_MS) * HOUR_MS;
}

/** Splits requests sorted by time into 5-hour blocks; returns [start, requests][]. */
export function splitBlocks(sorted: readonly PricedRequest[]): { start: number; requests: PricedRequest[] }[] {
  const out: { start: number; requests: PricedRequest[] }[] = [];
  let cur: { start: number; requests: PricedRequest[] } | null = null;
  for (const p of sorted) {
    if (!cur || p.r.timestamp >= cur.start + BLOCK_MS) {
      cur = { start: floorHour(p.r.timestamp), requests: [] };
      out.push(cur);
    }
    cur.requests.push(p);
  }
  return out;
}

export function buildBlocks(ds: Dataset, meta: ReportMeta, opts: { now: number; active: boolean; waste?: WasteLookup }): BlocksReport {
  const sorted = [...ds.requests].sort((a, b) => a.r.timestamp - b.r.timestamp || (a.r.key < b.r.key ? -1 : a.r.key > b.r.key ? 1 : 0));
  const errors = [...ds.apiErrors].sort((a, b) => a.timestamp - b.timestamp);
  const now = opts.now;
  const blocks = splitBlocks(sorted).map(({ start, requests }): BlockRow => {
    const end = start + BLOCK_MS;
    const acc = newAccumulator();
    const models = new Set<string>();
    for (const p of requests) {
      addRequest(acc, p, opts.waste);
      models.add(p.r.model);
    }
    for (const e of errors) if (e.timestamp >= start && e.timestamp < end) addApiError(acc, e);
    const totals = finishTotals(acc);
    const first = requests[0]!.r.timestamp;
    const last = requests[requests.length - 1]!.r.timestamp;
    const hours = Math.max(last - first, MIN_ELAPSED_MS) / HOUR_MS;
    const burnRate: BurnRate = { tokensPerHour: totals.totalTokens / hours, usdPerHour: usd(totals.costUSD / hours) };
    const active = now >= start && now < end && now - last < BLOCK_MS;
    const remainingMs = active ? end - Math.max(now, start) : null;
    const projection =
      remainingMs === null
        ? null
        : {
            tokens: Math.round(totals.totalTokens + (burnRate.tokensPerHour * remainingMs) / HOUR_MS),
            usd: usd(totals.costUSD + (totals.costUSD / hours) * (remainingMs / HOUR_MS)),
          };
    return {
      start: iso(start),
      end: iso(end),
      firstRequest: iso(first),
      lastRequest: iso(last),
      models: [...models].sort(),
      ...totals,
      active,
      burnRate,
      remainingMs,
      projection,
    };
  });
  const activeBlock = blocks.find((b) => b.active) ?? null;
  return {
    ...meta,
    kind: 'blocks',
    now: iso(now),
    blockHours: 5,
    activeOnly: opts.active,
    blocks: opts.active ? (activeBlock ? [activeBlock] : []) : blocks,
    activeBlock,
  };
}
