#!/usr/bin/env node
// The `cachelens` command. CommonJS on purpose: Claude Code runs
// `cachelens statusline` on every assistant message, and a CommonJS entry
// that requires the status line's CommonJS bundle never starts Node's ES
// module loader (~8 ms of a ~50 ms call); every other command requires the
// CommonJS bundle of the command line the same way. An unbundled build goes
// on to the ES module entry, main.js.
import fs = require('node:fs');
import path = require('node:path');
import type * as Statusline from '../live/statusline.js';
import type * as Program from './program.js';
import { statuslineFormat } from './argv.cjs';

const argv = process.argv.slice(2);


/** A bundle beside the modules (npm run build makes them), or null when this is an unbundled build. */
function bundled<T>(file: string): T | null {
  try {
    return require(`../bundle/${file}`) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(file)) return null;
    throw err;
  }
}

/** Where V8's code caches of the bundles go: the user cache dir, as discover/paths.ts finds it. */
function codeCacheDir(): string {
  const os = require('node:os') as typeof import('node:os');
  const home = process.env.HOME ?? os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'cachelens');
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'cachelens', 'Cache');
  return path.join(process.env.XDG_CACHE_HOME ? process.env.XDG_CACHE_HOME : path.join(home, '.cache'), 'cachelens');
}

/**
 * A bundle compiled with V8's code cache: a fresh process then skips most
 * compiling (the status line: ~5 ms of a ~45 ms call; the command line's
 * 700 KB: ~10 ms of every command). The cache is keyed by the bundle's size
 * and mtime and Node's version; a missing, stale or rejected one is written
 * anew after the call (`after`), with the functions the call compiled. Any
 * problem with the cache only costs speed. The bundles use no import(),
 * which code run through node:vm cannot.
 */
function cachedBundle<T>(name: string): { mod: T; after: () => void } | null {
  const file = path.join(__dirname, '..', 'bundle', `${name}.cjs`);
  let source: string;
  let st: import('node:fs').Stats;
  try {
    source = fs.readFileSync(file, 'utf8');
    st = fs.statSync(file);
  } catch {
    return null;
  }
  const cacheFile = path.join(codeCacheDir(), `${name}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}.v8cache`);
  let cached: Buffer | undefined;
  try {
    cached = fs.readFileSync(cacheFile);
  } catch {
    cached = undefined;
  }
  const vm = require('node:vm') as typeof import('node:vm');
  const Module = require('node:module') as typeof import('node:module') & { wrap(code: string): string };
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cached });
  const mod = { exports: {} as T };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return {
    mod: mod.exports,
    after() {
      if (cached && !script.cachedDataRejected) return;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
        // caches of other builds or Node versions are of no further use
        for (const f of fs.readdirSync(path.dirname(cacheFile))) {
          if (f.startsWith(`${name}-`) && f.endsWith('.v8cache') && f !== path.basename(cacheFile)) fs.rmSync(path.join(path.dirname(cacheFile), f), { force: true });
        }
      } catch {
        /* a read-only cache dir: no code cache, the same output */
      }
    },
  };
}

const fast = statuslineFormat(argv);
const cachedLine = fast ? cachedBundle<typeof Statusline>('statusline') : null;
if (fast && cachedLine) {
  void cachedLine.mod.statuslineMain(fast.format).then(cachedLine.after);
} else if (fast) {
  const statusline = bundled<typeof Statusline>('statusline.cjs');
  if (statusline) void statusline.statuslineMain(fast.format);
  else void import('./main.js');
} else {
  const cached = cachedBundle<typeof Program>('program');
  const program = cached?.mod ?? bundled<typeof Program>('program.cjs');
  if (program) {
    // stdout closed early (e.g. `| head`): stop quietly
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
    });
    void program.main().then(cached?.after);
  } else void import('./main.js');
}
