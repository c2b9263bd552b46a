// After tsc: bundles the command line into single files. Loading ES modules
// one by one costs Node ~0.5 ms each (resolve, read, compile); `statusline`
// runs on every assistant message and a warm `report` does little else, so
// both load one file instead (see BENCHMARKS.md, Live and Store). Each bundle
// sits one level below dist/ like the modules it replaces (dist/bundle/), so
// every relative path (../../data/, ../ui/, ../scan/worker.js) resolves the
// same; native and optional packages stay outside. main.ts falls back to the modules when a bundle is absent.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// chunk names change with their content: start from an empty folder
fs.rmSync(path.join(root, 'dist', 'bundle'), { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: ['better-sqlite3', 'pg', 'pg-native', 'playwright-core', 'vite', 'esbuild'],
  // CommonJS dependencies (commander) call require() for Node's own modules
  banner: { js: "import { createRequire as __cachelensRequire } from 'node:module'; const require = __cachelensRequire(import.meta.url);" },
};
// the status line: one CommonJS file (it runs on every assistant message and imports nothing lazily); the
// CommonJS entry (cli/bin.cjs) requires it without starting Node's ES module loader. import.meta.url, which the
// price table's path is built from, becomes the bundle's own file URL
await build({
  ...common,
  format: 'cjs',
  banner: { js: "const __cachelensMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__cachelensMetaUrl' },
  entryPoints: [path.join(root, 'dist', 'live', 'statusline.js')],
  outfile: path.join(root, 'dist', 'bundle', 'statusline.cjs'),
});
// every other command: one CommonJS file too, for the bin; the dynamic imports inside become lazy requires
// of modules kept in the same file, so a command still initialises only what it uses, and packages such as pg
// are required only by the modules that need them
await build({
  ...common,
  format: 'cjs',
  banner: { js: "const __cachelensMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__cachelensMetaUrl' },
  entryPoints: [path.join(root, 'dist', 'cli', 'program.js')],
  outfile: path.join(root, 'dist', 'bundle', 'program.cjs'),
});
