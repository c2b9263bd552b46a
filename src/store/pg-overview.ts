// The team overview computed on the server: `report --from` sums millions of
// records with GROUP BY instead of loading them. One query returns token sums
// and rebuild sums per price key (model, UTC day, speed, region, input tier)
// and reporting key (local day, project); a second counts distinct sessions
// and API errors per period, project and model (those do not add up).
import { INPUT_TIER_THRESHOLDS, where, type PgStore, type TeamFilter } from './postgres.js';

export interface OverviewSumRow {
  /** 'YYYY-MM-DD' in the report's time zone */
  localDay: string;
  /** 'YYYY-MM-DD' in UTC: the date prices are looked up for */
  utcDay: string;
  model: string;
  project: string;
  speed: string | null;
  inferenceGeo: string | null;
  inputTier: 0 | 1 | 2;
  requests: number;
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
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
  const n = w.params.length;
  const tzP = `$${n + 1}`;
  const total = `(input + write_5m + write_1h + cache_read)`;
  const local = (col: string) => `(to_timestamp(${col} / 1000.0) AT TIME ZONE ${tzP})`;
  // each conversation (machine, session, thread) in the order the local analysis uses: time, file, offset
  const sums = await store.client.query({
    text: `WITH r AS (
             SELECT model, project, speed, inference_geo, input, write_5m, write_1h, cache_read, output, ts,
                    LAG(cache_read + write_5m + write_1h) OVER (PARTITION BY machine_id, session_id, agent_id ORDER BY ts, file, line_offset) AS expected
             FROM team_requests WHERE ${w.sql}
           ), x AS (
             SELECT *, CASE WHEN expected IS NOT NULL AND (expected - cache_read) > $${n + 2}::float8 * expected
                              AND LEAST(write_5m + write_1h, expected - cache_read) >= $${n + 3}::bigint
                            THEN LEAST(write_5m + write_1h, expected - cache_read) ELSE 0 END AS rw
             FROM r
           )
           SELECT to_char(${local('ts')}, 'YYYY-MM-DD') AS lday, to_char(to_timestamp(ts / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS uday,
                  model, project, speed, inference_geo,
                  CASE WHEN ${total} > ${INPUT_TIER_THRESHOLDS[1]} THEN 2 WHEN ${total} > ${INPUT_TIER_THRESHOLDS[0]} THEN 1 ELSE 0 END AS tier,
                  count(*) AS requests, sum(input) AS input, sum(write_5m) AS w5, sum(write_1h) AS w1, sum(cache_read) AS rd, sum(output) AS out,
                  count(*) FILTER (WHERE rw > 0) AS rebuilds, sum(rw) AS rw,
                  sum(CASE WHEN rw > 0 AND write_5m + write_1h > 0 THEN rw::float8 * write_1h / (write_5m + write_1h) ELSE 0 END) AS rw1h
           FROM x GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    values: [...w.params, tz, rule.minShare, rule.minTokens],
  });
  const counts = await store.client.query({
    text: `WITH u AS (
             SELECT session_id, project, model, ts, 0 AS err FROM team_requests WHERE ${w.sql}
             UNION ALL
             SELECT session_id, project, NULL, ts, 1 FROM team_api_errors WHERE ${w.sql}
           ), z AS (
             SELECT session_id, project, model, err, to_char(${local('ts')}, 'YYYY-MM-DD') AS dd,
                    to_char(${local('ts')}, 'IYYY-"W"IW') AS wk, to_char(${local('ts')}, 'YYYY-MM') AS mo
             FROM u
           )
           SELECT CASE WHEN GROUPING(dd) = 0 THEN 'day' WHEN GROUPING(wk) = 0 THEN 'week' WHEN GROUPING(mo) = 0 THEN 'month'
                       WHEN GROUPING(project) = 0 THEN 'project' WHEN GROUPING(model) = 0 THEN 'model' ELSE 'total' END AS kind,
                  COALESCE(dd, wk, mo, project, model) AS key, count(DISTINCT session_id) AS sessions, sum(err) AS errors
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
}
