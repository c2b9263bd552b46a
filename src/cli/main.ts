#!/usr/bin/env node
// cachelens command line: parses options, loads data, builds a report object,
// prints it. Every command has --json, --csv, --md and the shared filters.
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { PeriodKind } from '../accounting/index.js';
import { writeDemoTree } from '../demo/index.js';
import { buildOverview, parsePlan } from '../report/overview.js';
import { buildSession, buildSessions, resolveSessionId } from '../report/sessions.js';
import { buildBreaks } from '../report/breaks.js';
import { analyzeCache, CAUSES, wasteLookup, type RebuildCause } from '../cache/index.js';
import { breaksBlocks } from './breaks-view.js';
import { buildWhatif } from '../report/whatif.js';
import { whatifBlocks } from './whatif-view.js';
import { gitCommitCounts } from './git.js';
import { CliError, isCliError } from './errors.js';
import { loadData, storePath, type CommonOptions } from './load.js';
import { openSqliteStore } from '../store/sqlite.js';
import { refreshStore } from '../store/refresh.js';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';
import { formatOf, paintFor, printJson, renderBlocks, terminalWidth, type OutputOptions } from './output.js';
import { overviewBlocks, sessionBlocks, sessionsBlocks } from './views.js';

type Opts = CommonOptions & OutputOptions;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const VERSION = packageVersion();

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
    .option('--pricing <file>', 'LiteLLM-format JSON that overrides or extends the built-in price table')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .option('--no-store', 'read the transcripts directly; neither read nor update the store')
    .option('--json', 'print the report object as JSON (docs/json.md)')
    .option('--csv', 'print the tables as CSV')
    .option('--md', 'print the tables as Markdown')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
}

/** Tells the user where we looked before showing the demo (stderr, so --json stays clean). */
function noteNotFound(looked: string[] | null): void {
  if (!looked) return;
  process.stderr.write(
    `No Claude Code transcripts found (looked in: ${looked.join(', ') || 'nothing'}).\n` +
      `Showing built-in DEMO data. Point cachelens at your data with --dir or CLAUDE_CONFIG_DIR.\n`,
  );
}

async function runReport(o: Opts & { by: string; plan?: string; top: string; git?: boolean }): Promise<void> {
  const by = o.by as PeriodKind;
  if (!['day', 'week', 'month'].includes(by)) throw new CliError(`--by expects day, week or month, got '${o.by}'`);
  const plan = o.plan === undefined ? null : parsePlan(o.plan);
  if (o.plan !== undefined && !plan) throw new CliError(`--plan expects pro, max5, max20 or a USD amount per month, got '${o.plan}'`);
  const top = Number(o.top);
  if (!Number.isInteger(top) || top < 1) throw new CliError(`--top expects a positive whole number, got '${o.top}'`);
  const { ds, pricing, meta, notFound } = await loadData(o, VERSION);
  noteNotFound(notFound);
  const waste = wasteLookup(analyzeCache(ds, pricing));
  const git = o.git && ds.requests.length > 0 ? gitCommitCounts(ds) : null;
  const report = buildOverview(ds, pricing, meta, { by, plan, since: meta.filters.since, until: meta.filters.until, waste, git });
  const format = formatOf(o);
  if (format === 'json') return printJson(report);
  process.stdout.write(renderBlocks(overviewBlocks(report, paintFor(o), { top }), format, paintFor(o), terminalWidth()));
}

async function runSessions(o: Opts): Promise<void> {
  const { ds, pricing, meta, notFound } = await loadData(o, VERSION);
  noteNotFound(notFound);
  const report = buildSessions(ds, meta, wasteLookup(analyzeCache(ds, pricing)));
  const format = formatOf(o);
  if (format === 'json') return printJson(report);
  process.stdout.write(renderBlocks(sessionsBlocks(report, paintFor(o)), format, paintFor(o), terminalWidth()));
}

async function runSession(id: string, o: Opts): Promise<void> {
  const { ds, pricing, meta, notFound } = await loadData(o, VERSION, { events: true });
  noteNotFound(notFound);
  let sessionId: string;
  try {
    sessionId = resolveSessionId(ds, id);
  } catch (err) {
    throw new CliError((err as Error).message, 'list sessions with: cachelens sessions');
  }
  const analysis = analyzeCache(ds, pricing);
  const report = buildSession(ds, pricing, meta, sessionId, analysis, wasteLookup(analysis));
  const format = formatOf(o);
  if (format === 'json') return printJson(report);
  process.stdout.write(renderBlocks(sessionBlocks(report, paintFor(o)), format, paintFor(o), terminalWidth()));
}

async function runBreaks(o: Opts & { cause?: string[]; minUsd: string; limit: string; all?: boolean }): Promise<void> {
  const causes = o.cause?.flatMap((c) => c.split(',')).map((c) => c.trim()) ?? null;
  const unknown = causes?.filter((c) => !(CAUSES as readonly string[]).includes(c)) ?? [];
  if (unknown.length) throw new CliError(`--cause: unknown cause '${unknown[0]}'`, `causes: ${CAUSES.join(', ')}`);
  const minUSD = Number(o.minUsd);
  if (!Number.isFinite(minUSD) || minUSD < 0) throw new CliError(`--min-usd expects a non-negative number, got '${o.minUsd}'`);
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit expects a positive whole number, got '${o.limit}'`);
  const { ds, pricing, meta, notFound } = await loadData(o, VERSION, { events: true });
  noteNotFound(notFound);
  const report = buildBreaks(ds, analyzeCache(ds, pricing), meta, { causes: causes as RebuildCause[] | null, minUSD, includeStarts: o.all === true });
  const format = formatOf(o);
  if (format === 'json') return printJson(report);
  process.stdout.write(renderBlocks(breaksBlocks(report, paintFor(o), { limit }), format, paintFor(o), terminalWidth()));
}

async function runWhatif(o: Opts & { keepAlive?: string[]; maxIdle: string }): Promise<void> {
  const keepAliveMinutes = (o.keepAlive ?? ['4']).flatMap((v) => v.split(',')).map(Number);
  const bad = keepAliveMinutes.find((m) => !Number.isFinite(m) || m <= 0 || m >= 5);
  if (bad !== undefined) throw new CliError(`--keep-alive expects minutes between 0 and 5 (a ping must land before the 5-minute TTL ends), got '${bad}'`);
  const maxIdleMinutes = Number(o.maxIdle);
  if (!Number.isFinite(maxIdleMinutes) || maxIdleMinutes < 0) throw new CliError(`--max-idle expects minutes, got '${o.maxIdle}'`);
  const { ds, pricing, meta, notFound } = await loadData(o, VERSION);
  noteNotFound(notFound);
  const report = buildWhatif(ds, analyzeCache(ds, pricing), pricing, meta, { keepAliveMinutes, maxIdleMinutes });
  const format = formatOf(o);
  if (format === 'json') return printJson(report);
  process.stdout.write(renderBlocks(whatifBlocks(report, paintFor(o)), format, paintFor(o), terminalWidth()));
}

async function runImport(dirs: string[], o: { db?: string }): Promise<void> {
  const file = storePath(o);
  const store = openSqliteStore(file);
  try {
    let total = 0;
    for (const d of dirs) {
      const found = resolveConfigDirs({ dirs: [d] });
      if (found.projectsDirs.length === 0) throw new CliError(`${d}: no projects/ directory found`, 'point at a copy of a Claude config dir or its projects/');
      const files = discoverFiles(found.projectsDirs);
      const before = store.counts().requests;
      const r = await refreshStore(store, files, () => `import:${path.resolve(d)}`);
      const added = store.counts().requests - before;
      total += added;
      process.stdout.write(`${d}: ${files.length} files, ${(r.bytesRead / 2 ** 20).toFixed(1)} MiB read, ${added} new requests\n`);
    }
    process.stdout.write(`store ${file}: ${store.counts().requests} requests in all (${total} new)\n`);
  } finally {
    store.close();
  }
}

async function runExport(o: { db?: string; jsonl?: boolean }): Promise<void> {
  if (!o.jsonl) throw new CliError('export needs a format', 'use --jsonl');
  const store = openSqliteStore(storePath(o));
  try {
    const { requests, apiErrors, events } = store.load({ from: null, to: null }, null);
    const out = process.stdout;
    for (const r of requests) out.write(JSON.stringify({ type: 'request', machineId: store.machineId, ...r }) + '\n');
    for (const e of apiErrors) out.write(JSON.stringify({ type: 'api-error', machineId: store.machineId, ...e }) + '\n');
    for (const e of events) out.write(JSON.stringify({ type: 'event', machineId: store.machineId, ...e }) + '\n');
  } finally {
    store.close();
  }
}

function runDemo(dir: string | undefined): void {
  const target = path.resolve(dir ?? 'cachelens-demo');
  const manifest = writeDemoTree(target);
  process.stdout.write(
    `Wrote the cachelens demo config dir to ${target} (${manifest.sessions.length} sessions in ${manifest.projects.length} projects).\n` +
      `Try: cachelens report --dir ${JSON.stringify(target)}\n`,
  );
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
      .addOption(new Option('--by <period>', 'period rows: day, week or month').default('week'))
      .option('--plan <plan>', 'add a subscription cost for the same period: pro, max5, max20 or USD per month')
      .option('--top <n>', 'projects to list in tables', '10')
      .option('--git', "add commits per week from each project's git repository (when its directory still exists)"),
  ).action((o) => runReport(o));

  withCommon(program.command('sessions').description('one row per session, newest first')).action((o) => runSessions(o));

  withCommon(
    program
      .command('session')
      .argument('<id>', "session id, a unique prefix of one, or 'latest'")
      .description('per-session cache report with one row per request'),
  ).action((id: string, o) => runSession(id, o));

  withCommon(
    program
      .command('breaks')
      .description('every cache rebuild, costliest first, with its cause, evidence and wasted dollars')
      .option('--cause <cause>', `only these causes (repeatable or comma-separated): ${CAUSES.join(', ')}`, collect)
      .option('--min-usd <usd>', 'only rebuilds that wasted at least this much', '0')
      .option('--limit <n>', 'rebuilds to list in the table (JSON has all)', '25')
      .option('--all', 'also list conversation starts (cold starts, first requests after /clear; never waste)'),
  ).action((o) => runBreaks(o));

  withCommon(
    program
      .command('whatif')
      .description('replay history under other cache policies (5m, 1h, sub-agents 5m, keep-alive pings, no cache) and recommend a setting')
      .option('--keep-alive <minutes>', 'keep-alive ping interval(s) to simulate, under 5 (repeatable)', collect)
      .option('--max-idle <minutes>', 'how long a keep-alive pinger keeps pinging after the last request', '60'),
  ).action((o) => runWhatif(o));

  program
    .command('import')
    .argument('<dir...>', 'copies of old Claude config dirs (or their projects/) to add to the store')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .description('backfill the store from copies of old config dirs; their history then shows in every report')
    .action((dirs: string[], o) => runImport(dirs, o));

  program
    .command('export')
    .option('--jsonl', 'one JSON object per line: requests, API errors, events (usage numbers and metadata; no prompt text)')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .description('dump every record in the store')
    .action((o) => runExport(o));

  program
    .command('demo')
    .argument('[dir]', 'where to write the demo config dir', 'cachelens-demo')
    .description('write the built-in demo transcripts (a generated Claude config dir) to DIR')
    .action((dir: string) => runDemo(dir));

  return program;
}

async function main(): Promise<void> {
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

// stdout closed early (e.g. `| head`): stop quietly
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

await main();
