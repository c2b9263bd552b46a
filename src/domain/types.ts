// Plain data shared by every stage. Stages import from here, never from each other's internals.

/** Token counts of one API response, as the accounting rules define them. */
export interface TokenCounts {
  /** fresh (uncached) input tokens: `usage.input_tokens` */
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
}

/**
 * One API response (one billable request), de-duplicated across the whole tree.
 * Attribution fields come from the response's earliest line; token counts from
 * its line with the largest `output_tokens` (usage-accounting.md, rules 1–3, 7).
 */
export interface RequestRecord extends TokenCounts {
  /** `message.id` + '\u0000' + (`requestId` ?? '') — the de-duplication key */
  key: string;
  messageId: string;
  requestId: string | null;
  /** ms since epoch of the earliest line of this response */
  timestamp: number;
  sessionId: string;
  /** encoded project directory name under `projects/` */
  project: string;
  /** working directory recorded on the line, when present */
  cwd: string | null;
  /** sub-agent id; null for the main thread. Inline 1.0.x sidechains get 'sidechain'. */
  agentId: string | null;
  model: string;
  /** Claude Code version that wrote the line */
  version: string | null;
  /** `usage.speed` ('fast' | 'standard' | null) */
  speed: string | null;
  /** `usage.inference_geo` */
  inferenceGeo: string | null;
  /** file and byte offset of the attributed line (evidence; also the tie-breaker) */
  file: string;
  offset: number;
}

/**
 * One session's request records read in place, a row at a time, without an
 * object per record (a reduction to sums reads each row once): `seek(i)`
 * fills the fields with row i's, rows in line order. `record(i)` makes row
 * i's full record, for the few rows that need one.
 */
export interface RequestRows extends TokenCounts {
  readonly count: number;
  seek(i: number): void;
  timestamp: number;
  project: string;
  agentId: string | null;
  model: string;
  speed: string | null;
  inferenceGeo: string | null;
  record(i: number): RequestRecord;
  /** row i's agent id, without moving to it */
  agentAt(i: number): string | null;
}

/** A `<synthetic>` API-error line (`isApiErrorMessage`): counted apart, never a request. */
export interface ApiErrorRecord {
  key: string;
  timestamp: number;
  sessionId: string;
  project: string;
  agentId: string | null;
  error: string | null;
  file: string;
  offset: number;
}

export type ConversationEventKind =
  | 'compact-boundary'
  | 'microcompact-boundary'
  | 'compact-summary'
  | 'command'
  /** a SessionStart hook ran: detail startup | resume | clear | compact (only when the user has such hooks) */
  | 'session-start';

/**
 * What Claude Code itself said about its cache at one moment: the status
 * line's `prompt_cache` object (hit ratio, miss count, `last_miss_cause`…),
 * kept by `cachelens statusline` because Claude Code keeps it nowhere.
 */
export interface ClaudeCodeCacheReport {
  sessionId: string;
  /** ms since epoch when the status line received it */
  timestamp: number;
  promptCache: Record<string, unknown>;
}

/** Non-billing lines that explain what happened to the cache. */
export interface ConversationEvent {
  kind: ConversationEventKind;
  timestamp: number;
  sessionId: string;
  project: string;
  agentId: string | null;
  /** command name for 'command' (e.g. '/model'), trigger for compactions */
  detail: string | null;
  file: string;
  offset: number;
}

/** What the scan saw that was not clean data. Counted, never fatal. */
export interface ScanIssues {
  /** lines that are not a JSON object (includes truncated lines) */
  badLines: number;
  /** files whose last line has no terminating newline and does not parse */
  truncatedLastLines: number;
  /** lines holding more than one JSON object */
  concatenatedLines: number;
  /** lines with usage but no `message.id` (not billable) */
  noMessageId: number;
  /** `<synthetic>` lines that are not API errors ("No response requested.") */
  syntheticNoResponse: number;
  /** usage lines without a parseable timestamp (cannot be dated) */
  noTimestamp: number;
  emptyFiles: number;
  unreadableFiles: { path: string; error: string }[];
}

export interface ScanStats extends ScanIssues {
  files: number;
  bytes: number;
  /** assistant/progress lines that carried usage */
  usageLines: number;
  workers: number;
  elapsedMs: number;
}

/** Everything the scan stage hands to accounting. */
export interface ScanResult {
  requests: RequestRecord[];
  apiErrors: ApiErrorRecord[];
  events: ConversationEvent[];
  /** per file read to its end: the offset just past its last complete line (where an incremental scan resumes) */
  fileEnds: Map<string, number>;
  stats: ScanStats;
}

/** Where a line stands in the transcripts. */
export type Located = { timestamp: number; file: string; offset: number };

/** Time, then file, then offset: the order every merge rule and every list of records follows. */
export function inLineOrder(a: Located, b: Located): number {
  return a.timestamp - b.timestamp || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset);
}

export function emptyIssues(): ScanIssues {
  return {
    badLines: 0,
    truncatedLastLines: 0,
    concatenatedLines: 0,
    noMessageId: 0,
    syntheticNoResponse: 0,
    noTimestamp: 0,
    emptyFiles: 0,
    unreadableFiles: [],
  };
}
