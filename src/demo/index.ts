/**
 * Built-in demo data: a deterministic, generated Claude Code config dir (`projects/…`)
 * with four invented projects over eight weeks, sub-agents in the 2.1 layout and a set of
 * scripted cache events. See docs/demo.md.
 *
 * @module
 */

import fs from 'node:fs';
import path from 'node:path';

import { DEMO_NOW, runScenario } from './_scenario.js';
import type { DemoFile, DemoManifest, DemoTotals } from './types.js';

export { DEMO_NOW };
export type { DemoEvent, DemoEventKind, DemoFile, DemoManifest, DemoSession, DemoTotals } from './types.js';

/**
 * Generates the demo tree in memory. Pure and deterministic: two calls return
 * byte-identical files and equal manifests.
 */
export function buildDemoFiles(): { files: DemoFile[]; manifest: DemoManifest } {
  const { world, sessions, projects } = runScenario();

  const files: DemoFile[] = [];
  for (const f of world.files.values()) {
    files.push({ path: f.path, content: f.lines.map((l) => JSON.stringify(l)).join('\n') + '\n' });
  }
  for (const [p, content] of world.metaFiles) files.push({ path: p, content });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const totals: DemoTotals = {
    requests: world.responses.length,
    apiErrors: world.apiErrors,
    sessions: sessions.length,
    inputTokens: 0,
    outputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
  };
  for (const r of world.responses) {
    totals.inputTokens += r.input;
    totals.outputTokens += r.output;
    totals.cacheWrite5mTokens += r.cacheWrite5m;
    totals.cacheWrite1hTokens += r.cacheWrite1h;
    totals.cacheReadTokens += r.cacheRead;
  }

  const events = world.events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.timestamp < b.e.timestamp ? -1 : a.e.timestamp > b.e.timestamp ? 1 : a.i - b.i))
    .map(({ e }) => e);

  const manifest: DemoManifest = {
    now: new Date(DEMO_NOW).toISOString(),
    projects,
    sessionIds: sessions.map((s) => s.sessionId),
    sessions,
    events,
    expectedTotals: totals,
  };
  return { files, manifest };
}

/**
 * Writes the demo tree under `dir` (creating directories as needed) and returns its
 * manifest. Only the demo's own files are written; nothing else in `dir` is touched.
 */
export function writeDemoTree(dir: string): DemoManifest {
  const { files, manifest } = buildDemoFiles();
  for (const f of files) {
    const target = path.join(dir, ...f.path.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content);
  }
  return manifest;
}
