// After tsc: bundles the command line into single files. Loading ES modules
// one by one costs Node ~0.5 ms each (resolve, read, compile); `statusline`
// runs on every assistant message and a warm `report` does little else, so
// both load one file instead (see BENCHMARKS.md, Live and Store). Each bundle
// sits one level below dist/ like the modules it replaces (dist/bundle/), so
// every relative path (../../data/, ../ui/, ../scan/worker.js) resolves the
// same; native and optional packages stay outside. Both entries (cli/bin.cjs,
// cli/main.js) fall back to the modules when a bundle is absent.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// no stale files from an earlier layout
fs.rmSync(path.join(root, 'dist', 'bundle'), { recursive: true, force: true });
// CommonJS, so that the bin (cli/bin.cjs) can require it without starting Node's ES module loader;
// import.meta.url, which relative data paths are built from, becomes the bundle's own file URL
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  external: ['better-sqlite3', 'pg', 'pg-native', 'playwright-core', 'vite', 'esbuild'],
  banner: { js: "const __cachelensMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__cachelensMetaUrl' },
};
// the status line, alone: it runs on every assistant message and imports nothing lazily
await build({ ...common, entryPoints: [path.join(root, 'dist', 'live', 'statusline.js')], outfile: path.join(root, 'dist', 'bundle', 'statusline.cjs') });
// every other command: the dynamic imports inside become lazy requires of modules kept in the same file, so a
// command still initialises only what it uses, and packages such as pg are required only where needed
await build({ ...common, entryPoints: [path.join(root, 'dist', 'cli', 'program.js')], outfile: path.join(root, 'dist', 'bundle', 'program.cjs') });
// the worker that reduces a large cold report's records (cli/parts-worker.ts) and the scan worker (scan/worker.ts):
// one file each, so a worker starts without loading ~40 modules (~10 ms sooner), run by a loader that compiles it
// with V8's code cache (cli/code-cache.cts): a worker otherwise compiles every function it runs anew, on cores the
// scan keeps busy
const workers = [
  ['parts-worker', path.join(root, 'dist', 'cli', 'parts-worker.js')],
  ['scan-worker', path.join(root, 'dist', 'scan', 'worker.js')],
];
for (const [name, entry] of workers) {
  await build({ ...common, entryPoints: [entry], outfile: path.join(root, 'dist', 'bundle', `${name}-body.cjs`) });
  fs.writeFileSync(
    path.join(root, 'dist', 'bundle', `${name}.cjs`),
    `// The ${name}: its bundle (${name}-body.cjs) run with V8's code cache (cli/code-cache.cts; written by scripts/bundle.mjs).\n` +
      `require('../cli/code-cache.cjs').runWorkerBundle(require('node:path').join(__dirname, '${name}-body.cjs'), '${name}');\n`,
  );
}
