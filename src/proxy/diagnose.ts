// Why did this response rebuild the cache? Pure: a request's fingerprint and
// usage, the earlier requests of its conversation, and the clock they carry.
// The request is compared with the best previous request of the same
// conversation and model (the longest common prefix, the latest on a tie):
// what that one had cached is what this one should have read. Causes and
// their order: docs/proxy.md.
import { REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS } from '../cache/thresholds.js';
import type { ProxyCause, ProxyFinding, ProxySettings, ProxyUsage } from '../domain/proxy.js';
import { LOOKBACK, TTL_MS, type Level, type Ttl } from '../sim/index.js';

/** A block as the diagnosis needs it (hashes as numbers). */
export interface SeenBlock {
  level: Level;
  kind: string;
  path: string;
  hash: number;
  cumulativeHash: number;
  tokens: number;
  cacheControl: Ttl | null;
}

/** A request with its answer, as the diagnosis sees it. */
export interface SeenRequest {
  id: number;
  /** request start, ms */
  start: number;
  model: string;
  /** the price table's key for the model (one cache per model), else the id */
  modelKey: string;
  settings: ProxySettings;
  blocks: readonly SeenBlock[];
  usage: ProxyUsage;
}

export interface DiagnoseContext {
  /** minimum cacheable prefix for a model key */
  minimumTokens(modelKey: string): number;
  /** USD per token written instead of read for this request (write price by its TTL mix − read price); null: no price */
  premium(req: SeenRequest): number | null;
}

export type Diagnosis = Omit<ProxyFinding, 'requestId' | 'apiRequestId' | 'timestamp' | 'sessionId' | 'conversation'>;

const writes = (u: ProxyUsage): number => u.cacheWrite5m + u.cacheWrite1h;

/** Breakpoint positions (0-based), explicit markers and the automatic one on the last cacheable block. */
export function breakpointsOf(r: SeenRequest): number[] {
  const out: number[] = [];
  r.blocks.forEach((b, i) => {
    if (b.cacheControl !== null) out.push(i);
  });
  if (r.settings.autoCache !== null) {
    let last = r.blocks.length - 1;
    while (last >= 0 && (r.blocks[last]!.kind === 'thinking' || r.blocks[last]!.kind === 'redacted_thinking')) last--;
    if (last >= 0 && !out.includes(last)) out.push(last);
  }
  return out.sort((a, b) => a - b);
}

/** Number of leading positions whose cumulative hashes agree. */
export function commonPrefix(a: readonly SeenBlock[], b: readonly SeenBlock[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i]!.cumulativeHash === b[i]!.cumulativeHash) i++;
  return i;
}

/** Real tokens of `r`'s prefix up to position index i: estimates scaled to the request's real total. */
function realTokensAt(r: SeenRequest, i: number): number {
  let est = 0;
  let upTo = 0;
  r.blocks.forEach((b, k) => {
    est += b.tokens;
    if (k <= i) upTo = est;
  });
  const real = r.usage.input + writes(r.usage) + r.usage.cacheRead;
  return est > 0 ? Math.round((upTo * real) / est) : 0;
}

const ttlOf = (r: SeenRequest, i: number): Ttl => r.blocks[i]?.cacheControl ?? r.settings.autoCache ?? '5m';

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

const SYSTEM_SETTINGS = ['speed', 'serverTools', 'citations'] as const;
const MESSAGES_SETTINGS = ['toolChoice', 'disableParallelToolUse', 'thinking', 'effort', 'images'] as const;

function changedSettings(a: ProxySettings, b: ProxySettings, keys: readonly (keyof ProxySettings)[]): string[] {
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k} ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`);
}

/** What changed at position index d (inside the cached prefix). */
function classifyChange(prev: SeenRequest, cur: SeenRequest, d: number): { cause: ProxyCause; detail: string } {
  const x = prev.blocks[d];
  const y = cur.blocks[d];
  if (!y) return { cause: 'message-edited', detail: `the request ends at block ${d}, inside the prefix cached before` };
  if (x && x.hash === y.hash && x.path === y.path) {
    // equal blocks with different prefix hashes: a setting mixed in where the level starts
    const keys = y.level === 'system' ? SYSTEM_SETTINGS : MESSAGES_SETTINGS;
    const what = changedSettings(prev.settings, cur.settings, keys);
    return { cause: 'settings-changed', detail: `${what.length ? what.join(', ') : 'settings'} (invalidates the ${y.level} level from block ${d + 1})` };
  }
  const where = `block ${d + 1} (${y.path})`;
  if (y.level === 'tools') {
    const tools = (r: SeenRequest): number[] => r.blocks.filter((b) => b.level === 'tools').map((b) => b.hash);
    const a = tools(prev);
    const b = tools(cur);
    const sorted = (h: number[]): string => [...h].sort((p, q) => p - q).join(',');
    const how = b.length > a.length ? `tool added at ${where}` : b.length < a.length ? `tool removed at ${where}` : sorted(a) === sorted(b) ? `tools reordered from ${where}` : `tool definition changed at ${where}`;
    return { cause: 'tools-changed', detail: `tools changed: ${how}; the whole prefix is rewritten` };
  }
  if (y.level === 'system') return { cause: 'system-changed', detail: `system changed at ${where}` };
  const m = /^messages\[(\d+)\]/.exec(y.path);
  return { cause: 'message-edited', detail: `message ${m ? m[1] : '?'} edited at ${where}` };
}

function finding(cur: SeenRequest, ctx: DiagnoseContext, f: Omit<Diagnosis, 'model' | 'readTokens' | 'wastedUSD' | 'position' | 'level' | 'path'>, d: number | null): Diagnosis {
  const y = d === null ? undefined : cur.blocks[d];
  const premium = ctx.premium(cur);
  return {
    model: cur.model,
    readTokens: cur.usage.cacheRead,
    position: d === null ? null : d + 1,
    level: y?.level ?? null,
    path: y?.path ?? null,
    ...f,
    wastedUSD: premium === null ? null : f.tokensRewritten * premium,
  };
}

const isRebuild = (rewritten: number, expected: number): boolean => rewritten >= REBUILD_MIN_TOKENS && rewritten > REBUILD_MIN_SHARE * expected;

/**
 * The diagnosis of `cur` given the earlier requests of its conversation (any
 * model, oldest first, each with its usage), or null when nothing was lost.
 */
export function diagnose(history: readonly SeenRequest[], cur: SeenRequest, ctx: DiagnoseContext): Diagnosis | null {
  const u = cur.usage;
  const bps = breakpointsOf(cur);
  const minimum = ctx.minimumTokens(cur.modelKey);
  if (bps.length > 0 && u.cacheRead === 0 && writes(u) === 0) {
    const last = bps[bps.length - 1]!;
    const tokens = realTokensAt(cur, last);
    if (tokens >= minimum) return null;
    return finding(cur, ctx, {
      cause: 'below-minimum',
      detail: `the prefix at the last breakpoint (block ${last + 1}, about ${tokens} tokens) is below the ${minimum}-token minimum of ${cur.model}: nothing is cached`,
      previousRequestId: null, previousModel: null, gapMs: null, ttl: null, expectedReadTokens: 0, tokensRewritten: 0, evidence: [],
    }, null);
  }
  if (history.length === 0 || writes(u) === 0) return null;
  const same = history.filter((h) => h.modelKey === cur.modelKey);
  if (same.length === 0) {
    const prev = history[history.length - 1]!;
    const pb = breakpointsOf(prev);
    const common = commonPrefix(prev.blocks, cur.blocks);
    const lastP = pb.length ? pb[pb.length - 1]! : -1;
    const upTo = Math.min(common - 1, lastP);
    const expected = upTo >= 0 ? (upTo === lastP ? Math.min(u.cacheRead + writes(u) + u.input, prev.usage.cacheRead + writes(prev.usage)) : realTokensAt(cur, upTo)) : 0;
    const rewritten = Math.min(writes(u), Math.max(0, expected - u.cacheRead));
    if (!isRebuild(rewritten, expected)) return null;
    return finding(cur, ctx, {
      cause: 'model-changed',
      detail: `model changed: ${prev.model} → ${cur.model} (one cache per model; the whole prefix is rewritten)`,
      previousRequestId: prev.id, previousModel: prev.model, gapMs: cur.start - prev.start, ttl: null,
      expectedReadTokens: expected, tokensRewritten: rewritten, evidence: [],
    }, 0);
  }
  // the best previous request: the longest common prefix, the latest on a tie
  let best = same[0]!;
  let bestLen = -1;
  for (const h of same) {
    const n = commonPrefix(h.blocks, cur.blocks);
    if (n >= bestLen) {
      best = h;
      bestLen = n;
    }
  }
  const pb = breakpointsOf(best);
  if (pb.length === 0) return null;
  const P = pb[pb.length - 1]!; // what `best` cached ends here
  const expected = Math.min(best.usage.cacheRead + writes(best.usage), u.cacheRead + writes(u) + u.input);
  const rewritten = Math.min(writes(u), Math.max(0, expected - u.cacheRead));
  if (!isRebuild(rewritten, expected)) return null;
  const d = bestLen < Math.max(best.blocks.length, cur.blocks.length) ? bestLen : null;
  const gapMs = cur.start - best.start;
  const ttl = ttlOf(best, P);
  const base = { previousRequestId: best.id, previousModel: best.model, gapMs, ttl, expectedReadTokens: expected, tokensRewritten: rewritten };
  const changed = d !== null && d <= P ? classifyChange(best, cur, d) : null;
  if (gapMs > TTL_MS[ttl]) {
    return finding(cur, ctx, {
      ...base, cause: 'ttl-expired',
      detail: `TTL expired: ${minutes(gapMs)} since the previous request, past the ${ttl} TTL of the prefix cached up to block ${P + 1}`,
      evidence: changed ? [`also: ${changed.detail}`] : [],
    }, changed ? d : null);
  }
  if (changed) return finding(cur, ctx, { ...base, ...changed, evidence: [] }, d);
  const betas = (s: ProxySettings): string => [...s.betas].sort().join(',');
  if (betas(best.settings) !== betas(cur.settings)) {
    return finding(cur, ctx, { ...base, cause: 'settings-changed', detail: `anthropic-beta changed: ${betas(best.settings) || '(none)'} → ${betas(cur.settings) || '(none)'}`, evidence: [] }, null);
  }
  const next = bps.find((q) => q >= P);
  if (next === undefined || next - P >= LOOKBACK) {
    const where = next === undefined ? 'no breakpoint at or after it' : `the nearest breakpoint is block ${next + 1}, ${next - P} blocks later`;
    return finding(cur, ctx, { ...base, cause: 'lookback-exceeded', detail: `the prefix cached up to block ${P + 1} is out of reach: ${where} (the lookback checks ${LOOKBACK} positions)`, evidence: [] }, null);
  }
  return finding(cur, ctx, {
    ...base, cause: 'unexplained',
    detail: `the prefix up to block ${P + 1} is unchanged and within its ${ttl} TTL, yet ${rewritten} tokens were written again (evicted early, or a concurrent request)`,
    evidence: [],
  }, null);
}
