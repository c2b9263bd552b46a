// Diagnostics case: `breaks` and `whatif` must cost at most 1.5x `report` on
// the >= 1 GiB corpus (cold, no store), measured side by side, interleaved.
import path from 'node:path';
import { fmt, interleave, mdTable, ROOT, supportedArgs } from '../lib.mjs';

export const name = 'diagnostics';
export const title = 'Diagnostics: breaks and whatif vs report';

const TARGET = 1.5;

const checkJson = (r) => {
  try {
    JSON.parse(r.stdout ?? '');
    return null;
  } catch (e) {
    return `stdout is not valid JSON (${e.message})`;
  }
};

export async function run(ctx) {
  const { opts } = ctx;
  const corpus = ctx.corpus();
  const cl = ctx.cachelens();
  if (!cl.built) return { markdown: `## ${title}\n\ncachelens is not built.\n`, failed: false, results: {} };
  const env = { CLAUDE_CONFIG_DIR: corpus.dir };
  const extra = supportedArgs(cl, ['--no-store']);
  const cmds = ['report', 'breaks', 'whatif'].map((c) => ({
    id: c,
    cmd: process.execPath,
    args: [cl.main, c, '--json', ...extra],
    env,
    keepStdout: true,
    check: checkJson,
  }));
  const results = interleave(cmds, opts);
  const rep = results.get('report');
  const rows = [];
  const targets = [];
  for (const c of ['report', 'breaks', 'whatif']) {
    const r = results.get(c);
    const ratio = r.medianWallS / rep.medianWallS;
    rows.push([`cachelens ${c} --json`, fmt.s(r.medianWallS) + (r.ok ? '' : ' ⚠'), fmt.x(ratio), `${fmt.mib(r.medianRssMiB)} / ${fmt.mib(r.maxRssMiB)}`]);
    if (c !== 'report') targets.push([`${c} ≤ ${TARGET}× report`, fmt.x(ratio), r.ok && ratio <= TARGET ? '✅ pass' : '❌ fail']);
  }
  const rel = (p) => path.relative(ROOT, p);
  const m = ctx.machine;
  const md = `## ${title}

Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${m.nproc} cores, Node ${m.node}; ${opts.runs} interleaved runs after ${opts.warmup} warm-up, medians;
corpus \`${rel(corpus.dir)}\` (${fmt.mib(corpus.bytes / 2 ** 20)} MiB, ${corpus.files} files), \`CLAUDE_CONFIG_DIR\` set, empty HOME.
\`breaks\` reads conversation events (five extra byte markers) and classifies every rebuild; \`whatif\` replays every
conversation under six policies. Both start from the same cold scan as \`report\`.

${mdTable(['Command', 'Median wall (s)', 'vs report', 'Peak RSS MiB (median / max)'], rows, 'lrrr')}

### Targets

${mdTable(['Target', 'Measured', 'Result'], targets, 'lll')}
`;
  return { markdown: md, failed: [...results.values()].some((r) => !r.ok), results: Object.fromEntries([...results].map(([k, v]) => [k, { ...v, lastStdout: undefined }])) };
}
