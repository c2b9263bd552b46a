// Shapes of the demo manifest: what the generator promises about the tree it wrote.

export type DemoEventKind =
  | 'ttl-expired-5m'
  | 'ttl-expired-1h'
  | 'model-switch'
  | 'compaction'
  | 'claude-code-upgrade'
  | 'clear'
  | 'effort'
  | 'parallel-fanout'
  | 'partial'
  | 'unexplained'
  | 'cold-start'
  | 'api-error'
  | 'cross-file-duplicate'
  | 'progress-only';

/**
 * A scripted point in the demo. `messageId`/`requestId` name the response that shows it
 * (for rebuilds: the request whose read fell). `requestId` is null only for `api-error`.
 */
export interface DemoEvent {
  kind: DemoEventKind;
  sessionId: string;
  /** sub-agent id, null on the main thread */
  agentId: string | null;
  messageId: string;
  requestId: string | null;
  /** ISO time of the response's first line */
  timestamp: string;
  /**
   * Cache-write tokens the event caused beyond what a healthy request would have written.
   * In-conversation rebuilds: (previous read + previous write) − read. Compaction: the
   * whole write (project context + summary written on top of the floor). `clear`: the
   * project context written again. `parallel-fanout`: the shared sub-agent prefix.
   * Absent for cold-start, api-error, cross-file-duplicate and progress-only.
   */
  tokensRewritten?: number;
}

/** Totals over the unique responses the generator produced (see docs/demo.md). */
export interface DemoTotals {
  /** unique responses, API errors excluded */
  requests: number;
  apiErrors: number;
  /** main sessions (distinct session ids) */
  sessions: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export interface DemoSession {
  sessionId: string;
  /** encoded project directory under `projects/` */
  project: string;
  /** main transcript path, relative to the config dir */
  path: string;
  startedAt: string;
  endedAt: string;
  /** Claude Code versions written in the main file, in order */
  versions: string[];
  /** models of the main thread, in order of first use */
  models: string[];
  /** sub-agents with a transcript under `<sessionId>/subagents/` */
  agentIds: string[];
}

export interface DemoManifest {
  /** ISO form of DEMO_NOW; every timestamp in the tree is earlier */
  now: string;
  /** encoded project directory names */
  projects: string[];
  sessionIds: string[];
  sessions: DemoSession[];
  events: DemoEvent[];
  expectedTotals: DemoTotals;
}

export interface DemoFile {
  /** relative to the config dir, '/'-separated */
  path: string;
  content: string;
}
