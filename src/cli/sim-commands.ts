// The simulator's commands: simulate, lint, diff. Only commander is loaded
// here; the work (sim-run.ts) is imported once a command runs.
import type { Command } from 'commander';

const run = (): Promise<typeof import('./sim-run.js')> => import('./sim-run.js');

function simOptions(cmd: Command, formats = true): Command {
  cmd
    .option('--model <id>', 'model for requests whose body names none')
    .option('--pricing <file>', 'LiteLLM-format JSON that overrides or extends the built-in price table')
    .option('--min-tokens <n>', "minimum cacheable prefix for every model (default: each model's documented minimum)")
    .option('--chars-per-token <n>', 'the estimate for blocks without a token count (default 3.5)')
    .option('--no-estimate', 'a block without a token count is an error instead of an estimate')
    .option('--ttft-ms <ms>', 'time to the first response byte for requests that give none (default 0)')
    .option('--json', 'print the result object as JSON');
  if (formats) cmd.option('--csv', 'print the tables as CSV').option('--md', 'print the tables as Markdown');
  return cmd.option('--no-color', 'no colours (NO_COLOR is honoured too)');
}

export function registerSimCommands(program: Command): void {
  simOptions(
    program
      .command('simulate')
      .argument('<file>', 'requests, one per line (JSONL; format in docs/simulate.md)')
      .description('run a sequence of Messages API requests through a model of the prompt cache: usage, cost and why, per request, and the cost without caching'),
  ).action((file: string, o) => run().then((r) => r.runSimulate(file, o)));

  simOptions(
    program
      .command('lint')
      .argument('<file...>', 'request bodies (.json) or sequences (.jsonl), read in order as one sequence')
      .description('find cache killers (volatile prefixes, reordered tools, too many or misplaced breakpoints, …) with their location and a fix; exit 1 on errors'),
  ).action((files: string[], o) => run().then((r) => r.runLint(files, o)));

  simOptions(
    program
      .command('diff')
      .argument('<a>', 'the earlier request (.json body, or a JSONL file: its last line)')
      .argument('<b>', 'the later request (.json body, or a JSONL file: its first line)')
      .description("the first block where two requests' prefixes diverge, and what the divergence costs the second"),
    false,
  ).action((a: string, b: string, o) => run().then((r) => r.runDiff(a, b, o)));
}
