// `cachelens watch`, the model and the frame: which sessions are active, each
// thread followed incrementally (tracker.ts), rebuild alerts, and the text of
// one screen. No terminal or timer here (watch-run.ts does the I/O).
import fs from 'node:fs';
import type { DiscoveredFile } from '../discover/index.js';
import type { Pricing } from '../pricing/index.js';
import { fmtClock, fmtDuration, fmtTokens, fmtUSD, type Palette } from './format.js';
import { freshState, type RecentRequest, type SessionState } from './state.js';
import { TTL_1H, advance, readTail, resumable, ttlOf, writeOf, type NewRebuild, type ThreadFile } from './tracker.js';

/** A session counts as active while one of its files was written within this window. */
export const ACTIVE_MS = 60 * 60_000;
const RECENT_SHOWN = 4;
const ALERTS_KEPT = 5;
/** A user line newer than the last response counts as a turn in progress for this long. */
const BUSY_WINDOW_MS = 15 * 60_000;

interface Thread {
  file: ThreadFile;
  state: SessionState;
  mtimeMs: number;
  /** the first read (history) raises no alerts */
  started: boolean;
  busySince: number | null;
}

export interface WatchRequest extends RecentRequest {
  agentId: string | null;
}

export interface WatchSession {
  sessionId: string;
  project: string;
  threads: Map<string, Thread>;
  /** list-price cost of today's requests (local day) */
  todayUSD: number;
  recent: WatchRequest[];
  lastActivity: number;
}

export interface Alert extends NewRebuild {
  sessionId: string;
  project: string;
  agentId: string | null;
}

export interface WatchModel {
  sessions: Map<string, WatchSession>;
  alerts: Alert[];
}

export interface WatchFilter {
  /** session id or a prefix of one */
  session: string | null;
  /** substring of the project directory name (case-insensitive) */
  project: string | null;
}

export function newWatchModel(): WatchModel {
  return { sessions: new Map(), alerts: [] };
}

function wanted(f: DiscoveredFile, filter: WatchFilter): boolean {
  if (filter.session && !f.fileSessionId.startsWith(filter.session)) return false;
  if (filter.project && !f.project.toLowerCase().includes(filter.project.toLowerCase())) return false;
  return true;
}

/**
 * Brings the model up to date with the files found: starts following files
 * written within the last hour, reads what was appended to followed ones, and
 * drops sessions idle for an hour. Returns the rebuilds found in new data.
 */
export async function refreshWatch(
  model: WatchModel,
  files: readonly DiscoveredFile[],
  opts: { now: number; pricing: Pricing; dayOf: (ts: number) => string; filter: WatchFilter },
): Promise<Alert[]> {
  const { now, pricing, dayOf, filter } = opts;
  const today = dayOf(now);
  const found: Alert[] = [];
  for (const f of files) {
    if (!wanted(f, filter)) continue;
    let s = model.sessions.get(f.fileSessionId);
    let t = s?.threads.get(f.path);
    if (!t && now - f.mtimeMs > ACTIVE_MS) continue;
    if (!s) {
      s = { sessionId: f.fileSessionId, project: f.project, threads: new Map(), todayUSD: 0, recent: [], lastActivity: f.mtimeMs };
      model.sessions.set(s.sessionId, s);
    }
    if (!t) {
      const file: ThreadFile = { path: f.path, sessionId: f.fileSessionId, agentId: f.fileAgentId };
      t = { file, state: freshState(f.fileSessionId, f.path, f.ino), mtimeMs: 0, started: false, busySince: null };
      s.threads.set(f.path, t);
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(f.path);
    } catch {
      s.threads.delete(f.path);
      continue;
    }
    if (t.started && stat.size === t.state.offset && stat.mtimeMs === t.mtimeMs) continue;
    const state = resumable(t.state, t.file, stat);
    const { fresh, rebuilds } = await advance(state, t.file, stat, pricing);
    t.state = state;
    t.mtimeMs = stat.mtimeMs;
    s.lastActivity = Math.max(s.lastActivity, stat.mtimeMs);
    for (const r of fresh) {
      if (r.cost !== null && dayOf(r.ts) === today) s.todayUSD += r.cost;
      s.recent.push({ ...r, agentId: t.file.agentId });
    }
    s.recent.sort((a, b) => a.ts - b.ts);
    s.recent = s.recent.slice(-RECENT_SHOWN);
    if (t.file.agentId === null) t.busySince = readTail(f.path, stat.size).busySince;
    if (t.started) for (const r of rebuilds) found.push({ ...r, sessionId: s.sessionId, project: s.project, agentId: t.file.agentId });
    t.started = true;
  }
  for (const [id, s] of model.sessions) if (now - s.lastActivity > ACTIVE_MS) model.sessions.delete(id);
  model.alerts = [...model.alerts, ...found].slice(-ALERTS_KEPT);
  return found;
}

/** The cache state of a session: from its main thread, else its most recent thread. */
function cacheState(s: WatchSession, now: number, c: Palette): string {
  const threads = [...s.threads.values()];
  const main = threads.find((t) => t.file.agentId === null && t.state.recent.length > 0);
  const t = main ?? threads.filter((x) => x.state.recent.length > 0).sort((a, b) => b.state.recent.at(-1)!.ts - a.state.recent.at(-1)!.ts)[0];
  const last = t?.state.recent.at(-1);
  if (!t || !last) return 'no requests yet';
  if (t.busySince !== null && t.busySince >= last.ts && now - t.busySince < BUSY_WINDOW_MS) return c.cyan('busy');
  const ttl = ttlOf(t.state.lastWrite);
  const label = ttl === TTL_1H ? '1h' : '5m';
  const left = last.ts + ttl - now;
  if (left > 0) {
    const text = `warm ${fmtClock(left)} (${label})`;
    return left < Math.min(60_000, ttl / 5) ? c.yellow(text) : c.green(text);
  }
  return c.red(`cold (${label} TTL ran out ${fmtDuration(-left)} ago; next turn re-writes ~${fmtTokens(last.read + writeOf(last))})`);
}

function hitRate(s: WatchSession): string {
  let read = 0;
  let total = 0;
  for (const t of s.threads.values()) {
    read += t.state.read;
    total += t.state.read + t.state.write + t.state.input;
  }
  return total > 0 ? `${Math.floor((100 * read) / total)}%` : '–';
}

function shortId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

function shortProject(p: string): string {
  const parts = p.split('-').filter(Boolean);
  return parts.slice(-2).join('-') || p;
}

/** Visible width without ANSI colour codes. */
function visible(s: string): number {
  return s.replace(/\u001b\[\d+m/g, '').length;
}

function fit(line: string, width: number): string {
  if (visible(line) <= width) return line;
  // cut the plain text: colour codes are dropped from a cut line
  const plain = line.replace(/\u001b\[\d+m/g, '');
  return width <= 1 ? '…' : `${plain.slice(0, width - 1)}…`;
}

export function alertText(a: Alert, timeOf: (ts: number) => string): string {
  const who = a.agentId ? ` sub-agent ${a.agentId}` : '';
  const cost = a.wasteUSD === null ? 'unknown price' : `+${fmtUSD(a.wasteUSD)} over a cache read`;
  return `${timeOf(a.ts)} ${shortProject(a.project)} ${shortId(a.sessionId)}${who}: cache rebuild (${a.cause}) re-wrote ${fmtTokens(a.tokens)} tokens, ${cost}`;
}

/** The screen as lines, each fitted to `width`; `status` is the footer (errors of notify/webhook, watch mode). */
export function renderWatch(
  model: WatchModel,
  opts: { now: number; width: number; height: number; paint: Palette & { bold(s: string): string; dim(s: string): string }; timeOf: (ts: number) => string; status: string },
): string[] {
  const { now, paint: c, timeOf } = opts;
  const sessions = [...model.sessions.values()].sort((a, b) => b.lastActivity - a.lastActivity);
  const out: string[] = [];
  out.push(c.bold(`cachelens watch — ${sessions.length} active session${sessions.length === 1 ? '' : 's'} (written in the last hour) · ${timeOf(now)} · q quits`));
  out.push('');
  if (sessions.length === 0) out.push(c.dim('waiting for Claude Code to write a transcript…'));
  const alertRows = Math.min(model.alerts.length, ALERTS_KEPT) + (model.alerts.length ? 2 : 0);
  const room = Math.max(3, opts.height - out.length - alertRows - 2);
  const body: string[] = [];
  for (const s of sessions) {
    const requests = [...s.threads.values()].reduce((n, t) => n + t.state.requests, 0);
    const agents = [...s.threads.values()].filter((t) => t.file.agentId !== null).length;
    body.push(
      `${c.bold(shortProject(s.project))} ${shortId(s.sessionId)}  ${cacheState(s, now, c)}  hit ${hitRate(s)}  today ${fmtUSD(s.todayUSD)}  ${requests} req${agents ? `, ${agents} sub-agent${agents === 1 ? '' : 's'}` : ''}`,
    );
    for (const r of [...s.recent].reverse()) {
      const who = r.agentId ? `agent ${r.agentId.slice(0, 7)}` : 'main';
      body.push(c.dim(`   ${timeOf(r.ts)}  ${who.padEnd(13)} +${fmtTokens(writeOf(r)).padStart(5)} write ${fmtTokens(r.read).padStart(5)} read  ${r.cost === null ? '  –  ' : fmtUSD(r.cost)}`));
    }
  }
  if (body.length > room) {
    out.push(...body.slice(0, room - 1), c.dim(`… ${body.length - room + 1} more lines (use --session or --project)`));
  } else out.push(...body);
  if (model.alerts.length) {
    out.push('');
    for (const a of model.alerts.slice(-ALERTS_KEPT)) out.push(c.red(`! ${alertText(a, timeOf)}`));
  }
  out.push('');
  out.push(c.dim(opts.status));
  return out.map((l) => fit(l, opts.width));
}
