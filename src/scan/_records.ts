// Turning the request table into what a scan returns, once it is done: every
// record as a plain object in line order (finishCollected), or a session's
// records at a time, read in place (bySession). Split from collect.ts.
import { inLineOrder, type ApiErrorRecord, type ConversationEvent, type RequestRecord, type RequestRows } from '../domain/types.js';
import type { Collected } from './collect.js';
import { N_INPUT, N_OFFSET, N_OUTPUT, N_READ, N_TOK_OFFSET, N_TOK_TS, N_TS, N_W1, N_W5, NN, NS, type RequestTable, S_AGENT, S_CWD, S_FILE, S_GEO, S_MESSAGE, S_MODEL, S_PROJECT, S_REQUEST, S_SESSION, S_SPEED, S_TOK_FILE, S_VERSION } from './_table.js';

export function requestKey(messageId: string, requestId: string | null): string {
  return requestId === null ? messageId : `${messageId}\u0000${requestId}`;
}

/**
 * A request record as the scan hands it on, with where its token counts came
 * from (tokTimestamp, tokFile, tokOffset: the tie-break of the largest-output
 * rule, which the store needs to merge records across scans). A class only so
 * that V8 builds the 64k objects of a large scan with one constructor (an
 * object literal of 22 properties is made more slowly); it is plain data.
 */
export class Request implements RequestRecord {
  constructor(
    public key: string,
    public messageId: string,
    public requestId: string | null,
    public timestamp: number,
    public sessionId: string,
    public project: string,
    public cwd: string | null,
    public agentId: string | null,
    public model: string,
    public version: string | null,
    public speed: string | null,
    public inferenceGeo: string | null,
    public input: number,
    public cacheWrite5m: number,
    public cacheWrite1h: number,
    public cacheRead: number,
    public output: number,
    public file: string,
    public offset: number,
    // where the token counts came from: the merge's tie-breaker, kept so the store can merge later lines exactly
    public tokTimestamp: number,
    public tokFile: string,
    public tokOffset: number,
  ) {}
}

/**
 * A whole number as a small integer. A Float64Array read is a heap number to
 * V8, and the first one stored in a field makes every later value of that
 * field a boxed number: 12 bytes more per field and record (~5 MB for 64k
 * records). Other values are kept as they are.
 */
function smi(x: number): number {
  const i = x | 0;
  return i === x ? i : x;
}

/**
 * The request records as plain objects, in `order` (record indexes; default:
 * as stored).
 */
export function requestRecords(t: RequestTable, order?: ArrayLike<number>): Request[] {
  const n = order ? order.length : t.count;
  const out: Request[] = new Array<Request>(n);
  const num = t.num;
  const ref = t.ref;
  const strings = t.pool.strings;
  const s = (i: number): string | null => (i < 0 ? null : strings[i]!);
  for (let k = 0; k < n; k++) {
    const r = order ? order[k]! : k;
    const o = r * NN;
    const b = r * NS;
    const messageId = strings[ref[b + S_MESSAGE]!]!;
    const requestId = s(ref[b + S_REQUEST]!);
    out[k] = new Request(
      requestKey(messageId, requestId),
      messageId,
      requestId,
      num[o + N_TS]!,
      strings[ref[b + S_SESSION]!]!,
      strings[ref[b + S_PROJECT]!]!,
      s(ref[b + S_CWD]!),
      s(ref[b + S_AGENT]!),
      strings[ref[b + S_MODEL]!]!,
      s(ref[b + S_VERSION]!),
      s(ref[b + S_SPEED]!),
      s(ref[b + S_GEO]!),
      smi(num[o + N_INPUT]!),
      smi(num[o + N_W5]!),
      smi(num[o + N_W1]!),
      smi(num[o + N_READ]!),
      smi(num[o + N_OUTPUT]!),
      strings[ref[b + S_FILE]!]!,
      smi(num[o + N_OFFSET]!),
      num[o + N_TOK_TS]!,
      strings[ref[b + S_TOK_FILE]!]!,
      smi(num[o + N_TOK_OFFSET]!),
    );
  }
  return out;
}

/** A session's rows of the table read in place (RequestRows): one object for all of them. */
class TableRows implements RequestRows {
  timestamp = 0;
  input = 0;
  cacheWrite5m = 0;
  cacheWrite1h = 0;
  cacheRead = 0;
  output = 0;
  project = '';
  agentId: string | null = null;
  model = '';
  speed: string | null = null;
  inferenceGeo: string | null = null;
  readonly count: number;
  /**
   * `named`: the pool's strings one place on, with null first, so that a
   * reference (-1 for null) reads as named[ref + 1] with no branch: a branch
   * first taken after the code was optimized throws that code away.
   */
  constructor(
    private readonly t: RequestTable,
    private readonly rows: readonly number[],
    private readonly named: readonly (string | null)[],
  ) {
    this.count = rows.length;
  }
  seek(i: number): void {
    const r = this.rows[i]!;
    const num = this.t.num;
    const ref = this.t.ref;
    const named = this.named;
    const o = r * NN;
    const b = r * NS;
    this.timestamp = num[o + N_TS]!;
    // smi() spelled out: this runs for every row, often before it is optimized
    let x = num[o + N_INPUT]!;
    this.input = (x | 0) === x ? x | 0 : x;
    x = num[o + N_W5]!;
    this.cacheWrite5m = (x | 0) === x ? x | 0 : x;
    x = num[o + N_W1]!;
    this.cacheWrite1h = (x | 0) === x ? x | 0 : x;
    x = num[o + N_READ]!;
    this.cacheRead = (x | 0) === x ? x | 0 : x;
    x = num[o + N_OUTPUT]!;
    this.output = (x | 0) === x ? x | 0 : x;
    this.project = named[ref[b + S_PROJECT]! + 1]!;
    this.agentId = named[ref[b + S_AGENT]! + 1]!;
    this.model = named[ref[b + S_MODEL]! + 1]!;
    this.speed = named[ref[b + S_SPEED]! + 1]!;
    this.inferenceGeo = named[ref[b + S_GEO]! + 1]!;
  }
  agentAt(i: number): string | null {
    return this.named[this.t.ref[this.rows[i]! * NS + S_AGENT]! + 1]!;
  }
  record(i: number): RequestRecord {
    return requestRecords(this.t, [this.rows[i]!])[0]!;
  }
}

/** (timestamp, file, offset) order of record indexes, compared as numbers (files by the rank of their path). */
function lineOrder(t: RequestTable): (a: number, b: number) => number {
  const n = t.count;
  const num = t.num;
  const ref = t.ref;
  const strings = t.pool.strings;
  // rank the distinct file paths once
  const files = new Set<number>();
  for (let r = 0; r < n; r++) files.add(ref[r * NS + S_FILE]!);
  const byName = [...files].sort((a, b) => (strings[a]! < strings[b]! ? -1 : strings[a]! > strings[b]! ? 1 : 0));
  const rank = new Int32Array(strings.length);
  byName.forEach((f, i) => {
    rank[f] = i;
  });
  const ts = new Float64Array(n);
  const fileRank = new Int32Array(n);
  const off = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    ts[r] = num[r * NN + N_TS]!;
    off[r] = num[r * NN + N_OFFSET]!;
    fileRank[r] = rank[ref[r * NS + S_FILE]!]!;
  }
  return (a, b) => ts[a]! - ts[b]! || fileRank[a]! - fileRank[b]! || off[a]! - off[b]!;
}

/** Record indexes ordered by (timestamp, file, offset). */
function sortedOrder(t: RequestTable): Uint32Array {
  const order = new Uint32Array(t.count);
  for (let r = 0; r < order.length; r++) order[r] = r;
  return order.sort(lineOrder(t));
}

/** API errors and events in time order; an event line read twice (a file copied into a resumed session) is kept once. */
function sortedOthers(c: Collected): { apiErrors: ApiErrorRecord[]; events: ConversationEvent[] } {
  const apiErrors = [...c.apiErrors.values()].sort(inLineOrder);
  const seen = new Set<string>();
  const events = c.events
    .filter((e) => {
      const k = `${e.file}\u0000${e.offset}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(inLineOrder);
  return { apiErrors, events };
}

/** Final, sorted, plain records. */
export function finishCollected(c: Collected): { requests: RequestRecord[]; apiErrors: ApiErrorRecord[]; events: ConversationEvent[] } {
  const requests = requestRecords(c.requests, sortedOrder(c.requests));
  c.requests.release();
  return { requests, ...sortedOthers(c) };
}

/** The finished records of a scan, made on request a session at a time. */
export interface SessionRecords {
  /** sessions with requests, in the order of their first request; then those with API errors only */
  sessions: string[];
  /** a session's requests (read in place), API errors and events, each in time order */
  rows(sessionId: string): { requests: RequestRows; apiErrors: ApiErrorRecord[]; events: ConversationEvent[] };
}

/**
 * finishCollected, a session at a time: the columns stay as they are and a
 * session's rows are read in place when asked for (a record object only for a
 * row that needs one), so a caller that reduces each session to sums never
 * makes an object per record.
 */
export function bySession(c: Collected): SessionRecords {
  const t = c.requests;
  const strings = t.pool.strings;
  // rows by session (pool index) in table order, which is mostly line order already: sorting each
  // session's rows is then little work, where one sort of every row compares across sessions
  const bySess = new Map<number, number[]>();
  for (let r = 0; r < t.count; r++) {
    const s = t.ref[r * NS + S_SESSION]!;
    let list = bySess.get(s);
    if (!list) bySess.set(s, (list = []));
    list.push(r);
  }
  const order = lineOrder(t);
  const lists = [...bySess.values()];
  for (const list of lists) list.sort(order);
  lists.sort((a, b) => order(a[0]!, b[0]!));
  const rows = new Map<string, number[]>();
  for (const list of lists) rows.set(strings[t.ref[list[0]! * NS + S_SESSION]!]!, list);
  const { apiErrors, events } = sortedOthers(c);
  const group = <T extends { sessionId: string }>(xs: T[]): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      let list = m.get(x.sessionId);
      if (!list) m.set(x.sessionId, (list = []));
      list.push(x);
    }
    return m;
  };
  const errorsOf = group(apiErrors);
  const eventsOf = group(events);
  const sessions = [...rows.keys(), ...[...errorsOf.keys()].filter((s) => !rows.has(s))];
  let named: (string | null)[] | undefined;
  return {
    sessions,
    rows: (s) => {
      named ??= ([null] as (string | null)[]).concat(strings);
      return { requests: new TableRows(t, rows.get(s) ?? [], named), apiErrors: errorsOf.get(s) ?? [], events: eventsOf.get(s) ?? [] };
    },
  };
}
