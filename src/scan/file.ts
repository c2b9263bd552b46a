// Reads one transcript file in fixed-size chunks (never as one string), finds
// the few lines that matter with Buffer.indexOf on byte markers, and decodes
// only those.
import fs from 'node:fs';
import { emptyIssues, type ScanIssues } from '../domain/types.js';
import { decodeLine, type LineContext, type LineOutcome } from './line.js';
import { SkimError } from './skim.js';

/**
 * Byte sequences that pick the lines worth decoding. Each is short and starts
 * with a byte that is rare in JSON text, so Buffer.indexOf runs at memchr
 * speed; false positives only cost a decode, which checks the structure.
 */
const USAGE_MARKER = Buffer.from('_tokens'); // every usage object: input_tokens / output_tokens
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

/** A read buffer reused across files: fresh multi-MB buffers cost page faults. */
export interface ScanScratch {
  buf: Buffer;
}

export function newScratch(size = 4194304): ScanScratch {
  return { buf: Buffer.allocUnsafe(size) };
}

export interface FileScanOptions {
  /** reusable read buffer (grows when a single line is longer) */
  scratch?: ScanScratch;
  /** also find conversation events (compaction, commands); each marker is another pass over the bytes */
  events?: boolean;
  /** byte offset to start from (incremental scans) */
  startOffset?: number;
}

export interface FileScanResult {
  bytes: number;
  usageLines: number;
  /** offset just past the last complete line read */
  endOffset: number;
  issues: ScanIssues;
}

function isWs(c: number | undefined): boolean {
  return c === 32 || c === 13 || c === 9 || c === 10;
}

/**
 * Streams a file and calls `emit` for each decoded outcome together with the
 * byte offset of its line. Unreadable files are reported in the issues, never thrown.
 */
export function scanFile(
  path: string,
  ctx: LineContext,
  emit: (o: LineOutcome, offset: number) => void,
  opts: FileScanOptions = {},
): FileScanResult {
  const issues = emptyIssues();
  let usageLines = 0;
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    issues.unreadableFiles.push({ path, error: (err as Error).message });
    return { bytes: 0, usageLines, endOffset: 0, issues };
  }
  const scratch = opts.scratch ?? newScratch();
  let buf = scratch.buf;
  let filled = 0; // bytes valid in buf
  let base = opts.startOffset ?? 0; // file offset of buf[0]
  let pos = base; // next file offset to read
  let bytes = 0;
  const outcomes: LineOutcome[] = [];

  // Next occurrence of each marker in the current view. Lines are visited in
  // order, so each marker is searched once per chunk, never once per line.
  const MARKERS = opts.events === false ? USAGE_ONLY : ALL_MARKERS;
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
      emit(o, base + s);
    }
  };

  try {
    for (;;) {
      if (filled === buf.length) {
        // one line longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
        scratch.buf = bigger;
      }
      const n = fs.readSync(fd, buf, filled, buf.length - filled, pos);
      pos += n;
      bytes += n;
      filled += n;
      const eof = n === 0;
      // Marker searches must not run past valid data: search a view of it.
      const view = buf.subarray(0, filled);
      resetHits();
      let s = 0;
      for (;;) {
        const nl = view.indexOf(NEWLINE, s);
        if (nl < 0) break;
        handleLine(view, s, nl, false);
        s = nl + 1;
      }
      if (eof) {
        // an unterminated last line is decoded if it can be, but the offset
        // reached stays before it so an incremental re-read sees it whole
        if (s < filled) handleLine(view, s, filled, true);
        base += s;
        filled = 0;
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
  if (bytes === 0 && (opts.startOffset ?? 0) === 0 && issues.unreadableFiles.length === 0) issues.emptyFiles++;
  return { bytes, usageLines, endOffset: base, issues };
}
