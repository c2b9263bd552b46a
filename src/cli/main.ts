#!/usr/bin/env node
// The entry point. `statusline` runs on every assistant message, so it skips
// the command-line parser and everything else it does not need; every other
// command goes through program.ts.
const argv = process.argv.slice(2);

// stdout closed early (e.g. `| head`): stop quietly
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

/** `statusline` with at most `--format T` / `--format=T`: the fast path; anything else (e.g. --help) goes to the parser. */
function statuslineFormat(args: string[]): { format: string | undefined } | null {
  if (args[0] !== 'statusline') return null;
  if (args.length === 1) return { format: undefined };
  if (args.length === 2 && args[1]!.startsWith('--format=')) return { format: args[1]!.slice('--format='.length) };
  if (args.length === 3 && args[1] === '--format') return { format: args[2] };
  return null;
}

const fast = statuslineFormat(argv);
if (fast) {
  // the bundled copy (npm run build makes it) loads as one file; the modules do the same work
  let mod: typeof import('../live/statusline.js');
  try {
    mod = (await import(new URL('../live/statusline.bundle.mjs', import.meta.url).href)) as typeof import('../live/statusline.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    mod = await import('../live/statusline.js');
  }
  await mod.statuslineMain(fast.format);
} else {
  const { main } = await import('./program.js');
  await main();
}
