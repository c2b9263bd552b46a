#!/usr/bin/env node
// One timed simulator run (spawned by bench/cases/sim.mjs; runnable alone):
//   node bench/sim-worker.mjs [--requests N] [--turns N]
// Builds N requests as interleaved growing conversations, the way a proxy
// would hand them over (per-block hashes, cumulative prefix hashes extended
// incrementally from the previous turn), then simulates them. Prints JSON.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.CACHELENS_BENCH_DIST || path.join(ROOT, 'dist');
const sim = await import(pathToFileURL(path.join(dist, 'sim', 'index.js')).href);
const { loadPricing } = await import(pathToFileURL(path.join(dist, 'pricing', 'index.js')).href);

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const REQUESTS = arg('--requests', 100_000);
const TURNS = arg('--turns', 50);
const T0 = Date.parse('2026-03-01T00:00:00Z');

const t0 = process.hrtime.bigint();
// tools + system: 4 positions, markers (1h) on the two system blocks; then 3 blocks a turn, 1h on the last
const conversations = Math.ceil(REQUESTS / TURNS);
const requests = [];
for (let c = 0; c < conversations; c++) {
  const head = sim.prefixFromHashes([
    { level: 'tools', hash: sim.hashString('tools'), tokens: 9000 },
    { level: 'system', hash: sim.hashString('billing'), tokens: 40 },
    { level: 'system', hash: sim.hashString('static'), tokens: 12000, cacheControl: '1h' },
    { level: 'system', hash: sim.hashString(`dynamic ${c % 7}`), tokens: 3000, cacheControl: '1h' },
  ]);
  let blocks = head;
  for (let t = 0; t < TURNS && requests.length < REQUESTS; t++) {
    let cum = blocks[blocks.length - 1].cumulativeHash;
    const added = [];
    for (let k = 0; k < 3; k++) {
      const hash = sim.hashString(`c${c} t${t} b${k}`);
      cum = sim.combine(cum, hash);
      added.push({ position: blocks.length + k + 1, level: 'messages', kind: 'text', path: `#${blocks.length + k + 1}`, hash, cumulativeHash: cum, bytes: 0, tokens: 200 + ((c * 31 + t * 7 + k) % 900), estimated: false, cacheable: true, cacheControl: k === 2 ? '1h' : null });
    }
    // the previous turn's marker slides to the new last block
    const prev = blocks.length > 4 ? [...blocks.slice(0, -1), { ...blocks[blocks.length - 1], cacheControl: null }] : blocks;
    blocks = prev.concat(added);
    const start = T0 + c * 2_000 + t * 45_000; // turns 45 s apart, conversations 2 s apart
    requests.push({ id: `${c}.${t}`, start, responseStart: start + 1500, model: c % 3 ? 'claude-sonnet-4-5' : 'claude-opus-4-6', workspace: 'w', blocks, autoCache: null, outputTokens: 300, speed: null, inferenceGeo: null });
  }
}
requests.sort((a, b) => a.start - b.start);
const t1 = process.hrtime.bigint();
const results = sim.simulate(requests, { pricing: loadPricing() });
const t2 = process.hrtime.bigint();
const totals = sim.summarize(results);
let blockCount = 0;
for (const r of requests) blockCount += r.blocks.length;
process.stdout.write(JSON.stringify({
  requests: requests.length,
  blocks: blockCount,
  buildMs: Number(t1 - t0) / 1e6,
  simulateMs: Number(t2 - t1) / 1e6,
  rssMiB: process.memoryUsage().rss / 2 ** 20,
  totals,
}) + '\n');
