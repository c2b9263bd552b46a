// Live case: `cachelens statusline` vs `ccusage statusline` on a session whose
// transcript is >= 50 MiB, one real line appended before every call (as Claude
// Code does), each call a fresh process fed the status JSON on stdin, the two
// tools alternating. Also the in-process time of a call (what is left once Node
// has started), which is what cachelens itself controls.
import fs from 'node:fs';
import path from 'node:path';
import { fmt, log, mdTable, measure, median, MiB, rekey, SOURCE_DIR, walkFiles, WORK_DIR } from '../lib.mjs';

export const name = 'live';
export const title = 'Live: status line per call vs ccusage statusline';

const TARGET_MS = 50;
const SESSION = '5e55104e-0000-4000-8000-0000005e5510';

/** <work>/live/projects/-live/<session>.jsonl: re-keyed copies of the largest real transcripts until >= 50 MiB. */
function buildTranscript() {
  const dir = path.join(WORK_DIR, 'live');
  const file = path.join(dir, 'projects', '-live', `${SESSION}.jsonl`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sources = [...walkFiles(path.join(SOURCE_DIR, 'projects'))]
    .filter((f) => f.endsWith('.jsonl') && !f.includes(`${path.sep}subagents${path.sep}`))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
  let bytes = 0;
  for (let k = 1; bytes < 50 * MiB; k++) {
    for (const src of sources.slice(0, 8)) {
      let body = rekey(fs.readFileSync(src, 'utf8'), k);
      if (!body.endsWith('\n')) body += '\n';
      fs.appendFileSync(file, body);
      bytes += Buffer.byteLength(body);
      if (bytes >= 50 * MiB) break;
    }
  }
  // lines to append: real assistant lines with usage, re-keyed afresh for each call
  const usage = fs.readFileSync(sources[0], 'utf8').split('\n').filter((l) => l.includes('"usage"') && l.includes('"type":"assistant"')).slice(0, 50);
  return { dir, file, bytes, usage };
}

export async function run(ctx) {
  const { opts } = ctx;
  const cl = ctx.cachelens();
  const cc = ctx.ccusage();
  if (!cl.built) return { markdown: `## ${title}\n\ncachelens is not built.\n`, failed: false, results: {} };
  const t = buildTranscript();
  const cacheHome = path.join(WORK_DIR, 'live-cache');
  fs.rmSync(cacheHome, { recursive: true, force: true });
  // both tools get the same persistent cache dir (cachelens keeps its per-session state there)
  const env = { CLAUDE_CONFIG_DIR: t.dir, XDG_CACHE_HOME: cacheHome };
  const stdin = JSON.stringify({
    hook_event_name: 'Status', session_id: SESSION, transcript_path: t.file, cwd: '/tmp', workspace: { current_dir: '/tmp', project_dir: '/tmp' },
    model: { id: 'claude-opus-4-6', display_name: 'Opus 4.6' }, version: '2.1.62', cost: { total_cost_usd: 0 },
  });
  // what Claude Code runs: the package's bin (`cachelens statusline`)
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(cl.main), '..', '..', 'package.json'), 'utf8'));
  const bin = path.join(path.dirname(cl.main), '..', '..', typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.cachelens);
  const clArgs = [bin, 'statusline'];
  const ccArgs = [cc.bin, 'statusline', '--offline'];
  let k = 1000;
  const append = () => fs.appendFileSync(t.file, `${rekey(t.usage[k % t.usage.length], k++)}\n`);
  let failed = false;
  const take = (label, r) => {
    if (r.status !== 0) failed = true;
    log(`${label.padEnd(24)} ${(r.wallS * 1000).toFixed(1)} ms  ${(r.rssKiB / 1024).toFixed(1)} MiB${r.status === 0 ? '' : `  ERROR exit ${r.status}`}`);
    return r;
  };
  const first = { cl: take('cachelens first call', measure(process.execPath, clArgs, { env, input: stdin })), cc: take('ccusage first call', measure(process.execPath, ccArgs, { env, input: stdin })) };
  const runs = Math.max(10, opts.runs * 4);
  const samples = { cl: [], cc: [] };
  for (let i = 0; i < runs; i++) {
    append();
    samples.cl.push(take('cachelens', measure(process.execPath, clArgs, { env, input: stdin })));
    samples.cc.push(take('ccusage', measure(process.execPath, ccArgs, { env, input: stdin })));
  }
  const bare = [];
  for (let i = 0; i < 10; i++) bare.push(measure(process.execPath, ['-e', '0'], { env }).wallS);
  // in process: the same call without Node's start-up, one appended line each time
  const { runStatusline } = await import(path.join(path.dirname(cl.main), '..', 'live', 'statusline.js'));
  const procEnv = { ...process.env, ...env, NO_COLOR: '1' };
  const inProc = [];
  for (let i = 0; i < 30; i++) {
    append();
    const t0 = process.hrtime.bigint();
    await runStatusline(stdin, { env: procEnv });
    inProc.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const med = (xs) => median(xs.map((r) => r.wallS * 1000));
  const ratio = med(samples.cl) / med(samples.cc);
  const ms = (x) => `${x.toFixed(1)}`;
  const m = ctx.machine;
  const md = `## ${title}

Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${m.nproc} cores, Node ${m.node}. One session transcript of ${fmt.mib(t.bytes / MiB)} MiB (re-keyed real transcripts),
a real assistant line appended before each call; ${runs} calls per tool, alternating, each a fresh process reading the status JSON on stdin
(\`cachelens statusline\` vs \`ccusage ${cc.version} statusline --offline\`), both with the same persistent cache dir.

${mdTable(['Case', 'Median wall (ms)', 'vs ccusage', 'Peak RSS MiB (max)'], [
    ['cachelens first call (reads the whole transcript)', ms(first.cl.wallS * 1000), '–', fmt.mib(first.cl.rssKiB / 1024)],
    ['cachelens later calls (appended bytes only)', ms(med(samples.cl)), fmt.x(ratio), fmt.mib(Math.max(...samples.cl.map((r) => r.rssKiB)) / 1024)],
    [`ccusage ${cc.version} (same calls)`, ms(med(samples.cc)), '1.00×', fmt.mib(Math.max(...samples.cc.map((r) => r.rssKiB)) / 1024)],
    ['bare `node -e 0` (start-up floor)', ms(median(bare) * 1000), '–', '–'],
    ['cachelens call in process (no start-up)', ms(median(inProc)), '–', '–'],
  ], 'lrrr')}

### Targets

${mdTable(['Target', 'Measured', 'Result'], [
    [`median ≤ ${TARGET_MS} ms per call after the first`, `${ms(med(samples.cl))} ms per process (${ms(median(bare) * 1000)} ms of it bare Node start-up); ${ms(median(inProc))} ms in process`, med(samples.cl) <= TARGET_MS ? '✅ pass' : (median(inProc) <= TARGET_MS ? '⚠️ in process only' : '❌ fail')],
    ['faster than ccusage statusline', fmt.x(ratio), !failed && ratio < 1 ? '✅ pass' : '❌ fail'],
  ], 'lll')}
`;
  return { markdown: md, failed, results: { cl: med(samples.cl), cc: med(samples.cc), inProc: median(inProc), bare: median(bare) } };
}
