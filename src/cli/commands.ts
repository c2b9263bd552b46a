// The commands' work: validate options, load (or reuse) the data, build a
// report object, print it. Report builders and views are imported when an
// output has to be built, so a cached re-run loads almost nothing.
import path from 'node:path';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';
import { openSqliteStore } from '../store/sqlite.js';
import { CliError } from './errors.js';
import { VERSION } from './version.js';
import { produce, storePath, type CommonOptions, type Loaded } from './load.js';
import type { PartsLoaded } from './parts.js';
import { breaksOptions, makeBreaks, makeOverview, makeOverviewFromParts, makeSession, makeSessions, makeWhatif, overviewOptions, whatifOptions } from './reports.js';
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
    background: true,
  });
  noteNotFound(notFound);
  process.stdout.write(output);
}

export async function runReport(o: Opts & { by: string; plan?: string; top: string; git?: boolean }): Promise<void> {
  const opts = await overviewOptions(o);
  const top = Number(o.top);
  if (!Number.isInteger(top) || top < 1) throw new CliError(`--top expects a positive whole number, got '${o.top}'`);
  // --git reads repositories the store knows nothing of: never cached
  // per-session parts (store) or server sums (--from) unless --git, which needs every request
  await emit('report', o, {}, { by: opts.by, plan: opts.plan, top, team: opts.team }, (l) => makeOverview(l, opts, o.from),
    async (r, p) => (await import('./views.js')).overviewBlocks(r, p, { top }), !o.git, opts.git ? undefined : (p) => makeOverviewFromParts(p, opts, o.from));
}

export async function runSessions(o: Opts): Promise<void> {
  await emit('sessions', o, {}, {}, makeSessions, async (r, p) => (await import('./views.js')).sessionsBlocks(r, p));
}

export async function runSession(id: string, o: Opts): Promise<void> {
  await emit('session', o, { events: true }, { id }, (l) => makeSession(l, id), async (r, p) => (await import('./views.js')).sessionBlocks(r, p));
}

export async function runBreaks(o: Opts & { cause?: string[]; minUsd: string; limit: string; all?: boolean }): Promise<void> {
  const opts = breaksOptions(o);
  const { causes, minUSD, limit, includeStarts } = opts;
  await emit('breaks', o, { events: true }, { causes, minUSD, limit, includeStarts }, (l) => makeBreaks(l, opts),
    async (r, p) => (await import('./breaks-view.js')).breaksBlocks(r, p, { limit }));
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

export async function runWhatif(o: Opts & { keepAlive?: string[]; maxIdle: string; apiModel?: boolean }): Promise<void> {
  const opts = whatifOptions(o);
  await emit('whatif', o, {}, opts, (l) => makeWhatif(l, opts), async (r, p) => (await import('./whatif-view.js')).whatifBlocks(r, p));
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

