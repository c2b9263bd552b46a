// `cachelens proxy`: run the forwarding proxy, or (--report) show what it saw.
// Only commander is loaded when the command is registered; the proxy, the
// store and the price table load once the command runs.
import path from 'node:path';
import type { Command } from 'commander';
import type { ProxyReport } from '../proxy/index.js';
import { CliError } from './errors.js';
import { int, tokens, usd } from './format.js';
import type { OutputOptions } from './output.js';
import type { Block, Cell } from './table.js';
import type { Paint } from './views.js';

interface ProxyCliOptions extends OutputOptions {
  port: string;
  upstream: string;
  keepBodies?: boolean;
  report?: boolean;
  diff?: string;
  db?: string;
  pricing?: string;
  timeout: string;
}

export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description('forward Claude API traffic from 127.0.0.1 to the API unchanged and name the block that broke the cache on every rebuild (docs/proxy.md)')
    .option('--port <n>', 'port to listen on, on 127.0.0.1 only (0 = any free port)', '8787')
    .option('--upstream <url>', 'where requests go', 'https://api.anthropic.com')
    .option('--keep-bodies', 'also store request bodies (your prompts and files) in the store, for a diff with text; off by default')
    .option('--timeout <seconds>', 'how long to wait for the upstream to start answering', '600')
    .option('--report', 'do not run the proxy: list the conversations it saw and its diagnoses')
    .option('--diff <request>', 'do not run the proxy: diff a request kept with --keep-bodies (row id, as in --report --json) against the one it was compared with')
    .option('--db <path>', 'the embedded store (default: cachelens.db in the user data dir)')
    .option('--pricing <file>', 'LiteLLM-format JSON that overrides or extends the built-in price table')
    .option('--json', 'with --report: print the report object as JSON (docs/proxy.md)')
    .option('--csv', 'with --report: print the tables as CSV')
    .option('--md', 'with --report: print the tables as Markdown')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .action((o: ProxyCliOptions) => (o.diff !== undefined ? runDiff(o, o.diff) : o.report ? runReport(o) : runProxy(o)));
}

async function openStore(o: ProxyCliOptions): Promise<import('../store/sqlite.js').SqliteStore> {
  const { storePath } = await import('./load.js');
  const { openSqliteStore, StoreVersionError } = await import('../store/sqlite.js');
  try {
    return openSqliteStore(storePath(o));
  } catch (err) {
    if (err instanceof StoreVersionError) throw new CliError(err.message);
    throw err;
  }
}

async function runProxy(o: ProxyCliOptions): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port expects a port number 0–65535, got '${o.port}'`);
  const timeout = Number(o.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new CliError(`--timeout expects seconds > 0, got '${o.timeout}'`);
  try {
    const u = new URL(o.upstream);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new CliError(`--upstream expects an http:// or https:// URL, got '${o.upstream}'`);
  }
  const { loadPricing } = await import('../pricing/index.js');
  let pricing;
  try {
    pricing = loadPricing(o.pricing ? { overrideFile: path.resolve(o.pricing) } : undefined);
  } catch (err) {
    throw new CliError(`--pricing: ${(err as Error).message}`);
  }
  const store = await openStore(o);
  if (o.keepBodies) {
    process.stderr.write(
      `cachelens proxy: WARNING --keep-bodies stores every request body (prompts, code, files you work on) unencrypted in ${store.path}. ` +
        'Auth headers are still never stored. Delete the database when done.\n',
    );
  }
  const { startProxy } = await import('../proxy/index.js');
  let proxy;
  try {
    proxy = await startProxy({ upstream: o.upstream, port, store: store.proxyLog, pricing, keepBodies: o.keepBodies === true, timeoutMs: timeout * 1000 });
  } catch (err) {
    store.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} on 127.0.0.1 is in use`, 'pick another with --port N (0 = any free port)');
    throw err;
  }
  process.stdout.write(
    `cachelens proxy: listening on ${proxy.url} → ${o.upstream}\n` +
      `  Claude Code: ANTHROPIC_BASE_URL=${proxy.url} claude    SDKs: base_url="${proxy.url}"\n` +
      `  fingerprints and diagnoses go to ${store.path}; see them with: cachelens proxy --report. Ctrl-C stops.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // let records of responses that just ended reach the store
  await new Promise((r) => setImmediate(r));
  await proxy.close();
  store.close();
  process.stdout.write('cachelens proxy: stopped\n');
}

async function runReport(o: ProxyCliOptions): Promise<void> {
  const store = await openStore(o);
  const { buildProxyReport } = await import('../proxy/index.js');
  let report: ProxyReport;
  try {
    const all = { from: null, to: null };
    report = buildProxyReport(store.proxyLog.requests(all, false), store.proxyLog.findings(all), Date.now());
  } finally {
    store.close();
  }
  const { formatOf, paintFor, renderBlocks, terminalWidth, printJson } = await import('./output.js');
  const format = formatOf(o);
  if (format === 'json') return printJson(report);
  const paint = paintFor(o);
  process.stdout.write(renderBlocks(reportBlocks(report, paint), format, paint, terminalWidth()));
}

/** The text diff of two kept bodies: request `id` against the one its diagnosis compared it with (else the previous one of its conversation). */
async function runDiff(o: ProxyCliOptions, arg: string): Promise<void> {
  const id = Number(arg);
  if (!Number.isInteger(id) || id < 1) throw new CliError(`--diff expects a request row id, got '${arg}'`, 'ids are in cachelens proxy --report --json (findings[].requestId)');
  const store = await openStore(o);
  let bodies: [number, Buffer | null][];
  try {
    const all = { from: null, to: null };
    const cur = store.proxyLog.requests(all, false).filter((r) => r.conversation !== null);
    const me = cur.find((r) => r.id === id);
    if (!me) throw new CliError(`no Messages request ${id} in ${store.path}`);
    const finding = store.proxyLog.findings(all).find((f) => f.requestId === id);
    const prev = finding?.previousRequestId ?? cur.filter((r) => r.conversation === me.conversation && r.id < id).at(-1)?.id;
    if (prev === undefined) throw new CliError(`request ${id} is the first of its conversation: nothing to compare it with`);
    bodies = [prev, id].map((x) => [x, store.proxyLog.body(x)]);
  } finally {
    store.close();
  }
  const missing = bodies.filter(([, b]) => b === null).map(([x]) => x);
  if (missing.length) throw new CliError(`no kept body for request ${missing.join(' and ')}`, 'bodies are kept only while the proxy runs with --keep-bodies');
  const { diffRequests, parseRequests } = await import('../sim/index.js');
  const { loadPricing } = await import('../pricing/index.js');
  const [a, b] = bodies.map(([x, body]) => parseRequests(`request-${x}.json`, body!.toString('utf8'), { estimate: true, now: 0 })[0]!);
  const report = diffRequests(a!, b!, { pricing: loadPricing(o.pricing ? { overrideFile: path.resolve(o.pricing) } : undefined) });
  const { formatOf, paintFor, printJson, renderBlocks, terminalWidth } = await import('./output.js');
  const format = formatOf(o);
  if (format === 'json') return printJson(report);
  const paint = paintFor(o);
  const { diffBlocks } = await import('./sim-view.js');
  process.stdout.write(renderBlocks(diffBlocks(report, paint), format, paint, terminalWidth()));
}

const time = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export function reportBlocks(r: ProxyReport, p: Paint): Block[] {
  const s = r.summary;
  const head: Block = {
    text:
      `${p.bold('cachelens — what the proxy saw')}\n` +
      p.dim(`${int(s.requests)} requests (${int(s.messages)} Messages, ${int(s.other)} other, ${int(s.malformed)} unreadable, ${int(s.errors)} errors) · ${int(s.conversations)} conversations · `) +
      `${p.bold(int(s.findings))} diagnosed rebuilds, ${tokens(s.tokensRewritten)} tokens re-written, ${p.bold(usd(s.wastedUSD))} wasted`,
  };
  if (s.requests === 0) return [head, { text: 'Nothing yet: run `cachelens proxy` and point a client at it (docs/proxy.md).' }];
  const conversations: Block = {
    title: 'Conversations',
    columns: [
      { header: 'last', align: 'left', fmt: (v: Cell) => time(String(v)) },
      { header: 'conversation', align: 'left', drop: 3 },
      { header: 'models', align: 'left', drop: 2 },
      { header: 'requests', align: 'right', fmt: int },
      { header: 'read', align: 'right', fmt: tokens, drop: 1 },
      { header: 'written', align: 'right', fmt: tokens, drop: 1 },
      { header: 'rebuilds', align: 'right', fmt: int },
      { header: 'wasted', align: 'right', fmt: usd },
      { header: 'causes', align: 'left', drop: 4 },
    ],
    rows: r.conversations.map((c) => [c.last, c.conversation, c.models.join(', '), c.requests, c.readTokens, c.writtenTokens, c.findings, c.wastedUSD, [...new Set(c.causes)].join(', ')]),
  };
  const findings: Block = {
    title: 'Diagnoses (proven by the proxy)',
    columns: [
      { header: 'time', align: 'left', fmt: (v: Cell) => time(String(v)) },
      { header: 'model', align: 'left', drop: 2 },
      { header: 'cause', align: 'left' },
      { header: 'block', align: 'right', drop: 3 },
      { header: 'what changed', align: 'left' },
      { header: 're-written', align: 'right', fmt: tokens },
      { header: 'wasted', align: 'right', fmt: usd },
    ],
    rows: r.findings.map((f) => [f.timestamp, f.model, f.cause, f.position === null ? null : `${f.position} ${f.path}`, f.detail, f.tokensRewritten, f.wastedUSD]),
  };
  const out: Block[] = [head, conversations, findings];
  if (r.notes.length) {
    out.push({
      title: 'Forwarded untouched or failed',
      columns: [{ header: 'time', align: 'left', fmt: (v: Cell) => time(String(v)) }, { header: 'request', align: 'left' }, { header: 'status', align: 'right' }, { header: 'note', align: 'left' }],
      rows: r.notes.map((n) => [n.timestamp, `${n.method} ${n.path}`, n.status, n.note ?? n.kind]),
    });
  }
  return out;
}
