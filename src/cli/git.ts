// `report --git`: commits per week in each project's repository, read with
// `git log` from the working directory recorded in the transcripts, when it
// still exists. Read-only; nothing leaves the machine.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Dataset } from '../accounting/index.js';
import type { GitCounts } from '../report/timeline.js';

/** The most frequent recorded cwd of each project. */
function projectDirs(ds: Dataset): Map<string, string | null> {
  const counts = new Map<string, Map<string, number>>();
  for (const p of ds.requests) {
    const m = counts.get(p.r.project) ?? new Map<string, number>();
    if (p.r.cwd) m.set(p.r.cwd, (m.get(p.r.cwd) ?? 0) + 1);
    counts.set(p.r.project, m);
  }
  const out = new Map<string, string | null>();
  for (const [project, m] of counts) {
    const best = [...m].sort((a, b) => b[1] - a[1])[0];
    out.set(project, best ? best[0] : null);
  }
  return out;
}

export function gitCommitCounts(ds: Dataset): GitCounts {
  const byProject: Record<string, Record<string, number>> = {};
  const missing: string[] = [];
  // a loop, not Math.min(...all): spreading 100k+ timestamps overflows the call stack
  let from = Infinity;
  let to = -Infinity;
  for (const p of ds.requests) {
    if (p.r.timestamp < from) from = p.r.timestamp;
    if (p.r.timestamp > to) to = p.r.timestamp;
  }
  for (const [project, dir] of projectDirs(ds)) {
    if (!dir || !fs.existsSync(dir)) {
      missing.push(project);
      continue;
    }
    let out: string;
    try {
      out = execFileSync('git', ['-C', dir, 'log', '--no-merges', '--format=%ct', `--since=${Math.floor(from / 1000) - 7 * 86400}`, `--until=${Math.ceil(to / 1000) + 7 * 86400}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 20_000,
        maxBuffer: 64 << 20,
      });
    } catch {
      missing.push(project);
      continue;
    }
    const weeks: Record<string, number> = {};
    for (const line of out.split('\n')) {
      const t = Number(line) * 1000;
      if (!Number.isFinite(t) || t === 0) continue;
      const w = ds.calendar.period(t, 'week');
      weeks[w] = (weeks[w] ?? 0) + 1;
    }
    byProject[project] = weeks;
  }
  return { byProject, missing };
}
