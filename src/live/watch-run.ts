// `cachelens watch`, the I/O: finds transcripts, follows them with fs.watch
// (and a polling fallback), redraws the screen in place on a terminal (the
// alternate screen, one write per frame, so nothing flickers), reads q to
// quit, and sends rebuild alerts to notify-send or a webhook when asked.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createCalendar } from '../accounting/time.js';
import { discoverFiles, resolveConfigDirs, type DiscoveredFile } from '../discover/index.js';
import { systemTimeZone } from '../discover/paths.js';
import { loadPricing } from '../pricing/index.js';
import { palette } from './format.js';
import { alertText, newWatchModel, refreshWatch, renderWatch, type Alert, type WatchModel } from './watch.js';

export interface WatchOptions {
  dir?: string[];
  session?: string;
  project?: string;
  tz?: string;
  notify?: boolean;
  webhook?: string;
  /** print one frame and exit (no terminal control) */
  once?: boolean;
  /** seconds between polls of the followed files */
  interval?: string;
  color?: boolean;
}

const DISCOVER_EVERY_MS = 5_000;
const ESC = '\u001b[';

/** A program on PATH, or null. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

interface Outlets {
  send(a: Alert, text: string): void;
  /** problems so far, for the footer */
  problems: string[];
}

function outlets(o: WatchOptions, env: NodeJS.ProcessEnv): Outlets {
  const problems: string[] = [];
  const notifySend = o.notify ? onPath('notify-send', env) : null;
  if (o.notify && !notifySend) problems.push('--notify: notify-send not found on PATH');
  return {
    problems,
    send(a, text) {
      if (notifySend) {
        const child = spawn(notifySend, ['cachelens: cache rebuild', text], { stdio: 'ignore', detached: true });
        child.on('error', (err) => problems.push(`notify-send: ${err.message}`));
        child.unref();
      }
      if (o.webhook) {
        // numbers and names only: no prompt or tool text
        const body = { type: 'cache-rebuild', time: new Date(a.ts).toISOString(), sessionId: a.sessionId, project: a.project, agentId: a.agentId, cause: a.cause, tokens: a.tokens, wasteUSD: a.wasteUSD, model: a.model };
        fetch(o.webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) })
          .then((r) => {
            if (!r.ok) problems.push(`webhook: HTTP ${r.status}`);
          })
          .catch((err: Error) => problems.push(`webhook: ${err.message}`));
      }
    },
  };
}

/** Runs until q, Ctrl-C or a signal; returns the exit code. */
export async function runWatch(o: WatchOptions, io: { stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream; env: NodeJS.ProcessEnv } = { stdout: process.stdout, stdin: process.stdin, env: process.env }): Promise<number> {
  const { stdout, stdin, env } = io;
  const tz = o.tz ?? systemTimeZone();
  const cal = createCalendar(tz);
  const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const timeOf = (ts: number): string => timeFmt.format(new Date(ts));
  const pricing = loadPricing();
  const dirs = resolveConfigDirs({ dirs: o.dir });
  const filter = { session: o.session ?? null, project: o.project ?? null };
  const color = o.color !== false && !env.NO_COLOR && stdout.isTTY === true;
  const base = palette(color);
  const paint = { ...base, bold: (s: string) => (color ? `${ESC}1m${s}${ESC}22m` : s), dim: (s: string) => (color ? `${ESC}2m${s}${ESC}22m` : s) };
  const out = outlets(o, env);
  const model: WatchModel = newWatchModel();
  let files: DiscoveredFile[] = [];
  let discoveredAt = 0;

  const poll = async (): Promise<void> => {
    const now = Date.now();
    if (now - discoveredAt >= DISCOVER_EVERY_MS) {
      files = discoverFiles(dirs.projectsDirs);
      discoveredAt = now;
    }
    const alerts = await refreshWatch(model, files, { now, pricing, dayOf: (ts) => cal.day(ts), filter });
    for (const a of alerts) out.send(a, alertText(a, timeOf));
  };
  const watching = dirs.projectsDirs.length ? `watching ${dirs.projectsDirs.join(', ')}` : `no projects/ directory found (looked in: ${dirs.looked.join(', ')})`;
  const frame = (mode: string): string[] =>
    renderWatch(model, {
      now: Date.now(),
      width: stdout.columns || Number(env.COLUMNS) || 100,
      height: stdout.rows || Number(env.LINES) || 40,
      paint,
      timeOf,
      status: [watching, mode, ...out.problems.slice(-2)].filter(Boolean).join(' · '),
    });

  if (o.once || !stdout.isTTY) {
    await poll();
    stdout.write(frame(o.once ? 'one frame (--once)' : 'not a terminal: one frame').join('\n') + '\n');
    return 0;
  }

  // a terminal: alternate screen, hidden cursor, one write per frame
  const interval = Math.max(0.2, Number(o.interval ?? 1)) * 1000;
  let mode = 'fs.watch + polling';
  const watchers: fs.FSWatcher[] = [];
  let pending: NodeJS.Timeout | null = null;
  let busy = false;
  let again = false;
  const draw = (): void => {
    stdout.write(`${ESC}H${frame(mode).join(`${ESC}K\n`)}${ESC}K${ESC}J`);
  };
  const update = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        await poll();
      } while (again);
    } catch (err) {
      out.problems.push(`refresh failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
    draw();
  };
  for (const d of dirs.projectsDirs) {
    try {
      watchers.push(
        fs.watch(d, { recursive: true }, () => {
          if (pending) return;
          pending = setTimeout(() => {
            pending = null;
            discoveredAt = 0; // a new file may have appeared
            void update();
          }, 50);
        }),
      );
    } catch {
      mode = 'polling';
    }
  }
  stdout.write(`${ESC}?1049h${ESC}?25l`);
  return new Promise<number>((resolve) => {
    const timer = setInterval(() => void update(), interval);
    const onResize = (): void => draw();
    const finish = (code: number): void => {
      clearInterval(timer);
      if (pending) clearTimeout(pending);
      for (const w of watchers) w.close();
      stdout.off('resize', onResize);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.off('data', onKey);
      stdin.pause();
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
      stdout.write(`${ESC}?25h${ESC}?1049l`);
      resolve(code);
    };
    const onKey = (b: Buffer): void => {
      const k = b.toString('utf8');
      if (k === 'q' || k === 'Q' || k === '\u0003' || k === '\u0004') finish(0);
    };
    const onSignal = (): void => finish(0);
    stdout.on('resize', onResize);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
    void update();
  });
}
