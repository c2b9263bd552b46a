// V8's code cache for the bundles in dist/bundle/ (CommonJS, like bin.cts,
// which uses it for the status line and the command line; the workers'
// loaders use it for their bundles). A fresh process or thread then skips
// most compiling: the cache holds the bytecode of every function the run
// before compiled. It is kept in the user cache dir, as discover/paths.ts
// finds it, keyed by the bundle's size and mtime and Node's version; a
// missing, stale or rejected one is written anew by `save`. Any problem with
// the cache only costs speed. Code run through node:vm cannot import(), so
// the bundles use none.
import fs = require('node:fs');
import path = require('node:path');

/** The user cache dir of cachelens. */
export function codeCacheDir(): string {
  const os = require('node:os') as typeof import('node:os');
  const home = process.env.HOME ?? os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'cachelens');
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'cachelens', 'Cache');
  return path.join(process.env.XDG_CACHE_HOME ? process.env.XDG_CACHE_HOME : path.join(home, '.cache'), 'cachelens');
}

/**
 * Runs the CommonJS file `file` compiled with the code cache `name`, and
 * returns its exports and `save` (which writes the cache when none was used:
 * call it once the run has compiled what it needs); null when the file
 * cannot be read (the caller requires it as usual).
 */
export function runCached<T>(file: string, name: string): { mod: T; save: () => void } | null {
  let source: string;
  let st: fs.Stats;
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
  let saved = false;
  return {
    mod: mod.exports,
    save() {
      if (saved || (cached && !script.cachedDataRejected)) return;
      saved = true;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        // (a thread id too: two workers of one process may write the same cache)
        const tmp = `${cacheFile}.${process.pid}.${require('node:worker_threads').threadId as number}`;
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

/** How a worker's code asks its loader to write the cache (scan/worker-input.ts saveWorkerCode). */
const SAVE = Symbol.for('cachelens.saveWorkerCode');

/**
 * A worker's loader (dist/bundle/*-worker.cjs, written by scripts/bundle.mjs):
 * runs its bundle `file` with the code cache `name`; the worker's code calls
 * saveWorkerCode (scan/worker-input.ts) once its work is done.
 */
export function runWorkerBundle(file: string, name: string): void {
  // in place before the bundle runs (its work is asynchronous, but nothing need rely on that)
  let save: (() => void) | null = null;
  (globalThis as { [SAVE]?: () => void })[SAVE] = () => save?.();
  const r = runCached<unknown>(file, name);
  if (r) save = r.save;
  else require(file);
}
