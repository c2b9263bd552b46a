// The report without a store reads its records a session at a time, in place
// (scan/_records.ts bySession, cli/parts.ts scanParts, report/rows-parts.ts)
// so that a large input never makes an object per record. It must give exactly the report of the direct path
// (every record made at once, one analysis over all of them), on real
// transcripts, in several zones and with every filter.
import { describe, expect, it } from 'vitest';
import { createCalendar, prepareDataset, type Filters } from '../src/accounting/index.js';
import { analyzeCache, wasteLookup } from '../src/cache/index.js';
import { scanParts } from '../src/cli/parts.js';
import { discoverFiles } from '../src/discover/index.js';
import { emptyIssues, type RequestRecord } from '../src/domain/types.js';
import { loadPricing } from '../src/pricing/index.js';
import { buildOverview, finishOverview } from '../src/report/overview.js';
import { mergeParts } from '../src/report/parts.js';
import { scanFiles, scanSessions } from '../src/scan/index.js';
import { claudeHome, haveSharedData, SKIP_NO_SHARED } from './oracle/cli.js';

if (!haveSharedData) console.warn(SKIP_NO_SHARED);
const d = haveSharedData ? describe : describe.skip;

const pricing = loadPricing();
const meta = { demo: false, sources: [], filters: { since: null, until: null, tz: 'UTC', project: null }, scan: { ...emptyIssues(), files: 0, bytes: 0, usageLines: 0, workers: 0, elapsedMs: 0 }, store: null };
const none: Filters = { since: null, until: null, project: null, model: null };

d('the report a session at a time (no store)', () => {
  const files = () => discoverFiles([`${claudeHome}/projects`]);

  it('has the records of the whole scan, each session in time order', async () => {
    const all = await scanFiles(files(), { events: true });
    const by = await scanSessions(files(), { events: true });
    // every row as its full record, as the few rows that need one get it
    const recordsOf = (s: string): RequestRecord[] => {
      const rows = by.rows(s).requests;
      return Array.from({ length: rows.count }, (_, i) => rows.record(i));
    };
    const requests = by.sessions.flatMap(recordsOf);
    const events = by.sessions.flatMap((s) => by.rows(s).events);
    const errors = by.sessions.flatMap((s) => by.rows(s).apiErrors);
    expect(requests.length).toBe(all.requests.length);
    expect(new Set(requests.map((r) => r.key))).toEqual(new Set(all.requests.map((r) => r.key)));
    // the same objects' contents, whichever way they were made
    const byKey = new Map(all.requests.map((r) => [r.key, r]));
    for (const r of requests) expect({ ...r }).toEqual({ ...byKey.get(r.key) });
    for (const s of by.sessions) {
      // in time order, and what seek reads is the record's own
      const rows = by.rows(s).requests;
      const recs = recordsOf(s);
      const ts = recs.map((r) => r.timestamp);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      for (let i = 0; i < rows.count; i++) {
        rows.seek(i);
        const r = recs[i]!;
        expect([rows.timestamp, rows.input, rows.cacheWrite5m, rows.cacheWrite1h, rows.cacheRead, rows.output, rows.project, rows.agentId, rows.model, rows.speed, rows.inferenceGeo, rows.agentAt(i)]).toEqual([r.timestamp, r.input, r.cacheWrite5m, r.cacheWrite1h, r.cacheRead, r.output, r.project, r.agentId, r.model, r.speed, r.inferenceGeo, r.agentId]);
      }
    }
    expect(errors.length).toBe(all.apiErrors.length);
    // events of sessions without requests or API errors belong to no report row: the rest are all there
    const sessions = new Set(by.sessions);
    expect(events.length).toBe(all.events.filter((e) => sessions.has(e.sessionId)).length);
    expect(by.stats.usageLines).toBe(all.stats.usageLines);
  });

  it('holds parallel fan-outs whose shared part comes from the start levels (so the levels must reach those sessions)', async () => {
    const scan = await scanFiles(files(), { events: false });
    const ds = prepareDataset(scan, pricing, createCalendar('UTC'), none);
    const fanouts = analyzeCache(ds, pricing).rebuilds.filter((r) => r.cause === 'parallel-fanout' && r.evidence[0]!.includes('a level conversations on this model start from'));
    expect(fanouts.length).toBeGreaterThan(0);
  });

  // (the report reads no events; with them, a sub-agent started by /clear is no fan-out: the same either way)
  const cases: [string, string, Filters, boolean][] = [
    ['UTC, no filter', 'UTC', none, false],
    ['Berlin, since', 'Europe/Berlin', { ...none, since: '2025-09-01' }, false],
    ['New York, since and until', 'America/New_York', { ...none, since: '2025-08-15', until: '2025-10-31' }, false],
    ['Tokyo, a project', 'Asia/Tokyo', { ...none, project: 'claude' }, false],
    ['UTC, a model', 'UTC', { ...none, model: 'sonnet' }, false],
    ['UTC, with events', 'UTC', none, true],
  ];
  for (const [name, tz, filters, events] of cases) {
    it(`gives the direct path's report exactly: ${name}`, async () => {
      const calendar = createCalendar(tz);
      const opts = { by: 'day' as const, plan: null, since: filters.since, until: filters.until };
      const scan = await scanFiles(files(), { events });
      const ds = prepareDataset(scan, pricing, calendar, filters);
      const expected = buildOverview(ds, pricing, meta, { ...opts, waste: wasteLookup(analyzeCache(ds, pricing)) });
      const parts = scanParts(await scanSessions(files(), { events }), pricing, calendar, filters);
      const got = finishOverview(mergeParts(parts), pricing, meta, opts);
      expect(got.totals.requests).toBeGreaterThan(0);
      // byte for byte: the sums are added in the same order
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    });
  }
});
