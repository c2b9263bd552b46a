// `cachelens watch` under a real pseudo-terminal (util-linux `script`): the
// view follows a transcript as lines are appended, a rebuild raises an alert
// with its cause and cost, and q restores the terminal and exits 0.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, haveCli, runCli, SKIP_NO_CLI } from './oracle/cli.js';

const haveScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!haveCli) console.warn(SKIP_NO_CLI);
if (!haveScript) console.warn('skipping watch pty test: util-linux `script` not found (apt-get install util-linux)');
const d = haveCli && haveScript ? describe : describe.skip;

const SESSION = '7e57a7c4-0000-4000-8000-00000000a11e';

/** An assistant line in the transcript format (../shared/docs/transcript-format.md), Sonnet 4.5, 5-minute writes. */
function line(id: string, ts: number, read: number, write5m: number, output = 50): string {
  return JSON.stringify({
    parentUuid: null, isSidechain: false, userType: 'external', cwd: '/home/u/app', sessionId: SESSION, version: '2.1.62', gitBranch: 'main',
    type: 'assistant', uuid: `u-${id}`, timestamp: new Date(ts).toISOString(), requestId: `req_${id}`,
    message: {
      model: 'claude-sonnet-4-5-20250929', id: `msg_${id}`, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }],
      usage: { input_tokens: 3, cache_creation_input_tokens: write5m, cache_read_input_tokens: read, cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: 0 }, output_tokens: output, service_tier: 'standard' },
    },
  });
}

const strip = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

d('watch', () => {
  it('follows an appended transcript, alerts on a rebuild with cause and cost, and quits on q', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-watch-'));
    const file = path.join(home, 'projects', '-home-u-app', `${SESSION}.jsonl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const now = Date.now();
    fs.writeFileSync(file, `${line('a', now - 9 * 60_000, 0, 100_000)}\n${line('b', now - 8 * 60_000, 100_000, 2_000)}\n`);
    const cmd = `'${process.execPath}' '${cliPath}' watch --dir '${home}' --interval 0.2`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, TZ: 'UTC', COLUMNS: '150', LINES: '40', NO_COLOR: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (what: string, ms = 15_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!strip(out).includes(what)) {
        if (Date.now() > end) throw new Error(`watch never showed ${JSON.stringify(what)}; last output:\n${strip(out).slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until('1 active session');
      await until('2 req');
      // the history raises no alert; the cache went cold 3 minutes ago (5m TTL from the last request)
      expect(strip(out)).not.toContain('cache rebuild');
      expect(strip(out)).toMatch(/cold \(5m TTL ran out \d+m ago; next turn re-writes ~102k\)/);

      // the user comes back after 8 minutes: the prefix is written again
      fs.appendFileSync(file, `${line('c', Date.now(), 0, 102_000)}\n`);
      await until('3 req');
      // 102,000 tokens x ($3.75 - $0.30) per million = $0.35
      await until('cache rebuild (ttl-expired) re-wrote 102k tokens, +$0.35 over a cache read');
      await until('warm 4:');

      child.stdin.write('q');
      expect(await exited).toBe(0);
      // the terminal is given back: cursor shown, alternate screen left
      expect(out).toContain('\u001b[?25h\u001b[?1049l');
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 40_000);

  it('--once prints one frame without terminal control, filtered by project', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-watch-once-'));
    try {
      const file = path.join(home, 'projects', '-home-u-app', `${SESSION}.jsonl`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${line('a', Date.now() - 60_000, 0, 50_000)}\n`);
      const r = runCli(['watch', '--once', '--dir', home], { env: { TZ: 'UTC' } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('\u001b[');
      expect(r.stdout).toContain('1 active session');
      expect(r.stdout).toMatch(/warm [34]:\d\d \(5m\)/);
      const none = runCli(['watch', '--once', '--dir', home, '--project', 'nothing-like-it'], { env: { TZ: 'UTC' } });
      expect(none.stdout).toContain('0 active sessions');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
