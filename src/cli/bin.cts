#!/usr/bin/env node
// The `cachelens` command. CommonJS on purpose: Claude Code runs
// `cachelens statusline` on every assistant message, and a CommonJS entry
// that requires the status line's CommonJS bundle never starts Node's ES
// module loader (~8 ms of a ~50 ms call). Every other command goes on to the
// ES module entry, main.js.
import type * as Statusline from '../live/statusline.js';
import { statuslineFormat } from './argv.cjs';

const argv = process.argv.slice(2);


/** The bundle (npm run build makes it), or null when this is an unbundled build. */
function statuslineBundle(): typeof Statusline | null {
  try {
    return require('../bundle/statusline.cjs') as typeof Statusline;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes('statusline.cjs')) return null;
    throw err;
  }
}

const fast = statuslineFormat(argv);
const bundle = fast ? statuslineBundle() : null;
if (fast && bundle) void bundle.statuslineMain(fast.format);
else void import('./main.js');
