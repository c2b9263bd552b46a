// Dashboard case: time from `cachelens dashboard` starting to the overview's
// numbers painted in chromium (playwright-core), against the wall time of
// `cachelens report --json` on the same >= 1 GiB corpus, in three modes:
// --no-store (both scan everything), a fresh store (both build it), and a
// warm store (nothing changed since the last run).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchEnv, fmt, log, mdTable, measure, median, MiB, ROOT, WORK_DIR } from '../lib.mjs';

export const name = 'dashboard';
export const title = 'Dashboard: first paint of the overview vs report --json';

const TARGET = 2;
/** how long the freshly opened blank tab is left to settle before the clock starts */
const TAB_SETTLE_MS = 1000;
const CHROMIUM = process.env.CACHELENS_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Starts the dashboard, loads the page, and returns seconds until the overview's numbers are painted. */
async function firstPaint(browser, main, args, env) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-dash-'));
  // an open blank tab, as a user's browser would have: not part of the timing. Opening it keeps chromium busy
  // on ~2 cores for ~0.6 s after newPage() returns (measured here): without the pause that work lands inside the
  // dashboard's timing (on a 2-core machine), never inside the CLI's, and is no part of the dashboard's first paint
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await new Promise((r) => setTimeout(r, TAB_SETTLE_MS));
  const t0 = process.hrtime.bigint();
  const t0Epoch = performance.timeOrigin + performance.now();
  const proc = spawn(process.execPath, [main, 'dashboard', '--no-open', '--port', '0', ...args], { cwd: ROOT, env: benchEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      proc.on('exit', (code) => reject(new Error(`dashboard exited with ${code}: ${err}`)));
      proc.stdout.on('data', (d) => {
        out += d;
        const m = /cachelens dashboard: (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
    });
    await page.goto(url);
    await page.waitForSelector('[data-testid=total-requests][data-value]', { timeout: 300_000 });
    const seenS = Number(process.hrtime.bigint() - t0) / 1e9;
    // the page marks the frame after it drew its numbers; read it as wall-clock time (same machine, same clock)
    const paintedEpoch = await page.evaluate(async () => {
      for (;;) {
        const m = performance.getEntriesByName('cachelens:first-view')[0];
        if (m) return performance.timeOrigin + m.startTime;
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    const wallS = (paintedEpoch - t0Epoch) / 1000;
    const requests = Number(await page.getAttribute('[data-testid=total-requests]', 'data-value'));
    return { wallS, seenS, requests };
  } finally {
    await context.close();
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    fs.rmSync(home, { recursive: true, force: true });
  }
}

export async function run(ctx) {
  const { opts } = ctx;
  const cl = ctx.cachelens();
  if (!cl.built) return { markdown: `## ${title}\n\ncachelens is not built.\n`, failed: false, results: {} };
  if (!fs.existsSync(CHROMIUM)) return { markdown: `## ${title}\n\nNo chromium at ${CHROMIUM}: not measured.\n`, failed: false, results: {} };
  const { chromium } = await import('playwright-core');
  const corpus = ctx.corpus();
  // the report runs fill the store themselves, as the dashboard does (a first report would fill it in the background)
  const env = { CLAUDE_CONFIG_DIR: corpus.dir, CACHELENS_BACKGROUND_INDEX: '0' };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const db = path.join(WORK_DIR, 'dashboard-bench.db');
  const freshDb = () => {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  };
  const modes = [
    { key: 'nostore', label: '--no-store (both scan the corpus)', args: ['--no-store'], before: () => {} },
    { key: 'cold', label: 'fresh store (both scan and fill it)', args: ['--db', db], before: freshDb },
    { key: 'warm', label: 'warm store (nothing changed)', args: ['--db', db], before: () => {} },
  ];
  const results = {};
  let failed = false;
  const loadStart = os.loadavg()[0].toFixed(1);
  try {
    for (const m of modes) {
      const cli = [];
      const dash = [];
      const seen = [];
      if (m.key === 'warm') {
        // fill the store and the cached outputs of both
        measure(process.execPath, [cl.main, 'report', '--json', ...m.args], { env });
        await firstPaint(browser, cl.main, m.args, env);
      }
      for (let i = 0; i < opts.runs; i++) {
        m.before();
        const r = measure(process.execPath, [cl.main, 'report', '--json', ...m.args], { env, keepStdout: true });
        if (r.status !== 0) failed = true;
        const expected = r.status === 0 ? JSON.parse(r.stdout).totals.requests : null;
        cli.push(r.wallS);
        m.before();
        const p = await firstPaint(browser, cl.main, m.args, env);
        if (p.requests !== expected) {
          failed = true;
          log(`dashboard showed ${p.requests} requests, report --json ${expected}`);
        }
        dash.push(p.wallS);
        seen.push(p.seenS);
        log(`${m.key.padEnd(8)} report --json ${r.wallS.toFixed(3)} s   dashboard first paint ${p.wallS.toFixed(3)} s (seen by playwright ${p.seenS.toFixed(3)} s)`);
      }
      results[m.key] = { label: m.label, cli, dash, seen, cliMedian: median(cli), dashMedian: median(dash), seenMedian: median(seen), ratio: median(dash) / median(cli) };
    }
  } finally {
    await browser.close();
    freshDb();
  }
  const loadEnd = os.loadavg()[0].toFixed(1);
  const rows = modes.map((m) => {
    const r = results[m.key];
    return [m.label, fmt.s(r.cliMedian), fmt.s(r.dashMedian), fmt.s(r.seenMedian), `${r.ratio.toFixed(2)}×`, r.ratio <= TARGET ? '✅ pass' : '❌ fail'];
  });
  const markdown = `## ${title}

Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${ctx.machine.nproc} cores (${ctx.machine.cpuModel}), Node ${ctx.machine.node}; ${opts.runs} run(s) per mode, the two alternating.
**The 2 cores are shared with other engineers' builds and tests** (load average ${loadStart} at the start, ${loadEnd} at the end),
so single runs swing; medians are shown.
Corpus \`bench/.work/corpus\` (${(corpus.bytes / MiB).toFixed(1)} MiB, ${corpus.files} files), \`CLAUDE_CONFIG_DIR\` pointing at it, a fresh empty HOME per run.

- **report --json**: wall time of \`node dist/cli/bin.cjs report --json\` (process start to exit).
- **dashboard first paint**: from spawning \`node dist/cli/bin.cjs dashboard --no-open --port 0\` to the frame after
  the overview's totals were painted in chromium: a \`performance.mark\` the page sets (the served page's inline loader,
  in the task after that frame; a page that fetched its overview sets it likewise after drawing it), read as wall-clock
  time. The next column is when playwright's polling noticed the numbers (harness latency on top). playwright-core
  drives it; the browser is started once, and before each run a blank tab is opened and left ${TAB_SETTLE_MS / 1000} s to
  settle, outside the timing, as a user's browser would already be open (opening a tab keeps chromium busy on both
  cores for ~0.6 s after playwright's newPage() returns; without the pause that work fell inside the dashboard's
  timing). The page's request count is checked against \`report --json\` on every run.

| Mode | report --json median (s) | dashboard first paint median (s) | … as seen by playwright (s) | ratio (first paint) | target ≤ ${TARGET}× |
| --- | ---: | ---: | ---: | ---: | --- |
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

How the dashboard gets there: Node starts and the server listens (~0.08 s, about what the CLI spends before its own
load); the page's head (styles, header, filters) goes out at once, and the server makes the overview exactly as
\`report --json\` does (the same store refresh and, with a warm store, the store's cached output; one load at a
time) while chromium sets up the page. The rest of the page then arrives with the overview in it: the totals cards as
HTML and the report as a JSON block, so they are painted with no script and no API call (~0.05 s after the last byte
here: style, layout, paint). The page's 75 KB script is added after that frame, takes the JSON block over and draws
the charts and tables. With a full scan (first two rows) the load dominates both sides. With a warm store the CLI
re-prints a cached output, and the dashboard adds its server, chromium's navigation and one frame: here
${results.warm ? `${results.warm.ratio.toFixed(2)}×, ${results.warm.ratio <= TARGET ? 'within' : 'above'} the ${TARGET}× target` : 'not measured'}.
The two cores are shared, and chromium's and Node's work compete for them, so this row swings most with the load.
`;
  return { markdown, failed, results };
}
