// Reads one transcript file (or one byte range of it) in fixed-size chunks
// (never as one string), finds the few lines that matter with Buffer.indexOf on
// byte markers, and decodes only those: with the fast decoder when it can, else
// with the generic one.
import fs from 'node:fs';
import { emptyIssues, type ScanIssues } from '../domain/types.js';
import { addFast, addOutcome, type Collected } from './collect.js';
import { FALLBACK, FastDecoder, R_API_ERROR, R_EVENT, R_NO_MESSAGE_ID, R_NO_TIMESTAMP, R_SYNTHETIC, R_USAGE } from './fast.js';
import { decodeLine, type LineContext, type LineOutcome } from './line.js';
import { SkimError } from './skim.js';
import { growWasmBuffer, wasmBuffer, type WasmWalk } from './_wasm.js';

/**
 * Byte sequences that pick the lines worth decoding. Each is short and starts
 * with a byte that is rare in JSON text, so Buffer.indexOf runs at memchr
 * speed; false positives only cost a decode, which checks the structure.
 */
const USAGE_MARKER = Buffer.from('_tokens'); // every usage object: input_tokens / output_tokens
/**
 * ...as a key: followed by a quote. Inside a JSON string a quote is escaped
 * (`_tokens\"`), so code or prose that mentions input_tokens (common in
 * tool results) does not mark its line. (Searched for as 7 bytes, then this
 * byte checked: Buffer.indexOf is much slower on the 8-byte needle.)
 */
const USAGE_MARKER_END = 34;
const EVENT_MARKERS = [
  Buffer.from('<comman'), // <command-name>/model</command-name> user lines
  Buffer.from('_bounda'), // compact_boundary and microcompact_boundary
  Buffer.from('Compact'), // isCompactSummary
  Buffer.from('Session'), // SessionStart:startup|resume|clear|compact hook lines
];
const ALL_MARKERS = [USAGE_MARKER, ...EVENT_MARKERS];
const USAGE_ONLY = [USAGE_MARKER];

const NEWLINE = 10;
const LBRACE = 123;
const RBRACE = 125;

/** Per-thread scratch: a read buffer reused across files (fresh buffers cost page faults) and the line decoder. */
export interface ScanScratch {
  buf: Buffer;
  decoder: FastDecoder;
  /** the WebAssembly walk whose memory holds `buf` (null: a plain buffer, walked in JS) */
  walk?: WasmWalk | null;
}

/**
 * 1 MiB: the chunk is read, searched for newlines and searched for markers, so
 * it should stay in the core's L2 cache between those passes (2 MiB here); a
 * line longer than the buffer grows it.
 */
export function newScratch(size = 1 << 20): ScanScratch {
  const w = wasmBuffer(size);
  if (w) return { buf: w.buf, decoder: new FastDecoder(w.walk), walk: w.walk };
  return { buf: Buffer.allocUnsafe(size), decoder: new FastDecoder(), walk: null };
}

export interface FileScanOptions {
  /** reusable read buffer and decoder */
  scratch?: ScanScratch;
  /** also find conversation events (compaction, commands); each marker is another pass over the bytes */
  events?: boolean;
  /** byte offset of a line start to start from (incremental scans) */
  startOffset?: number;
  /**
   * Scan only the lines whose first byte lies in [start, end): one share of a
   * file split across threads. Shares that tile the file read every line
   * exactly once; offsets stay file-absolute.
   */
  range?: { start: number; end: number };
}

export interface FileScanResult {
  /** bytes read (for a range: the bytes it owns) */
  bytes: number;
  usageLines: number;
  /** offset just past the last complete line read */
  endOffset: number;
  /**
   * the read ran into the end of the file. For a range, endOffset is then the
   * file's end offset unless the range held no line start at all (a line from
   * an earlier range runs to the end): over the ranges of a file that reached
   * the end, the smallest endOffset is the file's.
   */
  reachedEof: boolean;
  issues: ScanIssues;
}

function isWs(c: number | undefined): boolean {
  return c === 32 || c === 13 || c === 9 || c === 10;
}

/** Bytes read past a range's end to finish its last line, per read. */
const TAIL_READ = 64 << 10;

/**
 * Streams a file and adds what its lines say to `collected`. Unreadable files
 * are reported in the issues, never thrown.
 */
export function scanFile(path: string, ctx: LineContext, collected: Collected, opts: FileScanOptions = {}): FileScanResult {
  const issues = emptyIssues();
  let usageLines = 0;
  const range = opts.range;
  const first = range ? range.start : (opts.startOffset ?? 0);
  const limit = range ? range.end : Infinity;
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY); // (a number: no flags string to parse per file)
  } catch (err) {
    issues.unreadableFiles.push({ path, error: (err as Error).message });
    return { bytes: 0, usageLines, endOffset: 0, reachedEof: false, issues };
  }
  const scratch = opts.scratch ?? newScratch();
  const dec = scratch.decoder;
  const events = opts.events !== false;
  let buf = scratch.buf;
  let filled = 0; // bytes valid in buf
  // a range that starts inside the file begins at the first line start at or after `first`:
  // read from first - 1 and drop everything up to and including the first newline
  let aligning = range !== undefined && first > 0;
  let base = aligning ? first - 1 : first; // file offset of buf[0]
  let pos = base; // next file offset to read
  let bytes = 0;
  let reachedEof = false;
  const outcomes: LineOutcome[] = [];

  // Next occurrence of each marker in the current view. Lines are visited in
  // order, so each marker is searched once per chunk, never once per line.
  const MARKERS = events ? ALL_MARKERS : USAGE_ONLY;
  const nextHit = new Array<number>(MARKERS.length).fill(-1);
  const resetHits = (): void => {
    nextHit.fill(-1);
  };
  const isMarked = (view: Buffer, s: number, t: number): boolean => {
    let marked = false;
    for (let i = 0; i < MARKERS.length; i++) {
      let h = nextHit[i]!;
      if (h !== Infinity && h < s) {
        h = view.indexOf(MARKERS[i]!, s);
        // (MARKERS[0] is USAGE_MARKER)
        if (i === 0) while (h >= 0 && view[h + USAGE_MARKER.length] !== USAGE_MARKER_END) h = view.indexOf(USAGE_MARKER, h + 1);
        if (h < 0) h = Infinity;
        nextHit[i] = h;
      }
      if (h < t) marked = true;
    }
    return marked;
  };

  const handleLine = (view: Buffer, s: number, e: number, isLast: boolean): void => {
    // trim whitespace / CR
    while (s < e && isWs(view[s])) s++;
    let t = e;
    while (t > s && isWs(view[t - 1])) t--;
    if (s === t) return;
    const wellFormed = view[s] === LBRACE && view[t - 1] === RBRACE;
    const marked = isMarked(view, s, t);
    if (!marked) {
      if (!wellFormed) {
        if (isLast) issues.truncatedLastLines++;
        else issues.badLines++;
      }
      return;
    }
    const r = dec.decode(view, s, t, ctx, events);
    if (r !== FALLBACK) {
      if (r === R_USAGE || r === R_API_ERROR) {
        usageLines++;
        addFast(collected, dec, r, ctx, base + s);
      } else if (r === R_NO_MESSAGE_ID) issues.noMessageId++;
      else if (r === R_SYNTHETIC) issues.syntheticNoResponse++;
      else if (r === R_NO_TIMESTAMP) issues.noTimestamp++;
      else if (r === R_EVENT) addOutcome(collected, dec.event!, ctx, base + s);
      return;
    }
    // the generic decoder: bad JSON, concatenated objects, and every other line the fast path leaves to it
    outcomes.length = 0;
    let objects = 0;
    let failed = false;
    try {
      objects = decodeLine(view, s, t, ctx, outcomes);
    } catch (err) {
      if (!(err instanceof SkimError) && !(err instanceof SyntaxError)) throw err;
      failed = true;
    }
    if (failed) {
      if (isLast) issues.truncatedLastLines++;
      else issues.badLines++;
    } else if (objects > 1) issues.concatenatedLines++;
    for (const o of outcomes) {
      if (o.kind === 'usage' || o.kind === 'api-error') usageLines++;
      else if (o.kind === 'no-message-id') issues.noMessageId++;
      else if (o.kind === 'synthetic') issues.syntheticNoResponse++;
      else if (o.kind === 'no-timestamp') issues.noTimestamp++;
      else if (o.kind === 'event' && !events) continue;
      addOutcome(collected, o, ctx, base + s);
    }
  };

  try {
    for (;;) {
      if (filled === buf.length) {
        // one line longer than the buffer: grow it (a WebAssembly memory grows in place, keeping its bytes)
        if (scratch.walk) buf = growWasmBuffer(scratch.walk, buf.length * 2);
        else {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        scratch.buf = buf;
      }
      // within the range read whole chunks up to its end; past it, only what finishes the last line
      let want = buf.length - filled;
      if (limit !== Infinity) want = Math.min(want, pos < limit ? limit - pos : TAIL_READ);
      const n = fs.readSync(fd, buf, filled, want, pos);
      pos += n;
      bytes += n;
      filled += n;
      const eof = n === 0;
      // Marker searches must not run past valid data: search a view of it.
      const view = buf.subarray(0, filled);
      resetHits();
      let s = 0;
      if (aligning) {
        const nl = view.indexOf(NEWLINE, 0);
        if (nl < 0) {
          // no line starts in this chunk
          base += filled;
          filled = 0;
          if (eof) {
            reachedEof = true;
            break;
          }
          continue;
        }
        s = nl + 1;
        aligning = false;
      }
      let done = false;
      for (;;) {
        if (base + s >= limit) {
          // the next line belongs to the next range
          done = true;
          break;
        }
        const nl = view.indexOf(NEWLINE, s);
        if (nl < 0) break;
        handleLine(view, s, nl, false);
        s = nl + 1;
      }
      if (done) {
        base += s;
        filled = 0;
        break;
      }
      if (eof) {
        // an unterminated last line is decoded if it can be, but the offset
        // reached stays before it so an incremental re-read sees it whole
        if (s < filled) handleLine(view, s, filled, true);
        base += s;
        filled = 0;
        reachedEof = true;
        break;
      }
      // keep the partial last line for the next read
      if (s > 0) {
        buf.copy(buf, 0, s, filled);
        filled -= s;
        base += s;
      }
    }
  } catch (err) {
    issues.unreadableFiles.push({ path, error: (err as Error).message });
  } finally {
    fs.closeSync(fd);
  }
  // a range owns the bytes from its start to its end (or to the end of the file): ranges that tile a file add up to its size
  if (range) bytes = Math.max(0, Math.min(pos, limit) - first);
  // (added whatever the file, each part read on every call: the first empty file comes last, biggest first, and a
  // comparison or add that first runs once this code is optimized throws that code away)
  const empty = bytes === 0;
  const fromStart = first === 0;
  const whole = range === undefined || reachedEof;
  const readable = issues.unreadableFiles.length === 0;
  issues.emptyFiles += empty && fromStart && whole && readable ? 1 : 0;
  return { bytes, usageLines, endOffset: base, reachedEof, issues };
}
