// A packed copy of every request record, kept in the store beside the rows.
// Reading 100k rows through SQLite costs far more than reading one blob, so a
// report loads the snapshot plus the few rows written since it was taken
// (rows carry the generation that last wrote them).
import type { StoredRequest } from './sqlite.js';

const NUM = ['timestamp', 'input', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead', 'output', 'offset', 'tokTimestamp', 'tokOffset'] as const;
const STR = ['key', 'messageId', 'requestId', 'sessionId', 'project', 'cwd', 'agentId', 'model', 'version', 'speed', 'inferenceGeo', 'file', 'tokFile'] as const;
const NN = NUM.length;
const NS = STR.length;
const SEP = '\u0001';

/** [u32 count][u32 string bytes][f64 nums…][i32 refs…][utf8 strings joined by \u0001] */
export function packSnapshot(records: readonly StoredRequest[]): Buffer {
  const n = records.length;
  const nums = new Float64Array(n * NN);
  const refs = new Int32Array(n * NS);
  const index = new Map<string, number>();
  const strings: string[] = [];
  records.forEach((r, i) => {
    for (let k = 0; k < NN; k++) nums[i * NN + k] = r[NUM[k]!];
    for (let k = 0; k < NS; k++) {
      const v = r[STR[k]!];
      if (v === null) {
        refs[i * NS + k] = -1;
        continue;
      }
      let x = index.get(v);
      if (x === undefined) {
        x = strings.length;
        strings.push(v);
        index.set(v, x);
      }
      refs[i * NS + k] = x;
    }
  });
  // a separator inside a string (never seen in practice) switches the table to JSON
  const plain = !strings.some((x) => x.includes(SEP));
  const text = Buffer.from(plain ? strings.join(SEP) : JSON.stringify(strings), 'utf8');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(n, 0);
  head.writeUInt32LE(plain ? strings.length : 0xffffffff, 4);
  return Buffer.concat([head, Buffer.from(nums.buffer), Buffer.from(refs.buffer), text]);
}

export function unpackSnapshot(buf: Buffer): StoredRequest[] {
  const n = buf.readUInt32LE(0);
  const count = buf.readUInt32LE(4);
  // copy into aligned arrays (the blob's offset in memory need not be 8-aligned)
  const numBytes = n * NN * 8;
  const refBytes = n * NS * 4;
  const nums = new Float64Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + 8 + numBytes));
  const refs = new Int32Array(buf.buffer.slice(buf.byteOffset + 8 + numBytes, buf.byteOffset + 8 + numBytes + refBytes));
  const tail = buf.toString('utf8', 8 + numBytes + refBytes);
  const strings: string[] = count === 0xffffffff ? (JSON.parse(tail) as string[]) : count === 0 ? [] : tail.split(SEP);
  const s = (i: number, k: number): string | null => {
    const x = refs[i * NS + k]!;
    return x < 0 ? null : strings[x]!;
  };
  const out: StoredRequest[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * NN;
    out[i] = {
      key: s(i, 0)!, messageId: s(i, 1)!, requestId: s(i, 2), sessionId: s(i, 3)!, project: s(i, 4)!, cwd: s(i, 5), agentId: s(i, 6),
      model: s(i, 7)!, version: s(i, 8), speed: s(i, 9), inferenceGeo: s(i, 10), file: s(i, 11)!, tokFile: s(i, 12)!,
      timestamp: nums[o]!, input: nums[o + 1]!, cacheWrite5m: nums[o + 2]!, cacheWrite1h: nums[o + 3]!, cacheRead: nums[o + 4]!,
      output: nums[o + 5]!, offset: nums[o + 6]!, tokTimestamp: nums[o + 7]!, tokOffset: nums[o + 8]!,
    };
  }
  return out;
}
