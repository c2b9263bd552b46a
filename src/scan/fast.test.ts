// The fast decoder is a fast path, never a second opinion: wherever it answers
// (anything but FALLBACK) it must answer exactly what the generic decoder
// (line.ts) answers for the same bytes. Checked on real lines, on hand-made
// adversarial lines and on many random corruptions of real lines.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FALLBACK, FastDecoder, R_API_ERROR, R_EVENT, R_NO_MESSAGE_ID, R_NO_TIMESTAMP, R_NONE, R_SYNTHETIC, R_USAGE } from './fast.js';
import { newScratch } from './file.js';
import { decodeLine, type LineOutcome } from './line.js';
import { ctx, line, usage } from './lines.fixture.js';
import { Rng } from '../demo/_random.js';
import { growWasmBuffer } from './_wasm.js';
import { SkimError } from './skim.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const claudeProjects = path.resolve(repoRoot, '..', 'shared', 'data', 'claude-home', 'projects');
const haveShared = fs.existsSync(claudeProjects);


/** What the fast decoder says about a line, as the generic decoder's outcome list (null: FALLBACK). */
function fastSays(d: FastDecoder, buf: Buffer, s: number, t: number, events: boolean): LineOutcome[] | null {
  const r = d.decode(buf, s, t, ctx, events);
  switch (r) {
    case FALLBACK:
      return null;
    case R_NONE:
      return [];
    case R_USAGE:
      return [
        {
          kind: 'usage',
          messageId: d.messageId(),
          requestId: d.requestId(),
          timestamp: d.timestamp,
          sessionId: d.sessionId(ctx),
          agentId: d.agentId(ctx),
          cwd: d.cwd(),
          model: d.model(),
          version: d.version(),
          speed: d.speed(),
          inferenceGeo: d.inferenceGeo(),
          input: d.input,
          cacheWrite5m: d.cacheWrite5m,
          cacheWrite1h: d.cacheWrite1h,
          cacheRead: d.cacheRead,
          output: d.output,
        },
      ];
    case R_API_ERROR:
      return [{ kind: 'api-error', messageId: d.messageId(), timestamp: d.timestamp, sessionId: d.sessionId(ctx), agentId: d.agentId(ctx), error: d.error() }];
    case R_NO_MESSAGE_ID:
      return [{ kind: 'no-message-id' }];
    case R_SYNTHETIC:
      return [{ kind: 'synthetic' }];
    case R_NO_TIMESTAMP:
      return [{ kind: 'no-timestamp' }];
    case R_EVENT:
      return [d.event!];
    default:
      throw new Error(`unknown result ${r}`);
  }
}

/** What the generic decoder says, as file.ts would use it (null: the line is bad or holds several objects). */
function genericSays(buf: Buffer, s: number, t: number, events: boolean): LineOutcome[] | null {
  const out: LineOutcome[] = [];
  let objects: number;
  try {
    objects = decodeLine(buf, s, t, ctx, out);
  } catch (err) {
    if (err instanceof SkimError || err instanceof SyntaxError) return null;
    throw err;
  }
  if (objects !== 1) return null;
  return events ? out : out.filter((o) => o.kind !== 'event');
}

interface Tally {
  lines: number;
  fast: number;
}

/**
 * The decoders under test: the JS walk (a plain buffer), and the WebAssembly
 * walk (walk.wat) for lines placed in its read buffer, with the JS walk for
 * what it leaves. Both must answer as the generic decoder.
 */
type Mode = 'js' | 'wasm';
const MODES: Mode[] = ['js', 'wasm'];

function decoderFor(mode: Mode): { d: FastDecoder; place: (b: Buffer) => Buffer } {
  if (mode === 'js') return { d: new FastDecoder(), place: (b) => b };
  const scratch = newScratch(1 << 16);
  if (!scratch.walk) throw new Error('no WebAssembly walk here');
  return {
    d: scratch.decoder,
    place: (b) => {
      // the lines in the scan's read buffer (grown when a line needs it), at an odd offset
      if (b.length + 3 > scratch.buf.length) scratch.buf = growWasmBuffer(scratch.walk!, b.length + 3);
      b.copy(scratch.buf, 3);
      return scratch.buf.subarray(3, 3 + b.length);
    },
  };
}

/** Checks one line; returns whether the fast decoder answered. */
function check(dec: { d: FastDecoder; place: (b: Buffer) => Buffer }, text: string | Buffer, tally: Tally): void {
  const d = dec.d;
  // pad on both sides so that reads past the line would show
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  const buf = dec.place(Buffer.concat([Buffer.from('{"x":1}\n'), body, Buffer.from('\n{"y":"}"}')]));
  const s = 8;
  const t = 8 + body.length;
  if (t === s) return;
  for (const events of [true, false]) {
    tally.lines++;
    const fast = fastSays(d, buf, s, t, events);
    if (fast === null) continue;
    tally.fast++;
    const generic = genericSays(buf, s, t, events);
    expect(generic, `generic decoder rejects a line the fast path read: ${body.toString().slice(0, 300)}`).not.toBeNull();
    expect(fast, body.toString().slice(0, 300)).toEqual(generic);
  }
}

function realMarkedLines(limit: number): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.name.endsWith('.jsonl')) {
        for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
          if (line.includes('_tokens') || line.includes('compact_boundary') || line.includes('<command-name>') || line.includes('SessionStart')) out.push(line);
        }
      }
    }
  };
  walk(claudeProjects);
  // a spread sample when there are more than `limit`
  if (out.length <= limit) return out;
  const step = out.length / limit;
  return Array.from({ length: limit }, (_, i) => out[Math.floor(i * step)]!);
}

describe.each(MODES)('fast decoder (%s walk)', (mode) => {
  it('reads a plain assistant line without falling back', () => {
    const dec = decoderFor(mode);
    const d = dec.d;
    const buf = dec.place(Buffer.from(line()));
    expect(d.decode(buf, 0, buf.length, ctx, false)).toBe(R_USAGE);
    expect(d.walkedInWasm).toBe(mode === 'wasm' ? 1 : 0);
    expect(d.messageId()).toBe('msg_01JTYeTNdx3Cxj5p84DbzvX8');
    expect(d.requestId()).toBe('req_011CTmASeVdRncP2oV9M3Eo2');
    expect([d.input, d.cacheWrite5m, d.cacheWrite1h, d.cacheRead, d.output]).toEqual([4, 14202, 0, 5161, 1]);
    expect(d.timestamp).toBe(Date.parse('2025-10-03T23:52:01.650Z'));
  });

  it('answers as the generic decoder on adversarial lines', () => {
    const d = decoderFor(mode);
    const tally = { lines: 0, fast: 0 };
    const fakeUsage = '{"type":"assistant","message":{"id":"msg_fake","usage":{"input_tokens":5,"output_tokens":999}},"requestId":"req_fake"}';
    const cases: string[] = [
      line(),
      // usage and ids as text inside content, tool input and tool results
      line({}, { content: [{ type: 'text', text: fakeUsage }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: `echo '${fakeUsage}'`, usage: { output_tokens: 5 } } }] }),
      line({ toolUseResult: { usage: { input_tokens: 1, output_tokens: 77 }, totalTokens: 78 } }),
      line({}, { content: '"usage":{"output_tokens":12345},"id":"msg_x"' }),
      line({}, { content: [{ type: 'text', text: 'quote \\" backslash \\\\ brace } bracket ] "},"usage":{' }] }),
      // structure variations
      line({}, { usage: { ...usage, cache_creation: undefined } }),
      line({}, { usage: { ...usage, cache_creation: null } }),
      line({}, { usage: { input_tokens: 1, output_tokens: 2, cache_creation_input_tokens: 900, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 300 } } }),
      line({}, { usage: { input_tokens: 1.5, output_tokens: -2, cache_read_input_tokens: 1e3 } }),
      line({}, { usage: { input_tokens: 0.5, output_tokens: 1e-7, cache_read_input_tokens: 1e400 } }).replace('"cache_read_input_tokens":null', '"cache_read_input_tokens":1e400'),
      line({}, { usage: { input_tokens: '7', output_tokens: 2 } }),
      line({}, { usage: { input_tokens: null, output_tokens: true } }),
      line({}, { usage: { ...usage, speed: 'fast', inference_geo: 'us' } }),
      line({}, { usage: null }),
      line({}, { usage: [] }),
      line({}, { usage: {} }),
      line({}, { id: '' }),
      line({}, { id: null }),
      line({}, { id: 42 }),
      line({}, { id: 'msg_\u00e9t\u00e9' }),
      line({}, { id: 'msg_"quoted"' }),
      line({}, { model: '<synthetic>' }),
      line({ isApiErrorMessage: true, error: 'rate_limit' }, { model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 } }),
      line({ isApiErrorMessage: true }, { usage: { input_tokens: 0, output_tokens: 0 } }),
      line({ isApiErrorMessage: 'true' }, { model: '<synthetic>' }),
      line({ requestId: null }),
      line({ requestId: '' }),
      line({ requestId: 7 }),
      line({ requestId: 'req_\\u0041' }),
      line({ timestamp: null }),
      line({ timestamp: 5 }),
      line({ timestamp: '2025-10-03' }),
      line({ timestamp: '2025-02-30T23:52:01.650Z' }),
      line({ timestamp: '2025-10-03T24:00:00.000Z' }),
      line({ timestamp: 'not a date' }),
      line({ timestamp: undefined }),
      line({ isSidechain: true }),
      line({ isSidechain: true, agentId: 'a1' }),
      line({ isSidechain: true, agentId: '' }),
      line({ isSidechain: 'yes', agentId: 'a1' }),
      line({ sessionId: '' }),
      line({ sessionId: null }),
      line({ cwd: '/Users/Jos\u00e9/src' }),
      line({ cwd: 'C:\\Users\\dev' }),
      line({ version: 2 }),
      line({ type: 'user' }),
      line({ type: 'assistan' }),
      line({ type: 'assistant\u0000' }),
      line({ message: null }),
      line({ message: 'str' }),
      // progress lines
      JSON.stringify({ type: 'progress', sessionId: 'parent', timestamp: '2026-02-11T23:32:30.000Z', data: { type: 'agent_progress', agentId: 'ae34a71', message: { type: 'assistant', timestamp: '2026-02-11T23:32:29.441Z', requestId: 'req_1', message: { model: 'claude-opus-4-6', id: 'msg_P1', usage, content: [] } } } }),
      JSON.stringify({ type: 'progress', sessionId: 'parent', timestamp: '2026-02-11T23:32:30.000Z', data: { type: 'agent_progress', message: { timestamp: null, message: { model: 'claude-opus-4-6', id: 'msg_P2', usage } } } }),
      JSON.stringify({ type: 'progress', sessionId: 'parent', timestamp: '2026-02-11T23:32:30.000Z', data: { type: 'agent_progress', message: { timestamp: 12, message: { id: 'msg_P3', usage } } } }),
      JSON.stringify({ type: 'progress', data: { type: 'agent_progress', message: { message: { id: 'msg_P4' } } } }),
      JSON.stringify({ type: 'progress', data: { type: 'hook_progress', hookName: 'SessionStart:resume' }, timestamp: '2026-01-01T00:00:00.000Z', sessionId: 's' }),
      JSON.stringify({ type: 'attachment', attachment: { type: 'hook_success', hookName: 'SessionStart:startup' }, timestamp: '2026-01-01T00:00:00.000Z', sessionId: 's' }),
      // event lines
      JSON.stringify({ type: 'system', subtype: 'compact_boundary', compactMetadata: { trigger: 'auto', preTokens: 5 }, timestamp: '2026-01-01T00:00:00.000Z', sessionId: 's' }),
      JSON.stringify({ type: 'system', subtype: 'microcompact_boundary', microcompactMetadata: { trigger: 'auto' }, timestamp: '2026-01-01T00:00:00.000Z' }),
      JSON.stringify({ type: 'user', isCompactSummary: true, message: { content: 'x' }, timestamp: '2026-01-01T00:00:00.000Z', sessionId: 's' }),
      JSON.stringify({ type: 'user', message: { content: '<command-name>/model</command-name>' }, timestamp: '2026-01-01T00:00:00.000Z', sessionId: 's', isSidechain: true }),
      JSON.stringify({ type: 'user', message: { content: [{ type: 'text', text: '<command-name>/model</command-name>' }] }, timestamp: '2026-01-01T00:00:00.000Z' }),
      // whitespace, duplicate keys, concatenation, corruption
      line().replace(/,"/g, ' ,\t"').replace(/":/g, '" :  '),
      line().replace('{"parentUuid"', '{ "parentUuid"'),
      line().replace('"type":"assistant"', '"type":"assistant","type":"user"'),
      line().replace('"requestId":', '"requestId":"req_dup","requestId":'),
      line().replace('"message":{', '"message":{"usage":{"output_tokens":1},'),
      line().replace('"message":{', '"message":{},"message":{'),
      line().replace('"output_tokens":1', '"output_tokens":01'),
      line().replace('"output_tokens":1', '"output_tokens":1x'),
      line().replace('"output_tokens":1', '"output_tokens":'),
      line().replace('"input_tokens":4', '"input_tokens":4.0e0'),
      line() + line(),
      line() + ' ' + line(),
      line() + 'garbage',
      line() + ',',
      line().slice(0, -1),
      line().slice(1),
      '{}',
      '{"usage":{"input_tokens":1}}',
      '{"type":"assistant"}',
      '[1,2]',
      '"_tokens"',
      '{"type":"assistant","message":{"id":"m","usage":{"output_tokens":1}},"timestamp":"2026-01-01T00:00:00.000Z"}',
      '{"type":"assistant","message":{"id":"m","usage":{"output_tokens":1},"content":"<synthetic>"},"timestamp":"2026-01-01T00:00:00.000Z"}',
      '{"type" : "assistant" , "message" : { "id" : "m" , "usage" : { "output_tokens" : 1 } } , "timestamp" : "2026-01-01T00:00:00.000Z" }',
    ];
    for (const c of cases) check(d, c, tally);
    expect(tally.fast).toBeGreaterThan(tally.lines / 2);
  });

  it('answers as the generic decoder with escapes, quotes and brackets at every offset', () => {
    const d = decoderFor(mode);
    const tally = { lines: 0, fast: 0 };
    for (let k = 0; k < 140; k++) {
      for (let run = 1; run <= 4; run++) {
        const text = 'a'.repeat(k) + '\\'.repeat(run) + '"}]{[' + 'b'.repeat(k % 17) + '\\';
        check(d, line({}, { content: [{ type: 'text', text }] }), tally);
        check(d, line({ zz: text, ['k'.repeat(k)]: 1 }), tally);
        check(d, line({ cwd: text }), tally);
        // a backslash outside any string (not JSON), k bytes into the content
        const bad = line({}, { content: [{ type: 'text', text: 'x'.repeat(k) }] }).replace('"x', '\\"x');
        check(d, bad, tally);
      }
    }
    expect(tally.fast).toBeGreaterThan(tally.lines / 2);
  });

  it('reads a line that ends where the read buffer ends', () => {
    if (mode !== 'wasm') return;
    const scratch = newScratch(1 << 16);
    const body = Buffer.from(line({}, { content: [{ type: 'text', text: 'q\\"'.repeat(50) }] }));
    const b = scratch.buf;
    const at = b.length - body.length;
    b.fill(0x7d); // closing brackets everywhere a walk could wrongly look
    body.copy(b, at);
    expect(scratch.decoder.decode(b, at, b.length, ctx, false)).toBe(R_USAGE);
    expect(scratch.decoder.walkedInWasm).toBe(1);
    expect(scratch.decoder.output).toBe(1);
  });

  (haveShared ? it : it.skip)('answers as the generic decoder on every marked real line, and falls back on almost none', () => {
    const d = decoderFor(mode);
    const tally = { lines: 0, fast: 0 };
    for (const l of realMarkedLines(Infinity)) check(d, l, tally);
    expect(tally.lines).toBeGreaterThan(1000);
    expect(tally.fast / tally.lines).toBeGreaterThan(0.99);
    // the WebAssembly walk reads almost all of them itself
    if (mode === 'wasm') expect(d.d.walkedInWasm / tally.lines).toBeGreaterThan(0.99);
  });

  (haveShared ? it : it.skip)('answers as the generic decoder on random corruptions of real lines', () => {
    const d = decoderFor(mode);
    const tally = { lines: 0, fast: 0 };
    const seeded = new Rng(20261122);
    const rand = (): number => seeded.next();
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const inserts = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', 'x', '0', '\u00e9', '"type":"assistant",', '"message":{},', '"usage":{"output_tokens":5},', '"id":"msg_z",', '\\"', '\\u00'];
    const lines = realMarkedLines(400);
    for (const l of lines) {
      for (let k = 0; k < 12; k++) {
        const b = Buffer.from(l);
        const at = Math.floor(rand() * b.length);
        let m: Buffer;
        switch (k % 6) {
          case 0:
            m = b.subarray(0, at);
            break;
          case 1:
            m = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
            break;
          case 2:
            m = Buffer.concat([b.subarray(0, at), Buffer.from(pick(inserts)), b.subarray(at)]);
            break;
          case 3:
            m = Buffer.from(b);
            m[at] = Math.floor(rand() * 128);
            break;
          case 4: {
            // a key of interest given a second time, or a value of the wrong type
            const keys = ['"type":', '"id":', '"requestId":', '"timestamp":', '"output_tokens":', '"usage":', '"message":', '"isSidechain":', '"model":'];
            const key = pick(keys);
            const i = l.indexOf(key);
            const swap = pick(['null', '"7"', '7', 'true', '{}', '[]', '"x"', '-1', '1e2']);
            m = i < 0 ? b : Buffer.from(l.slice(0, i + key.length) + swap + ',' + key + l.slice(i + key.length));
            break;
          }
          default: {
            // the same line twice, or with whitespace where JSON allows it
            m = rand() < 0.5 ? Buffer.concat([b, b]) : Buffer.from(l.replace(/":/g, () => (rand() < 0.2 ? '" : ' : '":')));
            break;
          }
        }
        check(d, m, tally);
      }
    }
    expect(tally.lines).toBeGreaterThan(5000);
  });
});
