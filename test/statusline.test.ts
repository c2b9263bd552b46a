import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installStatusline, statuslineSnippet } from '../src/live/install.js';
import { runStatusline } from '../src/live/statusline.js';
import { readState, statePath, statuslineDir } from '../src/live/state.js';
import { claudeHome } from './oracle/cli.js';

const DATA = path.join(claudeHome, 'projects');
// a real main-thread transcript that writes the 1h cache
const REAL = path.join(DATA, '-experiments-worktrees', 'ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl');
const haveReal = fs.existsSync(REAL);
if (!haveReal) console.warn(`statusline tests: ${REAL} is absent, the real-transcript tests are skipped`);

const env = { ...process.env, NO_COLOR: '1' } as NodeJS.ProcessEnv;
delete env.COLUMNS;
let n = 0;
function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-statusline-'));
}

function usageLine(o: { id: string; ts: string; read: number; w1h?: number; w5m?: number; model?: string }): string {
  const w1h = o.w1h ?? 0;
  const w5m = o.w5m ?? 0;
  return JSON.stringify({
    type: 'assistant',
    sessionId: 's',
    timestamp: o.ts,
    requestId: `req_${o.id}`,
    message: {
      id: `msg_${o.id}`,
      type: 'message',
      role: 'assistant',
      model: o.model ?? 'claude-opus-4-6',
      content: [{ type: 'text', text: 'ok' }],
      usage: {
        input_tokens: 3,
        cache_creation_input_tokens: w1h + w5m,
        cache_read_input_tokens: o.read,
        output_tokens: 10,
        cache_creation: { ephemeral_5m_input_tokens: w5m, ephemeral_1h_input_tokens: w1h },
      },
    },
  });
}

function stdin(transcript: string, sessionId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    session_id: sessionId,
    transcript_path: transcript,
    cwd: '/x',
    model: { id: 'claude-opus-4-6', display_name: 'Opus' },
    workspace: { current_dir: '/x', project_dir: '/x' },
    version: '2.1.90',
    cost: { total_cost_usd: 0.5 },
    ...extra,
  });
}

describe('statusline: synthetic transcripts', () => {
  const t0 = Date.parse('2026-01-01T10:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();

  function session(lines: string[]): { file: string; sid: string } {
    const dir = tmp();
    const sid = `sess-${++n}`;
    const file = path.join(dir, `${sid}.jsonl`);
    fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    return { file, sid };
  }

  it('old stdin shape (no context_window, hook_event_name) works; warm vs cold via now', async () => {
    const { file, sid } = session([usageLine({ id: 'a', ts: iso(t0), read: 0, w1h: 40_000 }), usageLine({ id: 'b', ts: iso(t0 + 60_000), read: 40_000, w1h: 1_200 })]);
    const old = JSON.stringify({ hook_event_name: 'Status', session_id: sid, transcript_path: file, model: { id: 'claude-opus-4-6', display_name: 'Opus' } });
    const warm = await runStatusline(old, { env, now: t0 + 60_000 + 5 * 60_000 + 48_000 });
    expect(warm).toMatch(/^Opus 4\.6 \| cache \d+% \| last \+1\.2k write 40k read \| \$\d+\.\d\d session \| warm 54:12 \(1h\) \| no rebuilds$/);
    const cold = await runStatusline(old, { env, now: t0 + 60_000 + 2 * 3600_000 });
    // 41.2k at the 1h write price of Opus 4.6 ($10/MTok)
    expect(cold).toContain('cold — next turn re-writes ~41k ($0.41)');
  });

  it('new stdin shape with prompt_cache: uses last_miss_cause and persists the object', async () => {
    const { file, sid } = session([
      usageLine({ id: 'a', ts: iso(t0), read: 0, w5m: 30_000 }),
      usageLine({ id: 'b', ts: iso(t0 + 20 * 60_000), read: 0, w5m: 31_000 }),
    ]);
    const pc = { hit_ratio: 0.5, last_miss_cause: 'ttl_expired' };
    const line = await runStatusline(stdin(file, sid, { context_window: { total_input_tokens: 31003 }, prompt_cache: pc }), { env, now: t0 + 20 * 60_000 + 1000 });
    expect(line).toContain('1 rebuild (ttl_expired)');
    expect(line).toContain('warm 4:59 (5m)');
    const rows = fs.readFileSync(path.join(statuslineDir(env), 'prompt-cache.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.at(-1)).toMatchObject({ session_id: sid, prompt_cache: pc });
    // the same object again is not appended twice
    await runStatusline(stdin(file, sid, { prompt_cache: pc }), { env, now: t0 + 20 * 60_000 + 2000 });
    expect(fs.readFileSync(path.join(statuslineDir(env), 'prompt-cache.jsonl'), 'utf8').trim().split('\n').length).toBe(rows.length);
    // without Claude Code's cause, the in-slice rule says ttl
    const own = await runStatusline(stdin(file, sid), { env, now: t0 + 20 * 60_000 + 1000 });
    expect(own).toContain('1 rebuild (ttl)');
  });

  it('busy while a tool result is newer than the last response', async () => {
    const tool = JSON.stringify({ type: 'user', timestamp: iso(t0 + 5000), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'ok' }] } });
    const { file, sid } = session([usageLine({ id: 'a', ts: iso(t0), read: 0, w5m: 30_000 }), tool]);
    expect(await runStatusline(stdin(file, sid), { env, now: t0 + 10_000 })).toContain('| busy |');
  });

  it('bad stdin, missing transcript, unknown model: a short line, no throw', async () => {
    expect(await runStatusline('', { env })).toBe('cachelens: no status JSON on stdin');
    expect(await runStatusline('{not json', { env })).toBe('cachelens: no status JSON on stdin');
    expect(await runStatusline(stdin('/nonexistent/x.jsonl', 'zz'), { env })).toBe('Opus 4.6 | cachelens: transcript not found');
    const { file, sid } = session([usageLine({ id: 'a', ts: iso(t0), read: 0, w5m: 30_000, model: 'claude-mystery-9' })]);
    const line = await runStatusline(JSON.stringify({ session_id: sid, transcript_path: file, model: { id: 'claude-mystery-9', display_name: 'Mystery' } }), { env, now: t0 });
    expect(line).toContain('Mystery (unknown model claude-mystery-9)');
    expect(line).toContain('no prices for claude-mystery-9 session');
  });

  it('--format, unknown placeholders kept, COLUMNS truncation, colours unless NO_COLOR', async () => {
    const { file, sid } = session([usageLine({ id: 'a', ts: iso(t0), read: 0, w5m: 30_000 })]);
    expect(await runStatusline(stdin(file, sid), { env, now: t0, format: '{model} {hit} {nope}' })).toBe('Opus 4.6 0% {nope}');
    const narrow = await runStatusline(stdin(file, sid), { env: { ...env, COLUMNS: '12' }, now: t0 });
    expect(narrow).toBe('Opus 4.6 | …');
    const coloured = await runStatusline(stdin(file, sid), { env: { ...env, NO_COLOR: '' }, now: t0 });
    expect(coloured).toContain('\u001b[32mwarm 5:00 (5m)\u001b[0m');
  });

  it('config.json sets the format and colours; --format wins; a bad config is said in the line', async () => {
    const { file, sid } = session([usageLine({ id: 'a', ts: iso(t0), read: 0, w5m: 30_000 })]);
    const configHome = tmp();
    const e = { ...env, NO_COLOR: '', XDG_CONFIG_HOME: configHome };
    fs.mkdirSync(path.join(configHome, 'cachelens'));
    const config = path.join(configHome, 'cachelens', 'config.json');
    fs.writeFileSync(config, JSON.stringify({ statusline: { format: '{ttl} · {hit}', color: false } }));
    expect(await runStatusline(stdin(file, sid), { env: e, now: t0 })).toBe('warm 5:00 (5m) · 0%');
    expect(await runStatusline(stdin(file, sid), { env: e, now: t0, format: '{model}' })).toBe('Opus 4.6');
    fs.writeFileSync(config, '{"statusline": ');
    expect(await runStatusline(stdin(file, sid), { env: e, now: t0, format: '{model}' })).toBe(`Opus 4.6 | cachelens: ${config} is not valid JSON`);
  });

  it('state file corrupt or transcript shrunk: rescans from 0', async () => {
    const { file, sid } = session([usageLine({ id: 'a', ts: iso(t0), read: 0, w5m: 30_000 }), usageLine({ id: 'b', ts: iso(t0 + 1000), read: 30_000, w5m: 100 })]);
    await runStatusline(stdin(file, sid), { env, now: t0 });
    fs.writeFileSync(statePath(env, sid), '{oops');
    await runStatusline(stdin(file, sid), { env, now: t0 });
    expect(readState(statePath(env, sid))?.requests).toBe(2);
    fs.writeFileSync(file, `${usageLine({ id: 'c', ts: iso(t0), read: 0, w5m: 500 })}\n`);
    await runStatusline(stdin(file, sid), { env, now: t0 });
    expect(readState(statePath(env, sid))?.requests).toBe(1);
  });
});

describe.skipIf(!haveReal)('statusline: real transcript growing between calls', () => {
  it('reads only the appended bytes and keeps totals equal to a full read', async () => {
    const lines = fs.readFileSync(REAL, 'utf8').split('\n').filter((l) => l !== '');
    const half = Math.floor(lines.length / 2);
    const dir = tmp();
    const file = path.join(dir, 'grow.jsonl');
    fs.writeFileSync(file, lines.slice(0, half).map((l) => `${l}\n`).join(''));
    const sid = `grow-${++n}`;
    const first = await runStatusline(stdin(file, sid), { env, now: Date.now() });
    expect(first).toMatch(/^Opus 4\.6 \| cache \d+% \|/);
    const s1 = readState(statePath(env, sid))!;
    expect(s1.offset).toBe(fs.statSync(file).size);
    expect(s1.requests).toBeGreaterThan(0);
    fs.appendFileSync(file, lines.slice(half).map((l) => `${l}\n`).join(''));
    await runStatusline(stdin(file, sid), { env, now: Date.now() });
    const s2 = readState(statePath(env, sid))!;
    expect(s2.offset).toBe(fs.statSync(file).size);
    expect(s2.requests).toBeGreaterThan(s1.requests);
    // the same transcript read in one go under another session id gives the same totals
    await runStatusline(stdin(file, `${sid}-full`), { env, now: Date.now() });
    const full = readState(statePath(env, `${sid}-full`))!;
    expect(s2.requests).toBe(full.requests);
    expect(s2.read).toBe(full.read);
    expect(s2.write).toBe(full.write);
    expect(s2.costUSD).toBeCloseTo(full.costUSD, 9);
    expect(s2.lastWrite?.w1h ?? 0).toBeGreaterThanOrEqual(0);
  });
});

describe.skipIf(!haveReal)('statusline: a real session with sub-agents', () => {
  it('session cost and hit rate include the sub-agent transcripts beside the session', async () => {
    // hand-checked with `cachelens session ef958aa1 --json` (the full accounting path): 17 main + 66 sub-agent
    // requests in 6 sub-agent files; cost $5.451317; reads 2,455,695 of 2,856,814 input tokens = 85.96%
    const cacheHome = tmp();
    const e = { ...env, XDG_CACHE_HOME: cacheHome };
    const stdin = JSON.stringify({ session_id: 'ef958aa1-0e93-49f0-bb71-150f63befcd1', transcript_path: REAL, model: { id: 'claude-opus-4-7' } });
    const line = await runStatusline(stdin, { env: e, format: '{cost} | {hit} | {agents}' });
    expect(line).toBe('$5.45 | 85% | 6 sub-agents $3.49');
    // a second call reads nothing new and says the same
    expect(await runStatusline(stdin, { env: e, format: '{cost} | {hit} | {agents}' })).toBe(line);
    const state = readState(statePath(e, 'ef958aa1-0e93-49f0-bb71-150f63befcd1'))!;
    expect(state.requests).toBe(17);
    expect(Object.values(state.agents ?? {}).reduce((n, a) => n + a.requests, 0)).toBe(66);
  });
});

describe('install-statusline', () => {
  it('prints the snippet without writing', () => {
    const dir = tmp();
    const settings = path.join(dir, 'settings.json');
    expect(statuslineSnippet()).toEqual({ statusLine: { type: 'command', command: 'cachelens statusline' } });
    expect(installStatusline(settings, false)).toContain('"command": "cachelens statusline"');
    expect(fs.existsSync(settings)).toBe(false);
  });

  it('write keeps other keys and makes a backup', () => {
    const dir = tmp();
    const settings = path.join(dir, 'settings.json');
    const before = { model: 'opus', permissions: { allow: ['Bash(ls)'] }, statusLine: { type: 'command', command: 'old.sh' } };
    fs.writeFileSync(settings, JSON.stringify(before));
    const msg = installStatusline(settings, true);
    expect(msg).toContain('Backup:');
    const after = JSON.parse(fs.readFileSync(settings, 'utf8'));
    expect(after).toEqual({ ...before, statusLine: { type: 'command', command: 'cachelens statusline' } });
    const backups = fs.readdirSync(dir).filter((f) => f.startsWith('settings.json.bak-'));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(dir, backups[0]!), 'utf8'))).toEqual(before);
    expect(installStatusline(settings, true)).toContain('nothing to do');
  });

  it('refuses politely when settings.json is not valid JSON', () => {
    const dir = tmp();
    const settings = path.join(dir, 'settings.json');
    fs.writeFileSync(settings, '{ "model": "opus", }');
    expect(installStatusline(settings, true)).toContain('not valid JSON');
    expect(fs.readFileSync(settings, 'utf8')).toBe('{ "model": "opus", }');
    expect(fs.readdirSync(dir)).toEqual(['settings.json']);
  });
});
