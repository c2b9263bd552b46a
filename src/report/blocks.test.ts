import { describe, expect, it } from 'vitest';
import { createCalendar, type Dataset, type PricedRequest } from '../accounting/index.js';
import type { ApiErrorRecord } from '../domain/types.js';
import { blocksBlocks } from '../cli/blocks-view.js';
import type { Paint } from '../cli/views.js';
import { buildBlocks } from './blocks.js';
import type { ReportMeta } from './meta.js';

const at = (d: number, h: number, m = 0): number => Date.UTC(2026, 0, d, h, m);

function req(key: string, ts: number, t: { input?: number; w5?: number; read?: number; output?: number }, cost: number | null, model = 'claude-sonnet-4-6'): PricedRequest {
  return {
    r: {
      key, messageId: key, requestId: null, timestamp: ts, sessionId: 's1', project: 'p', cwd: null, agentId: null, model,
      version: null, speed: null, inferenceGeo: null, file: 'f', offset: 0,
      input: t.input ?? 0, cacheWrite5m: t.w5 ?? 0, cacheWrite1h: 0, cacheRead: t.read ?? 0, output: t.output ?? 0,
    },
    costUSD: cost,
    noCacheCostUSD: cost === null ? null : cost * 2,
  };
}

// Block 1: 10 Jan 09:00–14:00 (a at 09:37 floors to 09:00)
//   a: 100 + 1000 w5 + 50 out = 1150 tokens, $0.10
//   b: 10 + 1000 read + 40 out = 1050 tokens, $0.02   → 2200 tokens, $0.12, hit 1000/2110
// Block 2: 14:00–19:00 (c exactly at 14:00 = block 1's end opens a new block)
//   c: 5 + 2000 read + 45 out = 2050, $0.03
//   d: 5 + 2000 read + 50 out = 2055, $0.05            → 4105 tokens, $0.08
// Block 3: 11 Jan 02:00–07:00 (e at 02:10)
//   e: 100 + 100 out = 200, $0.20
const A = req('a', at(10, 9, 37), { input: 100, w5: 1000, output: 50 }, 0.1);
const B = req('b', at(10, 10, 7), { input: 10, read: 1000, output: 40 }, 0.02);
const C = req('c', at(10, 14, 0), { input: 5, read: 2000, output: 45 }, 0.03);
const D = req('d', at(10, 15, 20), { input: 5, read: 2000, output: 50 }, 0.05);
const E = req('e', at(11, 2, 10), { input: 100, output: 100 }, 0.2);

const err: ApiErrorRecord = { key: 'x', timestamp: at(10, 10, 0), sessionId: 's1', project: 'p', agentId: null, error: 'overloaded', file: 'f', offset: 0 };

function ds(requests: PricedRequest[], apiErrors: ApiErrorRecord[] = []): Dataset {
  return { requests, apiErrors, events: [], calendar: createCalendar('UTC'), range: { from: null, to: null } };
}

const meta = {
  demo: false,
  sources: [],
  filters: { since: null, until: null, tz: 'UTC', project: null },
  scan: { files: 0, bytes: 0, usageLines: 0, workers: 1, elapsedMs: 0 },
  store: null,
} as unknown as ReportMeta;

const plain: Paint = { bold: (s) => s, dim: (s) => s, yellow: (s) => s, red: (s) => s, green: (s) => s, cyan: (s) => s };

describe('blocks', () => {
  it('floors to the UTC hour, lasts 5 h, and a request exactly at the end opens a new block', () => {
    // input out of order: sorting is the report's job
    const r = buildBlocks(ds([E, C, A, D, B]), meta, { now: at(12, 0), active: false });
    expect(r.kind).toBe('blocks');
    expect(r.filters.tz).toBe('UTC');
    expect(r.blocks.map((b) => [b.start, b.end, b.requests])).toEqual([
      ['2026-01-10T09:00:00.000Z', '2026-01-10T14:00:00.000Z', 2],
      ['2026-01-10T14:00:00.000Z', '2026-01-10T19:00:00.000Z', 2],
      ['2026-01-11T02:00:00.000Z', '2026-01-11T07:00:00.000Z', 1],
    ]);
    expect(r.blocks[0]!.firstRequest).toBe('2026-01-10T09:37:00.000Z');
    expect(r.blocks[0]!.lastRequest).toBe('2026-01-10T10:07:00.000Z');
  });

  it('totals per block, with waste and API errors inside the block', () => {
    const r = buildBlocks(ds([A, B, C, D], [err]), meta, { now: at(12, 0), active: false, waste: new Map([['b', 0.5]]) });
    const b1 = r.blocks[0]!;
    expect(b1.totalTokens).toBe(2200);
    expect(b1.inputTokens).toBe(110);
    expect(b1.cacheWrite5mTokens).toBe(1000);
    expect(b1.cacheReadTokens).toBe(1000);
    expect(b1.outputTokens).toBe(90);
    expect(b1.hitRate).toBeCloseTo(1000 / 2110, 12);
    expect(b1.costUSD).toBe(0.12);
    expect(b1.noCacheCostUSD).toBe(0.24);
    expect(b1.rebuilds).toBe(1);
    expect(b1.wastedUSD).toBe(0.5);
    expect(b1.apiErrors).toBe(1);
    const b2 = r.blocks[1]!;
    expect(b2.totalTokens).toBe(4105);
    expect(b2.costUSD).toBe(0.08);
    expect(b2.rebuilds).toBe(0);
    expect(b2.apiErrors).toBe(0);
  });

  it('burn rate over first-to-last request, at least one minute', () => {
    const r = buildBlocks(ds([A, B, C, D, E]), meta, { now: at(12, 0), active: false });
    // block 1: 2200 tokens, $0.12 over 30 min → 4400 tok/h, $0.24/h
    expect(r.blocks[0]!.burnRate.tokensPerHour).toBeCloseTo(4400, 9);
    expect(r.blocks[0]!.burnRate.usdPerHour).toBeCloseTo(0.24, 9);
    // block 2: 4105 tokens, $0.08 over 80 min (4/3 h) → 3078.75 tok/h, $0.06/h
    expect(r.blocks[1]!.burnRate.tokensPerHour).toBeCloseTo(3078.75, 9);
    expect(r.blocks[1]!.burnRate.usdPerHour).toBeCloseTo(0.06, 9);
    // block 3: one request → 1 minute → 200 × 60 = 12000 tok/h, $0.20 × 60 = $12/h
    expect(r.blocks[2]!.burnRate.tokensPerHour).toBeCloseTo(12000, 9);
    expect(r.blocks[2]!.burnRate.usdPerHour).toBeCloseTo(12, 9);
    // none active long after
    expect(r.blocks.every((b) => !b.active && b.remainingMs === null && b.projection === null)).toBe(true);
    expect(r.activeBlock).toBeNull();
  });

  it('active block: time left and projection at the burn rate', () => {
    // now 16:20, one hour after d: block 2 (14:00–19:00) is active, 2 h 40 m = 9,600,000 ms left
    // projection: 4105 + 3078.75 × 8/3 = 4105 + 8210 = 12315 tokens; $0.08 + $0.06 × 8/3 = $0.24
    const r = buildBlocks(ds([A, B, C, D]), meta, { now: at(10, 16, 20), active: false });
    expect(r.blocks.map((b) => b.active)).toEqual([false, true]);
    const b = r.activeBlock!;
    expect(b.start).toBe('2026-01-10T14:00:00.000Z');
    expect(b.remainingMs).toBe(9_600_000);
    expect(b.projection!.tokens).toBe(12315);
    expect(b.projection!.usd).toBeCloseTo(0.24, 6);
    // block 3 alone, now 02:30 (20 min after e): 4.5 h left → 200 + 12000 × 4.5 = 54200 tokens; $0.20 + $12 × 4.5 = $54.20
    const r3 = buildBlocks(ds([E]), meta, { now: at(11, 2, 30), active: false });
    expect(r3.blocks[0]!.remainingMs).toBe(4.5 * 3_600_000);
    expect(r3.blocks[0]!.projection).toEqual({ tokens: 54200, usd: 54.2 });
  });

  it('active vs not via now: the block end is exclusive', () => {
    expect(buildBlocks(ds([C, D]), meta, { now: at(10, 18, 59), active: false }).blocks[0]!.active).toBe(true);
    expect(buildBlocks(ds([C, D]), meta, { now: at(10, 19, 0), active: false }).blocks[0]!.active).toBe(false);
    // a 'now' before the block's start (a request in the future) is not active
    expect(buildBlocks(ds([C, D]), meta, { now: at(10, 13, 0), active: false }).blocks[0]!.active).toBe(false);
  });

  it('--active keeps only the active block, or none', () => {
    const on = buildBlocks(ds([A, B, C, D]), meta, { now: at(10, 16, 20), active: true });
    expect(on.activeOnly).toBe(true);
    expect(on.blocks.map((b) => b.start)).toEqual(['2026-01-10T14:00:00.000Z']);
    expect(on.activeBlock).toBe(on.blocks[0]);
    const off = buildBlocks(ds([A, B, C, D]), meta, { now: at(10, 20, 0), active: true });
    expect(off.blocks).toEqual([]);
    expect(off.activeBlock).toBeNull();
    expect(buildBlocks(ds([]), meta, { now: at(10, 20, 0), active: false }).blocks).toEqual([]);
  });

  it('view: a table row per block and a text block for the active one', () => {
    const r = buildBlocks(ds([A, B, C, D]), meta, { now: at(10, 16, 20), active: false });
    const out = blocksBlocks(r, plain);
    const table = out.find((b) => 'rows' in b);
    expect(table && 'rows' in table ? table.rows : []).toEqual([
      ['2026-01-10 09:00', 2, 2200, 1000 / 2110, 0, 0.12, ''],
      ['2026-01-10 14:00', 2, 4105, 4000 / 4010, 0, 0.08, 'ACTIVE'],
    ]);
    const text = out.map((b) => ('text' in b ? b.text : '')).join('\n');
    expect(text).toContain('time left 2h40m');
    expect(text).toContain('$0.24');
    const none = blocksBlocks(buildBlocks(ds([A]), meta, { now: at(11, 0), active: true }), plain);
    expect(none.map((b) => ('text' in b ? b.text : '')).join('\n')).toContain('No active block');
  });
});
