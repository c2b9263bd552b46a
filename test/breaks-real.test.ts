// Rebuild diagnostics on the real transcripts: compaction boundaries found
// independently (JSON.parse of every line) must be followed by a rebuild
// labelled compaction; idle gaps past the TTL in force are ttl-expired; model
// switches are labelled; the unexplained share is reported.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeHome, haveCli, haveSharedData, runCli, SKIP_NO_CLI, SKIP_NO_SHARED } from './oracle/cli.js';

const ready = haveSharedData && haveCli;
if (!ready) console.warn(haveSharedData ? SKIP_NO_CLI : SKIP_NO_SHARED);

function* walk(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.jsonl')) yield p;
  }
}

/** session id → times of compaction boundaries (main thread), by naive parsing. */
function compactionBoundaries(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of walk(path.join(claudeHome, 'projects'))) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (!line.includes('compact_boundary')) continue;
      let o: any;
      try {
        o = JSON.parse(line);
      } catch {
        continue;
      }
      if (o.type === 'system' && o.subtype === 'compact_boundary' && !o.isSidechain) {
        const list = out.get(o.sessionId) ?? [];
        list.push(Date.parse(o.timestamp));
        out.set(o.sessionId, list);
      }
    }
  }
  return out;
}

(ready ? describe : describe.skip)('breaks on ../shared/data/claude-home', () => {
  const run = () => {
    const r = runCli(['breaks', '--json', '--all', '--dir', claudeHome]);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('the first rebuild after each compaction boundary is labelled compaction', () => {
    const j = run();
    const boundaries = compactionBoundaries();
    expect([...boundaries.values()].flat().length).toBeGreaterThan(0);
    for (const [session, times] of boundaries) {
      for (const t of times) {
        const after = j.rebuilds
          .filter((b: any) => b.sessionId === session && b.agentId === null && Date.parse(b.timestamp) > t)
          .sort((a: any, b: any) => Date.parse(a.timestamp) - Date.parse(b.timestamp))[0];
        if (!after) continue; // the session ended at the boundary
        expect(after.cause, `${session} @ ${new Date(t).toISOString()}`).toBe('compaction');
      }
    }
  });

  it('every rebuild after an idle gap longer than the TTL in force is ttl-expired; model switches are labelled', () => {
    const j = run();
    const ttlMs = { '5m': 300_000, '1h': 3_600_000 } as const;
    let expired = 0;
    for (const b of j.rebuilds) {
      if (b.previousMessageId === null) continue;
      if (b.gapMs > ttlMs[b.ttl as '5m' | '1h'] - j.rules.ttlSlackMs) {
        expect(b.cause, b.messageId).toBe('ttl-expired');
        expired++;
      }
      if (b.evidence.some((e: string) => e.startsWith('model '))) expect(['model-switch', 'ttl-expired']).toContain(b.cause);
    }
    expect(expired).toBeGreaterThan(0);
    expect(j.byCause.map((g: any) => g.key)).toContain('model-switch');
  });

  it('reports the unexplained share and sums its groups to the total', () => {
    const j = run();
    const unexplained = j.byCause.find((g: any) => g.key === 'unexplained');
    expect(j.summary.unexplainedShare).toBeCloseTo(unexplained ? unexplained.wastedUSD / j.summary.wastedUSD : 0, 4);
    for (const groups of [j.byCause, j.byProject, j.byVersion, j.byWeek]) {
      expect(groups.reduce((s: number, g: any) => s + g.rebuilds, 0)).toBe(j.summary.rebuilds);
      expect(groups.reduce((s: number, g: any) => s + g.wastedUSD, 0)).toBeCloseTo(j.summary.wastedUSD, 4);
    }
    // report shows the same count and waste without reading conversation events
    const rep = JSON.parse(runCli(['report', '--json', '--dir', claudeHome]).stdout);
    expect(rep.totals.rebuilds).toBe(j.summary.rebuilds);
    expect(rep.totals.wastedUSD).toBeCloseTo(j.summary.wastedUSD, 4);
  });
});
