// Live update: a stat-only look at the transcripts every interval (the same
// discovery the store's refresh starts from); when any file's size, mtime or
// inode changes, the generation moves on and every open page is told over
// server-sent events, then re-fetches what it shows.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';

export interface Watcher {
  generation(): number;
  /** registers an SSE client until its connection closes */
  attach(res: ServerResponse): void;
  stop(): void;
}

/** A digest of what the transcripts look like from outside (paths, sizes, mtimes, inodes), and their latest mtime. */
export function transcriptsFingerprint(dirs: string[] | undefined): { digest: string; latestMtimeMs: number } {
  const found = resolveConfigDirs({ dirs });
  const h = createHash('sha1');
  let latestMtimeMs = 0;
  for (const f of discoverFiles(found.projectsDirs)) {
    h.update(`${f.path}\0${f.size}\0${f.mtimeMs}\0${f.ino}\n`);
    latestMtimeMs = Math.max(latestMtimeMs, f.mtimeMs);
  }
  return { digest: h.digest('hex'), latestMtimeMs };
}

/** Slack for file systems whose mtimes are coarser than the clock. */
const MTIME_SLACK_MS = 2000;

export function watchTranscripts(dirs: string[] | undefined, intervalMs: number, onChange: (generation: number) => void, log: (line: string) => void): Watcher {
  const clients = new Set<ServerResponse>();
  let generation = 1;
  // No look at start (it would delay the first page): the first tick takes its digest as the baseline, and
  // counts as a change when a file was written since the server started (the first load may predate it).
  const startedAt = Date.now();
  let last: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const send = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const tick = (): void => {
    try {
      const now = transcriptsFingerprint(dirs);
      const changed = last === null ? now.latestMtimeMs >= startedAt - MTIME_SLACK_MS : now.digest !== last;
      last = now.digest;
      if (changed) {
        generation += 1;
        onChange(generation);
        for (const c of clients) send(c, 'change', { generation });
      }
    } catch (err) {
      log(`dashboard: watching the transcripts failed: ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  // a comment line now and then keeps proxies and idle timeouts from closing the stream
  const heartbeat = setInterval(() => {
    for (const c of clients) c.write(': keep-alive\n\n');
  }, 25_000);
  return {
    generation: () => generation,
    attach(res) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      send(res, 'hello', { generation });
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(heartbeat);
      for (const c of clients) c.end();
      clients.clear();
    },
  };
}
