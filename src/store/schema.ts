// The embedded store's schema and its migrations. Each migration moves the
// database one version up inside a transaction; a database written by a newer
// cachelens is refused, never altered.

export const SCHEMA_VERSION = 7;

/** migrations[i] takes a database from version i to i + 1 */
export const MIGRATIONS: readonly string[] = [
  // 0 → 1: records, conversation events and the index of scanned files
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE files (
    path TEXT PRIMARY KEY,
    -- the projects/ directory the file was found under (or 'import:<dir>' for cachelens import)
    root TEXT NOT NULL,
    project TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    ino INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    scanned_at INTEGER NOT NULL
  );
  CREATE TABLE requests (
    key TEXT PRIMARY KEY,
    machine_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    request_id TEXT,
    ts INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    project TEXT NOT NULL,
    cwd TEXT,
    agent_id TEXT,
    model TEXT NOT NULL,
    version TEXT,
    speed TEXT,
    inference_geo TEXT,
    input INTEGER NOT NULL,
    write_5m INTEGER NOT NULL,
    write_1h INTEGER NOT NULL,
    read INTEGER NOT NULL,
    output INTEGER NOT NULL,
    file TEXT NOT NULL,
    offset INTEGER NOT NULL,
    tok_ts INTEGER NOT NULL,
    tok_file TEXT NOT NULL,
    tok_offset INTEGER NOT NULL
  );
  CREATE INDEX requests_ts ON requests (ts);
  CREATE TABLE api_errors (
    key TEXT PRIMARY KEY,
    machine_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    project TEXT NOT NULL,
    agent_id TEXT,
    error TEXT,
    file TEXT NOT NULL,
    offset INTEGER NOT NULL
  );
  CREATE TABLE events (
    file TEXT NOT NULL,
    offset INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ts INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    project TEXT NOT NULL,
    agent_id TEXT,
    detail TEXT,
    PRIMARY KEY (file, offset, kind)
  );
  `,
  // 1 → 2: what Claude Code itself reports about its cache (status line prompt_cache), kept over time
  `
  CREATE TABLE cc_cache_reports (
    session_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (session_id, ts)
  );
  `,
  // 2 → 3: finished outputs keyed by command, options and data generation: an unchanged re-run prints them again
  `
  CREATE TABLE output_cache (
    key TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    output TEXT NOT NULL,
    used_at INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0');
  `,
  // 3 → 4: rows remember the generation that last wrote them; a packed snapshot of all request rows
  `
  ALTER TABLE requests ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX requests_gen ON requests (gen);
  CREATE TABLE snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  `,
  // 4 → 5: every root a response or API error was seen under, so a report on one
  // root counts a response even when another root saw it first
  `
  CREATE TABLE seen_roots (key TEXT NOT NULL, root TEXT NOT NULL, PRIMARY KEY (key, root)) WITHOUT ROWID;
  INSERT OR IGNORE INTO seen_roots (key, root) SELECT r.key, f.root FROM requests r JOIN files f ON f.path = r.file;
  INSERT OR IGNORE INTO seen_roots (key, root) SELECT 'e:' || e.key, f.root FROM api_errors e JOIN files f ON f.path = e.file;
  `,
  // 5 → 6: which sessions each generation touched (triggers see the old and the new session of a
  // moved response), and the report's per-session parts kept per options key
  `
  CREATE TABLE dirty_sessions (session_id TEXT NOT NULL, gen INTEGER NOT NULL, PRIMARY KEY (session_id, gen)) WITHOUT ROWID;
  CREATE INDEX dirty_sessions_gen ON dirty_sessions (gen);
  CREATE INDEX requests_session ON requests (session_id);
  CREATE INDEX events_session ON events (session_id);
  -- (INSERT OR IGNORE would not do: inside a trigger the outer statement's conflict rule wins)
  CREATE VIEW dirty_generation AS SELECT CAST(value AS INTEGER) AS gen FROM meta WHERE key = 'generation';
  CREATE TRIGGER requests_dirty_i AFTER INSERT ON requests BEGIN
    INSERT INTO dirty_sessions SELECT NEW.session_id, NEW.gen
      WHERE NOT EXISTS (SELECT 1 FROM dirty_sessions WHERE session_id = NEW.session_id AND gen = NEW.gen);
  END;
  CREATE TRIGGER requests_dirty_u AFTER UPDATE ON requests BEGIN
    INSERT INTO dirty_sessions SELECT DISTINCT s, NEW.gen FROM (SELECT OLD.session_id AS s UNION SELECT NEW.session_id)
      WHERE NOT EXISTS (SELECT 1 FROM dirty_sessions WHERE session_id = s AND gen = NEW.gen);
  END;
  CREATE TRIGGER errors_dirty_i AFTER INSERT ON api_errors BEGIN
    INSERT INTO dirty_sessions SELECT NEW.session_id, g.gen FROM dirty_generation g
      WHERE NOT EXISTS (SELECT 1 FROM dirty_sessions WHERE session_id = NEW.session_id AND gen = g.gen);
  END;
  CREATE TRIGGER errors_dirty_u AFTER UPDATE ON api_errors BEGIN
    INSERT INTO dirty_sessions SELECT DISTINCT s, g.gen FROM (SELECT OLD.session_id AS s UNION SELECT NEW.session_id), dirty_generation g
      WHERE NOT EXISTS (SELECT 1 FROM dirty_sessions WHERE session_id = s AND gen = g.gen);
  END;
  CREATE TRIGGER events_dirty_i AFTER INSERT ON events BEGIN
    INSERT INTO dirty_sessions SELECT NEW.session_id, g.gen FROM dirty_generation g
      WHERE NOT EXISTS (SELECT 1 FROM dirty_sessions WHERE session_id = NEW.session_id AND gen = g.gen);
  END;
  CREATE TRIGGER events_dirty_d AFTER DELETE ON events BEGIN
    INSERT INTO dirty_sessions SELECT OLD.session_id, g.gen FROM dirty_generation g
      WHERE NOT EXISTS (SELECT 1 FROM dirty_sessions WHERE session_id = OLD.session_id AND gen = g.gen);
  END;
  -- a response or API error seen under one more root changes the reports of that root
  CREATE TRIGGER seen_dirty_i AFTER INSERT ON seen_roots BEGIN
    INSERT INTO dirty_sessions SELECT DISTINCT x.s, g.gen FROM (
        SELECT session_id AS s FROM requests WHERE key = NEW.key
        UNION SELECT session_id FROM api_errors WHERE NEW.key LIKE 'e:%' AND key = substr(NEW.key, 3)
      ) x, dirty_generation g
      WHERE NOT EXISTS (SELECT 1 FROM dirty_sessions WHERE session_id = x.s AND gen = g.gen);
  END;
  CREATE TABLE parts (key TEXT PRIMARY KEY, generation INTEGER NOT NULL, levels TEXT NOT NULL, data TEXT NOT NULL, used_at INTEGER NOT NULL);
  -- sessions recomputed since the parts above were written whole (data NULL: the session has no part any more)
  CREATE TABLE parts_change (key TEXT NOT NULL, session_id TEXT NOT NULL, data TEXT, PRIMARY KEY (key, session_id)) WITHOUT ROWID;
  `,
  // 6 → 7: what `cachelens proxy` saw: a fingerprint per request (hashes and sizes, never
  // content or auth headers), its usage, the rebuilds it diagnosed, and bodies only with --keep-bodies
  `
  CREATE TABLE proxy_requests (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT,
    status INTEGER,
    stream INTEGER NOT NULL,
    session_id TEXT,
    conversation TEXT,
    model TEXT,
    settings TEXT,
    blocks TEXT,
    input INTEGER,
    write_5m INTEGER,
    write_1h INTEGER,
    read INTEGER,
    output INTEGER,
    api_request_id TEXT,
    ttfb_ms REAL,
    duration_ms REAL
  );
  CREATE INDEX proxy_requests_ts ON proxy_requests (ts);
  CREATE INDEX proxy_requests_conversation ON proxy_requests (conversation, ts);
  CREATE TABLE proxy_findings (
    request_id INTEGER PRIMARY KEY REFERENCES proxy_requests (id),
    ts INTEGER NOT NULL,
    session_id TEXT,
    conversation TEXT NOT NULL,
    cause TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX proxy_findings_ts ON proxy_findings (ts);
  CREATE TABLE proxy_bodies (request_id INTEGER PRIMARY KEY REFERENCES proxy_requests (id), body BLOB NOT NULL);
  `,
];
