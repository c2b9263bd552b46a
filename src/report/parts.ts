// The overview's sums, kept per session. A session's part depends only on its
// own records (and the start levels shared by all conversations), so the store
// can keep parts between runs and recompute just the sessions that changed;
// the report is the merge of all parts. The full path (no store, team data)
// goes through the same parts, so both give identical figures.
import { newAccumulator, type Accumulator, type Dataset, type PricedRequest, type WasteLookup } from '../accounting/index.js';
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

/** One request's contribution, added to `v` (the same sums as accounting's addRequest). */
function addTo(v: Sums, p: PricedRequest, rebuild: boolean, wasted: number): void {
  const r = p.r;
  v[REQ]! += 1;
  v[INPUT]! += r.input;
  v[OUTPUT]! += r.output;
  v[W5]! += r.cacheWrite5m;
  v[W1]! += r.cacheWrite1h;
  v[READ]! += r.cacheRead;
  if (p.costUSD === null) v[UNPRICED]! += 1;
  else {
    v[COST]! += p.costUSD;
    v[NOCACHE]! += p.noCacheCostUSD ?? 0;
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

/** One part per session of the dataset; `firsts` comes from the cache analysis' conversations. */
export function collectParts(ds: Dataset, waste: WasteLookup, firsts: readonly ConversationFirst[]): SessionPart[] {
  interface Work {
    total: Sums;
    days: Map<string, Sums>;
    models: Map<string, Sums>;
    projects: Map<string, Sums>;
    unpriced: Map<string, Sums>;
    firsts: ConversationFirst[];
  }
  const bySession = new Map<string, Work>();
  const work = (s: string): Work => {
    let w = bySession.get(s);
    if (!w) {
      w = { total: new Array<number>(N).fill(0), days: new Map(), models: new Map(), projects: new Map(), unpriced: new Map(), firsts: [] };
      bySession.set(s, w);
    }
    return w;
  };
  const cal = ds.calendar;
  let w: Work | null = null;
  let last = '';
  // consecutive requests mostly share their day, model and project: keep the last vector of each
  let day: string | null = null, model: string | null = null, project: string | null = null;
  let dayV: Sums = [], modelV: Sums = [], projectV: Sums = [];
  for (const p of ds.requests) {
    // requests come in time order, mostly a session at a time
    if (w === null || p.r.sessionId !== last) {
      last = p.r.sessionId;
      w = work(last);
      day = model = project = null;
    }
    const rebuild = waste.size > 0 && waste.has(p.r.key);
    const wasted = rebuild ? (waste.get(p.r.key) ?? 0) : 0;
    addTo(w.total, p, rebuild, wasted);
    const d = cal.day(p.r.timestamp);
    if (d !== day) dayV = at(w.days, (day = d));
    addTo(dayV, p, rebuild, wasted);
    if (p.r.model !== model) modelV = at(w.models, (model = p.r.model));
    addTo(modelV, p, rebuild, wasted);
    if (p.r.project !== project) projectV = at(w.projects, (project = p.r.project));
    addTo(projectV, p, rebuild, wasted);
    if (p.costUSD === null) addTo(at(w.unpriced, p.r.model), p, false, 0);
  }
  for (const e of ds.apiErrors) {
    const x = work(e.sessionId);
    x.total[ERR]! += 1;
    at(x.days, cal.day(e.timestamp))[ERR]! += 1;
    at(x.projects, e.project)[ERR]! += 1;
  }
  for (const f of firsts) bySession.get(f.sessionId)?.firsts.push(f);
  return [...bySession].map(([session, x]) => ({
    session,
    total: x.total,
    days: [...x.days],
    models: [...x.models],
    projects: [...x.projects],
    unpriced: [...x.unpriced],
    firsts: x.firsts,
  }));
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
