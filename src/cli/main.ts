#!/usr/bin/env node
// The entry point. `statusline` runs on every assistant message, so it skips
// the command-line parser and everything else it does not need; every other
// command goes through program.ts.
import { createRequire } from 'node:module';
import { statuslineFormat } from './argv.cjs';

const argv = process.argv.slice(2);


const fast = statuslineFormat(argv);
/** A bundle beside the entry (npm run build makes them), else the modules: the same code either way. */
async function load<T>(bundle: string, modules: () => Promise<T>): Promise<T> {
  try {
    return (await import(new URL(bundle, import.meta.url).href)) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String((err as Error).message).includes(bundle.slice(bundle.lastIndexOf('/') + 1))) throw err;
    return modules();
  }
}

if (fast) {
  // the CommonJS bundle (see bin.cts), else the modules
  let mod: typeof import('../live/statusline.js');
  try {
    mod = createRequire(import.meta.url)('../bundle/statusline.cjs') as typeof import('../live/statusline.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes('statusline.cjs')) throw err;
    mod = await import('../live/statusline.js');
  }
  await mod.statuslineMain(fast.format);
} else {
  // stdout closed early (e.g. `| head`): stop quietly
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const { main } = await load('../bundle/program.mjs', () => import('./program.js'));
  await main();
}
