// Sums of priced requests. Every figure follows usage-accounting.md:
// hit rate = cacheRead / (input + write5m + write1h + read), token-weighted.
import type { ApiErrorRecord, RequestRecord } from '../domain/types.js';

/** A request with its price (null cost = unknown model, never priced at 0). */
export interface PricedRequest {
  r: RequestRecord;
  costUSD: number | null;
  noCacheCostUSD: number | null;
}

/** The token and cost fields every report row carries (see docs/json.md). */
export interface Totals {
  requests: number;
  sessions: number;
  apiErrors: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** input + output: what the requests would be without any cache fields */
  nonCachedTokens: number;
  /** input + writes + read + output */
  totalTokens: number;
  hitRate: number;
  costUSD: number;
  noCacheCostUSD: number;
  /** requests of models with no known price; their tokens are counted, their cost is not */
  unpricedRequests: number;
  /** cache rebuilds that cost money (conversation starts excluded); 0 when not analysed */
  rebuilds: number;
  /** what those rebuilds wrote again x (write price - read price) */
  wastedUSD: number;
}

/** Waste per request key, for the requests that are costly rebuilds (null = unknown model). */
export type WasteLookup = ReadonlyMap<string, number | null>;

export interface Accumulator {
  requests: number;
  apiErrors: number;
  sessions: Set<string>;
  /** distinct sessions counted elsewhere (the team database): wins over `sessions` */
  sessionCount?: number;
  input: number;
  output: number;
  w5: number;
  w1: number;
  read: number;
  cost: number;
  noCache: number;
  unpriced: number;
  rebuilds: number;
  wasted: number;
}

export function newAccumulator(): Accumulator {
  return { requests: 0, apiErrors: 0, sessions: new Set(), input: 0, output: 0, w5: 0, w1: 0, read: 0, cost: 0, noCache: 0, unpriced: 0, rebuilds: 0, wasted: 0 };
}

export function addRequest(a: Accumulator, p: PricedRequest, waste?: WasteLookup): void {
  const r = p.r;
  if (waste && waste.has(r.key)) {
    a.rebuilds++;
    a.wasted += waste.get(r.key) ?? 0;
  }
  a.requests++;
  a.sessions.add(r.sessionId);
  a.input += r.input;
  a.output += r.output;
  a.w5 += r.cacheWrite5m;
  a.w1 += r.cacheWrite1h;
  a.read += r.cacheRead;
  if (p.costUSD === null) a.unpriced++;
  else {
    a.cost += p.costUSD;
    a.noCache += p.noCacheCostUSD ?? 0;
  }
}

/** Adds one accumulator's sums and sessions to another (regrouping days into weeks, …). */
export function addAccumulator(into: Accumulator, from: Accumulator): void {
  for (const s of from.sessions) into.sessions.add(s);
  into.requests += from.requests;
  into.apiErrors += from.apiErrors;
  into.input += from.input;
  into.output += from.output;
  into.w5 += from.w5;
  into.w1 += from.w1;
  into.read += from.read;
  into.cost += from.cost;
  into.noCache += from.noCache;
  into.unpriced += from.unpriced;
  into.rebuilds += from.rebuilds;
  into.wasted += from.wasted;
}

export function addApiError(a: Accumulator, e: ApiErrorRecord): void {
  a.apiErrors++;
  a.sessions.add(e.sessionId);
}

/** total input of a set of requests: input + writes + read */
export function totalInput(t: { input: number; w5: number; w1: number; read: number }): number {
  return t.input + t.w5 + t.w1 + t.read;
}

export function hitRate(read: number, total: number): number {
  return total > 0 ? read / total : 0;
}

/** Rounds dollars to 1e-6 so JSON stays readable and sums stay stable. */
export function usd(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function finishTotals(a: Accumulator): Totals {
  const total = totalInput(a);
  return {
    requests: a.requests,
    sessions: a.sessionCount ?? a.sessions.size,
    apiErrors: a.apiErrors,
    inputTokens: a.input,
    outputTokens: a.output,
    cacheWrite5mTokens: a.w5,
    cacheWrite1hTokens: a.w1,
    cacheReadTokens: a.read,
    nonCachedTokens: a.input + a.output,
    totalTokens: total + a.output,
    hitRate: hitRate(a.read, total),
    costUSD: usd(a.cost),
    noCacheCostUSD: usd(a.noCache),
    unpricedRequests: a.unpriced,
    rebuilds: a.rebuilds,
    wastedUSD: usd(a.wasted),
  };
}

/** Groups requests (and API errors) by a key; returns accumulators in insertion order. */
export function groupBy(
  requests: PricedRequest[],
  errors: ApiErrorRecord[],
  keyOfRequest: (p: PricedRequest) => string,
  keyOfError: ((e: ApiErrorRecord) => string) | null,
  waste?: WasteLookup,
): Map<string, Accumulator> {
  const m = new Map<string, Accumulator>();
  const get = (k: string): Accumulator => {
    let a = m.get(k);
    if (!a) {
      a = newAccumulator();
      m.set(k, a);
    }
    return a;
  };
  for (const p of requests) addRequest(get(keyOfRequest(p)), p, waste);
  if (keyOfError) for (const e of errors) addApiError(get(keyOfError(e)), e);
  return m;
}
