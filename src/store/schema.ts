// The embedded store's schema and its migrations. Each migration moves the
// database one version up inside a transaction; a database written by a newer
// cachelens is refused, never altered.

export const SCHEMA_VERSION = 5;

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
];
