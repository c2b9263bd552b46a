// `cachelens proxy --report`: the conversations the proxy saw and the rebuilds
// it diagnosed, from the store. A pure function of the stored records.
import type { ProxyCause, ProxyFinding, ProxyRequestRecord } from '../domain/proxy.js';

export interface ProxyConversation {
  conversation: string;
  sessionId: string | null;
  models: string[];
  requests: number;
  first: string;
  last: string;
  readTokens: number;
  writtenTokens: number;
  /** rebuilds and misses diagnosed (findings) */
  findings: number;
  tokensRewritten: number;
  wastedUSD: number;
  /** causes of its findings, in time order */
  causes: ProxyCause[];
}

export interface ProxyReport {
  kind: 'proxy';
  generatedAt: string;
  summary: {
    requests: number;
    /** POST /v1/messages with a readable body */
    messages: number;
    /** other paths, forwarded untouched */
    other: number;
    /** Messages requests whose body could not be read (forwarded untouched) */
    malformed: number;
    /** requests answered with an error status (upstream's or the proxy's 502/504) */
    errors: number;
    conversations: number;
    findings: number;
    tokensRewritten: number;
    wastedUSD: number;
  };
  byCause: { cause: ProxyCause; findings: number; tokensRewritten: number; wastedUSD: number }[];
  conversations: ProxyConversation[];
  /** every finding, newest first; `provenBy: 'proxy'` marks them when they join `breaks` */
  findings: (ProxyFinding & { provenBy: 'proxy' })[];
  /** non-Messages, malformed and failed requests (path, status, note; never a body) */
  notes: { timestamp: string; method: string; path: string; status: number | null; kind: string; note: string | null }[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function buildProxyReport(requests: readonly ProxyRequestRecord[], findings: readonly ProxyFinding[], generatedAt: number): ProxyReport {
  const conv = new Map<string, ProxyConversation>();
  const byRequest = new Map(findings.map((f) => [f.requestId, f]));
  for (const r of requests) {
    if (r.kind !== 'messages' || r.conversation === null) continue;
    let c = conv.get(r.conversation);
    if (!c) {
      c = { conversation: r.conversation, sessionId: r.sessionId, models: [], requests: 0, first: iso(r.timestamp), last: iso(r.timestamp), readTokens: 0, writtenTokens: 0, findings: 0, tokensRewritten: 0, wastedUSD: 0, causes: [] };
      conv.set(r.conversation, c);
    }
    c.requests++;
    c.last = iso(r.timestamp);
    if (r.model && !c.models.includes(r.model)) c.models.push(r.model);
    c.readTokens += r.usage?.cacheRead ?? 0;
    c.writtenTokens += (r.usage?.cacheWrite5m ?? 0) + (r.usage?.cacheWrite1h ?? 0);
    const f = byRequest.get(r.id);
    if (f) {
      c.findings++;
      c.tokensRewritten += f.tokensRewritten;
      c.wastedUSD += f.wastedUSD ?? 0;
      c.causes.push(f.cause);
    }
  }
  const causes = new Map<ProxyCause, ProxyReport['byCause'][number]>();
  for (const f of findings) {
    const g = causes.get(f.cause) ?? { cause: f.cause, findings: 0, tokensRewritten: 0, wastedUSD: 0 };
    g.findings++;
    g.tokensRewritten += f.tokensRewritten;
    g.wastedUSD += f.wastedUSD ?? 0;
    causes.set(f.cause, g);
  }
  const count = (k: string): number => requests.filter((r) => r.kind === k).length;
  return {
    kind: 'proxy',
    generatedAt: iso(generatedAt),
    summary: {
      requests: requests.length,
      messages: count('messages'),
      other: count('other'),
      malformed: count('malformed'),
      errors: requests.filter((r) => r.status !== null && r.status >= 400).length,
      conversations: conv.size,
      findings: findings.length,
      tokensRewritten: findings.reduce((s, f) => s + f.tokensRewritten, 0),
      wastedUSD: findings.reduce((s, f) => s + (f.wastedUSD ?? 0), 0),
    },
    byCause: [...causes.values()].sort((a, b) => b.wastedUSD - a.wastedUSD || b.findings - a.findings),
    conversations: [...conv.values()].sort((a, b) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0)),
    findings: [...findings].reverse().map((f) => ({ ...f, provenBy: 'proxy' as const })),
    notes: requests
      .filter((r) => r.kind !== 'messages' || r.note !== null || (r.status !== null && r.status >= 400))
      .map((r) => ({ timestamp: iso(r.timestamp), method: r.method, path: r.path, status: r.status, kind: r.kind, note: r.note })),
  };
}
