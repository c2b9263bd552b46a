// simulate / lint / diff: read the files, run the pure simulator, print.
// Output is built in full before anything is written, so bad input never
// leaves half a table behind: it is one CliError naming file and line, exit 2.
import fs from 'node:fs';
import path from 'node:path';
import type { Pricing } from '../pricing/index.js';
import type { InputOptions, ParsedRequest } from '../sim/index.js';
import { CliError } from './errors.js';
import { formatOf, paintFor, renderBlocks, terminalWidth, type OutputOptions } from './output.js';
import type { Block } from './table.js';
import type { Paint } from './views.js';

export interface SimCliOptions extends OutputOptions {
  model?: string;
  pricing?: string;
  minTokens?: string;
  charsPerToken?: string;
  estimate?: boolean;
  ttftMs?: string;
}

function numberOption(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new CliError(`${name} expects a number ≥ ${min}, got '${v}'`);
  return n;
}

async function setup(o: SimCliOptions): Promise<{ pricing: Pricing; input: InputOptions; minimumTokens: number | undefined }> {
  const { loadPricing } = await import('../pricing/index.js');
  let pricing: Pricing;
  try {
    pricing = loadPricing(o.pricing ? { overrideFile: path.resolve(o.pricing) } : undefined);
  } catch (err) {
    throw new CliError(`--pricing: ${(err as Error).message}`);
  }
  const cpt = numberOption('--chars-per-token', o.charsPerToken, 0.1);
  const ttft = numberOption('--ttft-ms', o.ttftMs, 0);
  const minimumTokens = numberOption('--min-tokens', o.minTokens, 0);
  const input: InputOptions = { estimate: o.estimate !== false, now: Date.now(), ...(cpt !== undefined ? { charsPerToken: cpt } : {}), ...(ttft !== undefined ? { defaultTtftMs: ttft } : {}), ...(o.model ? { model: o.model } : {}) };
  return { pricing, input, minimumTokens };
}

/** Every file's requests, in order, as one sequence; input errors become CliErrors (exit 2). */
async function readRequests(files: string[], input: InputOptions): Promise<ParsedRequest[]> {
  const { parseRequests, SimInputError } = await import('../sim/index.js');
  const out: ParsedRequest[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      out.push(...parseRequests(file, text, input, out.length ? out[out.length - 1]!.request.start : null));
    } catch (err) {
      if (err instanceof SimInputError) throw new CliError(err.message, 'request format: docs/simulate.md');
      throw err;
    }
  }
  return out;
}

function print(o: SimCliOptions, value: unknown, toBlocks: (p: Paint) => Block[]): void {
  const format = formatOf(o);
  if (format === 'json') {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  const paint = paintFor(o);
  process.stdout.write(renderBlocks(toBlocks(paint), format, paint, terminalWidth()));
}

export async function runSimulate(file: string, o: SimCliOptions): Promise<void> {
  const { pricing, input, minimumTokens } = await setup(o);
  const reqs = await readRequests([file], input);
  const { simulate, summarize } = await import('../sim/index.js');
  const results = simulate(reqs.map((r) => r.request), { pricing, explainMisses: true, ...(minimumTokens !== undefined ? { minimumTokens } : {}) });
  const totals = summarize(results);
  const { simulateBlocks, simulateJson } = await import('./sim-view.js');
  const report = simulateJson(file, results, totals, input.charsPerToken);
  print(o, report, (p) => simulateBlocks(report, pricing, p));
}

export async function runLint(files: string[], o: SimCliOptions): Promise<void> {
  const { pricing, input, minimumTokens } = await setup(o);
  const reqs = await readRequests(files, input);
  const { lintRequests } = await import('../sim/index.js');
  const report = lintRequests(reqs, { pricing, ...(minimumTokens !== undefined ? { minimumTokens } : {}) });
  const { lintBlocks } = await import('./sim-view.js');
  print(o, report, (p) => lintBlocks(report, p));
  if (report.errors > 0) process.exitCode = 1;
}

export async function runDiff(a: string, b: string, o: SimCliOptions): Promise<void> {
  const { pricing, input, minimumTokens } = await setup(o);
  const ra = await readRequests([a], input);
  const rb = await readRequests([b], input);
  const { diffRequests } = await import('../sim/index.js');
  const report = diffRequests(ra[ra.length - 1]!, rb[0]!, { pricing, ...(minimumTokens !== undefined ? { minimumTokens } : {}) });
  const { diffBlocks } = await import('./sim-view.js');
  print(o, report, (p) => diffBlocks(report, p));
}
