// Per-session report parts kept between runs, under a key for everything they
// depend on besides the data (options, time zone, price table, version). A
// run after an append recomputes only the sessions the append touched (see
// dirty_sessions in schema.ts) and merges them with the kept ones.
import type Database from 'better-sqlite3';

export interface KeptParts {
  /** the data generation the parts were computed at */
  generation: number;
  /** the shared start levels they were computed with (JSON) */
  levels: string;
  /** every session's part, encoded by the report stage */
  data: string;
}

export interface PartsCache {
  read(key: string): KeptParts | null;
  /** stores every session's part, computed from the data at `generation` */
  write(key: string, generation: number, levels: string, data: string): void;
}

/** Option keys kept (least recently used dropped first). */
const KEYS_KEPT = 8;

export function openPartsCache(db: Database.Database): PartsCache {
  return {
    read(key) {
      const row = db.prepare(`SELECT generation, levels, data FROM parts WHERE key = ?`).get(key) as KeptParts | undefined;
      return row ?? null;
    },
    write(key, generation, levels, data) {
      try {
        db.transaction(() => {
          db.prepare(`INSERT OR REPLACE INTO parts (key, generation, levels, data, used_at) VALUES (?, ?, ?, ?, ?)`).run(key, generation, levels, data, Date.now());
          db.prepare(`DELETE FROM parts WHERE key IN (SELECT key FROM parts ORDER BY used_at DESC LIMIT -1 OFFSET ${KEYS_KEPT})`).run();
          // generations older than every kept set of parts are of no further use
          db.prepare(`DELETE FROM dirty_sessions WHERE gen <= (SELECT min(generation) FROM parts)`).run();
        }).immediate();
      } catch (err) {
        // busy with a concurrent writer: the next run computes the parts again
        if (!/^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string }).code ?? '')) throw err;
      }
    },
  };
}
