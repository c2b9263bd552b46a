// Worker → main thread transfer of request records. A thread's records are
// already columns (collect.ts), so they travel as their two typed arrays
// (moved, not copied, and released once merged) and one string holding the
// thread's string pool.
import type { ScanResult } from '../domain/types.js';
import { mergeColumns, releaseColumns, type Collected, type KeptRecords, type RequestTable } from './collect.js';

export interface PackedRecords {
  count: number;
  /** the pool's strings, concatenated */
  text: string;
  /** start of string i in `text`; string i ends where i+1 starts */
  starts: Int32Array;
  nums: Float64Array;
  /** string-pool indexes; -1 for null */
  refs: Int32Array;
  /** each record's key hash: the receiving table looks keys up without hashing their strings again */
  hashes: Int32Array;
}

export function packRecords(t: RequestTable): PackedRecords {
  const strings = t.pool.strings;
  const starts = new Int32Array(strings.length + 1);
  let length = 0;
  for (let i = 0; i < strings.length; i++) {
    starts[i] = length;
    length += strings[i]!.length;
  }
  starts[strings.length] = length;
  // the columns themselves are handed over (trimmed to the records), not copied
  t.trim();
  return { count: t.count, text: strings.join(''), starts, nums: t.num, refs: t.ref, hashes: t.keyHashes() };
}

function unpackStrings(p: PackedRecords): string[] {
  const strings: string[] = new Array<string>(p.starts.length - 1);
  for (let i = 0; i < strings.length; i++) strings[i] = p.text.slice(p.starts[i]!, p.starts[i + 1]!);
  return strings;
}

/** Merges packed records into `into` (order-free, as every merge). */
export function mergePacked(into: RequestTable, p: PackedRecords): void {
  mergeColumns(into, p.count, p.nums, p.refs, unpackStrings(p), p.hashes);
  releaseColumns(p.nums, p.refs);
}

/**
 * Merges into `into` only the packed records it has already (the same
 * response read by both threads); the others, nearly all of them, stay in
 * their columns and are returned, for bySession to read where they are:
 * copying each into `into` was most of a merge's time. Last: records merged
 * into `into` afterwards would not be checked against them.
 */
export function mergeKeeping(into: RequestTable, p: PackedRecords): KeptRecords {
  const strings = unpackStrings(p);
  const rows: number[] = [];
  mergeColumns(into, p.count, p.nums, p.refs, strings, p.hashes, rows);
  return { num: p.nums, ref: p.refs, strings, rows };
}

/** A thread's records as a reading thread sends them to another (scan/sink.ts). */
export type Records = { packed: PackedRecords; apiErrors: ScanResult['apiErrors']; events: ScanResult['events'] };

/** `collected` as a reading thread sends it: the message and the buffers that move with it (not copied). */
export function recordsMessage(collected: Collected): { records: Records; moved: ArrayBuffer[] } {
  const packed = packRecords(collected.requests);
  const records = { packed, apiErrors: [...collected.apiErrors.values()], events: collected.events };
  const moved = [packed.nums.buffer as ArrayBuffer, packed.refs.buffer as ArrayBuffer, packed.starts.buffer as ArrayBuffer, packed.hashes.buffer as ArrayBuffer];
  return { records, moved };
}
