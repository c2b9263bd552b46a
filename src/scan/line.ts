// One transcript line (already known to carry a marker) → request record,
// API error or conversation event. Only the fields below are decoded.
import type { ConversationEventKind } from '../domain/types.js';
import { skimObject, skipWs, type SkimSpec, type Skimmed } from './skim.js';

/** Only the usage fields the accounting rules use; `iterations` and the rest are skipped. */
export const USAGE_SPEC = {
  input_tokens: 'num',
  output_tokens: 'num',
  cache_creation_input_tokens: 'num',
  cache_read_input_tokens: 'num',
  cache_creation: { ephemeral_5m_input_tokens: 'num', ephemeral_1h_input_tokens: 'num' },
  speed: 'str',
  inference_geo: 'str',
} as const satisfies SkimSpec;

export const MESSAGE_SPEC = { id: 'str', model: 'str', usage: USAGE_SPEC, content: 'str' } as const satisfies SkimSpec;

export const LINE_SPEC = {
  type: 'str',
  subtype: 'str',
  sessionId: 'str',
  isSidechain: 'bool',
  agentId: 'str',
  version: 'str',
  timestamp: 'str',
  cwd: 'str',
  requestId: 'str',
  isApiErrorMessage: 'bool',
  isCompactSummary: 'bool',
  error: 'str',
  message: MESSAGE_SPEC,
  compactMetadata: { trigger: 'str' },
  microcompactMetadata: { trigger: 'str' },
  attachment: { type: 'str', hookName: 'str' },
  data: {
    type: 'str',
    agentId: 'str',
    hookName: 'str',
    message: { requestId: 'str', timestamp: 'str', message: MESSAGE_SPEC },
  },
} as const satisfies SkimSpec;

/** Where a line came from; sub-agent identity may come from the file name. */
export interface LineContext {
  file: string;
  project: string;
  /** agent id from an `agent-<id>.jsonl` file name */
  fileAgentId: string | null;
  /** session id from a `<sessionId>.jsonl` file name (fallback) */
  fileSessionId: string;
}

/** A response as seen on one line; merged across lines later. */
export interface LineUsage {
  kind: 'usage';
  messageId: string;
  requestId: string | null;
  timestamp: number;
  sessionId: string;
  agentId: string | null;
  cwd: string | null;
  model: string;
  version: string | null;
  speed: string | null;
  inferenceGeo: string | null;
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
}

export interface LineApiError {
  kind: 'api-error';
  messageId: string;
  timestamp: number;
  sessionId: string;
  agentId: string | null;
  error: string | null;
}

export interface LineEvent {
  kind: 'event';
  event: ConversationEventKind;
  timestamp: number;
  sessionId: string;
  agentId: string | null;
  detail: string | null;
}

export type LineOutcome =
  | LineUsage
  | LineApiError
  | LineEvent
  | { kind: 'no-message-id' }
  | { kind: 'synthetic' }
  | { kind: 'no-timestamp' };

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** usage-accounting.md rule 8: 5m/1h split with the fallback rules. */
export function splitUsage(u: Record<string, unknown>): Pick<LineUsage, 'input' | 'cacheWrite5m' | 'cacheWrite1h' | 'cacheRead' | 'output'> {
  const flat = count(u.cache_creation_input_tokens);
  const cc = u.cache_creation;
  let w5 = flat;
  let w1 = 0;
  if (cc !== null && typeof cc === 'object') {
    const split = cc as Record<string, unknown>;
    w5 = count(split.ephemeral_5m_input_tokens);
    w1 = count(split.ephemeral_1h_input_tokens);
    // a 2.1.152 bug recorded 0 in the flat field; any excess of the flat field counts as 5m
    if (flat > w5 + w1) w5 += flat - (w5 + w1);
  }
  return {
    input: count(u.input_tokens),
    cacheWrite5m: w5,
    cacheWrite1h: w1,
    cacheRead: count(u.cache_read_input_tokens),
    output: count(u.output_tokens),
  };
}

const COMMAND_RE = /<command-name>\s*(\/?[^<\s]+)\s*<\/command-name>/;

function sidechainAgent(line: Skimmed, ctx: LineContext): string | null {
  if (line.isSidechain !== true) return null;
  return str(line.agentId) ?? ctx.fileAgentId ?? 'sidechain';
}

function usageOutcome(
  msg: Skimmed,
  requestId: string | null,
  tsRaw: unknown,
  line: Skimmed,
  agentId: string | null,
  ctx: LineContext,
  apiErrorFlag: boolean,
): LineOutcome {
  const usage = msg.usage;
  if (usage === null || typeof usage !== 'object') return { kind: 'no-message-id' };
  const messageId = str(msg.id);
  if (messageId === null) return { kind: 'no-message-id' };
  const timestamp = typeof tsRaw === 'string' ? Date.parse(tsRaw) : NaN;
  if (Number.isNaN(timestamp)) return { kind: 'no-timestamp' };
  const sessionId = str(line.sessionId) ?? ctx.fileSessionId;
  const model = str(msg.model) ?? 'unknown';
  const u = usage as Record<string, unknown>;
  const tokens = splitUsage(u);
  if (model === '<synthetic>' || (apiErrorFlag && tokens.input + tokens.cacheRead + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.output === 0)) {
    if (!apiErrorFlag) return { kind: 'synthetic' };
    return { kind: 'api-error', messageId, timestamp, sessionId, agentId, error: str(line.error) };
  }
  return {
    kind: 'usage',
    messageId,
    requestId,
    timestamp,
    sessionId,
    agentId,
    cwd: str(line.cwd),
    model,
    version: str(line.version),
    speed: str(u.speed),
    inferenceGeo: str(u.inference_geo),
    ...tokens,
  };
}

export function eventOutcome(line: Skimmed, ctx: LineContext): LineOutcome | null {
  const timestamp = typeof line.timestamp === 'string' ? Date.parse(line.timestamp) : NaN;
  if (Number.isNaN(timestamp)) return null;
  const sessionId = str(line.sessionId) ?? ctx.fileSessionId;
  const agentId = sidechainAgent(line, ctx);
  const base = { kind: 'event' as const, timestamp, sessionId, agentId };
  if (line.type === 'system') {
    if (line.subtype === 'compact_boundary') {
      const meta = line.compactMetadata as Skimmed | undefined;
      return { ...base, event: 'compact-boundary', detail: str(meta?.trigger) };
    }
    if (line.subtype === 'microcompact_boundary') {
      const meta = line.microcompactMetadata as Skimmed | undefined;
      return { ...base, event: 'microcompact-boundary', detail: str(meta?.trigger) };
    }
    return null;
  }
  if (line.type === 'progress' || line.type === 'attachment') {
    // hook lines: progress.data.hookName (2.1.x) or attachment.hookName (2.1.92+)
    const holder = (line.type === 'progress' ? line.data : line.attachment) as Skimmed | undefined;
    const hook = holder?.hookName;
    if (typeof hook === 'string' && hook.startsWith('SessionStart:')) {
      return { ...base, event: 'session-start', detail: hook.slice('SessionStart:'.length) || null };
    }
    return null;
  }
  if (line.type !== 'user') return null;
  if (line.isCompactSummary === true) return { ...base, event: 'compact-summary', detail: null };
  const msg = line.message as Skimmed | undefined;
  const content = msg?.content;
  if (typeof content === 'string') {
    const m = COMMAND_RE.exec(content);
    if (m) {
      const name = m[1]!;
      return { ...base, event: 'command', detail: name.startsWith('/') ? name : `/${name}` };
    }
  }
  return null;
}

/**
 * Decodes one JSON object of a line. Throws SkimError on malformed bytes.
 * Returns the outcome (or null for lines that matter to nobody) and the end offset.
 */
export function decodeObject(buf: Buffer, start: number, end: number, ctx: LineContext): [LineOutcome | null, number] {
  const line: Skimmed = {};
  const next = skimObject(buf, start, end, LINE_SPEC, line);
  const type = line.type;
  if (type === 'assistant') {
    const msg = line.message as Skimmed | undefined;
    if (!msg || msg.usage === undefined) return [null, next];
    const agentId = sidechainAgent(line, ctx);
    return [usageOutcome(msg, str(line.requestId), line.timestamp, line, agentId, ctx, line.isApiErrorMessage === true), next];
  }
  if (type === 'progress') {
    const data = line.data as Skimmed | undefined;
    if (!data || data.type !== 'agent_progress') return [eventOutcome(line, ctx), next];
    const outer = data.message as Skimmed | undefined;
    const msg = outer?.message as Skimmed | undefined;
    if (!outer || !msg || msg.usage === undefined) return [null, next];
    const agentId = str(data.agentId) ?? 'progress';
    const ts = outer.timestamp ?? line.timestamp;
    return [usageOutcome(msg, str(outer.requestId), ts, line, agentId, ctx, false), next];
  }
  return [eventOutcome(line, ctx), next];
}

/**
 * Decodes every JSON object on the line [start, end). A line may hold several
 * objects with no newline between them (real corruption): all are read.
 * Returns the outcomes and how many objects the line held.
 */
export function decodeLine(buf: Buffer, start: number, end: number, ctx: LineContext, out: LineOutcome[]): number {
  let p = skipWs(buf, start, end);
  let objects = 0;
  while (p < end) {
    const [outcome, next] = decodeObject(buf, p, end, ctx);
    objects++;
    if (outcome) out.push(outcome);
    p = skipWs(buf, next, end);
  }
  return objects;
}
