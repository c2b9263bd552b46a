// A large file is split into byte ranges scanned by different threads. Every
// line must be read exactly once, by the range its first byte falls in, with
// file-absolute offsets, so that any tiling of a file gives the result of one
// whole-file scan.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyIssues, type ScanIssues } from '../domain/types.js';
import { emptyCollected, finishCollected, mergeCollected, type Collected } from './collect.js';
import { newScratch, scanFile } from './file.js';
import type { LineContext } from './line.js';
import { addIssues, claimer, claimerLeaving, planItems, scanItemsInThread, SPLIT_BYTES, type ScanInput } from './run.js';
import { mergePacked, packRecords } from './transfer.js';

function assistant(id: string, ts: string, out: number, extra = ''): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    sessionId: 's1',
    version: '2.1.62',
    message: { model: 'claude-opus-4-6', id, type: 'message', role: 'assistant', content: [{ type: 'text', text: `t${extra}` }], usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: out * 7, output_tokens: out } },
    requestId: `req_${id}`,
    type: 'assistant',
    timestamp: ts,
  });
}

/** A file with every kind of line: responses over several lines, bad lines, CRLF, blanks, a long line, an event, no final newline. */
function sampleFile(): string {
  const lines = [
    assistant('msg_1', '2026-01-01T00:00:00.000Z', 1),
    assistant('msg_1', '2026-01-01T00:00:01.000Z', 40),
    '',
    'not json',
    `${assistant('msg_2', '2026-01-01T00:00:02.000Z', 5)}\r`,
    JSON.stringify({ type: 'system', subtype: 'compact_boundary', compactMetadata: { trigger: 'auto' }, sessionId: 's1', timestamp: '2026-01-01T00:00:03.000Z' }),
    assistant('msg_1', '2026-01-01T00:00:04.000Z', 40),
    assistant('msg_3', '2026-01-01T00:00:05.000Z', 2, 'x'.repeat(3000)),
    '   ',
    `${assistant('msg_4', '2026-01-01T00:00:06.000Z', 3)}${assistant('msg_5', '2026-01-01T00:00:06.000Z', 4)}`,
    '{"broken": ',
    JSON.stringify({ type: 'user', message: { content: '<command-name>/model</command-name>' }, sessionId: 's1', timestamp: '2026-01-01T00:00:07.000Z' }),
    assistant('msg_2', '2026-01-01T00:00:08.000Z', 9),
    assistant('msg_6', '2026-01-01T00:00:09.000Z', 6).slice(0, 120),
  ];
  return lines.join('\n');
}

const ctx: LineContext = { file: '/x/p/s1.jsonl', project: 'p', fileAgentId: null, fileSessionId: 's1' };

interface Outcome {
  result: ReturnType<typeof finishCollected>;
  issues: ScanIssues;
  bytes: number;
  usageLines: number;
  /** offset just past the last complete line (the smallest over ranges that reached the end of the file) */
  end: number;
}

/** Scans the ranges (each into its own collection, as threads do), then merges them. */
function scanRanges(file: string, cuts: number[], size: number): Outcome {
  const bounds = [0, ...cuts, Infinity];
  const into = emptyCollected();
  const issues = emptyIssues();
  let bytes = 0;
  let usageLines = 0;
  let end = Infinity;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const part: Collected = emptyCollected();
    const r = scanFile(file, ctx, part, { scratch: newScratch(64), range: { start: bounds[i]!, end: bounds[i + 1]! } });
    if (r.reachedEof) end = Math.min(end, r.endOffset);
    mergePacked(into.requests, packRecords(part.requests));
    mergeCollected(into, part);
    addIssues(issues, r.issues);
    bytes += r.bytes;
    usageLines += r.usageLines;
  }
  expect(bytes).toBe(size);
  return { result: finishCollected(into), issues, bytes, usageLines, end };
}

function scanWhole(file: string): Outcome {
  const c = emptyCollected();
  const r = scanFile(file, ctx, c, { scratch: newScratch(64) });
  expect(r.reachedEof).toBe(true);
  return { result: finishCollected(c), issues: r.issues, bytes: r.bytes, usageLines: r.usageLines, end: r.endOffset };
}

describe('byte ranges', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-range-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 's1.jsonl');
  const text = sampleFile();
  fs.writeFileSync(file, text);
  const size = Buffer.byteLength(text);
  const whole = scanWhole(file);

  it('the sample exercises what it should', () => {
    expect(whole.result.requests.map((r) => [r.messageId, r.output])).toEqual([
      ['msg_1', 40],
      ['msg_2', 9],
      ['msg_3', 2],
      ['msg_4', 3],
      ['msg_5', 4],
    ]);
    expect(whole.issues).toMatchObject({ badLines: 2, truncatedLastLines: 1, concatenatedLines: 1 });
    expect(whole.result.events.map((e) => e.kind)).toEqual(['compact-boundary', 'command']);
    // the unterminated last line is not complete: an incremental re-read starts at it
    expect(whole.end).toBe(size - 120);
  });

  it('merges columns that came as plain buffers (copied, not moved) as it merges moved ones', () => {
    const part: Collected = emptyCollected();
    scanFile(file, ctx, part, { scratch: newScratch(64) });
    const packed = packRecords(part.requests);
    const into = emptyCollected();
    mergePacked(into.requests, { ...packed, nums: packed.nums.slice(), refs: packed.refs.slice() });
    mergeCollected(into, part);
    expect(finishCollected(into)).toEqual(whole.result);
  });

  it('two ranges cut at every byte give the whole-file result', () => {
    for (let cut = 0; cut <= size + 1; cut++) expect(scanRanges(file, [cut], size), `cut at ${cut}`).toEqual(whole);
  });

  it('cuts exactly at line starts, newlines and inside CRLF give the whole-file result', () => {
    const b = Buffer.from(text);
    const cuts: number[] = [];
    for (let i = 0; i < b.length; i++) if (b[i] === 10 || b[i] === 13) cuts.push(i, i + 1);
    for (const cut of cuts) expect(scanRanges(file, [cut], size), `cut at ${cut}`).toEqual(whole);
    // every line start is its own range
    expect(scanRanges(file, [...new Set(cuts.filter((c) => b[c - 1] === 10))], size)).toEqual(whole);
  });

  it('many ranges, some holding no line start at all, give the whole-file result', () => {
    let seed = 11;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let k = 0; k < 300; k++) {
      const cuts = Array.from({ length: 1 + (next() % 12) }, () => next() % (size + 1)).sort((a, b) => a - b);
      expect(scanRanges(file, [...new Set(cuts)], size), `cuts ${cuts.join(',')}`).toEqual(whole);
    }
  });

  it('plans ranges that tile each large file, biggest items first', () => {
    const files: ScanInput[] = [
      { path: 'a', project: 'p', fileAgentId: null, fileSessionId: 'a', size: 5 * SPLIT_BYTES + 17 },
      { path: 'b', project: 'p', fileAgentId: null, fileSessionId: 'b', size: 100 },
      { path: 'c', project: 'p', fileAgentId: null, fileSessionId: 'c', size: 2 * SPLIT_BYTES },
    ];
    expect(planItems(files, 1).map((i) => [i.file, i.start, i.end, i.split])).toEqual([
      [0, 0, Infinity, false],
      [1, 0, Infinity, false],
      [2, 0, Infinity, false],
    ]);
    const items = planItems(files, 2);
    const of0 = items.filter((i) => i.file === 0).sort((a, b) => a.start - b.start);
    expect(of0.length).toBeGreaterThan(1);
    expect(of0[0]!.start).toBe(0);
    expect(of0.at(-1)!.end).toBe(Infinity);
    for (let i = 1; i < of0.length; i++) expect(of0[i]!.start).toBe(of0[i - 1]!.end);
    expect(items.filter((i) => i.file !== 0).every((i) => !i.split)).toBe(true);
    expect(items.at(-1)!.file).toBe(1);
  });

  it('a claimer leaving the last bytes to others stops before them, and the plain claimer takes them', () => {
    const files: ScanInput[] = [100, 400, 50, 300, 150].map((size, i) => ({ path: `f${i}`, project: 'p', fileAgentId: null, fileSessionId: `s${i}`, size }));
    const items = planItems(files, 2); // biggest first: 400 300 150 100 50
    const counter = new SharedArrayBuffer(4);
    const leaving = claimerLeaving(counter, files, items, 200);
    const plain = claimer(counter, items.length);
    // 1000 bytes in all: it takes items while at least 200 are left unclaimed (400, 300, 150 leave 150 < 200)
    expect([leaving(), leaving(), plain(), leaving()]).toEqual([0, 1, 2, -1]);
    expect([plain(), plain(), plain()]).toEqual([3, 4, -1]);
    expect(leaving()).toBe(-1);
  });

  it('items claimed in any order by several threads give the one-thread result', () => {
    // a file big enough to be split, made of the sample repeated with distinct ids
    const big = path.join(dir, 'big.jsonl');
    const parts: string[] = [];
    let bytes = 0;
    for (let k = 0; bytes < 2 * SPLIT_BYTES + 4096; k++) {
      const s = `${text.replace(/msg_/g, `msg_${k}x`).slice(0, -140)}\n`;
      parts.push(s);
      bytes += Buffer.byteLength(s);
    }
    fs.writeFileSync(big, parts.join(''));
    const files: ScanInput[] = [
      { path: big, project: 'p', fileAgentId: null, fileSessionId: 'big', size: bytes },
      { path: file, project: 'p', fileAgentId: null, fileSessionId: 's1', size },
    ];
    const one = planItems(files, 1);
    let n = 0;
    const single = scanItemsInThread(files, one, () => (n < one.length ? n++ : -1));
    const items = planItems(files, 3);
    expect(items.length).toBeGreaterThan(3);
    // three "threads" take items round-robin in reverse order
    const order = items.map((_, i) => i).reverse();
    const runs = [0, 1, 2].map((t) => {
      const mine = order.filter((_, i) => i % 3 === t);
      let m = 0;
      return scanItemsInThread(files, items, () => (m < mine.length ? mine[m++]! : -1));
    });
    const into = runs[0]!.collected;
    for (const r of runs.slice(1)) {
      mergePacked(into.requests, packRecords(r.collected.requests));
      mergeCollected(into, r.collected);
    }
    const issues = emptyIssues();
    for (const r of runs) addIssues(issues, r.issues);
    expect(finishCollected(into)).toEqual(finishCollected(single.collected));
    expect(issues).toEqual(single.issues);
    expect(runs.reduce((s, r) => s + r.bytes, 0)).toBe(single.bytes);
    expect(runs.reduce((s, r) => s + r.usageLines, 0)).toBe(single.usageLines);
  });
});
