// Shared by both entries (bin.cts, CommonJS; main.ts, ES module): whether the
// command line is the status line's fast path.

/** `statusline` with at most `--format T` / `--format=T`: the fast path; anything else (e.g. --help) goes to the parser. */
export function statuslineFormat(args: string[]): { format: string | undefined } | null {
  if (args[0] !== 'statusline') return null;
  if (args.length === 1) return { format: undefined };
  if (args.length === 2 && args[1]!.startsWith('--format=')) return { format: args[1]!.slice('--format='.length) };
  if (args.length === 3 && args[1] === '--format') return { format: args[2] };
  return null;
}
