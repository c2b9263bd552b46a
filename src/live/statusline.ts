// `cachelens statusline`: one line for Claude Code's status line, built from
// the JSON Claude Code pipes on stdin and the session's transcript, read
// incrementally (see state.ts). Never throws: every failure is a short line.
import fs from 'node:fs';
import path from 'node:path';
import { REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS, TTL_SLACK_MS } from '../cache/index.js';
import { loadPricing, type Pricing } from '../pricing/index.js';
import { scanFiles } from '../scan/index.js';
import type { RequestRecord } from '../domain/types.js';
import { CAUSES_KEEP, RECENT_KEEP, freshState, readState, statePath, statuslineDir, writeState, type RecentRequest, type SessionState } from './state.js';

export { installStatusline, statuslineSnippet } from './install.js';

export const DEFAULT_FORMAT = '{model} | cache {hit} | last {last} | {cost} session | {ttl} | {rebuilds}';

export interface StatuslineOptions {
  /** ms since epoch (default Date.now()) */
  now?: number;
  env?: NodeJS.ProcessEnv;
  /** template; placeholders {model} {hit} {last} {cost} {ttl} {rebuilds} (unknown ones are left as is) */
  format?: string;
}

const TTL_5M = 5 * 60_000;
const TTL_1H = 60 * 60_000;
/** A user line newer than the last response counts as a turn in progress for this long. */
const BUSY_WINDOW_MS = 15 * 60_000;
/** How much of the transcript's end is read to find its last user/assistant line. */
const TAIL_BYTES = 256 << 10;

interface StatusInput {
  sessionId: string;
  transcriptPath: string | null;
  modelId: string | null;
  modelName: string | null;
  promptCache: Record<string, unknown> | null;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function parseInput(text: string): StatusInput | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(raw)) return null;
  const model = isRecord(raw.model) ? raw.model : {};
  const str = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);
  return {
    sessionId: str(raw.session_id) ?? 'unknown',
    transcriptPath: str(raw.transcript_path),
    modelId: str(model.id) ?? str(raw.model),
    modelName: str(model.display_name),
    promptCache: isRecord(raw.prompt_cache) ? raw.prompt_cache : null,
  };
}

// --- formatting ---

export function fmtTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function fmtUSD(x: number): string {
  return x < 10 ? `$${x.toFixed(2)}` : `$${x.toFixed(1)}`;
}

function fmtClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const SHORT_CAUSE: Record<string, string> = { 'ttl-expired': 'ttl', 'model-switch': 'model', compaction: 'compaction', unexplained: 'other' };

interface Palette {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

function palette(on: boolean): Palette {
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { green: wrap(32), yellow: wrap(33), red: wrap(31), cyan: wrap(36) };
}

function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}

function fitColumns(line: string, plain: string, env: NodeJS.ProcessEnv): string {
  const cols = Number.parseInt(env.COLUMNS ?? '', 10);
  if (!Number.isFinite(cols) || cols <= 0 || plain.length <= cols) return line;
  return cols === 1 ? '…' : `${plain.slice(0, cols - 1)}…`;
}

// --- transcript reading ---

function writeOf(r: { w5m: number; w1h: number }): number {
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

function ttlOf(lastWrite: RecentRequest | null): number {
  return lastWrite && lastWrite.w1h > 0 ? TTL_1H : TTL_5M;
}

/** Folds newly read main-thread requests (in time order) into the state. */
function absorb(s: SessionState, fresh: RecentRequest[], compactions: number[]): void {
  for (const r of fresh) {
    const same = s.recent.findIndex((x) => x.key === r.key);
    if (same >= 0) {
      // a response whose lines straddle two calls: keep the fuller usage
      const old = s.recent[same]!;
      const merged: RecentRequest = {
        ...old,
        input: Math.max(old.input, r.input),
        w5m: Math.max(old.w5m, r.w5m),
        w1h: Math.max(old.w1h, r.w1h),
        read: Math.max(old.read, r.read),
        output: Math.max(old.output, r.output),
        cost: old.cost === null || r.cost === null ? (old.cost ?? r.cost) : Math.max(old.cost, r.cost),
      };
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
      }
    }
    addSums(s, r, 1);
    s.recent = [...s.recent, r].slice(-RECENT_KEEP);
    if (writeOf(r) > 0) s.lastWrite = r;
  }
}

interface TailInfo {
  /** a user line (prompt or tool result) newer than the last response */
  busySince: number | null;
}

/** Looks at the transcript's last user/assistant line (within its last 256 KB). */
function readTail(file: string, size: number): TailInfo {
  const len = Math.min(size, TAIL_BYTES);
  if (len === 0) return { busySince: null };
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
  return { busySince: null };
}

/** Brings the state up to date with the transcript; returns it with what the tail says. */
async function update(input: StatusInput & { transcriptPath: string }, stat: fs.Stats, env: NodeJS.ProcessEnv, pricing: Pricing): Promise<{ state: SessionState; tail: TailInfo; file: string }> {
  const file = statePath(env, input.sessionId);
  let state = readState(file);
  if (!state || state.transcriptPath !== input.transcriptPath || state.ino !== stat.ino || state.offset > stat.size || state.sessionId !== input.sessionId) {
    state = freshState(input.sessionId, input.transcriptPath, stat.ino);
  }
  if (stat.size > state.offset) {
    const scan = await scanFiles(
      [
        {
          path: input.transcriptPath,
          root: path.dirname(path.dirname(input.transcriptPath)),
          project: path.basename(path.dirname(input.transcriptPath)),
          fileAgentId: null,
          fileSessionId: input.sessionId,
          size: stat.size,
          mtimeMs: stat.mtimeMs,
          ino: stat.ino,
          startOffset: state.offset,
        },
      ],
      { workers: 0, events: true },
    );
    const main = scan.requests.filter((r) => r.agentId === null).sort((a, b) => a.timestamp - b.timestamp || a.offset - b.offset);
    const compactions = scan.events.filter((e) => e.kind === 'compact-boundary' && e.agentId === null).map((e) => e.timestamp);
    if (state.lastCompactTs !== null) compactions.push(state.lastCompactTs);
    absorb(
      state,
      main.map((r) => toRecent(r, pricing)),
      compactions,
    );
    if (compactions.length > 0) state.lastCompactTs = Math.max(...compactions);
    state.offset = scan.fileEnds.get(input.transcriptPath) ?? state.offset;
  }
  return { state, tail: readTail(input.transcriptPath, stat.size), file };
}

function persistPromptCache(state: SessionState, input: StatusInput, env: NodeJS.ProcessEnv, now: number): void {
  if (!input.promptCache) return;
  const json = JSON.stringify(input.promptCache);
  if (json === state.lastPromptCache) return;
  try {
    const dir = statuslineDir(env);
    fs.mkdirSync(dir, { recursive: true });
    const row = { time: new Date(now).toISOString(), session_id: input.sessionId, prompt_cache: input.promptCache };
    fs.appendFileSync(path.join(dir, 'prompt-cache.jsonl'), `${JSON.stringify(row)}\n`);
    state.lastPromptCache = json;
  } catch {
    // best effort
  }
}

function ttlField(state: SessionState, tail: TailInfo, now: number, pricing: Pricing, c: Palette): string {
  const last = state.recent.at(-1);
  if (!last) return 'no requests yet';
  if (tail.busySince !== null && tail.busySince >= last.ts && now - tail.busySince < BUSY_WINDOW_MS) return c.cyan('busy');
  const ttl = ttlOf(state.lastWrite);
  const label = ttl === TTL_1H ? '1h' : '5m';
  // every hit refreshes the entry: the countdown runs from the latest request
  const left = last.ts + ttl - now;
  if (left > 0) {
    const text = `warm ${fmtClock(left)} (${label})`;
    return left < Math.min(60_000, ttl / 5) ? c.yellow(text) : c.green(text);
  }
  const tokens = last.read + writeOf(last);
  const unit = pricing.unitPrices({ ...lastAsPriceInput(last) });
  const cost = unit ? ` (${fmtUSD(tokens * (ttl === TTL_1H ? unit.cacheWrite1h : unit.cacheWrite5m))})` : '';
  return c.red(`cold — next turn re-writes ~${fmtTokens(tokens)}${cost}`);
}

function lastAsPriceInput(r: RecentRequest) {
  return { model: r.model, timestamp: r.ts, input: r.input, cacheWrite5m: r.w5m, cacheWrite1h: r.w1h, cacheRead: r.read, output: r.output, speed: null, inferenceGeo: null };
}

function rebuildsField(state: SessionState, input: StatusInput): string {
  const missCause = input.promptCache && typeof input.promptCache.last_miss_cause === 'string' ? input.promptCache.last_miss_cause : null;
  const causes = state.causes.map((x) => SHORT_CAUSE[x] ?? x);
  if (missCause) causes.splice(causes.length > 0 ? causes.length - 1 : 0, 1, missCause);
  if (state.rebuilds === 0) return missCause ? `no rebuilds (last miss: ${missCause})` : 'no rebuilds';
  const shown = [...new Set(causes.reverse())].slice(0, 2);
  return `${state.rebuilds} rebuild${state.rebuilds === 1 ? '' : 's'} (${shown.join(', ')})`;
}

/**
 * One status line for the JSON Claude Code pipes on stdin. Never throws and
 * never asks for a non-zero exit: problems come back as a short line.
 */
export async function runStatusline(stdinText: string, opts: StatuslineOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now();
  const c = palette(!env.NO_COLOR);
  const finish = (line: string, plain: string): string => fitColumns(line, plain, env);
  const short = (text: string): string => finish(text, text);
  try {
    const input = parseInput(stdinText);
    if (!input) return short('cachelens: no status JSON on stdin');
    let pricing: Pricing;
    try {
      pricing = loadPricing();
    } catch {
      return short('cachelens: price table unreadable');
    }
    const known = input.modelId !== null && pricing.resolve(input.modelId) !== null;
    const model = known ? pricing.displayName(input.modelId!) : (input.modelName ?? input.modelId ?? 'unknown model');
    if (!input.transcriptPath) return short(`${model} | cachelens: no transcript_path`);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input.transcriptPath);
    } catch {
      return short(`${model} | cachelens: transcript not found`);
    }
    const { state, tail, file } = await update({ ...input, transcriptPath: input.transcriptPath }, stat, env, pricing);
    persistPromptCache(state, input, env, now);
    writeState(file, state);

    const total = state.input + state.write + state.read;
    const last = state.recent.at(-1);
    const hitPct = total > 0 ? Math.floor((100 * state.read) / total) : null;
    const cost =
      state.requests === 0
        ? fmtUSD(0)
        : state.unpriced === state.requests
          ? `no prices for ${input.modelId ?? 'this model'}`
          : `${fmtUSD(state.costUSD)}${state.unpriced > 0 ? '+' : ''}`;
    const values: Record<string, string> = {
      model: known || input.modelId === null ? model : `${model} (unknown model ${input.modelId})`,
      hit: hitPct === null ? '–' : `${hitPct}%`,
      last: last ? `+${fmtTokens(writeOf(last))} write ${fmtTokens(last.read)} read` : '–',
      cost,
      ttl: ttlField(state, tail, now, pricing, c),
      rebuilds: rebuildsField(state, input),
    };
    const template = opts.format ?? DEFAULT_FORMAT;
    const plainValues = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replace(/\u001b\[\d+m/g, '')]));
    return finish(render(template, values), render(template, plainValues));
  } catch (err) {
    return short(`cachelens: statusline failed (${(err as Error).message ?? String(err)})`.slice(0, 200));
  }
}
