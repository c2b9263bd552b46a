// After tsc: bundles the status line's code path into one file. Claude Code
// runs `cachelens statusline` on every assistant message; loading ~25 ES
// modules one by one costs more than the work itself (see BENCHMARKS.md, Live).
// The bundle sits beside statusline.js so its relative data paths still hold.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [path.join(root, 'dist', 'live', 'statusline.js')],
  outfile: path.join(root, 'dist', 'live', 'statusline.bundle.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
