// The PostgreSQL server the team tests use (CACHELENS_TEST_PG_URL, started by
// .ci/run): whether it is reachable, and a fresh database per test, dropped
// when the file's tests end.
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { redactUrl } from '../../src/store/postgres.js';

export const BASE_URL = process.env.CACHELENS_TEST_PG_URL ?? '';

/** null when the server answers, else why the tests skip. */
export async function pgSkipReason(): Promise<string | null> {
  if (!BASE_URL) return 'CACHELENS_TEST_PG_URL is not set';
  const c = new pg.Client({ connectionString: BASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return `cannot reach ${redactUrl(BASE_URL)}: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Returns freshDb() for one test file; its databases are dropped after the file's tests. */
export function pgDatabases(): { freshDb(): Promise<string> } {
  const created: string[] = [];
  afterAll(async () => {
    if (created.length === 0) return;
    const c = new pg.Client({ connectionString: BASE_URL });
    await c.connect();
    for (const n of created) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`).catch(() => {});
    await c.end();
  });
  return {
    async freshDb() {
      const name = `cl_team_${crypto.randomBytes(5).toString('hex')}`;
      const c = new pg.Client({ connectionString: BASE_URL });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      created.push(name);
      const u = new URL(BASE_URL);
      u.pathname = `/${name}`;
      return u.toString();
    },
  };
}
