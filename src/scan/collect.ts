// De-duplication of responses across lines and files (usage-accounting.md
// rules 1–3, 7). The merge is associative and order-independent, so workers
// can each reduce their files and the main thread can merge their results in
// any order and still get the same records.
import type { ApiErrorRecord, ConversationEvent, RequestRecord } from '../domain/types.js';
import type { LineContext, LineOutcome, LineUsage } from './line.js';

/** A request record plus where its token counts came from (for deterministic ties). */
export interface ScanRecord extends RequestRecord {
  tokTimestamp: number;
  tokFile: string;
  tokOffset: number;
}

export interface Collected {
  requests: Map<string, ScanRecord>;
  apiErrors: Map<string, ApiErrorRecord>;
  events: ConversationEvent[];
}

export function emptyCollected(): Collected {
  return { requests: new Map(), apiErrors: new Map(), events: [] };
}

export function requestKey(messageId: string, requestId: string | null): string {
  return requestId === null ? messageId : `${messageId}\u0000${requestId}`;
}

function before(aTs: number, aFile: string, aOff: number, bTs: number, bFile: string, bOff: number): boolean {
  if (aTs !== bTs) return aTs < bTs;
  if (aFile !== bFile) return aFile < bFile;
  return aOff < bOff;
}

type Tokens = Pick<ScanRecord, 'input' | 'cacheWrite5m' | 'cacheWrite1h' | 'cacheRead' | 'output' | 'speed' | 'inferenceGeo'>;
type Attribution = Pick<ScanRecord, 'sessionId' | 'cwd' | 'agentId' | 'model' | 'version'>;

/** Tokens: the line with the largest output_tokens; ties go to the earlier line. */
function mergeTokens(a: ScanRecord, t: Tokens, ts: number, file: string, offset: number): void {
  if (t.output > a.output || (t.output === a.output && before(ts, file, offset, a.tokTimestamp, a.tokFile, a.tokOffset))) {
    a.input = t.input;
    a.cacheWrite5m = t.cacheWrite5m;
    a.cacheWrite1h = t.cacheWrite1h;
    a.cacheRead = t.cacheRead;
    a.output = t.output;
    a.speed = t.speed;
    a.inferenceGeo = t.inferenceGeo;
    a.tokTimestamp = ts;
    a.tokFile = file;
    a.tokOffset = offset;
  }
}

/** Time and attribution: the earliest line. */
function mergeAttribution(a: ScanRecord, t: Attribution, project: string, ts: number, file: string, offset: number): void {
  if (before(ts, file, offset, a.timestamp, a.file, a.offset)) {
    a.timestamp = ts;
    a.sessionId = t.sessionId;
    a.project = project;
    a.cwd = t.cwd;
    a.agentId = t.agentId;
    a.model = t.model;
    a.version = t.version;
    a.file = file;
    a.offset = offset;
  }
}

/** Merges `b` into `a` (mutating `a`). */
export function mergeRecord(a: ScanRecord, b: ScanRecord): void {
  mergeTokens(a, b, b.tokTimestamp, b.tokFile, b.tokOffset);
  mergeAttribution(a, b, b.project, b.timestamp, b.file, b.offset);
}

function mergeError(map: Map<string, ApiErrorRecord>, e: ApiErrorRecord): void {
  const prev = map.get(e.key);
  if (!prev || before(e.timestamp, e.file, e.offset, prev.timestamp, prev.file, prev.offset)) map.set(e.key, e);
}

function newRecord(key: string, o: LineUsage, ctx: LineContext, offset: number): ScanRecord {
  return {
    key,
    messageId: o.messageId,
    requestId: o.requestId,
    timestamp: o.timestamp,
    sessionId: o.sessionId,
    project: ctx.project,
    cwd: o.cwd,
    agentId: o.agentId,
    model: o.model,
    version: o.version,
    speed: o.speed,
    inferenceGeo: o.inferenceGeo,
    input: o.input,
    cacheWrite5m: o.cacheWrite5m,
    cacheWrite1h: o.cacheWrite1h,
    cacheRead: o.cacheRead,
    output: o.output,
    file: ctx.file,
    offset,
    tokTimestamp: o.timestamp,
    tokFile: ctx.file,
    tokOffset: offset,
  };
}

/** The common case (a further line of a streamed response): merge without building a record. */
function mergeLine(a: ScanRecord, o: LineUsage, ctx: LineContext, offset: number): void {
  mergeTokens(a, o, o.timestamp, ctx.file, offset);
  mergeAttribution(a, o, ctx.project, o.timestamp, ctx.file, offset);
}

/** Adds one decoded line outcome to the collection. */
export function addOutcome(c: Collected, o: LineOutcome, ctx: LineContext, offset: number): void {
  if (o.kind === 'usage') {
    const key = requestKey(o.messageId, o.requestId);
    const prev = c.requests.get(key);
    if (prev) mergeLine(prev, o, ctx, offset);
    else c.requests.set(key, newRecord(key, o, ctx, offset));
  } else if (o.kind === 'api-error') {
    mergeError(c.apiErrors, {
      key: o.messageId,
      timestamp: o.timestamp,
      sessionId: o.sessionId,
      project: ctx.project,
      agentId: o.agentId,
      error: o.error,
      file: ctx.file,
      offset,
    });
  } else if (o.kind === 'event') {
    c.events.push({
      kind: o.event,
      timestamp: o.timestamp,
      sessionId: o.sessionId,
      project: ctx.project,
      agentId: o.agentId,
      detail: o.detail,
      file: ctx.file,
      offset,
    });
  }
}

/** Merges `from` into `into`. */
export function mergeCollected(into: Collected, from: { requests: Iterable<ScanRecord>; apiErrors: Iterable<ApiErrorRecord>; events: ConversationEvent[] }): void {
  for (const r of from.requests) {
    const prev = into.requests.get(r.key);
    if (prev) mergeRecord(prev, r);
    else into.requests.set(r.key, r);
  }
  for (const e of from.apiErrors) mergeError(into.apiErrors, e);
  for (const e of from.events) into.events.push(e);
}

/** Final, sorted, plain records (internal tie-break fields dropped). */
export function finishCollected(c: Collected): { requests: RequestRecord[]; apiErrors: ApiErrorRecord[]; events: ConversationEvent[] } {
  // records keep their internal tie-break fields: copying 100k objects to drop them costs more than it saves
  const requests: RequestRecord[] = [...c.requests.values()];
  const order = (a: { timestamp: number; file: string; offset: number }, b: { timestamp: number; file: string; offset: number }): number =>
    a.timestamp - b.timestamp || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset);
  requests.sort(order);
  const apiErrors = [...c.apiErrors.values()].sort(order);
  // the same event line can be read twice (a file copied into a resumed session); keep one
  const seen = new Set<string>();
  const events = c.events
    .filter((e) => {
      const k = `${e.file}\u0000${e.offset}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(order);
  return { requests, apiErrors, events };
}
