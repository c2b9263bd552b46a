// The quick incremental scan every command runs before reading the store:
// unchanged files are skipped from their stat alone, appended files are read
// from where the last scan stopped, rewritten files (shorter, another inode,
// or a different first 4 KiB) from the start. Files that disappeared keep
// their records: history outlives Claude Code's cleanup.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { DiscoveredFile } from '../discover/index.js';
import type { ScanStats } from '../domain/types.js';
import type { FileState, SqliteStore, StoredRequest } from './sqlite.js';

const HEAD_BYTES = 4096;
/**
 * Records are committed in batches of about this many bytes read, so a first
 * run over gigabytes can be interrupted and resumed (CACHELENS_BATCH_BYTES
 * overrides it, for tests).
 */
function batchBytes(): number {
  const v = Number(process.env.CACHELENS_BATCH_BYTES);
  return Number.isFinite(v) && v > 0 ? v : 256 << 20;
}

/** sha1 of the first min(4 KiB, upTo) bytes: only bytes already read are compared, so appends never look like rewrites. */
export function headHash(file: string, upTo: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const len = Math.min(HEAD_BYTES, upTo);
    const buf = Buffer.alloc(len);
    const n = fs.readSync(fd, buf, 0, len, 0);
    return createHash('sha1').update(buf.subarray(0, n)).digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

interface Work {
  file: DiscoveredFile;
  startOffset: number;
  rewritten: boolean;
}

/** Decides, per file, what must be read. Pure but for hashing the heads of changed files. */
export function planRefresh(files: DiscoveredFile[], known: Map<string, FileState>): Work[] {
  const work: Work[] = [];
  for (const f of files) {
    const k = known.get(f.path);
    if (k && k.size === f.size && k.mtimeMs === f.mtimeMs && k.ino === f.ino && k.offset === f.size) continue;
    if (!k) {
      work.push({ file: f, startOffset: 0, rewritten: false });
      continue;
    }
    let hash = '';
    try {
      hash = headHash(f.path, k.offset);
    } catch {
      /* unreadable now: read again from the start, which reports it */
    }
    if (k.ino === f.ino && f.size >= k.offset && k.headHash === hash) work.push({ file: f, startOffset: k.offset, rewritten: false });
    else work.push({ file: f, startOffset: 0, rewritten: true });
  }
  return work;
}

export interface RefreshResult {
  filesRead: number;
  bytesRead: number;
  stats: ScanStats | null;
}

/** `rootOf(file)`: the root recorded for a file (its projects/ dir, or 'import:<dir>'). */
export async function refreshStore(store: SqliteStore, files: DiscoveredFile[], rootOf: (f: DiscoveredFile) => string): Promise<RefreshResult> {
  // grouped by root: a batch never mixes roots, so each response is marked under every root it was seen in
  const work = planRefresh(files, store.files()).sort((a, b) => (rootOf(a.file) < rootOf(b.file) ? -1 : rootOf(a.file) > rootOf(b.file) ? 1 : 0));
  if (work.length === 0) return { filesRead: 0, bytesRead: 0, stats: null };
  const { scanFiles } = await import('../scan/index.js');
  let bytesRead = 0;
  let stats: ScanStats | null = null;
  const BATCH_BYTES = batchBytes();
  for (let i = 0; i < work.length; ) {
    const batch: Work[] = [];
    let bytes = 0;
    const root = rootOf(work[i]!.file);
    while (i < work.length && (batch.length === 0 || bytes < BATCH_BYTES) && rootOf(work[i]!.file) === root) {
      const w = work[i++]!;
      batch.push(w);
      bytes += w.file.size - w.startOffset;
    }
    const scan = await scanFiles(
      batch.map((w) => ({ ...w.file, startOffset: w.startOffset })),
      { events: true },
    );
    bytesRead += scan.stats.bytes;
    stats = stats ? mergeStats(stats, scan.stats) : scan.stats;
    store.apply({
      root,
      requests: scan.requests as StoredRequest[],
      apiErrors: scan.apiErrors,
      events: scan.events,
      rewritten: batch.filter((w) => w.rewritten).map((w) => w.file.path),
      files: batch.map((w) => ({
        path: w.file.path,
        root: rootOf(w.file),
        project: w.file.project,
        size: w.file.size,
        mtimeMs: w.file.mtimeMs,
        ino: w.file.ino,
        offset: scan.fileEnds.get(w.file.path) ?? w.startOffset,
        headHash: safeHeadHash(w.file.path, scan.fileEnds.get(w.file.path) ?? w.startOffset),
      })),
    });
  }
  return { filesRead: work.length, bytesRead, stats };
}

function safeHeadHash(file: string, upTo: number): string {
  try {
    return headHash(file, upTo);
  } catch {
    return '';
  }
}

function mergeStats(a: ScanStats, b: ScanStats): ScanStats {
  return {
    ...a,
    badLines: a.badLines + b.badLines,
    truncatedLastLines: a.truncatedLastLines + b.truncatedLastLines,
    concatenatedLines: a.concatenatedLines + b.concatenatedLines,
    noMessageId: a.noMessageId + b.noMessageId,
    syntheticNoResponse: a.syntheticNoResponse + b.syntheticNoResponse,
    noTimestamp: a.noTimestamp + b.noTimestamp,
    emptyFiles: a.emptyFiles + b.emptyFiles,
    unreadableFiles: [...a.unreadableFiles, ...b.unreadableFiles],
    files: a.files + b.files,
    bytes: a.bytes + b.bytes,
    usageLines: a.usageLines + b.usageLines,
    elapsedMs: a.elapsedMs + b.elapsedMs,
  };
}
