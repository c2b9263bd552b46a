import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';
import { skimObject, SkimError } from './skim.js';
import { scanFiles } from './index.js';
import { splitUsage } from './line.js';
import { FastDecoder } from './fast.js';

function tmpConfig(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-scan-'));
  for (const [rel, body] of Object.entries(files)) {
    const p = path.join(root, 'projects', rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body);
  }
  return root;
}

async function scanDir(root: string, workers = 0) {
  const files = discoverFiles(resolveConfigDirs({ dirs: [root] }).projectsDirs);
  return scanFiles(files, { workers });
}

interface LineOpts {
  id: string;
  req?: string | null;
  ts: string;
  out?: number;
  input?: number;
  read?: number;
  w5?: number;
  w1?: number;
  flat?: number;
  split?: boolean;
  model?: string;
  session?: string;
  sidechain?: boolean;
  agentId?: string;
  text?: string;
}

function assistant(o: LineOpts): string {
  const usage: Record<string, unknown> = {
    input_tokens: o.input ?? 3,
    cache_creation_input_tokens: o.flat ?? (o.w5 ?? 0) + (o.w1 ?? 0),
    cache_read_input_tokens: o.read ?? 0,
    output_tokens: o.out ?? 1,
  };
  if (o.split !== false) usage.cache_creation = { ephemeral_5m_input_tokens: o.w5 ?? 0, ephemeral_1h_input_tokens: o.w1 ?? 0 };
  const line: Record<string, unknown> = {
    parentUuid: null,
    isSidechain: o.sidechain ?? false,
    sessionId: o.session ?? 's1',
    version: '2.1.62',
    message: { model: o.model ?? 'claude-opus-4-6', id: o.id, type: 'message', role: 'assistant', content: [{ type: 'text', text: o.text ?? 'hi' }], usage },
    type: 'assistant',
    timestamp: o.ts,
  };
  if (o.agentId) line.agentId = o.agentId;
  if (o.req !== null) line.requestId = o.req ?? `req_${o.id}`;
  return JSON.stringify(line);
}

describe('skimObject', () => {
  it('extracts nested fields and skips strings holding quotes, braces and backslashes', () => {
    const json = '{"a":"x\\"}{\\\\","b":{"c":[1,{"d":"}"}],"e":"v"},"n":-1.5e3,"t":true,"u":null}';
    const buf = Buffer.from(json);
    const out: Record<string, unknown> = {};
    const end = skimObject(buf, 0, buf.length, { b: { e: 'str' }, n: 'num', t: 'bool', a: 'str', u: 'str' }, out);
    expect(end).toBe(buf.length);
    expect(out).toEqual({ a: 'x"}{\\', b: { e: 'v' }, n: -1500, t: true, u: null });
  });

  it('decodes escaped unicode in extracted strings', () => {
    const buf = Buffer.from('{"s":"caf\\u00e9 \\n"}');
    const out: Record<string, unknown> = {};
    skimObject(buf, 0, buf.length, { s: 'str' }, out);
    expect(out.s).toBe('café \n');
  });

  it('throws SkimError on truncated input', () => {
    const buf = Buffer.from('{"a":"unterminated');
    expect(() => skimObject(buf, 0, buf.length, { a: 'str' }, {})).toThrow(SkimError);
  });
});

describe('splitUsage (usage-accounting.md rule 8)', () => {
  it('without cache_creation every write is 5m', () => {
    expect(splitUsage({ input_tokens: 4, cache_creation_input_tokens: 3877, cache_read_input_tokens: 10215, output_tokens: 5 })).toEqual({
      input: 4, cacheWrite5m: 3877, cacheWrite1h: 0, cacheRead: 10215, output: 5,
    });
  });
  it('a flat field of 0 with a non-zero split keeps the split (2.1.152 bug)', () => {
    const u = { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 700 } };
    expect(splitUsage(u)).toMatchObject({ cacheWrite5m: 10, cacheWrite1h: 700 });
  });
  it('excess of the flat field over the split counts as 5m', () => {
    const u = { input_tokens: 0, cache_creation_input_tokens: 1000, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 600 } };
    expect(splitUsage(u)).toMatchObject({ cacheWrite5m: 400, cacheWrite1h: 600 });
  });
});

describe('scanFiles', () => {
  it('keeps the largest output of a streamed response and never sums its lines', async () => {
    const root = tmpConfig({
      'p/s1.jsonl': [
        assistant({ id: 'msg_A', ts: '2026-03-01T10:00:00.000Z', out: 9, input: 1, w1: 7473, read: 20112 }),
        '{"type":"user","message":{"role":"user","content":"x"},"timestamp":"2026-03-01T10:00:01.000Z","sessionId":"s1"}',
        assistant({ id: 'msg_A', ts: '2026-03-01T10:00:02.000Z', out: 210, input: 1, w1: 7473, read: 20112 }),
        assistant({ id: 'msg_A', ts: '2026-03-01T10:00:03.000Z', out: 9, input: 1, w1: 7473, read: 20112 }),
      ].join('\n') + '\n',
    });
    const r = await scanDir(root);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ input: 1, cacheWrite1h: 7473, cacheWrite5m: 0, cacheRead: 20112, output: 210, timestamp: Date.parse('2026-03-01T10:00:00.000Z') });
  });

  it('de-duplicates across files and across worker threads', async () => {
    const line = assistant({ id: 'msg_B', ts: '2026-03-02T10:00:00.000Z', out: 50, read: 1000 });
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`p${i % 2}/s${i}.jsonl`] = `${line}\n${assistant({ id: `msg_U${i}`, ts: '2026-03-02T11:00:00.000Z', out: i })}\n`;
    const root = tmpConfig(files);
    for (const workers of [0, 2]) {
      const r = await scanDir(root, workers);
      expect(r.requests.map((x) => x.messageId).sort()).toEqual(['msg_B', 'msg_U0', 'msg_U1', 'msg_U2', 'msg_U3', 'msg_U4', 'msg_U5']);
    }
  });

  it('counts progress-embedded sub-agent responses once and as sub-agent traffic', async () => {
    const usage = { input_tokens: 2, cache_creation_input_tokens: 12504, cache_read_input_tokens: 5306, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 12504 }, output_tokens: 2 };
    const progress = (id: string) =>
      JSON.stringify({
        type: 'progress', sessionId: 'parent', version: '2.1.38', timestamp: '2026-02-11T23:32:30.000Z',
        data: { type: 'agent_progress', agentId: 'ae34a71', message: { type: 'assistant', timestamp: '2026-02-11T23:32:29.441Z', requestId: `req_${id}`, message: { model: 'claude-opus-4-6', id, usage, content: [] } } },
      });
    const root = tmpConfig({
      'p/parent.jsonl': `${progress('msg_P1')}\n${progress('msg_P2')}\n`,
      'p/parent/subagents/agent-ae34a71.jsonl': `${assistant({ id: 'msg_P1', req: 'req_msg_P1', ts: '2026-02-11T23:32:29.441Z', out: 2, input: 2, w1: 12504, read: 5306, session: 'parent', sidechain: true, agentId: 'ae34a71' })}\n`,
    });
    const r = await scanDir(root);
    expect(r.requests).toHaveLength(2);
    for (const q of r.requests) expect(q).toMatchObject({ sessionId: 'parent', agentId: 'ae34a71', cacheWrite1h: 12504, cacheRead: 5306 });
    expect(r.requests.find((q) => q.messageId === 'msg_P2')!.timestamp).toBe(Date.parse('2026-02-11T23:32:29.441Z'));
  });

  it('separates API errors and synthetic no-response lines from requests', async () => {
    const err = JSON.stringify({ type: 'assistant', sessionId: 's', timestamp: '2026-02-21T07:20:28.395Z', message: { id: '3f10433a-cd88', model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, content: [] }, error: 'authentication_failed', isApiErrorMessage: true });
    const noResp = JSON.stringify({ type: 'assistant', sessionId: 's', timestamp: '2026-02-21T07:21:00.000Z', message: { id: 'x-1', model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 }, content: [] } });
    const root = tmpConfig({ 'p/s.jsonl': `${err}\n${err}\n${noResp}\n` });
    const r = await scanDir(root);
    expect(r.requests).toHaveLength(0);
    expect(r.apiErrors).toHaveLength(1);
    expect(r.apiErrors[0]!.error).toBe('authentication_failed');
    expect(r.stats.syntheticNoResponse).toBe(1);
  });

  it('survives bad input: non-JSON, concatenated objects, truncated last line, CRLF, empty files', async () => {
    const a = assistant({ id: 'msg_1', ts: '2026-01-19T15:46:21.800Z', out: 7, read: 100 });
    const b = assistant({ id: 'msg_2', ts: '2026-01-19T15:46:22.800Z', out: 8, read: 200 });
    const c = assistant({ id: 'msg_3', ts: '2026-01-19T15:46:23.800Z', out: 9, read: 300 });
    const root = tmpConfig({
      'p/s.jsonl': `not json at all\r\n${a}\r\n${b}{"type":"file-history-snapshot","messageId":"m"}\n{"broken": \n${c.slice(0, 80)}`,
      'p/empty.jsonl': '',
      'p/conc.jsonl': `${c}${a}\n`,
    });
    const r = await scanDir(root);
    expect(r.requests.map((x) => x.messageId).sort()).toEqual(['msg_1', 'msg_2', 'msg_3']);
    expect(r.stats.badLines).toBe(2);
    expect(r.stats.truncatedLastLines).toBe(1);
    expect(r.stats.concatenatedLines).toBe(2);
    expect(r.stats.emptyFiles).toBe(1);
  });

  it('reads lines longer than the read buffer and markers split across chunks', async () => {
    const big = assistant({ id: 'msg_big', ts: '2026-01-01T00:00:00.000Z', out: 3, read: 9, text: 'x'.repeat(9 << 20) });
    const lines = [big];
    for (let i = 0; i < 2000; i++) lines.push(assistant({ id: `msg_${i}`, ts: '2026-01-01T00:00:01.000Z', out: 1, read: 1 }));
    const root = tmpConfig({ 'p/s.jsonl': lines.join('\n') + '\n' });
    const r = await scanDir(root);
    expect(r.requests).toHaveLength(2001);
    expect(r.requests.reduce((s, x) => s + x.cacheRead, 0)).toBe(9 + 2000);
  });

  it('does not mistake marker text inside strings for structure', async () => {
    const tricky = JSON.stringify({ type: 'user', sessionId: 's', timestamp: '2026-01-01T00:00:00.000Z', message: { role: 'user', content: [{ type: 'tool_result', content: '{"type":"assistant","message":{"id":"msg_fake","usage":{"input_tokens":5}}} <command-name>/model</command-name>' }] } });
    const root = tmpConfig({ 'p/s.jsonl': `${tricky}\n` });
    const r = await scanDir(root);
    expect(r.requests).toHaveLength(0);
    expect(r.events).toHaveLength(0);
  });

  it('decodes a line for its usage only where _tokens ends a key, not where a string mentions it', async () => {
    const prose = JSON.stringify({ type: 'user', sessionId: 's1', timestamp: '2026-01-01T00:00:00.000Z', message: { role: 'user', content: [{ type: 'tool_result', content: 'totalInputTokens += usage.input_tokens;\n{"output_tokens": 5}' }] } });
    // a key of a tool result's own usage: structure, so the line is decoded (and found to be no request)
    const keyed = JSON.stringify({ type: 'user', sessionId: 's1', timestamp: '2026-01-01T00:00:01.000Z', message: { role: 'user', content: 'done' }, toolUseResult: { usage: { total_tokens: 7 } } });
    // mentioned in its text first, then its real usage keys
    const mentioned = assistant({ id: 'msg_m', ts: '2026-01-01T00:00:02.000Z', out: 4, read: 11, text: 'input_tokens and cache_read_input_tokens, quoted: "output_tokens"' });
    const plain = assistant({ id: 'msg_p', ts: '2026-01-01T00:00:03.000Z', out: 2, read: 5 });
    const root = tmpConfig({ 'p/s1.jsonl': [prose, keyed, mentioned, plain].join('\n') + '\n' });
    const decode = vi.spyOn(FastDecoder.prototype, 'decode');
    try {
      const r = await scanDir(root);
      expect(decode).toHaveBeenCalledTimes(3);
      expect(r.requests.map((x) => [x.messageId, x.output, x.cacheRead])).toEqual([
        ['msg_m', 4, 11],
        ['msg_p', 2, 5],
      ]);
      expect(r.stats.badLines).toBe(0);
    } finally {
      decode.mockRestore();
    }
  });

  it('reports conversation events: compaction, commands, session starts', async () => {
    const root = tmpConfig({
      'p/s.jsonl': [
        JSON.stringify({ type: 'user', sessionId: 's', timestamp: '2026-01-01T00:00:00.000Z', message: { role: 'user', content: '<command-name>/model</command-name>\n<command-message>model</command-message>' } }),
        JSON.stringify({ parentUuid: null, type: 'system', subtype: 'compact_boundary', sessionId: 's', timestamp: '2026-01-01T00:01:00.000Z', compactMetadata: { trigger: 'auto', preTokens: 167332 } }),
        JSON.stringify({ type: 'user', isCompactSummary: true, sessionId: 's', timestamp: '2026-01-01T00:01:00.000Z', message: { role: 'user', content: 'This session is being continued' } }),
        JSON.stringify({ type: 'progress', sessionId: 's', timestamp: '2026-01-01T00:02:00.000Z', data: { type: 'hook_progress', hookEvent: 'SessionStart', hookName: 'SessionStart:resume', command: 'x' } }),
        JSON.stringify({ type: 'attachment', sessionId: 's', timestamp: '2026-01-01T00:03:00.000Z', attachment: { type: 'hook_success', hookName: 'SessionStart:startup', hookEvent: 'SessionStart' } }),
      ].join('\n'),
    });
    const r = await scanDir(root);
    expect(r.events.map((e) => [e.kind, e.detail])).toEqual([
      ['command', '/model'],
      ['compact-boundary', 'auto'],
      ['compact-summary', null],
      ['session-start', 'resume'],
      ['session-start', 'startup'],
    ]);
  });
});
