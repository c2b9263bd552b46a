#!/usr/bin/env node
// The entry point. `statusline` runs on every assistant message, so it skips
// the command-line parser and everything else it does not need; every other
// command goes through program.ts.
import { createRequire } from 'node:module';
import { statuslineFormat } from './argv.cjs';

const argv = process.argv.slice(2);
const fast = statuslineFormat(argv);

/** A CommonJS bundle (npm run build makes them; see bin.cts), else the modules: the same code either way. */
async function load<T>(file: string, modules: () => Promise<T>): Promise<T> {
  try {
    return createRequire(import.meta.url)(`../bundle/${file}`) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(file)) throw err;
    return modules();
  }
}

if (fast) {
  const mod = await load('statusline.cjs', () => import('../live/statusline.js'));
  await mod.statuslineMain(fast.format);
} else {
  // stdout closed early (e.g. `| head`): stop quietly
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const { main } = await load('program.cjs', () => import('./program.js'));
  await main();
}
