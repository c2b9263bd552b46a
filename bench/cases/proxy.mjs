// Proxy case: what `cachelens proxy` adds to a request. A loopback upstream
// (in this process) reads each ~800 KB body (≈ 200K tokens, Claude Code's
// shape) and answers with an SSE stream; the client (also here, keep-alive
// like the SDKs) sends the same requests directly and through the proxy (the
// built CLI in its own process, writing to a fresh store), interleaved. We
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
  const port = await cachelens.port;
  const floorPort = await floor.port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bodies = [body(0), body(1)];
  const n = 100 * Math.max(1, Math.min(opts.runs, 5));
  const results = {};
  let failed = false;
  const pause = () => new Promise((r) => setTimeout(r, PACE_MS));
  for (const mode of ['paced', 'back-to-back']) {
    const direct = [];
    const floored = [];
    const proxied = [];
    // warm-up: connections, JIT, the store
    for (let i = 0; i < 10; i++) {
      for (const p of [upPort, floorPort, port]) await send(agent, p, bodies[i % 2]);
    }
    for (let i = 0; i < n; i++) {
      const buf = bodies[i % 2];
      const got = [];
      for (const p of [upPort, floorPort, port]) {
        got.push(await send(agent, p, buf));
        if (mode === 'paced') await pause();
      }
      if (got.some((g) => g.status !== 200)) failed = true;
      direct.push(got[0]);
      floored.push(got[1]);
      proxied.push(got[2]);
    }
    const stat = (xs, k) => ({ p50: pct(xs.map((x) => x[k]), 50), p99: pct(xs.map((x) => x[k]), 99) });
    const added = (xs, k) => {
      const d = xs.map((p, i) => p[k] - direct[i][k]);
      return { p50: pct(d, 50), p99: pct(d, 99) };
    };
    results[mode] = {
      direct: { ttfb: stat(direct, 'ttfb'), total: stat(direct, 'total') },
      floor: { ttfb: stat(floored, 'ttfb'), total: stat(floored, 'total') },
      proxy: { ttfb: stat(proxied, 'ttfb'), total: stat(proxied, 'total') },
      added: { ttfb: added(proxied, 'ttfb'), total: added(proxied, 'total') },
      floorAdded: { ttfb: added(floored, 'ttfb'), total: added(floored, 'total') },
    };
    const r = results[mode];
    log(`proxy ${mode}: added TTFB p50 ${ms(r.added.ttfb.p50)} ms p99 ${ms(r.added.ttfb.p99)} ms (floor ${ms(r.floorAdded.ttfb.p50)} / ${ms(r.floorAdded.ttfb.p99)}); total p50 ${ms(r.added.total.p50)} ms`);
  }
  const stopped = [cachelens, floor].map(({ child }) => new Promise((r) => child.on('exit', r)));
  cachelens.child.kill('SIGTERM');
  floor.child.kill('SIGTERM');
  await Promise.all(stopped);
  agent.destroy();
  upstream.close();
  const stored = fs.statSync(path.join(tmp, 'c.db')).size + (fs.existsSync(path.join(tmp, 'c.db-wal')) ? fs.statSync(path.join(tmp, 'c.db-wal')).size : 0);
  fs.rmSync(tmp, { recursive: true, force: true });
  const r = results.paced;
  const ok = r.added.ttfb.p50 <= TARGET_MS;
  const row = (label, m, k) => [label, ms(results[m].direct[k].p50), ms(results[m].floor[k].p50), ms(results[m].proxy[k].p50), ms(results[m].floorAdded[k].p50), ms(results[m].added[k].p50), ms(results[m].floorAdded[k].p99), ms(results[m].added[k].p99)];
  const md = [
    `## ${title}`,
    '',
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${machine.nproc} cores (${machine.cpuModel}; shared with other work), Node ${machine.node}. ` +
      `${n} requests per mode, each sent directly to a loopback upstream, then through a minimal Node proxy that only pipes (bench/proxy-floor.mjs: the floor for any Node proxy here), then through \`cachelens proxy\` (the built CLI in its own process, writing to a fresh store); ` +
      `client and upstream share this process. Body: ${(bodies[0].length / 1024).toFixed(0)} KB of JSON in Claude Code's shape (20 tools, 3 system blocks, 361 messages, ≈ 200K tokens), streamed back as 24 SSE events. ` +
      `"added" is the per-request difference (proxy − direct), its p50 and p99. "paced": ${PACE_MS} ms between requests, so the proxy's fingerprint (on its worker thread) and store write, done after each response, finish before the next request, as between real turns; "back-to-back": none.`,
    '',
    mdTable(
      ['Measure (ms)', 'direct p50', 'floor p50', 'cachelens p50', 'floor added p50', 'cachelens added p50', 'floor added p99', 'cachelens added p99'],
      [row('time to first byte, paced', 'paced', 'ttfb'), row('whole request, paced', 'paced', 'total'), row('time to first byte, back-to-back', 'back-to-back', 'ttfb'), row('whole request, back-to-back', 'back-to-back', 'total')],
      'lrrrrrrr',
    ),
    '',
    `Store after the run: ${(stored / 1024).toFixed(0)} KB for ${2 * (n + 10)} requests (fingerprints only; each request stores the blocks it does not share with an earlier one).`,
    '',
    '| Target | Measured | Result |',
    '| --- | --- | --- |',
    `| added TTFB p50 <= ${TARGET_MS} ms (paced, 200K-token body) | ${ms(r.added.ttfb.p50)} ms | ${ok ? '✅ pass' : '❌ fail'} |`,
    `| (for reference) what a pipe-only Node proxy adds, same run | ${ms(r.floorAdded.ttfb.p50)} ms | ${r.floorAdded.ttfb.p50 <= TARGET_MS ? 'within' : 'over'} the target by itself |`,
    `| (for reference) cachelens over the pipe-only proxy, p50 of TTFB | ${ms(r.proxy.ttfb.p50 - r.floor.ttfb.p50)} ms | its own work on the forwarding path |`,
    '',
    'Moving 800 KB through one more process costs most of the budget here: two more loopback copies and one more process to schedule on 2 cores that other work also uses. ' +
      'What cachelens adds on top (copying the body for the fingerprint, the usage tap, richer header handling, a larger process) is the difference between the two proxies. ' +
      'The p99 columns are dominated by the machine\'s load and move by 2–3× between runs; cachelens\' p99 is above the pipe-only proxy\'s, most likely its fingerprint thread and garbage collection competing for the same 2 cores.',
    '',
  ].join('\n');
  return { markdown: md, failed: failed || !ok, results };
}
