// `cachelens statusline`: one line for Claude Code's status line, built from
// the JSON Claude Code pipes on stdin and the session's transcript, read
// incrementally (see state.ts). Never throws: every failure is a short line.
import fs from 'node:fs';
import path from 'node:path';
import { userConfigDir } from '../discover/paths.js';
import { loadPricing, type Pricing } from '../pricing/index.js';
import { promptCacheLog, readState, statePath, statuslineDir, writeState, type SessionState } from './state.js';
import { SHORT_CAUSE, fmtClock, fmtTokens, fmtUSD, palette, type Palette } from './format.js';
import { TTL_1H, advance, asPriceInput, readTail, resumable, ttlOf, writeOf, type TailInfo } from './tracker.js';


export const DEFAULT_FORMAT = '{model} | cache {hit} | last {last} | {cost} session | {ttl} | {rebuilds}';

/** What config.json may set for the status line (`{"statusline": {...}}`). */
export interface StatuslineConfig {
  format?: string;
  /** false: no colours (as NO_COLOR) */
  color?: boolean;
}

/** The status line's part of config.json: {} when there is none; a problem when it cannot be used. */
export function readStatuslineConfig(env: NodeJS.ProcessEnv): { config: StatuslineConfig; problem: string | null } {
  const file = path.join(userConfigDir(env), 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { config: {}, problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : `cannot read ${file}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { config: {}, problem: `${file} is not valid JSON` };
  }
  const sl = isRecord(raw) && isRecord(raw.statusline) ? raw.statusline : {};
  const config: StatuslineConfig = {};
  if (typeof sl.format === 'string') config.format = sl.format;
  if (typeof sl.color === 'boolean') config.color = sl.color;
  return { config, problem: null };
}

export interface StatuslineOptions {
  /** ms since epoch (default Date.now()) */
  now?: number;
  env?: NodeJS.ProcessEnv;
  /** template; placeholders {model} {hit} {last} {cost} {ttl} {rebuilds} (unknown ones are left as is) */
  format?: string;
}

/** A user line newer than the last response counts as a turn in progress for this long. */
const BUSY_WINDOW_MS = 15 * 60_000;

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

function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}

function fitColumns(line: string, plain: string, env: NodeJS.ProcessEnv): string {
  const cols = Number.parseInt(env.COLUMNS ?? '', 10);
  if (!Number.isFinite(cols) || cols <= 0 || plain.length <= cols) return line;
  return cols === 1 ? '…' : `${plain.slice(0, cols - 1)}…`;
}

/** Brings the session's state file up to date with the transcript (main thread). */
async function update(input: StatusInput & { transcriptPath: string }, stat: fs.Stats, env: NodeJS.ProcessEnv, pricing: Pricing): Promise<{ state: SessionState; tail: TailInfo; file: string }> {
  const file = statePath(env, input.sessionId);
  const thread = { path: input.transcriptPath, sessionId: input.sessionId, agentId: null };
  const state = resumable(readState(file), thread, stat);
  await advance(state, thread, stat, pricing);
  // sub-agents write their own transcripts beside the session's: <project>/<session>/subagents/agent-<id>.jsonl
  const dir = path.join(path.dirname(input.transcriptPath), path.basename(input.transcriptPath, '.jsonl'), 'subagents');
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith('agent-') && n.endsWith('.jsonl'));
  } catch {
    /* no sub-agents yet */
  }
  const agents: Record<string, SessionState> = {};
  for (const name of names) {
    const p = path.join(dir, name);
    try {
      const st = fs.statSync(p);
      const t = { path: p, sessionId: input.sessionId, agentId: name.slice('agent-'.length, -'.jsonl'.length) };
      const a = resumable(state.agents?.[p] ?? null, t, st);
      await advance(a, t, st, pricing);
      agents[p] = { ...a, agents: undefined };
    } catch {
      /* a file that vanished between readdir and stat */
    }
  }
  state.agents = agents;
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
    fs.appendFileSync(promptCacheLog(env), `${JSON.stringify(row)}\n`);
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
  const unit = pricing.unitPrices(asPriceInput(last));
  const cost = unit ? ` (${fmtUSD(tokens * (ttl === TTL_1H ? unit.cacheWrite1h : unit.cacheWrite5m))})` : '';
  return c.red(`cold — next turn re-writes ~${fmtTokens(tokens)}${cost}`);
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
  // --format wins over config.json; a config that cannot be used is said in the line, never fatal
  const { config, problem } = readStatuslineConfig(env);
  const c = palette(!env.NO_COLOR && config.color !== false);
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

    // the session's sums: main thread and sub-agents
    const threads = [state, ...Object.values(state.agents ?? {})];
    const sum = (k: 'input' | 'write' | 'read' | 'costUSD' | 'unpriced' | 'requests'): number => threads.reduce((n, t) => n + t[k], 0);
    const total = sum('input') + sum('write') + sum('read');
    const last = state.recent.at(-1);
    const hitPct = total > 0 ? Math.floor((100 * sum('read')) / total) : null;
    const cost =
      sum('requests') === 0
        ? fmtUSD(0)
        : sum('unpriced') === sum('requests')
          ? `no prices for ${input.modelId ?? 'this model'}`
          : `${fmtUSD(sum('costUSD'))}${sum('unpriced') > 0 ? '+' : ''}`;
    const subs = Object.values(state.agents ?? {}).filter((a) => a.requests > 0);
    const values: Record<string, string> = {
      model: known || input.modelId === null ? model : `${model} (unknown model ${input.modelId})`,
      hit: hitPct === null ? '–' : `${hitPct}%`,
      last: last ? `+${fmtTokens(writeOf(last))} write ${fmtTokens(last.read)} read` : '–',
      cost,
      ttl: ttlField(state, tail, now, pricing, c),
      rebuilds: rebuildsField(state, input),
      agents: subs.length === 0 ? 'no sub-agents' : `${subs.length} sub-agent${subs.length === 1 ? '' : 's'} ${fmtUSD(subs.reduce((n, a) => n + a.costUSD, 0))}`,
    };
    const template = (opts.format ?? config.format ?? DEFAULT_FORMAT) + (problem ? ` | cachelens: ${problem}` : '');
    const plainValues = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replace(/\u001b\[\d+m/g, '')]));
    return finish(render(template, values), render(template, plainValues));
  } catch (err) {
    return short(`cachelens: statusline failed (${(err as Error).message ?? String(err)})`.slice(0, 200));
  }
}

/** The command: reads stdin, prints the line (see main.ts for the fast path that calls it). */
export async function statuslineMain(format: string | undefined): Promise<void> {
  // never fails loudly: Claude Code shows whatever this prints
  let text = '';
  try {
    // a pipe (what Claude Code gives) is read in one blocking call, without loading the stream machinery
    text = fs.readFileSync(0, 'utf8');
  } catch {
    try {
      for await (const chunk of process.stdin) text += chunk;
    } catch {
      text = '';
    }
  }
  // straight to fd 1: process.stdout would start the stream machinery for one line
  writeAll(1, (await runStatusline(text, { format })) + '\n');
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (err) {
      // a non-blocking pipe that is full: try again; a closed one (EPIPE): nobody is reading
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return;
    }
  }
}
