// The sink keeps the biggest other thread's records where they are
// (transfer.ts mergeKeeping) and reads them beside its own (bySession with
// `kept`): every session must read exactly as after a full merge, also for
// responses both threads read, whose tokens or attribution the other
// thread's line wins.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bySession, emptyCollected, type Collected, type SessionRecords } from './collect.js';
import { scanFile } from './file.js';
import { mergeKeeping, mergePacked, packRecords } from './transfer.js';
import { finishHash, FNV_PRIME, FNV_SEED, hashString, REQUEST_FOLLOWS } from './_pool.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-kept-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function assistant(id: string, session: string, ts: number, out: number, more: { model?: string; agentId?: string; geo?: string; req?: string } = {}): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: more.agentId !== undefined,
    sessionId: session,
    ...(more.agentId ? { agentId: more.agentId } : {}),
    version: '2.1.62',
    message: { model: more.model ?? 'claude-opus-4-6', id, type: 'message', role: 'assistant', content: [{ type: 'text', text: 't' }], usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: out * 7, output_tokens: out, ...(more.geo ? { inference_geo: more.geo } : {}) } },
    requestId: more.req ?? `req_${id}`,
    type: 'assistant',
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, ts)).toISOString(),
  });
}

// what the sink reads (a) and what another thread reads (b)
const A = [
  assistant('msg_k1', 's1', 1, 5), // also in b, with more output: b's tokens, a's attribution (earlier)
  assistant('msg_a1', 's1', 2, 1),
  assistant('msg_k2', 's2', 30, 9), // also in b, earlier and in another session: a's tokens, b's attribution
  assistant('msg_a2', 's2', 4, 2, { agentId: 'ag1' }),
  assistant('msg_a3', 's1', 6, 3),
];
const B = [
  assistant('msg_k1', 's1', 8, 9),
  assistant('msg_b1', 's1', 3, 4, { model: 'claude-sonnet-4-5-20250929' }),
  assistant('msg_k2', 's3', 1, 2),
  assistant('msg_b2', 's4', 0, 6, { geo: 'us' }),
  assistant('msg_b3', 's2', 5, 7, { agentId: 'ag1' }),
  assistant('msg_b4', 's1', 2, 8), // the same second as msg_a1: the tie-break (file, offset) orders them
];

/** The table's key hash of (messageId, requestId) (RequestTable.findStrings). */
function keyHash(messageId: string, requestId: string): number {
  return finishHash(hashString(requestId, Math.imul(hashString(messageId, FNV_SEED) ^ REQUEST_FOLLOWS, FNV_PRIME)));
}

function read(lines: string[], name: string): Collected {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const c = emptyCollected();
  scanFile(file, { file, project: 'p', fileAgentId: null, fileSessionId: name }, c);
  return c;
}

/** Every session's rows as plain values: what seek, agentAt and record give. */
function rowsOf(r: SessionRecords): unknown[] {
  return r.sessions.map((s) => {
    const rows = r.rows(s).requests;
    const out: unknown[] = [];
    for (let i = 0; i < rows.count; i++) {
      rows.seek(i);
      const { timestamp, input, cacheWrite5m, cacheWrite1h, cacheRead, output, project, agentId, model, speed, inferenceGeo } = rows;
      out.push({ seek: { timestamp, input, cacheWrite5m, cacheWrite1h, cacheRead, output, project, agentId, model, speed, inferenceGeo }, agentAt: rows.agentAt(i), record: { ...rows.record(i) } });
    }
    return [s, out];
  });
}

describe('mergeKeeping + bySession(kept)', () => {
  it('reads every session as a full merge does', () => {
    const full = read(A, 'a.jsonl');
    const keeping = read(A, 'a.jsonl');
    const packed = packRecords(read(B, 'b.jsonl').requests);
    // the same columns twice (a merge releases the ones it is given)
    mergePacked(full.requests, { ...packed, nums: packed.nums.slice(), refs: packed.refs.slice() });
    const kept = mergeKeeping(keeping.requests, packed);
    // the two keys both read were merged, the others kept
    expect(kept.rows).toHaveLength(B.length - 2);
    const want = rowsOf(bySession(full));
    const got = rowsOf(bySession(keeping, kept));
    expect(got).toEqual(want);
    // (checked by hand: msg_k1 has b's tokens in s1, msg_k2 a's tokens in b's session s3; sessions by first request)
    const flat = new Map((got as [string, { record: { messageId: string; output: number; sessionId: string } }[]][]).flatMap(([, rows]) => rows.map((x) => [x.record.messageId, x.record] as const)));
    expect(flat.get('msg_k1')).toMatchObject({ output: 9, sessionId: 's1', timestamp: Date.UTC(2026, 0, 1, 0, 0, 1) });
    expect(flat.get('msg_k2')).toMatchObject({ output: 9, sessionId: 's3', timestamp: Date.UTC(2026, 0, 1, 0, 0, 1) });
    expect((got as [string][]).map(([s]) => s)).toEqual(['s4', 's1', 's3', 's2']);
    const s1 = (got as [string, { record: { messageId: string } }[]][]).find(([s]) => s === 's1')![1].map((x) => x.record.messageId);
    expect(s1).toEqual(['msg_k1', 'msg_a1', 'msg_b4', 'msg_b1', 'msg_a3']);
  });

  it('keeps a record whose key only shares its hash with one the sink has', () => {
    // two message ids whose keys hash alike (found by trying: ~2^16 ids make a pair likely)
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null; i++) {
      const id = `msg_c${i}`;
      const h = keyHash(id, 'req_c');
      const other = seen.get(h);
      if (other !== undefined) pair = [other, id];
      else seen.set(h, id);
    }
    const [a, b] = pair;
    expect(keyHash(a, 'req_c')).toBe(keyHash(b, 'req_c'));
    const full = read([assistant(a, 's1', 1, 5, { req: 'req_c' })], 'ha.jsonl');
    const keeping = read([assistant(a, 's1', 1, 5, { req: 'req_c' })], 'ha.jsonl');
    const packed = packRecords(read([assistant(b, 's2', 2, 7, { req: 'req_c' })], 'hb.jsonl').requests);
    mergePacked(full.requests, { ...packed, nums: packed.nums.slice(), refs: packed.refs.slice() });
    const kept = mergeKeeping(keeping.requests, packed);
    expect(kept.rows).toEqual([0]);
    const got = rowsOf(bySession(keeping, kept));
    expect(got).toEqual(rowsOf(bySession(full)));
    expect((got as [string, { record: { messageId: string; output: number } }[]][]).map(([s, rows]) => [s, rows.map((x) => [x.record.messageId, x.record.output])])).toEqual([
      ['s1', [[a, 5]]],
      ['s2', [[b, 7]]],
    ]);
  });
});
