// The embedded store, with a real SQLite file: incremental re-runs, rewrites,
// deleted transcripts, kill -9 mid-scan, concurrent runs, migrations.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/schema.js';
import { amplifyTool, claudeHome, cliPath, haveCli, haveSharedData, repoRoot, runCli, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';

if (!haveCli) console.warn(SKIP_NO_CLI);
const d = haveCli ? describe : describe.skip;

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cachelens-store-${prefix}-`));
}

function line(id: string, ts: string, read: number, out = 10): string {
  return JSON.stringify({
    type: 'assistant', sessionId: 'aaaa1111-0000-4000-8000-000000000001', version: '2.1.62', timestamp: ts, requestId: `req_${id}`,
    message: { model: 'claude-opus-4-6', id: `msg_${id}`, content: [], usage: { input_tokens: 1, cache_creation_input_tokens: 100, cache_read_input_tokens: read, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 100 }, output_tokens: out } },
  });
}

function report(args: string[], env: NodeJS.ProcessEnv = {}): any {
  const r = runCli(['report', '--json', '--tz', 'UTC', ...args], { env });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const TOKENS = ['requests', 'apiErrors', 'inputTokens', 'outputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens'] as const;
const tokens = (t: any) => Object.fromEntries(TOKENS.map((k) => [k, t[k]]));

d('embedded store', () => {
  it('re-reads only appended bytes, and only changed files', () => {
    const home = tmp('append');
    const db = path.join(tmp('db'), 'c.db');
    const f = path.join(home, 'projects', 'p', 'aaaa1111-0000-4000-8000-000000000001.jsonl');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `${line('a', '2026-03-01T10:00:00.000Z', 1000)}\n`);
    const other = path.join(home, 'projects', 'q', 'bbbb.jsonl');
    fs.mkdirSync(path.dirname(other), { recursive: true });
    fs.writeFileSync(other, `${line('b', '2026-03-01T11:00:00.000Z', 500)}\n`);
    const first = report(['--dir', home, '--db', db]);
    expect(first.totals.requests).toBe(2);
    expect(first.store).toMatchObject({ filesRead: 2, trackedFiles: 2, requests: 2 });
    const again = report(['--dir', home, '--db', db]);
    expect(again.store).toMatchObject({ filesRead: 0, bytesRead: 0 });
    expect(tokens(again.totals)).toEqual(tokens(first.totals));
    // an unchanged third run prints the cached output of the second, byte for byte
    const r2 = runCli(['report', '--json', '--tz', 'UTC', '--dir', home, '--db', db]);
    const r3 = runCli(['report', '--json', '--tz', 'UTC', '--dir', home, '--db', db]);
    expect(r3.stdout).toBe(r2.stdout);
    const appended = `${line('c', '2026-03-01T10:05:00.000Z', 1100, 40)}\n`;
    fs.appendFileSync(f, appended);
    const third = report(['--dir', home, '--db', db]);
    expect(third.store).toMatchObject({ filesRead: 1, bytesRead: Buffer.byteLength(appended) });
    expect(third.totals.requests).toBe(3);
    expect(third.totals.cacheReadTokens).toBe(1000 + 500 + 1100);
  });

  it('a streamed response split across two runs is merged, not counted twice', () => {
    const home = tmp('split');
    const db = path.join(tmp('db'), 'c.db');
    const f = path.join(home, 'projects', 'p', 's.jsonl');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `${line('x', '2026-03-01T10:00:00.000Z', 1000, 3)}\n`);
    expect(report(['--dir', home, '--db', db]).totals.outputTokens).toBe(3);
    fs.appendFileSync(f, `${line('x', '2026-03-01T10:00:02.000Z', 1000, 250)}\n`);
    const r = report(['--dir', home, '--db', db]);
    expect(tokens(r.totals)).toMatchObject({ requests: 1, outputTokens: 250, cacheReadTokens: 1000 });
  });

  it('detects a rewritten file and reads it again from the start', () => {
    const home = tmp('rewrite');
    const db = path.join(tmp('db'), 'c.db');
    const f = path.join(home, 'projects', 'p', 's.jsonl');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `${line('a', '2026-03-01T10:00:00.000Z', 1000)}\n${line('b', '2026-03-01T10:01:00.000Z', 1100)}\n`);
    report(['--dir', home, '--db', db]);
    const rewritten = `${line('z', '2026-03-02T10:00:00.000Z', 7)}\n`; // shorter, different head
    fs.writeFileSync(f, rewritten);
    const r = report(['--dir', home, '--db', db]);
    expect(r.store).toMatchObject({ filesRead: 1, bytesRead: Buffer.byteLength(rewritten) });
    // history is kept: the responses read before stay counted
    expect(r.totals.requests).toBe(3);
  });

  it('keeps history after Claude Code deletes a transcript; --since before the oldest file works', () => {
    const home = tmp('delete');
    const db = path.join(tmp('db'), 'c.db');
    const old = path.join(home, 'projects', 'p', 'old.jsonl');
    const cur = path.join(home, 'projects', 'p', 'new.jsonl');
    fs.mkdirSync(path.dirname(old), { recursive: true });
    fs.writeFileSync(old, `${line('o', '2025-12-01T10:00:00.000Z', 900)}\n`);
    fs.writeFileSync(cur, `${line('n', '2026-03-01T10:00:00.000Z', 100)}\n`);
    const before = report(['--dir', home, '--db', db]);
    fs.unlinkSync(old);
    const after = report(['--dir', home, '--db', db, '--since', '2025-11-01']);
    expect(tokens(after.totals)).toEqual(tokens(before.totals));
    expect(after.periods[0].period).toBe('2025-W49');
    // without the store only the surviving file is seen
    expect(report(['--dir', home, '--no-store']).totals.requests).toBe(1);
  });

  it('a response seen under two dirs counts in the report of each, once in all', () => {
    const db = path.join(tmp('db'), 'c.db');
    const [x, y] = [tmp('rootx'), tmp('rooty')];
    const shared = line('same', '2026-03-01T10:00:00.000Z', 700);
    for (const [dir, own] of [[x, 'onlyx'], [y, 'onlyy']] as const) {
      const f = path.join(dir, 'projects', 'p', 's.jsonl');
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, `${shared}\n${line(own, '2026-03-01T11:00:00.000Z', 50)}\n`);
    }
    expect(report(['--dir', x, '--db', db]).totals.requests).toBe(2);
    expect(report(['--dir', y, '--db', db]).totals.requests).toBe(2);
    expect(report(['--dir', x, '--db', db]).totals.requests).toBe(2);
    expect(report(['--dir', x, '--dir', y, '--db', db]).totals.requests).toBe(3);
  });

  it('import DIR backfills the store; export --jsonl dumps it', () => {
    const copy = tmp('import');
    const db = path.join(tmp('db'), 'c.db');
    const f = path.join(copy, 'projects', 'p', 'x.jsonl');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `${line('i1', '2025-10-01T10:00:00.000Z', 300)}\n${line('i2', '2025-10-01T10:02:00.000Z', 400)}\n`);
    const imp = runCli(['import', copy, '--db', db]);
    expect(imp.status, imp.stderr).toBe(0);
    expect(imp.stdout).toContain('2 new requests');
    // the default report (no --dir) includes imports: sandboxed HOME has no ~/.claude
    const r = report(['--db', db]);
    expect(r.demo).toBe(false);
    expect(r.totals.requests).toBe(2);
    const exp = runCli(['export', '--jsonl', '--db', db]);
    const rows = exp.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.filter((x) => x.type === 'request').map((x) => x.messageId).sort()).toEqual(['msg_i1', 'msg_i2']);
    expect(rows.every((x) => typeof x.machineId === 'string')).toBe(true);
  });

  it('refuses a database written by a newer cachelens, and leaves it untouched', () => {
    const db = path.join(tmp('newer'), 'c.db');
    const raw = new Database(db);
    raw.exec('CREATE TABLE future (x)');
    raw.pragma('user_version = 99');
    raw.close();
    const hash = () => crypto.createHash('sha1').update(fs.readFileSync(db)).digest('hex');
    const h = hash();
    const r = runCli(['report', '--json', '--db', db, '--dir', tmp('empty')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/newer cachelens \(schema 99/);
    expect(hash()).toBe(h);
  });

  it('migrates a schema-1 database forward and keeps its records', () => {
    const home = tmp('migrate');
    const db = path.join(tmp('db'), 'c.db');
    const f = path.join(home, 'projects', 'p', 's.jsonl');
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `${line('m', '2026-01-05T10:00:00.000Z', 4242)}\n`);
    const gone = path.join(home, 'projects', 'p', 'gone.jsonl');
    const raw = new Database(db);
    raw.exec(MIGRATIONS[0]!);
    raw.pragma('user_version = 1');
    raw.prepare(
      `INSERT INTO requests VALUES (?,'m1','msg_old','req_old',?, 'aaaa1111-0000-4000-8000-000000000001','p',NULL,NULL,'claude-opus-4-6','2.1.0',NULL,NULL,1,0,0,77,5,?,0,?,?,0)`,
    ).run('msg_old\u0000req_old', Date.parse('2026-01-04T10:00:00.000Z'), gone, Date.parse('2026-01-04T10:00:00.000Z'), gone);
    // a transcript Claude Code has deleted since: its record must survive the migration
    raw.prepare(`INSERT INTO files VALUES (?, ?, 'p', 0, 0, 0, 0, '', 0)`).run(gone, path.join(home, 'projects'));
    raw.close();
    const r = report(['--dir', home, '--db', db]);
    expect(r.totals.requests).toBe(2);
    expect(r.totals.cacheReadTokens).toBe(4242 + 77);
    const after = new Database(db, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    after.close();
  });
});

const big = haveCli && haveSharedData;
if (haveCli && !haveSharedData) console.warn(SKIP_NO_SHARED);

(big ? describe : describe.skip)('store under failure and concurrency (real transcripts)', () => {
  const expected = () => tokens(report(['--dir', claudeHome, '--no-store']).totals);

  it('kill -9 during the first scan, then a re-run, gives exactly the uninterrupted totals', async () => {
    const want = expected();
    for (const killAfterMs of [150, 400, 900]) {
      const db = path.join(tmp('kill'), 'c.db');
      const env = { ...process.env, TZ: 'UTC', NO_COLOR: '1', CACHELENS_BATCH_BYTES: String(8 << 20) };
      delete env.CLAUDE_CONFIG_DIR;
      const child = spawn(process.execPath, [cliPath, 'report', '--json', '--dir', claudeHome, '--db', db], { cwd: repoRoot, env, stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      await new Promise((r) => setTimeout(r, killAfterMs));
      child.kill('SIGKILL');
      await exited;
      const r = report(['--dir', claudeHome, '--db', db]);
      expect(tokens(r.totals), `killed after ${killAfterMs} ms`).toEqual(want);
    }
  });

  it('two runs at once neither corrupt nor double count', async () => {
    const want = expected();
    const db = path.join(tmp('concurrent'), 'c.db');
    const env = { ...process.env, TZ: 'UTC', NO_COLOR: '1', CACHELENS_BATCH_BYTES: String(16 << 20) };
    delete env.CLAUDE_CONFIG_DIR;
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, [cliPath, 'report', '--json', '--dir', claudeHome, '--db', db], { cwd: repoRoot, env });
        let out = '';
        c.stdout.on('data', (b) => (out += b));
        c.on('exit', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(tokens(JSON.parse(a.out).totals)).toEqual(want);
    expect(tokens(JSON.parse(b.out).totals)).toEqual(want);
    expect(tokens(report(['--dir', claudeHome, '--db', db]).totals)).toEqual(want);
  });

  it('an amplified copy imported beside the original doubles the totals exactly', () => {
    const dest = tmp('amp');
    spawnSync(process.execPath, [amplifyTool, claudeHome, dest, '2'], { stdio: 'ignore' });
    const db = path.join(tmp('db'), 'c.db');
    const want = expected();
    expect(runCli(['import', dest, '--db', db]).status).toBe(0);
    const r = report(['--db', db]);
    for (const k of TOKENS) expect(r.totals[k], k).toBe(2 * want[k]);
  });
});
