// Plain shapes shared by the simulator's modules. The cache rules they carry
// are in docs/simulate.md (from the facts doc §1).

export type Ttl = '5m' | '1h';
export type Level = 'tools' | 'system' | 'messages';

export const TTL_MS: Readonly<Record<Ttl, number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/** One position of the prompt prefix, in API order tools → system → messages (1-based). */
export interface PrefixBlock {
  position: number;
  level: Level;
  /** 'tool', 'text', 'image', 'tool_use', 'tool_result', 'thinking', 'document', … */
  kind: string;
  /** where it sits in the body: 'tools[0]', 'system[1]', 'messages[3].content[0]' */
  path: string;
  /** hash of the block as sent (key order kept; `cache_control` left out) */
  hash: number;
  /** hash of the whole prefix ending at this block, settings that invalidate a level mixed in */
  cumulativeHash: number;
  /** length of the block's JSON text */
  bytes: number;
  tokens: number;
  /** the token count came from the chars-per-token rule, not from the input */
  estimated: boolean;
  /** can carry cache_control (thinking blocks and empty text blocks cannot) */
  cacheable: boolean;
  /** explicit breakpoint on this block */
  cacheControl: Ttl | null;
}

/** Request settings that invalidate a level of the cache when they change (facts §1.9). */
export interface LevelSettings {
  /** invalidate system and messages: speed, web search / web fetch tools, citations */
  system: Record<string, unknown>;
  /** invalidate messages: tool_choice, thinking, effort, images */
  messages: Record<string, unknown>;
}

export interface Fingerprint {
  blocks: PrefixBlock[];
  /** top-level `cache_control` (automatic caching) */
  autoCache: Ttl | null;
  settings: LevelSettings;
  /** image blocks anywhere in the prompt */
  images: number;
}

/** One request for the simulator. Times are ms since the epoch. */
export interface SimRequest {
  /** a label for explanations (e.g. 'line 3') */
  id: string;
  start: number;
  /** when the response started: entries it writes are readable from then on */
  responseStart: number;
  model: string;
  workspace: string;
  blocks: PrefixBlock[];
  autoCache: Ttl | null;
  outputTokens: number;
  speed: string | null;
  inferenceGeo: string | null;
}

/** The usage object the API would return. */
export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
}

export interface Breakpoint {
  position: number;
  path: string;
  ttl: Ttl;
  auto: boolean;
  /** prefix tokens up to and including this block */
  tokens: number;
  /** prefix below the model's minimum: ignored, no error (facts §1.5) */
  belowMinimum: boolean;
}

export interface Explanation {
  breakpoints: Breakpoint[];
  minimumTokens: number;
  /** the longest prefix read, found by the lookback of breakpoint `via` */
  hit: { position: number; path: string; tokens: number; via: number } | null;
  writes: { position: number; path: string; ttl: Ttl; tokens: number }[];
  /** breakpoints that wrote a prefix another request was still writing (no response yet) */
  concurrentWrites: number[];
  /** a longer prefix was cached but outside every breakpoint's 20-position window */
  outOfReach: { position: number; path: string; tokens: number } | null;
  estimatedTokens: boolean;
}

export interface SimResult {
  id: string;
  /** index in the input order */
  index: number;
  start: number;
  model: string;
  /** why the API would reject the request (400); nothing is cached or charged then */
  error: string | null;
  usage: Usage | null;
  /** null when the model has no price */
  costUSD: number | null;
  /** the same tokens with no caching at all */
  noCacheCostUSD: number | null;
  totalInputTokens: number;
  explain: Explanation;
}
