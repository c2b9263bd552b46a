// The store's incremental report: per-session parts kept in the store, only
// the sessions changed since they were computed are loaded and analysed again.
// Falls back to all sessions when nothing is kept or when the changed
// sessions move the start levels every conversation is judged against.
import { prepareDataset, type Calendar, type Filters } from '../accounting/index.js';
import { analyzeCache, conversationFirsts, startLevelsOf, wasteLookup, type ConversationFirst, type StartLevels } from '../cache/index.js';
import type { Pricing } from '../pricing/index.js';
import type { ReportMeta } from '../report/meta.js';
import { collectParts, decodeParts, encodeParts, type MergedParts, type SessionPart } from '../report/parts.js';
import type { SqliteStore } from '../store/sqlite.js';

/** What a report built from merged sums gets: the sums (local parts merged, or the team database's), prices, meta. */
export interface PartsLoaded {
  merged: MergedParts;
  pricing: Pricing;
  meta: ReportMeta;
  /** [from, to) epoch ms of the filters, null where open */
  range: { from: number | null; to: number | null };
}

export interface PartsContext {
  store: SqliteStore;
  /** everything the parts depend on besides the data, hashed */
  key: string;
  roots: string[];
  range: { from: number | null; to: number | null };
  filters: Filters;
  calendar: Calendar;
  pricing: Pricing;
}

function levelsKey(levels: StartLevels): string {
  return JSON.stringify([...levels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Every session's part, recomputing only what changed since the kept parts. */
export function sessionParts(ctx: PartsContext): { parts: SessionPart[]; recomputed: number } {
  const { store, key } = ctx;
  // read before the data: anything written later has a later generation and is recomputed next time
  const generation = store.generation();
  const kept = store.parts.read(key);
  if (kept) {
    const changed = store.changedSessions(kept.generation);
    const current = new Map(decodeParts(kept.data).map((p) => [p.session, p]));
    for (const [s, d] of kept.changes) {
      if (d === null) current.delete(s);
      else current.set(s, JSON.parse(d) as SessionPart);
    }
    if (changed.length === 0) return { parts: [...current.values()], recomputed: 0 };
    for (const s of changed) current.delete(s);
    const keptFirsts = [...current.values()].flatMap((p) => p.firsts);
    const fresh = compute(ctx, changed, (own) => startLevelsOf([...keptFirsts, ...own]));
    if (fresh.levels === kept.levels) {
      for (const p of fresh.parts) current.set(p.session, p);
      const parts = [...current.values()];
      // few changes are stored as changes; many are folded into the whole set again
      if (kept.changes.size + changed.length > Math.max(64, parts.length / 20)) store.parts.writeAll(key, generation, fresh.levels, encodeParts(parts));
      else {
        const mine = new Map(fresh.parts.map((p) => [p.session, JSON.stringify(p)] as const));
        store.parts.writeChanges(key, generation, new Map(changed.map((s) => [s, mine.get(s) ?? null] as const)));
      }
      return { parts, recomputed: changed.length };
    }
  }
  const all = compute(ctx, null, (own) => startLevelsOf(own));
  store.parts.writeAll(key, generation, all.levels, encodeParts(all.parts));
  return { parts: all.parts, recomputed: all.parts.length };
}

function compute(ctx: PartsContext, sessions: readonly string[] | null, levelsOf: (own: ConversationFirst[]) => StartLevels): { parts: SessionPart[]; levels: string } {
  const data = ctx.store.load(ctx.range, ctx.roots, sessions);
  const ds = prepareDataset(data, ctx.pricing, ctx.calendar, ctx.filters);
  let levels: StartLevels | null = null;
  const analysis = analyzeCache(ds, ctx.pricing, (conversations) => (levels = levelsOf(conversationFirsts(conversations))));
  // (analyzeCache calls it once, before judging any conversation)
  const firsts = conversationFirsts(analysis.conversations);
  return { parts: collectParts(ds, wasteLookup(analysis), firsts), levels: levelsKey(levels ?? new Map()) };
}
