// Plain records of what `cachelens proxy` saw: a fingerprint of each Messages
// API request (never its content), the usage the API answered with, and the
// proxy's diagnosis of a cache rebuild. Shared by proxy/ (writes), store/
// (keeps) and report/ (shows). JSON shapes: docs/proxy.md.

/** One prefix position of a request, as the cache sees it (tools → system → messages, 1-based). */
export interface ProxyBlock {
  position: number;
  level: 'tools' | 'system' | 'messages';
  /** block type: 'tool', 'text', 'image', 'tool_use', 'tool_result', 'thinking', … */
  kind: string;
  /** where it sits in the body: 'tools[3]', 'system[1]', 'messages[4].content[0]' */
  path: string;
  /** hash of the block as sent (cache_control left out), 14 hex digits */
  hash: string;
  /** hash of the whole prefix ending here, level settings mixed in, 14 hex digits */
  cumulativeHash: string;
  /** size of the block's JSON text */
  bytes: number;
  /** estimated tokens (characters / 3.5; images 1,600) */
  tokens: number;
  cacheControl: '5m' | '1h' | null;
}

/** Request settings that select or invalidate a cache (facts §1.9), in readable form. */
export interface ProxySettings {
  /** `thinking` as sent ({type, budget_tokens}) or null */
  thinking: unknown;
  /** `output_config.effort` */
  effort: string | null;
  speed: string | null;
  /** `tool_choice.type` (a forced tool's name is not kept) */
  toolChoice: string | null;
  disableParallelToolUse: boolean;
  /** `anthropic-beta` header values, as sent */
  betas: string[];
  /** web search / web fetch server tools (they sit in the system level) */
  serverTools: number;
  citations: boolean;
  images: number;
  /** top-level cache_control (automatic caching) */
  autoCache: '5m' | '1h' | null;
  /** hashes mixed in where the system and messages levels start (14 hex digits) */
  systemSalt: string;
  messagesSalt: string;
}

/** The usage object of a response (message_start + message_delta, or the JSON body). */
export interface ProxyUsage {
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
}

/** What a request was, for the proxy. */
export type ProxyRequestKind = 'messages' | 'other' | 'malformed';

/** One request that went through the proxy. Auth headers and bodies are never part of it. */
export interface ProxyRequestRecord {
  /** row id in the store (0 before it is stored) */
  id: number;
  /** request start, ms since the epoch */
  timestamp: number;
  method: string;
  /** path without the query string */
  path: string;
  kind: ProxyRequestKind;
  /** why a request was not fingerprinted, or what went wrong on the way ('upstream unreachable: …') */
  note: string | null;
  /** status answered to the client (502/504 when the proxy answered itself); null when the client left first */
  status: number | null;
  stream: boolean;
  /** the client's session id (Claude Code: x-claude-code-session-id or metadata.user_id) */
  sessionId: string | null;
  /** session id (or '-') + ':' + hash of the first message block; see docs/proxy.md */
  conversation: string | null;
  model: string | null;
  settings: ProxySettings | null;
  blocks: ProxyBlock[] | null;
  usage: ProxyUsage | null;
  /** the API's request-id response header */
  apiRequestId: string | null;
  /** ms from the request's arrival to the first response byte sent on, and to its end */
  ttfbMs: number | null;
  durationMs: number | null;
}

/** in the order the diagnosis tries them (docs/proxy.md) */
export const PROXY_CAUSES = [
  'model-changed',
  'ttl-expired',
  'settings-changed',
  'tools-changed',
  'system-changed',
  'message-edited',
  'lookback-exceeded',
  'below-minimum',
  'unexplained',
] as const;

export type ProxyCause = (typeof PROXY_CAUSES)[number];

/** A rebuild (or a miss) diagnosed from the request bodies: proven by the proxy. */
export interface ProxyFinding {
  /** the request's row id */
  requestId: number;
  /** the API's request-id response header (transcripts record the same id as `requestId`) */
  apiRequestId: string | null;
  timestamp: string;
  sessionId: string | null;
  conversation: string;
  model: string;
  cause: ProxyCause;
  /** one line: 'system changed at block 12 (system[2])' */
  detail: string;
  /** the first block whose cumulative hash differs from the previous request's (null: the prefix is intact) */
  position: number | null;
  level: 'tools' | 'system' | 'messages' | null;
  path: string | null;
  /** the request compared with (row id) and its model */
  previousRequestId: number | null;
  previousModel: string | null;
  /** ms since the previous request of the conversation and model */
  gapMs: number | null;
  /** the TTL of the entry that should have been read */
  ttl: '5m' | '1h' | null;
  /** tokens the previous request had cached that this one could have read */
  expectedReadTokens: number;
  readTokens: number;
  tokensRewritten: number;
  /** tokens × (write price − read price); null when the model has no price */
  wastedUSD: number | null;
  /** other facts that also hold (e.g. a changed block behind an expired TTL) */
  evidence: string[];
}
