// Per-session report parts kept between runs, under a key for everything they
// depend on besides the data (options, time zone, price table, version). A
// run after an append recomputes only the sessions the append touched (see
// dirty_sessions in schema.ts) and stores just those as changes beside the
// whole set, which is written anew only when the changes grow large.
import type Database from 'better-sqlite3';

export interface KeptParts {
  /** the data generation the parts were computed at */
  generation: number;
  /** the shared start levels they were computed with (JSON) */
  levels: string;
  /** every session's part when last written whole, encoded by the report stage */
  data: string;
  /** sessions recomputed since: session id → its part (JSON), or null when it has none any more */
  changes: Map<string, string | null>;
}

export interface PartsCache {
  read(key: string): KeptParts | null;
  /** stores every session's part, computed from the data at `generation` */
  writeAll(key: string, generation: number, levels: string, data: string): void;
  /** stores the parts of the sessions recomputed at `generation` (null: no part any more) */
  writeChanges(key: string, generation: number, changes: Map<string, string | null>): void;
}

/** Option keys kept (least recently used dropped first). */
const KEYS_KEPT = 8;

function busy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string }).code ?? '');
}

export function openPartsCache(db: Database.Database): PartsCache {
  // a write that loses a race with a concurrent writer is skipped: the next run computes those parts again
  const tryWrite = (fn: () => void): void => {
    try {
      db.transaction(fn).immediate();
    } catch (err) {
      if (!busy(err)) throw err;
    }
  };
  return {
    read(key) {
      const row = db.prepare(`SELECT generation, levels, data FROM parts WHERE key = ?`).get(key) as Omit<KeptParts, 'changes'> | undefined;
      if (!row) return null;
      const changes = new Map<string, string | null>();
      for (const [s, d] of db.prepare(`SELECT session_id, data FROM parts_change WHERE key = ?`).raw().iterate(key) as Iterable<[string, string | null]>) changes.set(s, d);
      return { ...row, changes };
    },
    writeAll(key, generation, levels, data) {
      tryWrite(() => {
        db.prepare(`INSERT OR REPLACE INTO parts (key, generation, levels, data, used_at) VALUES (?, ?, ?, ?, ?)`).run(key, generation, levels, data, Date.now());
        db.prepare(`DELETE FROM parts_change WHERE key = ?`).run(key);
        for (const [k] of db.prepare(`SELECT key FROM parts ORDER BY used_at DESC LIMIT -1 OFFSET ${KEYS_KEPT}`).raw().all() as [string][]) {
          db.prepare(`DELETE FROM parts WHERE key = ?`).run(k);
          db.prepare(`DELETE FROM parts_change WHERE key = ?`).run(k);
        }
        // generations older than every kept set of parts are of no further use
        db.prepare(`DELETE FROM dirty_sessions WHERE gen <= (SELECT min(generation) FROM parts)`).run();
      });
    },
    writeChanges(key, generation, changes) {
      tryWrite(() => {
        const put = db.prepare(`INSERT OR REPLACE INTO parts_change (key, session_id, data) VALUES (?, ?, ?)`);
        for (const [s, d] of changes) put.run(key, s, d);
        db.prepare(`UPDATE parts SET generation = ?, used_at = ? WHERE key = ?`).run(generation, Date.now(), key);
      });
    },
  };
}
