// Claude Code's own cache verdict: the status line keeps each new `prompt_cache`
// object, the store takes them in (and keeps them after the cache dir is gone),
// and `breaks` shows `last_miss_cause` beside its own cause.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseCcReports } from '../src/store/cc-reports.js';
import { cliPath, haveCli, runCli, SKIP_NO_CLI } from './oracle/cli.js';

if (!haveCli) console.warn(SKIP_NO_CLI);
const d = haveCli ? describe : describe.skip;
const SESSION = 'cc0ffee0-0000-4000-8000-0000000000cc';

function line(id: string, ts: number, read: number, write5m: number): string {
  return JSON.stringify({
    type: 'assistant', sessionId: SESSION, version: '2.1.262', cwd: '/home/u/app', timestamp: new Date(ts).toISOString(), requestId: `req_${id}`,
    message: { model: 'claude-opus-4-6', id: `msg_${id}`, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 3, cache_creation_input_tokens: write5m, cache_read_input_tokens: read, cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: 0 }, output_tokens: 20 } },
  });
}

describe('prompt-cache.jsonl parsing', () => {
  it('keeps well-formed reports and skips anything else', () => {
    const text = [
      JSON.stringify({ time: '2026-11-01T10:00:00.000Z', session_id: 's', prompt_cache: { last_miss_cause: 'ttl_expired' } }),
      '{"time": "2026-11-01T10:00:01.000Z", "session_id": "s", "prompt_cache": [1]}',
      '{"time": "not a time", "session_id": "s", "prompt_cache": {}}',
      'garbage',
      '',
    ].join('\n');
    expect(parseCcReports(text)).toEqual([{ sessionId: 's', timestamp: Date.parse('2026-11-01T10:00:00.000Z'), promptCache: { last_miss_cause: 'ttl_expired' } }]);
  });
});

d('Claude Code verdict beside ours', () => {
  it('statusline keeps prompt_cache; the store takes it in and keeps it; breaks shows it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-cc-'));
    try {
      const home = path.join(root, 'home');
      const transcript = path.join(home, 'projects', '-home-u-app', `${SESSION}.jsonl`);
      fs.mkdirSync(path.dirname(transcript), { recursive: true });
      const now = Date.now();
      // 100k written, then after 8 idle minutes (5m TTL) written again: a ttl-expired rebuild 2 minutes ago
      fs.writeFileSync(transcript, `${line('a', now - 10 * 60_000, 0, 100_000)}\n${line('b', now - 2 * 60_000, 0, 101_000)}\n`);
      const env = { XDG_CACHE_HOME: path.join(root, 'cache'), TZ: 'UTC' };
      const stdin = JSON.stringify({ session_id: SESSION, transcript_path: transcript, model: { id: 'claude-opus-4-6' }, prompt_cache: { hit_ratio: 0, miss_count: 1, last_miss_cause: 'ttl_expired' } });
      const sl = spawnSync(process.execPath, [cliPath, 'statusline'], { input: stdin, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } });
      expect(sl.status).toBe(0);
      expect(sl.stdout).toContain('1 rebuild (ttl_expired)');

      const db = path.join(root, 'c.db');
      const breaks = (extra: string[]) => {
        const r = runCli(['breaks', '--json', '--dir', home, ...extra], { env });
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout);
      };
      for (const extra of [['--db', db], ['--no-store']]) {
        const b = breaks(extra);
        expect(b.rebuilds).toHaveLength(1);
        expect(b.rebuilds[0]).toMatchObject({ cause: 'ttl-expired', claudeCode: { lastMissCause: 'ttl_expired' } });
      }
      // the status line's log goes away (a cleaned cache dir): the store still has the verdict, once
      fs.rmSync(path.join(root, 'cache'), { recursive: true, force: true });
      expect(breaks(['--db', db]).rebuilds[0].claudeCode.lastMissCause).toBe('ttl_expired');
      const raw = new Database(db, { readonly: true });
      expect((raw.prepare('SELECT count(*) AS n FROM cc_cache_reports').get() as { n: number }).n).toBe(1);
      raw.close();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
