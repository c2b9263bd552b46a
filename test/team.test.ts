// The team store against a real PostgreSQL server (CACHELENS_TEST_PG_URL,
// started by .ci/run): two machines' stores synced into one database give the
// sum of their local reports; syncing twice changes nothing; a sync
// interrupted midway (a thrown error, or kill -9) and re-run converges.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPricing } from '../src/pricing/index.js';
import { loadFromPg, openPgStore, syncToPg, type PgStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { runSync, teamTotals } from '../src/cli/team.js';
import { claudeHome, haveCli, haveSharedData, repoRoot, runCli, SKIP_NO_CLI } from './oracle/cli.js';
import { pgDatabases, pgSkipReason } from './oracle/pg.js';

const why = haveCli ? await pgSkipReason() : SKIP_NO_CLI;
if (why) console.warn(`skipping team (PostgreSQL) tests: ${why}`);
const d = why ? describe.skip : describe;
const { freshDb } = pgDatabases();

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cachelens-team-${prefix}-`));
}

/** A small hand-made config dir: `sessions` sessions of `n` responses, each written as two lines, plus an API error. */
function writeTree(dir: string, seed: string, sessions: number, n: number): void {
  for (let s = 0; s < sessions; s++) {
    const sid = `${seed}${String(s).padStart(4, '0')}-0000-4000-8000-000000000000`;
    const f = path.join(dir, 'projects', `-home-${seed}-proj${s % 3}`, `${sid}.jsonl`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const ts = new Date(Date.UTC(2026, 2, 1 + (i % 20), 8, s, i % 60)).toISOString();
      const id = `${seed}_${s}_${i}`;
      const usage = (out: number) => ({
        input_tokens: 3 + i, cache_creation_input_tokens: 200 + s, cache_read_input_tokens: i % 7 === 0 ? 0 : 150_000 + 60_000 * (i % 3), output_tokens: out,
        cache_creation: { ephemeral_5m_input_tokens: i % 2 ? 200 + s : 0, ephemeral_1h_input_tokens: i % 2 ? 0 : 200 + s },
      });
      const model = i % 5 === 0 ? 'claude-sonnet-4-5-20250929' : 'claude-opus-4-6';
      for (const out of [1, 40 + i]) {
        lines.push(JSON.stringify({ type: 'assistant', sessionId: sid, version: '2.1.62', timestamp: ts, requestId: `req_${id}`, cwd: `/home/${seed}`, message: { model, id: `msg_${id}`, content: [{ type: 'text', text: 'SECRET PROMPT TEXT' }], usage: usage(out) } }));
      }
    }
    lines.push(JSON.stringify({ type: 'assistant', sessionId: sid, timestamp: '2026-03-02T09:00:00.000Z', isApiErrorMessage: true, error: 'rate_limit', message: { model: '<synthetic>', id: `err_${seed}_${s}`, content: [{ type: 'text', text: 'API Error' }], usage: { input_tokens: 0, output_tokens: 0 } } }));
    fs.writeFileSync(f, lines.join('\n') + '\n');
  }
}

const TOKENS = ['requests', 'apiErrors', 'inputTokens', 'outputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens'] as const;
type Tok = Record<(typeof TOKENS)[number], number>;
const tokens = (t: any): Tok => Object.fromEntries(TOKENS.map((k) => [k, t[k]])) as Tok;
const add = (a: Tok, b: Tok): Tok => Object.fromEntries(TOKENS.map((k) => [k, a[k] + b[k]])) as Tok;

/** Builds a local store from a tree with the CLI; returns the store file and its local report. */
function buildStore(tree: string): { db: string; report: any } {
  const db = path.join(tmp('db'), 'c.db');
  const r = runCli(['report', '--json', '--tz', 'UTC', '--dir', tree, '--db', db], { timeoutMs: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  return { db, report: JSON.parse(r.stdout) };
}

/** Everything in the team tables, as counts, sums and a hash of every row (machine order). */
async function snapshot(s: PgStore): Promise<Record<string, unknown>> {
  const q = async (sql: string) => (await s.client.query(sql)).rows[0];
  return {
    requests: await q(`SELECT count(*) AS n, sum(input) AS i, sum(write_5m) AS w5, sum(write_1h) AS w1, sum(cache_read) AS r, sum(output) AS o,
                       md5(string_agg(t::text, '|' ORDER BY machine_id, message_id, request_id)) AS h FROM team_requests t`),
    apiErrors: await q(`SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY machine_id, key)) AS h FROM team_api_errors t`),
    events: await q(`SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY machine_id, file, line_offset, kind)) AS h FROM team_events t`),
  };
}

async function sync(db: string, url: string, user: string, opts: Parameters<typeof syncToPg>[2] = {}) {
  const local = openSqliteStore(db);
  const s = await openPgStore(url);
  try {
    return await syncToPg(local, s, { user, ...opts });
  } finally {
    local.close();
    await s.close();
  }
}

async function withPg<T>(url: string, f: (s: PgStore) => Promise<T>): Promise<T> {
  const s = await openPgStore(url);
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

/** Team totals three ways (records read back, SQL GROUP BY per user, per machine) against the local reports. */
async function checkSum(url: string, locals: { user: string; machine: string; report: any }[]): Promise<void> {
  const expected = locals.map((l) => tokens(l.report.totals)).reduce(add);
  const data = await withPg(url, (s) => loadFromPg(s));
  const back: Tok = { requests: data.requests.length, apiErrors: data.apiErrors.length, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
  for (const r of data.requests) {
    back.inputTokens += r.input;
    back.outputTokens += r.output;
    back.cacheWrite5mTokens += r.cacheWrite5m;
    back.cacheWrite1hTokens += r.cacheWrite1h;
    back.cacheReadTokens += r.cacheRead;
  }
  expect(back).toEqual(expected);
  const pricing = loadPricing();
  for (const by of ['user', 'machine'] as const) {
    const rows = await teamTotals(url, by, pricing);
    expect(rows.length).toBe(locals.length);
    for (const l of locals) {
      const row = rows.find((r) => r.key === (by === 'user' ? l.user : l.machine));
      expect(row, `${by} ${l.user}`).toBeDefined();
      expect(tokens(row!.totals)).toEqual(tokens(l.report.totals));
      expect(row!.totals.sessions).toBe(l.report.totals.sessions);
      // priced client-side from the server's sums per model, day and tier: equal to the local report's cost
      expect(Math.abs(row!.totals.costUSD - l.report.totals.costUSD)).toBeLessThan(1e-4 + 1e-9 * l.report.totals.costUSD);
      expect(Math.abs(row!.totals.noCacheCostUSD - l.report.totals.noCacheCostUSD)).toBeLessThan(1e-4 + 1e-9 * l.report.totals.noCacheCostUSD);
    }
  }
}

d('team store (PostgreSQL)', () => {
  it('two machines synced into one database give the sum of their local reports; a second sync changes nothing', async () => {
    const ta = tmp('a');
    const tb = tmp('b');
    writeTree(ta, 'aaaa', 4, 30);
    writeTree(tb, 'bbbb', 3, 25);
    const a = buildStore(ta);
    const b = buildStore(tb);
    const url = await freshDb();
    const ra = await sync(a.db, url, 'alice');
    const rb = await sync(b.db, url, 'bob');
    expect(ra.machineId).not.toBe(rb.machineId);
    expect(ra.requests).toBe(a.report.totals.requests);
    await checkSum(url, [
      { user: 'alice', machine: ra.machineId, report: a.report },
      { user: 'bob', machine: rb.machineId, report: b.report },
    ]);
    const before = await withPg(url, snapshot);
    await sync(a.db, url, 'alice');
    await sync(b.db, url, 'bob');
    expect(await withPg(url, snapshot)).toEqual(before);
    // only numbers and metadata travel: the transcripts' text is nowhere in the database
    const dump = await withPg(url, async (s) => {
      const parts: string[] = [];
      for (const t of ['team_requests', 'team_api_errors', 'team_events', 'team_machines']) {
        parts.push(JSON.stringify((await s.client.query(`SELECT * FROM ${t}`)).rows));
      }
      return parts.join('\n');
    });
    expect(dump).not.toContain('SECRET PROMPT TEXT');
    expect(dump).not.toContain('API Error');
    const cols = await withPg(url, async (s) => (await s.client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'team_requests'`)).rows.map((r) => r.column_name as string).sort());
    expect(cols).toEqual(['agent_id', 'cache_read', 'cwd', 'file', 'inference_geo', 'input', 'line_offset', 'machine_id', 'message_id', 'model', 'output', 'project', 'request_id', 'session_id', 'speed', 'tok_file', 'tok_offset', 'tok_ts', 'ts', 'user_label', 'version', 'write_1h', 'write_5m']);
  });

  it('appended transcripts sync as updates: the team totals follow the local report', async () => {
    const ta = tmp('grow');
    writeTree(ta, 'cccc', 2, 10);
    const a = buildStore(ta);
    const url = await freshDb();
    const r = await sync(a.db, url, 'carol');
    // the same responses again with larger outputs (a later line wins the tokens), and new ones
    const f = fs.readdirSync(path.join(ta, 'projects'), { recursive: true }).map(String).find((p) => p.endsWith('.jsonl'))!;
    const file = path.join(ta, 'projects', f);
    const first = fs.readFileSync(file, 'utf8').split('\n')[1]!;
    fs.appendFileSync(file, first.replace(/"output_tokens":\d+/, '"output_tokens":9999') + '\n');
    const r2 = runCli(['report', '--json', '--tz', 'UTC', '--dir', ta, '--db', a.db]);
    expect(r2.status, r2.stderr).toBe(0);
    const grown = { report: JSON.parse(r2.stdout) };
    expect(grown.report.totals.outputTokens).toBeGreaterThan(a.report.totals.outputTokens);
    await sync(a.db, url, 'carol');
    await checkSum(url, [{ user: 'carol', machine: r.machineId, report: grown.report }]);
  });

  it('a sync that fails after some batches converges when run again', async () => {
    const ta = tmp('fail');
    writeTree(ta, 'dddd', 5, 40);
    const a = buildStore(ta);
    const clean = await freshDb();
    await sync(a.db, clean, 'dave', { batchRows: 17 });
    const want = await withPg(clean, snapshot);
    const url = await freshDb();
    await expect(sync(a.db, url, 'dave', { batchRows: 17, onBatch: ({ batches }) => { if (batches === 3) throw new Error('interrupted'); } })).rejects.toThrow('interrupted');
    const partial = await withPg(url, snapshot);
    expect(Number((partial.requests as any).n)).toBe(3 * 17);
    await sync(a.db, url, 'dave', { batchRows: 17 });
    expect(await withPg(url, snapshot)).toEqual(want);
  });

  it('a sync killed with SIGKILL midway converges when run again', async () => {
    const ta = tmp('kill');
    writeTree(ta, 'eeee', 6, 50);
    const a = buildStore(ta);
    const clean = await freshDb();
    await sync(a.db, clean, 'erin', { batchRows: 20 });
    const want = await withPg(clean, snapshot);
    const url = await freshDb();
    const script = `
      import { openSqliteStore } from ${JSON.stringify(path.join(repoRoot, 'dist/store/sqlite.js'))};
      import { openPgStore, syncToPg } from ${JSON.stringify(path.join(repoRoot, 'dist/store/postgres.js'))};
      const s = await openPgStore(process.env.URL);
      await syncToPg(openSqliteStore(process.env.DB), s, { user: 'erin', batchRows: 20, onBatch: ({ batches }) => { if (batches === 4) process.kill(process.pid, 'SIGKILL'); } });
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, URL: url, DB: a.db }, encoding: 'utf8', timeout: 60_000 });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const partial = await withPg(url, snapshot);
    expect(Number((partial.requests as any).n)).toBe(4 * 20);
    await sync(a.db, url, 'erin', { batchRows: 20 });
    expect(await withPg(url, snapshot)).toEqual(want);
  });

  it('runSync prints counts and never the password', async () => {
    const ta = tmp('cli');
    writeTree(ta, 'ffff', 1, 5);
    const a = buildStore(ta);
    const url = new URL(await freshDb());
    url.password = 'hunter2-s3cret';
    const lines: string[] = [];
    await runSync({ to: url.toString(), user: 'frank', db: a.db, refresh: false }, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/synced 5 requests, 1 API errors/);
    expect(lines.join('\n')).not.toContain('hunter2-s3cret');
    // a failing connection names the server, not the password
    const bad = new URL(url.toString());
    bad.port = '1';
    const err = await runSync({ to: bad.toString(), user: 'frank', db: a.db, refresh: false }, () => {}).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).not.toContain('hunter2-s3cret');
    expect(String((err as Error).message)).toContain(':***@');
  });

  it.skipIf(!haveSharedData)('the real claude-home split in two machines sums to its two local reports (and measures sync throughput)', async () => {
    const projects = fs.readdirSync(path.join(claudeHome, 'projects')).sort();
    const ta = tmp('real-a');
    const tb = tmp('real-b');
    projects.forEach((p, i) => fs.cpSync(path.join(claudeHome, 'projects', p), path.join(i % 2 ? tb : ta, 'projects', p), { recursive: true }));
    const a = buildStore(ta);
    const b = buildStore(tb);
    const url = await freshDb();
    const ra = await sync(a.db, url, 'alice');
    const rb = await sync(b.db, url, 'bob');
    const n = ra.requests + ra.apiErrors + ra.events + rb.requests + rb.apiErrors + rb.events;
    console.log(`team sync of claude-home: ${n} records in ${ra.elapsedMs + rb.elapsedMs} ms (${Math.round((n * 1000) / (ra.elapsedMs + rb.elapsedMs))} records/s)`);
    await checkSum(url, [
      { user: 'alice', machine: ra.machineId, report: a.report },
      { user: 'bob', machine: rb.machineId, report: b.report },
    ]);
    const before = await withPg(url, snapshot);
    const t0 = Date.now();
    await sync(a.db, url, 'alice');
    await sync(b.db, url, 'bob');
    console.log(`team re-sync (nothing new): ${Date.now() - t0} ms`);
    expect(await withPg(url, snapshot)).toEqual(before);
  }, 300_000);
});

d('the CLI over the team database', () => {
  it('sync --to, then report --from (totals) and --by user / machine', async () => {
    const url = await freshDb();
    const a = tmp('cli-a');
    const b = tmp('cli-b');
    writeTree(a, 'cli-a', 2, 3);
    writeTree(b, 'cli-b', 3, 2);
    const local = [a, b].map((t) => buildStore(t));
    for (const [i, l] of local.entries()) {
      const r = runCli(['sync', '--to', url, '--user', i === 0 ? 'alice' : 'bob', '--db', l.db, '--no-refresh']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/synced \d+ requests/);
    }
    const team = JSON.parse(runCli(['report', '--json', '--from', url, '--tz', 'UTC']).stdout);
    expect(tokens(team.totals)).toEqual(add(tokens(local[0]!.report.totals), tokens(local[1]!.report.totals)));
    const byUser = JSON.parse(runCli(['report', '--json', '--from', url, '--by', 'user', '--tz', 'UTC']).stdout);
    const rows = Object.fromEntries(byUser.team.rows.map((r: any) => [r.key, tokens(r)]));
    expect(rows).toEqual({ alice: tokens(local[0]!.report.totals), bob: tokens(local[1]!.report.totals) });
    const byMachine = JSON.parse(runCli(['report', '--json', '--from', url, '--by', 'machine']).stdout);
    expect(byMachine.team.rows).toHaveLength(2);
    const noFrom = runCli(['report', '--by', 'user']);
    expect(noFrom.status).toBe(2);
    expect(noFrom.stderr).toContain('needs --from');
  });
});
