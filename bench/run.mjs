#!/usr/bin/env node
// Benchmark harness: `npm run bench` (= build, then `node bench/run.mjs`).
//
//   node bench/run.mjs [--runs N] [--warmup N] [--only core[,other]] [--no-write]
//
// Each case is a module in bench/cases/ exporting { name, title, run(ctx) };
// run() returns { markdown, failed }. The markdown is printed to stdout and
// written into BENCHMARKS.md between <!-- bench:<name>:start/end --> markers.
// Progress goes to stderr. Corpora live in bench/.work/ ($CACHELENS_BENCH_DIR).
import fs from 'node:fs';
import path from 'node:path';
import {
  BENCH_DIR, WORK_DIR, detectCachelens, ensureBigFile, ensureCcusage, ensureCorpus,
  log, machineInfo, parseArgs, writeSection,
} from './lib.mjs';

// Order matters: sections are appended to BENCHMARKS.md in this order the first time.
const CASES = ['core', 'diagnostics', 'store', 'live', 'sim', 'team', 'dashboard', 'proxy'];

const USAGE = `usage: node bench/run.mjs [--runs N] [--warmup N] [--only ${CASES.join(',')}] [--no-write]

  --runs N     timed runs per command (default 5), interleaved across tools
  --warmup N   untimed warm-up rounds before timing (default 1)
  --only a,b   run only these cases (available: ${CASES.join(', ')})
  --no-write   print the markdown but leave BENCHMARKS.md alone

env: CACHELENS_BENCH_DIR (work dir, default bench/.work), CACHELENS_BENCH_SOURCE
     (source tree, default ../shared/data/claude-home), CACHELENS_BENCH_CLI
     (CLI under test, default dist/cli/main.js)`;

function once(fn) {
  let done = false, value;
  return (...a) => {
    if (!done) { value = fn(...a); done = true; }
    return value;
  };
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) { console.log(USAGE); return 0; }
  const selected = opts.only ?? CASES;
  const unknown = selected.filter((c) => !CASES.includes(c));
  if (unknown.length) { console.error(`unknown case(s): ${unknown.join(', ')}\n\n${USAGE}`); return 2; }

  fs.mkdirSync(WORK_DIR, { recursive: true });
  const ctx = {
    opts,
    machine: machineInfo(),
    ccusage: once(ensureCcusage),
    corpus: once(ensureCorpus),
    bigfile: once(ensureBigFile),
    cachelens: once(() => {
      const cl = detectCachelens();
      log(cl.built ? `cachelens: ${path.relative(process.cwd(), cl.main)}` : `cachelens: not built (${cl.main} missing) — measuring ccusage and cat only`);
      return cl;
    }),
  };

  let failed = false;
  const outputs = [];
  for (const name of selected) {
    const mod = await import(path.join(BENCH_DIR, 'cases', `${name}.mjs`));
    log(`case ${name}: ${mod.title}`);
    const res = await mod.run(ctx);
    outputs.push(res.markdown.trim());
    fs.writeFileSync(path.join(WORK_DIR, `last-${name}.json`), JSON.stringify({ at: new Date().toISOString(), opts, results: res.results }, null, 2) + '\n');
    if (opts.write) writeSection(name, res.markdown);
    if (res.failed) failed = true;
  }
  process.stdout.write(`${outputs.join('\n\n')}\n`);
  if (opts.write) log('updated BENCHMARKS.md');
  if (failed) log('some runs failed (non-zero exit or invalid output); see ⚠ in the table');
  return failed ? 1 : 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err?.stack ?? err); process.exitCode = 1; },
);
