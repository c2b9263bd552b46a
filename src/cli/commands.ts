// The commands' work: validate options, load (or reuse) the data, build a
// report object, print it. Report builders and views are imported when an
// output has to be built, so a cached re-run loads almost nothing.
import fs from 'node:fs';
import path from 'node:path';
import type { PeriodKind } from '../accounting/index.js';
import { CAUSES, type RebuildCause } from '../cache/rebuilds.js';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';
import { openSqliteStore } from '../store/sqlite.js';
import { CliError } from './errors.js';
import { VERSION } from './version.js';
import { produce, storePath, type CommonOptions, type Loaded } from './load.js';
import type { PartsLoaded } from './parts.js';
import { formatOf, paintFor, renderBlocks, terminalWidth, type OutputOptions } from './output.js';
import type { Block } from './table.js';
import type { Paint } from './views.js';

export type Opts = CommonOptions & OutputOptions;





/** Tells the user where we looked before showing the demo (stderr, so --json stays clean). */
function noteNotFound(looked: string[] | null): void {
  if (!looked) return;
  process.stderr.write(
    `No Claude Code transcripts found (looked in: ${looked.join(', ') || 'nothing'}).\n` +
      `Showing built-in DEMO data. Point cachelens at your data with --dir or CLAUDE_CONFIG_DIR.\n`,
  );
}

/**
 * Builds a report object from the loaded data and prints it in the chosen
 * format. The printed text is cached in the store under everything it depends
 * on, so an unchanged re-run prints it without loading anything.
 */
async function emit<R>(
  command: string,
  o: Opts,
  needs: { events?: boolean },
  options: unknown,
  makeReport: (l: Loaded) => R | Promise<R>,
  toBlocks: (r: R, paint: Paint) => Block[] | Promise<Block[]>,
  cacheable = true,
  makeFromParts?: (p: PartsLoaded) => R | Promise<R>,
): Promise<void> {
  const format = formatOf(o);
  const paint = paintFor(o);
  const width = terminalWidth();
  const colored = paint.bold('x') !== 'x';
  const print = async (report: R): Promise<string> =>
    format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderBlocks(await toBlocks(report, paint), format, paint, width);
  const { output, notFound } = await produce(o, VERSION, needs, {
    cacheKey: cacheable ? { command, options, format, width: Number.isFinite(width) ? width : null, colored } : null,
    build: async (l) => print(await makeReport(l)),
    buildFromParts: makeFromParts && (async (p) => print(await makeFromParts(p))),
  });
  noteNotFound(notFound);
  process.stdout.write(output);
}

export async function runReport(o: Opts & { by: string; plan?: string; top: string; git?: boolean }): Promise<void> {
  const team = o.by === 'user' || o.by === 'machine' ? (o.by as 'user' | 'machine') : null;
  if (team && !o.from) throw new CliError(`--by ${o.by} needs --from postgres://… (the team database)`);
  const by = (team ? 'week' : o.by) as PeriodKind;
  if (!['day', 'week', 'month'].includes(by)) throw new CliError(`--by expects day, week, month (or user, machine with --from), got '${o.by}'`);
  const { parsePlan } = await import('../report/overview.js');
  const plan = o.plan === undefined ? null : parsePlan(o.plan);
  if (o.plan !== undefined && !plan) throw new CliError(`--plan expects pro, max5, max20 or a USD amount per month, got '${o.plan}'`);
  const top = Number(o.top);
  if (!Number.isInteger(top) || top < 1) throw new CliError(`--top expects a positive whole number, got '${o.top}'`);
  // --git reads repositories the store knows nothing of: never cached
  await emit('report', o, {}, { by, plan, top, team }, async ({ ds, pricing, meta }) => {
    const { analyzeCache, wasteLookup } = await import('../cache/index.js');
    const { buildOverview } = await import('../report/overview.js');
    const { gitCommitCounts } = await import('./git.js');
    const waste = wasteLookup(analyzeCache(ds, pricing));
    const git = o.git && ds.requests.length > 0 ? gitCommitCounts(ds) : null;
    const report = buildOverview(ds, pricing, meta, { by, plan, since: meta.filters.since, until: meta.filters.until, waste, git });
    if (!team || !o.from) return report;
    // per user / machine: summed on the server, priced here per model and date
    const { teamTotals } = await import('./team.js');
    const rows = await teamTotals(o.from, team, pricing, ds.range);
    return { ...report, team: { by: team, rows: rows.map((r) => ({ key: r.key, ...r.totals })) } };
  }, async (r, p) => (await import('./views.js')).overviewBlocks(r, p, { top }), !o.git, o.git || team ? undefined : async ({ parts, pricing, meta }) => {
    const { finishOverview } = await import('../report/overview.js');
    const { mergeParts } = await import('../report/parts.js');
    return finishOverview(mergeParts(parts), pricing, meta, { by, plan, since: meta.filters.since, until: meta.filters.until });
  });
}

export async function runSessions(o: Opts): Promise<void> {
  await emit('sessions', o, {}, {}, async ({ ds, pricing, meta }) => {
    const { analyzeCache, wasteLookup } = await import('../cache/index.js');
    return (await import('../report/sessions.js')).buildSessions(ds, meta, wasteLookup(analyzeCache(ds, pricing)));
  }, async (r, p) => (await import('./views.js')).sessionsBlocks(r, p));
}

export async function runSession(id: string, o: Opts): Promise<void> {
  await emit('session', o, { events: true }, { id }, async ({ ds, pricing, meta }) => {
    const { analyzeCache, wasteLookup } = await import('../cache/index.js');
    const { buildSession, resolveSessionId } = await import('../report/sessions.js');
    let sessionId: string;
    try {
      sessionId = resolveSessionId(ds, id);
    } catch (err) {
      throw new CliError((err as Error).message, 'list sessions with: cachelens sessions');
    }
    const analysis = analyzeCache(ds, pricing);
    return buildSession(ds, pricing, meta, sessionId, analysis, wasteLookup(analysis));
  }, async (r, p) => (await import('./views.js')).sessionBlocks(r, p));
}

export async function runBreaks(o: Opts & { cause?: string[]; minUsd: string; limit: string; all?: boolean }): Promise<void> {
  const causes = o.cause?.flatMap((c) => c.split(',')).map((c) => c.trim()) ?? null;
  const unknown = causes?.filter((c) => !(CAUSES as readonly string[]).includes(c)) ?? [];
  if (unknown.length) throw new CliError(`--cause: unknown cause '${unknown[0]}'`, `causes: ${CAUSES.join(', ')}`);
  const minUSD = Number(o.minUsd);
  if (!Number.isFinite(minUSD) || minUSD < 0) throw new CliError(`--min-usd expects a non-negative number, got '${o.minUsd}'`);
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit expects a positive whole number, got '${o.limit}'`);
  const includeStarts = o.all === true;
  await emit('breaks', o, { events: true }, { causes, minUSD, limit, includeStarts }, async ({ ds, pricing, meta, ccReports, proxyFindings }) => {
    const { analyzeCache } = await import('../cache/index.js');
    const { buildBreaks } = await import('../report/breaks.js');
    return buildBreaks(ds, analyzeCache(ds, pricing), meta, { causes: causes as RebuildCause[] | null, minUSD, includeStarts, ccReports, proxyFindings });
  }, async (r, p) => (await import('./breaks-view.js')).breaksBlocks(r, p, { limit }));
}

export async function runBlocks(o: Opts & { active?: boolean }): Promise<void> {
  const active = o.active === true;
  // depends on the clock (the active block, time left): never cached
  await emit('blocks', o, {}, { active }, async ({ ds, pricing, meta }) => {
    const { analyzeCache, wasteLookup } = await import('../cache/index.js');
    const { buildBlocks } = await import('../report/blocks.js');
    return buildBlocks(ds, meta, { now: Date.now(), active, waste: wasteLookup(analyzeCache(ds, pricing)) });
  }, async (r, p) => (await import('./blocks-view.js')).blocksBlocks(r, p), false);
}

export async function runWhatif(o: Opts & { keepAlive?: string[]; maxIdle: string }): Promise<void> {
  const keepAliveMinutes = (o.keepAlive ?? ['4']).flatMap((v) => v.split(',')).map(Number);
  const bad = keepAliveMinutes.find((m) => !Number.isFinite(m) || m <= 0 || m >= 5);
  if (bad !== undefined) throw new CliError(`--keep-alive expects minutes between 0 and 5 (a ping must land before the 5-minute TTL ends), got '${bad}'`);
  const maxIdleMinutes = Number(o.maxIdle);
  if (!Number.isFinite(maxIdleMinutes) || maxIdleMinutes < 0) throw new CliError(`--max-idle expects minutes, got '${o.maxIdle}'`);
  await emit('whatif', o, {}, { keepAliveMinutes, maxIdleMinutes }, async ({ ds, pricing, meta }) => {
    const { analyzeCache } = await import('../cache/index.js');
    const { buildWhatif } = await import('../report/whatif.js');
    return buildWhatif(ds, analyzeCache(ds, pricing), pricing, meta, { keepAliveMinutes, maxIdleMinutes });
  }, async (r, p) => (await import('./whatif-view.js')).whatifBlocks(r, p));
}

export async function runImport(dirs: string[], o: { db?: string }): Promise<void> {
  const file = storePath(o);
  const store = openSqliteStore(file);
  try {
    let total = 0;
    for (const d of dirs) {
      const found = resolveConfigDirs({ dirs: [d] });
      if (found.projectsDirs.length === 0) throw new CliError(`${d}: no projects/ directory found`, 'point at a copy of a Claude config dir or its projects/');
      const files = discoverFiles(found.projectsDirs);
      const before = store.counts().requests;
      const { refreshStore } = await import('../store/refresh.js');
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

export async function runExport(o: { db?: string; jsonl?: boolean }): Promise<void> {
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

export async function runDemo(dir: string | undefined): Promise<void> {
  const { writeDemoTree } = await import('../demo/index.js');
  const target = path.resolve(dir ?? 'cachelens-demo');
  const manifest = writeDemoTree(target);
  process.stdout.write(
    `Wrote the cachelens demo config dir to ${target} (${manifest.sessions.length} sessions in ${manifest.projects.length} projects).\n` +
      `Try: cachelens report --dir ${JSON.stringify(target)}\n`,
  );
}

