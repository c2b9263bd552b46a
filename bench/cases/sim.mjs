// Simulator case: 100k requests through src/sim (the built dist/sim), in a
// fresh process per run (bench/sim-worker.mjs). Target: simulate < 2 s.
import path from 'node:path';
import { fmt, log, mdTable, measure, median, ROOT } from '../lib.mjs';

export const name = 'sim';
export const title = 'Simulator';

const TARGET_S = 2;
const REQUESTS = 100_000;

export async function run(ctx) {
  const { opts, machine } = ctx;
  const cl = ctx.cachelens();
  if (!cl.built) return { markdown: `## ${title}\n\ncachelens is not built.\n`, failed: false, results: {} };
  const worker = path.join(ROOT, 'bench', 'sim-worker.mjs');
  const args = [worker, '--requests', String(REQUESTS)];
  const runs = [];
  let failed = false;
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    const r = measure(process.execPath, args, { keepStdout: true });
    let out = null;
    try {
      out = JSON.parse(r.stdout);
    } catch {
      failed = true;
    }
    if (r.status !== 0 || !out) failed = true;
    const warm = i < opts.warmup;
    log(`sim ${warm ? 'warm-up' : `run ${i - opts.warmup + 1}`}: ${out ? `build ${fmt.s(out.buildMs / 1000)} s, simulate ${fmt.s(out.simulateMs / 1000)} s` : `ERROR exit ${r.status}`}`);
    if (!warm && out) runs.push({ ...out, wallS: r.wallS, peakRssMiB: r.rssKiB / 1024 });
  }
  const simS = median(runs.map((r) => r.simulateMs / 1000));
  const buildS = median(runs.map((r) => r.buildMs / 1000));
  const wallS = median(runs.map((r) => r.wallS));
  const rss = Math.max(...runs.map((r) => r.peakRssMiB));
  const first = runs[0];
  const ok = simS < TARGET_S;
  const md = [
    `## ${title}`,
    '',
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${machine.nproc} cores (${machine.cpuModel}), Node ${machine.node}. ` +
      `${runs.length} run(s), each in a fresh process, after ${opts.warmup} warm-up run(s); medians.`,
    '',
    `Workload (\`node bench/sim-worker.mjs --requests ${REQUESTS}\`): ${fmt.int(first?.requests)} requests in ${fmt.int(Math.ceil(REQUESTS / 50))} interleaved conversations of 50 turns, ` +
      `Claude Code's shape (tools, 3 system blocks with two 1h markers, 3 new message blocks a turn with the 1h marker on the last), ` +
      `${fmt.int(first?.blocks)} prefix positions in all (${fmt.int(first?.blocks / first?.requests)} per request), Sonnet 4.5 and Opus 4.6, priced. ` +
      'Per-block hashes are given and cumulative hashes extended from the previous turn, as a proxy would hand them over.',
    '',
    mdTable(
      ['Step', 'Median (s)', 'Requests/s'],
      [
        ['build the requests (hashing)', fmt.s(buildS), fmt.int(REQUESTS / buildS)],
        ['simulate (lookback, billing, pricing)', fmt.s(simS), fmt.int(REQUESTS / simS)],
        ['whole process (Node start, import, both)', fmt.s(wallS), '–'],
      ],
      'lrr',
    ),
    '',
    `Peak RSS ${fmt.mib(rss)} MiB (every request keeps its own block list). Hit rate ${first ? (100 * first.totals.hitRate).toFixed(1) : '–'} %, cost ${fmt.usd(first?.totals.costUSD)} vs ${fmt.usd(first?.totals.noCacheCostUSD)} without caching.`,
    '',
    '| Target | Measured | Result |',
    '| --- | --- | --- |',
    `| simulate 100k requests < ${TARGET_S} s | ${fmt.s(simS)} s | ${ok ? '✅ pass' : '❌ fail'} |`,
    '',
  ].join('\n');
  return { markdown: md, failed: failed || !ok, results: { runs } };
}
