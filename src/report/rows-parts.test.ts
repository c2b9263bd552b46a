// rowsPart (a session read in place) against the direct path (the session's
// prepared dataset, its cache analysis and collectParts), on small made-up
// sessions for the cases the real transcripts never show: a sub-agent started
// after /clear (no fan-out), an unknown model's rebuild, filters that cut a
// conversation's first requests. test/session-parts.test.ts compares the two
// on every real transcript.
import { describe, expect, it } from 'vitest';
import { createCalendar, type Filters } from '../accounting/index.js';
import { datasetParts } from '../cli/parts.js';
import { prepareDataset } from '../accounting/index.js';
import type { ApiErrorRecord, ConversationEvent, RequestRecord, RequestRows } from '../domain/types.js';
import { loadPricing } from '../pricing/index.js';
import { rowsSession, rowsSessionPart, type RowsInput } from './rows-parts.js';

const pricing = loadPricing();
const none: Filters = { since: null, until: null, project: null, model: null };
const T0 = Date.parse('2026-03-02T10:00:00Z');
const S = 'sess-1';

let n = 0;
function req(at: number, agentId: string | null, tokens: Partial<RequestRecord> = {}): RequestRecord {
  n++;
  return {
    key: `msg_${n}\u0000req_${n}`, messageId: `msg_${n}`, requestId: `req_${n}`, timestamp: T0 + at * 1000, sessionId: S, project: '-home-me-app',
    cwd: null, agentId, model: 'claude-sonnet-4-5-20250929', version: '2.1.3', speed: null, inferenceGeo: null,
    input: 10, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 100, file: agentId ? `/p/${S}/subagents/agent-${agentId}.jsonl` : `/p/${S}.jsonl`, offset: n * 100,
    ...tokens,
  };
}

/** RequestRows over plain records (the scan's own reads them from its columns). */
function rowsOf(records: RequestRecord[]): RequestRows {
  const rows = {
    count: records.length, timestamp: 0, input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0,
    project: '', agentId: null as string | null, model: '', speed: null as string | null, inferenceGeo: null as string | null,
    seek(i: number) {
      Object.assign(rows, (({ timestamp, input, cacheWrite5m, cacheWrite1h, cacheRead, output, project, agentId, model, speed, inferenceGeo }) => ({ timestamp, input, cacheWrite5m, cacheWrite1h, cacheRead, output, project, agentId, model, speed, inferenceGeo }))(records[i]!));
    },
    record: (i: number) => records[i]!,
    agentAt: (i: number) => records[i]!.agentId,
  };
  return rows;
}

/** The session's part with no start levels (as scanParts makes it), and whether it waits for them. */
function rowsPart(s: RowsInput, filters: Filters): { part: ReturnType<typeof rowsSessionPart>; fanout: boolean } | undefined {
  const calendar = createCalendar('UTC');
  const x = rowsSession(s, calendar, filters);
  return x && { part: rowsSessionPart(x, pricing, calendar, new Map()), fanout: x.fanout };
}

function both(requests: RequestRecord[], events: ConversationEvent[], filters: Filters = none, apiErrors: ApiErrorRecord[] = []) {
  const calendar = createCalendar('UTC');
  const sorted = [...requests].sort((a, b) => a.timestamp - b.timestamp || a.offset - b.offset);
  const direct = datasetParts(prepareDataset({ requests: sorted, apiErrors, events }, pricing, calendar, filters), pricing).parts[0];
  const got = rowsPart({ session: S, requests: rowsOf(sorted), apiErrors, events }, filters);
  return { direct, got: got?.part };
}

const command = (at: number, agentId: string | null, detail: string): ConversationEvent => ({ kind: 'command', timestamp: T0 + at * 1000, sessionId: S, project: '-home-me-app', agentId, detail, file: '/p/x.jsonl', offset: at });

describe('rowsPart gives the direct path its part', () => {
  // two sub-agents start 3 s apart and write the same 20K prefix: the second re-wrote it (a parallel fan-out)
  const fanout = (): RequestRecord[] => [
    req(0, null, { cacheWrite5m: 30_000 }),
    req(5, 'a1', { cacheWrite5m: 20_000 }),
    req(8, 'a2', { cacheWrite5m: 20_500 }),
    req(20, 'a1', { cacheRead: 20_000, cacheWrite5m: 1_000 }),
    req(30, 'a2', { cacheRead: 20_500, cacheWrite5m: 800 }),
    // the main thread idles past its TTL and writes everything again
    req(900, null, { cacheWrite5m: 31_000 }),
  ];

  it('a parallel fan-out, with its waste', () => {
    const { direct, got } = both(fanout(), []);
    expect(direct!.total[10]).toBe(2); // rebuilds: the fan-out and the expired main thread
    expect(got).toEqual(direct);
  });

  it('sub-agents that start more than 10 s apart: no fan-out, so the start levels cannot matter', () => {
    const apart = fanout().map((r) => (r.agentId === 'a2' ? { ...r, timestamp: r.timestamp + 60_000 } : r));
    const { direct, got } = both(apart, []);
    expect(direct!.total[10]).toBe(1);
    expect(got).toEqual(direct);
    const inOrder = [...apart].sort((a, b) => a.timestamp - b.timestamp);
    expect(rowsPart({ session: S, requests: rowsOf(inOrder), apiErrors: [], events: [] }, none)!.fanout).toBe(false);
    expect(rowsPart({ session: S, requests: rowsOf(fanout()), apiErrors: [], events: [] }, none)!.fanout).toBe(true);
  });

  it('a sub-agent started after /clear is a start, not a fan-out', () => {
    const { direct, got } = both(fanout(), [command(7, 'a2', '/clear')]);
    expect(direct!.total[10]).toBe(1);
    expect(got).toEqual(direct);
  });

  it('filters that drop conversations\' first requests', () => {
    const f: Filters = { ...none, since: '2026-03-02', until: '2026-03-02' };
    const late = fanout().map((r) => ({ ...r, timestamp: r.timestamp + 13.99 * 3600_000 }));
    const { direct, got } = both(late, [], f);
    expect(got).toEqual(direct);
  });

  it('an unknown model: counted, unpriced, its rebuild without waste', () => {
    const rs = [req(0, null, { model: 'claude-future-9', cacheWrite5m: 40_000 }), req(600, null, { model: 'claude-future-9', cacheWrite5m: 40_000 })];
    const { direct, got } = both(rs, []);
    expect(direct!.total[9]).toBe(2); // unpriced requests
    expect(direct!.total[10]).toBe(1);
    expect(got).toEqual(direct);
  });

  it('a session of API errors only, and nothing left after a model filter', () => {
    const e: ApiErrorRecord = { key: 'err_1', timestamp: T0, sessionId: S, project: '-home-me-app', agentId: null, error: 'overloaded', file: '/p/x.jsonl', offset: 1 };
    const { direct, got } = both([], [], none, [e]);
    expect(direct!.total[1]).toBe(1);
    expect(got).toEqual(direct);
    expect(both(fanout(), [], { ...none, model: 'opus' })).toEqual({ direct: undefined, got: undefined });
  });
});
