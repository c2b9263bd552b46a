// Proxy case: what `cachelens proxy` adds to a request. A loopback upstream
// (in this process) reads each ~800 KB body (≈ 200K tokens, Claude Code's
// shape) and answers with an SSE stream; the client (also here, keep-alive
// like the SDKs) sends the same requests directly, through two floors (an
// http-pipe proxy and a raw TCP relay) and through the proxy (the built CLI in
// its own process, writing to a fresh store), interleaved. We
// compare time to first byte (response headers) and to the end of the stream.
// Target: added TTFB p50 <= 2 ms.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, log, mdTable } from '../lib.mjs';

export const name = 'proxy';
export const title = 'Proxy';

const TARGET_MS = 2;
// between requests in 'paced' mode: real turns are seconds apart; this lets the fingerprint and store write finish
const PACE_MS = 50;

function body(turn) {
  const words = (seed, n) => {
    let s = '';
    for (let i = 0; s.length < n; i++) s += `${seed} ${i} lorem ipsum dolor sit amet consectetur. `;
    return s.slice(0, n);
  };
  const cc = { type: 'ephemeral', ttl: '1h' };
  const tools = Array.from({ length: 20 }, (_, i) => ({ name: `Tool${i}`, description: words(`tool ${i}`, 2000), input_schema: { type: 'object', properties: { p: { type: 'string' } } } }));
  const system = [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.250' },
    { type: 'text', text: words('instructions', 40_000), cache_control: cc },
    { type: 'text', text: 'Working directory: /home/dev/p', cache_control: cc },
  ];
  const messages = [{ role: 'user', content: [{ type: 'text', text: words('claude.md', 8000) }, { type: 'text', text: 'fix it' }] }];
  // ~180 turns of tool use: ≈ 700 KB of history, ≈ 540 prefix positions
  for (let k = 1; k <= 180; k++) {
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `step ${k}` }, { type: 'tool_use', id: `t${k}`, name: 'Tool1', input: { p: `/f${k}` } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${k}`, content: words(`file ${k} ${turn}`, 3800) }] });
  }
  messages[messages.length - 1].content[0].cache_control = cc;
  return Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 32000, stream: true, metadata: { user_id: '{"session_id":"bench"}' }, tools, system, messages }));
}

const ev = (e, d) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`;

function startUpstream() {
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_bench' });
      const usage = { input_tokens: 3, cache_creation_input_tokens: 900, cache_read_input_tokens: 199_000, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 900 }, output_tokens: 1 };
      res.write(ev('message_start', { type: 'message_start', message: { id: 'msg', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage } }));
      for (let i = 0; i < 20; i++) res.write(ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `word ${i} ` } }));
      res.write(ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } }));
      res.end(ev('message_stop', { type: 'message_stop' }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function send(agent, port, buf) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfb = 0;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/messages?beta=true', agent, headers: { 'content-type': 'application/json', 'content-length': buf.length, 'x-api-key': 'sk-bench' } }, (res) => {
      ttfb = performance.now() - t0;
      res.on('data', () => undefined);
      res.on('end', () => resolve({ ttfb, total: performance.now() - t0, status: res.statusCode }));
    });
    req.on('error', reject);
    req.end(buf);
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

export async function run(ctx) {
  const { opts, machine } = ctx;
  const cl = ctx.cachelens();
  if (!cl.built) return { markdown: `## ${title}\n\ncachelens is not built.\n`, failed: false, results: {} };
  const upstream = await startUpstream();
  const upPort = upstream.address().port;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-proxy-'));
  const launch = (args) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        const m = /127\.0\.0\.1:(\d+) →/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`${args[0]} exited (${code})`)));
    });
    return { child, port };
  };
  const cachelens = launch([cl.main, 'proxy', '--port', '0', '--db', path.join(tmp, 'c.db'), '--upstream', `http://127.0.0.1:${upPort}`]);
  const floor = launch([path.join(BENCH_DIR, 'proxy-floor.mjs'), String(upPort)]);
  const raw = launch([path.join(BENCH_DIR, 'proxy-floor-raw.mjs'), String(upPort)]);
  const port = await cachelens.port;
  const floorPort = await floor.port;
  const rawPort = await raw.port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bodies = [body(0), body(1)];
  const n = 100 * Math.max(1, Math.min(opts.runs, 5));
  const results = {};
  let failed = false;
  const pause = () => new Promise((r) => setTimeout(r, PACE_MS));
  for (const mode of ['paced', 'back-to-back']) {
    const direct = [];
    const floored = [];
    const rawed = [];
    const proxied = [];
    const ports = [upPort, floorPort, rawPort, port];
    // warm-up: connections, JIT, the store
    for (let i = 0; i < 10; i++) {
      for (const p of ports) await send(agent, p, bodies[i % 2]);
    }
    for (let i = 0; i < n; i++) {
      const buf = bodies[i % 2];
      const got = [];
      for (const p of ports) {
        got.push(await send(agent, p, buf));
        if (mode === 'paced') await pause();
      }
      if (got.some((g) => g.status !== 200)) failed = true;
      direct.push(got[0]);
      floored.push(got[1]);
      rawed.push(got[2]);
      proxied.push(got[3]);
    }
    const stat = (xs, k) => ({ p50: pct(xs.map((x) => x[k]), 50), p99: pct(xs.map((x) => x[k]), 99) });
    const added = (xs, k) => {
      const d = xs.map((p, i) => p[k] - direct[i][k]);
      return { p50: pct(d, 50), p99: pct(d, 99) };
    };
    results[mode] = {
      direct: { ttfb: stat(direct, 'ttfb'), total: stat(direct, 'total') },
      floor: { ttfb: stat(floored, 'ttfb'), total: stat(floored, 'total') },
      raw: { ttfb: stat(rawed, 'ttfb'), total: stat(rawed, 'total') },
      proxy: { ttfb: stat(proxied, 'ttfb'), total: stat(proxied, 'total') },
      added: { ttfb: added(proxied, 'ttfb'), total: added(proxied, 'total') },
      floorAdded: { ttfb: added(floored, 'ttfb'), total: added(floored, 'total') },
      rawAdded: { ttfb: added(rawed, 'ttfb'), total: added(rawed, 'total') },
    };
    const r = results[mode];
    log(`proxy ${mode}: added TTFB p50 ${ms(r.added.ttfb.p50)} ms p99 ${ms(r.added.ttfb.p99)} ms (http-pipe floor ${ms(r.floorAdded.ttfb.p50)} / ${ms(r.floorAdded.ttfb.p99)}, raw floor ${ms(r.rawAdded.ttfb.p50)} / ${ms(r.rawAdded.ttfb.p99)}); total p50 ${ms(r.added.total.p50)} ms`);
  }
  const stopped = [cachelens, floor, raw].map(({ child }) => new Promise((r) => child.on('exit', r)));
  for (const { child } of [cachelens, floor, raw]) child.kill('SIGTERM');
  await Promise.all(stopped);
  agent.destroy();
  upstream.close();
  const stored = fs.statSync(path.join(tmp, 'c.db')).size + (fs.existsSync(path.join(tmp, 'c.db-wal')) ? fs.statSync(path.join(tmp, 'c.db-wal')).size : 0);
  fs.rmSync(tmp, { recursive: true, force: true });
  const r = results.paced;
  const ok = r.added.ttfb.p50 <= TARGET_MS;
  const PATHS = [['http-pipe floor', 'floor', 'floorAdded'], ['raw relay floor', 'raw', 'rawAdded'], ['cachelens', 'proxy', 'added']];
  const rows = [['time to first byte, paced', 'paced', 'ttfb'], ['whole request, paced', 'paced', 'total'], ['time to first byte, back-to-back', 'back-to-back', 'ttfb'], ['whole request, back-to-back', 'back-to-back', 'total']].flatMap(([label, m, k]) =>
    PATHS.map(([through, abs, add]) => [label, through, ms(results[m].direct[k].p50), ms(results[m][abs][k].p50), ms(results[m][add][k].p50), ms(results[m][add][k].p99)]));
  const md = [
    `## ${title}`,
    '',
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${machine.nproc} cores (${machine.cpuModel}; shared with other work), Node ${machine.node}. ` +
      `${n} requests per mode, each sent directly to a loopback upstream, then through two floors, each in its own process: a minimal node:http proxy that only pipes (bench/proxy-floor.mjs) and a raw TCP relay that pairs each client connection with an upstream one and copies bytes both ways without parsing HTTP at all (bench/proxy-floor-raw.mjs: the least any forwarding process can add); then through \`cachelens proxy\` (the built CLI in its own process, writing to a fresh store). ` +
      `Client and upstream share this process. Body: ${(bodies[0].length / 1024).toFixed(0)} KB of JSON in Claude Code's shape (20 tools, 3 system blocks, 361 messages, ≈ 200K tokens), streamed back as 24 SSE events. ` +
      `"added" is the per-request difference (through − direct), its p50 and p99. "paced": ${PACE_MS} ms between requests, so the proxy's fingerprint (on its worker thread) and store write, done after each response, finish before the next request, as between real turns; "back-to-back": none.`,
    '',
    mdTable(['Measure (ms)', 'through', 'direct p50', 'through p50', 'added p50', 'added p99'], rows, 'llrrrr'),
    '',
    `Store after the run: ${(stored / 1024).toFixed(0)} KB for ${2 * (n + 10)} requests (fingerprints only; each request stores the blocks it does not share with an earlier one).`,
    '',
    '| Target | Measured | Result |',
    '| --- | --- | --- |',
    `| added TTFB p50 <= ${TARGET_MS} ms (paced, 200K-token body) | ${ms(r.added.ttfb.p50)} ms | ${ok ? '✅ pass' : '❌ fail'} |`,
    `| (for reference) what the raw relay floor adds, same run | ${ms(r.rawAdded.ttfb.p50)} ms | the cost of one more process and two more loopback copies |`,
    `| (for reference) what the http-pipe floor adds, same run | ${ms(r.floorAdded.ttfb.p50)} ms | node:http's parser and stream pipes on top of that |`,
    `| (for reference) cachelens over the raw relay, p50 of TTFB | ${ms(r.proxy.ttfb.p50 - r.raw.ttfb.p50)} ms | its own work on the forwarding path |`,
    '',
    'cachelens forwards at the byte level (docs/proxy.md, "How it forwards"): it parses only the request head, rewrites Host and the hop-by-hop headers, and passes body and response bytes on as they arrive, reading the framing beside them. ' +
      'So it sits between the two floors: it no longer pays for node:http, and what it adds over the raw relay is its own work on the forwarding path: before the first body byte goes upstream, finding the end of the head, parsing and rewriting it (0.16–0.19 ms from the first chunk\'s arrival to the upstream write when paced, against about 10 µs when the same code runs warm in a loop; opening the exchange follows the write), and the first write itself, head and body corked into one writev, whose path is cold too (0.2–0.3 ms in Node, of which the system call is about 0.05 ms). After a response\'s bytes are passed on, the proxy reads them for the usage (about 0.45 ms of CPU) and hands the body to its fingerprint thread without copying it (a copy into the message cost 1.4 ms of CPU there, while the client was reading the response). ' +
      'Paced requests pay for cold code: "direct" itself is about twice as slow paced as back-to-back, and that gap grows with the pause (an 8-byte request: 0.07 ms back-to-back, 0.65 ms after 50 ms, 1.7 ms after 300 ms), whether the process sleeps or spins during the pause; so it is not the CPU idling or TCP slow start after idle (50 ms is below the 200 ms minimum RTO), but most likely the request path\'s code and data being evicted from the caches by the other work on these 2 cores. ' +
      'The p99 columns are dominated by the machine\'s load and move by 2–3× between runs; back-to-back, cachelens\' fingerprint thread and store write (after each response) compete with the next request for the same 2 cores.',
    '',
  ].join('\n');
  return { markdown: md, failed: failed || !ok, results };
}
