// The store's first run over a large history, off the user's clock. Filling
// the store writes every record and event into SQLite (~4 s and ~280 MiB for
// 1 GiB of transcripts), while reading the transcripts directly takes ~1 s.
// So when a one-shot command finds that much unread, it answers from a direct
// read and leaves the filling to a detached copy of itself (same arguments,
// output discarded), which also leaves behind the parts and the cached output
// the next identical run prints at once. One indexer at a time, by a lock file
// beside the store holding its pid.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DiscoveredFile } from '../discover/index.js';
import type { FileState } from '../store/sqlite.js';

/** The environment variable that marks the detached indexer (and how it knows it is one). */
export const CHILD_ENV = 'CACHELENS_INDEX_CHILD';
/** Unread bytes from which a one-shot command indexes in the background (CACHELENS_BACKGROUND_INDEX_BYTES overrides it; 0 = always). */
const DEFAULT_MIN_BYTES = 64 << 20;
/**
 * A lock older than this is stale whatever its pid says (pids are reused).
 * Long enough for any history to be indexed: a second indexer beside a slow
 * first one would only repeat its work (the store's merges are idempotent).
 */
const STALE_MS = 2 * 3600_000;

export function isIndexChild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[CHILD_ENV] === '1';
}

/** Unread bytes from which to index in the background, or null when CACHELENS_BACKGROUND_INDEX=0 turns it off. */
export function backgroundMinBytes(env: NodeJS.ProcessEnv = process.env): number | null {
  if (env.CACHELENS_BACKGROUND_INDEX === '0') return null;
  const v = env.CACHELENS_BACKGROUND_INDEX_BYTES;
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_MIN_BYTES;
}

/** Bytes a store refresh would read: new files whole, known ones from where the store stopped (a cheap upper bound: no head hashes). */
export function unreadBytes(files: DiscoveredFile[], known: Map<string, FileState>): number {
  let n = 0;
  for (const f of files) {
    const k = known.get(f.path);
    n += k && k.ino === f.ino && f.size >= k.offset ? f.size - k.offset : f.size;
  }
  return n;
}

export function lockPath(db: string): string {
  return `${db}.indexing`;
}

/** The pid of a live indexer of this store, or null. */
export function runningIndexer(db: string, now = Date.now()): number | null {
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(lockPath(db), 'utf8');
    mtimeMs = fs.statSync(lockPath(db)).mtimeMs;
  } catch {
    return null;
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0 || now - mtimeMs > STALE_MS) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, someone else's
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/**
 * In the indexer: takes the lock, or returns null when another live indexer
 * holds it. The returned function lets it go.
 */
export function takeLock(db: string): (() => void) | null {
  const file = lockPath(db);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = runningIndexer(db);
      // the command that started this indexer wrote its pid already
      if (holder === process.pid) return () => fs.rmSync(file, { force: true });
      if (holder !== null) return null;
      fs.rmSync(file, { force: true }); // stale: its indexer died
    }
  }
  return null;
}

/**
 * Starts the detached indexer (this process's command line again, output
 * discarded, errors to `<db>.indexing.log`) unless one is running; returns
 * the indexer's pid.
 */
export function startIndexer(db: string): number | null {
  const running = runningIndexer(db);
  if (running !== null) return running;
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const log = fs.openSync(`${lockPath(db)}.log`, 'w');
  try {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      detached: true,
      stdio: ['ignore', 'ignore', log],
      env: { ...process.env, [CHILD_ENV]: '1' },
    });
    child.unref();
    if (!child.pid) return null;
    lowerPriority(child.pid);
    // the lock is the child's from now on, so the next command sees it at once
    try {
      fs.writeFileSync(lockPath(db), `${child.pid}\n`, { flag: 'wx' });
    } catch {
      // another command's indexer got there first: this child will find the lock taken and stop
    }
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

/** The indexer yields the cores to whatever the user runs next. */
function lowerPriority(pid: number): void {
  try {
    os.setPriority(pid, 10);
  } catch {
    // not permitted here: it runs at the normal priority
  }
}
