// Per-session state of `cachelens statusline`: where the last call stopped
// reading the transcript and the running aggregates it needs, so each call
// reads only the bytes appended since.
import fs from 'node:fs';
import path from 'node:path';
import { userCacheDir } from '../discover/paths.js';

/** One main-thread request, as much as the status line needs of it. */
export interface RecentRequest {
  key: string;
  /** ms since epoch (transcript time ≈ request start) */
  ts: number;
  input: number;
  w5m: number;
  w1h: number;
  read: number;
  output: number;
  model: string;
  /** list-price cost, null when the model is unknown */
  cost: number | null;
}

export interface SessionState {
  v: 1;
  sessionId: string;
  transcriptPath: string;
  ino: number;
  /** byte offset just past the last complete line read */
  offset: number;
  /** sums over the session's main-thread requests */
  requests: number;
  input: number;
  write: number;
  read: number;
  costUSD: number;
  unpriced: number;
  /** the last few requests, oldest first */
  recent: RecentRequest[];
  /** the latest request that wrote to the cache (its bucket sets the TTL) */
  lastWrite: RecentRequest | null;
  rebuilds: number;
  /** causes of the latest rebuilds, oldest first (at most a few) */
  causes: string[];
  /** time of the latest compaction boundary seen */
  lastCompactTs: number | null;
  /** JSON of the last `prompt_cache` object persisted for this session */
  lastPromptCache: string | null;
  /** the session's sub-agent transcripts, each followed like the main one (main thread state only) */
  agents?: Record<string, SessionState>;
}

export const RECENT_KEEP = 8;
export const CAUSES_KEEP = 3;

export function statuslineDir(env: NodeJS.ProcessEnv): string {
  return path.join(userCacheDir(env), 'statusline');
}

/** Where the status line appends Claude Code's `prompt_cache` objects (the store takes them in). */
export function promptCacheLog(env: NodeJS.ProcessEnv): string {
  return path.join(statuslineDir(env), 'prompt-cache.jsonl');
}

function safeId(sessionId: string): string {
  return sessionId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 200) || 'unknown';
}

export function statePath(env: NodeJS.ProcessEnv, sessionId: string): string {
  return path.join(statuslineDir(env), `${safeId(sessionId)}.json`);
}

export function freshState(sessionId: string, transcriptPath: string, ino: number): SessionState {
  return {
    v: 1,
    sessionId,
    transcriptPath,
    ino,
    offset: 0,
    requests: 0,
    input: 0,
    write: 0,
    read: 0,
    costUSD: 0,
    unpriced: 0,
    recent: [],
    lastWrite: null,
    rebuilds: 0,
    causes: [],
    lastCompactTs: null,
    lastPromptCache: null,
  };
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The stored state, or null when missing, unreadable or not the expected shape. */
export function readState(file: string): SessionState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const s = raw as Partial<SessionState>;
  if (s.v !== 1 || typeof s.sessionId !== 'string' || typeof s.transcriptPath !== 'string') return null;
  for (const k of ['ino', 'offset', 'requests', 'input', 'write', 'read', 'costUSD', 'unpriced', 'rebuilds'] as const) {
    if (!isNum(s[k])) return null;
  }
  if (!Array.isArray(s.recent) || !Array.isArray(s.causes)) return null;
  if (!s.recent.every((r) => r && typeof r.key === 'string' && isNum(r.ts) && isNum(r.read) && isNum(r.w5m) && isNum(r.w1h))) return null;
  return { lastWrite: null, lastCompactTs: null, lastPromptCache: null, ...s } as SessionState;
}

/** Writes the state atomically (temp file + rename); failures are ignored (the next call rescans). */
export function writeState(file: string, state: SessionState): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, file);
  } catch {
    // a read-only cache dir only costs speed
  }
}
