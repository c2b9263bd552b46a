// The team overview computed on the server: `report --from` sums millions of
// records with GROUP BY instead of loading them. One query returns token sums
// and rebuild sums per price key (model, UTC day, speed, region, input tier)
// and reporting key (local day, project); a second counts distinct sessions
// and API errors per period, project and model (those do not add up).
import { where, type PgStore, type TeamFilter } from './postgres.js';

/** Long-context thresholds the tiers split at; a request's tier is how many it exceeds. */
export const INPUT_TIER_THRESHOLDS = [100_000, 200_000] as const;
const TIER = `CASE WHEN (input + write_5m + write_1h + cache_read) > ${INPUT_TIER_THRESHOLDS[1]} THEN 2 WHEN (input + write_5m + write_1h + cache_read) > ${INPUT_TIER_THRESHOLDS[0]} THEN 1 ELSE 0 END`;

/**
 * Runs `fn` in a read-only transaction planned for few groups over many rows:
 * hashing the groups instead of sorting millions of rows (the planner cannot
 * tell that days x models x projects are few).
 */
async function fewGroups<T>(store: PgStore, fn: () => Promise<T>): Promise<T> {
  const client = store.client;
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`SET LOCAL enable_sort = off`);
    await client.query(`SET LOCAL work_mem = '128MB'`);
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Token sums of `requests` requests sharing one price key (model, UTC day, speed, region, input tier). */
export interface PriceKeySums {
  model: string;
  /** 'YYYY-MM-DD' in UTC: the date prices are looked up for */
  utcDay: string;
  speed: string | null;
  inferenceGeo: string | null;
  /** 0: total input <= 100k; 1: <= 200k; 2: above 200k (the long-context thresholds in the price table) */
  inputTier: 0 | 1 | 2;
  requests: number;
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
}

export interface OverviewSumRow extends PriceKeySums {
  /** 'YYYY-MM-DD' in the report's time zone */
  localDay: string;
  project: string;
  /** rebuilds found by the rule of cache/thresholds.ts within each conversation (not conversation starts) */
  rebuilds: number;
  /** tokens those rebuilds wrote again, and the part of them attributed to 1h writes */
  rewritten: number;
  rewritten1h: number;
}

export interface OverviewCountRow {
  kind: 'day' | 'week' | 'month' | 'project' | 'model' | 'total';
  key: string;
  sessions: number;
  apiErrors: number;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/** Rebuild thresholds (cache/thresholds.ts), passed in so the SQL states the same rule. */
export interface RebuildRule {
  minTokens: number;
  minShare: number;
}

export async function teamOverviewSums(
  store: PgStore,
  tz: string,
  rule: RebuildRule,
  range: { from: number | null; to: number | null },
  filter: TeamFilter,
): Promise<{ sums: OverviewSumRow[]; counts: OverviewCountRow[] }> {
  const w = where(range, filter);
  const we = where(range, filter, '', true);
  const n = w.params.length;
  const tzP = `$${n + 1}`;
  // rows are first summed per 15-minute slot (every UTC offset is a multiple of 15 minutes, so a slot never
  // straddles a local midnight); only those few rows get the costly time-zone conversion
  const day = (zone: string) => `to_char(to_timestamp(slot * 900) AT TIME ZONE ${zone}, 'YYYY-MM-DD')`;
  const client = store.client;
  return fewGroups(store, async () => {
    // each conversation (machine, session, thread) in the order the local analysis uses: time, file, offset
    const sums = await client.query({
      text: `WITH r AS (
               SELECT model, project, speed, inference_geo, input, write_5m, write_1h, cache_read, output, ts,
                      LAG(cache_read + write_5m + write_1h) OVER (PARTITION BY machine_id, session_id, agent_id ORDER BY ts, file, line_offset) AS expected
               FROM team_requests WHERE ${w.sql}
             ), x AS (
               SELECT *, CASE WHEN expected IS NOT NULL AND (expected - cache_read) > $${n + 2}::float8 * expected
                                AND LEAST(write_5m + write_1h, expected - cache_read) >= $${n + 3}::bigint
                              THEN LEAST(write_5m + write_1h, expected - cache_read) ELSE 0 END AS rw
               FROM r
             ), b AS (
               SELECT ts / 900000 AS slot, model, project, speed, inference_geo,
                      ${TIER} AS tier,
                      count(*) AS requests, sum(input) AS input, sum(write_5m) AS w5, sum(write_1h) AS w1, sum(cache_read) AS rd, sum(output) AS out,
                      count(*) FILTER (WHERE rw > 0) AS rebuilds, sum(rw) AS rw,
                      sum(CASE WHEN rw > 0 AND write_5m + write_1h > 0 THEN rw::float8 * write_1h / (write_5m + write_1h) ELSE 0 END) AS rw1h
               FROM x GROUP BY 1, 2, 3, 4, 5, 6
             )
             SELECT ${day(tzP)} AS lday, ${day(`'UTC'`)} AS uday, model, project, speed, inference_geo, tier,
                    sum(requests) AS requests, sum(input) AS input, sum(w5) AS w5, sum(w1) AS w1, sum(rd) AS rd, sum(out) AS out,
                    sum(rebuilds) AS rebuilds, sum(rw) AS rw, sum(rw1h) AS rw1h
             FROM b GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      values: [...w.params, tz, rule.minShare, rule.minTokens],
    });
    const counts = await client.query({
      text: `WITH u AS (
               SELECT session_id, project, model, ts / 900000 AS slot, 0 AS err FROM team_requests WHERE ${w.sql}
               UNION ALL
               SELECT session_id, project, NULL, ts / 900000, 1 FROM team_api_errors WHERE ${we.sql}
             ), s AS (
               SELECT session_id, project, model, slot, sum(err) AS errs FROM u GROUP BY 1, 2, 3, 4
             ), z AS (
               SELECT session_id, project, model, errs, ${day(tzP)} AS dd,
                      to_char(to_timestamp(slot * 900) AT TIME ZONE ${tzP}, 'IYYY-"W"IW') AS wk, to_char(to_timestamp(slot * 900) AT TIME ZONE ${tzP}, 'YYYY-MM') AS mo
               FROM s
             )
             SELECT CASE WHEN GROUPING(dd) = 0 THEN 'day' WHEN GROUPING(wk) = 0 THEN 'week' WHEN GROUPING(mo) = 0 THEN 'month'
                         WHEN GROUPING(project) = 0 THEN 'project' WHEN GROUPING(model) = 0 THEN 'model' ELSE 'total' END AS kind,
                    COALESCE(dd, wk, mo, project, model) AS key, count(DISTINCT session_id) AS sessions, sum(errs) AS errors
             FROM z GROUP BY GROUPING SETS ((dd), (wk), (mo), (project), (model), ())`,
      values: [...w.params, tz],
    });
    return {
    sums: sums.rows.map((r: Record<string, unknown>) => ({
      localDay: r.lday as string, utcDay: r.uday as string, model: r.model as string, project: r.project as string,
      speed: r.speed as string | null, inferenceGeo: r.inference_geo as string | null, inputTier: num(r.tier) as 0 | 1 | 2,
      requests: num(r.requests), input: num(r.input), cacheWrite5m: num(r.w5), cacheWrite1h: num(r.w1), cacheRead: num(r.rd), output: num(r.out),
      rebuilds: num(r.rebuilds), rewritten: num(r.rw), rewritten1h: num(r.rw1h),
    })),
    counts: counts.rows
      // the model set also groups API errors (no model) under a null key: not a model
      .filter((r: Record<string, unknown>) => r.kind === 'total' || r.key !== null)
      .map((r: Record<string, unknown>) => ({ kind: r.kind as OverviewCountRow['kind'], key: (r.key as string | null) ?? '', sessions: num(r.sessions), apiErrors: num(r.errors) })),
    };
  });
}

/** One row of the server-side aggregate: token sums of one group and price key. */
export interface TeamTokenRow extends PriceKeySums {
  /** user label or machine id */
  group: string;
}

/**
 * Token sums per (user or machine, model, UTC day, speed, geo, input tier),
 * computed with GROUP BY on the server: the client receives a few rows per
 * group and day whatever the number of requests.
 */
export async function teamTokenSums(
  store: PgStore,
  by: 'user' | 'machine',
  range: { from: number | null; to: number | null } = { from: null, to: null },
  filter: TeamFilter = {},
): Promise<TeamTokenRow[]> {
  const w = where(range, filter);
  const col = by === 'user' ? 'user_label' : 'machine_id';
  // the UTC day as a number per row (cheap); formatted once per group
  const res = await fewGroups(store, () =>
    store.client.query({
      text: `SELECT grp, model, to_char(to_timestamp(d * 86400) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, speed, inference_geo, tier, requests, input, w5, w1, rd, out
             FROM (SELECT ${col} AS grp, model, ts / 86400000 AS d, speed, inference_geo, ${TIER} AS tier,
                          count(*) AS requests, sum(input) AS input, sum(write_5m) AS w5, sum(write_1h) AS w1, sum(cache_read) AS rd, sum(output) AS out
                   FROM team_requests WHERE ${w.sql} GROUP BY 1, 2, 3, 4, 5, 6) b`,
      values: w.params,
    }),
  );
  return res.rows.map((r: Record<string, unknown>) => ({
    group: r.grp as string, model: r.model as string, utcDay: r.day as string, speed: r.speed as string | null, inferenceGeo: r.inference_geo as string | null,
    inputTier: num(r.tier) as 0 | 1 | 2, requests: num(r.requests),
    input: num(r.input), cacheWrite5m: num(r.w5), cacheWrite1h: num(r.w1), cacheRead: num(r.rd), output: num(r.out),
  }));
}

/** Per-group counts computed on the server: distinct sessions and API errors (these do not add up across rows). */
export async function teamGroupCounts(
  store: PgStore,
  by: 'user' | 'machine',
  range: { from: number | null; to: number | null } = { from: null, to: null },
  filter: TeamFilter = {},
): Promise<Map<string, { sessions: number; apiErrors: number }>> {
  const w = where(range, filter);
  const we = where(range, filter, '', true);
  const col = by === 'user' ? 'user_label' : 'machine_id';
  // one row per (group, session) first: the distinct count then runs over thousands, not millions
  const res = await fewGroups(store, () =>
    store.client.query({
      text: `SELECT grp, count(*) AS sessions, sum(errs) AS errors FROM (
               SELECT grp, session_id, sum(is_error) AS errs FROM (
                 SELECT ${col} AS grp, session_id, 0 AS is_error FROM team_requests WHERE ${w.sql}
                 UNION ALL
                 SELECT ${col} AS grp, session_id, 1 AS is_error FROM team_api_errors WHERE ${we.sql}
               ) x GROUP BY 1, 2
             ) s GROUP BY grp`,
      values: w.params,
    }),
  );
  return new Map(res.rows.map((r: Record<string, unknown>) => [r.grp as string, { sessions: num(r.sessions), apiErrors: num(r.errors) }]));
}
