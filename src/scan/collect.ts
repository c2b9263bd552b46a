// De-duplication of responses across lines and files (usage-accounting.md
// rules 1–3, 7). The merge is associative and order-independent, so workers
// can each reduce their files and the main thread can merge their results in
// any order and still get the same records.
//
// Records are kept as columns (typed arrays of numbers and of string-pool
// indexes), not as objects: a scan makes no object per response, a worker
// hands its columns over as they are, and the record objects are made once,
// at the end, on the main thread.
//
// The parts live in _pool.ts (string pool, key hash), _table.ts (the column
// table and its merge rules) and _records.ts (final records); this module
// adds lines, merges threads' results, and re-exports the rest for callers.
import type { ApiErrorRecord, ConversationEvent } from '../domain/types.js';
import { R_API_ERROR, R_USAGE, type FastDecoder } from './fast.js';
import type { LineContext, LineOutcome } from './line.js';
import { before, N_INPUT, N_OFFSET, N_OUTPUT, N_READ, N_TOK_OFFSET, N_TOK_TS, N_TS, N_W1, N_W5, NN, NS, RequestTable, S_AGENT, S_CWD, S_FILE, S_GEO, S_MESSAGE, S_MODEL, S_PROJECT, S_REQUEST, S_SESSION, S_SPEED, S_TOK_FILE, S_VERSION } from './_table.js';

export { StringPool } from './_pool.js';
export { NN, NS, NUM_FIELDS, releaseColumns, RequestTable, STR_FIELDS, type ResizableBuffer } from './_table.js';
export { bySession, finishCollected, Request, requestKey, requestRecords, type KeptRecords, type SessionRecords } from './_records.js';

export interface Collected {
  requests: RequestTable;
  apiErrors: Map<string, ApiErrorRecord>;
  events: ConversationEvent[];
}

export function emptyCollected(): Collected {
  return { requests: new RequestTable(), apiErrors: new Map(), events: [] };
}

// --- adding lines ---

/**
 * Adds a line the fast decoder read (R_USAGE or R_API_ERROR): the same as
 * addOutcome of its LineOutcome, but a further line of a known response makes
 * no strings unless it wins the tokens or the attribution.
 */
export function addFast(c: Collected, d: FastDecoder, result: number, ctx: LineContext, offset: number): void {
  const ts = d.timestamp;
  if (result === R_API_ERROR) {
    mergeError(c.apiErrors, {
      key: d.messageId(),
      timestamp: ts,
      sessionId: d.sessionId(ctx),
      project: ctx.project,
      agentId: d.agentId(ctx),
      error: d.error(),
      file: ctx.file,
      offset,
    });
    return;
  }
  if (result !== R_USAGE) return;
  const t = c.requests;
  let r = d.plainIds() ? t.findBytes(d.bytes, d.idStart, d.idEnd, d.requestStart, d.requestEnd) : t.findStrings(d.messageId(), d.requestId());
  const isNew = r < 0;
  if (isNew) r = t.addFound(d.messageId(), d.requestId());
  if (isNew || t.tokensWin(r, d.output, ts, ctx.file, offset)) {
    t.setTokens(r, d.input, d.cacheWrite5m, d.cacheWrite1h, d.cacheRead, d.output, t.shared(S_SPEED, d.speed()), t.shared(S_GEO, d.inferenceGeo()), ts, t.fileRef(ctx), offset);
  }
  if (isNew || t.attributionWins(r, ts, ctx.file, offset)) {
    t.setAttribution(
      r,
      ts,
      t.shared(S_SESSION, d.sessionId(ctx)),
      t.projectRef(ctx),
      t.shared(S_CWD, d.cwd()),
      t.shared(S_AGENT, d.agentId(ctx)),
      t.shared(S_MODEL, d.model()),
      t.shared(S_VERSION, d.version()),
      t.fileRef(ctx),
      offset,
    );
  }
}

function mergeError(map: Map<string, ApiErrorRecord>, e: ApiErrorRecord): void {
  const prev = map.get(e.key);
  if (!prev || before(e.timestamp, e.file, e.offset, prev.timestamp, prev.file, prev.offset)) map.set(e.key, e);
}

/** Adds one decoded line outcome (from the generic decoder) to the collection. */
export function addOutcome(c: Collected, o: LineOutcome, ctx: LineContext, offset: number): void {
  if (o.kind === 'usage') {
    const t = c.requests;
    let r = t.findStrings(o.messageId, o.requestId);
    const isNew = r < 0;
    if (isNew) r = t.addFound(o.messageId, o.requestId);
    if (isNew || t.tokensWin(r, o.output, o.timestamp, ctx.file, offset)) {
      t.setTokens(r, o.input, o.cacheWrite5m, o.cacheWrite1h, o.cacheRead, o.output, t.shared(S_SPEED, o.speed), t.shared(S_GEO, o.inferenceGeo), o.timestamp, t.fileRef(ctx), offset);
    }
    if (isNew || t.attributionWins(r, o.timestamp, ctx.file, offset)) {
      t.setAttribution(
        r,
        o.timestamp,
        t.shared(S_SESSION, o.sessionId),
        t.projectRef(ctx),
        t.shared(S_CWD, o.cwd),
        t.shared(S_AGENT, o.agentId),
        t.shared(S_MODEL, o.model),
        t.shared(S_VERSION, o.version),
        t.fileRef(ctx),
        offset,
      );
    }
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

/**
 * Merges the records of another table (another thread's, whose string pool is
 * `strings` and key hashes `hashes`) into `into`: mergeRecord of every record,
 * order-free. With `kept`, only records `into` already has are merged; the
 * indexes of the others are pushed to `kept` (they stay where they are, read
 * in place: see bySession).
 */
export function mergeColumns(into: RequestTable, count: number, num: Float64Array, ref: Int32Array, strings: readonly string[], hashes: Int32Array, kept?: number[]): void {
  // room for all of them at once: no growing or rehashing on the way
  if (!kept) into.reserve(into.count + count);
  // each distinct string of the other pool gets its index here once
  const map = new Int32Array(strings.length).fill(-2);
  const local = (i: number): number => {
    if (i < 0) return -1;
    let m = map[i]!;
    if (m === -2) {
      m = into.pool.intern(strings[i]!);
      map[i] = m;
    }
    return m;
  };
  for (let n = 0; n < count; n++) {
    // (a key no record here has: kept as it is, with no string looked at)
    if (kept && !into.hasHash(hashes[n]!)) {
      kept.push(n);
      continue;
    }
    const o = n * NN;
    const s = n * NS;
    const messageId = strings[ref[s + S_MESSAGE]!]!;
    const rq = ref[s + S_REQUEST]!;
    const requestId = rq < 0 ? null : strings[rq]!;
    let r = into.findHashed(hashes[n]!, messageId, requestId);
    const isNew = r < 0;
    if (isNew && kept) {
      // (a hash shared by another key)
      kept.push(n);
      continue;
    }
    if (isNew) r = into.addFound(messageId, requestId);
    const tokFile = strings[ref[s + S_TOK_FILE]!]!;
    if (isNew || into.tokensWin(r, num[o + N_OUTPUT]!, num[o + N_TOK_TS]!, tokFile, num[o + N_TOK_OFFSET]!)) {
      into.setTokens(
        r,
        num[o + N_INPUT]!,
        num[o + N_W5]!,
        num[o + N_W1]!,
        num[o + N_READ]!,
        num[o + N_OUTPUT]!,
        local(ref[s + S_SPEED]!),
        local(ref[s + S_GEO]!),
        num[o + N_TOK_TS]!,
        local(ref[s + S_TOK_FILE]!),
        num[o + N_TOK_OFFSET]!,
      );
    }
    const file = strings[ref[s + S_FILE]!]!;
    if (isNew || into.attributionWins(r, num[o + N_TS]!, file, num[o + N_OFFSET]!)) {
      into.setAttribution(
        r,
        num[o + N_TS]!,
        local(ref[s + S_SESSION]!),
        local(ref[s + S_PROJECT]!),
        local(ref[s + S_CWD]!),
        local(ref[s + S_AGENT]!),
        local(ref[s + S_MODEL]!),
        local(ref[s + S_VERSION]!),
        local(ref[s + S_FILE]!),
        num[o + N_OFFSET]!,
      );
    }
  }
}

/** Merges API errors and events from another thread into `into`. */
export function mergeCollected(into: Collected, from: { apiErrors: Iterable<ApiErrorRecord>; events: ConversationEvent[] }): void {
  for (const e of from.apiErrors) mergeError(into.apiErrors, e);
  for (const e of from.events) into.events.push(e);
}
