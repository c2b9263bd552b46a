// The store's incremental report: per-session parts kept in SQLite, only the
// sessions a change touched recomputed. Every step is checked against the
// direct path (scan everything, analyse everything) on real transcripts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCalendar, prepareDataset, type Filters } from '../src/accounting/index.js';
import { analyzeCache, wasteLookup } from '../src/cache/index.js';
import { sessionParts } from '../src/cli/parts.js';
import { discoverFiles } from '../src/discover/index.js';
import { emptyIssues } from '../src/domain/types.js';
import { loadPricing } from '../src/pricing/index.js';
import { buildOverview, finishOverview } from '../src/report/overview.js';
import { mergeParts } from '../src/report/parts.js';
import { scanFiles } from '../src/scan/index.js';
import { refreshStore } from '../src/store/refresh.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.js';
import { claudeHome, haveSharedData, SKIP_NO_SHARED } from './oracle/cli.js';

if (!haveSharedData) console.warn(SKIP_NO_SHARED);
const d = haveSharedData ? describe : describe.skip;

const PROJECTS = ['-Users-dain-workspace-coderabbit-review-helper', '-Users-dain-workspace-danieldemmel-me-next'];
const pricing = loadPricing();
const dirs: string[] = [];
afterAll(() => {
  for (const x of dirs) fs.rmSync(x, { recursive: true, force: true });
});

function tmp(prefix: string): string {
  const x = fs.mkdtempSync(path.join(os.tmpdir(), `cachelens-parts-${prefix}-`));
  dirs.push(x);
  return x;
}

const meta = { demo: false, sources: [], filters: { since: null, until: null, tz: 'UTC', project: null }, scan: { ...emptyIssues(), files: 0, bytes: 0, usageLines: 0, workers: 0, elapsedMs: 0 }, store: null };

/** The report by the direct path: scan every file, analyse every session. */
async function direct(projectsDir: string, tz: string, filters: Filters) {
  const scan = await scanFiles(discoverFiles([projectsDir]), { events: true });
  const ds = prepareDataset(scan, pricing, createCalendar(tz), filters);
  const waste = wasteLookup(analyzeCache(ds, pricing));
  return buildOverview(ds, pricing, meta, { by: 'day', plan: null, since: filters.since, until: filters.until, waste });
}

/** The report by the store's incremental path, and how many sessions it recomputed. */
async function incremental(store: SqliteStore, projectsDir: string, tz: string, filters: Filters) {
  await refreshStore(store, discoverFiles([projectsDir]), (f) => f.root);
  const calendar = createCalendar(tz);
  const range = { from: filters.since ? calendar.startOfDay(filters.since) : null, to: null };
  const { parts, recomputed } = sessionParts({ store, key: `test:${tz}:${filters.since}:${filters.project}`, roots: [projectsDir], range, filters, calendar, pricing });
  const report = finishOverview(mergeParts(parts), pricing, meta, { by: 'day', plan: null, since: filters.since, until: filters.until });
  return { report, recomputed, sessions: parts.length };
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

d('incremental report parts (real transcripts)', () => {
  it('equals the direct report after appends, new sessions, a moved response and new start levels; recomputes only what changed', async () => {
    const home = tmp('home');
    const projects = path.join(home, 'projects');
    // the real sessions, each main transcript cut in half: the second halves are appended later
    const halves: { file: string; rest: string[] }[] = [];
    for (const p of PROJECTS) {
      const src = path.join(claudeHome, 'projects', p);
      fs.cpSync(src, path.join(projects, p), { recursive: true });
      for (const f of fs.readdirSync(path.join(projects, p)).filter((x) => x.endsWith('.jsonl'))) {
        const file = path.join(projects, p, f);
        const all = lines(file);
        if (all.length < 40) continue;
        const cut = Math.floor(all.length / 2);
        fs.writeFileSync(file, all.slice(0, cut).join('\n') + '\n');
        halves.push({ file, rest: all.slice(cut) });
      }
    }
    expect(halves.length).toBeGreaterThanOrEqual(3);
    const store = openSqliteStore(path.join(tmp('db'), 'c.db'));
    const none: Filters = { since: null, until: null, project: null };
    try {
      const check = async (tz = 'UTC', filters = none) => {
        const inc = await incremental(store, projects, tz, filters);
        const want = await direct(projects, tz, filters);
        expect(inc.report).toEqual(want);
        return inc;
      };
      const first = await check();
      expect(first.recomputed).toBe(first.sessions);
      expect(first.report.totals.requests).toBeGreaterThan(100);

      // nothing changed: every part is reused
      expect((await check()).recomputed).toBe(0);

      // the second half of one session: only that session is analysed again
      fs.appendFileSync(halves[0]!.file, halves[0]!.rest.join('\n') + '\n');
      const one = await check();
      expect(one.recomputed).toBe(1);
      expect(one.report.totals.requests).toBeGreaterThan(first.report.totals.requests);

      // two more sessions grow, one of them in a half-written last line finished by the next append
      const [a, b] = [halves[1]!, halves[2]!];
      const tail = b.rest.join('\n') + '\n';
      fs.appendFileSync(a.file, a.rest.join('\n') + '\n');
      fs.appendFileSync(b.file, tail.slice(0, tail.length - 100));
      expect((await check()).recomputed).toBe(2);
      fs.appendFileSync(b.file, tail.slice(tail.length - 100));
      const grown = await check();
      expect(grown.recomputed).toBe(1);

      // a response seen again, earlier, in another session: it moves, and both sessions are recomputed.
      // (its copy reads what the session's first request read, a start level already known, so the
      // start levels stay as they were; with equal output the earlier line's tokens count)
      const usage = lines(halves[0]!.file).map((l) => JSON.parse(l)).filter((o) => o.type === 'assistant' && o.message?.usage && o.requestId && !o.isSidechain);
      const level = usage[0].message.usage.cache_read_input_tokens;
      expect(level).toBeGreaterThan(0);
      const moved = usage[5];
      const newSession = 'ffff0000-0000-4000-8000-00000000feed';
      const earlier = { ...moved, sessionId: newSession, timestamp: new Date(Date.parse(moved.timestamp) - 60_000).toISOString() };
      earlier.message = { ...moved.message, usage: { ...moved.message.usage, cache_read_input_tokens: level } };
      fs.writeFileSync(path.join(projects, PROJECTS[0]!, `${newSession}.jsonl`), JSON.stringify(earlier) + '\n');
      const afterMove = await check();
      expect(afterMove.recomputed).toBe(2);
      // the same responses, one of them now in a session of its own
      expect(afterMove.report.totals.requests).toBe(grown.report.totals.requests);
      expect(afterMove.report.totals.sessions).toBe(grown.report.totals.sessions + 1);

      // a conversation starting from a read level no one started from: every session is judged again
      const fresh = { ...earlier, sessionId: 'eeee0000-0000-4000-8000-00000000beef', requestId: 'req_new_level', timestamp: '2026-05-01T10:00:00.000Z' };
      fresh.message = { ...moved.message, id: 'msg_new_level', usage: { ...moved.message.usage, cache_read_input_tokens: 987_654 } };
      fs.writeFileSync(path.join(projects, PROJECTS[1]!, `${fresh.sessionId}.jsonl`), JSON.stringify(fresh) + '\n');
      const all = await check();
      expect(all.recomputed).toBe(all.sessions);

      // other options keep their own parts and agree with the direct path too
      await check('America/Los_Angeles');
      await check('UTC', { since: '2025-06-01', until: null, project: 'coderabbit' });
    } finally {
      store.close();
    }
  });
});
