// The team store: a shared PostgreSQL database that several machines' local
// SQLite stores are pushed into (`cachelens sync --to postgres://...`) and
// that reports read back (`--from postgres://...`). Only usage numbers and
// metadata travel: the records hold no prompt, response or tool text.
//
// Every row carries the machine id of the store it came from and the user
// label given at sync time. Rows merge with the same order-free rule as the
// SQLite store (tokens from the line with the largest output, attribution from
// the earliest line, exact tie-breaks), so a sync is an idempotent upsert:
// running it twice, or again after an interruption, converges to one state.
import os from 'node:os';
import pg from 'pg';
import type { ApiErrorRecord, ConversationEvent } from '../domain/types.js';
import { SCHEMA, TEAM_SCHEMA_VERSION, UPSERT_ERRORS, UPSERT_EVENTS, UPSERT_REQUESTS } from './pg-schema.js';
import type { SqliteStore, StoredRequest } from './sqlite.js';

/** Rows per INSERT (each batch is one statement in its own transaction). */
export const DEFAULT_BATCH_ROWS = 5000;

export { TEAM_SCHEMA_VERSION };

export interface PgStore {
  /** the URL with any password replaced by '***' (safe to print) */
  displayUrl: string;
  client: pg.Client;
  close(): Promise<void>;
}

/** The URL with its password (if any) masked: the only form of a URL that is ever printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (/pass|secret|key$/i.test(k) && k !== 'sslkey') u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    // not a parseable URL: mask anything between '//' ':' and '@'
    return url.replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@');
  }
}

/** Error messages from pg can quote the connection string: mask any password in them. */
export function redactText(text: string, url: string): string {
  let out = text;
  try {
    const pw = decodeURIComponent(new URL(url).password);
    if (pw) out = out.split(pw).join('***');
  } catch {
    /* not a URL */
  }
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]*@/g, '$1:***@');
}

/**
 * Connects (credentials from the URL, the PG* environment variables or
 * ~/.pgpass; TLS from sslmode/sslrootcert/sslcert/sslkey URL parameters) and
 * creates the team schema if it is absent.
 */
export async function openPgStore(url: string): Promise<PgStore> {
  const client = new pg.Client({ connectionString: url, application_name: 'cachelens' });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(redactText(`cannot connect to ${redactUrl(url)}: ${(err as Error).message}`, url));
  }
  // ignore server notices such as "relation already exists, skipping"
  client.on('notice', () => {});
  client.on('error', () => {});
  try {
    await client.query('BEGIN');
    // two first syncs at once: the second waits for the first to create the tables
    await client.query(`SELECT pg_advisory_xact_lock(7358112001)`);
    const exists = await client.query(`SELECT to_regclass('team_meta') IS NOT NULL AS e`);
    if (!exists.rows[0].e) {
      await client.query(SCHEMA);
      await client.query(`INSERT INTO team_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING`, [String(TEAM_SCHEMA_VERSION)]);
    } else {
      const v = await client.query(`SELECT value FROM team_meta WHERE key = 'schema_version'`);
      const version = Number(v.rows[0]?.value ?? 0);
      if (version > TEAM_SCHEMA_VERSION) throw new Error(`the team database was written by a newer cachelens (schema ${version}; this one knows ${TEAM_SCHEMA_VERSION})`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
    // a reporting or insert-only role cannot create tables: the schema must already be there
    throw new Error(redactText(`team schema on ${redactUrl(url)}: ${(err as Error).message}`, url));
  }
  return {
    displayUrl: redactUrl(url),
    client,
    async close() {
      await client.end();
    },
  };
}

export interface SyncOptions {
  /** the user label stored on every row (default: the OS user name) */
  user?: string;
  /** rows per INSERT statement / transaction */
  batchRows?: number;
  /** called after each committed batch (tests use it to interrupt a sync) */
  onBatch?: (done: { table: string; rows: number; batches: number }) => void;
}

export interface SyncResult {
  machineId: string;
  user: string;
  requests: number;
  apiErrors: number;
  events: number;
  batches: number;
  elapsedMs: number;
}

function columnsOf<T>(rows: T[], getters: ((r: T) => unknown)[]): unknown[][] {
  return getters.map((g) => rows.map(g));
}

/**
 * Pushes every record of a local store to the team database: batched
 * idempotent upserts, each batch in its own transaction. An interrupted sync
 * leaves whole batches behind; running it again converges (rows already
 * there and unchanged are not even rewritten).
 */
export async function syncToPg(sqlite: SqliteStore, store: PgStore, opts: SyncOptions = {}): Promise<SyncResult> {
  const started = Date.now();
  const user = opts.user ?? safeUserName();
  const batchRows = Math.max(1, opts.batchRows ?? DEFAULT_BATCH_ROWS);
  const mid = sqlite.machineId;
  const c = store.client;
  await c.query(
    `INSERT INTO team_machines (machine_id, user_label, hostname, last_sync_started) VALUES ($1, $2, $3, now())
     ON CONFLICT (machine_id) DO UPDATE SET user_label = EXCLUDED.user_label, hostname = EXCLUDED.hostname, last_sync_started = now()`,
    [mid, user, os.hostname()],
  );
  const data = sqlite.load({ from: null, to: null }, null);
  let batches = 0;
  const push = async <T>(table: string, sql: string, rows: T[], getters: ((r: T) => unknown)[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += batchRows) {
      const chunk = rows.slice(i, i + batchRows);
      await c.query('BEGIN');
      try {
        await c.query(sql, columnsOf(chunk, getters));
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
      batches++;
      opts.onBatch?.({ table, rows: Math.min(i + batchRows, rows.length), batches });
    }
  };
  // only the listed fields travel: numbers, ids, model names, paths and timestamps
  await push<StoredRequest>('team_requests', UPSERT_REQUESTS, data.requests, [
    () => mid, () => user, (r) => r.messageId, (r) => r.requestId ?? '', (r) => r.timestamp, (r) => r.sessionId,
    (r) => r.project, (r) => r.cwd, (r) => r.agentId, (r) => r.model, (r) => r.version, (r) => r.speed, (r) => r.inferenceGeo,
    (r) => r.input, (r) => r.cacheWrite5m, (r) => r.cacheWrite1h, (r) => r.cacheRead, (r) => r.output,
    (r) => r.file, (r) => r.offset, (r) => r.tokTimestamp, (r) => r.tokFile, (r) => r.tokOffset,
  ]);
  await push<ApiErrorRecord>('team_api_errors', UPSERT_ERRORS, data.apiErrors, [
    () => mid, () => user, (e) => e.key, (e) => e.timestamp, (e) => e.sessionId, (e) => e.project, (e) => e.agentId, (e) => e.error, (e) => e.file, (e) => e.offset,
  ]);
  await push<ConversationEvent>('team_events', UPSERT_EVENTS, data.events, [
    () => mid, () => user, (e) => e.file, (e) => e.offset, (e) => e.kind, (e) => e.timestamp, (e) => e.sessionId, (e) => e.project, (e) => e.agentId, (e) => e.detail,
  ]);
  await c.query(`UPDATE team_machines SET last_sync = now(), last_sync_requests = $2 WHERE machine_id = $1`, [mid, data.requests.length]);
  return { machineId: mid, user, requests: data.requests.length, apiErrors: data.apiErrors.length, events: data.events.length, batches, elapsedMs: Date.now() - started };
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** A request read back from the team database: the record plus whose machine and user it came from. */
export interface TeamRequest extends StoredRequest {
  machineId: string;
  user: string;
}
export interface TeamApiError extends ApiErrorRecord {
  machineId: string;
  user: string;
}
export interface TeamEvent extends ConversationEvent {
  machineId: string;
  user: string;
}

export interface TeamFilter {
  /** only these user labels */
  users?: string[] | null;
  /** only these machine ids */
  machines?: string[] | null;
  /** only projects whose directory name contains this (case-insensitive) */
  project?: string | null;
  /** only models whose id contains this (case-insensitive); API errors (no model) are left out then */
  model?: string | null;
}

/** WHERE clause (and its parameters) for a time range and user/machine filters. */
/**
 * The WHERE clause of the team queries. `errors`: for team_api_errors, which
 * have no model: a model filter leaves them all out (as local reports do); its
 * parameter is still numbered, so one values list serves both tables.
 */
export function where(range: { from: number | null; to: number | null }, f: TeamFilter, alias = '', errors = false): { sql: string; params: unknown[] } {
  const p = alias ? `${alias}.` : '';
  const params: unknown[] = [range.from ?? -8.64e15, range.to ?? 8.64e15];
  let sql = `${p}ts >= $1 AND ${p}ts < $2`;
  if (f.users?.length) {
    params.push(f.users);
    sql += ` AND ${p}user_label = ANY($${params.length}::text[])`;
  }
  if (f.machines?.length) {
    params.push(f.machines);
    sql += ` AND ${p}machine_id = ANY($${params.length}::text[])`;
  }
  if (f.project) {
    // --project: a case-insensitive substring, as in local reports
    params.push(f.project.toLowerCase());
    sql += ` AND strpos(lower(${p}project), $${params.length}) > 0`;
  }
  if (f.model) {
    params.push(f.model.toLowerCase());
    sql += errors ? ` AND $${params.length}::text IS NULL` : ` AND strpos(lower(${p}model), $${params.length}) > 0`;
  }
  return { sql, params };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/**
 * Records in [from, to) as the plain shapes the report pipeline reads, each
 * with its machine id and user label. Keys are the local keys
 * (message id + NUL + request id); the same response synced from two
 * machines stays two records, as in the sum of their local reports.
 */
export async function loadFromPg(
  store: PgStore,
  range: { from: number | null; to: number | null } = { from: null, to: null },
  filter: TeamFilter = {},
): Promise<{ requests: TeamRequest[]; apiErrors: TeamApiError[]; events: TeamEvent[] }> {
  const w = where(range, filter);
  const c = store.client;
  const rq = await c.query({
    text: `SELECT machine_id, user_label, message_id, request_id, ts, session_id, project, cwd, agent_id, model, version, speed, inference_geo,
                  input, write_5m, write_1h, cache_read, output, file, line_offset, tok_ts, tok_file, tok_offset
           FROM team_requests WHERE ${w.sql} ORDER BY machine_id, ts, file, line_offset`,
    values: w.params,
    rowMode: 'array',
  });
  const requests: TeamRequest[] = rq.rows.map((x: unknown[]) => ({
    machineId: x[0] as string, user: x[1] as string,
    key: `${x[2] as string}\u0000${x[3] as string}`, messageId: x[2] as string, requestId: (x[3] as string) === '' ? null : (x[3] as string),
    timestamp: num(x[4]), sessionId: x[5] as string, project: x[6] as string, cwd: x[7] as string | null, agentId: x[8] as string | null,
    model: x[9] as string, version: x[10] as string | null, speed: x[11] as string | null, inferenceGeo: x[12] as string | null,
    input: num(x[13]), cacheWrite5m: num(x[14]), cacheWrite1h: num(x[15]), cacheRead: num(x[16]), output: num(x[17]),
    file: x[18] as string, offset: num(x[19]), tokTimestamp: num(x[20]), tokFile: x[21] as string, tokOffset: num(x[22]),
  }));
  const er = await c.query({
    text: `SELECT machine_id, user_label, key, ts, session_id, project, agent_id, error, file, line_offset FROM team_api_errors WHERE ${w.sql} ORDER BY machine_id, ts, file, line_offset`,
    values: w.params,
    rowMode: 'array',
  });
  const apiErrors: TeamApiError[] = er.rows.map((x: unknown[]) => ({
    machineId: x[0] as string, user: x[1] as string, key: x[2] as string, timestamp: num(x[3]), sessionId: x[4] as string, project: x[5] as string,
    agentId: x[6] as string | null, error: x[7] as string | null, file: x[8] as string, offset: num(x[9]),
  }));
  const ev = await c.query({
    text: `SELECT machine_id, user_label, kind, ts, session_id, project, agent_id, detail, file, line_offset FROM team_events WHERE ${w.sql} ORDER BY machine_id, ts, file, line_offset`,
    values: w.params,
    rowMode: 'array',
  });
  const events: TeamEvent[] = ev.rows.map((x: unknown[]) => ({
    machineId: x[0] as string, user: x[1] as string, kind: x[2] as ConversationEvent['kind'], timestamp: num(x[3]), sessionId: x[4] as string,
    project: x[5] as string, agentId: x[6] as string | null, detail: x[7] as string | null, file: x[8] as string, offset: num(x[9]),
  }));
  return { requests, apiErrors, events };
}
