// The overview's sums, kept per session. A session's part depends only on its
// own records (and the start levels shared by all conversations), so the store
// can keep parts between runs and recompute just the sessions that changed;
// the report is the merge of all parts. The full path (no store, team data)
// goes through the same parts, so both give identical figures.
import { newAccumulator, type Accumulator, type Calendar, type Dataset, type WasteLookup } from '../accounting/index.js';
import type { ApiErrorRecord, TokenCounts } from '../domain/types.js';
import type { ConversationFirst } from '../cache/index.js';

/** The accumulator's sums without its session set, as a vector (in FIELDS order): parts are many and kept as JSON. */
export type Sums = number[];
const FIELDS = ['requests', 'apiErrors', 'input', 'output', 'w5', 'w1', 'read', 'cost', 'noCache', 'unpriced', 'rebuilds', 'wasted'] as const;

/** Sums by group key ([key, sums] pairs). */
export type Groups = [string, Sums][];

export interface SessionPart {
  session: string;
  total: Sums;
  /** by local day ('YYYY-MM-DD' in the calendar's zone): requests and API errors */
  days: Groups;
  /** by model: requests only */
  models: Groups;
  /** by project: requests and API errors */
  projects: Groups;
  /** by model, requests without a price only */
  unpriced: Groups;
  /** the first request of each of the session's conversations (they decide the shared start levels) */
  firsts: ConversationFirst[];
}

export interface MergedParts {
  total: Accumulator;
  days: Map<string, Accumulator>;
  models: Map<string, Accumulator>;
  projects: Map<string, Accumulator>;
  unpriced: Map<string, Accumulator>;
  /**
   * distinct sessions per week and month ('week:2026-W07'), when counted
   * elsewhere (the team database); else they come from the days' session sets
   */
  periodSessions?: Map<string, { sessions: number; apiErrors: number }>;
}

const N = FIELDS.length;
// vector slots (FIELDS order)
const REQ = 0, ERR = 1, INPUT = 2, OUTPUT = 3, W5 = 4, W1 = 5, READ = 6, COST = 7, NOCACHE = 8, UNPRICED = 9, REBUILDS = 10, WASTED = 11;

/** What a request adds to the sums besides its tokens. */
type SumsRequest = TokenCounts & { timestamp: number; model: string; project: string };

/** One request's contribution, added to `v` (the same sums as accounting's addRequest). */
function addTo(v: Sums, r: TokenCounts, costUSD: number | null, noCacheCostUSD: number | null, rebuild: boolean, wasted: number): void {
  v[REQ]! += 1;
  v[INPUT]! += r.input;
  v[OUTPUT]! += r.output;
  v[W5]! += r.cacheWrite5m;
  v[W1]! += r.cacheWrite1h;
  v[READ]! += r.cacheRead;
  if (costUSD === null) v[UNPRICED]! += 1;
  else {
    v[COST]! += costUSD;
    v[NOCACHE]! += noCacheCostUSD ?? 0;
  }
  if (rebuild) {
    v[REBUILDS]! += 1;
    v[WASTED]! += wasted;
  }
}

function at(m: Map<string, Sums>, k: string): Sums {
  let v = m.get(k);
  if (!v) {
    v = new Array<number>(N).fill(0);
    m.set(k, v);
  }
  return v;
}

/** One session's part while it is built: requests and API errors are added in time order. */
export interface PartWork {
  total: Sums;
  days: Map<string, Sums>;
  models: Map<string, Sums>;
  projects: Map<string, Sums>;
  unpriced: Map<string, Sums>;
  firsts: ConversationFirst[];
  // consecutive requests mostly share their day, model and project: the last vector of each
  day: string | null;
  dayV: Sums;
  model: string | null;
  modelV: Sums;
  project: string | null;
  projectV: Sums;
}

export function newPartWork(): PartWork {
  return { total: new Array<number>(N).fill(0), days: new Map(), models: new Map(), projects: new Map(), unpriced: new Map(), firsts: [], day: null, dayV: [], model: null, modelV: [], project: null, projectV: [] };
}

/** Adds a priced request; `rebuild` when it is a costly rebuild, which wasted `wasted` USD. */
export function addPartRequest(w: PartWork, cal: Calendar, r: SumsRequest, costUSD: number | null, noCacheCostUSD: number | null, rebuild: boolean, wasted: number): void {
  addTo(w.total, r, costUSD, noCacheCostUSD, rebuild, wasted);
  const d = cal.day(r.timestamp);
  if (d !== w.day) w.dayV = at(w.days, (w.day = d));
  addTo(w.dayV, r, costUSD, noCacheCostUSD, rebuild, wasted);
  if (r.model !== w.model) w.modelV = at(w.models, (w.model = r.model));
  addTo(w.modelV, r, costUSD, noCacheCostUSD, rebuild, wasted);
  if (r.project !== w.project) w.projectV = at(w.projects, (w.project = r.project));
  addTo(w.projectV, r, costUSD, noCacheCostUSD, rebuild, wasted);
  if (costUSD === null) addTo(at(w.unpriced, r.model), r, null, null, false, 0);
}

export function addPartError(w: PartWork, cal: Calendar, e: ApiErrorRecord): void {
  w.total[ERR]! += 1;
  at(w.days, cal.day(e.timestamp))[ERR]! += 1;
  at(w.projects, e.project)[ERR]! += 1;
}

export function finishPart(session: string, w: PartWork): SessionPart {
  return { session, total: w.total, days: [...w.days], models: [...w.models], projects: [...w.projects], unpriced: [...w.unpriced], firsts: w.firsts };
}

/** One part per session of the dataset; `firsts` comes from the cache analysis' conversations. */
export function collectParts(ds: Dataset, waste: WasteLookup, firsts: readonly ConversationFirst[]): SessionPart[] {
  const bySession = new Map<string, PartWork>();
  const work = (s: string): PartWork => {
    let w = bySession.get(s);
    if (!w) bySession.set(s, (w = newPartWork()));
    return w;
  };
  const cal = ds.calendar;
  let w: PartWork | null = null;
  let last = '';
  for (const p of ds.requests) {
    // requests come in time order, mostly a session at a time
    if (w === null || p.r.sessionId !== last) w = work((last = p.r.sessionId));
    const rebuild = waste.size > 0 && waste.has(p.r.key);
    addPartRequest(w, cal, p.r, p.costUSD, p.noCacheCostUSD, rebuild, rebuild ? (waste.get(p.r.key) ?? 0) : 0);
  }
  for (const e of ds.apiErrors) addPartError(work(e.sessionId), cal, e);
  for (const f of firsts) bySession.get(f.sessionId)?.firsts.push(f);
  return [...bySession].map(([session, x]) => finishPart(session, x));
}

function addSums(a: Accumulator, s: Sums, session: string): void {
  a.sessions.add(session);
  // spelled out: a loop over FIELDS makes every add a keyed property access (several times slower here)
  a.requests += s[REQ]!;
  a.apiErrors += s[ERR]!;
  a.input += s[INPUT]!;
  a.output += s[OUTPUT]!;
  a.w5 += s[W5]!;
  a.w1 += s[W1]!;
  a.read += s[READ]!;
  a.cost += s[COST]!;
  a.noCache += s[NOCACHE]!;
  a.unpriced += s[UNPRICED]!;
  a.rebuilds += s[REBUILDS]!;
  a.wasted += s[WASTED]!;
}

/** Sums parts in session-id order, so the result does not depend on where each part came from. */
export function mergeParts(parts: readonly SessionPart[]): MergedParts {
  const out: MergedParts = { total: newAccumulator(), days: new Map(), models: new Map(), projects: new Map(), unpriced: new Map() };
  const into = (m: Map<string, Accumulator>, groups: Groups, session: string): void => {
    for (const [k, sums] of groups) {
      let a = m.get(k);
      if (!a) {
        a = newAccumulator();
        m.set(k, a);
      }
      addSums(a, sums, session);
    }
  };
  const sorted = [...parts].sort((a, b) => (a.session < b.session ? -1 : a.session > b.session ? 1 : 0));
  for (const p of sorted) {
    addSums(out.total, p.total, p.session);
    into(out.days, p.days, p.session);
    into(out.models, p.models, p.session);
    into(out.projects, p.projects, p.session);
    into(out.unpriced, p.unpriced, p.session);
  }
  return out;
}

/** Parts as kept in the store (JSON keeps every double exactly). */
export function encodeParts(parts: readonly SessionPart[]): string {
  return JSON.stringify(parts);
}

export function decodeParts(data: string): SessionPart[] {
  return JSON.parse(data) as SessionPart[];
}
