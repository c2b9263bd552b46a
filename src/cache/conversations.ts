// A conversation is one cache prefix over time: a session's main thread, or
// one of its sub-agents. Rebuilds are judged within a conversation, in time order.
import type { PricedRequest } from '../accounting/index.js';
import type { ConversationEvent } from '../domain/types.js';

export interface Conversation {
  /** `sessionId` + '/' + (agentId ?? 'main') */
  id: string;
  sessionId: string;
  project: string;
  /** null = main thread */
  agentId: string | null;
  /** in time order */
  requests: PricedRequest[];
  /** events of this thread (sub-agent events only reach their own thread), in time order */
  events: ConversationEvent[];
}

export function conversationId(sessionId: string, agentId: string | null): string {
  return `${sessionId}/${agentId ?? 'main'}`;
}

/** Groups requests into conversations and hands each its events. */
export function buildConversations(requests: PricedRequest[], events: ConversationEvent[]): Conversation[] {
  const byId = new Map<string, Conversation>();
  // requests come a conversation at a time: the previous one is the likely next (no id string per request)
  let c: Conversation | undefined;
  for (const p of requests) {
    if (c === undefined || c.sessionId !== p.r.sessionId || c.agentId !== p.r.agentId) {
      const id = conversationId(p.r.sessionId, p.r.agentId);
      c = byId.get(id);
      if (!c) {
        c = { id, sessionId: p.r.sessionId, project: p.r.project, agentId: p.r.agentId, requests: [], events: [] };
        byId.set(id, c);
      }
    }
    c.requests.push(p);
  }
  for (const e of events) {
    const c = byId.get(conversationId(e.sessionId, e.agentId));
    if (c) c.events.push(e);
  }
  const order = (a: { timestamp: number }, b: { timestamp: number }): number => a.timestamp - b.timestamp;
  for (const c of byId.values()) {
    c.requests.sort((a, b) => a.r.timestamp - b.r.timestamp || (a.r.file < b.r.file ? -1 : a.r.file > b.r.file ? 1 : a.r.offset - b.r.offset));
    c.events.sort(order);
  }
  return [...byId.values()].sort((a, b) => a.requests[0]!.r.timestamp - b.requests[0]!.r.timestamp || (a.id < b.id ? -1 : 1));
}

/** Events with from < timestamp <= to (the evidence between two requests). */
export function eventsBetween(c: Conversation, from: number, to: number): ConversationEvent[] {
  const out: ConversationEvent[] = [];
  for (const e of c.events) {
    if (e.timestamp > to) break;
    if (e.timestamp > from) out.push(e);
  }
  return out;
}

/** Events at or before the first request (how the conversation began: /clear, resume, …). */
export function eventsBefore(c: Conversation, to: number, windowMs: number): ConversationEvent[] {
  return c.events.filter((e) => e.timestamp <= to && e.timestamp > to - windowMs);
}
