// The package's bin (dist/cli/bin.cjs, CommonJS, requiring the bundled command
// line) is what users run; the other CLI tests run dist/cli/main.js. Large
// inputs take paths only the bin's bundle loads the same way a user gets them:
// worker threads for the scan (store refresh) and the sink workers (report
// without a store). Both must print what main.js prints.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeHome, haveCli, haveSharedData, repoRoot, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';

const bin = path.join(repoRoot, 'dist', 'cli', 'bin.cjs');
const main = path.join(repoRoot, 'dist', 'cli', 'main.js');
const ready = haveSharedData && haveCli && fs.existsSync(bin);
if (!haveSharedData) console.warn(SKIP_NO_SHARED);
else if (!haveCli) console.warn(SKIP_NO_CLI);
const d = ready ? describe : describe.skip;

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-bin-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The code caches of bundle `name` in the run's cache dir. */
function codeCaches(name: string): string[] {
  const dir = path.join(home, 'cache', 'cachelens');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.v8cache')) : [];
}

function run(entry: string, args: string[]): unknown {
  // the store is filled by the run itself (a first run over this much would fill it in the background)
  const env = { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), XDG_DATA_HOME: path.join(home, 'data'), CLAUDE_CONFIG_DIR: claudeHome, NO_COLOR: '1', TZ: 'UTC', CACHELENS_BACKGROUND_INDEX: '0' };
  const r = spawnSync(process.execPath, [entry, 'report', '--json', ...args], { env, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  expect(r.status, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { scan: { elapsedMs?: number }; store?: unknown };
  delete json.scan.elapsedMs;
  return json;
}

d('the bin entry on a large input (worker threads)', () => {
  it('report without a store prints what main.js prints, again with the workers\' code caches the first run wrote', () => {
    const viaMain = run(main, ['--no-store']);
    expect(run(bin, ['--no-store'])).toEqual(viaMain);
    // (the main thread and the sink read: a scan worker only from a third core on)
    const names = ['program', 'parts-worker', ...(cores() > 2 ? ['scan-worker'] : [])];
    for (const name of names) expect(codeCaches(name), name).toHaveLength(1);
    expect(run(bin, ['--no-store'])).toEqual(viaMain);
  });

  it('report filling a new store, then re-run from it, prints what main.js prints', () => {
    const viaBin = run(bin, ['--db', path.join(home, 'bin.db')]) as { totals: unknown };
    const viaMain = run(main, ['--db', path.join(home, 'main.db')]) as { totals: unknown };
    expect(viaBin.totals).toEqual(viaMain.totals);
    // (read with a scan worker beside the main thread, which wrote its code cache)
    if (cores() > 1) expect(codeCaches('scan-worker')).toHaveLength(1);
    expect((run(bin, ['--db', path.join(home, 'bin.db')]) as { totals: unknown }).totals).toEqual(viaMain.totals);
  });
});

const binBuilt = haveCli && fs.existsSync(bin);
(binBuilt ? describe : describe.skip)('the bin entry with V8\'s code cache of the command line', () => {
  it('writes the cache on a first run, prints the same with it, and rewrites a broken one', () => {
    const cacheHome = path.join(home, 'cc-cache');
    const env = { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: cacheHome, XDG_DATA_HOME: path.join(home, 'cc-data'), CLAUDE_CONFIG_DIR: path.join(home, 'no-transcripts'), NO_COLOR: '1', TZ: 'UTC' };
    const report = (): string => {
      const r = spawnSync(process.execPath, [bin, 'report', '--json', '--no-store'], { env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout) as { scan: { elapsedMs?: number } };
      delete json.scan.elapsedMs;
      return JSON.stringify(json);
    };
    const caches = (): string[] => (fs.existsSync(path.join(cacheHome, 'cachelens')) ? fs.readdirSync(path.join(cacheHome, 'cachelens')).filter((f) => f.startsWith('program-') && f.endsWith('.v8cache')) : []);
    const first = report();
    expect(caches()).toHaveLength(1);
    const file = path.join(cacheHome, 'cachelens', caches()[0]!);
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    expect(report()).toBe(first);
    fs.writeFileSync(file, 'not a code cache');
    expect(report()).toBe(first);
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });
});
