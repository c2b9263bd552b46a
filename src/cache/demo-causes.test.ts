// The demo tree scripts each rebuild cause at a known request. The analysis
// must find exactly those rebuilds, label them, and price their waste as
// tokens re-written x (write price - read price), by hand below.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCalendar, prepareDataset } from '../accounting/index.js';
import { writeDemoTree } from '../demo/index.js';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';
import { loadPricing } from '../pricing/index.js';
import { scanFiles } from '../scan/index.js';
import { analyzeCache, isWaste, type Rebuild } from './index.js';

// USD per million tokens, write minus read (facts doc §2.2): Opus 4.6 1h 10 - 0.50,
// 5m 6.25 - 0.50; Sonnet 4.6 1h 6 - 0.30, 5m 3.75 - 0.30.
const PREMIUM: Record<string, { '5m': number; '1h': number }> = {
  'claude-opus-4-6': { '5m': 5.75, '1h': 9.5 },
  'claude-sonnet-4-6': { '5m': 3.45, '1h': 5.7 },
};

async function analyseDemo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-demo-causes-'));
  const manifest = writeDemoTree(dir);
  const files = discoverFiles(resolveConfigDirs({ dirs: [dir] }).projectsDirs);
  const scan = await scanFiles(files, { events: true });
  const pricing = loadPricing();
  const ds = prepareDataset(scan, pricing, createCalendar('UTC'), { since: null, until: null, project: null });
  return { manifest, analysis: analyzeCache(ds, pricing) };
}

describe('rebuild causes on the demo tree', async () => {
  const { manifest, analysis } = await analyseDemo();
  const byMessage = new Map<string, Rebuild>(analysis.rebuilds.map((r) => [r.request.messageId, r]));
  const event = (kind: string) => manifest.events.filter((e) => e.kind === kind);
  const expectRebuild = (kind: string, cause: string, ttl: '5m' | '1h' | null, bucket: '5m' | '1h') => {
    const [e] = event(kind);
    expect(e, kind).toBeDefined();
    const r = byMessage.get(e!.messageId)!;
    expect(r, kind).toBeDefined();
    expect(r.cause, kind).toBe(cause);
    expect(r.ttl, kind).toBe(ttl);
    expect(r.tokensRewritten, kind).toBe(e!.tokensRewritten);
    const premium = PREMIUM[r.request.model]![bucket];
    expect(r.wasteUSD!, kind).toBeCloseTo((e!.tokensRewritten! * premium) / 1e6, 10);
    return r;
  };

  it('labels each scripted rebuild and prices its waste', () => {
    // 2.0.76 main threads write 5m; 2.1.x main threads write 1h
    expect(expectRebuild('ttl-expired-5m', 'ttl-expired', '5m', '5m').wasteUSD).toBeCloseTo(0.0783725, 10); // 13,630 x 5.75
    expect(expectRebuild('ttl-expired-1h', 'ttl-expired', '1h', '1h').wasteUSD).toBeCloseTo(0.1911495, 10); // 20,121 x 9.5
    expectRebuild('model-switch', 'model-switch', '1h', '1h');
    expectRebuild('compaction', 'compaction', '1h', '1h');
    expectRebuild('claude-code-upgrade', 'claude-code-upgrade', '1h', '1h');
    expectRebuild('effort', 'effort-or-fast-mode', '1h', '1h');
    expectRebuild('partial', 'partial', '1h', '1h');
    expect(expectRebuild('unexplained', 'unexplained', '1h', '1h').wasteUSD).toBeCloseTo(0.42541, 10); // 44,780 x 9.5
  });

  it('fan-out: the first sub-agent writes the prefix, the others re-write the shared part', () => {
    const fan = event('parallel-fanout').sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(fan).toHaveLength(3);
    const [first, ...rest] = fan.map((e) => byMessage.get(e.messageId)!);
    expect(first!.cause).toBe('cold-start');
    expect(isWaste(first!)).toBe(false);
    for (const [i, r] of rest.entries()) {
      expect(r.cause).toBe('parallel-fanout');
      expect(r.tokensRewritten).toBe(fan[i + 1]!.tokensRewritten); // 12,418: the general-purpose prefix
      expect(r.wasteUSD!).toBeCloseTo(0.0714035, 10); // 12,418 x 5.75 (sub-agents write 5m)
    }
  });

  it('a /clear start and plain cold starts are reported, never waste', () => {
    const clear = byMessage.get(event('clear')[0]!.messageId)!;
    expect(clear.cause).toBe('clear');
    expect(clear.wasteUSD).toBe(0);
    for (const e of event('cold-start')) {
      const r = byMessage.get(e.messageId)!;
      expect(r.previous, e.messageId).toBeNull();
      expect(isWaste(r) ? r.cause : 'start').toMatch(/start|parallel-fanout/);
    }
  });

  it('finds no rebuild the demo did not script', () => {
    const scripted = new Set(manifest.events.map((e) => e.messageId));
    const extra = analysis.rebuilds.filter((r) => isWaste(r) && !scripted.has(r.request.messageId));
    expect(extra.map((r) => [r.cause, r.request.messageId])).toEqual([]);
  });
});
