// The request table (collect.ts, _table.ts): a response is found again
// however its ids were written, and the merge rules pick its tokens and its
// attribution line by line.
import { describe, expect, it } from 'vitest';
import { addFast, emptyCollected, requestRecords } from './collect.js';
import { FastDecoder, R_USAGE } from './fast.js';
import { ctx, line, usage } from './lines.fixture.js';

describe('request table', () => {
  it('finds a response by bytes or by decoded strings alike (escaped and plain ids are the same response)', () => {
    const c = emptyCollected();
    const d = new FastDecoder();
    const add = (text: string, offset: number): void => {
      const b = Buffer.from(text);
      const r = d.decode(b, 0, b.length, ctx, false);
      expect(r).toBe(R_USAGE);
      addFast(c, d, r, ctx, offset);
    };
    add(line({ timestamp: '2026-01-01T00:00:02.000Z' }, { id: 'msg_Abc', usage: { ...usage, output_tokens: 3 } }), 100);
    add(line({ timestamp: '2026-01-01T00:00:01.000Z' }, { id: 'msg_\\u0041bc', usage: { ...usage, output_tokens: 9 } }).replace('msg_\\\\u0041bc', 'msg_\\u0041bc'), 200);
    add(line({ timestamp: '2026-01-01T00:00:03.000Z', requestId: 'req_\u00e9' }, { id: 'msg_Abc' }), 300);
    add(line({ timestamp: '2026-01-01T00:00:04.000Z', requestId: 'req_\\u00e9' }, { id: 'msg_Abc', usage: { ...usage, output_tokens: 50 } }).replace('req_\\\\u00e9', 'req_\\u00e9'), 400);
    const recs = requestRecords(c.requests).sort((a, b) => a.offset - b.offset);
    expect(recs.map((r) => [r.messageId, r.requestId, r.output, r.offset])).toEqual([
      ['msg_Abc', 'req_011CTmASeVdRncP2oV9M3Eo2', 9, 200],
      ['msg_Abc', 'req_\u00e9', 50, 300],
    ]);
    // where the tokens came from travels with each record (the store merges records across scans with it)
    expect(recs.map((r) => [r.tokTimestamp, r.tokFile, r.tokOffset])).toEqual([
      [Date.parse('2026-01-01T00:00:01.000Z'), ctx.file, 200],
      [Date.parse('2026-01-01T00:00:04.000Z'), ctx.file, 400],
    ]);
  });
});
