// One session's overview part from its requests read in place (RequestRows):
// the part collectParts makes of the session's prepared dataset and cache
// analysis (cli/parts.ts datasetParts), without an object per request. A
// large report without a store reduces every session this way, so its time
// is one pass of arithmetic per request, not the making of several objects
// each (records, priced records, conversations) that the garbage collector
// then has to clear. Only the first requests of sub-agents are made into
// records: a parallel fan-out is judged across them (cache/rebuilds.ts
// markFanouts), by the same code as the direct path.
import { datasetFilter, type Calendar, type DatasetFilter, type Filters } from '../accounting/index.js';
import { conversationId, conversationRebuilds, FANOUT_WINDOW_MS, isWaste, markFanouts, rebuildWaste, rewrittenTokens, type Conversation, type ConversationFirst, type Rebuild, type StartLevels } from '../cache/index.js';
import type { ApiErrorRecord, ConversationEvent, RequestRows, TokenCounts } from '../domain/types.js';
import { costOf, noCacheCostOf, type Pricing } from '../pricing/index.js';
import { addPartError, addPartRequest, finishPart, newPartWork, type PartWork, type SessionPart } from './parts.js';

/** A conversation of the session (its main thread or a sub-agent) while its requests are read. */
interface Thread {
  id: string;
  agentId: string | null;
  /** row of its first request that the filters keep */
  first: number;
  timestamp: number;
  model: string;
  read: number;
  /** the previous request's read and writes (a rebuild is judged against them) */
  prev: TokenCounts;
}

export interface RowsInput {
  session: string;
  requests: RequestRows;
  apiErrors: readonly ApiErrorRecord[];
  events: readonly ConversationEvent[];
}

/** A session read as far as its conversations: all its part needs besides the start levels. */
export interface RowsSession {
  input: RowsInput;
  keep: DatasetFilter;
  threads: Map<string | null, Thread>;
  /** in the analysis' order: by first request, then id */
  ordered: Thread[];
  errors: ApiErrorRecord[];
  /** the first request of each conversation (what the start levels are made of) */
  firsts: ConversationFirst[];
  /** sub-agents that may have fanned out in parallel: the start levels shared by all conversations can change its part */
  fanout: boolean;
}

/** The session's conversations and kept API errors; undefined when the filters leave nothing of it. */
export function rowsSession(s: RowsInput, calendar: Calendar, filters: Filters): RowsSession | undefined {
  const keep = datasetFilter(calendar, filters);
  const { threads, agents } = conversationsOf(s, keep);
  const errors = keep.byModel ? [] : s.apiErrors.filter((e) => keep.other(e.timestamp, e.project));
  if (threads.size === 0 && errors.length === 0) return undefined;
  const ordered = [...threads.values()].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1));
  const firsts = ordered.map((x): ConversationFirst => ({ id: x.id, sessionId: s.session, timestamp: x.timestamp, model: x.model, read: x.read }));
  return { input: s, keep, threads, ordered, errors, firsts, fanout: agents >= 2 && startTogether(ordered) };
}

/**
 * Whether two sub-agents' first requests lie within FANOUT_WINDOW_MS of each
 * other: without such a pair markFanouts finds no parallel fan-out, whatever
 * the start levels (`ordered`: by first request).
 */
function startTogether(ordered: readonly Thread[]): boolean {
  let last = -Infinity;
  for (const x of ordered) {
    if (x.agentId === null) continue;
    if (x.timestamp - last <= FANOUT_WINDOW_MS) return true;
    last = x.timestamp;
  }
  return false;
}

/** The session's part, judged against the start levels `levels`. */
export function rowsSessionPart(x: RowsSession, pricing: Pricing, calendar: Calendar, levels: StartLevels): SessionPart {
  const fanned = x.fanout ? fanoutWaste(x.input, x.ordered, x.keep.other, pricing, levels) : NO_FANOUT;
  const w = newPartWork();
  sumRows(w, x.input.requests, x.keep, x.threads, fanned, pricing, calendar);
  for (const e of x.errors) addPartError(w, calendar, e);
  w.firsts.push(...x.firsts);
  return finishPart(x.input.session, w);
}

const NO_FANOUT: ReadonlyMap<number, number | null> = new Map();

/** The session's conversations (by agent id, null = main thread) with their first requests that the filters keep. */
function conversationsOf(s: RowsInput, keep: DatasetFilter): { threads: Map<string | null, Thread>; agents: number } {
  const rows = s.requests;
  const threads = new Map<string | null, Thread>();
  let agents = 0;
  let last: string | null | undefined;
  for (let i = 0; i < rows.count; i++) {
    // rows come mostly a conversation at a time: only a change of agent can start one
    const agentId = rows.agentAt(i);
    if (agentId === last || threads.has(agentId)) continue;
    rows.seek(i);
    if (!keep.all && !keep.request(rows.timestamp, rows.project, rows.model)) continue;
    last = agentId;
    const prev = { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0 };
    threads.set(agentId, { id: conversationId(s.session, agentId), agentId, first: i, timestamp: rows.timestamp, model: rows.model, read: rows.cacheRead, prev });
    if (agentId !== null) agents++;
  }
  return { threads, agents };
}

/** Every kept request priced, judged against its conversation's previous one, and added in line order. */
function sumRows(w: PartWork, rows: RequestRows, keep: DatasetFilter, threads: Map<string | null, Thread>, fanned: ReadonlyMap<number, number | null>, pricing: Pricing, calendar: Calendar): void {
  let t: Thread | undefined;
  for (let i = 0; i < rows.count; i++) {
    rows.seek(i);
    if (!keep.all && !keep.request(rows.timestamp, rows.project, rows.model)) continue;
    if (t === undefined || t.agentId !== rows.agentId) t = threads.get(rows.agentId)!;
    const rates = pricing.rates(rows);
    let rebuild = false;
    let wasted = 0;
    if (i === t.first) {
      const waste = fanned.get(i);
      if (waste !== undefined) {
        rebuild = true;
        wasted = waste ?? 0;
      }
    } else {
      const rewritten = rewrittenTokens(t.prev, rows);
      if (rewritten > 0) {
        rebuild = true;
        wasted = rebuildWaste(rows, rewritten, pricing) ?? 0;
      }
    }
    t.prev.cacheRead = rows.cacheRead;
    t.prev.cacheWrite5m = rows.cacheWrite5m;
    t.prev.cacheWrite1h = rows.cacheWrite1h;
    addPartRequest(w, calendar, rows, rates === null ? null : costOf(rows, rates), rates === null ? null : noCacheCostOf(rows, rates), rebuild, wasted);
  }
}

/**
 * The sub-agents' first requests that re-wrote a shared prefix in a parallel
 * fan-out, with their waste (by row): each sub-agent as a conversation of its
 * first request and its events, judged as the direct path judges it.
 */
function fanoutWaste(s: RowsInput, ordered: Thread[], keepEvent: (ts: number, project: string) => boolean, pricing: Pricing, levels: StartLevels): Map<number, number | null> {
  const conversations: Conversation[] = [];
  const rowOf = new Map<string, number>();
  const byKey = new Map<string, Rebuild>();
  for (const x of ordered) {
    if (x.agentId === null) continue;
    const r = s.requests.record(x.first);
    const c = pricing.price(r);
    const events = s.events.filter((e) => e.agentId === x.agentId && keepEvent(e.timestamp, e.project)).sort((a, b) => a.timestamp - b.timestamp);
    const conversation: Conversation = { id: x.id, sessionId: s.session, project: r.project, agentId: x.agentId, requests: [{ r, costUSD: c ? c.costUSD : null, noCacheCostUSD: c ? c.noCacheCostUSD : null }], events };
    conversations.push(conversation);
    for (const rb of conversationRebuilds(conversation, pricing, levels)) byKey.set(rb.key, rb);
    rowOf.set(r.key, x.first);
  }
  markFanouts(conversations, byKey, pricing, levels);
  const out = new Map<number, number | null>();
  for (const [key, rb] of byKey) if (isWaste(rb)) out.set(rowOf.get(key)!, rb.wasteUSD);
  return out;
}
