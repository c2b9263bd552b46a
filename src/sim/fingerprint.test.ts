// Bodies → prefix positions, and the §1.9 invalidation table run through the
// simulator on real Messages API bodies.
import { describe, expect, it } from 'vitest';
import { loadPricing } from '../pricing/index.js';
import { simulate } from './engine.js';
import { BodyError, fingerprintRequest, prefixFromHashes, settingsSalts } from './fingerprint.js';
import type { SimRequest } from './types.js';

const pricing = loadPricing();
const T0 = Date.parse('2026-03-01T10:00:00Z');

const tool = (name: string, extra: object = {}) => ({ name, description: `the ${name} tool`, input_schema: { type: 'object', properties: {} }, ...extra });

/** tools (marker on the last) → system (marker) → messages (marker on the last block); every block 2,000 tokens */
function body(over: Record<string, unknown> = {}, extraMessages: unknown[] = []): Record<string, unknown> {
  return {
    model: 'claude-sonnet-4-5',
    tools: [tool('a'), tool('b', { cache_control: { type: 'ephemeral' } })],
    system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: [{ type: 'text', text: 'hi' }] },
      ...extraMessages,
      { role: 'user', content: [{ type: 'text', text: 'go on', cache_control: { type: 'ephemeral' } }] },
    ],
    ...over,
  };
}

function toReq(b: Record<string, unknown>, at: number): SimRequest {
  const fp = fingerprintRequest(b, { tokens: undefined, estimate: true });
  for (const x of fp.blocks) x.tokens = 2000;
  return { id: String(at), start: at, responseStart: at, model: String(b['model']), workspace: 'w', blocks: fp.blocks, autoCache: fp.autoCache, outputTokens: 0, speed: null, inferenceGeo: null };
}

/** read tokens of `second` right after `first` */
const readAfter = (first: Record<string, unknown>, second: Record<string, unknown>): number =>
  simulate([toReq(first, T0), toReq(second, T0 + 60_000)], { pricing })[1]!.usage!.cache_read_input_tokens;

describe('fingerprintRequest', () => {
  it('orders positions tools → system → messages, one per block, with their paths', () => {
    const fp = fingerprintRequest(body());
    expect(fp.blocks.map((b) => [b.position, b.level, b.kind, b.path, b.cacheControl])).toEqual([
      [1, 'tools', 'tool', 'tools[0]', null],
      [2, 'tools', 'tool', 'tools[1]', '5m'],
      [3, 'system', 'text', 'system[0]', '5m'],
      [4, 'messages', 'text', 'messages[0].content', null],
      [5, 'messages', 'text', 'messages[1].content[0]', null],
      [6, 'messages', 'text', 'messages[2].content[0]', '5m'],
    ]);
    expect(fp.blocks.every((b) => b.estimated)).toBe(true);
  });

  it('cumulative hashes: a longer conversation shares every position of the shorter one', () => {
    const short = fingerprintRequest(body()).blocks;
    const long = fingerprintRequest(body({}, [{ role: 'user', content: 'more' }, { role: 'assistant', content: 'ok' }])).blocks;
    expect(long.slice(0, 5).map((b) => b.cumulativeHash)).toEqual(short.slice(0, 5).map((b) => b.cumulativeHash));
    expect(long[5]!.cumulativeHash).not.toBe(short[5]!.cumulativeHash);
  });

  it('ignores cache_control and our "tokens" key; keeps JSON key order; a string equals one text block', () => {
    const a = fingerprintRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1h' }, tokens: 5 }] }] });
    const b = fingerprintRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(a.blocks[0]!.cumulativeHash).toBe(b.blocks[0]!.cumulativeHash);
    expect(a.blocks[0]!.tokens).toBe(5);
    expect(a.blocks[0]!.estimated).toBe(false);
    const k1 = fingerprintRequest({ tools: [{ name: 't', input_schema: { a: 1, b: 2 } }], messages: [] });
    const k2 = fingerprintRequest({ tools: [{ name: 't', input_schema: { b: 2, a: 1 } }], messages: [] });
    expect(k1.blocks[0]!.hash).not.toBe(k2.blocks[0]!.hash);
  });

  it('role boundaries count: [user a, assistant b] differs from [user a+b]', () => {
    const split = fingerprintRequest({ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] });
    const joined = fingerprintRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] });
    expect(split.blocks[1]!.cumulativeHash).not.toBe(joined.blocks[1]!.cumulativeHash);
  });

  it('thinking and empty text blocks cannot be cached; a marker inside a tool_result moves to the parent', () => {
    const fp = fingerprintRequest({
      messages: [
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }, { type: 'text', text: '' }, { type: 'tool_use', id: 't1', name: 'x', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'ok', cache_control: { type: 'ephemeral', ttl: '1h' } }] }] },
      ],
    });
    expect(fp.blocks.map((b) => b.cacheable)).toEqual([false, false, true, true]);
    expect(fp.blocks[3]!.cacheControl).toBe('1h');
  });

  it('token counts: a request-level array, per-block "tokens", or an estimate (3.5 chars per token)', () => {
    const b = { messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(35) }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA' } }] }] };
    expect(fingerprintRequest(b).blocks.map((x) => x.tokens)).toEqual([10, 1600]);
    expect(fingerprintRequest(b, { tokens: [7, 8] }).blocks.map((x) => x.tokens)).toEqual([7, 8]);
    expect(() => fingerprintRequest(b, { estimate: false })).toThrow(/messages\[0\]\.content\[0\]: no token count/);
    expect(() => fingerprintRequest(b, { tokens: [1] })).toThrow(BodyError);
  });

  it('rejects what is not a Messages API body', () => {
    expect(() => fingerprintRequest([1])).toThrow(/JSON object/);
    expect(() => fingerprintRequest({ prompt: 'x' })).toThrow(/"messages" must be an array/);
    expect(() => fingerprintRequest({ messages: [{ role: 'robot', content: 'x' }] })).toThrow(/messages\[0\]/);
    expect(() => fingerprintRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }] }] })).toThrow(/ephemeral/);
  });

  it('prefixFromHashes gives the same cumulative hashes as fingerprintRequest for the same block hashes', () => {
    const fp = fingerprintRequest(body());
    const salts = settingsSalts(fp.settings);
    const again = prefixFromHashes(fp.blocks.map((b) => ({ level: b.level, hash: b.hash, tokens: b.tokens })), salts);
    expect(again.map((b) => b.cumulativeHash)).toEqual(fp.blocks.map((b) => b.cumulativeHash));
  });
});

describe('what invalidates the cache (§1.9): tools ✘ → all; system-level settings → system + messages; message-level settings → messages', () => {
  // tools bp = 4,000 tokens, system bp = 6,000, last message bp = 12,000
  const full = 12_000;
  it('an identical request reads all three levels', () => {
    expect(readAfter(body(), body())).toBe(full);
  });
  it('a tool definition change invalidates everything; so does a change of tool order', () => {
    expect(readAfter(body(), body({ tools: [tool('a', { description: 'changed' }), tool('b', { cache_control: { type: 'ephemeral' } })] }))).toBe(0);
    expect(readAfter(body(), body({ tools: [tool('b'), tool('a', { cache_control: { type: 'ephemeral' } })] }))).toBe(0);
  });
  it('speed, the web search tool and citations invalidate system and messages, not tools', () => {
    expect(readAfter(body(), body({ speed: 'fast' }))).toBe(4000);
    const withSearch = body();
    (withSearch['tools'] as unknown[]).push({ type: 'web_search_20250305', name: 'web_search' });
    expect(readAfter(body(), withSearch)).toBe(4000);
  });
  it('tool_choice, thinking, effort and images invalidate messages only', () => {
    expect(readAfter(body(), body({ tool_choice: { type: 'any' } }))).toBe(6000);
    expect(readAfter(body(), body({ tool_choice: { type: 'auto', disable_parallel_tool_use: true } }))).toBe(6000);
    expect(readAfter(body(), body({ thinking: { type: 'enabled', budget_tokens: 2048 } }))).toBe(6000);
    expect(readAfter(body(), body({ output_config: { effort: 'low' } }))).toBe(6000);
    const image = { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA' } }] };
    // the image is appended after the cached messages, yet the table says adding one anywhere invalidates messages
    expect(readAfter(body(), body({}, [{ role: 'user', content: 'x' }, image]))).toBe(6000);
  });
  it('a system prompt change keeps the tools level', () => {
    expect(readAfter(body(), body({ system: [{ type: 'text', text: 'You are verbose.', cache_control: { type: 'ephemeral' } }] }))).toBe(4000);
  });
});
