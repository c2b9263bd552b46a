// The team database's schema and the order-free upserts of a sync (see
// postgres.ts): the same merge rule as the SQLite store, written in SQL.

/** Bumped when the team schema changes; stored in team_meta. */
export const TEAM_SCHEMA_VERSION = 1;

// Text that takes part in the tie-breaks is COLLATE "C" (byte order), as SQLite's BINARY.
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS team_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS team_machines (
  machine_id TEXT PRIMARY KEY,
  user_label TEXT NOT NULL,
  hostname TEXT,
  first_sync TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_sync TIMESTAMPTZ,
  last_sync_started TIMESTAMPTZ,
  last_sync_requests BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS team_requests (
  machine_id TEXT NOT NULL,
  user_label TEXT NOT NULL,
  message_id TEXT NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  ts BIGINT NOT NULL,
  session_id TEXT NOT NULL,
  project TEXT NOT NULL,
  cwd TEXT,
  agent_id TEXT,
  model TEXT NOT NULL,
  version TEXT,
  speed TEXT,
  inference_geo TEXT,
  input BIGINT NOT NULL,
  write_5m BIGINT NOT NULL,
  write_1h BIGINT NOT NULL,
  cache_read BIGINT NOT NULL,
  output BIGINT NOT NULL,
  file TEXT COLLATE "C" NOT NULL,
  line_offset BIGINT NOT NULL,
  tok_ts BIGINT NOT NULL,
  tok_file TEXT COLLATE "C" NOT NULL,
  tok_offset BIGINT NOT NULL,
  PRIMARY KEY (machine_id, message_id, request_id)
);
CREATE INDEX IF NOT EXISTS team_requests_ts ON team_requests (ts);
CREATE INDEX IF NOT EXISTS team_requests_user ON team_requests (user_label, ts);
-- each conversation in order: the team overview's rebuild detection reads it without sorting
CREATE INDEX IF NOT EXISTS team_requests_conv ON team_requests (machine_id, session_id, agent_id, ts, file, line_offset);
CREATE TABLE IF NOT EXISTS team_api_errors (
  machine_id TEXT NOT NULL,
  user_label TEXT NOT NULL,
  key TEXT NOT NULL,
  ts BIGINT NOT NULL,
  session_id TEXT NOT NULL,
  project TEXT NOT NULL,
  agent_id TEXT,
  error TEXT,
  file TEXT COLLATE "C" NOT NULL,
  line_offset BIGINT NOT NULL,
  PRIMARY KEY (machine_id, key)
);
CREATE INDEX IF NOT EXISTS team_api_errors_ts ON team_api_errors (ts);
CREATE TABLE IF NOT EXISTS team_events (
  machine_id TEXT NOT NULL,
  user_label TEXT NOT NULL,
  file TEXT COLLATE "C" NOT NULL,
  line_offset BIGINT NOT NULL,
  kind TEXT NOT NULL,
  ts BIGINT NOT NULL,
  session_id TEXT NOT NULL,
  project TEXT NOT NULL,
  agent_id TEXT,
  detail TEXT,
  PRIMARY KEY (machine_id, file, line_offset, kind)
);
CREATE INDEX IF NOT EXISTS team_events_ts ON team_events (ts);
`;

// tokens: the line with the largest output, ties to the earlier (ts, file, offset) of that line;
// attribution: the earliest line. Same rule as UPSERT_REQUEST in sqlite.ts.
const T = `(EXCLUDED.output > t.output OR (EXCLUDED.output = t.output AND (EXCLUDED.tok_ts, EXCLUDED.tok_file, EXCLUDED.tok_offset) < (t.tok_ts, t.tok_file, t.tok_offset)))`;
const A = `((EXCLUDED.ts, EXCLUDED.file, EXCLUDED.line_offset) < (t.ts, t.file, t.line_offset))`;
const tok = (c: string): string => `${c} = CASE WHEN ${T} THEN EXCLUDED.${c} ELSE t.${c} END`;
const att = (c: string): string => `${c} = CASE WHEN ${A} THEN EXCLUDED.${c} ELSE t.${c} END`;

const REQUEST_COLUMNS: [name: string, type: string][] = [
  ['machine_id', 'text'], ['user_label', 'text'], ['message_id', 'text'], ['request_id', 'text'], ['ts', 'bigint'], ['session_id', 'text'],
  ['project', 'text'], ['cwd', 'text'], ['agent_id', 'text'], ['model', 'text'], ['version', 'text'], ['speed', 'text'], ['inference_geo', 'text'],
  ['input', 'bigint'], ['write_5m', 'bigint'], ['write_1h', 'bigint'], ['cache_read', 'bigint'], ['output', 'bigint'],
  ['file', 'text'], ['line_offset', 'bigint'], ['tok_ts', 'bigint'], ['tok_file', 'text'], ['tok_offset', 'bigint'],
];

// One array parameter per column (unnest): any batch size fits the 65,535-parameter limit.
const insertUnnest = (table: string, columns: [string, string][]): string =>
  `INSERT INTO ${table} AS t (${columns.map((c) => c[0]).join(', ')})
SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${c[1]}[]`).join(', ')})`;

export const UPSERT_REQUESTS = `
${insertUnnest('team_requests', REQUEST_COLUMNS)}
ON CONFLICT (machine_id, message_id, request_id) DO UPDATE SET
  ${['input', 'write_5m', 'write_1h', 'cache_read', 'speed', 'inference_geo', 'tok_ts', 'tok_file', 'tok_offset', 'output'].map(tok).join(',\n  ')},
  ${['session_id', 'project', 'cwd', 'agent_id', 'model', 'version', 'file', 'line_offset', 'ts'].map(att).join(',\n  ')},
  user_label = EXCLUDED.user_label
WHERE ${T} OR ${A} OR t.user_label IS DISTINCT FROM EXCLUDED.user_label
`;

const ERROR_COLUMNS: [string, string][] = [
  ['machine_id', 'text'], ['user_label', 'text'], ['key', 'text'], ['ts', 'bigint'], ['session_id', 'text'], ['project', 'text'],
  ['agent_id', 'text'], ['error', 'text'], ['file', 'text'], ['line_offset', 'bigint'],
];
export const UPSERT_ERRORS = `
${insertUnnest('team_api_errors', ERROR_COLUMNS)}
ON CONFLICT (machine_id, key) DO UPDATE SET
  ${['ts', 'session_id', 'project', 'agent_id', 'error', 'file', 'line_offset'].map(att).join(',\n  ')},
  user_label = EXCLUDED.user_label
WHERE ${A} OR t.user_label IS DISTINCT FROM EXCLUDED.user_label
`;

const EVENT_COLUMNS: [string, string][] = [
  ['machine_id', 'text'], ['user_label', 'text'], ['file', 'text'], ['line_offset', 'bigint'], ['kind', 'text'], ['ts', 'bigint'],
  ['session_id', 'text'], ['project', 'text'], ['agent_id', 'text'], ['detail', 'text'],
];
export const UPSERT_EVENTS = `
${insertUnnest('team_events', EVENT_COLUMNS)}
ON CONFLICT (machine_id, file, line_offset, kind) DO UPDATE SET user_label = EXCLUDED.user_label
WHERE t.user_label IS DISTINCT FROM EXCLUDED.user_label
`;
