// Follows one thread's transcript (a main session file or a sub-agent file)
// incrementally: each call reads only the bytes appended since the previous
// one and folds the new requests into running sums, recent requests, the
// cache TTL in force and the rebuilds found. Used by the status line (state
// kept in a file between calls) and by watch (state kept in memory).
import fs from 'node:fs';
import path from 'node:path';
import { REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS, TTL_SLACK_MS } from '../cache/thresholds.js';
import type { Pricing } from '../pricing/index.js';
import { scanFiles } from '../scan/index.js';
import type { RequestRecord } from '../domain/types.js';
import { CAUSES_KEEP, RECENT_KEEP, freshState, type RecentRequest, type SessionState } from './state.js';

export const TTL_5M = 5 * 60_000;
export const TTL_1H = 60 * 60_000;
/** How much of the transcript's end is read to find its last user/assistant line: first, and at most. */
const TAIL_FIRST_BYTES = 32 << 10;
const TAIL_BYTES = 2 << 20;

/** A rebuild found in newly read requests. */
export interface NewRebuild {
  ts: number;
  cause: string;
  /** tokens written again */
  tokens: number;
  /** those tokens x (write price - read price); null for an unknown model */
  wasteUSD: number | null;
  model: string;
}

/** The transcript a state follows. */
export interface ThreadFile {
  path: string;
  sessionId: string;
  /** null: the session's main thread; else the sub-agent whose file this is */
  agentId: string | null;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function asPriceInput(r: RecentRequest) {
  return { model: r.model, timestamp: r.ts, input: r.input, cacheWrite5m: r.w5m, cacheWrite1h: r.w1h, cacheRead: r.read, output: r.output, speed: null, inferenceGeo: null };
}


export function writeOf(r: { w5m: number; w1h: number }): number {
  return r.w5m + r.w1h;
}

function toRecent(rec: RequestRecord, pricing: Pricing): RecentRequest {
  const priced = pricing.price(rec);
  return {
    key: rec.key,
    ts: rec.timestamp,
    input: rec.input,
    w5m: rec.cacheWrite5m,
    w1h: rec.cacheWrite1h,
    read: rec.cacheRead,
    output: rec.output,
    model: rec.model,
    cost: priced ? priced.costUSD : null,
  };
}

function addSums(s: SessionState, r: RecentRequest, sign: 1 | -1): void {
  s.requests += sign;
  s.input += sign * r.input;
  s.write += sign * writeOf(r);
  s.read += sign * r.read;
  if (r.cost === null) s.unpriced += sign;
  else s.costUSD += sign * r.cost;
}

/** Rebuild cause from the evidence at hand, or null when `r` is no rebuild of `prev`'s prefix. */
function rebuildCause(prev: RecentRequest, r: RecentRequest, ttlMs: number, compactions: number[]): string | null {
  const level = prev.read + writeOf(prev);
  const lost = level - r.read;
  if (writeOf(r) < REBUILD_MIN_TOKENS || lost < REBUILD_MIN_TOKENS || r.read >= level * (1 - REBUILD_MIN_SHARE)) return null;
  if (compactions.some((t) => t > prev.ts && t <= r.ts)) return 'compaction';
  if (r.model !== prev.model) return 'model-switch';
  if (r.ts - prev.ts > ttlMs + TTL_SLACK_MS) return 'ttl-expired';
  return 'unexplained';
}

export function ttlOf(lastWrite: RecentRequest | null): number {
  return lastWrite && lastWrite.w1h > 0 ? TTL_1H : TTL_5M;
}

/** Folds newly read requests of one thread (in time order) into the state; returns the rebuilds among them. */
function absorb(s: SessionState, fresh: RecentRequest[], compactions: number[], pricing: Pricing): NewRebuild[] {
  const found: NewRebuild[] = [];
  for (const r of fresh) {
    const same = s.recent.findIndex((x) => x.key === r.key);
    if (same >= 0) {
      // a response whose lines straddle two calls: its tokens are those of the line with the largest output
      // (usage-accounting.md), time and attribution those of the earliest
      const old = s.recent[same]!;
      const merged: RecentRequest = r.output > old.output ? { ...r, ts: old.ts } : old;
      addSums(s, old, -1);
      addSums(s, merged, 1);
      s.recent[same] = merged;
      if (s.lastWrite?.key === merged.key) s.lastWrite = merged;
      continue;
    }
    const prev = s.recent.at(-1);
    if (prev) {
      const cause = rebuildCause(prev, r, ttlOf(s.lastWrite), compactions);
      if (cause) {
        s.rebuilds++;
        s.causes = [...s.causes, cause].slice(-CAUSES_KEEP);
        const tokens = Math.min(writeOf(r), prev.read + writeOf(prev) - r.read);
        const u = pricing.unitPrices(asPriceInput(r));
        const share1h = writeOf(r) > 0 ? r.w1h / writeOf(r) : 0;
        const premium = u ? share1h * u.cacheWrite1h + (1 - share1h) * u.cacheWrite5m - u.cacheRead : null;
        found.push({ ts: r.ts, cause, tokens, wasteUSD: premium === null ? null : tokens * premium, model: r.model });
      }
    }
    addSums(s, r, 1);
    s.recent = [...s.recent, r].slice(-RECENT_KEEP);
    if (writeOf(r) > 0) s.lastWrite = r;
  }
  return found;
}

export interface TailInfo {
  /** a user line (prompt or tool result) newer than the last response */
  busySince: number | null;
}

/** Looks at the transcript's last user/assistant line (within its last 32 KB, else 256 KB, else 2 MB). */
export function readTail(file: string, size: number): TailInfo {
  // most calls find the answer in the last few KB; a long last line (a big tool result) needs a wider look
  for (let len = Math.min(size, TAIL_FIRST_BYTES); len > 0; len = Math.min(size, len * 8)) {
    const found = lastTurn(file, size, len);
    if (found !== undefined) return found;
    if (len >= size || len >= TAIL_BYTES) break;
  }
  return { busySince: null };
}

/** What the last user/assistant line within the last `len` bytes says; undefined when there is none there. */
function lastTurn(file: string, size: number, len: number): TailInfo | undefined {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(len);
      const got = fs.readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8', 0, got);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { busySince: null };
  }
  const lines = text.split('\n');
  const first = size > len ? 1 : 0; // the first piece may be the end of a longer line
  for (let i = lines.length - 1; i >= first; i--) {
    const line = lines[i]!.trim();
    if (line === '' || !(line.includes('"type":"user"') || line.includes('"type":"assistant"'))) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(obj)) continue;
    if (obj.type === 'assistant') return { busySince: null };
    if (obj.type !== 'user' || obj.isMeta === true) continue;
    if (line.includes('[Request interrupted by user')) return { busySince: null };
    const ts = typeof obj.timestamp === 'string' ? Date.parse(obj.timestamp) : NaN;
    return { busySince: Number.isFinite(ts) ? ts : null };
  }
  return undefined;
}

/** The state to continue from: `state` when it still matches the file, else a fresh one. */
export function resumable(state: SessionState | null, file: ThreadFile, stat: fs.Stats): SessionState {
  if (!state || state.transcriptPath !== file.path || state.ino !== stat.ino || state.offset > stat.size || state.sessionId !== file.sessionId) {
    return freshState(file.sessionId, file.path, stat.ino);
  }
  return state;
}

/** Reads what was appended since `state.offset`; returns the new requests (in time order) and the rebuilds among them. */
export async function advance(state: SessionState, file: ThreadFile, stat: fs.Stats, pricing: Pricing): Promise<{ fresh: RecentRequest[]; rebuilds: NewRebuild[] }> {
  if (stat.size <= state.offset) return { fresh: [], rebuilds: [] };
  const scan = await scanFiles(
    [
      {
        path: file.path,
        root: path.dirname(path.dirname(file.path)),
        project: path.basename(path.dirname(file.path)),
        fileAgentId: file.agentId,
        fileSessionId: file.sessionId,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
        ino: stat.ino,
        startOffset: state.offset,
      },
    ],
    { workers: 0, events: true },
  );
  const mine = (agentId: string | null): boolean => (file.agentId === null ? agentId === null : agentId !== null);
  const thread = scan.requests.filter((r) => mine(r.agentId)).sort((a, b) => a.timestamp - b.timestamp || a.offset - b.offset);
  const compactions = scan.events.filter((e) => e.kind === 'compact-boundary' && mine(e.agentId)).map((e) => e.timestamp);
  if (state.lastCompactTs !== null) compactions.push(state.lastCompactTs);
  const fresh = thread.map((r) => toRecent(r, pricing));
  const rebuilds = absorb(state, fresh, compactions, pricing);
  if (compactions.length > 0) state.lastCompactTs = Math.max(...compactions);
  state.offset = scan.fileEnds.get(file.path) ?? state.offset;
  return { fresh, rebuilds };
}
