// A large cold report (no store) is read and reduced in worker threads: scan
// workers hand their records to the "sink" worker, which makes the overview's
// per-session parts (scan/sink.ts, cli/parts-worker.ts). It must print what
// the in-thread path prints, bad input and all. CACHELENS_SINK_MIN_BYTES
// moves the size from which the workers are used: 0 takes them for any tree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeHome, haveCli, haveSharedData, repoRoot, runCli, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';

const ready = haveSharedData && haveCli && fs.existsSync(path.join(repoRoot, 'dist', 'bundle', 'parts-worker.cjs'));
if (!haveSharedData) console.warn(SKIP_NO_SHARED);
else if (!haveCli) console.warn(SKIP_NO_CLI);
const d = ready ? describe : describe.skip;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-sink-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `report --json --no-store` through the workers (sink) or in this thread, without the run's elapsed time. */
function report(args: string[], sink: boolean): unknown {
  const r = runCli(['report', '--json', '--no-store', ...args], { env: { CACHELENS_SINK_MIN_BYTES: sink ? '0' : String(2 ** 50) } });
  expect(r.status, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { scan: { elapsedMs?: number } };
  delete json.scan.elapsedMs;
  return json;
}

/** A tree of two real projects plus bad input: a non-JSON line, a truncated last line, two objects on one line, an empty file. */
function badTree(): string {
  const root = path.join(tmp, 'bad');
  const projects = fs.readdirSync(path.join(claudeHome, 'projects')).sort().slice(0, 2);
  for (const p of projects) fs.cpSync(path.join(claudeHome, 'projects', p), path.join(root, 'projects', p), { recursive: true });
  const dir = path.join(root, 'projects', projects[0]!);
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()[0]!;
  const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean);
  const usage = lines.filter((l) => l.includes('"usage"'));
  fs.writeFileSync(path.join(dir, 'bad-lines.jsonl'), `${usage[0]}\nnot json {"type":"assistant"\n${usage[1]}${usage[2]}\n${usage[3]!.slice(0, 200)}`);
  fs.writeFileSync(path.join(dir, 'empty.jsonl'), '');
  return root;
}

d('the cold report in worker threads (sink)', () => {
  it('prints the in-thread report of every real transcript, in other zones and with filters', () => {
    for (const args of [[], ['--tz', 'Europe/Berlin', '--by', 'day'], ['--since', '2025-09-01', '--until', '2025-10-31', '--tz', 'America/New_York'], ['--project', 'claude', '--model', 'sonnet']]) {
      const a = report(['--dir', claudeHome, ...args], true);
      expect(a).toEqual(report(['--dir', claudeHome, ...args], false));
    }
  });

  it('counts bad input as the in-thread path does', () => {
    const root = badTree();
    const a = report(['--dir', root], true) as { scan: Record<string, unknown> };
    expect(a).toEqual(report(['--dir', root], false));
    // (and there was bad input to count)
    expect(a.scan['badLines']).toBe(1);
    expect(a.scan['truncatedLastLines']).toBe(1);
    expect(a.scan['concatenatedLines']).toBe(1);
    expect(a.scan['emptyFiles']).toBe(1);
  });

  it('gives the same merged parts with more scan workers than cores', async () => {
    type Sink = typeof import('../src/scan/sink.js');
    type Scan = typeof import('../src/scan/index.js');
    type Discover = typeof import('../src/discover/index.js');
    const { scanWithSink } = (await import(pathToFileURL(path.join(repoRoot, 'dist', 'scan', 'sink.js')).href)) as Sink;
    const { workerUrl } = (await import(pathToFileURL(path.join(repoRoot, 'dist', 'scan', 'index.js')).href)) as Scan;
    const { discoverFiles } = (await import(pathToFileURL(path.join(repoRoot, 'dist', 'discover', 'index.js')).href)) as Discover;
    const files = discoverFiles([path.join(claudeHome, 'projects')]);
    const sink = { url: pathToFileURL(path.join(repoRoot, 'dist', 'bundle', 'parts-worker.cjs')), extra: { tz: 'UTC', filters: { since: null, until: null, project: null, model: null } } };
    const runs = [];
    type Merged = import('../src/report/parts.js').MergedParts;
    // (a one-shot command's main thread reads a share too; a server's does not)
    for (const threads of [1, 2, 4]) for (const mainReads of [false, true]) runs.push(await scanWithSink<Merged, typeof sink.extra>(files, sink, workerUrl()!, { threads, events: false, mainReads }));
    // the merged sums of every session
    expect(runs[0]!.result.total.sessions.size).toBeGreaterThan(100);
    for (const r of runs.slice(1)) {
      expect(r.result).toEqual(runs[0]!.result);
      expect(r.counts).toEqual(runs[0]!.counts);
    }
  });

  it('gives the same with workers started before the files were found, and starts its own when those cannot be used', async () => {
    type Sink = typeof import('../src/scan/sink.js');
    type Scan = typeof import('../src/scan/index.js');
    type Discover = typeof import('../src/discover/index.js');
    const { scanWithSink, startEarly } = (await import(pathToFileURL(path.join(repoRoot, 'dist', 'scan', 'sink.js')).href)) as Sink;
    const { workerUrl } = (await import(pathToFileURL(path.join(repoRoot, 'dist', 'scan', 'index.js')).href)) as Scan;
    const { discoverFiles } = (await import(pathToFileURL(path.join(repoRoot, 'dist', 'discover', 'index.js')).href)) as Discover;
    const files = discoverFiles([path.join(claudeHome, 'projects')]);
    const sinkUrl = pathToFileURL(path.join(repoRoot, 'dist', 'bundle', 'parts-worker.cjs'));
    const sink = { url: sinkUrl, extra: { tz: 'UTC', filters: { since: null, until: null, project: null, model: null } } };
    type Merged = import('../src/report/parts.js').MergedParts;
    const plain = await scanWithSink<Merged, typeof sink.extra>(files, sink, workerUrl()!, { threads: 2, events: false });
    // started early and used
    const early = startEarly(sinkUrl, workerUrl()!, 2);
    let earlyReplied = false;
    early.sink.once('message', () => (earlyReplied = true));
    const used = await scanWithSink<Merged, typeof sink.extra>(files, sink, workerUrl()!, { threads: 2, events: false, early });
    expect(earlyReplied).toBe(true); // (the early sink did the work, not a fresh one)
    expect(used.result).toEqual(plain.result);
    expect(used.counts).toEqual(plain.counts);
    // started for a one-shot command, whose main thread reads too (no scan worker with two threads)
    const earlyMain = startEarly(sinkUrl, workerUrl()!, 2, true);
    expect(earlyMain.scanners).toHaveLength(0);
    let mainReplied = false;
    earlyMain.sink.once('message', () => (mainReplied = true));
    const withMain = await scanWithSink<Merged, typeof sink.extra>(files, sink, workerUrl()!, { threads: 2, events: false, early: earlyMain, mainReads: true });
    expect(mainReplied).toBe(true);
    expect(withMain.result).toEqual(plain.result);
    expect(withMain.counts).toEqual(plain.counts);
    // one that failed before it got its input (a file that is no worker): the others are stopped, fresh ones do the work
    const broken = startEarly(pathToFileURL(path.join(tmp, 'no-such-worker.cjs')), workerUrl()!, 2);
    await new Promise<void>((resolve) => broken.sink.once('exit', () => resolve()));
    expect(broken.failed).toBe(true);
    const fallback = await scanWithSink<Merged, typeof sink.extra>(files, sink, workerUrl()!, { threads: 2, events: false, early: broken });
    expect(fallback.result).toEqual(plain.result);
    // started for another number of threads: not used either
    const other = startEarly(sinkUrl, workerUrl()!, 3);
    let otherReplied = false;
    other.sink.once('message', () => (otherReplied = true));
    const third = await scanWithSink<Merged, typeof sink.extra>(files, sink, workerUrl()!, { threads: 2, events: false, early: other });
    expect(otherReplied).toBe(false);
    expect(third.result).toEqual(plain.result);
  });
});
