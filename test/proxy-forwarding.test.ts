// What the proxy does to traffic: nothing. Streams pass chunk by chunk,
// errors and odd requests pass as they are, a dead or silent upstream gets a
// clear 502/504; and no body text or auth header ever reaches the store or
// the logs (checked on the SQLite files' bytes and the CLI's output).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyFinding, ProxyRequestRecord } from '../src/domain/proxy.js';
import { loadPricing } from '../src/pricing/index.js';
import { captureRequest, createUsageTap, startProxy, type RunningProxy, type TapResult } from '../src/proxy/index.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.js';
import { cliPath, haveCli, runCli, SKIP_NO_CLI } from './oracle/cli.js';
import { ccBody, post, startFakeUpstream, type FakeUpstream } from './proxy-fixtures.js';

const pricing = loadPricing();
let fake: FakeUpstream;
let proxy: RunningProxy;
let store: SqliteStore;
let dir = '';
const records: { record: ProxyRequestRecord; finding: ProxyFinding | null }[] = [];
const logs: string[] = [];

function request(url: string, opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${opts.path}`, { method: opts.method, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function recorded(n: number): Promise<void> {
  for (let i = 0; i < 200 && records.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-proxy-fw-'));
  store = openSqliteStore(path.join(dir, 'c.db'));
  fake = await startFakeUpstream({ now: Date.now, pricing });
  proxy = await startProxy({ upstream: fake.url, port: 0, store: store.proxyLog, pricing, log: (l) => logs.push(l), warn: (l) => logs.push(l), onRecord: (r) => records.push(r) });
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  store?.close();
});

describe('proxy forwarding', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('passes SSE chunks on as they arrive: the client sees the first delta while the upstream is still holding the rest', async () => {
    let release!: () => void;
    fake.hold = new Promise<void>((r) => (release = r));
    fake.holdOutcome = null;
    const seen: string[] = [];
    const n = records.length;
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        res.on('data', (c: Buffer) => {
          const s = c.toString();
          seen.push(s);
          if (s.includes('"Hello"')) release(); // only a chunk passed on unbuffered can get here
        });
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(JSON.stringify(ccBody({ session: 'stream-1', turns: 1, stream: true })));
    });
    expect(fake.holdOutcome).toBe('released');
    expect(seen.join('')).toMatch(/event: message_stop/);
    await recorded(n + 1);
    expect(records[n]!.record.usage).toMatchObject({ output: 25 });
    expect(records[n]!.record.usage!.cacheWrite1h).toBeGreaterThan(0);
  });

  it('a client that leaves mid-stream: the upstream request is stopped and the request noted', async () => {
    let release!: () => void;
    fake.hold = new Promise<void>((r) => (release = r));
    fake.holdOutcome = null;
    const n = records.length;
    await new Promise<void>((resolve) => {
      const req = http.request(`${proxy.url}/v1/messages`, { method: 'POST' }, (res) => {
        res.on('data', (c: Buffer) => {
          if (c.toString().includes('"Hello"')) req.destroy();
        });
        res.on('close', () => resolve());
      });
      req.on('error', () => undefined); // our own abort
      req.end(JSON.stringify(ccBody({ session: 'leave-1', turns: 1, stream: true })));
    });
    await recorded(n + 1);
    release();
    expect(records[n]!.record.note).toMatch(/client closed the connection before the response ended/);
    expect(logs.some((l) => /cannot reach upstream|connection lost/.test(l))).toBe(false);
  });

  it('an upstream that drops mid-stream: the client sees the stream cut, the request is noted', async () => {
    const n = records.length;
    const got = await new Promise<{ complete: boolean; text: string }>((resolve) => {
      const req = http.request(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'x-fake-cut': '1' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ complete: res.complete, text }));
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify(ccBody({ session: 'cut-1', turns: 1, stream: true })));
    });
    expect(got.complete).toBe(false);
    expect(got.text).toMatch(/"Hello"/);
    await recorded(n + 1);
    expect(records[n]!.record.note).toMatch(/upstream connection lost mid-response/);
  });

  it('passes an upstream error status, headers and body through as they are', async () => {
    const n0 = records.length;
    const res = await post(proxy.url, ccBody({ session: 'err-1', turns: 1 }), { 'x-fake-status': '529' });
    expect(res.status).toBe(529);
    expect(JSON.parse(res.text)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(res.headers['request-id']).toMatch(/^req_fake_/);
    // recorded after the response, on a later turn: wait for it, or it lands in the next test's count
    await recorded(n0 + 1);
    const n = records.length;
    await post(proxy.url, ccBody({ session: 'err-1', turns: 1 }), { 'x-fake-status': '529' });
    await recorded(n + 1);
    expect(records[n]!.record).toMatchObject({ status: 529, usage: null, note: 'API error: overloaded_error' });
  });

  it('forwards a non-Messages request untouched (method, path, query, headers, body bytes) and notes it', async () => {
    const body = Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'count me' }] }));
    const n = records.length;
    const res = await request(proxy.url, {
      method: 'POST', path: '/v1/messages/count_tokens?beta=true',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'sk-ant-fw', 'anthropic-version': '2023-06-01', 'X-Custom': 'a b  c' }, body,
    });
    expect(res.status).toBe(200);
    const echo = JSON.parse(res.body.toString()).echo;
    expect(echo.method).toBe('POST');
    expect(echo.url).toBe('/v1/messages/count_tokens?beta=true');
    expect(echo.bytes).toBe(body.length);
    const h = echo.rawHeaders as string[];
    const pairs = Object.fromEntries(Array.from({ length: h.length / 2 }, (_, i) => [h[2 * i], h[2 * i + 1]]));
    expect(pairs).toMatchObject({ 'X-Api-Key': 'sk-ant-fw', 'anthropic-version': '2023-06-01', 'X-Custom': 'a b  c', 'Content-Length': String(body.length) });
    expect(pairs['Host']).toBe(new URL(fake.url).host);
    const last = fake.seen[fake.seen.length - 1]!;
    expect(last.body.equals(body)).toBe(true);
    await recorded(n + 1);
    expect(records[n]!.record).toMatchObject({ kind: 'other', path: '/v1/messages/count_tokens', status: 200, blocks: null });
    const get = await request(proxy.url, { method: 'GET', path: '/v1/models?limit=5' });
    expect(JSON.parse(get.body.toString()).echo).toMatchObject({ method: 'GET', url: '/v1/models?limit=5', bytes: 0 });
  });

  it('forwards a malformed Messages body untouched and notes it', async () => {
    const n = records.length;
    const res = await post(proxy.url, '{"model": "claude-sonnet-4-5", "messages": [', {});
    expect(res.status).toBe(400);
    expect(fake.seen[fake.seen.length - 1]!.body.toString()).toBe('{"model": "claude-sonnet-4-5", "messages": [');
    await recorded(n + 1);
    expect(records[n]!.record).toMatchObject({ kind: 'malformed', status: 400 });
    expect(records[n]!.record.note).toMatch(/body is not JSON/);
    const n2 = records.length;
    await post(proxy.url, { model: 'claude-sonnet-4-5', messages: 'not an array' });
    await recorded(n2 + 1);
    expect(records[n2]!.record.note).toMatch(/not a Messages API body/);
  });

  it('answers 502 with a clear message when the upstream is down', async () => {
    const dead = await startProxy({ upstream: 'http://127.0.0.1:9', port: 0, store: null, pricing, log: () => undefined, warn: (l) => logs.push(l) });
    try {
      const res = await post(dead.url, ccBody({ session: 'down-1', turns: 1 }));
      expect(res.status).toBe(502);
      const err = JSON.parse(res.text);
      expect(err.type).toBe('error');
      expect(err.error.message).toMatch(/^cachelens proxy: cannot reach upstream http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED/);
      expect(logs.some((l) => l.includes('cannot reach upstream'))).toBe(true);
    } finally {
      await dead.close();
    }
  });

  it('answers 504 when the upstream sends nothing within the timeout', async () => {
    const slow = await startProxy({ upstream: fake.url, port: 0, store: null, pricing, timeoutMs: 200, log: () => undefined, warn: () => undefined });
    try {
      const res = await post(slow.url, ccBody({ session: 'slow-1', turns: 1 }), { 'x-fake-hang': '1' });
      expect(res.status).toBe(504);
      expect(JSON.parse(res.text).error.message).toMatch(/sent no response within 0 s|sent no response within/);
    } finally {
      await slow.close();
    }
  });
});

describe('usage tap', () => {
  const sse = [
    'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":5,"cache_creation_input_tokens":300,"cache_read_input_tokens":7000,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200},"output_tokens":1}}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"event: message_delta"}}\n\n',
    // the API's message_delta usage is cumulative and has no per-TTL split: the split of message_start stays
    'event: message_delta\r\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":42,"input_tokens":5,"cache_creation_input_tokens":300,"cache_read_input_tokens":null}}\r\n\r\n',
  ].join('');
  const run = (chunks: Buffer[], type: string, enc?: string): Promise<TapResult> =>
    new Promise((resolve) => {
      const t = createUsageTap(type, enc);
      for (const c of chunks) t.write(c);
      t.end(resolve);
    });

  it('reads usage from SSE split at every byte (CRLF too), ignoring text that looks like events', async () => {
    const bytes = Buffer.from(sse);
    const r = await run(Array.from(bytes, (b) => Buffer.from([b])), 'text/event-stream');
    expect(r).toEqual({ usage: { input: 5, cacheWrite5m: 100, cacheWrite1h: 200, cacheRead: 7000, output: 42 }, model: 'claude-x', error: null, note: null });
  });

  it('reads usage from a gzip-compressed JSON body and says when it cannot', async () => {
    const body = zlib.gzipSync(JSON.stringify({ model: 'm', usage: { input_tokens: 1, cache_creation_input_tokens: 9, cache_read_input_tokens: 2, output_tokens: 3 } }));
    const r = await run([body.subarray(0, 10), body.subarray(10)], 'application/json', 'gzip');
    expect(r.usage).toEqual({ input: 1, cacheWrite5m: 9, cacheWrite1h: 0, cacheRead: 2, output: 3 });
    const z = await run([Buffer.from('xx')], 'application/json', 'zstd');
    expect(z.note).toMatch(/content-encoding zstd/);
  });
});

(haveCli ? describe : describe.skip)('capture thread (built worker)', () => {
  it('fingerprints on a worker thread exactly as on this one, in order', async () => {
    const dist = path.join(path.dirname(cliPath), '..', 'proxy', 'index.js');
    const built = (await import(dist)) as typeof import('../src/proxy/index.js');
    const threaded = built.createCapturer({ threads: true, warn: (l) => logs.push(l) });
    expect(threaded.threaded).toBe(true);
    try {
      const bodies = [1, 2, 3].map((k) => Buffer.from(JSON.stringify(ccBody({ session: `w-${k}`, turns: k }))));
      const headers = { 'x-claude-code-session-id': 'w', 'anthropic-beta': 'a,b' };
      const got = await Promise.all(bodies.map((b) => threaded.capture(b, headers)));
      const want = bodies.map((b) => captureRequest(b, headers));
      expect(got).toEqual(want);
      expect(await threaded.capture(Buffer.from('nope'), {})).toEqual({ ok: false, note: 'body is not JSON (4 bytes)' });
      // handed over: a body alone in its memory moves to the thread (no copy) and reads as empty here afterwards
      const moved = Buffer.concat([bodies[2]!]);
      const movedResult = threaded.capture(moved, headers, true);
      expect(moved.byteLength).toBe(0);
      expect(await movedResult).toEqual(want[2]);
      // a small body is a slice of Node's shared pool: copied, never moved
      const small = Buffer.from('{"model":"claude-x","messages":[]}');
      await threaded.capture(small, headers, true);
      expect(small.toString()).toBe('{"model":"claude-x","messages":[]}');
    } finally {
      await threaded.close();
    }
  });
});

(haveCli ? describe : describe.skip)('cachelens proxy (CLI): nothing secret reaches the store or the logs', () => {
  if (!haveCli) console.warn(SKIP_NO_CLI);
  const SECRET_TEXT = 'SECRET-PROMPT-7f3a9c';
  const KEY = 'sk-ant-api03-SECRETKEY-42b1';
  const BEARER = 'Bearer SECRET-OAUTH-TOKEN-9d0e';

  async function runProxyCli(db: string, extra: string[], drive: (url: string) => Promise<number>): Promise<{ stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [cliPath, 'proxy', '--port', '0', '--db', db, '--upstream', fake.url, ...extra], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`proxy exited early (${code}): ${stderr}`)));
    });
    const lines = stdout.split('\n').length;
    const sent = await drive(url);
    for (let i = 0; i < 300 && stdout.split('\n').length < lines + sent; i++) await new Promise((r) => setTimeout(r, 10));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    return { stdout, stderr };
  }

  // each run its own timestamps: the fake API's cache outlives a run
  const drive = (tag: string) => async (url: string): Promise<number> => {
    const auth = { 'x-api-key': KEY, authorization: BEARER };
    for (let k = 1; k <= 3; k++) await post(url, ccBody({ session: 'secret-1', turns: k, secret: SECRET_TEXT, stream: k !== 2, systemTime: `${tag}${k}` }), auth);
    await post(url, `{"model": "claude-sonnet-4-5", "messages": "${SECRET_TEXT}`, auth);
    await request(url, { method: 'POST', path: `/v1/messages/count_tokens?q=1`, headers: auth, body: JSON.stringify({ messages: [{ role: 'user', content: SECRET_TEXT }] }) });
    return 5;
  };

  const bytesOf = (d: string): Buffer => Buffer.concat(fs.readdirSync(d).map((f) => fs.readFileSync(path.join(d, f))));

  it('stores fingerprints and diagnoses, never body text or auth headers', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-proxy-cli-'));
    const db = path.join(d, 'c.db');
    const out = await runProxyCli(db, [], drive('T'));
    const all = bytesOf(d);
    for (const s of [SECRET_TEXT, KEY, 'SECRETKEY', 'SECRET-OAUTH', BEARER]) {
      expect(all.includes(s)).toBe(false);
      expect(out.stdout.includes(s) || out.stderr.includes(s)).toBe(false);
    }
    expect(out.stdout).toMatch(/REBUILD system-changed: system changed at block 15 \(system\[2\]\)/);
    const rep = runCli(['proxy', '--report', '--json', '--db', db]);
    expect(rep.status).toBe(0);
    expect(rep.stdout.includes(SECRET_TEXT) || rep.stdout.includes('SECRET')).toBe(false);
    const report = JSON.parse(rep.stdout);
    expect(report.summary).toMatchObject({ requests: 5, messages: 3, other: 1, malformed: 1, conversations: 1, findings: 2 });
    expect(report.findings[0]).toMatchObject({ cause: 'system-changed', path: 'system[2]', provenBy: 'proxy' });
    expect(report.findings[0].apiRequestId).toMatch(/^req_fake_\d+$/);
    const table = runCli(['proxy', '--report', '--db', db]);
    expect(table.stdout).toMatch(/Diagnoses \(proven by the proxy\)/);
    expect(table.stdout).toMatch(/system-changed/);
  });

  it('--keep-bodies keeps the body, with a warning, and still no auth header', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-proxy-cli-'));
    const out = await runProxyCli(path.join(d, 'c.db'), ['--keep-bodies'], drive('K'));
    expect(out.stderr).toMatch(/WARNING --keep-bodies stores every request body/);
    const all = bytesOf(d);
    expect(all.includes(SECRET_TEXT)).toBe(true);
    for (const s of [KEY, 'SECRETKEY', 'SECRET-OAUTH']) expect(all.includes(s)).toBe(false);
    // the kept bodies give a diff with text: the second rebuild against the request before it
    const db = path.join(d, 'c.db');
    const report = JSON.parse(runCli(['proxy', '--report', '--json', '--db', db]).stdout);
    const f = report.findings.find((x: { cause: string }) => x.cause === 'system-changed');
    const diff = runCli(['proxy', '--diff', String(f.requestId), '--json', '--db', db]);
    expect(diff.status, diff.stderr).toBe(0);
    const r = JSON.parse(diff.stdout);
    expect(r.divergence).toMatchObject({ pathA: 'system[2]', pathB: 'system[2]', reason: 'content' });
    expect(r.divergence.excerptB).toMatch(/Current time: K\d/);
    const text = runCli(['proxy', '--diff', String(f.requestId), '--db', db]);
    expect(text.stdout).toMatch(/system\[2\]/);
  });

  it('--diff without kept bodies says how to get them', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-proxy-cli-'));
    const store = openSqliteStore(path.join(d, 'c.db'));
    store.close();
    const r = runCli(['proxy', '--diff', '1', '--db', path.join(d, 'c.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no Messages request 1/);
  });
});
