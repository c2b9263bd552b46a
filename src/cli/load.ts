// The I/O edge: find transcripts (or the demo), scan them, load prices, and
// hand pure stages a prepared dataset.
import fs from 'node:fs';
import path from 'node:path';
import { createCalendar, isValidTimeZone, parseDateArg, prepareDataset, systemTimeZone, type Dataset } from '../accounting/index.js';
import { writeDemoTree } from '../demo/index.js';
import { discoverFiles, resolveConfigDirs } from '../discover/index.js';
import { userCacheDir } from '../discover/paths.js';
import { loadPricing, type Pricing } from '../pricing/index.js';
import type { ReportMeta } from '../report/meta.js';
import { scanFiles } from '../scan/index.js';
import { CliError } from './errors.js';

export interface CommonOptions {
  dir?: string[];
  since?: string;
  until?: string;
  tz?: string;
  project?: string;
  pricing?: string;
}

export interface Loaded {
  ds: Dataset;
  pricing: Pricing;
  meta: ReportMeta;
  /** set when nothing was found: where we looked */
  notFound: string[] | null;
}

const DEMO_STAMP = '.cachelens-demo';

/** Writes (once per version) and returns the demo config dir in the user cache. */
export function ensureDemoDir(version: string): string {
  const dir = path.join(userCacheDir(), `demo-${version}`);
  const stamp = path.join(dir, DEMO_STAMP);
  try {
    if (fs.readFileSync(stamp, 'utf8') === version) return dir;
  } catch {
    /* not written yet */
  }
  writeDemoTree(dir);
  fs.writeFileSync(stamp, version);
  return dir;
}

function checkDate(name: string, v: string | undefined): string | null {
  if (v === undefined) return null;
  const d = parseDateArg(v);
  if (!d) throw new CliError(`--${name} expects a date YYYY-MM-DD, got '${v}'`);
  return d;
}

/** `events`: also read conversation events (compaction, commands); costs extra passes over the bytes. */
export async function loadData(opts: CommonOptions, version: string, needs: { events?: boolean } = {}): Promise<Loaded> {
  const tz = opts.tz ?? systemTimeZone();
  if (!isValidTimeZone(tz)) throw new CliError(`--tz: unknown time zone '${tz}' (use an IANA name such as Europe/Berlin or UTC)`);
  const since = checkDate('since', opts.since);
  const until = checkDate('until', opts.until);
  if (since && until && since > until) throw new CliError(`--since ${since} is after --until ${until}`);
  let pricing: Pricing;
  try {
    pricing = loadPricing(opts.pricing ? { overrideFile: path.resolve(opts.pricing) } : {});
  } catch (err) {
    throw new CliError(`--pricing: ${(err as Error).message}`);
  }
  const dirs = resolveConfigDirs({ dirs: opts.dir });
  const problems: { path: string; error: string }[] = [];
  let files = discoverFiles(dirs.projectsDirs, problems);
  let demo = false;
  let sources = dirs.projectsDirs;
  let notFound: string[] | null = null;
  if (files.length === 0) {
    notFound = dirs.looked;
    demo = true;
    const demoDir = ensureDemoDir(version);
    const d = resolveConfigDirs({ dirs: [demoDir] });
    files = discoverFiles(d.projectsDirs, problems);
    sources = d.projectsDirs;
  }
  const scan = await scanFiles(files, { events: needs.events === true });
  scan.stats.unreadableFiles.push(...problems);
  const calendar = createCalendar(tz);
  const project = opts.project ?? null;
  const ds = prepareDataset(scan, pricing, calendar, { since, until, project });
  return { ds, pricing, notFound, meta: { demo, sources, filters: { since, until, tz, project }, scan: scan.stats } };
}
