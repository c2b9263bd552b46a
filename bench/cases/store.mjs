// Store case: `cachelens report --json` against its embedded store on the
// >= 1 GiB corpus: the first run (direct read, store filled in the background;
// and the same filling in the foreground), warm re-runs with nothing
// changed, and re-runs after appending 1 MiB to one transcript — each beside
// ccusage (which has no index: every run is cold for it).
import fs from 'node:fs';
import path from 'node:path';
import { fmt, log, mdTable, measure, median, MiB, rekey, SOURCE_DIR, WORK_DIR } from '../lib.mjs';

export const name = 'store';
export const title = 'Store: warm re-runs and appends vs ccusage';

const WARM_TARGET = 0.1;
const APPEND_TARGET = 0.15;

/** ~1 MiB of real lines, re-keyed with a fresh copy number so every append is new data. */
function appendChunk(k) {
  const src = path.join(SOURCE_DIR, 'projects', '-Users-michael-Code-cipher-box');
  const file = fs.readdirSync(src).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(src, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  let out = '';
  for (const l of lines) {
    if (out.length >= MiB) break;
    out += `${l}\n`;
  }
  return rekey(out, k);
}

export async function run(ctx) {
  const { opts } = ctx;
  const corpus = ctx.corpus();
  const cl = ctx.cachelens();
  const cc = ctx.ccusage();
  if (!cl.built) return { markdown: `## ${title}\n\ncachelens is not built.\n`, failed: false, results: {} };
  const db = path.join(WORK_DIR, 'store-bench.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.indexing`]) fs.rmSync(f, { force: true });
  const appendDir = path.join(corpus.dir, 'projects', '-bench-append');
  const appendFile = path.join(appendDir, 'a0a0a0a0-0000-4000-8000-00000000a0a0.jsonl');
  fs.rmSync(appendDir, { recursive: true, force: true });
  fs.mkdirSync(appendDir, { recursive: true });
  fs.writeFileSync(appendFile, appendChunk(200));
  const env = { CLAUDE_CONFIG_DIR: corpus.dir };
  const clArgs = [cl.main, 'report', '--json', '--db', db];
  const ccArgs = [cc.bin, 'claude', 'daily', '--offline', '--json'];
  const samples = { first: [], firstFg: [], warm: [], append: [], ccWarm: [], ccAppend: [] };
  const fgDb = path.join(WORK_DIR, 'store-bench-fg.db');
  for (const f of [fgDb, `${fgDb}-wal`, `${fgDb}-shm`]) fs.rmSync(f, { force: true });
  /** Waits for the detached indexer of a first run (its lock file beside the store); seconds waited. */
  const waitIndexer = () => {
    const t0 = process.hrtime.bigint();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (fs.existsSync(`${db}.indexing`)) Atomics.wait(pause, 0, 0, 20);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  let storeReadyS = NaN;
  let failed = false;
  const take = (list, label, r) => {
    const ok = r.status === 0;
    if (!ok) failed = true;
    log(`${label.padEnd(22)} ${r.wallS.toFixed(3)} s  ${(r.rssKiB / 1024).toFixed(1)} MiB${ok ? '' : `  ERROR exit ${r.status}`}`);
    list.push(r);
  };
  try {
    const ready = [];
    for (let i = 0; i < opts.runs; i++) {
      for (const f of [db, `${db}-wal`, `${db}-shm`, fgDb, `${fgDb}-wal`, `${fgDb}-shm`]) fs.rmSync(f, { force: true });
      // a first run with much to read answers directly and fills the store in a detached indexer
      take(samples.first, 'cachelens first run', measure(process.execPath, clArgs, { env }));
      ready.push(samples.first.at(-1).wallS + waitIndexer());
      log(`${'store ready after'.padEnd(22)} ${ready.at(-1).toFixed(3)} s (background indexer done)`);
      // the same first run filling the store itself, as before background indexing
      take(samples.firstFg, 'first run, foreground', measure(process.execPath, [cl.main, 'report', '--json', '--db', fgDb], { env: { ...env, CACHELENS_BACKGROUND_INDEX: '0' } }));
    }
    storeReadyS = median(ready);
    measure(process.execPath, clArgs, { env }); // the first unchanged run builds the cached output
    for (let i = 0; i < opts.runs; i++) {
      take(samples.warm, 'cachelens warm', measure(process.execPath, clArgs, { env }));
      take(samples.ccWarm, 'ccusage (warm case)', measure(process.execPath, ccArgs, { env }));
    }
    for (let i = 0; i < opts.runs; i++) {
      fs.appendFileSync(appendFile, appendChunk(201 + i));
      take(samples.append, 'cachelens +1 MiB', measure(process.execPath, clArgs, { env }));
      take(samples.ccAppend, 'ccusage (append case)', measure(process.execPath, ccArgs, { env }));
    }
  } finally {
    fs.rmSync(appendDir, { recursive: true, force: true });
  }
  const med = (xs) => median(xs.map((r) => r.wallS));
  const rss = (xs) => Math.max(...xs.map((r) => r.rssKiB / 1024));
  const warmRatio = med(samples.warm) / med(samples.ccWarm);
  const appendRatio = med(samples.append) / med(samples.ccAppend);
  const rows = [
    ['cachelens first run (answers directly, fills the store in the background)', fmt.s(med(samples.first)), fmt.x(med(samples.first) / med(samples.ccWarm)), fmt.mib(rss(samples.first))],
    ['… store ready (background indexer done, from the first run\'s start)', fmt.s(storeReadyS), fmt.x(storeReadyS / med(samples.ccWarm)), '–'],
    ['cachelens first run filling the store itself (`CACHELENS_BACKGROUND_INDEX=0`)', fmt.s(med(samples.firstFg)), fmt.x(med(samples.firstFg) / med(samples.ccWarm)), fmt.mib(rss(samples.firstFg))],
    ['cachelens warm re-run (nothing changed)', fmt.s(med(samples.warm)), fmt.x(warmRatio), fmt.mib(rss(samples.warm))],
    [`ccusage ${cc.version} (same runs)`, fmt.s(med(samples.ccWarm)), '1.00×', fmt.mib(rss(samples.ccWarm))],
    ['cachelens after appending 1 MiB', fmt.s(med(samples.append)), fmt.x(appendRatio), fmt.mib(rss(samples.append))],
    [`ccusage ${cc.version} (same runs)`, fmt.s(med(samples.ccAppend)), '1.00×', fmt.mib(rss(samples.ccAppend))],
  ];
  const status = (ok) => (ok ? '✅ pass' : '❌ fail');
  const m = ctx.machine;
  const md = `## ${title}

Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${m.nproc} cores, Node ${m.node}; ${opts.runs} runs per case, cachelens and ccusage alternating.
Corpus \`${path.relative(process.cwd(), corpus.dir)}\` (${fmt.mib(corpus.bytes / MiB)} MiB) plus one extra transcript that grows by ~1 MiB of re-keyed real lines
before each append run; the store is a fresh \`--db\` file built by the first run. ccusage keeps no index, so every ccusage run is cold
(the first-run ratios are against the warm case's ccusage runs). A first run with more than 64 MiB to read prints from a direct read of
the transcripts and leaves the filling of the store to a detached, lower-priority copy of itself; the bench waits for it to finish
before the next run. Its peak RSS is not in the table (only the command's own process is measured); the foreground row shows what that filling costs.

${mdTable(['Case', 'Median wall (s)', 'vs ccusage', 'Peak RSS MiB (max)'], rows, 'lrrr')}

### Targets

${mdTable(['Target', 'Measured', 'Result'], [
    [`warm re-run ≤ ${WARM_TARGET}× ccusage`, fmt.x(warmRatio), status(!failed && warmRatio <= WARM_TARGET)],
    [`re-run after a 1 MiB append ≤ ${APPEND_TARGET}× ccusage`, fmt.x(appendRatio), status(!failed && appendRatio <= APPEND_TARGET)],
  ], 'lll')}
`;
  return { markdown: md, failed, results: { warm: med(samples.warm), append: med(samples.append), first: med(samples.first), firstForeground: med(samples.firstFg), storeReady: storeReadyS } };
}
