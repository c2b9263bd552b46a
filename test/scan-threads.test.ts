// The built scanner splits files across worker threads; the result must not
// depend on how many threads read the files, nor on which thread read which.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeHome, haveSharedData, repoRoot, SKIP_NO_SHARED } from './oracle/cli.js';

const distScan = path.join(repoRoot, 'dist', 'scan', 'index.js');
const distDiscover = path.join(repoRoot, 'dist', 'discover', 'index.js');
const ready = haveSharedData && fs.existsSync(distScan);
if (!ready) console.warn(haveSharedData ? 'skipping: dist/ not built (npm test builds first)' : SKIP_NO_SHARED);

(ready ? describe : describe.skip)('scan with worker threads', () => {
  it('gives the same records, errors and events with 1, 2 and 3 threads', async () => {
    const { scanFiles } = (await import(distScan)) as typeof import('../src/scan/index.js');
    const { discoverFiles, resolveConfigDirs } = (await import(distDiscover)) as typeof import('../src/discover/index.js');
    const files = discoverFiles(resolveConfigDirs({ dirs: [claudeHome] }).projectsDirs);
    const strip = (r: Awaited<ReturnType<typeof scanFiles>>) => ({
      requests: r.requests.map((q) => [q.key, q.timestamp, q.sessionId, q.agentId, q.model, q.input, q.cacheWrite5m, q.cacheWrite1h, q.cacheRead, q.output, q.file, q.offset]),
      apiErrors: r.apiErrors.map((e) => e.key),
      events: r.events.map((e) => [e.kind, e.detail, e.file, e.offset]),
    });
    const one = await scanFiles(files, { workers: 1, events: true });
    expect(one.stats.workers).toBe(1);
    for (const workers of [2, 3]) {
      const many = await scanFiles(files, { workers, events: true });
      expect(many.stats.workers).toBe(workers);
      expect(strip(many)).toEqual(strip(one));
    }
  });
});
