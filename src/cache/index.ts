// Public face of the cache stage: conversations, rebuilds and their causes.
import type { Dataset } from '../accounting/index.js';
import type { Pricing } from '../pricing/index.js';
import { buildConversations, type Conversation } from './conversations.js';
import { conversationRebuilds, isWaste, markFanouts, startLevels, type Rebuild, type StartLevels } from './rebuilds.js';

export { CAUSES, isWaste, REBUILD_MIN_SHARE, REBUILD_MIN_TOKENS, TTL_SLACK_MS, FANOUT_WINDOW_MS, rebuildPremium, rebuildWaste, rewrittenTokens } from './rebuilds.js';
export type { Rebuild, RebuildCause, RequestRef, StartLevels, ConversationFirst } from './rebuilds.js';
export { conversationFirsts, conversationRebuilds, markFanouts, startLevelsOf } from './rebuilds.js';
export { buildConversations, conversationId } from './conversations.js';
export type { Conversation } from './conversations.js';

export interface CacheAnalysis {
  conversations: Conversation[];
  /** every rebuild, starts included, in time order */
  rebuilds: Rebuild[];
  /** rebuild by request key */
  byKey: Map<string, Rebuild>;
}

/**
 * `levels`: the start levels conversations are judged against, from the
 * dataset's own conversations. By default they are those conversations'
 * levels; the store's incremental report, whose dataset holds only the
 * changed sessions, adds the levels of the sessions it keeps.
 */
export function analyzeCache(ds: Dataset, pricing: Pricing, levels: (conversations: Conversation[]) => StartLevels = startLevels): CacheAnalysis {
  const conversations = buildConversations(ds.requests, ds.events);
  const shared = levels(conversations);
  const rebuilds: Rebuild[] = [];
  for (const c of conversations) rebuilds.push(...conversationRebuilds(c, pricing, shared));
  const byKey = new Map(rebuilds.map((r) => [r.key, r]));
  markFanouts(conversations, byKey, pricing, shared);
  rebuilds.sort((a, b) => a.request.timestamp - b.request.timestamp || (a.key < b.key ? -1 : 1));
  return { conversations, rebuilds, byKey };
}

/** Waste by request key for the costly rebuilds (the accounting stage's WasteLookup). */
export function wasteLookup(analysis: CacheAnalysis): Map<string, number | null> {
  const m = new Map<string, number | null>();
  for (const r of analysis.rebuilds) if (isWaste(r)) m.set(r.key, r.wasteUSD);
  return m;
}

