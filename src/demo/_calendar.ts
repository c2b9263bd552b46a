// Who works on what, when: the projects, the Claude Code versions and models in use,
// and the eight-week calendar of sessions with each scripted cache event pinned to one
// session. Only planning lives here; nothing is written until _session.ts runs a plan.

import type { Rng } from './_random.js';
import { API_SERVER, ML_PIPELINE, NOTES, WEBSHOP, type ProjectText } from './_text.js';

/** The instant the demo is anchored to: 2026-11-16T18:00:00.000Z (a Monday). */
export const DEMO_NOW = Date.UTC(2026, 10, 16, 18, 0, 0);

export const SEC = 1_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** midnight UTC of the first day (Monday 2026-09-21); day 56 is DEMO_NOW's day */
export const DAY0 = Date.UTC(2026, 8, 21);
const DAYS = 57;

const OPUS = 'claude-opus-4-6';
export const SONNET = 'claude-sonnet-4-6';
export const HAIKU = 'claude-haiku-4-5-20251001';

/** Claude Code version in use from a given day on. 2.0.x writes 5m on the main thread. */
const VERSION_FROM_DAY: readonly [number, string][] = [
  [0, '2.0.76'],
  [14, '2.1.45'],
  [24, '2.1.49'],
  [34, '2.1.50'],
  [44, '2.1.62'],
  [51, '2.1.81'],
];

/** Cross-session cached system-prompt prefix (tokens) a new session reads, per version. */
const FLOOR: Readonly<Record<string, number>> = {
  '2.0.76': 17_482,
  '2.1.45': 19_862,
  '2.1.49': 19_874,
  '2.1.50': 19_906,
  '2.1.62': 20_112,
  '2.1.81': 20_541,
};

export interface Project {
  dir: string;
  cwd: string;
  branches: readonly string[];
  /** CLAUDE.md, memory, environment: written by each session's first request */
  context: number;
  weight: number;
  sonnetShare: number;
  text: ProjectText;
}

export const PROJECTS: readonly Project[] = [
  {
    dir: '-Users-demo-code-webshop',
    cwd: '/Users/demo/code/webshop',
    branches: ['main', 'feat/cart-badge', 'fix/checkout-rounding', 'feat/wishlist'],
    context: 6_240,
    weight: 38,
    sonnetShare: 0.12,
    text: WEBSHOP,
  },
  {
    dir: '-Users-demo-code-api-server',
    cwd: '/Users/demo/code/api-server',
    branches: ['main', 'feat/rate-limit', 'fix/pagination'],
    context: 4_870,
    weight: 28,
    sonnetShare: 0.15,
    text: API_SERVER,
  },
  {
    dir: '-Users-demo-code-ml-pipeline',
    cwd: '/Users/demo/code/ml-pipeline',
    branches: ['main', 'exp/feature-store'],
    context: 7_310,
    weight: 20,
    sonnetShare: 0.1,
    text: ML_PIPELINE,
  },
  {
    dir: '-Users-demo-notes',
    cwd: '/Users/demo/notes',
    branches: [''],
    context: 2_150,
    weight: 14,
    sonnetShare: 0.7,
    text: NOTES,
  },
];

export type Feature =
  | 'ttl5m'
  | 'ttl1h'
  | 'modelSwitch'
  | 'compaction'
  | 'upgrade'
  | 'clearSource'
  | 'effort'
  | 'fanout'
  | 'partial'
  | 'unexplained'
  | 'apiError'
  | 'resumeSource'
  | 'progressDup'
  | 'progressOnly';

export interface Plan {
  day: number;
  project: Project;
  version: string;
  model: string;
  feature: Feature | null;
  follow: 'clear' | 'resume' | null;
}

function versionOn(day: number): string {
  let v = VERSION_FROM_DAY[0]?.[1] ?? '2.1.81';
  for (const [from, version] of VERSION_FROM_DAY) if (day >= from) v = version;
  return v;
}

export function floorOf(version: string): number {
  const f = FLOOR[version];
  if (f === undefined) throw new Error(`no floor for ${version}`);
  return f;
}

export function planCalendar(rng: Rng): Plan[] {
  const plans: Plan[] = [];
  for (let day = 0; day < DAYS; day++) {
    const weekday = new Date(DAY0 + day * DAY).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    let n = weekend ? rng.weighted([70, 27, 3]) : rng.weighted([22, 45, 27, 6]);
    if (day === DAYS - 1) n = 1;
    for (let i = 0; i < n; i++) {
      const project = PROJECTS[rng.weighted(PROJECTS.map((p) => p.weight))] ?? PROJECTS[0]!;
      plans.push({
        day,
        project,
        version: versionOn(day),
        model: rng.chance(project.sonnetShare) ? SONNET : OPUS,
        feature: null,
        follow: null,
      });
    }
  }

  const assign = (feature: Feature, pred: (p: Plan) => boolean, opts: { last?: boolean; prefer?: string; model?: string } = {}) => {
    const free = plans.filter((p) => p.feature === null && pred(p));
    const preferred = opts.prefer ? free.filter((p) => p.project.dir === opts.prefer) : [];
    const pool = preferred.length > 0 ? preferred : free;
    const chosen = opts.last ? pool[pool.length - 1] : pool[0];
    if (!chosen) throw new Error(`demo calendar has no session for ${feature}`);
    chosen.feature = feature;
    if (opts.model) chosen.model = opts.model;
  };
  const on = (v: string) => (p: Plan) => p.version === v;
  assign('ttl5m', (p) => p.version === '2.0.76' && p.day >= 2, { prefer: '-Users-demo-code-webshop', model: OPUS });
  assign('apiError', on('2.0.76'));
  assign('partial', on('2.1.45'));
  assign('modelSwitch', (p) => p.version === '2.1.45' || p.version === '2.1.49', { prefer: '-Users-demo-code-webshop', model: OPUS });
  assign('upgrade', on('2.1.49'), { last: true });
  assign('unexplained', on('2.1.49'));
  assign('compaction', on('2.1.50'), { prefer: '-Users-demo-code-api-server', model: OPUS });
  assign('fanout', on('2.1.50'), { prefer: '-Users-demo-code-webshop', model: OPUS });
  assign('progressDup', on('2.1.50'));
  assign('effort', on('2.1.62'));
  assign('ttl1h', on('2.1.62'), { prefer: '-Users-demo-code-ml-pipeline' });
  assign('resumeSource', on('2.1.62'), { prefer: '-Users-demo-notes' });
  assign('apiError', on('2.1.62'));
  assign('clearSource', on('2.1.81'), { prefer: '-Users-demo-code-ml-pipeline' });
  assign('progressOnly', on('2.1.81'));
  assign('apiError', on('2.1.81'));

  const out: Plan[] = [];
  for (const p of plans) {
    out.push(p);
    if (p.feature === 'clearSource' || p.feature === 'resumeSource') {
      out.push({ ...p, feature: null, follow: p.feature === 'clearSource' ? 'clear' : 'resume' });
    }
  }
  return out;
}
