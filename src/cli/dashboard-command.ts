// `cachelens dashboard`: options and start-up of the local web dashboard
// (src/web/). The server is imported only when the command runs.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { CliError } from './errors.js';
import type { CommonOptions } from './load.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface DashboardCli extends CommonOptions {
  port: string;
  host: string;
  open: boolean;
  interval: string;
}

/** Opens the URL in the user's browser; a failure is reported, the server keeps running. */
function openBrowser(url: string, log: (line: string) => void): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', (err) => log(`cachelens: could not open a browser (${err.message}); open the URL above yourself`));
  child.unref();
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('local web dashboard over the same data and filters (127.0.0.1 only unless --host); updates itself as transcripts change')
    .option('--port <n>', 'port to listen on (0 = any free port)', '4477')
    .option('--host <address>', 'interface to bind (default 127.0.0.1); any other needs care: the URL then carries a token', '127.0.0.1')
    .option('--no-open', 'do not open a browser')
    .option('--interval <ms>', 'how often to look for changed transcripts', '1000')
    .option('--dir <path>', 'Claude config dir or its projects/ dir (repeatable; replaces CLAUDE_CONFIG_DIR and the defaults)', collect)
    .option('--since <date>', 'first day shown by default (YYYY-MM-DD, in --tz)')
    .option('--until <date>', 'last day shown by default (YYYY-MM-DD, in --tz)')
    .option('--tz <zone>', 'IANA time zone for days and weeks (default: the system zone)')
    .option('--project <text>', 'default project filter (directory name contains this text)')
    .option('--model <text>', 'default model filter (model id contains this text)')
    .option('--pricing <file>', 'LiteLLM-format JSON that overrides or extends the built-in price table')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .option('--no-store', 'read the transcripts directly; neither read nor update the store')
    .action(async (o: DashboardCli) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port expects a port number 0-65535, got '${o.port}'`);
      const intervalMs = Number(o.interval);
      if (!Number.isFinite(intervalMs) || intervalMs < 50) throw new CliError(`--interval expects milliseconds (at least 50), got '${o.interval}'`);
      const { startDashboard, isLoopback, newToken } = await import('../web/server.js');
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      const loopback = isLoopback(o.host);
      if (!loopback) log(`cachelens: warning: listening on ${o.host}, not only this machine; anyone who can reach it and has the URL's token can read your usage`);
      const common: CommonOptions = { dir: o.dir, since: o.since, until: o.until, tz: o.tz, project: o.project, model: o.model, pricing: o.pricing, db: o.db, store: o.store };
      let dash;
      try {
        dash = await startDashboard({ host: o.host, port, common, intervalMs, token: loopback ? null : newToken(), log });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new CliError(`port ${port} is in use`, 'pick another with --port N (0 = any free port)');
        throw err;
      }
      process.stdout.write(`cachelens dashboard: ${dash.url}\n(Ctrl-C to stop)\n`);
      if (o.open) openBrowser(dash.url, log);
      const stop = (): void => {
        dash.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log(`cachelens: ${(err as Error).message}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
