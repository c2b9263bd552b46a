// What `cachelens proxy` saw, kept in the store: one row per request (a
// fingerprint, never content), one per diagnosed rebuild, and request bodies
// only when the user asked for them (--keep-bodies). Auth headers never get here.
import type Database from 'better-sqlite3';
import type { ProxyBlock, ProxyFinding, ProxyRequestKind, ProxyRequestRecord, ProxySettings } from '../domain/proxy.js';

export interface ProxyLogStore {
  /**
   * Stores a request (and its finding and body); returns its row id. A finding makes a new data generation.
   * `base`: an earlier stored request whose first `shared` blocks are this one's (same cumulative hashes):
   * only the rest is written, so a long conversation costs a few blocks per request, not all of them.
   */
  add(request: ProxyRequestRecord, finding: Omit<ProxyFinding, 'requestId'> | null, body: Buffer | null, base?: { id: number; shared: number } | null): number;
  /** requests in [from, to), oldest first; `withBlocks` false leaves `blocks` null (cheaper) */
  requests(range: { from: number | null; to: number | null }, withBlocks?: boolean): ProxyRequestRecord[];
  findings(range: { from: number | null; to: number | null }): ProxyFinding[];
  /** a kept body (--keep-bodies), or null */
  body(requestId: number): Buffer | null;
}

type Row = [number, number, string, string, string, string | null, number | null, number, string | null, string | null, string | null, string | null, string | null,
  number | null, number | null, number | null, number | null, number | null, string | null, number | null, number | null];

/**
 * Stored form of a request's blocks: the first `shared` come from request `base` (with their hashes,
 * sizes and paths), the rest are in `tail` as [level, kind, path, hash, cumulativeHash, bytes, tokens];
 * markers (which move every turn) are listed apart as [position, ttl].
 */
interface StoredBlocks {
  base: number | null;
  shared: number;
  markers: [number, '5m' | '1h'][];
  tail: [ProxyBlock['level'], string, string, string, string, number, number][];
}

export function encodeBlocks(blocks: readonly ProxyBlock[], base: { id: number; shared: number } | null): string {
  const shared = base ? Math.min(base.shared, blocks.length) : 0;
  const v: StoredBlocks = {
    base: shared > 0 ? base!.id : null,
    shared,
    markers: blocks.filter((b) => b.cacheControl !== null).map((b) => [b.position, b.cacheControl!]),
    tail: blocks.slice(shared).map((b) => [b.level, b.kind, b.path, b.hash, b.cumulativeHash, b.bytes, b.tokens]),
  };
  return JSON.stringify(v);
}

/** Blocks back from their stored form; `baseBlocks` gives a base request's blocks (null when it is gone). */
export function decodeBlocks(text: string, baseBlocks: (id: number) => ProxyBlock[] | null): ProxyBlock[] | null {
  const v = JSON.parse(text) as StoredBlocks;
  const head = v.base === null ? [] : baseBlocks(v.base);
  if (head === null || head.length < v.shared) return null;
  const markers = new Map(v.markers);
  const out: ProxyBlock[] = head.slice(0, v.shared).map((b) => ({ ...b, cacheControl: markers.get(b.position) ?? null }));
  v.tail.forEach(([level, kind, path, hash, cumulativeHash, bytes, tokens], i) => {
    const position = v.shared + i + 1;
    out.push({ position, level, kind, path, hash, cumulativeHash, bytes, tokens, cacheControl: markers.get(position) ?? null });
  });
  return out;
}

function toRecord(x: Row, blocks: ProxyBlock[] | null): ProxyRequestRecord {
  const usage = x[13] === null ? null : { input: x[13], cacheWrite5m: x[14] ?? 0, cacheWrite1h: x[15] ?? 0, cacheRead: x[16] ?? 0, output: x[17] ?? 0 };
  return {
    id: x[0], timestamp: x[1], method: x[2], path: x[3], kind: x[4] as ProxyRequestKind, note: x[5], status: x[6], stream: x[7] === 1,
    sessionId: x[8], conversation: x[9], model: x[10],
    settings: x[11] === null ? null : (JSON.parse(x[11]) as ProxySettings),
    blocks, usage, apiRequestId: x[18], ttfbMs: x[19], durationMs: x[20],
  };
}

const ALL = { from: -8.64e15, to: 8.64e15 };

export function openProxyLog(db: Database.Database, bumpGeneration: () => void): ProxyLogStore {
  const insertRequest = db.prepare(`
    INSERT INTO proxy_requests (ts, method, path, kind, note, status, stream, session_id, conversation, model, settings, blocks,
      input, write_5m, write_1h, read, output, api_request_id, ttfb_ms, duration_ms)
    VALUES (@ts, @method, @path, @kind, @note, @status, @stream, @sessionId, @conversation, @model, @settings, @blocks,
      @input, @write5m, @write1h, @read, @output, @apiRequestId, @ttfbMs, @durationMs)`);
  const insertFinding = db.prepare(`INSERT INTO proxy_findings (request_id, ts, session_id, conversation, cause, json) VALUES (?, ?, ?, ?, ?, ?)`);
  const insertBody = db.prepare(`INSERT INTO proxy_bodies (request_id, body) VALUES (?, ?)`);
  const add = db.transaction((r: ProxyRequestRecord, f: Omit<ProxyFinding, 'requestId'> | null, body: Buffer | null, base: { id: number; shared: number } | null): number => {
    const u = r.usage;
    const id = Number(
      insertRequest.run({
        ts: r.timestamp, method: r.method, path: r.path, kind: r.kind, note: r.note, status: r.status, stream: r.stream ? 1 : 0,
        sessionId: r.sessionId, conversation: r.conversation, model: r.model,
        settings: r.settings === null ? null : JSON.stringify(r.settings), blocks: r.blocks === null ? null : encodeBlocks(r.blocks, base),
        input: u?.input ?? null, write5m: u?.cacheWrite5m ?? null, write1h: u?.cacheWrite1h ?? null, read: u?.cacheRead ?? null, output: u?.output ?? null,
        apiRequestId: r.apiRequestId, ttfbMs: r.ttfbMs, durationMs: r.durationMs,
      }).lastInsertRowid,
    );
    if (f !== null) {
      insertFinding.run(id, r.timestamp, f.sessionId, f.conversation, f.cause, JSON.stringify({ requestId: id, ...f }));
      // breaks shows proxy findings: outputs cached before this one are stale
      bumpGeneration();
    }
    if (body !== null) insertBody.run(id, body);
    return id;
  });
  const COLUMNS = `id, ts, method, path, kind, note, status, stream, session_id, conversation, model, settings, blocks,
    input, write_5m, write_1h, read, output, api_request_id, ttfb_ms, duration_ms`;
  const blocksById = db.prepare(`SELECT blocks FROM proxy_requests WHERE id = ?`).pluck();
  return {
    add(r, f, body, base = null) {
      return add.immediate(r, f, body, base);
    },
    requests(range, withBlocks = true) {
      const cols = withBlocks ? COLUMNS : COLUMNS.replace('blocks', 'NULL');
      const rows = db
        .prepare(`SELECT ${cols} FROM proxy_requests WHERE ts >= ? AND ts < ? ORDER BY ts, id`)
        .raw()
        .all(range.from ?? ALL.from, range.to ?? ALL.to) as Row[];
      // bases are earlier requests: decoded once each, fetched when outside the range
      const memo = new Map<number, ProxyBlock[] | null>();
      const texts = new Map(rows.map((x) => [x[0], x[12]]));
      const blocksOf = (id: number): ProxyBlock[] | null => {
        const chain: [number, string][] = [];
        let cur: number | null = id;
        while (cur !== null && !memo.has(cur)) {
          const text: string | null | undefined = texts.has(cur) ? texts.get(cur) : (blocksById.get(cur) as string | null | undefined);
          if (text === null || text === undefined) {
            memo.set(cur, null);
            break;
          }
          chain.push([cur, text]);
          cur = (JSON.parse(text) as StoredBlocks).base;
        }
        for (let i = chain.length - 1; i >= 0; i--) {
          const [cid, text] = chain[i]!;
          memo.set(cid, decodeBlocks(text, (b) => memo.get(b) ?? null));
        }
        return memo.get(id) ?? null;
      };
      return rows.map((x) => toRecord(x, withBlocks && x[12] !== null ? blocksOf(x[0]) : null));
    },
    findings(range) {
      const rows = db
        .prepare(`SELECT json FROM proxy_findings WHERE ts >= ? AND ts < ? ORDER BY ts, request_id`)
        .raw()
        .all(range.from ?? ALL.from, range.to ?? ALL.to) as [string][];
      return rows.map(([j]) => JSON.parse(j) as ProxyFinding);
    },
    body(requestId) {
      const row = db.prepare(`SELECT body FROM proxy_bodies WHERE request_id = ?`).get(requestId) as { body: Buffer } | undefined;
      return row?.body ?? null;
    },
  };
}
