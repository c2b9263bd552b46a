// The dashboard's JSON API: each route returns the report object the matching
// CLI command prints with --json (the same option checks and report makers,
// src/cli/reports.ts), for the filters in the query string. Outputs are kept
// per data generation; loads run one at a time.
import { isCliError } from '../cli/errors.js';
import type { CommonOptions, Loaded } from '../cli/load.js';
import type { PartsLoaded } from '../cli/parts.js';
import { breaksOptions, makeBreaks, makeOverview, makeOverviewFromParts, makeSession, makeSessions, makeWhatif, overviewOptions, whatifOptions } from '../cli/reports.js';
import { VERSION } from '../cli/version.js';

export const REPORTS = ['report', 'sessions', 'session', 'breaks', 'whatif'] as const;
export type ReportName = (typeof REPORTS)[number];

export function isReportName(s: string): s is ReportName {
  return (REPORTS as readonly string[]).includes(s);
}

/** Filters the page may set; a parameter present but empty clears the command line's default. */
const FILTERS = ['since', 'until', 'tz', 'project', 'model'] as const;

export interface ApiResult {
  status: number;
  body: string;
}

interface Recipe {
  needs: { events?: boolean };
  /** what the output depends on besides the data and the filters */
  options: unknown;
  make: (l: Loaded) => Promise<unknown>;
  /** the same report from the store's per-session parts, as `report` makes it: after an append only changed sessions are analysed again */
  makeFromParts?: (p: PartsLoaded) => Promise<unknown>;
}

function list(v: string | null): string[] | undefined {
  return v === null || v === '' ? undefined : [v];
}

function opt(v: string | null): string | undefined {
  return v === null || v === '' ? undefined : v;
}

/** The options and report maker for one route, checked as the CLI checks them. */
async function recipeFor(name: ReportName, q: URLSearchParams): Promise<Recipe> {
  switch (name) {
    case 'report': {
      const o = await overviewOptions({ by: opt(q.get('by')), plan: opt(q.get('plan')) });
      return { needs: {}, options: { by: o.by, plan: o.plan }, make: (l) => makeOverview(l, o), makeFromParts: (p) => makeOverviewFromParts(p, o) };
    }
    case 'sessions':
      return { needs: {}, options: {}, make: makeSessions };
    case 'session': {
      const id = q.get('id') ?? '';
      return { needs: { events: true }, options: { id }, make: (l) => makeSession(l, id) };
    }
    case 'breaks': {
      const o = breaksOptions({ cause: list(q.get('cause')), minUsd: opt(q.get('minUsd')), all: q.get('all') === '1' });
      return { needs: { events: true }, options: { causes: o.causes, minUSD: o.minUSD, includeStarts: o.includeStarts }, make: (l) => makeBreaks(l, o) };
    }
    case 'whatif': {
      const o = whatifOptions({ keepAlive: list(q.get('keepAlive')), maxIdle: opt(q.get('maxIdle')) });
      return { needs: {}, options: o, make: (l) => makeWhatif(l, o) };
    }
  }
}

/** The command line's options with the page's filters laid over them. */
export function filtersFrom(base: CommonOptions, q: URLSearchParams): CommonOptions {
  const out: CommonOptions = { ...base };
  for (const f of FILTERS) {
    const v = q.get(f);
    if (v !== null) out[f] = v === '' ? undefined : v;
  }
  return out;
}

/**
 * Initialises what making a report needs (the loader, the store and its
 * SQLite binding, the overview's options): done while the browser starts,
 * so the first overview does not wait for it.
 */
export async function warmApi(): Promise<void> {
  await import('../cli/load.js');
  await overviewOptions({});
}

export interface Api {
  get(name: ReportName, q: URLSearchParams): Promise<ApiResult>;
  /** data changed: forget every kept output */
  invalidate(): void;
}

const KEEP = 48;

export function createApi(base: CommonOptions, log: (line: string) => void): Api {
  const kept = new Map<string, Promise<ApiResult>>();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.catch(() => undefined); // the failure is the caller's: it gets `run`
    return run;
  };
  const compute = async (name: ReportName, q: URLSearchParams): Promise<ApiResult> => {
    try {
      const recipe = await recipeFor(name, q);
      const opts = filtersFrom(base, q);
      const fromParts = recipe.makeFromParts;
      // loaded with the first report, not before the server listens: the browser can start meanwhile
      const { produce } = await import('../cli/load.js');
      const { output } = await serial(() =>
        produce(opts, VERSION, recipe.needs, {
          cacheKey: { dashboard: name, options: recipe.options },
          build: async (l) => JSON.stringify(await recipe.make(l)),
          buildFromParts: fromParts && (async (p) => JSON.stringify(await fromParts(p))),
        }),
      );
      return { status: 200, body: output };
    } catch (err) {
      if (isCliError(err)) return { status: 400, body: JSON.stringify({ error: err.message, hint: err.hint ?? null }) };
      log(`dashboard: ${name} failed: ${(err as Error).stack ?? String(err)}`);
      return { status: 500, body: JSON.stringify({ error: 'internal error (see the terminal running cachelens dashboard)', hint: null }) };
    }
  };
  return {
    get(name, q) {
      const key = JSON.stringify([name, [...q.entries()].filter(([k]) => k !== 'token').sort()]);
      const hit = kept.get(key);
      if (hit) return hit;
      const p = compute(name, q);
      kept.set(key, p);
      // errors are not kept: the next request tries again
      void p.then((r) => {
        if (r.status !== 200 && kept.get(key) === p) kept.delete(key);
      });
      if (kept.size > KEEP) kept.delete(kept.keys().next().value as string);
      return p;
    },
    invalidate() {
      kept.clear();
    },
  };
}
