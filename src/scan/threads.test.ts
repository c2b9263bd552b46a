// The built scanner shares files, and byte ranges of large files, between
// worker threads; the result must not depend on how many threads read them
// nor on which thread read which range. (Under the TypeScript test runner
// there is no compiled worker, so this uses dist/, which `npm test` builds.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const claudeProjects = path.resolve(repoRoot, '..', 'shared', 'data', 'claude-home', 'projects');
const distScan = path.join(repoRoot, 'dist', 'scan', 'index.js');
const distRun = path.join(repoRoot, 'dist', 'scan', 'run.js');
const distDiscover = path.join(repoRoot, 'dist', 'discover', 'index.js');
const ready = fs.existsSync(claudeProjects) && fs.existsSync(distScan);

function* jsonlFiles(dir: string): Generator<string> {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) yield* jsonlFiles(p);
    else if (ent.name.endsWith('.jsonl')) yield p;
  }
}

(ready ? describe : describe.skip)('scan of a large file with worker threads', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-threads-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('gives the same records, errors, events and counts with 1, 2 and 3 threads', async () => {
    const { scanFiles } = (await import(distScan)) as typeof import('./index.js');
    const { SPLIT_BYTES } = (await import(distRun)) as typeof import('./run.js');
    const { discoverFiles, resolveConfigDirs } = (await import(distDiscover)) as typeof import('../discover/index.js');
    // one session file of real transcripts, big enough to be split into ranges, and
    // a few of the same transcripts as their own files (responses in several files)
    const big = path.join(root, 'projects', '-big', '0b16f11e-0000-4000-8000-00000000b16f.jsonl');
    fs.mkdirSync(path.dirname(big), { recursive: true });
    const fd = fs.openSync(big, 'w');
    let size = 0;
    const sources = [...jsonlFiles(claudeProjects)];
    for (let i = 0; size < 2 * SPLIT_BYTES + (1 << 20); i = (i + 1) % sources.length) {
      const body = fs.readFileSync(sources[i]!);
      fs.writeSync(fd, body);
      if (body.length > 0 && body[body.length - 1] !== 10) fs.writeSync(fd, '\n');
      size += body.length + 1;
    }
    fs.closeSync(fd);
    for (const src of sources.slice(0, 8)) {
      const to = path.join(root, 'projects', '-copies', path.basename(src));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(src, to);
    }
    const files = discoverFiles(resolveConfigDirs({ dirs: [root] }).projectsDirs);
    const strip = (r: Awaited<ReturnType<typeof scanFiles>>) => ({
      requests: r.requests,
      apiErrors: r.apiErrors,
      events: r.events,
      fileEnds: [...r.fileEnds].sort(),
      stats: { ...r.stats, elapsedMs: 0, workers: 0 },
    });
    const one = await scanFiles(files, { workers: 1, events: true });
    expect(one.requests.length).toBeGreaterThan(1000);
    expect(one.fileEnds.get(big)).toBe(fs.statSync(big).size);
    for (const workers of [2, 3]) {
      const many = await scanFiles(files, { workers, events: true });
      expect(many.stats.workers).toBe(workers);
      expect(strip(many)).toEqual(strip(one));
    }
  });

  it('gives the same result when the main thread reads everything before a worker starts', async () => {
    const { scanFiles } = (await import(distScan)) as typeof import('./index.js');
    const { discoverFiles, resolveConfigDirs } = (await import(distDiscover)) as typeof import('../discover/index.js');
    const small = path.join(root, 'small');
    const src = [...jsonlFiles(claudeProjects)].slice(0, 3);
    for (const f of src) {
      const to = path.join(small, 'projects', '-small', path.basename(f));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(f, to);
    }
    const files = discoverFiles(resolveConfigDirs({ dirs: [small] }).projectsDirs);
    const one = await scanFiles(files, { workers: 1, events: true });
    for (const workers of [2, 3]) {
      const many = await scanFiles(files, { workers, events: true });
      expect({ ...many, stats: { ...many.stats, elapsedMs: 0, workers: 0 } }).toEqual({ ...one, stats: { ...one.stats, elapsedMs: 0, workers: 0 } });
    }
  });
});
