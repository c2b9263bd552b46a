// The overview's sums, kept per session. A session's part depends only on its
// own records (and the start levels shared by all conversations), so the store
// can keep parts between runs and recompute just the sessions that changed;
// the report is the merge of all parts. The full path (no store, team data)
// goes through the same parts, so both give identical figures.
import { addApiError, addRequest, newAccumulator, type Accumulator, type Dataset, type WasteLookup } from '../accounting/index.js';
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
}

function sumsOf(a: Accumulator): Sums {
  return FIELDS.map((f) => a[f]);
}

/** One part per session of the dataset; `firsts` comes from the cache analysis' conversations. */
export function collectParts(ds: Dataset, waste: WasteLookup, firsts: readonly ConversationFirst[]): SessionPart[] {
  interface Work {
    total: Accumulator;
    days: Map<string, Accumulator>;
    models: Map<string, Accumulator>;
    projects: Map<string, Accumulator>;
    unpriced: Map<string, Accumulator>;
    firsts: ConversationFirst[];
  }
  const bySession = new Map<string, Work>();
  const work = (s: string): Work => {
    let w = bySession.get(s);
    if (!w) {
      w = { total: newAccumulator(), days: new Map(), models: new Map(), projects: new Map(), unpriced: new Map(), firsts: [] };
      bySession.set(s, w);
    }
    return w;
  };
  const at = (m: Map<string, Accumulator>, k: string): Accumulator => {
    let a = m.get(k);
    if (!a) {
      a = newAccumulator();
      m.set(k, a);
    }
    return a;
  };
  const cal = ds.calendar;
  for (const p of ds.requests) {
    const w = work(p.r.sessionId);
    addRequest(w.total, p, waste);
    addRequest(at(w.days, cal.day(p.r.timestamp)), p, waste);
    addRequest(at(w.models, p.r.model), p, waste);
    addRequest(at(w.projects, p.r.project), p, waste);
    if (p.costUSD === null) addRequest(at(w.unpriced, p.r.model), p);
  }
  for (const e of ds.apiErrors) {
    const w = work(e.sessionId);
    addApiError(w.total, e);
    addApiError(at(w.days, cal.day(e.timestamp)), e);
    addApiError(at(w.projects, e.project), e);
  }
  for (const f of firsts) bySession.get(f.sessionId)?.firsts.push(f);
  const groups = (m: Map<string, Accumulator>): Groups => [...m].map(([k, a]) => [k, sumsOf(a)]);
  return [...bySession].map(([session, w]) => ({
    session,
    total: sumsOf(w.total),
    days: groups(w.days),
    models: groups(w.models),
    projects: groups(w.projects),
    unpriced: groups(w.unpriced),
    firsts: w.firsts,
  }));
}

function addSums(a: Accumulator, s: Sums, session: string): void {
  a.sessions.add(session);
  for (let i = 0; i < FIELDS.length; i++) a[FIELDS[i]!] += s[i]!;
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
