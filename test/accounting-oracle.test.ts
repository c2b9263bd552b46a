/**
 * The built CLI against the hand-count oracle (test/oracle/naive-count.ts) on
 * the real transcripts in ../shared/data/claude-home, and on an amplified copy
 * of them made by ../shared/tools/amplify-corpus.mjs.
 *
 * Token fields and request counts must match exactly: totals, every UTC day,
 * every model, every session.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amplifyTool,
  claudeHome,
  haveCli,
  haveSharedData,
  repoRoot,
  runCliJson,
  SKIP_NO_CLI,
  SKIP_NO_SHARED,
} from './oracle/cli.js';
import { COUNT_FIELDS, emptyCounts, naiveCount, type NaiveCounts, type NaiveResult } from './oracle/naive-count.js';

if (!haveSharedData) console.warn(SKIP_NO_SHARED);
else if (!haveCli) console.warn(SKIP_NO_CLI);

const describeShared = haveSharedData ? describe : describe.skip;
const describeCli = haveSharedData && haveCli ? describe : describe.skip;

/** The CLI is given the data dir as the user would: relative to the repo. */
const claudeHomeArg = path.relative(repoRoot, claudeHome);

type Row = Record<string, unknown>;

interface ReportJson {
  totals: Row;
  periods: Row[];
  models: Row[];
  projects: Row[];
}

interface SessionsJson {
  sessions: Row[];
}

let oracleMemo: NaiveResult | undefined;
function oracle(): NaiveResult {
  oracleMemo ??= naiveCount(claudeHome);
  return oracleMemo;
}

/** The count fields of a CLI row, as they are (a missing field shows as undefined in the diff). */
function countsOf(row: Row): Record<string, unknown> {
  return Object.fromEntries(COUNT_FIELDS.map((f) => [f, row[f]]));
}

/** A row with no request and no token (e.g. a day or session holding only an API error). */
function isZeroRow(row: Row): boolean {
  return COUNT_FIELDS.every((f) => row[f] === 0);
}

/** Index CLI rows by `keyField`, dropping rows that carry no request and no token. */
function indexRows(rows: Row[], keyField: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const row of rows) {
    if (isZeroRow(row)) continue;
    const key = String(row[keyField]);
    expect(out[key], `two CLI rows for ${keyField}=${key}`).toBeUndefined();
    out[key] = countsOf(row);
  }
  return out;
}

function mapToRecord(map: Map<string, NaiveCounts>): Record<string, NaiveCounts> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sumCounts(rows: Iterable<NaiveCounts>): NaiveCounts {
  const s = emptyCounts();
  for (const r of rows) for (const f of COUNT_FIELDS) s[f] += r[f];
  return s;
}

function hitRate(c: NaiveCounts): number {
  const total = c.inputTokens + c.cacheWrite5mTokens + c.cacheWrite1hTokens + c.cacheReadTokens;
  return total === 0 ? 0 : c.cacheReadTokens / total;
}

function times(c: NaiveCounts, k: number): NaiveCounts {
  const out = emptyCounts();
  for (const f of COUNT_FIELDS) out[f] = c[f] * k;
  return out;
}

describeShared('hand-count oracle on ../shared/data/claude-home', () => {
  it('every breakdown adds up to the totals', () => {
    const o = oracle();
    expect(sumCounts(o.byDay.values())).toEqual(o.totals);
    expect(sumCounts(o.byModel.values())).toEqual(o.totals);
    expect(sumCounts(o.bySession.values())).toEqual(o.totals);
    expect(sumCounts(o.byProject.values())).toEqual(o.totals);
    expect(o.responses.size).toBe(o.totals.requests);
  });

  it('the data exercises the rules this comparison relies on', () => {
    const o = oracle();
    const responses = [...o.responses.values()];
    expect(o.totals.requests).toBeGreaterThan(1000);
    // multi-line streaming groups (rule 2)
    expect(responses.some((r) => r.lines > 1)).toBe(true);
    // sub-agent responses known only from agent_progress lines (rule 4)
    expect(responses.some((r) => r.fromProgressOnly)).toBe(true);
    // pre-1.0.90 lines with no cache_creation object and 1h writes (rule 8)
    expect(o.totals.cacheWrite5mTokens).toBeGreaterThan(0);
    expect(o.totals.cacheWrite1hTokens).toBeGreaterThan(0);
    // at least one <synthetic> API error (rule 6), and empty session files
    expect(o.apiErrors).toBeGreaterThan(0);
    expect(o.scan.emptyFiles).toBeGreaterThan(0);
    // a response must never be attributed to a day it has no line on, etc.
    for (const r of responses) expect(r.day).toMatch(/^\d{4}-\d\d-\d\d$/);
  });
});

describeCli('CLI report/sessions --json match the oracle on ../shared/data/claude-home', () => {
  let report: ReportJson;
  let sessions: SessionsJson;

  beforeAll(() => {
    oracle();
    report = runCliJson<ReportJson>(['report', '--json', '--by', 'day', '--tz', 'UTC', '--dir', claudeHomeArg]);
    sessions = runCliJson<SessionsJson>(['sessions', '--json', '--dir', claudeHomeArg]);
  }, 300_000);

  it('totals: requests and every token field', () => {
    expect(countsOf(report.totals)).toEqual(oracle().totals);
  });

  it('totals: API errors', () => {
    expect(report.totals['apiErrors']).toBe(oracle().apiErrors);
  });

  it('totals: sessions (distinct sessionIds with at least one request)', () => {
    expect(report.totals['sessions']).toBe(oracle().sessions);
  });

  it('totals: hitRate = cacheRead / (input + w5m + w1h + cacheRead)', () => {
    const got = report.totals['hitRate'];
    expect(typeof got).toBe('number');
    expect(got as number).toBeCloseTo(hitRate(oracle().totals), 12);
  });

  it('every UTC day (--by day --tz UTC)', () => {
    expect(indexRows(report.periods, 'period')).toEqual(mapToRecord(oracle().byDay));
  });

  it('API errors per UTC day', () => {
    const got: Record<string, unknown> = {};
    for (const row of report.periods) {
      if (typeof row['apiErrors'] === 'number' && row['apiErrors'] > 0) got[String(row['period'])] = row['apiErrors'];
    }
    expect(got).toEqual(Object.fromEntries(oracle().apiErrorsByDay));
  });

  it('every model (id exactly as recorded)', () => {
    expect(indexRows(report.models, 'model')).toEqual(mapToRecord(oracle().byModel));
  });

  it('every session (sessions --json)', () => {
    expect(Array.isArray(sessions.sessions)).toBe(true);
    expect(indexRows(sessions.sessions, 'sessionId')).toEqual(mapToRecord(oracle().bySession));
  });

  it('projects partition the totals', () => {
    const rows = report.projects.map((p) => {
      const c = emptyCounts();
      for (const f of COUNT_FIELDS) c[f] = p[f] as number;
      return c;
    });
    expect(sumCounts(rows)).toEqual(oracle().totals);
  });
});

describeCli('CLI on an amplified copy (amplify-corpus.mjs, 2 copies) = 2 x the oracle of the original', () => {
  let tmp: string | undefined;
  let report: ReportJson;

  beforeAll(() => {
    oracle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-amplified-'));
    const amp = spawnSync(process.execPath, [amplifyTool, claudeHome, tmp, '2'], { encoding: 'utf8', timeout: 300_000 });
    if (amp.status !== 0) throw new Error(`amplify-corpus.mjs failed (${amp.status}): ${amp.stderr}`);
    report = runCliJson<ReportJson>(['report', '--json', '--by', 'day', '--tz', 'UTC', '--dir', tmp], {
      timeoutMs: 300_000,
    });
  }, 600_000);

  afterAll(() => {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('totals: requests and every token field are exactly doubled', () => {
    expect(countsOf(report.totals)).toEqual(times(oracle().totals, 2));
  });

  it('totals: API errors are exactly doubled', () => {
    expect(report.totals['apiErrors']).toBe(2 * oracle().apiErrors);
  });

  // Sessions are not compared here: the tool re-keys a UUID by overwriting its
  // first two hex digits with the copy number ("01" for copy 1), so a session
  // id that already starts with "01" keeps its id in the copy (one such
  // session exists in cipher-box). The token totals are unaffected.

  it('totals: hitRate unchanged by doubling', () => {
    expect(report.totals['hitRate'] as number).toBeCloseTo(hitRate(oracle().totals), 12);
  });
});
