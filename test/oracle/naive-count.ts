/**
 * Hand-count oracle: an independent, deliberately naive implementation of the
 * accounting rules in ../shared/docs/usage-accounting.md.
 *
 * It shares no code with src/ on purpose. It reads every file whole, splits on
 * '\n', parses every JSON object of every line, and keeps everything in plain
 * Maps. It is slow and simple so that it is easy to check by reading; the
 * tests compare the real CLI against it.
 *
 * Rules applied (numbers refer to usage-accounting.md):
 * - files: projects/**\/*.jsonl, except journal.jsonl (workflow journals are
 *   not transcripts); *.meta.json files are not .jsonl so never read.
 * - billable records: `assistant` lines, and `progress` lines whose
 *   data.type is 'agent_progress' (usage at data.message.message.usage, id at
 *   data.message.message.id, requestId at data.message.requestId, timestamp at
 *   data.message.timestamp, else the line's timestamp). Both belong to the
 *   line's sessionId (rule 4, sub-agent lines carry the parent's sessionId).
 * - key = (message.id, requestId), or message.id alone when requestId is
 *   absent; no message.id = not billable (rule 1).
 * - per key, keep the line with the largest output_tokens; never sum lines
 *   (rule 2); keys are de-duplicated across the whole tree (rule 3).
 * - model '<synthetic>' with isApiErrorMessage = API error, counted once per
 *   distinct message.id; '<synthetic>' without it is ignored (rule 6).
 * - a response is timed and attributed (session, model, day, project) by its
 *   earliest line (rule 7). Day = UTC date of that line's timestamp.
 * - writes: 5m = cache_creation.ephemeral_5m_input_tokens, 1h =
 *   ephemeral_1h_input_tokens; no cache_creation object = all writes 5m;
 *   total write = max(cache_creation_input_tokens, 5m + 1h), the excess of
 *   the flat field over the split counted as 5m (rule 8).
 * - toolUseResult.usage, usage.iterations and compactMetadata are never read
 *   (rule 5).
 * - a line holding several concatenated objects yields all of them; a line
 *   that is not JSON is skipped and counted (rule 9).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface NaiveCounts {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export const TOKEN_FIELDS = [
  'inputTokens',
  'outputTokens',
  'cacheWrite5mTokens',
  'cacheWrite1hTokens',
  'cacheReadTokens',
] as const;

export const COUNT_FIELDS = ['requests', ...TOKEN_FIELDS] as const;

export type CountField = (typeof COUNT_FIELDS)[number];

/** One de-duplicated API response as the oracle sees it. */
export interface NaiveResponse {
  messageId: string;
  requestId: string | null;
  /** Session, model, project, timestamp and file of the earliest line. */
  sessionId: string;
  model: string;
  project: string;
  timestamp: string;
  day: string;
  file: string;
  /** How many lines (over all files) carried this key. */
  lines: number;
  /** True when every line of the key came from an agent_progress line. */
  fromProgressOnly: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export interface NaiveScanStats {
  /** .jsonl files read (journal.jsonl excluded). */
  files: number;
  /** non-empty lines seen. */
  lines: number;
  /** JSON values decoded (a concatenated line yields several). */
  objects: number;
  /** lines that are not JSON (excluding an incomplete last line). */
  badLines: number;
  /** last line of a file, not '\n'-terminated, that does not parse. */
  truncatedLastLines: number;
  /** lines holding two or more JSON objects with no newline between them. */
  concatenatedLines: number;
  /** 0-byte .jsonl files. */
  emptyFiles: number;
  /** files or directories that could not be read (paths relative to projects/). */
  unreadableFiles: string[];
  /** JSON values that are not objects (numbers, strings, arrays, null). */
  nonObjectValues: number;
  /** assistant / agent_progress records without message.id. */
  recordsWithoutMessageId: number;
  /** '<synthetic>' lines without isApiErrorMessage (ignored). */
  syntheticIgnored: number;
  /** billable lines read (before de-duplication). */
  billableLines: number;
}

export interface NaiveResult {
  totals: NaiveCounts;
  /** distinct message.id of '<synthetic>' + isApiErrorMessage lines. */
  apiErrors: number;
  /** distinct sessionIds that have at least one billable response. */
  sessions: number;
  byDay: Map<string, NaiveCounts>;
  byModel: Map<string, NaiveCounts>;
  bySession: Map<string, NaiveCounts>;
  /** keyed by the encoded project directory name (first folder under projects/). */
  byProject: Map<string, NaiveCounts>;
  /** API errors by the day / session of their earliest line. */
  apiErrorsByDay: Map<string, number>;
  apiErrorsBySession: Map<string, number>;
  /** every de-duplicated response, keyed by `${messageId}\u0000${requestId ?? ''}`. */
  responses: Map<string, NaiveResponse>;
  scan: NaiveScanStats;
}

export function emptyCounts(): NaiveCounts {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
  };
}

/**
 * Count `<claudeHome>/projects` by hand. `claudeHome` is a Claude config dir
 * (the folder that contains `projects/`).
 */
export function naiveCount(claudeHome: string): NaiveResult {
  const projectsDir = path.join(claudeHome, 'projects');
  const scan: NaiveScanStats = {
    files: 0,
    lines: 0,
    objects: 0,
    badLines: 0,
    truncatedLastLines: 0,
    concatenatedLines: 0,
    emptyFiles: 0,
    unreadableFiles: [],
    nonObjectValues: 0,
    recordsWithoutMessageId: 0,
    syntheticIgnored: 0,
    billableLines: 0,
  };

  interface Candidate {
    earliest: LineRecord;
    best: LineRecord;
    lines: number;
    allProgress: boolean;
  }
  const byKey = new Map<string, Candidate>();
  const apiErrorFirst = new Map<string, LineRecord>();

  for (const file of listJsonlFiles(projectsDir, scan)) {
    const rel = path.relative(projectsDir, file);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      scan.unreadableFiles.push(rel);
      continue;
    }
    scan.files++;
    if (text.length === 0) {
      scan.emptyFiles++;
      continue;
    }
    const rawLines = text.split('\n');
    const endsWithNewline = text.endsWith('\n');
    for (let i = 0; i < rawLines.length; i++) {
      const raw = rawLines[i] ?? '';
      if (raw.trim() === '') continue;
      scan.lines++;
      const isUnterminatedLast = i === rawLines.length - 1 && !endsWithNewline;
      const decoded = decodeLine(raw);
      if (!decoded.complete) {
        if (isUnterminatedLast) scan.truncatedLastLines++;
        else scan.badLines++;
      } else if (decoded.values.length > 1) {
        scan.concatenatedLines++;
      }
      for (const value of decoded.values) {
        scan.objects++;
        if (!isObject(value)) {
          scan.nonObjectValues++;
          continue;
        }
        const rec = toLineRecord(value, rel, i + 1);
        if (rec === null) continue;
        if (rec.kind === 'no-id') {
          scan.recordsWithoutMessageId++;
          continue;
        }
        if (rec.kind === 'synthetic-ignored') {
          scan.syntheticIgnored++;
          continue;
        }
        if (rec.kind === 'api-error') {
          const prev = apiErrorFirst.get(rec.messageId);
          if (prev === undefined || isEarlier(rec, prev)) apiErrorFirst.set(rec.messageId, rec);
          continue;
        }
        scan.billableLines++;
        const key = `${rec.messageId}\u0000${rec.requestId ?? ''}`;
        const cand = byKey.get(key);
        if (cand === undefined) {
          byKey.set(key, { earliest: rec, best: rec, lines: 1, allProgress: rec.fromProgress });
        } else {
          cand.lines++;
          cand.allProgress = cand.allProgress && rec.fromProgress;
          if (isEarlier(rec, cand.earliest)) cand.earliest = rec;
          if (rec.usage.outputTokens > cand.best.usage.outputTokens) cand.best = rec;
        }
      }
    }
  }

  const result: NaiveResult = {
    totals: emptyCounts(),
    apiErrors: apiErrorFirst.size,
    sessions: 0,
    byDay: new Map(),
    byModel: new Map(),
    bySession: new Map(),
    byProject: new Map(),
    apiErrorsByDay: new Map(),
    apiErrorsBySession: new Map(),
    responses: new Map(),
    scan,
  };

  for (const [key, cand] of byKey) {
    const e = cand.earliest;
    const u = cand.best.usage;
    const resp: NaiveResponse = {
      messageId: e.messageId,
      requestId: e.requestId,
      sessionId: e.sessionId,
      model: e.model,
      project: e.project,
      timestamp: e.timestamp,
      day: utcDay(e.timestamp),
      file: e.file,
      lines: cand.lines,
      fromProgressOnly: cand.allProgress,
      ...u,
    };
    result.responses.set(key, resp);
    add(result.totals, resp);
    add(bucket(result.byDay, resp.day), resp);
    add(bucket(result.byModel, resp.model), resp);
    add(bucket(result.bySession, resp.sessionId), resp);
    add(bucket(result.byProject, resp.project), resp);
  }
  result.sessions = result.bySession.size;

  for (const rec of apiErrorFirst.values()) {
    const day = utcDay(rec.timestamp);
    result.apiErrorsByDay.set(day, (result.apiErrorsByDay.get(day) ?? 0) + 1);
    result.apiErrorsBySession.set(rec.sessionId, (result.apiErrorsBySession.get(rec.sessionId) ?? 0) + 1);
  }
  return result;
}

// --- internal ---

interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

interface LineRecord {
  kind: 'billable' | 'api-error';
  messageId: string;
  requestId: string | null;
  sessionId: string;
  model: string;
  timestamp: string;
  /** Date.parse(timestamp), +Infinity when absent or invalid. */
  time: number;
  project: string;
  file: string;
  line: number;
  fromProgress: boolean;
  usage: Usage;
}

type Extracted = LineRecord | { kind: 'no-id' } | { kind: 'synthetic-ignored' };

function toLineRecord(o: Record<string, unknown>, file: string, line: number): Extracted | null {
  let message: unknown;
  let requestId: unknown;
  let timestamp: unknown;
  let isApiError: boolean;
  let fromProgress: boolean;
  if (o['type'] === 'assistant') {
    message = o['message'];
    requestId = o['requestId'];
    timestamp = o['timestamp'];
    isApiError = o['isApiErrorMessage'] === true;
    fromProgress = false;
  } else if (o['type'] === 'progress') {
    const data = o['data'];
    if (!isObject(data) || data['type'] !== 'agent_progress') return null;
    const inner = data['message'];
    if (!isObject(inner)) return null;
    message = inner['message'];
    requestId = inner['requestId'];
    timestamp = typeof inner['timestamp'] === 'string' ? inner['timestamp'] : o['timestamp'];
    isApiError = inner['isApiErrorMessage'] === true;
    fromProgress = true;
  } else {
    return null;
  }
  if (!isObject(message)) return null;
  const model = typeof message['model'] === 'string' ? message['model'] : '';
  const id = message['id'];
  const hasId = typeof id === 'string' && id !== '';
  if (model === '<synthetic>') {
    if (!isApiError) return { kind: 'synthetic-ignored' };
    if (!hasId) return { kind: 'no-id' };
  } else if (!hasId) {
    return { kind: 'no-id' };
  }
  const ts = typeof timestamp === 'string' ? timestamp : '';
  const parsed = Date.parse(ts);
  return {
    kind: model === '<synthetic>' ? 'api-error' : 'billable',
    messageId: id as string,
    requestId: typeof requestId === 'string' && requestId !== '' ? requestId : null,
    sessionId: typeof o['sessionId'] === 'string' ? o['sessionId'] : '',
    model,
    timestamp: ts,
    time: Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed,
    project: file.split(path.sep)[0] ?? '',
    file,
    line,
    fromProgress,
    usage: readUsage(message['usage']),
  };
}

function readUsage(u: unknown): Usage {
  if (!isObject(u)) {
    return { inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
  }
  const flatWrite = num(u['cache_creation_input_tokens']);
  const split = u['cache_creation'];
  let w5: number;
  let w1: number;
  if (isObject(split)) {
    w5 = num(split['ephemeral_5m_input_tokens']);
    w1 = num(split['ephemeral_1h_input_tokens']);
    const total = Math.max(flatWrite, w5 + w1);
    w5 += total - (w5 + w1);
  } else {
    w5 = flatWrite;
    w1 = 0;
  }
  return {
    inputTokens: num(u['input_tokens']),
    outputTokens: num(u['output_tokens']),
    cacheWrite5mTokens: w5,
    cacheWrite1hTokens: w1,
    cacheReadTokens: num(u['cache_read_input_tokens']),
  };
}

/**
 * Decode every JSON value on one line. `complete` is false when some part of
 * the line could not be decoded (not JSON, or an object cut short).
 */
export function decodeLine(line: string): { values: unknown[]; complete: boolean } {
  try {
    return { values: [JSON.parse(line)], complete: true };
  } catch {
    // fall through to the raw-decode loop
  }
  const values: unknown[] = [];
  let complete = true;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      if (depth === 0) complete = false; // a bare string at top level is garbage here
      inString = true;
    } else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) {
        try {
          values.push(JSON.parse(line.slice(start, i + 1)));
        } catch {
          complete = false;
        }
      } else if (depth < 0) {
        complete = false;
        depth = 0;
      }
    } else if (depth === 0 && !/\s/.test(c ?? '')) {
      complete = false;
    }
  }
  if (depth !== 0 || inString) complete = false;
  if (values.length === 0) complete = false;
  return { values, complete };
}

function listJsonlFiles(projectsDir: string, scan: NaiveScanStats): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      scan.unreadableFiles.push(path.relative(projectsDir, dir) || '.');
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile() && ent.name.endsWith('.jsonl') && ent.name !== 'journal.jsonl') out.push(p);
    }
  };
  if (fs.existsSync(projectsDir)) walk(projectsDir);
  return out;
}

function isEarlier(a: LineRecord, b: LineRecord): boolean {
  return a.time < b.time;
}

function utcDay(ts: string): string {
  const t = Date.parse(ts);
  return Number.isNaN(t) ? 'unknown' : new Date(t).toISOString().slice(0, 10);
}

function bucket(map: Map<string, NaiveCounts>, key: string): NaiveCounts {
  let c = map.get(key);
  if (c === undefined) {
    c = emptyCounts();
    map.set(key, c);
  }
  return c;
}

function add(into: NaiveCounts, r: Usage): void {
  into.requests++;
  into.inputTokens += r.inputTokens;
  into.outputTokens += r.outputTokens;
  into.cacheWrite5mTokens += r.cacheWrite5mTokens;
  into.cacheWrite1hTokens += r.cacheWrite1hTokens;
  into.cacheReadTokens += r.cacheReadTokens;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
