// The proxy in front of a fake Anthropic API (the simulator's cache model) on
// loopback, driven with Claude Code-shaped requests on an injected clock: each
// rebuild must be diagnosed with the right block and cause, a healthy
// conversation with none.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyFinding, ProxyRequestRecord } from '../src/domain/proxy.js';
import { loadPricing } from '../src/pricing/index.js';
import { startProxy, type RunningProxy } from '../src/proxy/index.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.js';
import { repoRoot } from './oracle/cli.js';
import { ccBody, post, startFakeUpstream, type CcOptions, type FakeUpstream } from './proxy-fixtures.js';

const pricing = loadPricing();
const clock = { t: Date.parse('2026-11-20T10:00:00Z') };
const now = (): number => clock.t;
const records: { record: ProxyRequestRecord; finding: ProxyFinding | null }[] = [];
const logs: string[] = [];
let waiters: (() => void)[] = [];
let fake: FakeUpstream;
let proxy: RunningProxy;
let store: SqliteStore;
let dir = '';

/** Sends one request through the proxy and waits until the proxy has recorded it. */
async function send(o: CcOptions): Promise<{ record: ProxyRequestRecord; finding: ProxyFinding | null; status: number; text: string }> {
  const before = records.length;
  const res = await post(proxy.url, ccBody(o), { 'x-api-key': 'sk-ant-test', 'x-claude-code-session-id': o.session });
  while (records.length === before) await new Promise<void>((r) => waiters.push(r));
  return { ...records[before]!, status: res.status, text: res.text };
}

/** A conversation: turns 1..n, `gapMs` apart; `at(k)` overrides the options of turn k. */
async function conversation(n: number, base: CcOptions, at: (k: number) => Partial<CcOptions> = () => ({}), gapMs = 30_000) {
  const out = [];
  for (let k = 1; k <= n; k++) {
    out.push(await send({ ...base, turns: k, ...at(k) }));
    clock.t += gapMs;
  }
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-proxy-'));
  store = openSqliteStore(path.join(dir, 'c.db'));
  fake = await startFakeUpstream({ now, pricing });
  proxy = await startProxy({
    upstream: fake.url, port: 0, store: store.proxyLog, pricing, now,
    log: (l) => logs.push(l), warn: (l) => logs.push(l),
    onRecord: (r) => {
      records.push(r);
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
  });
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
  store?.close();
});

describe('proxy diagnoses', () => {
  it('a healthy conversation: every request reads what the previous one cached, no finding', async () => {
    const turns = await conversation(5, { session: 'healthy-1', turns: 0 });
    expect(turns.every((t) => t.status === 200)).toBe(true);
    expect(turns.map((t) => t.finding)).toEqual([null, null, null, null, null]);
    // the usage came through (SSE message_start) and later turns read the prefix
    for (const t of turns.slice(1)) expect(t.record.usage!.cacheRead).toBeGreaterThan(10_000);
    expect(turns[0]!.record.conversation).toBe(turns[4]!.record.conversation);
    expect(turns[0]!.record.sessionId).toBe('healthy-1');
  });

  it('a timestamp in the system prompt: system changed at the dynamic system block', async () => {
    const turns = await conversation(3, { session: 'clock-1', turns: 0, stream: false }, (k) => ({ systemTime: `2026-11-20T10:0${k}:00Z` }));
    expect(turns[0]!.finding).toBeNull();
    for (const t of turns.slice(1)) {
      expect(t.finding).toMatchObject({ cause: 'system-changed', position: 15, level: 'system', path: 'system[2]' });
      expect(t.finding!.detail).toBe('system changed at block 15 (system[2])');
      expect(t.finding!.tokensRewritten).toBeGreaterThan(2000);
      expect(t.finding!.wastedUSD).toBeGreaterThan(0);
    }
  });

  it('a tool added mid-conversation: tools changed at the new tool, everything rewritten', async () => {
    const turns = await conversation(4, { session: 'tools-1', turns: 0 }, (k) => ({ tools: k >= 3 ? 13 : 12 }));
    expect(turns.map((t) => t.finding?.cause ?? null)).toEqual([null, null, 'tools-changed', null]);
    const f = turns[2]!.finding!;
    expect(f).toMatchObject({ position: 13, level: 'tools', path: 'tools[12]', readTokens: 0 });
    expect(f.detail).toMatch(/tool added at block 13 \(tools\[12\]\)/);
    expect(f.tokensRewritten).toBe(f.expectedReadTokens);
  });

  it('a model switch: model changed, one cache per model', async () => {
    const turns = await conversation(3, { session: 'model-1', turns: 0 }, (k) => ({ model: k === 3 ? 'claude-sonnet-4-20250514' : 'claude-sonnet-4-5' }));
    expect(turns.map((t) => t.finding?.cause ?? null)).toEqual([null, null, 'model-changed']);
    expect(turns[2]!.finding).toMatchObject({ position: 1, previousModel: 'claude-sonnet-4-5', model: 'claude-sonnet-4-20250514' });
  });

  it('an idle gap past the 5m TTL: TTL expired, no block changed', async () => {
    const out = [];
    out.push(await send({ session: 'idle-1', turns: 1, ttl: '5m' }));
    clock.t += 60_000;
    out.push(await send({ session: 'idle-1', turns: 2, ttl: '5m' }));
    clock.t += 6 * 60_000;
    out.push(await send({ session: 'idle-1', turns: 3, ttl: '5m' }));
    expect(out.map((t) => t.finding?.cause ?? null)).toEqual([null, null, 'ttl-expired']);
    const f = out[2]!.finding!;
    expect(f).toMatchObject({ position: null, gapMs: 6 * 60_000, ttl: '5m' });
    // the system prefix is still warm from other sessions' 1h entries (same tools and system): only the rest is lost
    expect(f.readTokens).toBeGreaterThan(0);
    expect(f.tokensRewritten).toBe(f.expectedReadTokens - f.readTokens);
    expect(out[2]!.finding!.detail).toMatch(/6m 0s since the previous request, past the 5m TTL/);
  });

  it('a history edit: message k edited, named by its path', async () => {
    const turns = await conversation(3, { session: 'edit-1', turns: 0 }, (k) => (k === 3 ? { editTurn: 1 } : {}));
    expect(turns[2]!.finding).toMatchObject({ cause: 'message-edited', path: 'messages[2].content[0]', level: 'messages' });
    expect(turns[2]!.finding!.detail).toMatch(/^message 2 edited at block \d+/);
  });

  it('an effort change: settings changed at the messages level', async () => {
    const turns = await conversation(3, { session: 'effort-1', turns: 0 }, (k) => ({ effort: k === 3 ? 'low' : 'high' }));
    const f = turns[2]!.finding!;
    expect(f).toMatchObject({ cause: 'settings-changed', position: 16, path: 'messages[0].content[0]' });
    expect(f.detail).toMatch(/effort "high" → "low"/);
  });

  it('below the minimum length: a miss with nothing cached', async () => {
    const body = { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'short question', cache_control: { type: 'ephemeral' } }] }] };
    const before = records.length;
    const res = await post(proxy.url, body);
    expect(res.status).toBe(200);
    while (records.length === before) await new Promise<void>((r) => waiters.push(r));
    expect(records[before]!.finding).toMatchObject({ cause: 'below-minimum', tokensRewritten: 0 });
    expect(records[before]!.finding!.detail).toMatch(/below the 4096-token minimum of claude-haiku-4-5/);
  });

  it('findings are in the store with the documented shape', () => {
    const all = store.proxyLog.findings({ from: null, to: null });
    const causes = all.map((f) => f.cause);
    expect(causes).toContain('system-changed');
    expect(causes).toContain('tools-changed');
    expect(causes).toContain('model-changed');
    expect(causes).toContain('ttl-expired');
    const f = all.find((x) => x.cause === 'tools-changed')!;
    expect(Object.keys(f).sort()).toEqual(
      ['apiRequestId', 'conversation', 'detail', 'evidence', 'expectedReadTokens', 'gapMs', 'level', 'model', 'path', 'position', 'previousModel', 'previousRequestId',
        'readTokens', 'requestId', 'sessionId', 'timestamp', 'tokensRewritten', 'ttl', 'wastedUSD', 'cause'].sort(),
    );
    const reqs = store.proxyLog.requests({ from: null, to: null });
    const r = reqs.find((x) => x.id === f.requestId)!;
    expect(r.blocks![12]).toMatchObject({ position: 13, level: 'tools', kind: 'tool', path: 'tools[12]' });
    expect(r.blocks![12]!.cumulativeHash).toMatch(/^[0-9a-f]{14}$/);
    expect(r.settings).toMatchObject({ betas: [], autoCache: null });
    expect(logs.some((l) => /REBUILD tools-changed/.test(l))).toBe(true);
  });

  it('a restarted proxy takes the recent history from the store and still diagnoses', async () => {
    const again = await startProxy({ upstream: fake.url, port: 0, store: store.proxyLog, pricing, now, log: () => undefined });
    try {
      clock.t += 30_000;
      const res = await post(again.url, ccBody({ session: 'clock-1', turns: 4, stream: false, systemTime: '2026-11-20T10:09:00Z' }));
      expect(res.status).toBe(200);
      let f = null;
      for (let i = 0; i < 100 && !f; i++) {
        await new Promise((r) => setTimeout(r, 10));
        f = store.proxyLog.findings({ from: clock.t, to: clock.t + 1 })[0] ?? null;
      }
      expect(f).toMatchObject({ cause: 'system-changed', path: 'system[2]', sessionId: 'clock-1' });
    } finally {
      await again.close();
    }
  });

  it("stores each request's blocks as a reference to the previous request plus what is new, and reads them back whole", () => {
    const stored = new Map(store.proxyLog.requests({ from: null, to: null }).map((r) => [r.id, r]));
    for (const { record } of records) expect(stored.get(record.id)!.blocks).toEqual(record.blocks);
    // a range that leaves the bases out still resolves them
    const last = records.filter((x) => x.record.sessionId === 'healthy-1').at(-1)!;
    const alone = store.proxyLog.requests({ from: last.record.timestamp, to: last.record.timestamp + 1 }).find((r) => r.id === last.record.id)!;
    expect(alone.blocks).toEqual(last.record.blocks);
    const raw = new Database(path.join(dir, 'c.db'), { readonly: true });
    const size = raw.prepare('SELECT length(blocks) FROM proxy_requests WHERE id = ?').pluck().get(last.record.id) as number;
    raw.close();
    expect(size).toBeLessThan(JSON.stringify(last.record.blocks).length / 5);
  });
  it("the simulator's example (an SDK client: no session id, 1h system, 5m conversation marker): usage as documented, no finding", async () => {
    const lines = fs.readFileSync(path.join(repoRoot, 'docs', 'examples', 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const out = [];
    for (const l of lines) {
      clock.t = Date.parse(l.at) + 365 * 86_400_000; // a year on: nothing of the earlier tests is warm
      const before = records.length;
      const res = await post(proxy.url, l.body);
      expect(res.status).toBe(200);
      while (records.length === before) await new Promise<void>((r) => waiters.push(r));
      out.push(records[before]!);
    }
    // docs/simulate.md's table: writes 1h/5m and reads of the three requests
    expect(out.map((r) => [r.record.usage!.cacheWrite1h, r.record.usage!.cacheWrite5m, r.record.usage!.cacheRead])).toEqual([[6300, 20, 0], [0, 25, 6320], [0, 75, 6300]]);
    expect(new Set(out.map((r) => r.record.conversation)).size).toBe(1);
    expect(out[0]!.record.conversation).toMatch(/^-:[0-9a-f]{14}$/);
    // the third lost the 5m entries (45 tokens): below the 2,000-token rebuild rule, so no finding
    expect(out.map((r) => r.finding)).toEqual([null, null, null]);
  });
});
