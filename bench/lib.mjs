// Shared helpers for the benchmark harness (bench/run.mjs and bench/cases/*.mjs).
//
// Everything here is plain Node (no dependencies): paths, argument parsing,
// corpus preparation, process measurement (wall time + peak RSS), statistics,
// markdown tables and the BENCHMARKS.md marker sections.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------
// Paths

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');
export const WORK_DIR = path.resolve(process.env.CACHELENS_BENCH_DIR || path.join(BENCH_DIR, '.work'));
/** The real ~/.claude-style tree the corpora are made from. */
export const SOURCE_DIR = path.resolve(
  process.env.CACHELENS_BENCH_SOURCE || path.join(ROOT, '..', 'shared', 'data', 'claude-home'),
);
export const AMPLIFY_TOOL = path.resolve(
  process.env.CACHELENS_BENCH_AMPLIFY || path.join(ROOT, '..', 'shared', 'tools', 'amplify-corpus.mjs'),
);
/** The CLI under test; CACHELENS_BENCH_CLI points the harness at another build. */
// the package's bin: what `cachelens …` runs once installed
export const CACHELENS_MAIN = path.resolve(process.env.CACHELENS_BENCH_CLI || path.join(ROOT, 'dist', 'cli', 'bin.cjs'));
export const BENCHMARKS_MD = path.join(ROOT, 'BENCHMARKS.md');
export const CCUSAGE_VERSION = '20.0.24';

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;

// ---------------------------------------------------------------------------
// Logging: progress goes to stderr, the final markdown to stdout.

export function log(...args) {
  process.stderr.write(`[bench] ${args.join(' ')}\n`);
}

// ---------------------------------------------------------------------------
// Arguments

export function parseArgs(argv) {
  const opts = { runs: 5, warmup: 1, only: null, write: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--runs': opts.runs = positiveInt(flag, value()); break;
      case '--warmup': opts.warmup = nonNegativeInt(flag, value()); break;
      case '--only': opts.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--no-write': opts.write = false; break;
      case '-h': case '--help': opts.help = true; break;
      default: throw new Error(`unknown argument: ${a}`);
    }
  }
  return opts;
}

function positiveInt(flag, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${v}`);
  return n;
}
function nonNegativeInt(flag, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${v}`);
  return n;
}

// ---------------------------------------------------------------------------
// Files

export function* walkFiles(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) yield* walkFiles(p);
    else if (ent.isFile()) yield p;
  }
}

/** Count and size the `.jsonl` files under dir (what both tools actually read). */
export function jsonlStats(dir) {
  let files = 0, bytes = 0;
  for (const f of walkFiles(dir)) {
    if (!f.endsWith('.jsonl')) continue;
    files++;
    bytes += fs.statSync(f).size;
  }
  return { files, bytes };
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
}

// ---------------------------------------------------------------------------
// ccusage (pinned, installed into bench/node_modules)

/** Install ccusage into bench/ if missing; return { version, bin }. */
export function ensureCcusage() {
  const pkgFile = path.join(BENCH_DIR, 'node_modules', 'ccusage', 'package.json');
  if (!fs.existsSync(pkgFile)) {
    log(`installing ccusage@${CCUSAGE_VERSION} into bench/ ...`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['install', '--prefix', BENCH_DIR, '--no-audit', '--no-fund'], {
      cwd: ROOT,
      stdio: ['ignore', 2, 2], // keep stdout for the markdown
    });
    if (r.status !== 0 || !fs.existsSync(pkgFile)) throw new Error('npm install --prefix bench failed');
  }
  const pkg = readJson(pkgFile);
  if (pkg.version !== CCUSAGE_VERSION) {
    throw new Error(`bench/node_modules/ccusage is ${pkg.version}, expected ${CCUSAGE_VERSION}; rm -rf bench/node_modules and re-run`);
  }
  const binRel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.ccusage ?? Object.values(pkg.bin ?? {})[0];
  if (!binRel) throw new Error('ccusage package.json has no bin');
  return { version: pkg.version, bin: path.join(path.dirname(pkgFile), binRel) };
}

// ---------------------------------------------------------------------------
// Corpora (created once under WORK_DIR, reused while their marker matches)

function requireSource() {
  if (!fs.existsSync(path.join(SOURCE_DIR, 'projects'))) {
    throw new Error(`source tree not found: ${SOURCE_DIR}/projects (set CACHELENS_BENCH_SOURCE)`);
  }
}

/**
 * The >= 1 GiB multi-file corpus: `amplify-corpus.mjs SOURCE <work>/corpus N`,
 * N = ceil(1 GiB / source size). Returns { dir, copies, files, bytes } (jsonl only).
 */
export function ensureCorpus() {
  const dir = path.join(WORK_DIR, 'corpus');
  const markerFile = path.join(WORK_DIR, 'corpus.json');
  const marker = readJson(markerFile);
  if (marker && fs.existsSync(path.join(dir, 'projects'))) {
    const now = jsonlStats(path.join(dir, 'projects'));
    if (now.files === marker.files && now.bytes === marker.bytes) return { dir, ...marker };
    log('corpus does not match its marker; rebuilding');
  }
  requireSource();
  if (!fs.existsSync(AMPLIFY_TOOL)) throw new Error(`amplify tool not found: ${AMPLIFY_TOOL}`);
  const src = jsonlStats(path.join(SOURCE_DIR, 'projects'));
  // Copies 1.. grow slightly (re-keyed ids are longer), so N * source size is a lower bound.
  let copies = Math.ceil(GiB / src.bytes);
  fs.mkdirSync(WORK_DIR, { recursive: true });
  for (;;) {
    const tmp = `${dir}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    log(`building corpus: amplify-corpus.mjs x${copies} (${(src.bytes / MiB).toFixed(1)} MiB source) ...`);
    const r = spawnSync(process.execPath, [AMPLIFY_TOOL, SOURCE_DIR, tmp, String(copies)], {
      stdio: ['ignore', 2, 2],
    });
    if (r.status !== 0) throw new Error('amplify-corpus.mjs failed');
    const st = jsonlStats(path.join(tmp, 'projects'));
    if (st.bytes < GiB) { copies++; continue; }
    fs.renameSync(tmp, dir);
    const m = { copies, files: st.files, bytes: st.bytes, source: SOURCE_DIR, sourceFiles: src.files, sourceBytes: src.bytes, createdAt: new Date().toISOString() };
    fs.writeFileSync(markerFile, JSON.stringify(m, null, 2) + '\n');
    return { dir, ...m };
  }
}

// Re-keying exactly as amplify-corpus.mjs does it: per-copy prefix on uuids,
// `c<k>x` infix on msg_/req_/toolu_ ids, timestamps + 3 days per copy.
const DAY = 86400000;
const uuidRe = /\b([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\b/g;
const idRe = /\b(msg|req|toolu)_([0-9A-Za-z]+)/g;
const tsRe = /"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"/g;
export function rekey(text, k) {
  if (k === 0) return text;
  const hex = k.toString(16).padStart(2, '0').slice(-2);
  return text
    .replace(uuidRe, (_, a, b, c, d, e) => `${hex}${a.slice(2)}-${b}-${c}-${d}-${e}`)
    .replace(idRe, (_, p, s) => `${p}_c${k}x${s}`)
    .replace(tsRe, (_, t) => `"${new Date(Date.parse(t) + k * 3 * DAY).toISOString()}"`);
}

const BIG_SESSION = '0b16f11e-0000-4000-8000-00000000b16f';

/**
 * The single >= 1 GiB transcript: <work>/bigfile/projects/-big/<uuid>.jsonl, the
 * concatenation of whole re-keyed copies of every source transcript (copy k
 * re-keyed like amplify-corpus.mjs copy k, so nothing de-duplicates). Written
 * file by file through a stream; never more than one source file in memory.
 */
export async function ensureBigFile() {
  const root = path.join(WORK_DIR, 'bigfile');
  const file = path.join(root, 'projects', '-big', `${BIG_SESSION}.jsonl`);
  const markerFile = path.join(WORK_DIR, 'bigfile.json');
  const marker = readJson(markerFile);
  if (marker && fs.existsSync(file) && fs.statSync(file).size === marker.bytes) return { dir: root, file, ...marker };
  requireSource();
  const sources = [...walkFiles(path.join(SOURCE_DIR, 'projects'))].filter((f) => f.endsWith('.jsonl')).sort();
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const out = fs.createWriteStream(tmp);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((res) => out.once('drain', res)));
  let bytes = 0, copies = 0, lines = 0;
  log(`building single-file case: ${path.relative(ROOT, file)} ...`);
  while (bytes < GiB) {
    const k = copies;
    for (const src of sources) {
      let body = rekey(fs.readFileSync(src, 'utf8'), k);
      if (body.length && !body.endsWith('\n')) body += '\n';
      bytes += Buffer.byteLength(body);
      for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) lines++;
      await write(body);
    }
    copies++;
  }
  await new Promise((res, rej) => out.end((err) => (err ? rej(err) : res())));
  fs.renameSync(tmp, file);
  const m = { copies, sourceFiles: sources.length, bytes, lines, source: SOURCE_DIR, createdAt: new Date().toISOString() };
  fs.writeFileSync(markerFile, JSON.stringify(m, null, 2) + '\n');
  log(`  ${copies} copies, ${(bytes / MiB).toFixed(1)} MiB, ${lines} lines`);
  return { dir: root, file, ...m };
}

// ---------------------------------------------------------------------------
// Measurement

const TIME_BIN = '/usr/bin/time';

/**
 * A clean environment for one run: a fresh empty HOME (so no real ~/.claude,
 * caches or stores leak in or persist between runs), no XDG_* overrides.
 */
export function benchEnv(home, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    NO_COLOR: '1',
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

/**
 * Run `cmd args` once under /usr/bin/time -f '%e %M'. Wall time is measured
 * here with process.hrtime around spawnSync; peak RSS (KiB, the max over the
 * process and its waited-for children) comes from time's last stderr line.
 * stdout goes to a file so large outputs cost the same for every tool.
 * `input`: text for the command's stdin (else stdin is closed).
 * Returns { wallS, rssKiB, status, stdout, stderr }.
 */
export function measure(cmd, args, { env, cwd = ROOT, keepStdout = false, input = null } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-'));
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const outFile = path.join(tmp, 'stdout');
  const fd = fs.openSync(outFile, 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(TIME_BIN, ['-f', '%e %M', cmd, ...args], {
      cwd,
      env: benchEnv(home, env),
      stdio: [input === null ? 'ignore' : 'pipe', fd, 'pipe'],
      ...(input === null ? {} : { input }),
      maxBuffer: 64 * MiB,
    });
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    fs.closeSync(fd);
    if (r.error) throw r.error;
    const stderr = r.stderr.toString('utf8');
    const lines = stderr.trimEnd().split('\n');
    const m = /^(\d+(?:\.\d+)?) (\d+)$/.exec(lines.at(-1) ?? '');
    if (!m) throw new Error(`could not parse /usr/bin/time output for ${cmd}: ${stderr.slice(-500)}`);
    const toolStderr = lines.slice(0, -1).filter((l) => !/^Command (exited with non-zero status|terminated by signal)/.test(l)).join('\n');
    return {
      wallS,
      rssKiB: Number(m[2]),
      status: r.status,
      signal: r.signal,
      stdout: keepStdout ? fs.readFileSync(outFile, 'utf8') : null,
      stdoutBytes: fs.statSync(outFile).size,
      stderr: toolStderr,
    };
  } finally {
    try { fs.closeSync(fd); } catch {}
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Run a command once (no timing), in the same clean environment; returns { status, out }. */
export function runPlain(cmd, args, { env, cwd = ROOT } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bench-'));
  try {
    const r = spawnSync(cmd, args, { cwd, env: benchEnv(tmp, env), encoding: 'utf8', maxBuffer: 64 * MiB });
    return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Run every command `runs` times, interleaved (A B C A B C ...) so that drift
 * (thermal, page cache, noisy neighbours) hits all tools alike. `warmup`
 * untimed rounds first. Each command: { id, cmd, args, env, keepStdout, check(result) }.
 * `check` returns an error string or null; results keep the last stdout.
 * `mirror`: every other round runs in reverse (A B C C B A A B C ...), so that
 * no command always follows the same one. `pauseMs`: a pause before every
 * command, so that what ran just before has passed (see the core case).
 */
export function interleave(commands, { runs, warmup, mirror = false, pauseMs = 0 }) {
  const results = new Map(commands.map((c) => [c.id, { id: c.id, samples: [], errors: [], lastStdout: null }]));
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let round = -warmup; round < runs; round++) {
    const order = mirror && (round + warmup) % 2 === 1 ? [...commands].reverse() : commands;
    for (const c of order) {
      if (pauseMs > 0) Atomics.wait(pause, 0, 0, pauseMs);
      const r = measure(c.cmd, c.args, { env: c.env, keepStdout: c.keepStdout });
      const label = round < 0 ? 'warmup' : `run ${round + 1}/${runs}`;
      let err = r.status === 0 ? null : `exit ${r.status ?? r.signal}${r.stderr ? `: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
      if (!err && c.check) err = c.check(r);
      log(`${label.padEnd(9)} ${c.id.padEnd(22)} ${r.wallS.toFixed(3)} s  ${(r.rssKiB / 1024).toFixed(1)} MiB${err ? `  ERROR ${err}` : ''}`);
      if (round < 0) continue;
      const res = results.get(c.id);
      res.samples.push({ wallS: r.wallS, rssKiB: r.rssKiB, ok: !err });
      if (err) res.errors.push(err);
      if (c.keepStdout) res.lastStdout = r.stdout;
    }
  }
  for (const res of results.values()) {
    const walls = res.samples.map((s) => s.wallS);
    const rss = res.samples.map((s) => s.rssKiB / 1024);
    res.medianWallS = median(walls);
    res.minWallS = Math.min(...walls);
    res.maxWallS = Math.max(...walls);
    res.medianRssMiB = median(rss);
    res.maxRssMiB = Math.max(...rss);
    res.ok = res.errors.length === 0;
  }
  return results;
}

// ---------------------------------------------------------------------------
// Statistics and formatting

export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const fmt = {
  s: (x) => (Number.isFinite(x) ? x.toFixed(3) : '–'),
  x: (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'),
  mib: (x) => (Number.isFinite(x) ? x.toFixed(1) : '–'),
  rate: (x) => (Number.isFinite(x) ? x.toFixed(0) : '–'),
  int: (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–'),
  usd: (x) => (Number.isFinite(x) ? `$${x.toFixed(2)}` : '–'),
};

/** Markdown table; `align` is a string of l/r per column. */
export function mdTable(header, rows, align = '') {
  const sep = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  const line = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(sep), ...rows.map(line)].join('\n');
}

export function machineInfo() {
  const cpus = os.cpus();
  let nproc = String(cpus.length);
  const np = spawnSync('nproc', { encoding: 'utf8' });
  if (np.status === 0) nproc = np.stdout.trim();
  let memGiB = (os.totalmem() / GiB).toFixed(0);
  const free = spawnSync('free', ['-g'], { encoding: 'utf8' });
  const mem = free.status === 0 ? /^Mem:\s+(\d+)/m.exec(free.stdout) : null;
  if (mem) memGiB = mem[1];
  return {
    nproc,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown CPU',
    memGiB,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

// ---------------------------------------------------------------------------
// BENCHMARKS.md sections

const INTRO = `# Benchmarks

Generated by \`npm run bench\` (\`node bench/run.mjs\`; options: \`--runs N\`, \`--only core\`,
\`--warmup N\`, \`--no-write\`). Each section below is rewritten in place between its
\`<!-- bench:<name>:start -->\` / \`<!-- bench:<name>:end -->\` markers; text outside the
markers is kept. Corpora are built once under \`bench/.work/\` (or \`$CACHELENS_BENCH_DIR\`)
from the real transcripts in \`../shared/data/claude-home\`.
`;

/** Replace (or append) the section `name` of BENCHMARKS.md with `body`. */
export function writeSection(name, body) {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let text = fs.existsSync(BENCHMARKS_MD) ? fs.readFileSync(BENCHMARKS_MD, 'utf8') : INTRO;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i !== -1 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(BENCHMARKS_MD, text.endsWith('\n') ? text : `${text}\n`);
}

// ---------------------------------------------------------------------------
// cachelens (the built CLI under dist/)

/**
 * Is dist/cli/main.js there, and which `report` flags does it know? Unknown
 * flags are dropped by the cases, so the harness keeps working while the CLI
 * grows. Returns { built, main, help, has(flag) }.
 */
export function detectCachelens() {
  if (!fs.existsSync(CACHELENS_MAIN)) return { built: false, main: CACHELENS_MAIN, help: '', has: () => false };
  const r = runPlain(process.execPath, [CACHELENS_MAIN, 'report', '--help']);
  const help = r.out;
  const has = (flag) => new RegExp(`(^|[\\s,\\[])${flag.replace(/[-]/g, '\\-')}(?![\\w-])`, 'm').test(help);
  return { built: true, main: CACHELENS_MAIN, help, helpStatus: r.status, has };
}

/** Keep only the flags `report --help` mentions (a flag with a value: ['--dir', x]). */
export function supportedArgs(cl, wanted) {
  const out = [];
  for (const w of wanted) {
    const parts = Array.isArray(w) ? w : [w];
    if (cl.has(parts[0])) out.push(...parts);
  }
  return out;
}
