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

/** A digest of what the transcripts look like from outside (paths, sizes, mtimes, inodes). */
export function transcriptsFingerprint(dirs: string[] | undefined): string {
  const found = resolveConfigDirs({ dirs });
  const h = createHash('sha1');
  for (const f of discoverFiles(found.projectsDirs)) h.update(`${f.path}\0${f.size}\0${f.mtimeMs}\0${f.ino}\n`);
  return h.digest('hex');
}

export function watchTranscripts(dirs: string[] | undefined, intervalMs: number, onChange: (generation: number) => void, log: (line: string) => void): Watcher {
  const clients = new Set<ServerResponse>();
  let generation = 1;
  let last = transcriptsFingerprint(dirs);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const send = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const tick = (): void => {
    try {
      const now = transcriptsFingerprint(dirs);
      if (now !== last) {
        last = now;
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
