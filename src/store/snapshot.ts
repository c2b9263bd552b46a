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

function str(strings: string[], x: number): string | null {
  return x < 0 ? null : strings[x]!;
}

/** One shape for every record: V8 allocates and reads these faster than 64k object literals. */
class Row implements StoredRequest {
  constructor(
    public key: string,
    public messageId: string,
    public requestId: string | null,
    public sessionId: string,
    public project: string,
    public cwd: string | null,
    public agentId: string | null,
    public model: string,
    public version: string | null,
    public speed: string | null,
    public inferenceGeo: string | null,
    public file: string,
    public tokFile: string,
    public timestamp: number,
    public input: number,
    public cacheWrite5m: number,
    public cacheWrite1h: number,
    public cacheRead: number,
    public output: number,
    public offset: number,
    public tokTimestamp: number,
    public tokOffset: number,
  ) {}
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
  const out: StoredRequest[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * NN;
    const b = i * NS;
    out[i] = new Row(
      strings[refs[b]!]!, strings[refs[b + 1]!]!, str(strings, refs[b + 2]!), strings[refs[b + 3]!]!, strings[refs[b + 4]!]!,
      str(strings, refs[b + 5]!), str(strings, refs[b + 6]!), strings[refs[b + 7]!]!, str(strings, refs[b + 8]!), str(strings, refs[b + 9]!),
      str(strings, refs[b + 10]!), strings[refs[b + 11]!]!, strings[refs[b + 12]!]!,
      nums[o]!, nums[o + 1]!, nums[o + 2]!, nums[o + 3]!, nums[o + 4]!, nums[o + 5]!, nums[o + 6]!, nums[o + 7]!, nums[o + 8]!,
    );
  }
  return out;
}
