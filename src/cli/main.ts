#!/usr/bin/env node
// The entry point. `statusline` runs on every assistant message, so it skips
// the command-line parser and everything else it does not need; every other
// command goes through program.ts.
const argv = process.argv.slice(2);

/** `statusline` with at most `--format T` / `--format=T`: the fast path; anything else (e.g. --help) goes to the parser. */
function statuslineFormat(args: string[]): { format: string | undefined } | null {
  if (args[0] !== 'statusline') return null;
  if (args.length === 1) return { format: undefined };
  if (args.length === 2 && args[1]!.startsWith('--format=')) return { format: args[1]!.slice('--format='.length) };
  if (args.length === 3 && args[1] === '--format') return { format: args[2] };
  return null;
}

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
  const mod = await load('../bundle/statusline.mjs', () => import('../live/statusline.js'));
  await mod.statuslineMain(fast.format);
} else {
  // stdout closed early (e.g. `| head`): stop quietly
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const { main } = await load('../bundle/program.mjs', () => import('./program.js'));
  await main();
}
