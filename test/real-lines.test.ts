/**
 * Hand-checked real responses.
 *
 * Each response below was found in ../shared/data/claude-home with grep/jq,
 * its raw lines were read by hand, and the expected numbers were written here
 * as literals. At run time the test reads just those raw lines (by file and
 * message id, verbatim) into a temporary config dir that keeps each line's
 * original `projects/<project>/<session>.jsonl` layout, then checks both the
 * hand-count oracle and the built CLI against the literals.
 *
 * Things the data does not contain (checked over the whole tree with grep and
 * jq when these were picked): no response appears in two files, no sub-agent response
 * appears both in a progress line and in a sub-agent file, and no billable
 * response lacks a requestId (only the <synthetic> API-error line does). The
 * cross-file case is therefore built by writing the same real line into two
 * files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeHome, haveCli, haveSharedData, runCliJson, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';
import { COUNT_FIELDS, naiveCount, TOKEN_FIELDS, type NaiveCounts, type NaiveResult } from './oracle/naive-count.js';

if (!haveSharedData) console.warn(SKIP_NO_SHARED);
else if (!haveCli) console.warn(SKIP_NO_CLI);

const describeShared = haveSharedData ? describe : describe.skip;
const describeCli = haveSharedData && haveCli ? describe : describe.skip;
const isRoot = process.getuid?.() === 0;

// ---------------------------------------------------------------------------
// Hand-checked responses
// ---------------------------------------------------------------------------

interface HandChecked {
  /** What this response demonstrates. */
  rule: string;
  /** Source file, relative to claude-home. */
  file: string;
  messageId: string;
  /** 1-based line numbers in `file` that carry this message id (read by hand). */
  lines: number[];
  /** Where the id lives on those lines. */
  kind: 'assistant' | 'agent_progress';
  requestId: string;
  sessionId: string;
  model: string;
  /** UTC day of the earliest line. */
  day: string;
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** Also write the same raw lines to this second file (relative to claude-home). */
  alsoCopyTo?: string;
}

const P = 'projects/';

const STREAMING_OUTPUT_GROWS: HandChecked = {
  // projects/-Users-dain-workspace-danieldemmel-me-next/f852ad25-1024-47da-964e-5eaae5bd6e6a.jsonl
  // L86, L87, L88, v1.0.128: input 10, cache_creation 35400 (5m 35400, 1h 0),
  // cache_read 12008 repeat on all three; output_tokens 4, 4, 968.
  // Largest output wins: 968 (not 4 = first line, not 976 = sum).
  rule: 'streaming group: largest output_tokens wins',
  file: `${P}-Users-dain-workspace-danieldemmel-me-next/f852ad25-1024-47da-964e-5eaae5bd6e6a.jsonl`,
  messageId: 'msg_01MbGJuNDB3Cidy5znGmAF1e',
  lines: [86, 87, 88],
  kind: 'assistant',
  requestId: 'req_011CTdBab7J4mh3yHNQxD6dn',
  sessionId: 'f852ad25-1024-47da-964e-5eaae5bd6e6a',
  model: 'claude-opus-4-1-20250805',
  day: '2025-09-29',
  inputTokens: 10,
  cacheWrite5mTokens: 35400,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 12008,
  outputTokens: 968,
};

const THIRTEEN_IDENTICAL_LINES: HandChecked = {
  // projects/-Users-cedricteyton-Code-agents-md-evaluator/03a2fe8d-6e7a-4f40-a3dc-0edf362f5aa8.jsonl
  // L4, 5, 6, 7, 10, 14, 17, 20, 23, 26, 29, 32, 35 (not contiguous), v2.1.41:
  // every line has input 3, cache_creation 12322 (5m 0, 1h 12322),
  // cache_read 20143, output 9 (stale, never updated). Counted once:
  // summing would give 39 / 160186 / 261859.
  rule: 'input/cache fields repeat on 13 lines: not summed',
  file: `${P}-Users-cedricteyton-Code-agents-md-evaluator/03a2fe8d-6e7a-4f40-a3dc-0edf362f5aa8.jsonl`,
  messageId: 'msg_01BEEBzcoJuZWv1534byQHSP',
  lines: [4, 5, 6, 7, 10, 14, 17, 20, 23, 26, 29, 32, 35],
  kind: 'assistant',
  requestId: 'req_011CYDZnHVo2gr83suCPbftc',
  sessionId: '03a2fe8d-6e7a-4f40-a3dc-0edf362f5aa8',
  model: 'claude-opus-4-6',
  day: '2026-02-17',
  inputTokens: 3,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 12322,
  cacheReadTokens: 20143,
  outputTokens: 9,
};

const NO_CACHE_CREATION_OBJECT: HandChecked = {
  // projects/-Users-chip-dev-ai-music/ba79134d-b6e9-4867-af0c-6941038c9e4b.jsonl
  // L34, L35, v1.0.17 (sniffly): usage has no cache_creation object;
  // input 8, cache_creation_input_tokens 2142, cache_read 15099; output 1, 420.
  // All 2142 writes are 5m.
  rule: 'no cache_creation object (1.0.17): every write is 5m',
  file: `${P}-Users-chip-dev-ai-music/ba79134d-b6e9-4867-af0c-6941038c9e4b.jsonl`,
  messageId: 'msg_01M5rPkjsUdwVnsJ91wFNUgb',
  lines: [34, 35],
  kind: 'assistant',
  requestId: 'req_011CPvcyn5LarwiFWMhu5nTB',
  sessionId: 'ba79134d-b6e9-4867-af0c-6941038c9e4b',
  model: 'claude-sonnet-4-20250514',
  day: '2025-06-08',
  inputTokens: 8,
  cacheWrite5mTokens: 2142,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 15099,
  outputTokens: 420,
};

const ONE_HOUR_WRITE: HandChecked = {
  // projects/-home-christso-projects-agentv/acc53d32-5580-4747-9273-e2acff2ba566.jsonl
  // L5, L6, v2.1.62 (the example in transcript-format.md): input 3,
  // cache_creation 11377 = ephemeral_1h 11377 + ephemeral_5m 0 (key order
  // flips on L6), cache_read 22248; output 2, then 109 on the final line.
  rule: '1h cache write',
  file: `${P}-home-christso-projects-agentv/acc53d32-5580-4747-9273-e2acff2ba566.jsonl`,
  messageId: 'msg_01T2d9Vxb8uHsb2tXgEipDAY',
  lines: [5, 6],
  kind: 'assistant',
  requestId: 'req_011CZNzhXhqUvM7dabWyaFvf',
  sessionId: 'acc53d32-5580-4747-9273-e2acff2ba566',
  model: 'claude-opus-4-6',
  day: '2026-03-25',
  inputTokens: 3,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 11377,
  cacheReadTokens: 22248,
  outputTokens: 109,
};

const CROSS_FILE_DUPLICATE: HandChecked = {
  // projects/-home-christso-projects-agentv/acc53d32-5580-4747-9273-e2acff2ba566.jsonl
  // L8, v2.1.62, a single-line response: input 1, 1h write 810, cache_read
  // 33625, output 109. No response in the data appears in two files, so the
  // test writes this same raw line into a second file of the same project
  // (as a copied / forked transcript would); it must count once.
  rule: 'same response in two files: counted once',
  file: `${P}-home-christso-projects-agentv/acc53d32-5580-4747-9273-e2acff2ba566.jsonl`,
  messageId: 'msg_01BdunC6YyiSecddw2FdtL7G',
  lines: [8],
  kind: 'assistant',
  requestId: 'req_011CZNzhuFdRYznb3Mdv79YN',
  sessionId: 'acc53d32-5580-4747-9273-e2acff2ba566',
  model: 'claude-opus-4-6',
  day: '2026-03-25',
  inputTokens: 1,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 810,
  cacheReadTokens: 33625,
  outputTokens: 109,
  alsoCopyTo: `${P}-home-christso-projects-agentv/forked-copy-of-acc53d32.jsonl`,
};

const PROGRESS_ONLY_SUBAGENT: HandChecked = {
  // projects/-Users-michael-Code-cipher-box/0ea9b4b6-40e9-407b-8bb5-a31903367d21.jsonl
  // L14-19, L25, L28: type "progress", data.type "agent_progress" (agentId
  // a235699), data.message.message.id msg_01ScVHPUdnfwSmzbUcBbeBwc,
  // data.message.requestId req_011CYLLufogeZBuRmeGVhbxm, usage on every line:
  // input 3, cache_creation 6864 (1h 6864), cache_read 20993, output 2.
  // The cipher-box copy has no sub-agent files: this is the only record.
  // Belongs to the line's sessionId 0ea9b4b6 (the parent session).
  rule: 'sub-agent response found only in agent_progress lines',
  file: `${P}-Users-michael-Code-cipher-box/0ea9b4b6-40e9-407b-8bb5-a31903367d21.jsonl`,
  messageId: 'msg_01ScVHPUdnfwSmzbUcBbeBwc',
  lines: [14, 15, 16, 17, 18, 19, 25, 28],
  kind: 'agent_progress',
  requestId: 'req_011CYLLufogeZBuRmeGVhbxm',
  sessionId: '0ea9b4b6-40e9-407b-8bb5-a31903367d21',
  model: 'claude-opus-4-6',
  day: '2026-02-21',
  inputTokens: 3,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 6864,
  cacheReadTokens: 20993,
  outputTokens: 2,
};

const CROSSES_MIDNIGHT: HandChecked = {
  // projects/-Users-michael-Code-cipher-box/3e110024-118b-478e-9c21-6b0c1dc2c45a.jsonl
  // L160-163, v2.1.38: timestamps 2026-02-11T23:59:52.801Z, 23:59:55.195Z,
  // 23:59:56.080Z, 2026-02-12T00:00:03.382Z; input 3, 1h write 25,
  // cache_read 85537 on all; output 1, 1, 1, 521. Timed by the earliest line:
  // day 2026-02-11 (the line with the largest output is on 2026-02-12).
  // (grep finds the id on 51 lines of that file: the other 47 are progress
  // lines whose toolUseID is "agent_msg_01QX…", not this response.)
  rule: 'response timed by its earliest line (group crosses midnight UTC)',
  file: `${P}-Users-michael-Code-cipher-box/3e110024-118b-478e-9c21-6b0c1dc2c45a.jsonl`,
  messageId: 'msg_01QXBTRVzeLpoefcfNe7c4Am',
  lines: [160, 161, 162, 163],
  kind: 'assistant',
  requestId: 'req_011CY3C1vkANnh8TotWJvEoN',
  sessionId: '3e110024-118b-478e-9c21-6b0c1dc2c45a',
  model: 'claude-opus-4-6',
  day: '2026-02-11',
  inputTokens: 3,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 25,
  cacheReadTokens: 85537,
  outputTokens: 521,
};

const SUBAGENT_FILE_WITH_ITERATIONS: HandChecked = {
  // projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/agent-a36efb2a1231c41e2.jsonl
  // L5, L7, L9, v2.1.114, isSidechain true, sessionId = parent ef958aa1 (the
  // parent's own file is not copied): input 1, 5m write 2897, cache_read
  // 15961; output 42, 42, 335. L9 carries usage.iterations[] repeating the
  // same numbers: must not be added (would double to 2 / 5794 / 31922 / 670).
  rule: '2.1.x sub-agent file; usage.iterations not added',
  file: `${P}-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/agent-a36efb2a1231c41e2.jsonl`,
  messageId: 'msg_01M3jVM2iPyvK9Fu1unfUjq6',
  lines: [5, 7, 9],
  kind: 'assistant',
  requestId: 'req_011CaBLrDwWZedBXq569fHkz',
  sessionId: 'ef958aa1-0e93-49f0-bb71-150f63befcd1',
  model: 'claude-opus-4-7',
  day: '2026-04-18',
  inputTokens: 1,
  cacheWrite5mTokens: 2897,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 15961,
  outputTokens: 335,
};

const AGENT_FILE_2_0: HandChecked = {
  // projects/-Users-dain-workspace-coderabbit-review-helper/agent-668b5ac2.jsonl
  // L2, L3, L4, v2.0.37, isSidechain true, agentId 668b5ac2, sessionId
  // 741790a4 (that session has no main file in the data): input 3, 5m write
  // 8304, cache_read 0, output 149 on all three lines.
  rule: '2.0.x agent-<id>.jsonl beside the session: parent session',
  file: `${P}-Users-dain-workspace-coderabbit-review-helper/agent-668b5ac2.jsonl`,
  messageId: 'msg_01L4ZroZE72iQDdQWDxAHAeR',
  lines: [2, 3, 4],
  kind: 'assistant',
  requestId: 'req_011CV5q8hq8gFpFEQSUnY59K',
  sessionId: '741790a4-4fe2-4644-9a51-fb4482074060',
  model: 'claude-haiku-4-5-20251001',
  day: '2025-11-13',
  inputTokens: 3,
  cacheWrite5mTokens: 8304,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 0,
  outputTokens: 149,
};

const REBUILD_AFTER_API_ERROR: HandChecked = {
  // projects/-Users-michael-Code-cipher-box/ce0649e8-af63-4e6c-a2da-dbdb7d0fc4e1.jsonl
  // L501, L502, v2.1.49, first request after "resume please" (7 h after the
  // API error on L493): input 3, 1h write 80962, cache_read 0, output 6 on
  // both lines. Gives the API-error session a billable request.
  rule: 'request in the session that also holds the API error',
  file: `${P}-Users-michael-Code-cipher-box/ce0649e8-af63-4e6c-a2da-dbdb7d0fc4e1.jsonl`,
  messageId: 'msg_01FxunHuFg9Xhacd5QZ2hBH8',
  lines: [501, 502],
  kind: 'assistant',
  requestId: 'req_011CYMMZ3Cq7moY2j5in8Hwz',
  sessionId: 'ce0649e8-af63-4e6c-a2da-dbdb7d0fc4e1',
  model: 'claude-opus-4-6',
  day: '2026-02-21',
  inputTokens: 3,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 80962,
  cacheReadTokens: 0,
  outputTokens: 6,
};

const RESPONSES: HandChecked[] = [
  STREAMING_OUTPUT_GROWS,
  THIRTEEN_IDENTICAL_LINES,
  NO_CACHE_CREATION_OBJECT,
  ONE_HOUR_WRITE,
  CROSS_FILE_DUPLICATE,
  PROGRESS_ONLY_SUBAGENT,
  CROSSES_MIDNIGHT,
  SUBAGENT_FILE_WITH_ITERATIONS,
  AGENT_FILE_2_0,
  REBUILD_AFTER_API_ERROR,
];

// projects/-Users-michael-Code-cipher-box/ce0649e8-af63-4e6c-a2da-dbdb7d0fc4e1.jsonl
// L493, v2.1.49: model "<synthetic>", isApiErrorMessage true, error
// "authentication_failed", message.id is a UUID, no requestId, all usage 0.
// One API error, not a request.
const API_ERROR = {
  file: `${P}-Users-michael-Code-cipher-box/ce0649e8-af63-4e6c-a2da-dbdb7d0fc4e1.jsonl`,
  messageId: '3f10433a-cd88-452b-9780-0aecd135f0af',
  lines: [493],
  sessionId: 'ce0649e8-af63-4e6c-a2da-dbdb7d0fc4e1',
  day: '2026-02-21',
};

// projects/-Users-michael-Code-cipher-box/0ea9b4b6-40e9-407b-8bb5-a31903367d21.jsonl
// L121: the user line with the Task result of agent a235699 (whose progress
// lines hold PROGRESS_ONLY_SUBAGENT). toolUseResult.usage = input 1, 1h 7164,
// read 95802, output 4454, totalTokens 107421: must add nothing.
const TOOL_USE_RESULT_LINE = {
  file: `${P}-Users-michael-Code-cipher-box/0ea9b4b6-40e9-407b-8bb5-a31903367d21.jsonl`,
  uuid: 'c357fe55-55fe-4876-9dcb-8ca47475f4c8',
  line: 121,
};

// Totals of RESPONSES, added by hand (the cross-file duplicate counted once).
const TOTALS: NaiveCounts = {
  requests: 10,
  inputTokens: 10 + 3 + 8 + 3 + 1 + 3 + 3 + 1 + 3 + 3, // 38
  cacheWrite5mTokens: 35400 + 2142 + 2897 + 8304, // 48743
  cacheWrite1hTokens: 12322 + 11377 + 810 + 6864 + 25 + 80962, // 112360
  cacheReadTokens: 12008 + 20143 + 15099 + 22248 + 33625 + 20993 + 85537 + 15961, // 225614
  outputTokens: 968 + 9 + 420 + 109 + 109 + 2 + 521 + 335 + 149 + 6, // 2628
};
const TOTAL_SESSIONS = 9;
const TOTAL_API_ERRORS = 1;

const BY_MODEL: Record<string, NaiveCounts> = {
  'claude-haiku-4-5-20251001': counts(1, 3, 8304, 0, 0, 149),
  'claude-opus-4-1-20250805': counts(1, 10, 35400, 0, 12008, 968),
  // B, C, E, F, J, M
  'claude-opus-4-6': counts(
    6,
    3 + 3 + 1 + 3 + 3 + 3,
    0,
    12322 + 11377 + 810 + 6864 + 25 + 80962,
    20143 + 22248 + 33625 + 20993 + 85537 + 0,
    9 + 109 + 109 + 2 + 521 + 6,
  ),
  'claude-opus-4-7': counts(1, 1, 2897, 0, 15961, 335),
  'claude-sonnet-4-20250514': counts(1, 8, 2142, 0, 15099, 420),
};

const BY_DAY: Record<string, NaiveCounts> = {
  '2025-06-08': counts(1, 8, 2142, 0, 15099, 420),
  '2025-09-29': counts(1, 10, 35400, 0, 12008, 968),
  '2025-11-13': counts(1, 3, 8304, 0, 0, 149),
  // nothing on 2026-02-12 although the last line of CROSSES_MIDNIGHT is dated so
  '2026-02-11': counts(1, 3, 0, 25, 85537, 521),
  '2026-02-17': counts(1, 3, 0, 12322, 20143, 9),
  '2026-02-21': counts(2, 3 + 3, 0, 6864 + 80962, 20993 + 0, 2 + 6),
  '2026-03-25': counts(2, 3 + 1, 0, 11377 + 810, 22248 + 33625, 109 + 109),
  '2026-04-18': counts(1, 1, 2897, 0, 15961, 335),
};

function counts(
  requests: number,
  inputTokens: number,
  cacheWrite5mTokens: number,
  cacheWrite1hTokens: number,
  cacheReadTokens: number,
  outputTokens: number,
): NaiveCounts {
  return { requests, inputTokens, outputTokens, cacheWrite5mTokens, cacheWrite1hTokens, cacheReadTokens };
}

function countsOfResponse(r: HandChecked): NaiveCounts {
  return counts(1, r.inputTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.cacheReadTokens, r.outputTokens);
}

// ---------------------------------------------------------------------------
// Reading raw lines from ../shared at run time
// ---------------------------------------------------------------------------

interface RawLine {
  line: number;
  text: string;
}

const fileCache = new Map<string, string[]>();
function sourceLines(relFile: string): string[] {
  let lines = fileCache.get(relFile);
  if (lines === undefined) {
    lines = fs.readFileSync(path.join(claudeHome, relFile), 'utf8').split('\n');
    fileCache.set(relFile, lines);
  }
  return lines;
}

function parseOrNull(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function get(o: unknown, ...keys: string[]): unknown {
  let cur = o;
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Raw lines of `relFile` whose assistant message.id or agent_progress inner message.id is `messageId`. */
function linesWithMessageId(relFile: string, messageId: string): RawLine[] {
  const out: RawLine[] = [];
  sourceLines(relFile).forEach((text, i) => {
    const o = parseOrNull(text);
    if (o === null) return;
    const id =
      o['type'] === 'assistant'
        ? get(o, 'message', 'id')
        : o['type'] === 'progress' && get(o, 'data', 'type') === 'agent_progress'
          ? get(o, 'data', 'message', 'message', 'id')
          : undefined;
    if (id === messageId) out.push({ line: i + 1, text });
  });
  return out;
}

function lineWithUuid(relFile: string, uuid: string): RawLine[] {
  const out: RawLine[] = [];
  sourceLines(relFile).forEach((text, i) => {
    if (parseOrNull(text)?.['uuid'] === uuid) out.push({ line: i + 1, text });
  });
  return out;
}

/** The single raw line of a hand-checked response at a given line number. */
function rawLine(r: { file: string; messageId: string }, lineNo: number): string {
  const found = linesWithMessageId(r.file, r.messageId).find((l) => l.line === lineNo);
  if (found === undefined) throw new Error(`${r.file}:${lineNo} does not carry ${r.messageId}`);
  return found.text;
}

function makeTmp(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cachelens-real-lines-${label}-`));
}

/** Write files (paths relative to the temp config dir) and return the dir. */
function writeTree(dir: string, files: Record<string, string>): string {
  for (const [rel, body] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body);
  }
  return dir;
}

function countsOf(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(COUNT_FIELDS.map((f) => [f, row[f]]));
}

function recordOf(map: Map<string, NaiveCounts>): Record<string, NaiveCounts> {
  return Object.fromEntries(map);
}

function indexCliRows(rows: Array<Record<string, unknown>>, keyField: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    if (COUNT_FIELDS.every((f) => row[f] === 0)) continue;
    out[String(row[keyField])] = countsOf(row);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The hand-checked tree
// ---------------------------------------------------------------------------

interface ReportJson {
  totals: Record<string, unknown>;
  periods: Array<Record<string, unknown>>;
  models: Array<Record<string, unknown>>;
  projects: Array<Record<string, unknown>>;
  scan?: Record<string, unknown>;
}

interface SessionJson {
  requests: Array<Record<string, unknown>>;
}

/** Build `<tmp>/projects/...` from the hand-checked raw lines. */
function buildHandCheckedTree(dir: string): void {
  const perFile = new Map<string, RawLine[]>();
  const addLines = (rel: string, lines: RawLine[]): void => {
    const list = perFile.get(rel) ?? [];
    list.push(...lines);
    perFile.set(rel, list);
  };
  for (const r of RESPONSES) {
    const found = linesWithMessageId(r.file, r.messageId);
    addLines(r.file, found);
    if (r.alsoCopyTo !== undefined) addLines(r.alsoCopyTo, found);
  }
  addLines(API_ERROR.file, linesWithMessageId(API_ERROR.file, API_ERROR.messageId));
  addLines(TOOL_USE_RESULT_LINE.file, lineWithUuid(TOOL_USE_RESULT_LINE.file, TOOL_USE_RESULT_LINE.uuid));
  const files: Record<string, string> = {};
  for (const [rel, lines] of perFile) {
    lines.sort((a, b) => a.line - b.line);
    files[rel] = lines.map((l) => l.text + '\n').join('');
  }
  writeTree(dir, files);
}

describe('hand-checked literals are consistent', () => {
  it('TOTALS, BY_MODEL and BY_DAY are sums of the responses', () => {
    const sum = counts(0, 0, 0, 0, 0, 0);
    for (const r of RESPONSES) for (const f of COUNT_FIELDS) sum[f] += countsOfResponse(r)[f];
    expect(sum).toEqual(TOTALS);
    for (const table of [BY_MODEL, BY_DAY]) {
      const s = counts(0, 0, 0, 0, 0, 0);
      for (const c of Object.values(table)) for (const f of COUNT_FIELDS) s[f] += c[f];
      expect(s).toEqual(TOTALS);
    }
    expect(new Set(RESPONSES.map((r) => r.sessionId)).size).toBe(TOTAL_SESSIONS);
  });
});

describeShared('hand-checked real lines: the source lines are the ones read by hand', () => {
  it.each(RESPONSES.map((r) => [r.rule, r] as const))('%s', (_rule, r) => {
    const found = linesWithMessageId(r.file, r.messageId);
    expect(found.map((l) => l.line)).toEqual(r.lines);
    for (const { text } of found) {
      const o = parseOrNull(text);
      expect(o?.['sessionId']).toBe(r.sessionId);
      expect(o?.['type']).toBe(r.kind === 'assistant' ? 'assistant' : 'progress');
      const reqId = r.kind === 'assistant' ? o?.['requestId'] : get(o, 'data', 'message', 'requestId');
      expect(reqId).toBe(r.requestId);
    }
  });

  it('the API error line and the Task-result line are where they were read', () => {
    expect(linesWithMessageId(API_ERROR.file, API_ERROR.messageId).map((l) => l.line)).toEqual(API_ERROR.lines);
    expect(lineWithUuid(TOOL_USE_RESULT_LINE.file, TOOL_USE_RESULT_LINE.uuid).map((l) => l.line)).toEqual([
      TOOL_USE_RESULT_LINE.line,
    ]);
  });
});

describeShared('hand-checked real lines: oracle', () => {
  let dir: string;
  let o: NaiveResult;
  beforeAll(() => {
    dir = makeTmp('oracle');
    buildHandCheckedTree(dir);
    o = naiveCount(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('totals, API errors, sessions', () => {
    expect(o.totals).toEqual(TOTALS);
    expect(o.apiErrors).toBe(TOTAL_API_ERRORS);
    expect(o.sessions).toBe(TOTAL_SESSIONS);
  });

  it('per model and per UTC day', () => {
    expect(recordOf(o.byModel)).toEqual(BY_MODEL);
    expect(recordOf(o.byDay)).toEqual(BY_DAY);
    expect(Object.fromEntries(o.apiErrorsByDay)).toEqual({ [API_ERROR.day]: 1 });
  });

  it.each(RESPONSES.map((r) => [r.rule, r] as const))('%s', (_rule, r) => {
    const got = o.responses.get(`${r.messageId}\u0000${r.requestId}`);
    expect(got).toMatchObject({
      sessionId: r.sessionId,
      model: r.model,
      day: r.day,
      inputTokens: r.inputTokens,
      cacheWrite5mTokens: r.cacheWrite5mTokens,
      cacheWrite1hTokens: r.cacheWrite1hTokens,
      cacheReadTokens: r.cacheReadTokens,
      outputTokens: r.outputTokens,
    });
  });
});

describeCli('hand-checked real lines: CLI', () => {
  let dir: string;
  let report: ReportJson;
  const sessionRows = new Map<string, Array<Record<string, unknown>>>();

  beforeAll(() => {
    dir = makeTmp('cli');
    buildHandCheckedTree(dir);
    report = runCliJson<ReportJson>(['report', '--json', '--by', 'day', '--tz', 'UTC', '--dir', dir]);
    for (const sid of new Set(RESPONSES.map((r) => r.sessionId))) {
      sessionRows.set(sid, runCliJson<SessionJson>(['session', sid, '--json', '--dir', dir]).requests);
    }
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('report totals: requests and tokens', () => {
    expect(countsOf(report.totals)).toEqual(TOTALS);
  });

  it('report totals: API errors and sessions', () => {
    expect(report.totals['apiErrors']).toBe(TOTAL_API_ERRORS);
    expect(report.totals['sessions']).toBe(TOTAL_SESSIONS);
  });

  it('report totals: hitRate', () => {
    const total = TOTALS.inputTokens + TOTALS.cacheWrite5mTokens + TOTALS.cacheWrite1hTokens + TOTALS.cacheReadTokens;
    expect(report.totals['hitRate'] as number).toBeCloseTo(225614 / (38 + 48743 + 112360 + 225614), 12);
    expect(total).toBe(386755);
  });

  it('report per model', () => {
    expect(indexCliRows(report.models, 'model')).toEqual(BY_MODEL);
  });

  it('report per UTC day (earliest line decides)', () => {
    expect(indexCliRows(report.periods, 'period')).toEqual(BY_DAY);
  });

  it.each(RESPONSES.map((r) => [r.rule, r] as const))('session %s', (_rule, r) => {
    const rows = (sessionRows.get(r.sessionId) ?? []).filter((row) => row['messageId'] === r.messageId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      messageId: r.messageId,
      requestId: r.requestId,
      inputTokens: r.inputTokens,
      cacheWrite5mTokens: r.cacheWrite5mTokens,
      cacheWrite1hTokens: r.cacheWrite1hTokens,
      cacheReadTokens: r.cacheReadTokens,
      outputTokens: r.outputTokens,
    });
  });

  it('each session lists exactly its hand-checked requests (no row for the API error or the Task result)', () => {
    for (const [sid, rows] of sessionRows) {
      const errorRows = rows.filter((row) => row['messageId'] === API_ERROR.messageId);
      for (const row of errorRows) for (const f of TOKEN_FIELDS) expect(row[f] ?? 0).toBe(0);
      const ids = rows.filter((row) => row['messageId'] !== API_ERROR.messageId).map((row) => row['messageId']);
      const expected = RESPONSES.filter((r) => r.sessionId === sid).map((r) => r.messageId);
      expect([...ids].sort()).toEqual([...expected].sort());
    }
  });

  it('sessions --json: every session', () => {
    const sessions = runCliJson<{ sessions: Array<Record<string, unknown>> }>(['sessions', '--json', '--dir', dir]);
    const expected: Record<string, NaiveCounts> = {};
    for (const r of RESPONSES) {
      const c = (expected[r.sessionId] ??= counts(0, 0, 0, 0, 0, 0));
      for (const f of COUNT_FIELDS) c[f] += countsOfResponse(r)[f];
    }
    expect(indexCliRows(sessions.sessions, 'sessionId')).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------
// Bad input built from real lines
// ---------------------------------------------------------------------------

interface ScanExpectation {
  badLines: number;
  truncatedLastLines: number;
  concatenatedLines: number;
  emptyFiles: number;
  unreadableFiles: string[];
}

interface BadInputCase {
  name: string;
  build: (dir: string) => void;
  totals: NaiveCounts;
  scan: ScanExpectation;
  skip?: string;
}

const D = NO_CACHE_CREATION_OBJECT;
const C = ONE_HOUR_WRITE;
const E = CROSS_FILE_DUPLICATE;
const L = AGENT_FILE_2_0;
const NO_SCAN_ISSUES: ScanExpectation = {
  badLines: 0,
  truncatedLastLines: 0,
  concatenatedLines: 0,
  emptyFiles: 0,
  unreadableFiles: [],
};

const BAD_INPUT: BadInputCase[] = [
  {
    // D L34, a non-JSON line, D L35: the bad line is skipped and counted.
    name: 'a non-JSON line between two valid lines',
    build: (dir) =>
      writeTree(dir, {
        [D.file]: `${rawLine(D, 34)}\nthis line is not JSON {"type":"assistant"\n${rawLine(D, 35)}\n`,
      }),
    totals: countsOfResponse(D),
    scan: { ...NO_SCAN_ISSUES, badLines: 1 },
  },
  {
    // C L5, C L6, then E L8 cut in half with no trailing newline (a file still
    // being written): C counts, E is lost; the cut line is a truncated last
    // line (assumed to be its own category, not also a bad line).
    name: 'a truncated last line (real line cut in half, no trailing newline)',
    build: (dir) => {
      const e = rawLine(E, 8);
      writeTree(dir, { [C.file]: `${rawLine(C, 5)}\n${rawLine(C, 6)}\n${e.slice(0, Math.floor(e.length / 2))}` });
    },
    totals: countsOfResponse(C),
    scan: { ...NO_SCAN_ISSUES, truncatedLastLines: 1 },
  },
  {
    // C L5, then C L6 and E L8 on one line with no newline between them: both
    // objects are read, so C (output 109 from L6) and E both count.
    name: 'two real lines concatenated on one line',
    build: (dir) => writeTree(dir, { [C.file]: `${rawLine(C, 5)}\n${rawLine(C, 6)}${rawLine(E, 8)}\n` }),
    totals: counts(2, 3 + 1, 0, 11377 + 810, 22248 + 33625, 109 + 109),
    scan: { ...NO_SCAN_ISSUES, concatenatedLines: 1 },
  },
  {
    // L's agent file plus a 0-byte main session file of the same project
    // (the real tree has 17 such files, e.g. this very name).
    name: 'an empty file',
    build: (dir) =>
      writeTree(dir, {
        [L.file]: L.lines.map((n) => rawLine(L, n) + '\n').join(''),
        [`${P}-Users-dain-workspace-coderabbit-review-helper/8a69e93c-e842-471d-a053-5c316757e5e9.jsonl`]: '',
      }),
    totals: countsOfResponse(L),
    scan: { ...NO_SCAN_ISSUES, emptyFiles: 1 },
  },
  {
    // D's file readable, C's file chmod 000: D counts, C is reported unreadable.
    name: 'an unreadable file (chmod 000)',
    build: (dir) => {
      writeTree(dir, {
        [D.file]: D.lines.map((n) => rawLine(D, n) + '\n').join(''),
        [C.file]: C.lines.map((n) => rawLine(C, n) + '\n').join(''),
      });
      fs.chmodSync(path.join(dir, C.file), 0o000);
    },
    totals: countsOfResponse(D),
    scan: { ...NO_SCAN_ISSUES, unreadableFiles: ['acc53d32-5580-4747-9273-e2acff2ba566.jsonl'] },
    skip: isRoot ? 'running as root: chmod 000 does not block reads' : undefined,
  },
];

for (const c of BAD_INPUT) {
  if (c.skip !== undefined) console.warn(`skipping bad-input case "${c.name}": ${c.skip}`);
}

function restoreModes(dir: string): void {
  const walk = (d: string): void => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else fs.chmodSync(p, 0o644);
    }
  };
  walk(dir);
}

describeShared('bad input built from real lines: oracle', () => {
  for (const c of BAD_INPUT) {
    const t = c.skip === undefined ? it : it.skip;
    t(c.name, () => {
      const dir = makeTmp('bad-oracle');
      try {
        c.build(dir);
        const o = naiveCount(dir);
        expect(o.totals).toEqual(c.totals);
        expect({
          badLines: o.scan.badLines,
          truncatedLastLines: o.scan.truncatedLastLines,
          concatenatedLines: o.scan.concatenatedLines,
          emptyFiles: o.scan.emptyFiles,
          unreadableFiles: o.scan.unreadableFiles.length,
        }).toEqual({ ...c.scan, unreadableFiles: c.scan.unreadableFiles.length });
        for (const name of c.scan.unreadableFiles) {
          expect(o.scan.unreadableFiles.some((f) => f.endsWith(name))).toBe(true);
        }
      } finally {
        restoreModes(dir);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describeCli('bad input built from real lines: CLI', () => {
  for (const c of BAD_INPUT) {
    const t = c.skip === undefined ? it : it.skip;
    t(c.name, () => {
      const dir = makeTmp('bad-cli');
      try {
        c.build(dir);
        const report = runCliJson<ReportJson>(['report', '--json', '--by', 'day', '--tz', 'UTC', '--dir', dir]);
        expect(countsOf(report.totals)).toEqual(c.totals);
        const scan = report.scan ?? {};
        expect({
          badLines: scan['badLines'],
          truncatedLastLines: scan['truncatedLastLines'],
          concatenatedLines: scan['concatenatedLines'],
          emptyFiles: scan['emptyFiles'],
        }).toEqual({
          badLines: c.scan.badLines,
          truncatedLastLines: c.scan.truncatedLastLines,
          concatenatedLines: c.scan.concatenatedLines,
          emptyFiles: c.scan.emptyFiles,
        });
        const unreadable = scan['unreadableFiles'];
        expect(Array.isArray(unreadable)).toBe(true);
        expect((unreadable as unknown[]).length).toBe(c.scan.unreadableFiles.length);
        for (const name of c.scan.unreadableFiles) expect(JSON.stringify(unreadable)).toContain(name);
      } finally {
        restoreModes(dir);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
