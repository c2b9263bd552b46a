// Rebuild detection and cause classification (usage-accounting.md, "Cache
// health"; the rules are documented in docs/breaks.md).
import type { PricedRequest } from '../accounting/index.js';
import type { ConversationEvent, TokenCounts } from '../domain/types.js';
import type { PriceInput, Pricing } from '../pricing/index.js';
import { eventsBefore, eventsBetween, type Conversation } from './conversations.js';

import { REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS, TTL_SLACK_MS } from './thresholds.js';

export { REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS, TTL_SLACK_MS };
/** Sub-agents whose first requests start this close together fanned out in parallel. */
export const FANOUT_WINDOW_MS = 10_000;
/** Two writes within this share of each other are taken to be the same prefix. */
export const SAME_PREFIX_SHARE = 0.05;
/** A read within this share of an earlier level "fell back" to that level. */
export const LEVEL_TOLERANCE = 0.01;
/** How long before a conversation's first request its start-up evidence (/clear, resume) may lie. */
const START_WINDOW_MS = 15 * 60_000;

/**
 * Causes in order of precedence, as specified: when several apply, the first
 * wins and the others stay in the evidence. An expired TTL comes first: once
 * the entry was gone, nothing else was left to lose.
 */
export const CAUSES = [
  'cold-start',
  'ttl-expired',
  'model-switch',
  'compaction',
  'claude-code-upgrade',
  'resume',
  'clear',
  'rewind',
  'fork',
  'effort-or-fast-mode',
  'parallel-fanout',
  'partial',
  'unexplained',
] as const;

export type RebuildCause = (typeof CAUSES)[number];

/**
 * A conversation's first write is its start (a cold start, or the first
 * request after /clear): reported, never counted as waste. Every later rebuild
 * is, and so is a start that fanned out in parallel with another. This does
 * not depend on conversation events, so reports that skip them count the same.
 */
export function isWaste(r: { previous: RequestRef | null; cause: RebuildCause }): boolean {
  return r.previous !== null || r.cause === 'parallel-fanout';
}

export interface RequestRef {
  messageId: string;
  requestId: string | null;
  timestamp: number;
  model: string;
  version: string | null;
}

export interface Rebuild {
  /** the request's de-duplication key */
  key: string;
  conversationId: string;
  sessionId: string;
  project: string;
  agentId: string | null;
  request: RequestRef;
  previous: RequestRef | null;
  cause: RebuildCause;
  /** the TTL in force before this request, inferred from the conversation's latest writes */
  ttl: '5m' | '1h' | null;
  gapMs: number | null;
  /** what a healthy request would have read: previous read + previous write */
  expectedRead: number;
  read: number;
  /** tokens written again: min(this write, expectedRead - read); for a start, its whole write */
  tokensRewritten: number;
  /** for 'partial': the earlier read level the read fell back to */
  level: number | null;
  /** every piece of evidence found, the chosen cause's first */
  evidence: string[];
  /** tokensRewritten x (write price - read price); 0 for starts; null for unknown models */
  wasteUSD: number | null;
}

function ref(p: PricedRequest): RequestRef {
  return { messageId: p.r.messageId, requestId: p.r.requestId, timestamp: p.r.timestamp, model: p.r.model, version: p.r.version };
}

function writes(p: PricedRequest): number {
  return p.r.cacheWrite5m + p.r.cacheWrite1h;
}

function fmtGap(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
}

/** The TTL of the entries a request would read: the bucket of the conversation's latest write. */
function ttlInForce(c: Conversation, i: number): '5m' | '1h' {
  for (let j = i - 1; j >= 0; j--) {
    const r = c.requests[j]!.r;
    if (r.cacheWrite1h > 0) return '1h';
    if (r.cacheWrite5m > 0) return '5m';
  }
  return '5m';
}

function commandSet(events: ConversationEvent[]): Set<string> {
  const s = new Set<string>();
  for (const e of events) if (e.kind === 'command' && e.detail) s.add(e.detail.toLowerCase());
  return s;
}

/** The write-minus-read premium per token at this request's prices, weighted by its 5m/1h split. */
export function rebuildPremium(r: PriceInput, pricing: Pricing): number | null {
  const u = pricing.unitPrices(r);
  if (!u) return null;
  const w = r.cacheWrite5m + r.cacheWrite1h;
  const share1h = w > 0 ? r.cacheWrite1h / w : 0;
  return share1h * u.cacheWrite1h + (1 - share1h) * u.cacheWrite5m - u.cacheRead;
}

/** What rewriting `tokens` cost at this request's prices beyond reading them (null for an unknown model). */
export function rebuildWaste(r: PriceInput, tokens: number, pricing: Pricing): number | null {
  const premium = rebuildPremium(r, pricing);
  return premium === null ? null : tokens * premium;
}

/** How the conversation began: a cold start, or the first request after /clear. */
function classifyStart(c: Conversation, p: PricedRequest): { cause: RebuildCause; evidence: string[] } {
  const before = eventsBefore(c, p.r.timestamp, START_WINDOW_MS);
  const cmds = commandSet(before);
  if (cmds.has('/clear') || before.some((e) => e.kind === 'session-start' && e.detail === 'clear')) {
    return { cause: 'clear', evidence: ['first request after /clear'] };
  }
  const resumed = before.some((e) => e.kind === 'session-start' && e.detail === 'resume');
  return { cause: 'cold-start', evidence: [resumed ? 'first request of a resumed session' : 'first request of the conversation'] };
}

interface Candidate {
  cause: RebuildCause;
  why: string;
}

/** Every cause the evidence supports, most specific first (the order of CAUSES). */
function nearestLevel(read: number, levels: readonly number[]): number | null {
  if (read <= 0) return null;
  let best: number | null = null;
  for (const l of levels) {
    if (Math.abs(read - l) <= LEVEL_TOLERANCE * l && (best === null || Math.abs(read - l) < Math.abs(read - best))) best = l;
  }
  return best;
}

function candidates(c: Conversation, i: number, levels: number[], startLevels: StartLevels): { list: Candidate[]; ttl: '5m' | '1h'; level: number | null } {
  const p = c.requests[i]!;
  const prev = c.requests[i - 1]!;
  const between = eventsBetween(c, prev.r.timestamp, p.r.timestamp);
  const cmds = commandSet(between);
  const list: Candidate[] = [];
  const compaction = between.find((e) => e.kind === 'compact-boundary' || e.kind === 'microcompact-boundary' || e.kind === 'compact-summary');
  if (compaction) list.push({ cause: 'compaction', why: `${compaction.kind}${compaction.detail ? ` (${compaction.detail})` : ''}` });
  else if (cmds.has('/compact')) list.push({ cause: 'compaction', why: '/compact' });
  if (p.r.model !== prev.r.model) list.push({ cause: 'model-switch', why: `model ${prev.r.model} → ${p.r.model}` });
  if (cmds.has('/clear') || between.some((e) => e.kind === 'session-start' && e.detail === 'clear')) list.push({ cause: 'clear', why: '/clear' });
  const promptOf = (q: PricedRequest): number => q.r.input + q.r.cacheRead + writes(q);
  const shrank = promptOf(prev) - promptOf(p);
  if (cmds.has('/rewind')) list.push({ cause: 'rewind', why: '/rewind' });
  else if (shrank > REBUILD_MIN_TOKENS / 4 && !compaction && !cmds.has('/compact') && !cmds.has('/clear')) {
    // a prompt that shrinks without compaction lost earlier messages: a rewind (Esc Esc) or an edited history
    list.push({ cause: 'rewind', why: `the prompt shrank by ${shrank} tokens with no compaction: earlier messages were rewound or removed` });
  }
  if (cmds.has('/fork') || cmds.has('/branch')) list.push({ cause: 'fork', why: cmds.has('/fork') ? '/fork' : '/branch' });
  if (p.r.version && prev.r.version && p.r.version !== prev.r.version) {
    list.push({ cause: 'claude-code-upgrade', why: `Claude Code ${prev.r.version} → ${p.r.version}` });
  }
  const speedChanged = (prev.r.speed === 'fast') !== (p.r.speed === 'fast');
  if (cmds.has('/effort') || cmds.has('/fast') || speedChanged) {
    list.push({ cause: 'effort-or-fast-mode', why: cmds.has('/effort') ? '/effort' : cmds.has('/fast') ? '/fast' : `speed ${prev.r.speed ?? 'standard'} → ${p.r.speed ?? 'standard'}` });
  }
  const ttl = ttlInForce(c, i);
  const gap = p.r.timestamp - prev.r.timestamp;
  if (gap > (ttl === '1h' ? 3_600_000 : 300_000) - TTL_SLACK_MS) list.push({ cause: 'ttl-expired', why: `idle ${fmtGap(gap)} > ${ttl} TTL` });
  if (cmds.has('/resume') || between.some((e) => e.kind === 'session-start' && e.detail === 'resume')) list.push({ cause: 'resume', why: 'session resumed' });
  const read = p.r.cacheRead;
  // parallel requests: the previous one wrote (nearly) this prefix seconds ago and it could not be read yet
  const prevWrite = writes(prev);
  if (gap <= FANOUT_WINDOW_MS && read <= prev.r.cacheRead && prevWrite >= REBUILD_MIN_TOKENS && Math.abs(writes(p) - prevWrite) <= SAME_PREFIX_SHARE * prevWrite) {
    list.push({ cause: 'parallel-fanout', why: `started ${(gap / 1000).toFixed(1)} s after a request that wrote nearly the same prefix (${prevWrite} tokens), before it could be read` });
  }
  // an exact earlier read of this conversation, else a start/rebuild level within 1%, else a level sessions start from
  const history = read > 0 && c.requests.slice(0, i).some((q) => q.r.cacheRead === read || q.r.cacheRead + writes(q) === read) ? read : null;
  const level = history ?? nearestLevel(read, levels);
  const shared = level === null ? nearestLevel(read, startLevels.get(p.r.model) ?? []) : null;
  if (level !== null) {
    const why = level === prev.r.cacheRead
      ? `read the same ${level} tokens as the previous request: what that request wrote was not reused (its tail changed)`
      : `read fell back to ${level} tokens, a level this conversation cached before: the prefix after it changed`;
    list.push({ cause: 'partial', why });
  } else if (shared !== null) list.push({ cause: 'partial', why: `read fell to ${shared} tokens, the level conversations on this model start from (the cached system prompt): what follows it changed` });
  const rank = (x: Candidate): number => CAUSES.indexOf(x.cause);
  list.sort((a, b) => rank(a) - rank(b));
  return { list, ttl, level: level ?? shared };
}

/** Per model, the reads that conversations start with (the cross-session cached system prompt and tools). */
export type StartLevels = Map<string, number[]>;

/** What the start levels need of a conversation: its first request. */
export interface ConversationFirst {
  /** conversation id */
  id: string;
  sessionId: string;
  timestamp: number;
  model: string;
  read: number;
}

export function conversationFirsts(conversations: readonly Conversation[]): ConversationFirst[] {
  return conversations.map((c) => {
    const r = c.requests[0]!.r;
    return { id: c.id, sessionId: c.sessionId, timestamp: r.timestamp, model: r.model, read: r.cacheRead };
  });
}

/** Levels in conversation order (first request time, then id): a level within 1% of a known one adds nothing. */
export function startLevelsOf(firsts: readonly ConversationFirst[]): StartLevels {
  const m: StartLevels = new Map();
  const ordered = [...firsts].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const f of ordered) {
    if (f.read <= 0) continue;
    const list = m.get(f.model) ?? [];
    if (!list.some((l) => Math.abs(l - f.read) <= LEVEL_TOLERANCE * l)) list.push(f.read);
    m.set(f.model, list);
  }
  return m;
}

export function startLevels(conversations: readonly Conversation[]): StartLevels {
  return startLevelsOf(conversationFirsts(conversations));
}

/**
 * The tokens a request wrote again, 0 when it is no rebuild: it read
 * noticeably less than the previous request of its conversation read and
 * wrote, and wrote at least REBUILD_MIN_TOKENS of the difference.
 */
export function rewrittenTokens(prev: TokenCounts, p: TokenCounts): number {
  const expected = prev.cacheRead + prev.cacheWrite5m + prev.cacheWrite1h;
  const drop = expected - p.cacheRead;
  const rewritten = Math.min(p.cacheWrite5m + p.cacheWrite1h, drop);
  return drop > REBUILD_MIN_SHARE * expected && rewritten >= REBUILD_MIN_TOKENS ? rewritten : 0;
}

/** Finds and classifies every rebuild of one conversation (fan-out is judged across conversations). */
export function conversationRebuilds(c: Conversation, pricing: Pricing, shared: StartLevels = new Map()): Rebuild[] {
  const out: Rebuild[] = [];
  const levels: number[] = [];
  // built only for the requests that are listed: most requests are healthy
  const listed = (p: PricedRequest, rest: Omit<Rebuild, 'key' | 'conversationId' | 'sessionId' | 'project' | 'agentId' | 'request' | 'read'>): Rebuild => ({
    key: p.r.key, conversationId: c.id, sessionId: c.sessionId, project: c.project, agentId: c.agentId, request: ref(p), read: p.r.cacheRead, ...rest,
  });
  const requests = c.requests;
  for (let i = 0; i < requests.length; i++) {
    const p = requests[i]!;
    if (i === 0) {
      const start = classifyStart(c, p);
      if (p.r.cacheRead > 0) levels.push(p.r.cacheRead);
      out.push(listed(p, { previous: null, cause: start.cause, ttl: null, gapMs: null, expectedRead: 0, tokensRewritten: writes(p), level: null, evidence: start.evidence, wasteUSD: 0 }));
      continue;
    }
    const prev = requests[i - 1]!;
    const expected = prev.r.cacheRead + writes(prev);
    const rewritten = rewrittenTokens(prev.r, p.r);
    if (rewritten === 0) continue;
    const { list, ttl, level } = candidates(c, i, levels, shared);
    const cause: RebuildCause = list[0]?.cause ?? 'unexplained';
    const evidence = list.length ? list.map((x) => x.why) : [p.r.cacheRead === 0 ? 'read fell to 0 with no other evidence' : 'read fell below every earlier level with no other evidence'];
    if (p.r.cacheRead > 0) levels.push(p.r.cacheRead);
    out.push(listed(p, {
      previous: ref(prev), cause, ttl, gapMs: p.r.timestamp - prev.r.timestamp, expectedRead: expected,
      tokensRewritten: rewritten, level: cause === 'partial' ? level : null, evidence,
      wasteUSD: rebuildWaste(p.r, rewritten, pricing),
    }));
  }
  return out;
}

/**
 * Parallel fan-out: sub-agents of one session whose first requests start within
 * seconds of each other each write the shared prefix; none can read another's
 * entry yet. The first one's write is needed; the others re-write the shared
 * part. Usage does not show how much of a prefix is shared, so it is estimated
 * as the largest level conversations on this model are seen to start from
 * that fits in both writes (the sub-agent's system prompt and tools), else the
 * smaller of the two writes.
 */
export function markFanouts(conversations: Conversation[], rebuilds: Map<string, Rebuild>, pricing: Pricing, shared: StartLevels = new Map()): void {
  const bySession = new Map<string, Conversation[]>();
  for (const c of conversations) {
    if (c.agentId === null) continue;
    const list = bySession.get(c.sessionId) ?? [];
    list.push(c);
    bySession.set(c.sessionId, list);
  }
  for (const list of bySession.values()) {
    const firsts = list.map((c) => c.requests[0]!).sort((a, b) => a.r.timestamp - b.r.timestamp);
    for (let i = 1; i < firsts.length; i++) {
      const p = firsts[i]!;
      const rb = rebuilds.get(p.r.key);
      if (!rb || rb.cause !== 'cold-start') continue;
      const leader = firsts
        .slice(0, i)
        .reverse()
        .find((q) => p.r.timestamp - q.r.timestamp <= FANOUT_WINDOW_MS && q.r.model === p.r.model && writes(q) >= REBUILD_MIN_TOKENS);
      if (!leader) continue;
      const both = Math.min(writes(p), writes(leader));
      const fits = (shared.get(p.r.model) ?? []).filter((l) => l <= both);
      const rewritten = fits.length ? Math.max(...fits) : both;
      if (rewritten < REBUILD_MIN_TOKENS) continue;
      rb.cause = 'parallel-fanout';
      rb.tokensRewritten = rewritten;
      rb.evidence = [
        `started ${((p.r.timestamp - leader.r.timestamp) / 1000).toFixed(1)} s after sub-agent ${leader.r.agentId ?? 'main'} wrote its prefix; ` +
          (fits.length ? `shared part estimated at ${rewritten} tokens, a level conversations on this model start from` : `shared part estimated as the smaller write (${rewritten} tokens)`),
      ];
      rb.wasteUSD = rebuildWaste(p.r, rewritten, pricing);
    }
  }
}
