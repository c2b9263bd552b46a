// Claude Code's own cache reports (the status line's `prompt_cache` objects,
// appended by `cachelens statusline` to prompt-cache.jsonl) taken into the
// store, so they outlive the cache dir and sit beside the records.
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { ClaudeCodeCacheReport } from '../domain/types.js';

/** Parses prompt-cache.jsonl lines ({time, session_id, prompt_cache}); anything else is skipped. */
export function parseCcReports(text: string): ClaudeCodeCacheReport[] {
  const out: ClaudeCodeCacheReport[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof o !== 'object' || o === null) continue;
    const r = o as { time?: unknown; session_id?: unknown; prompt_cache?: unknown };
    const ts = typeof r.time === 'string' ? Date.parse(r.time) : NaN;
    if (!Number.isFinite(ts) || typeof r.session_id !== 'string' || typeof r.prompt_cache !== 'object' || r.prompt_cache === null || Array.isArray(r.prompt_cache)) continue;
    out.push({ sessionId: r.session_id, timestamp: ts, promptCache: r.prompt_cache as Record<string, unknown> });
  }
  return out;
}

export interface CcReportsStore {
  /** reads what was appended to `file` since the last call; returns the reports added (a new generation when > 0) */
  ingest(file: string): number;
  load(range: { from: number | null; to: number | null }): ClaudeCodeCacheReport[];
}

export function openCcReports(db: Database.Database, bumpGeneration: () => void): CcReportsStore {
  const getMeta = db.prepare(`SELECT value FROM meta WHERE key = ?`);
  const setMeta = db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`);
  const insert = db.prepare(`INSERT OR IGNORE INTO cc_cache_reports (session_id, ts, json) VALUES (?, ?, ?)`);
  return {
    ingest(file) {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        return 0;
      }
      const where = getMeta.get('cc_reports_pos') as { value: string } | undefined;
      const [ino, offset] = where ? (JSON.parse(where.value) as [number, number]) : [st.ino, 0];
      // a new or shorter file is read again from the start (the primary key keeps rows single)
      const start = ino === st.ino && offset <= st.size ? offset : 0;
      if (start === st.size) return 0;
      const buf = Buffer.alloc(st.size - start);
      const fd = fs.openSync(file, 'r');
      try {
        fs.readSync(fd, buf, 0, buf.length, start);
      } finally {
        fs.closeSync(fd);
      }
      // only whole lines: a line being written is read next time
      const end = buf.lastIndexOf(10) + 1;
      if (end === 0) return 0;
      const reports = parseCcReports(buf.toString('utf8', 0, end));
      let added = 0;
      try {
        db.transaction(() => {
          for (const r of reports) added += insert.run(r.sessionId, r.timestamp, JSON.stringify(r.promptCache)).changes;
          if (added > 0) bumpGeneration();
          setMeta.run('cc_reports_pos', JSON.stringify([st.ino, start + end]));
        }).immediate();
      } catch (err) {
        // busy with a concurrent writer: the next run reads these lines again
        if (!/^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string }).code ?? '')) throw err;
        return 0;
      }
      return added;
    },
    load(range) {
      const rows = db
        .prepare(`SELECT session_id, ts, json FROM cc_cache_reports WHERE ts >= ? AND ts < ? ORDER BY ts`)
        .raw()
        .all(range.from ?? -8.64e15, range.to ?? 8.64e15) as [string, number, string][];
      return rows.map(([sessionId, timestamp, json]) => ({ sessionId, timestamp, promptCache: JSON.parse(json) as Record<string, unknown> }));
    },
  };
}
