// The relay's HTTP/1.1 framing on real loopback sockets: request heads split
// anywhere, chunked request bodies, keep-alive and pipelined requests on one
// connection, responses framed by Content-Length, by chunks and by the close
// of the connection, Expect: 100-continue, heads it refuses, and an https
// upstream. Raw sockets on both sides where the exact bytes matter.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyFinding, ProxyRequestRecord } from '../src/domain/proxy.js';
import { loadPricing } from '../src/pricing/index.js';
import { startProxy, type RunningProxy } from '../src/proxy/index.js';
import { ccBody } from './proxy-fixtures.js';

const pricing = loadPricing();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

type Rec = { record: ProxyRequestRecord; finding: ProxyFinding | null };

async function proxyTo(upstream: string, extra: { upstreamCa?: string } = {}): Promise<{ proxy: RunningProxy; records: Rec[]; warnings: string[] }> {
  const records: Rec[] = [];
  const warnings: string[] = [];
  const proxy = await startProxy({ upstream, port: 0, store: null, pricing, threads: false, log: () => undefined, warn: (l) => warnings.push(l), onRecord: (r) => records.push(r), ...extra });
  cleanup.push(() => proxy.close());
  return { proxy, records, warnings };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

const pause = (ms = 15): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An http upstream that echoes what it saw and counts its connections. */
async function echoUpstream(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body: body.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => connections };
}

/** A raw upstream: reads requests framed by Content-Length and answers each with `respond` (exact bytes). */
async function rawUpstream(respond: (sock: net.Socket, n: number) => Promise<void> | void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  let n = 0;
  const server = net.createServer((sock) => {
    connections++;
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/content-length: *(\d+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.subarray(end + 4 + len);
        void respond(sock, ++n);
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => connections };
}

/** Writes each part on one client connection (a pause between, so they arrive as separate chunks); resolves with all bytes read until the proxy closes it. */
function rawClient(url: string, parts: (string | Buffer)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(new URL(url).port), '127.0.0.1');
    sock.setNoDelay(true);
    const got: Buffer[] = [];
    sock.on('data', (c: Buffer) => got.push(c));
    sock.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
    sock.on('error', reject);
    void (async () => {
      for (const p of parts) {
        sock.write(p);
        await pause();
      }
    })();
  });
}

/** The bodies of the responses in a raw byte string (Content-Length framed). */
function bodies(raw: string): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.slice(0, end);
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    out.push({ status: Number(head.slice(9, 12)), body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

const usageJson = JSON.stringify({ model: 'claude-x', usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 4000, output_tokens: 7 } });
const messagesBody = JSON.stringify(ccBody({ session: 'framing', turns: 1, stream: false }));

function postMessages(url: string, agent: http.Agent): Promise<{ status: number; text: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/messages`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), socket: req.socket! }));
    });
    req.on('error', reject);
    req.end(messagesBody);
  });
}

/** Two Messages requests on one kept-alive client connection; both must get the whole usage body. */
async function twoOnOneConnection(upstream: string): Promise<Rec[]> {
  const { proxy, records } = await proxyTo(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  cleanup.push(() => agent.destroy());
  const first = await postMessages(proxy.url, agent);
  const second = await postMessages(proxy.url, agent);
  expect([first.text, second.text]).toEqual([usageJson, usageJson]);
  expect(second.socket).toBe(first.socket);
  await waitFor(() => records.length === 2);
  return records;
}

describe('relay framing: requests', () => {
  it('a request head split across chunks, inside a header name and inside the blank line, is forwarded whole', async () => {
    const up = await echoUpstream();
    const { proxy, records } = await proxyTo(up.url);
    const head = 'POST /v1/messages/count_tokens?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: sk-split\r\nContent-Length: 5\r\nConnection: close\r\n\r\n';
    const cuts = [10, 40, head.length - 3, head.length - 1];
    const parts = [head.slice(0, cuts[0]), ...cuts.slice(1).map((c, i) => head.slice(cuts[i], c)), head.slice(cuts[3]!), 'hello'];
    const [res] = bodies(await rawClient(proxy.url, parts));
    const echo = JSON.parse(res!.body);
    expect(echo).toMatchObject({ method: 'POST', url: '/v1/messages/count_tokens?x=1', body: 'hello' });
    expect(echo.rawHeaders).toEqual(['Host', new URL(up.url).host, 'X-Api-Key', 'sk-split', 'Content-Length', '5', 'Connection', 'close']);
    await waitFor(() => records.length === 1);
    expect(records[0]!.record).toMatchObject({ kind: 'other', status: 200 });
  });

  it('a chunked request body passes as sent, and the fingerprint reads it de-chunked', async () => {
    const up = await echoUpstream();
    const { proxy, records } = await proxyTo(up.url);
    const body = Buffer.from(messagesBody);
    const a = body.subarray(0, 1000);
    const b = body.subarray(1000);
    const parts = [
      'POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      `${a.length.toString(16)};ext=1\r\n`, a, '\r', `\n${b.length.toString(16)}\r\n`, b.subarray(0, 7), Buffer.concat([b.subarray(7), Buffer.from('\r\n0\r\n')]), 'X-Trailer: t\r\n\r\n',
    ];
    const [res] = bodies(await rawClient(proxy.url, parts));
    expect(JSON.parse(res!.body).body).toBe(messagesBody);
    await waitFor(() => records.length === 1);
    expect(records[0]!.record.kind).toBe('messages');
    expect(records[0]!.record.blocks!.length).toBeGreaterThan(10);
  });

  it('two keep-alive requests on one client connection use one upstream connection', async () => {
    const up = await echoUpstream();
    const { proxy, records } = await proxyTo(up.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(() => agent.destroy());
    const first = await postMessages(proxy.url, agent);
    const second = await postMessages(proxy.url, agent);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.socket).toBe(first.socket);
    expect(up.connections()).toBe(1);
    await waitFor(() => records.length === 2);
    expect(records.map((r) => r.record.kind)).toEqual(['messages', 'messages']);
  });

  it('pipelined requests are forwarded in order and answered in order', async () => {
    const up = await echoUpstream();
    const { proxy } = await proxyTo(up.url);
    const req = (p: string, extra = ''): string => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
    const got = bodies(await rawClient(proxy.url, [req('/a') + req('/b') + req('/c', 'Connection: close\r\n')]));
    expect(got.map((g) => JSON.parse(g.body).url)).toEqual(['/a', '/b', '/c']);
    expect(up.connections()).toBe(1);
  });

  it('Expect: 100-continue: the upstream\'s 100 Continue reaches the client, then the final response', async () => {
    const up = await echoUpstream();
    const { proxy } = await proxyTo(up.url);
    const got = await new Promise<{ continued: boolean; status: number; text: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request(`${proxy.url}/v1/messages/count_tokens`, { method: 'POST', headers: { expect: '100-continue', 'content-length': 4 } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, text }));
      });
      req.on('continue', () => {
        continued = true;
        req.end('body');
      });
      req.on('error', reject);
    });
    expect(got).toMatchObject({ continued: true, status: 200 });
    expect(JSON.parse(got.text).body).toBe('body');
  });

  it('a malformed or unsupported request head gets a clear error and the connection closes', async () => {
    const up = await echoUpstream();
    const { proxy, warnings } = await proxyTo(up.url);
    const cases: [string, number, RegExp][] = [
      ['GARBAGE\r\n\r\n', 400, /not an HTTP request line/],
      ['POST /v1/messages HTTP/1.1\r\nBad Header: x\r\n\r\n', 400, /header line without a valid name/],
      ['POST /v1/messages HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n', 400, /both Transfer-Encoding and Content-Length/],
      ['POST /v1/messages HTTP/1.1\r\nContent-Length: 4, 5\r\n\r\nbody', 400, /bad Content-Length/],
      ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505, /HTTP\/2\.0 is not supported/],
      ['CONNECT api.anthropic.com:443 HTTP/1.1\r\n\r\n', 405, /CONNECT is not supported/],
    ];
    for (const [bytes, status, message] of cases) {
      const [res] = bodies(await rawClient(proxy.url, [bytes]));
      expect(res!.status).toBe(status);
      expect(JSON.parse(res!.body).error.message).toMatch(message);
    }
    expect(up.connections()).toBe(0);
    expect(warnings.filter((w) => w.startsWith('cachelens proxy: refused a request')).length).toBe(cases.length);
  });
});

describe('relay framing: responses', () => {
  const startOf = (extra: string): string => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nrequest-id: req_raw\r\n${extra}\r\n`;

  it('a chunked response (chunks split across writes) is passed on and its end found: the next request on the connection works', async () => {
    const up = await rawUpstream(async (sock) => {
      const half = usageJson.length >> 1;
      sock.write(`${startOf('transfer-encoding: chunked\r\n')}${half.toString(16)}\r\n${usageJson.slice(0, 5)}`);
      await pause();
      sock.write(`${usageJson.slice(5, half)}\r\n${(usageJson.length - half).toString(16)}\r`);
      await pause();
      sock.write(`\n${usageJson.slice(half)}\r\n0\r\n\r\n`);
    });
    const records = await twoOnOneConnection(up.url);
    expect(records[0]!.record).toMatchObject({ status: 200, apiRequestId: 'req_raw', usage: { input: 3, cacheWrite5m: 10, cacheRead: 4000, output: 7 } });
    expect(up.connections()).toBe(1);
  });

  it('a Content-Length response split across writes: its end found, the next request on the connection works', async () => {
    const up = await rawUpstream(async (sock) => {
      sock.write(`${startOf(`content-length: ${usageJson.length}\r\n`)}${usageJson.slice(0, 10)}`);
      await pause();
      sock.write(usageJson.slice(10));
    });
    const records = await twoOnOneConnection(up.url);
    expect(records[1]!.record.usage).toMatchObject({ cacheRead: 4000, output: 7 });
  });

  it('a response read until the upstream closes: passed on whole, then the client connection closes', async () => {
    const up = await rawUpstream(async (sock) => {
      sock.write(`${startOf('')}${usageJson.slice(0, 20)}`);
      await pause();
      sock.end(usageJson.slice(20));
    });
    const { proxy, records } = await proxyTo(up.url);
    const raw = await rawClient(proxy.url, [`POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(messagesBody)}\r\n\r\n${messagesBody}`]);
    expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toBe(usageJson);
    await waitFor(() => records.length === 1);
    expect(records[0]!.record).toMatchObject({ status: 200, note: null, usage: { cacheRead: 4000 } });
  });

  it('a response cut inside a chunk is cut for the client too and noted', async () => {
    const up = await rawUpstream((sock) => {
      sock.write(`${startOf('transfer-encoding: chunked\r\n')}ff\r\n{"partial`);
      setTimeout(() => sock.destroy(), 20);
    });
    const { proxy, records, warnings } = await proxyTo(up.url);
    const raw = await rawClient(proxy.url, [`POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`]);
    expect(raw).toMatch(/\{"partial$/);
    await waitFor(() => records.length === 1);
    expect(records[0]!.record.note).toMatch(/upstream connection lost mid-response/);
    expect(warnings.some((w) => w.includes('upstream connection lost mid-response'))).toBe(true);
  });
});

const openssl = spawnSync('openssl', ['version']).status === 0;

(openssl ? describe : describe.skip)('relay: https upstream', () => {
  it('forwards over TLS to an https upstream (self-signed for the test)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    expect(made.status, made.stderr.toString()).toBe(0);
    const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ url: req.url, host: req.headers.host, tls: true })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
    const port = (server.address() as net.AddressInfo).port;
    const { proxy } = await proxyTo(`https://127.0.0.1:${port}/gw`, { upstreamCa: fs.readFileSync(cert, 'utf8') });
    const [res] = bodies(await rawClient(proxy.url, ['GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']));
    expect(res!.status).toBe(200);
    expect(JSON.parse(res!.body)).toEqual({ url: '/gw/v1/models', host: `127.0.0.1:${port}`, tls: true });
  });
});
