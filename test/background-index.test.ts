// A first run with much to read answers from the transcripts directly and
// fills the store in a detached copy of itself (src/cli/background-index.ts).
// Real processes, a real SQLite file, the demo tree written by `cachelens demo`
// (the threshold is lowered to 0 bytes so a small tree takes that path).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundMinBytes, lockPath, runningIndexer, takeLock, unreadBytes } from '../src/cli/background-index.js';
import type { DiscoveredFile } from '../src/discover/index.js';
import type { FileState } from '../src/store/sqlite.js';
import { cliPath, haveCli, SKIP_NO_CLI } from './oracle/cli.js';

if (!haveCli) console.warn(SKIP_NO_CLI);
const d = haveCli ? describe : describe.skip;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bg-'));
const tree = path.join(root, 'claude');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

type Json = { scan: Record<string, unknown>; store: { requests: number; filesRead: number } | null; totals: unknown; [k: string]: unknown };

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  // the test setup turns background indexing off for every other test
  const e: NodeJS.ProcessEnv = { ...process.env, CLAUDE_CONFIG_DIR: tree, TZ: 'UTC', NO_COLOR: '1', CACHELENS_BACKGROUND_INDEX_BYTES: '0' };
  delete e.CACHELENS_BACKGROUND_INDEX;
  Object.assign(e, env);
  const r = spawnSync(process.execPath, [cliPath, ...args], { env: e, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[], env: Record<string, string> = {}): Json {
  const r = run([...args, '--json'], env);
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as Json;
  delete j.scan.elapsedMs;
  return j;
}

/** The report without what only says how this run got it (what it read, the store it used). */
function figures(j: Json): unknown {
  const { scan: _scan, store: _store, ...rest } = j;
  return rest;
}

async function waitUnlocked(db: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (fs.existsSync(lockPath(db))) {
    if (Date.now() > until) throw new Error('the background indexer did not finish within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A pid no process has: one that just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

d('first run in the background', () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, [cliPath, 'demo', tree], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('answers from the transcripts, then a detached indexer fills the store for the next run', async () => {
    const db = path.join(root, 'a.db');
    const direct = json(['report', '--no-store']);
    const first = run(['report', '--json', '--db', db]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/filled in the background \(pid \d+\)/);
    const firstJson = JSON.parse(first.stdout) as Json;
    delete firstJson.scan.elapsedMs;
    // exactly what --no-store prints: nothing of the store was used
    expect(firstJson).toEqual(direct);
    expect(firstJson.store).toBeNull();
    await waitUnlocked(db);
    expect(fs.readFileSync(`${lockPath(db)}.log`, 'utf8')).toBe('');
    const second = json(['report', '--db', db]);
    expect(second.store).not.toBeNull();
    expect(second.store!.filesRead).toBe(0); // the indexer read everything
    expect(second.store!.requests).toBeGreaterThan(0);
    expect(figures(second)).toEqual(figures(direct));
    // other commands read the same store
    expect(json(['sessions', '--db', db]).store!.filesRead).toBe(0);
  });

  it('starts no second indexer while one holds the lock, and answers directly meanwhile', () => {
    const db = path.join(root, 'b.db');
    fs.writeFileSync(lockPath(db), `${process.pid}\n`); // this test process is alive
    const r = run(['report', '--json', '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`(pid ${process.pid})`);
    expect(fs.readFileSync(lockPath(db), 'utf8')).toBe(`${process.pid}\n`);
    // nothing was written to the store by anyone
    fs.rmSync(lockPath(db));
    const after = json(['report', '--db', db], { CACHELENS_BACKGROUND_INDEX: '0' });
    expect(after.store!.filesRead).toBeGreaterThan(0);
  });

  it('an indexer that finds the lock held by another live indexer leaves the store alone', () => {
    const db = path.join(root, 'c.db');
    fs.writeFileSync(lockPath(db), `${process.pid}\n`);
    const r = run(['report', '--json', '--db', db], { CACHELENS_INDEX_CHILD: '1' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(db)).toBe(false);
    fs.rmSync(lockPath(db));
  });

  it('a stale lock (its process is gone) does not stop the next indexer', async () => {
    const db = path.join(root, 'd.db');
    fs.writeFileSync(lockPath(db), `${deadPid()}\n`);
    expect(runningIndexer(db)).toBeNull();
    const r = run(['report', '--json', '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    await waitUnlocked(db);
    expect(json(['report', '--db', db]).store!.filesRead).toBe(0);
  });

  it('still answers when the indexer cannot be started', () => {
    const db = path.join(root, 'f.db');
    fs.mkdirSync(`${lockPath(db)}.log`, { recursive: true }); // the indexer's log cannot be opened
    const r = run(['report', '--json', '--db', db]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/could not start filling the store in the background: EISDIR/);
    const j = JSON.parse(r.stdout) as Json;
    delete j.scan.elapsedMs;
    expect(j).toEqual(json(['report', '--no-store']));
  });

  it('CACHELENS_BACKGROUND_INDEX=0 fills the store in the run itself', () => {
    const db = path.join(root, 'e.db');
    const r = json(['report', '--db', db], { CACHELENS_BACKGROUND_INDEX: '0' });
    expect(r.store!.filesRead).toBeGreaterThan(0);
    expect(fs.existsSync(lockPath(db))).toBe(false);
  });
});

describe('background-index helpers', () => {
  const file = (p: string, size: number, ino = 1): DiscoveredFile => ({ path: p, size, ino, mtimeMs: 0 }) as DiscoveredFile;
  const state = (offset: number, ino = 1): FileState => ({ offset, ino, size: offset, mtimeMs: 0, headHash: '' }) as FileState;

  it('counts new files whole and known files from where the store stopped', () => {
    const known = new Map([
      ['/a', state(100)],
      ['/b', state(50, 7)], // another inode now: read again
      ['/c', state(900)], // shorter now: read again
    ]);
    expect(unreadBytes([file('/a', 160), file('/b', 80), file('/c', 300), file('/new', 42)], known)).toBe(60 + 80 + 300 + 42);
  });

  it('reads the threshold from the environment', () => {
    expect(backgroundMinBytes({})).toBe(64 << 20);
    expect(backgroundMinBytes({ CACHELENS_BACKGROUND_INDEX_BYTES: '0' })).toBe(0);
    expect(backgroundMinBytes({ CACHELENS_BACKGROUND_INDEX_BYTES: 'x' })).toBe(64 << 20);
    expect(backgroundMinBytes({ CACHELENS_BACKGROUND_INDEX: '0', CACHELENS_BACKGROUND_INDEX_BYTES: '0' })).toBeNull();
  });

  it('takes a free lock, refuses one a live process holds, and replaces a dead one', () => {
    const db = path.join(root, 'lock.db');
    const release = takeLock(db);
    expect(release).not.toBeNull();
    expect(runningIndexer(db)).toBe(process.pid);
    release!();
    expect(fs.existsSync(lockPath(db))).toBe(false);
    fs.writeFileSync(lockPath(db), `${process.ppid}\n`);
    expect(takeLock(db)).toBeNull();
    fs.writeFileSync(lockPath(db), `${deadPid()}\n`);
    const again = takeLock(db);
    expect(again).not.toBeNull();
    again!();
  });
});
