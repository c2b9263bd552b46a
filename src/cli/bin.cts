#!/usr/bin/env node
// The `cachelens` command. CommonJS on purpose: Claude Code runs
// `cachelens statusline` on every assistant message, and a CommonJS entry
// that requires the status line's CommonJS bundle never starts Node's ES
// module loader (~8 ms of a ~50 ms call); every other command requires the
// CommonJS bundle of the command line the same way. An unbundled build goes
// on to the ES module entry, main.js.
import path = require('node:path');
import type * as Statusline from '../live/statusline.js';
import type * as Program from './program.js';
import { statuslineFormat } from './argv.cjs';
import { runCached } from './code-cache.cjs';

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

/** A bundle run with V8's code cache (code-cache.cts), or null when it cannot be read. */
function cachedBundle<T>(name: string): { mod: T; after: () => void } | null {
  const r = runCached<T>(path.join(__dirname, '..', 'bundle', `${name}.cjs`), name);
  return r && { mod: r.mod, after: r.save };
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
