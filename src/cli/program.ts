// cachelens command line: defines the commands and their options. The work
// lives in commands.ts, loaded once a command runs. (main.ts is the entry.)
import { Command, Option } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { CAUSES } from '../cache/rebuilds.js';
import { CliError, isCliError } from './errors.js';

import { registerDashboard } from './dashboard-command.js';
import { registerProxyCommand } from './proxy-command.js';
import { registerSimCommands } from './sim-commands.js';
import { VERSION } from './version.js';

const commands = (): Promise<typeof import('./commands.js')> => import('./commands.js');

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('--dir <path>', 'Claude config dir or its projects/ dir (repeatable; replaces CLAUDE_CONFIG_DIR and the defaults)', collect)
    .option('--since <date>', 'first day to include (YYYY-MM-DD, in --tz)')
    .option('--until <date>', 'last day to include (YYYY-MM-DD, in --tz)')
    .option('--tz <zone>', 'IANA time zone for days and weeks (default: the system zone)')
    .option('--project <text>', 'only projects whose directory name contains this text')
    .option('--model <text>', 'only models whose id contains this text (API errors are left out)')
    .option('--pricing <file>', 'LiteLLM-format JSON that overrides or extends the built-in price table')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .option('--no-store', 'read the transcripts directly; neither read nor update the store')
    .option('--from <url>', 'report on the team database (postgres://…; credentials from the URL, PG* variables or ~/.pgpass)')
    .option('--json', 'print the report object as JSON (docs/json.md)')
    .option('--csv', 'print the tables as CSV')
    .option('--md', 'print the tables as Markdown')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
}

export function buildProgram(): Command {
  const program = new Command()
    .name('cachelens')
    .description('Where your Claude prompt-cache money goes: tokens, hit rates and dollars from Claude Code transcripts. Offline; nothing leaves the machine.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');

  withCommon(
    program
      .command('report', { isDefault: true })
      .description('overview: totals, cost with and without caching, by period, model and project')
      .addOption(new Option('--by <period>', 'period rows: day, week or month; with --from also user or machine').default('week'))
      .option('--plan <plan>', 'add a subscription cost for the same period: pro, max5, max20 or USD per month')
      .option('--top <n>', 'projects to list in tables', '10')
      .option('--git', "add commits per week from each project's git repository (when its directory still exists)"),
  ).action((o) => commands().then((c) => c.runReport(o)));

  withCommon(program.command('sessions').description('one row per session, newest first')).action((o) => commands().then((c) => c.runSessions(o)));

  withCommon(
    program
      .command('session')
      .argument('<id>', "session id, a unique prefix of one, or 'latest'")
      .description('per-session cache report with one row per request'),
  ).action((id: string, o) => commands().then((c) => c.runSession(id, o)));

  withCommon(
    program
      .command('breaks')
      .description('every cache rebuild, costliest first, with its cause, evidence and wasted dollars')
      .option('--cause <cause>', `only these causes (repeatable or comma-separated): ${CAUSES.join(', ')}`, collect)
      .option('--min-usd <usd>', 'only rebuilds that wasted at least this much', '0')
      .option('--limit <n>', 'rebuilds to list in the table (JSON has all)', '25')
      .option('--all', 'also list conversation starts (cold starts, first requests after /clear; never waste)'),
  ).action((o) => commands().then((c) => c.runBreaks(o)));

  withCommon(
    program
      .command('whatif')
      .description('replay history under other cache policies (5m, 1h, sub-agents 5m, keep-alive pings, no cache) and recommend a setting')
      .option('--keep-alive <minutes>', 'keep-alive ping interval(s) to simulate, under 5 (repeatable)', collect)
      .option('--max-idle <minutes>', 'how long a keep-alive pinger keeps pinging after the last request', '60')
      .option('--api-model', "also replay every policy through the API prompt-cache model (src/sim), as a cross-check of whatif's gap rule (slower)"),
  ).action((o) => commands().then((c) => c.runWhatif(o)));

  program
    .command('sync')
    .requiredOption('--to <url>', 'the team database: postgres://user@host/db (password from PGPASSWORD or ~/.pgpass; TLS via ?sslmode=)')
    .option('--user <name>', 'the user label stored on every row (default: the OS user name)')
    .option('--db <path>', 'the local store to push (default: cachelens.db in the user data dir)')
    .option('--dir <path>', 'config dirs to refresh the local store from first (repeatable)', collect)
    .option('--no-refresh', 'push the local store as it is, without scanning transcripts first')
    .description("push this machine's records (usage numbers and metadata, no text) to a shared PostgreSQL database; idempotent and resumable")
    .action((o) => import('./team.js').then((t) => t.runSync({ to: o.to, user: o.user, db: o.db, dir: o.dir, refresh: o.refresh }).then(() => undefined)));

  withCommon(
    program
      .command('blocks')
      .description('usage in rolling 5-hour windows (as subscriptions count it): tokens, cost, hit rate, waste; burn rate and projection of the active window')
      .option('--active', 'only the active window (a request in the last 5 hours)'),
  ).action((o) => commands().then((c) => c.runBlocks(o)));

  program
    .command('statusline')
    .option('--format <template>', 'segments: {model} {hit} {last} {cost} {ttl} {rebuilds} (default: all, separated by |)')
    .description("one line for Claude Code's statusLine setting: cache hit rate, last write/read, session cost, TTL countdown, rebuilds (reads the JSON Claude Code pipes on stdin)")
    .action(async (o: { format?: string }) => {
      const { statuslineMain } = await import('../live/statusline.js');
      await statuslineMain(o.format);
    });

  program
    .command('watch')
    .description('live view of the active sessions (written in the last hour): warm/cold countdown, hit rate, cost today, latest requests, rebuild alerts; q quits')
    .option('--session <id>', 'only this session (id or prefix)')
    .option('--project <text>', 'only projects whose directory name contains this text')
    .option('--dir <path>', 'Claude config dir or its projects/ dir (repeatable)', collect)
    .option('--tz <zone>', 'IANA time zone for "today" and clock times (default: the system zone)')
    .option('--notify', 'also show each rebuild alert as a desktop notification (notify-send)')
    .option('--webhook <url>', 'also POST each rebuild alert as JSON to this URL (numbers and names only, no prompt text)')
    .option('--interval <seconds>', 'how often followed files are polled besides fs.watch', '1')
    .option('--once', 'print one frame and exit')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .action(async (o) => {
      const { runWatch } = await import('../live/watch-run.js');
      if (o.tz) {
        const { isValidTimeZone } = await import('../accounting/time.js');
        if (!isValidTimeZone(o.tz)) throw new CliError(`--tz: unknown time zone '${o.tz}' (use an IANA name such as Europe/Berlin or UTC)`);
      }
      process.exitCode = await runWatch(o);
    });

  program
    .command('install-statusline')
    .option('--write', 'add it to settings.json (after a backup; no other key is touched)')
    .description("print (or --write) the settings.json snippet that makes Claude Code show cachelens statusline")
    .action(async (o: { write?: boolean }) => {
      const { installStatusline } = await import('../live/install.js');
      const dir = process.env.CLAUDE_CONFIG_DIR?.split(',')[0]?.trim() || path.join(os.homedir(), '.claude');
      process.stdout.write(installStatusline(path.join(dir, 'settings.json'), o.write === true) + '\n');
    });

  program
    .command('import')
    .argument('<dir...>', 'copies of old Claude config dirs (or their projects/) to add to the store')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .description('backfill the store from copies of old config dirs; their history then shows in every report')
    .action((dirs: string[], o) => commands().then((c) => c.runImport(dirs, o)));

  program
    .command('export')
    .option('--jsonl', 'one JSON object per line: requests, API errors, events (usage numbers and metadata; no prompt text)')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .description('dump every record in the store')
    .action((o) => commands().then((c) => c.runExport(o)));

  program
    .command('demo')
    .argument('[dir]', 'where to write the demo config dir', 'cachelens-demo')
    .description('write the built-in demo transcripts (a generated Claude config dir) to DIR')
    .action((dir: string) => commands().then((c) => c.runDemo(dir)));

  registerDashboard(program);
  registerSimCommands(program);
  registerProxyCommand(program);
  return program;
}

export async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (isCliError(err)) {
      process.stderr.write(`cachelens: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`cachelens: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  }
}


