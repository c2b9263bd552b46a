// Worker → main thread transfer of request records. Structured-cloning tens of
// thousands of objects costs more than scanning their bytes, so records travel
// as two typed arrays (moved, not copied) and one string table.
import { requestKey, type ScanRecord } from './collect.js';

export interface PackedRecords {
  count: number;
  /** all distinct strings, concatenated */
  text: string;
  /** start of string i in `text`; string i ends where i+1 starts */
  starts: Int32Array;
  nums: Float64Array;
  /** string-table indexes; -1 for null */
  refs: Int32Array;
}

const NUM_FIELDS = ['timestamp', 'input', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'output', 'offset', 'tokTimestamp', 'tokOffset'] as const;
const STR_FIELDS = ['messageId', 'requestId', 'sessionId', 'project', 'cwd', 'agentId', 'model', 'version', 'speed', 'inferenceGeo', 'file', 'tokFile'] as const;
const NN = NUM_FIELDS.length;
const NS = STR_FIELDS.length;
/** the first STR_FIELDS (messageId, requestId) differ on every record */
const UNIQUE_FIELDS = 2;

export function packRecords(records: Iterable<ScanRecord>, count: number): PackedRecords {
  const index = new Map<string, number>();
  const parts: string[] = [];
  const startsList: number[] = [];
  let length = 0;
  const add = (s: string): number => {
    parts.push(s);
    startsList.push(length);
    length += s.length;
    return parts.length - 1;
  };
  // ids are unique per record: appended as they come; everything else repeats and is shared
  const intern = (s: string | null, unique: boolean): number => {
    if (s === null) return -1;
    if (unique) return add(s);
    let i = index.get(s);
    if (i === undefined) {
      i = add(s);
      index.set(s, i);
    }
    return i;
  };
  const nums = new Float64Array(count * NN);
  const refs = new Int32Array(count * NS);
  let n = 0;
  for (const r of records) {
    for (let k = 0; k < NN; k++) nums[n * NN + k] = r[NUM_FIELDS[k]!];
    for (let k = 0; k < NS; k++) refs[n * NS + k] = intern(r[STR_FIELDS[k]!], k < UNIQUE_FIELDS);
    n++;
  }
  startsList.push(length);
  return { count: n, text: parts.join(''), starts: Int32Array.from(startsList), nums, refs };
}

export function unpackRecords(p: PackedRecords, each: (r: ScanRecord) => void): void {
  const strings: string[] = new Array(p.starts.length - 1);
  for (let i = 0; i < strings.length; i++) strings[i] = p.text.slice(p.starts[i]!, p.starts[i + 1]!);
  const s = (n: number, k: number): string | null => {
    const i = p.refs[n * NS + k]!;
    return i < 0 ? null : strings[i]!;
  };
  const num = (n: number, k: number): number => p.nums[n * NN + k]!;
  for (let n = 0; n < p.count; n++) {
    const messageId = s(n, 0)!;
    const requestId = s(n, 1);
    each({
      key: requestKey(messageId, requestId),
      messageId,
      requestId,
      sessionId: s(n, 2)!,
      project: s(n, 3)!,
      cwd: s(n, 4),
      agentId: s(n, 5),
      model: s(n, 6)!,
      version: s(n, 7),
      speed: s(n, 8),
      inferenceGeo: s(n, 9),
      file: s(n, 10)!,
      tokFile: s(n, 11)!,
      timestamp: num(n, 0),
      input: num(n, 1),
      cacheWrite5m: num(n, 2),
      cacheWrite1h: num(n, 3),
      cacheRead: num(n, 4),
      output: num(n, 5),
      offset: num(n, 6),
      tokTimestamp: num(n, 7),
      tokOffset: num(n, 8),
    });
  }
}
