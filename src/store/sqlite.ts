// The embedded store: one SQLite file holding every request record, API
// error and conversation event ever scanned, and the index of scanned files.
// Merges happen in SQL with the same order-free rule as the scanner, so
// applying the same records twice, or in any order, changes nothing.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { inLineOrder, type ApiErrorRecord, type ConversationEvent, type RequestRecord } from '../domain/types.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { openCcReports, type CcReportsStore } from './cc-reports.js';
import { openPartsCache, type PartsCache } from './parts.js';
import { openProxyLog, type ProxyLogStore } from './proxy-log.js';
import { packSnapshot, unpackSnapshot } from './snapshot.js';

/** A request record with where its token counts came from (the merge's tie-breaker). */
export interface StoredRequest extends RequestRecord {
  tokTimestamp: number;
  tokFile: string;
  tokOffset: number;
}

export interface FileState {
  path: string;
  /** the projects/ directory it was found under, or 'import:<dir>' */
  root: string;
  project: string;
  size: number;
  mtimeMs: number;
  ino: number;
  /** bytes read so far: the next scan starts here */
  offset: number;
  /** sha1 of the first 4 KiB: a different hash means the file was rewritten */
  headHash: string;
}

export interface Batch {
  /** the root every file of the batch was found under (a batch never mixes roots) */
  root: string;
  requests: Iterable<StoredRequest>;
  apiErrors: Iterable<ApiErrorRecord>;
  events: Iterable<ConversationEvent>;
  files: FileState[];
  /** files read again from the start: their old events are replaced */
  rewritten: string[];
}

export class StoreVersionError extends Error {}

export interface SqliteStore {
  path: string;
  machineId: string;
  files(): Map<string, FileState>;
  apply(batch: Batch): void;
  /**
   * records in [from, to) whose file was found under one of `roots` (null = every root);
   * with `sessions`, only those sessions' records (read by index, not from the snapshot)
   */
  load(
    range?: { from: number | null; to: number | null },
    roots?: string[] | null,
    sessions?: readonly string[] | null,
  ): { requests: StoredRequest[]; apiErrors: ApiErrorRecord[]; events: ConversationEvent[] };
  /** sessions whose records or events changed in a generation after `generation` */
  changedSessions(generation: number): string[];
  /** the report's per-session parts kept under an options key */
  parts: PartsCache;
  /** Claude Code's own cache reports (status line `prompt_cache`) */
  ccReports: CcReportsStore;
  /** what `cachelens proxy` saw: request fingerprints, usage, diagnosed rebuilds */
  proxyLog: ProxyLogStore;
  /** every root recorded, e.g. to include imports */
  roots(): string[];
  counts(): { requests: number; apiErrors: number; events: number; files: number };
  /** bumped by every apply: outputs cached at another generation are stale */
  generation(): number;
  cachedOutput(key: string): string | null;
  /** stores an output computed from the data at `generation` (a later generation makes it stale at once) */
  cacheOutput(key: string, output: string, generation: number): void;
  close(): void;
}

/** Outputs kept in the cache (least recently used dropped first). */
const OUTPUT_CACHE_ENTRIES = 32;

function checkVersion(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new StoreVersionError(
      `${file} was written by a newer cachelens (schema ${version}; this one knows ${SCHEMA_VERSION}). Upgrade cachelens, or use --db with another file or --no-store.`,
    );
  }
}

function migrate(db: Database.Database): void {
  // each step re-reads the version inside its write transaction: a concurrent run may have migrated already
  const step = db.transaction((): boolean => {
    const v = db.pragma('user_version', { simple: true }) as number;
    if (v >= SCHEMA_VERSION) return false;
    db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${v + 1}`);
    return true;
  });
  while (step.immediate()) {
    /* next version */
  }
}

const UPSERT_REQUEST = `
INSERT INTO requests (key, machine_id, message_id, request_id, ts, session_id, project, cwd, agent_id, model, version, speed,
  inference_geo, input, write_5m, write_1h, read, output, file, offset, tok_ts, tok_file, tok_offset, gen)
VALUES (@key, @machineId, @messageId, @requestId, @timestamp, @sessionId, @project, @cwd, @agentId, @model, @version, @speed,
  @inferenceGeo, @input, @cacheWrite5m, @cacheWrite1h, @cacheRead, @output, @file, @offset, @tokTimestamp, @tokFile, @tokOffset, @gen)
ON CONFLICT (key) DO UPDATE SET
  gen = excluded.gen,
  -- tokens: the line with the largest output; ties go to the earlier line (every right-hand side sees the old row)
  input = CASE WHEN T THEN excluded.input ELSE input END,
  write_5m = CASE WHEN T THEN excluded.write_5m ELSE write_5m END,
  write_1h = CASE WHEN T THEN excluded.write_1h ELSE write_1h END,
  read = CASE WHEN T THEN excluded.read ELSE read END,
  speed = CASE WHEN T THEN excluded.speed ELSE speed END,
  inference_geo = CASE WHEN T THEN excluded.inference_geo ELSE inference_geo END,
  tok_ts = CASE WHEN T THEN excluded.tok_ts ELSE tok_ts END,
  tok_file = CASE WHEN T THEN excluded.tok_file ELSE tok_file END,
  tok_offset = CASE WHEN T THEN excluded.tok_offset ELSE tok_offset END,
  output = CASE WHEN T THEN excluded.output ELSE output END,
  -- attribution and time: the earliest line
  session_id = CASE WHEN A THEN excluded.session_id ELSE session_id END,
  project = CASE WHEN A THEN excluded.project ELSE project END,
  cwd = CASE WHEN A THEN excluded.cwd ELSE cwd END,
  agent_id = CASE WHEN A THEN excluded.agent_id ELSE agent_id END,
  model = CASE WHEN A THEN excluded.model ELSE model END,
  version = CASE WHEN A THEN excluded.version ELSE version END,
  file = CASE WHEN A THEN excluded.file ELSE file END,
  offset = CASE WHEN A THEN excluded.offset ELSE offset END,
  ts = CASE WHEN A THEN excluded.ts ELSE ts END
`
  .replaceAll(' T ', ' (excluded.output > output OR (excluded.output = output AND (excluded.tok_ts, excluded.tok_file, excluded.tok_offset) < (tok_ts, tok_file, tok_offset))) ')
  .replaceAll(' A ', ' ((excluded.ts, excluded.file, excluded.offset) < (ts, file, offset)) ');

const UPSERT_ERROR = `
INSERT INTO api_errors (key, machine_id, ts, session_id, project, agent_id, error, file, offset)
VALUES (@key, @machineId, @timestamp, @sessionId, @project, @agentId, @error, @file, @offset)
ON CONFLICT (key) DO UPDATE SET
  ts = excluded.ts, session_id = excluded.session_id, project = excluded.project, agent_id = excluded.agent_id,
  error = excluded.error, file = excluded.file, offset = excluded.offset
WHERE (excluded.ts, excluded.file, excluded.offset) < (ts, file, offset)
`;

/** Runs `fn` again while another process holds a lock SQLite will not wait for (e.g. two first opens racing). */
function retryBusy<T>(fn: () => T, deadline = Date.now() + 10_000): T {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!/^SQLITE_BUSY/.test((err as { code?: string }).code ?? '') || Date.now() > deadline) throw err;
      Atomics.wait(pause, 0, 0, 25 + Math.floor(Math.random() * 25));
    }
  }
}

export function openSqliteStore(file: string): SqliteStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 10_000 });
  // before anything that writes (even switching to WAL writes the header)
  checkVersion(db, file);
  // a database another process is creating or recovering can answer "locked" without waiting: try again
  retryBusy(() => {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  });
  const machineId = retryBusy(() => {
    const known = (db.prepare(`SELECT value FROM meta WHERE key = 'machine_id'`).get() as { value: string } | undefined)?.value;
    if (known) return known;
    db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('machine_id', ?), ('hostname', ?), ('created', ?)`).run(randomUUID(), os.hostname(), new Date().toISOString());
    return (db.prepare(`SELECT value FROM meta WHERE key = 'machine_id'`).get() as { value: string }).value;
  });
  const upsertRequest = db.prepare(UPSERT_REQUEST);
  const upsertError = db.prepare(UPSERT_ERROR);
  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (file, offset, kind, ts, session_id, project, agent_id, detail) VALUES (@file, @offset, @kind, @timestamp, @sessionId, @project, @agentId, @detail)`,
  );
  const deleteEvents = db.prepare(`DELETE FROM events WHERE file = ?`);
  const markSeen = db.prepare(`INSERT OR IGNORE INTO seen_roots (key, root) VALUES (?, ?)`);
  const upsertFile = db.prepare(
    `INSERT INTO files (path, root, project, size, mtime_ms, ino, offset, head_hash, scanned_at) VALUES (@path, @root, @project, @size, @mtimeMs, @ino, @offset, @headHash, @now)
     ON CONFLICT (path) DO UPDATE SET root = excluded.root, project = excluded.project, size = excluded.size, mtime_ms = excluded.mtime_ms, ino = excluded.ino,
       offset = excluded.offset, head_hash = excluded.head_hash, scanned_at = excluded.scanned_at`,
  );
  const mid = machineId;

  const REQUEST_COLUMNS = `key, message_id, request_id, ts, session_id, project, cwd, agent_id, model, version, speed, inference_geo,
                input, write_5m, write_1h, read, output, file, offset, tok_ts, tok_file, tok_offset`;
  const readRequests = (where: string, ...params: unknown[]): StoredRequest[] => {
    const out: StoredRequest[] = [];
    const rows = db.prepare(`SELECT ${REQUEST_COLUMNS} FROM requests WHERE ${where}`).raw().iterate(...params) as Iterable<unknown[]>;
    for (const x of rows) {
      out.push({
        key: x[0] as string, messageId: x[1] as string, requestId: x[2] as string | null, timestamp: x[3] as number,
        sessionId: x[4] as string, project: x[5] as string, cwd: x[6] as string | null, agentId: x[7] as string | null,
        model: x[8] as string, version: x[9] as string | null, speed: x[10] as string | null, inferenceGeo: x[11] as string | null,
        input: x[12] as number, cacheWrite5m: x[13] as number, cacheWrite1h: x[14] as number, cacheRead: x[15] as number,
        output: x[16] as number, file: x[17] as string, offset: x[18] as number,
        tokTimestamp: x[19] as number, tokFile: x[20] as string, tokOffset: x[21] as number,
      });
    }
    return out;
  };
  const rowsSince = (gen: number): StoredRequest[] => readRequests('gen > ?', gen);

  /** Every request record, in time order: the snapshot plus rows written since; the snapshot is renewed when the rest grows. */
  const allRequests = (): StoredRequest[] => {
    const snap = db.prepare(`SELECT generation, data FROM snapshot WHERE id = 1`).get() as { generation: number; data: Buffer } | undefined;
    const current = (readGeneration.get() as { g: number }).g;
    let records = snap ? unpackSnapshot(snap.data) : [];
    const delta = rowsSince(snap ? snap.generation : -1);
    if (delta.length > 0) {
      const at = new Map<string, number>();
      records.forEach((r, i) => at.set(r.key, i));
      for (const r of delta) {
        const i = at.get(r.key);
        if (i === undefined) records.push(r);
        else records[i] = r;
      }
    }
    records.sort(inLineOrder);
    if (!snap || delta.length > Math.max(2000, records.length / 20)) {
      try {
        db.prepare(`INSERT OR REPLACE INTO snapshot (id, generation, data) VALUES (1, ?, ?)`).run(current, packSnapshot(records));
      } catch {
        /* busy with a concurrent writer: the next run renews it */
      }
    }
    return records;
  };

  const bumpGeneration = db.prepare(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'`);
  const readGeneration = db.prepare(`SELECT CAST(value AS INTEGER) AS g FROM meta WHERE key = 'generation'`);
  const apply = db.transaction((b: Batch) => {
    bumpGeneration.run();
    const gen = (readGeneration.get() as { g: number }).g;
    for (const f of b.rewritten) deleteEvents.run(f);
    for (const r of b.requests) {
      upsertRequest.run({
        key: r.key, machineId: mid, messageId: r.messageId, requestId: r.requestId, timestamp: r.timestamp, sessionId: r.sessionId,
        project: r.project, cwd: r.cwd, agentId: r.agentId, model: r.model, version: r.version, speed: r.speed, inferenceGeo: r.inferenceGeo,
        input: r.input, cacheWrite5m: r.cacheWrite5m, cacheWrite1h: r.cacheWrite1h, cacheRead: r.cacheRead, output: r.output,
        file: r.file, offset: r.offset, tokTimestamp: r.tokTimestamp, tokFile: r.tokFile, tokOffset: r.tokOffset, gen,
      });
      markSeen.run(r.key, b.root);
    }
    for (const e of b.apiErrors) {
      upsertError.run({ key: e.key, machineId: mid, timestamp: e.timestamp, sessionId: e.sessionId, project: e.project, agentId: e.agentId, error: e.error, file: e.file, offset: e.offset });
      markSeen.run(`e:${e.key}`, b.root);
    }
    for (const e of b.events) insertEvent.run({ ...e });
    const now = Date.now();
    for (const f of b.files) upsertFile.run({ ...f, now });
  });

  return {
    path: file,
    machineId,
    files() {
      const m = new Map<string, FileState>();
      for (const row of db.prepare(`SELECT path, root, project, size, mtime_ms, ino, offset, head_hash FROM files`).raw().iterate() as Iterable<unknown[]>) {
        const [p, root, project, size, mtimeMs, ino, offset, headHash] = row as [string, string, string, number, number, number, number, string];
        m.set(p, { path: p, root, project, size, mtimeMs, ino, offset, headHash });
      }
      return m;
    },
    apply(b) {
      // IMMEDIATE: a concurrent run waits (busy timeout) instead of failing mid-way
      apply.immediate(b);
    },
    roots() {
      return (db.prepare(`SELECT DISTINCT root FROM files ORDER BY root`).raw().all() as [string][]).map((r) => r[0]);
    },
    load(range = { from: null, to: null }, roots = null, sessions = null) {
      const from = range.from ?? -8.64e15;
      const to = range.to ?? 8.64e15;
      // temporary tables of the wanted roots (and sessions) keep the query plans simple for any number of them
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS want_roots (root TEXT PRIMARY KEY); DELETE FROM want_roots;`);
      const addRoot = db.prepare(`INSERT OR IGNORE INTO want_roots (root) VALUES (?)`);
      for (const r of roots ?? this.roots()) addRoot.run(r);
      let bySession = '';
      if (sessions) {
        db.exec(`CREATE TEMP TABLE IF NOT EXISTS want_sessions (id TEXT PRIMARY KEY); DELETE FROM want_sessions;`);
        const addSession = db.prepare(`INSERT OR IGNORE INTO want_sessions (id) VALUES (?)`);
        for (const id of sessions) addSession.run(id);
        bySession = ' AND session_id IN (SELECT id FROM want_sessions)';
      }
      const inRoots = `file IN (SELECT path FROM files WHERE root IN (SELECT root FROM want_roots))`;
      // a response counts for a root when any of its lines was found under it, whichever file it is attributed to;
      // when every root the store knows is wanted (the usual case) there is nothing to filter
      const wanted = new Set(roots ?? []);
      const everything = roots === null || this.roots().every((r) => wanted.has(r));
      const seenSql = `SELECT DISTINCT key FROM seen_roots WHERE root IN (SELECT root FROM want_roots)`;
      let requests: StoredRequest[];
      if (sessions) {
        const seen = everything ? '' : ` AND key IN (${seenSql})`;
        requests = readRequests(`ts >= ? AND ts < ?${bySession}${seen}`, from, to).sort(inLineOrder);
      } else {
        let seen: Set<string> | null = null;
        if (!everything) {
          seen = new Set<string>();
          for (const [k] of db.prepare(seenSql).raw().iterate() as Iterable<[string]>) seen.add(k);
        }
        requests = allRequests().filter((r) => r.timestamp >= from && r.timestamp < to && (seen === null || seen.has(r.key)));
      }
      const apiErrors = (
        db.prepare(`SELECT key, ts, session_id, project, agent_id, error, file, offset FROM api_errors WHERE ts >= ? AND ts < ?${bySession} AND 'e:' || key IN (SELECT key FROM seen_roots WHERE root IN (SELECT root FROM want_roots))`).raw().all(from, to) as unknown[][]
      ).map((x) => ({ key: x[0] as string, timestamp: x[1] as number, sessionId: x[2] as string, project: x[3] as string, agentId: x[4] as string | null, error: x[5] as string | null, file: x[6] as string, offset: x[7] as number }));
      const events = (
        db.prepare(`SELECT kind, ts, session_id, project, agent_id, detail, file, offset FROM events WHERE ts >= ? AND ts < ?${bySession} AND ${inRoots}`).raw().all(from, to) as unknown[][]
      ).map((x) => ({ kind: x[0] as ConversationEvent['kind'], timestamp: x[1] as number, sessionId: x[2] as string, project: x[3] as string, agentId: x[4] as string | null, detail: x[5] as string | null, file: x[6] as string, offset: x[7] as number }));
      return { requests, apiErrors, events };
    },
    changedSessions(generation) {
      return (db.prepare(`SELECT DISTINCT session_id FROM dirty_sessions WHERE gen > ?`).raw().all(generation) as [string][]).map((r) => r[0]);
    },
    parts: openPartsCache(db),
    ccReports: openCcReports(db, () => bumpGeneration.run()),
    proxyLog: openProxyLog(db, () => bumpGeneration.run()),
    generation() {
      return (readGeneration.get() as { g: number } | undefined)?.g ?? 0;
    },
    cachedOutput(key) {
      const row = db.prepare(`SELECT generation, output FROM output_cache WHERE key = ?`).get(key) as { generation: number; output: string } | undefined;
      if (!row || row.generation !== this.generation()) return null;
      try {
        db.prepare(`UPDATE output_cache SET used_at = ? WHERE key = ?`).run(Date.now(), key);
      } catch {
        /* busy with a concurrent writer: the hit stands */
      }
      return row.output;
    },
    cacheOutput(key, output, gen) {
      try {
        db.transaction(() => {
          db.prepare(`INSERT OR REPLACE INTO output_cache (key, generation, output, used_at) VALUES (?, ?, ?, ?)`).run(key, gen, output, Date.now());
          db.prepare(`DELETE FROM output_cache WHERE key NOT IN (SELECT key FROM output_cache ORDER BY used_at DESC LIMIT ${OUTPUT_CACHE_ENTRIES})`).run();
        }).immediate();
      } catch {
        /* a cache write that loses a race is simply skipped */
      }
    },
    counts() {
      const n = (t: string): number => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      return { requests: n('requests'), apiErrors: n('api_errors'), events: n('events'), files: n('files') };
    },
    close() {
      db.close();
    },
  };
}
