// `report --from`: the overview summed on the PostgreSQL server equals the
// local report of the same records, field by field, on real transcripts.
// The one known difference is stated and checked: rebuilds that are the start
// of a sub-agent fanned out in parallel need the cross-conversation estimate
// only the local analysis makes, so the server leaves them out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeHome, haveCli, haveSharedData, runCli, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';
import { pgDatabases, pgSkipReason } from './oracle/pg.js';

const why = !haveCli ? SKIP_NO_CLI : !haveSharedData ? SKIP_NO_SHARED : await pgSkipReason();
if (why) console.warn(`skipping team overview (PostgreSQL) tests: ${why}`);
const d = why ? describe.skip : describe;
const { freshDb } = pgDatabases();

const MONEY = ['costUSD', 'noCacheCostUSD', 'wastedUSD'];

/** a equals b in every field; dollars within a micro-dollar per row summed on the server (float order) */
function same(a: Record<string, unknown>, b: Record<string, unknown>, where: string, adjust: { rebuilds: number; wastedUSD: number } = { rebuilds: 0, wastedUSD: 0 }): void {
  for (const k of Object.keys(b)) {
    if (k === 'rebuilds') expect(a[k], `${where}.${k}`).toBe((b[k] as number) - adjust.rebuilds);
    else if (MONEY.includes(k)) expect(Math.abs((a[k] as number) - ((b[k] as number) - (k === 'wastedUSD' ? adjust.wastedUSD : 0))), `${where}.${k}`).toBeLessThan(1e-5);
    else if (k !== 'hitRate') expect(a[k], `${where}.${k}`).toEqual(b[k]);
  }
}

d('team overview summed in SQL (real transcripts)', () => {
  it('report --from equals the local report of the synced store, in another time zone and with filters too', async () => {
    const url = await freshDb();
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-team-ov-')), 'c.db');
    const env = { CLAUDE_CONFIG_DIR: claudeHome };
    const json = (args: string[]) => {
      const r = runCli(args, { env, timeoutMs: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    expect(runCli(['sync', '--to', url, '--user', 'me', '--db', db], { env, timeoutMs: 120_000 }).status).toBe(0);
    for (const opts of [['--tz', 'UTC'], ['--tz', 'America/Los_Angeles', '--by', 'day'], ['--tz', 'Europe/Berlin', '--by', 'month', '--since', '2026-02-01', '--project', 'cipher']]) {
      const local = json(['report', '--json', '--db', db, ...opts]);
      const team = json(['report', '--json', '--from', url, ...opts]);
      // starts of parallel sub-agents judged as fan-out: local only
      const common = opts.filter((x, i) => x !== '--by' && opts[i - 1] !== '--by');
      const breaks = json(['breaks', '--json', '--all', '--limit', '1000000', '--db', db, ...common]);
      const fanStarts = breaks.rebuilds.filter((r: any) => r.cause === 'parallel-fanout' && r.previousMessageId === null);
      const adjustOf = (pick: (r: any) => boolean) => {
        const list = fanStarts.filter(pick);
        return { rebuilds: list.length, wastedUSD: list.reduce((s: number, r: any) => s + r.wastedUSD, 0) };
      };
      expect(team.totals.requests).toBeGreaterThan(0);
      same(team.totals, local.totals, `${opts.join(' ')} totals`, adjustOf(() => true));
      expect(team.periods.map((p: any) => p.period)).toEqual(local.periods.map((p: any) => p.period));
      expect(new Set(team.models.map((m: any) => m.model))).toEqual(new Set(local.models.map((m: any) => m.model)));
      for (const p of local.projects) same(team.projects.find((x: any) => x.project === p.project), p, `project ${p.project}`, adjustOf((r) => r.project === p.project));
      for (const m of local.models) same(team.models.find((x: any) => x.model === m.model), m, `model ${m.model}`, adjustOf((r) => r.model === m.model));
      for (const [i, p] of local.periods.entries()) {
        // periods: sessions, errors and tokens exactly (rebuild adjustments per period are not attributed here)
        for (const k of ['requests', 'sessions', 'apiErrors', 'inputTokens', 'outputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens']) expect(team.periods[i][k], `${p.period}.${k}`).toBe(p[k]);
        expect(Math.abs(team.periods[i].costUSD - p.costUSD)).toBeLessThan(1e-5);
      }
    }
  }, 300_000);
});
