// Proxy findings joined to the rebuilds `breaks` finds in the transcripts:
// by API request id, else by session and time; the rest listed apart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProxyFinding, ProxyRequestRecord } from '../src/domain/proxy.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { haveCli, runCli, SKIP_NO_CLI } from './oracle/cli.js';

if (!haveCli) console.warn(SKIP_NO_CLI);

const SESSION = 'cccc2222-0000-4000-8000-000000000002';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function line(id: string, ts: string, read: number, write: number): string {
  return JSON.stringify({
    type: 'assistant', sessionId: SESSION, version: '2.1.250', timestamp: ts, requestId: `req_${id}`,
    message: { model: 'claude-sonnet-4-5', id: `msg_${id}`, content: [], usage: { input_tokens: 3, cache_creation_input_tokens: write, cache_read_input_tokens: read, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: write }, output_tokens: 50 } },
  });
}

function finding(over: Partial<ProxyFinding>): Omit<ProxyFinding, 'requestId'> {
  return {
    apiRequestId: null, timestamp: '2026-03-02T10:01:00.000Z', sessionId: SESSION, conversation: `${SESSION}:00000000000001`, model: 'claude-sonnet-4-5',
    cause: 'system-changed', detail: 'system changed at block 15 (system[2])', position: 15, level: 'system', path: 'system[2]',
    previousRequestId: null, previousModel: 'claude-sonnet-4-5', gapMs: 30_000, ttl: '1h', expectedReadTokens: 21_000, readTokens: 5_000,
    tokensRewritten: 16_000, wastedUSD: 0.08, evidence: [], ...over,
  };
}

const record = (ts: string): ProxyRequestRecord => ({
  id: 0, timestamp: Date.parse(ts), method: 'POST', path: '/v1/messages', kind: 'messages', note: null, status: 200, stream: true,
  sessionId: SESSION, conversation: null, model: 'claude-sonnet-4-5', settings: null, blocks: null, usage: null, apiRequestId: null, ttfbMs: 1, durationMs: 2,
});

/** A transcript of three requests (c re-writes the prefix b wrote) in a temporary config dir, and a store path beside it. */
function sessionTree(): { tmp: string; db: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-proxy-breaks-'));
  dirs.push(tmp);
  const f = path.join(tmp, 'home', 'projects', 'p', `${SESSION}.jsonl`);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, [line('a', '2026-03-02T10:00:00.000Z', 0, 20_000), line('b', '2026-03-02T10:00:30.000Z', 20_000, 1_000), line('c', '2026-03-02T10:01:05.000Z', 5_000, 17_000)].join('\n') + '\n');
  return { tmp, db: path.join(tmp, 'c.db') };
}

(haveCli ? describe : describe.skip)('breaks with proxy findings', () => {
  it('joins a finding to its rebuild by request id, and lists the others apart', () => {
    const { tmp, db } = sessionTree();
    const store = openSqliteStore(db);
    store.proxyLog.add(record('2026-03-02T10:01:00.000Z'), finding({ apiRequestId: 'req_c' }), null);
    store.proxyLog.add(record('2026-03-02T10:30:00.000Z'), finding({ timestamp: '2026-03-02T10:30:00.000Z', sessionId: 'other', cause: 'tools-changed', detail: 'tools changed: tool added at block 13 (tools[12])' }), null);
    store.close();
    const res = runCli(['breaks', '--json', '--dir', path.join(tmp, 'home'), '--db', db]);
    expect(res.status, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.rebuilds).toHaveLength(1);
    expect(r.rebuilds[0]).toMatchObject({ requestId: 'req_c', proxy: { provenBy: 'proxy', matchedBy: 'request-id', cause: 'system-changed', path: 'system[2]', position: 15 } });
    expect(r.proxy).toMatchObject({ findings: 2, matched: 1 });
    expect(r.proxy.unmatched).toHaveLength(1);
    expect(r.proxy.unmatched[0]).toMatchObject({ cause: 'tools-changed', provenBy: 'proxy' });
    const table = runCli(['breaks', '--dir', path.join(tmp, 'home'), '--db', db]);
    expect(table.stdout).toMatch(/Proven by the proxy: 2 findings, 1 joined to a rebuild above/);
    expect(table.stdout).toMatch(/system changed at block 15 \(system\[2\]\)/);
  });

  it('falls back to session and time when the request id is unknown', () => {
    const { tmp, db } = sessionTree();
    const store = openSqliteStore(db);
    store.proxyLog.add(record('2026-03-02T10:01:00.000Z'), finding({}), null);
    store.close();
    const r = JSON.parse(runCli(['breaks', '--json', '--dir', path.join(tmp, 'home'), '--db', db]).stdout);
    expect(r.rebuilds[0].proxy).toMatchObject({ matchedBy: 'session-time', cause: 'system-changed' });
    expect(r.proxy).toMatchObject({ findings: 1, matched: 1, unmatched: [] });
  });
});
