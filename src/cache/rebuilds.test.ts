import { describe, expect, it } from 'vitest';
import type { PricedRequest } from '../accounting/index.js';
import type { ConversationEvent, RequestRecord } from '../domain/types.js';
import { createCalendar } from '../accounting/index.js';
import { loadPricing } from '../pricing/index.js';
import { analyzeCache, isWaste } from './index.js';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const MIN = 60_000;
let seq = 0;

function req(o: Partial<RequestRecord> & { at: number; read: number; w1?: number; w5?: number }): PricedRequest {
  seq++;
  const r: RequestRecord = {
    key: `k${seq}`,
    messageId: `msg_${seq}`,
    requestId: `req_${seq}`,
    timestamp: T0 + o.at,
    sessionId: o.sessionId ?? 's1',
    project: 'p',
    cwd: null,
    agentId: o.agentId ?? null,
    model: o.model ?? 'claude-opus-4-6',
    version: o.version ?? '2.1.62',
    speed: o.speed ?? null,
    inferenceGeo: null,
    input: 3,
    cacheWrite5m: o.w5 ?? 0,
    cacheWrite1h: o.w1 ?? 0,
    cacheRead: o.read,
    output: 100,
    file: 'f',
    offset: seq,
  };
  return { r, costUSD: 0, noCacheCostUSD: 0 };
}

function analyse(requests: PricedRequest[], events: ConversationEvent[] = []) {
  const pricing = loadPricing();
  const ds = { requests, apiErrors: [], events, calendar: createCalendar('UTC'), range: { from: null, to: null } };
  return analyzeCache(ds, pricing);
}

const ev = (kind: ConversationEvent['kind'], at: number, detail: string | null = null): ConversationEvent => ({
  kind, timestamp: T0 + at, sessionId: 's1', project: 'p', agentId: null, detail, file: 'f', offset: 0,
});

describe('rebuild detection', () => {
  it('uses the 5% and 2,000-token threshold on tokens re-written', () => {
    const a = analyse([
      req({ at: 0, read: 20_000, w1: 20_000 }), // start, expected next read 40,000
      req({ at: MIN, read: 38_001, w1: 5_000 }), // drop 1,999 < 2,000: healthy
      req({ at: 2 * MIN, read: 41_000, w1: 2_000 }), // healthy
      req({ at: 3 * MIN, read: 40_000, w1: 3_000 }), // drop 3,000 of 43,000 (6.98%), re-writes 3,000: rebuild
    ]);
    const rebuilds = a.rebuilds.filter(isWaste);
    expect(rebuilds.map((r) => [r.request.messageId, r.tokensRewritten])).toEqual([[`msg_${seq}`, 3_000]]);
    // Opus 4.6 1h write $10 - read $0.50 = $9.50 per MTok: 3,000 x 9.5 / 1e6
    expect(rebuilds[0]!.wasteUSD).toBeCloseTo(0.0285, 10);
  });

  it('a small drop that is large in tokens but under 5% is not a rebuild', () => {
    const a = analyse([req({ at: 0, read: 0, w1: 100_000 }), req({ at: MIN, read: 96_000, w1: 6_000 })]);
    expect(a.rebuilds.filter(isWaste)).toEqual([]);
  });

  it('infers the TTL in force from the latest write and allows 60 s for request start', () => {
    const fiveMin = analyse([req({ at: 0, read: 10_000, w5: 30_000 }), req({ at: 4 * MIN + 1_000, read: 10_000, w5: 31_000 })]);
    expect(fiveMin.rebuilds.filter(isWaste).map((r) => [r.cause, r.ttl])).toEqual([['ttl-expired', '5m']]);
    const oneHour = analyse([req({ at: 0, read: 10_000, w1: 30_000 }), req({ at: 30 * MIN, read: 0, w1: 41_000 })]);
    expect(oneHour.rebuilds.filter(isWaste).map((r) => [r.cause, r.ttl])).toEqual([['unexplained', '1h']]);
  });

  it('ranks causes as specified and keeps the other evidence', () => {
    const a = analyse(
      [
        req({ at: 0, read: 10_000, w1: 30_000 }),
        req({ at: 2 * HOUR(), read: 10_000, w1: 31_000, model: 'claude-sonnet-4-6', version: '2.1.63' }),
      ],
      [ev('compact-boundary', HOUR(), 'auto')],
    );
    const r = a.rebuilds.filter(isWaste)[0]!;
    expect(r.cause).toBe('ttl-expired');
    expect(r.evidence.slice(0, 4)).toEqual([
      'idle 2.0 h > 1h TTL',
      'model claude-opus-4-6 → claude-sonnet-4-6',
      'compact-boundary (auto)',
      'Claude Code 2.1.62 → 2.1.63',
    ]);
  });

  it('partial: the read falls back to a level the conversation cached before', () => {
    const a = analyse([
      req({ at: 0, read: 20_000, w1: 5_000 }),
      req({ at: MIN, read: 25_000, w1: 4_000 }),
      req({ at: 2 * MIN, read: 25_000, w1: 9_000 }), // read what request 2 read: its write was not reused
    ]);
    const r = a.rebuilds.filter(isWaste)[0]!;
    expect([r.cause, r.level, r.tokensRewritten]).toEqual(['partial', 25_000, 4_000]);
  });

  it('parallel requests and sub-agent fan-out', () => {
    const a = analyse([
      req({ at: 0, read: 0, w5: 12_000, agentId: 'a1' }),
      req({ at: 500, read: 0, w5: 12_100, agentId: 'a2' }), // 0.5 s later, could not read a1's entry
      req({ at: 30_000, read: 0, w5: 12_200, agentId: 'a3' }), // 30 s later: an ordinary cold start
      req({ at: 60_000, read: 0, w1: 40_000 }),
      req({ at: 62_000, read: 0, w1: 40_300 }), // same prefix 2 s later, read nothing
    ]);
    const causes = a.rebuilds.map((r) => [r.agentId ?? 'main', r.cause]);
    expect(causes).toEqual([
      ['a1', 'cold-start'],
      ['a2', 'parallel-fanout'],
      ['a3', 'cold-start'],
      ['main', 'cold-start'],
      ['main', 'parallel-fanout'],
    ]);
    // a2 re-wrote min(12,100, 12,000) at 5m: Opus 4.6 $6.25 - $0.50 = $5.75 per MTok
    expect(a.rebuilds[1]!.wasteUSD).toBeCloseTo((12_000 * 5.75) / 1e6, 10);
  });

  it('a prompt that shrinks without compaction is a rewind', () => {
    const a = analyse([
      req({ at: 0, read: 20_000, w1: 10_000 }),
      req({ at: MIN, read: 30_000, w1: 2_000 }), // prompt 32,003
      req({ at: 2 * MIN, read: 20_000, w1: 9_000 }), // prompt 29,003: 3,000 smaller, read fell to the start level
    ]);
    const r = a.rebuilds.filter(isWaste)[0]!;
    expect(r.cause).toBe('rewind');
    expect(r.evidence[0]).toContain('shrank by 3000 tokens');
  });

  it('a start after /clear is a clear, not waste; unknown models waste null', () => {
    const a = analyse(
      [req({ at: MIN, read: 20_000, w1: 7_000 }), req({ at: 2 * MIN, read: 0, w1: 27_500, model: 'MiniMax-M3' })],
      [ev('command', 0, '/clear')],
    );
    expect(a.rebuilds.map((r) => [r.cause, r.wasteUSD])).toEqual([
      ['clear', 0],
      ['model-switch', null],
    ]);
  });
});

function HOUR(): number {
  return 60 * MIN;
}
