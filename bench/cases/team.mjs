// Team case: `cachelens report --from postgres://…` over 10M synthetic request
// records (generated in SQL once, kept between runs), summed on the server.
// Needs a PostgreSQL server: CACHELENS_BENCH_PG_URL (or CACHELENS_TEST_PG_URL);
// skipped with a note otherwise.
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fmt, log, mdTable, measure, median, ROOT, WORK_DIR } from '../lib.mjs';

export const name = 'team';
export const title = 'Team: report over 10M records in PostgreSQL';

const RECORDS = 10_000_000;
const DB = 'cachelens_bench_team';

/** A fresh database on the server (dropped first when it exists); returns its URL. */
async function freshDatabase(base, name) {
  const pg = (await import(path.join(ROOT, 'node_modules', 'pg', 'lib', 'index.js'))).default;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Sync throughput: a local store of the >= 1 GiB corpus (built here with the CLI) pushed to an empty team
 * database, then pushed again (nothing new: idempotent upserts). Records = requests + API errors + events.
 */
async function syncRows(ctx, base, cl, opts) {
  const corpus = ctx.corpus();
  const db = path.join(WORK_DIR, 'team-sync.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  // filled by this run itself, not by a background indexer the sync would race
  const built = measure(process.execPath, [cl.main, 'report', '--json', '--db', db], { env: { CLAUDE_CONFIG_DIR: corpus.dir, CACHELENS_BACKGROUND_INDEX: '0' } });
  if (built.status !== 0) return { rows: [], failed: true };
  const rows = [];
  let failed = false;
  const parse = (out) => {
    const m = /synced (\d+) requests, (\d+) API errors, (\d+) events .* in ([\d.]+) s/.exec(out ?? '');
    return m ? { records: Number(m[1]) + Number(m[2]) + Number(m[3]), requests: Number(m[1]) } : null;
  };
  for (let i = 0; i < opts.runs; i++) {
    const url = await freshDatabase(base, 'cachelens_bench_sync');
    const user = os.userInfo().username;
    for (const label of ['first sync (empty team database)', 're-sync (nothing new)']) {
      const r = measure(process.execPath, [cl.main, 'sync', '--to', url, '--user', user, '--db', db, '--no-refresh'], { keepStdout: true });
      const got = parse(r.stdout);
      if (r.status !== 0 || !got) failed = true;
      log(`sync ${label}: ${r.wallS.toFixed(2)} s, ${got ? `${got.records} records` : `ERROR ${r.stderr.slice(0, 200)}`}`);
      rows.push({ label, wallS: r.wallS, records: got?.records ?? 0, requests: got?.requests ?? 0, rssKiB: r.rssKiB });
    }
  }
  const by = (label) => rows.filter((r) => r.label === label);
  return {
    failed,
    rows: ['first sync (empty team database)', 're-sync (nothing new)'].map((label) => {
      const list = by(label);
      const wall = median(list.map((r) => r.wallS));
      const records = list[0]?.records ?? 0;
      return [`\`cachelens sync --to URL\`: ${label}`, records.toLocaleString('en'), fmt.s(wall), `${Math.round(records / wall).toLocaleString('en')}`, fmt.mib(Math.max(...list.map((r) => r.rssKiB / 1024)))];
    }),
  };
}

/** The bench database, filled once with RECORDS synthetic rows in the team schema. */
async function ensureData(base) {
  const pg = (await import(path.join(ROOT, 'node_modules', 'pg', 'lib', 'index.js'))).default;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB])).rowCount > 0;
  if (!exists) await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${DB}`;
  const url = u.toString();
  // the schema, exactly as cachelens creates it
  const { openPgStore } = await import(path.join(ROOT, 'dist', 'store', 'postgres.js'));
  const store = await openPgStore(url);
  const have = Number((await store.client.query(`SELECT count(*) AS n FROM team_requests`)).rows[0].n);
  if (have !== RECORDS) {
    log(`generating ${RECORDS.toLocaleString('en')} synthetic records in ${DB} (once) ...`);
    const t0 = Date.now();
    await store.client.query(`TRUNCATE team_requests, team_api_errors`);
    // 40 users on 80 machines, 20,000 sessions of 500 requests (a fifth in sub-agents), 8 models, 60 projects,
    // 120 days; a session's reads grow and now and then fall back (rebuilds); 5m and 1h writes
    await store.client.query(`
      INSERT INTO team_requests (machine_id, user_label, message_id, request_id, ts, session_id, project, cwd, agent_id, model, version, speed, inference_geo,
                                 input, write_5m, write_1h, cache_read, output, file, line_offset, tok_ts, tok_file, tok_offset)
      SELECT 'machine-' || (s % 80), 'user-' || (s % 40), 'msg_' || g, 'req_' || g,
             1767225600000 + (s % 120) * 86400000 + (g % 500) * 20000, 'session-' || s, '-home-dev-project-' || (s % 60), NULL,
             CASE WHEN g % 5 = 0 THEN 'agent-' || (g % 3) END,
             (ARRAY['claude-opus-4-6','claude-sonnet-4-6','claude-haiku-4-5-20251001','claude-opus-4-5-20251101','claude-sonnet-4-5-20250929','claude-opus-4-7','claude-sonnet-4-20250514','claude-opus-4-1-20250805'])[1 + s % 8],
             '2.1.' || (100 + s % 50), NULL, NULL,
             3 + g % 17, CASE WHEN s % 2 = 0 THEN 200 + (g * 7) % 3000 ELSE 0 END, CASE WHEN s % 2 = 1 THEN 200 + (g * 7) % 3000 ELSE 0 END,
             CASE WHEN g % 97 = 0 THEN 0 ELSE 20000 + (g % 500) * 300 END, 50 + (g * 13) % 2000,
             'f-' || s, (g % 500) * 4096, 1767225600000 + (s % 120) * 86400000 + (g % 500) * 20000, 'f-' || s, (g % 500) * 4096
      FROM (SELECT g, g / 500 AS s FROM generate_series(0::bigint, ${RECORDS - 1}) AS g) x`);
    await store.client.query(`ANALYZE team_requests`);
    log(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  await store.close();
  return url;
}

export async function run(ctx) {
  const { opts } = ctx;
  const base = process.env.CACHELENS_BENCH_PG_URL || process.env.CACHELENS_TEST_PG_URL;
  const cl = ctx.cachelens();
  if (!base || !cl.built) {
    return { markdown: `## ${title}\n\nSkipped: ${!cl.built ? 'cachelens is not built' : 'no PostgreSQL server (set CACHELENS_BENCH_PG_URL)'}.\n`, failed: false, results: {} };
  }
  const sync = await syncRows(ctx, base, cl, opts);
  const url = await ensureData(base);
  const cases = [
    ['report --json --from URL', ['report', '--json', '--from', url, '--tz', 'UTC']],
    ['report --json --from URL --by user', ['report', '--json', '--from', url, '--tz', 'UTC', '--by', 'user']],
    ['report --json --from URL --since 2026-03-01 --project project-7 (one project, two months)', ['report', '--json', '--from', url, '--tz', 'UTC', '--since', '2026-03-01', '--project', 'project-7']],
  ];
  const rows = [];
  let failed = sync.failed;
  const results = {};
  for (const [label, args] of cases) {
    const runs = [];
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      const r = measure(process.execPath, [cl.main, ...args], { keepStdout: true });
      let requests = null;
      try {
        requests = JSON.parse(r.stdout).totals.requests;
      } catch {
        failed = true;
      }
      if (r.status !== 0) failed = true;
      log(`${label}: ${r.wallS.toFixed(2)} s, ${(r.rssKiB / 1024).toFixed(0)} MiB, ${requests} requests${r.status ? ` ERROR ${r.stderr.slice(0, 200)}` : ''}`);
      if (i >= opts.warmup) runs.push({ ...r, requests });
    }
    const wall = median(runs.map((r) => r.wallS));
    results[label] = wall;
    rows.push([`\`cachelens ${label}\``, String(runs[0]?.requests?.toLocaleString('en') ?? '–'), fmt.s(wall), fmt.mib(Math.max(...runs.map((r) => r.rssKiB / 1024)))]);
  }
  const m = ctx.machine;
  const md = `## ${title}

Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${m.nproc} cores, Node ${m.node}; PostgreSQL on the same machine (the ${m.nproc} cores are shared by server and client).
${RECORDS.toLocaleString('en')} synthetic request records (40 users, 80 machines, 20,000 sessions, 8 models, 60 projects, 120 days) in the team schema,
generated in SQL. The overview (totals, periods, models, projects, sessions, rebuilds and waste) is summed on the server (GROUP BY, a window
function per conversation for rebuilds) and priced on the client: the client never holds the records, so its memory stays flat.
ccusage has no team store to compare with.

${mdTable(['Command', 'Requests', 'Median wall (s)', 'Client peak RSS MiB'], rows, 'lrrr')}

### Sync throughput

The store of the ≥ 1 GiB corpus (requests, API errors and conversation events of \`bench/.work/corpus\`, built by the CLI) pushed to an
empty team database on the same machine, then pushed again with nothing new (every row an idempotent upsert); ${opts.runs} runs, medians.

${mdTable(['Command', 'Records', 'Median wall (s)', 'Records/s', 'Peak RSS MiB'], sync.rows, 'lrrrr')}
`;
  return { markdown: md, failed, results };
}
