#!/usr/bin/env node
// The `cachelens` command. CommonJS on purpose: Claude Code runs
// `cachelens statusline` on every assistant message, and a CommonJS entry
// that requires the status line's CommonJS bundle never starts Node's ES
// module loader (~8 ms of a ~50 ms call); every other command requires the
// CommonJS bundle of the command line the same way. An unbundled build goes
// on to the ES module entry, main.js.
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

const fast = statuslineFormat(argv);
if (fast) {
  const statusline = bundled<typeof Statusline>('statusline.cjs');
  if (statusline) void statusline.statuslineMain(fast.format);
  else void import('./main.js');
} else {
  const program = bundled<typeof Program>('program.cjs');
  if (program) {
    // stdout closed early (e.g. `| head`): stop quietly
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
    });
    void program.main();
  } else void import('./main.js');
}
