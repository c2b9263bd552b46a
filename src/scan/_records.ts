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

/** Record columns and the strings their references index: a request table's, or another thread's (KeptRecords). */
interface Columns {
  num: Float64Array;
  ref: Int32Array;
  strings: readonly string[];
}

function tableColumns(t: RequestTable): Columns {
  return { num: t.num, ref: t.ref, strings: t.pool.strings };
}

/**
 * The request records as plain objects, in `order` (record indexes; default:
 * as stored).
 */
export function requestRecords(t: RequestTable, order?: ArrayLike<number>): Request[] {
  return columnRecords(tableColumns(t), order ?? Uint32Array.from({ length: t.count }, (_, i) => i));
}

function columnRecords(c: Columns, order: ArrayLike<number>): Request[] {
  const n = order.length;
  const out: Request[] = new Array<Request>(n);
  const num = c.num;
  const ref = c.ref;
  const strings = c.strings;
  const s = (i: number): string | null => (i < 0 ? null : strings[i]!);
  for (let k = 0; k < n; k++) {
    const r = order[k]!;
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

/**
 * Records another thread's table holds and the sink's table does not (the
 * others were merged into it: transfer.ts mergeKeeping): read where they are,
 * not copied in, and listed with the table's by bySession.
 */
export interface KeptRecords extends Columns {
  /** the kept record indexes */
  rows: number[];
}

const NO_KEPT: KeptRecords = { num: new Float64Array(0), ref: new Int32Array(0), strings: [], rows: [] };

/**
 * A session's rows read in place (RequestRows): one object for all of them.
 * A row g below `split` is record g of the table, one above it record
 * kept.rows[g - split] of the kept records.
 */
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
  // (the table's and the kept records' arrays as fields of their own: seek picks between them with no object of either shape)
  private readonly tNum: Float64Array;
  private readonly tRef: Int32Array;
  private readonly kNum: Float64Array;
  private readonly kRef: Int32Array;
  private readonly kRows: readonly number[];
  /**
   * `named`, `keptNamed`: the strings one place on, with null first, so that
   * a reference (-1 for null) reads as named[ref + 1] with no branch: a
   * branch first taken after the code was optimized throws that code away.
   */
  constructor(
    private readonly t: Columns,
    private readonly named: readonly (string | null)[],
    private readonly kept: KeptRecords,
    private readonly keptNamed: readonly (string | null)[],
    private readonly split: number,
    private readonly rows: readonly number[],
  ) {
    this.count = rows.length;
    // the fields that hold null or a string hold both from the start: the first string stored into a field
    // that only held null changes the object's shape, which throws away the reduction's optimized code
    this.agentId = '';
    this.speed = '';
    this.inferenceGeo = '';
    this.agentId = null;
    this.speed = null;
    this.inferenceGeo = null;
    this.tNum = t.num;
    this.tRef = t.ref;
    this.kNum = kept.num;
    this.kRef = kept.ref;
    this.kRows = kept.rows;
  }
  seek(i: number): void {
    const g = this.rows[i]!;
    const inTable = g < this.split;
    const r = inTable ? g : this.kRows[g - this.split]!;
    const num = inTable ? this.tNum : this.kNum;
    const ref = inTable ? this.tRef : this.kRef;
    const named = inTable ? this.named : this.keptNamed;
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
    const g = this.rows[i]!;
    if (g < this.split) return this.named[this.tRef[g * NS + S_AGENT]! + 1]!;
    return this.keptNamed[this.kRef[this.kRows[g - this.split]! * NS + S_AGENT]! + 1]!;
  }
  record(i: number): RequestRecord {
    const g = this.rows[i]!;
    return g < this.split ? columnRecords(this.t, [g])[0]! : columnRecords(this.kept, [this.kRows[g - this.split]!])[0]!;
  }
}

/**
 * (timestamp, file, offset) order of rows as TableRows numbers them. Only the
 * timestamps are gathered first: rows seldom share one, so the paths and
 * offsets of the tie-break are read where they are, when needed.
 */
function lineOrder(t: RequestTable, kept: KeptRecords = NO_KEPT): (a: number, b: number) => number {
  const split = t.count;
  const num = t.num;
  const ref = t.ref;
  const strings = t.pool.strings;
  const keptRows = kept.rows;
  const keptNum = kept.num;
  const ts = new Float64Array(split + keptRows.length);
  for (let r = 0; r < split; r++) ts[r] = num[r * NN + N_TS]!;
  for (let j = 0; j < keptRows.length; j++) ts[split + j] = keptNum[keptRows[j]! * NN + N_TS]!;
  const file = (g: number): string => (g < split ? strings[ref[g * NS + S_FILE]!]! : kept.strings[kept.ref[keptRows[g - split]! * NS + S_FILE]!]!);
  const offset = (g: number): number => (g < split ? num[g * NN + N_OFFSET]! : keptNum[keptRows[g - split]! * NN + N_OFFSET]!);
  return (a, b) => {
    const d = ts[a]! - ts[b]!;
    if (d !== 0) return d;
    const fa = file(a);
    const fb = file(b);
    return fa < fb ? -1 : fa > fb ? 1 : offset(a) - offset(b);
  };
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
export function bySession(c: Collected, kept: KeptRecords = NO_KEPT): SessionRecords {
  const t = c.requests;
  const strings = t.pool.strings;
  const split = t.count;
  // a session of the kept records as the table's pool index, interned once each
  const pooled = new Int32Array(kept.strings.length).fill(-2);
  const keptPooled = (i: number): number => {
    let m = pooled[i]!;
    if (m === -2) pooled[i] = m = t.pool.intern(kept.strings[i]!);
    return m;
  };
  // rows by session (pool index) in table order, which is mostly line order already: sorting each
  // session's rows is then little work, where one sort of every row compares across sessions
  const bySess = new Map<number, number[]>();
  const ref = t.ref;
  const keptRows = kept.rows;
  const keptRef = kept.ref;
  // (consecutive rows are mostly of one session: its list is looked up once per run of them)
  let last = -2;
  let list: number[] = [];
  for (let g = 0; g < split + keptRows.length; g++) {
    const s = g < split ? ref[g * NS + S_SESSION]! : keptPooled(keptRef[keptRows[g - split]! * NS + S_SESSION]!);
    if (s !== last) {
      last = s;
      let l = bySess.get(s);
      if (!l) bySess.set(s, (l = []));
      list = l;
    }
    list.push(g);
  }
  const order = lineOrder(t, kept);
  const groups = [...bySess];
  for (const [, list] of groups) list.sort(order);
  groups.sort((a, b) => order(a[1][0]!, b[1][0]!));
  const rows = new Map<string, number[]>();
  for (const [s, list] of groups) rows.set(strings[s]!, list);
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
  const columns = tableColumns(t);
  let named: (string | null)[] | undefined;
  let keptNamed: (string | null)[] | undefined;
  return {
    sessions,
    rows: (s) => {
      named ??= ([null] as (string | null)[]).concat(strings);
      keptNamed ??= ([null] as (string | null)[]).concat(kept.strings);
      return { requests: new TableRows(columns, named, kept, keptNamed, split, rows.get(s) ?? []), apiErrors: errorsOf.get(s) ?? [], events: eventsOf.get(s) ?? [] };
    },
  };
}
