// Each lint rule on a small hand-made request sequence, plus diff and the
// input parser's errors (file and line named).
import { describe, expect, it } from 'vitest';
import { loadPricing } from '../pricing/index.js';
import { diffRequests } from './diff.js';
import { jsonErrorOffset, parseRequests, SimInputError } from './input.js';
import { lintRequests } from './lint.js';

const pricing = loadPricing();
const big = 'lorem ipsum dolor sit amet '.repeat(400); // ≈ 3,100 tokens at 3.5 chars per token
const cc = { type: 'ephemeral' };

function body(over: Record<string, unknown> = {}, turns: string[] = ['hi']): Record<string, unknown> {
  const messages = turns.map((t, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: [{ type: 'text', text: t }] }));
  (messages[messages.length - 1]!.content[0] as Record<string, unknown>)['cache_control'] = cc;
  return { model: 'claude-sonnet-4-5', tools: [{ name: 'a', input_schema: { type: 'object' } }, { name: 'b', input_schema: { type: 'object' } }], system: [{ type: 'text', text: big, cache_control: cc }], messages, ...over };
}

const lint = (...bodies: unknown[]) => lintRequests(parseRequests('seq.jsonl', bodies.map((b) => JSON.stringify(b)).join('\n')), { pricing });
const rules = (r: ReturnType<typeof lint>) => r.findings.map((f) => `${f.severity}:${f.rule}@${f.path}`);

describe('lint', () => {
  it('a well-formed growing conversation has no findings', () => {
    const r = lint(body({}, ['hi']), body({}, ['hi', 'hello', 'more']), body({}, ['hi', 'hello', 'more', 'ok', 'go']));
    expect(r.findings).toEqual([]);
    expect(r.errors).toBe(0);
  });

  it('more than 4 breakpoints, 5m before 1h: errors the API would answer with a 400', () => {
    const five = body({}, ['1', '2', '3', '4', '5']);
    for (const m of five['messages'] as { content: Record<string, unknown>[] }[]) m.content[0]!['cache_control'] = cc;
    expect(rules(lint(five))).toEqual(['error:too-many-breakpoints@messages[3].content[0]']);
    const order = body({ system: [{ type: 'text', text: big, cache_control: cc }] });
    ((order['messages'] as { content: Record<string, unknown>[] }[])[0]!.content[0]!)['cache_control'] = { type: 'ephemeral', ttl: '1h' };
    expect(rules(lint(order))).toEqual(['error:ttl-order@messages[0].content[0]']);
  });

  it('a breakpoint below the model minimum is a warning', () => {
    const small = body({ system: [{ type: 'text', text: 'short', cache_control: cc }] });
    const r = lint(small);
    expect(rules(r)).toContain('warning:below-minimum@system[0]');
    expect(r.findings[0]!.message).toMatch(/caches only from 1,024/);
  });

  it('volatile text before the last breakpoint: a warning on one request, an error when it changes', () => {
    const at = (t: string) => body({ system: [{ type: 'text', text: `${big} Current time: ${t}`, cache_control: cc }] });
    expect(rules(lint(at('2026-03-01T10:00:00Z')))).toEqual(['warning:volatile-content@system[0]']);
    const seq = lint(at('2026-03-01T10:00:00Z'), at('2026-03-01T10:01:00Z'));
    expect(rules(seq)).toContain('error:volatile-content@system[0]');
    expect(seq.findings.find((f) => f.severity === 'error')!.message).toMatch(/10:00:00Z.*→.*10:01:00Z/);
  });

  it('a counter that changes is an error', () => {
    const n = (k: number) => body({ system: [{ type: 'text', text: `${big} request number ${k}`, cache_control: cc }] });
    expect(rules(lint(n(1), n(2)))).toEqual(['error:volatile-content@system[0]']);
  });

  it('tool order and JSON key order changes between requests', () => {
    const swapped = body({ tools: [{ name: 'b', input_schema: { type: 'object' } }, { name: 'a', input_schema: { type: 'object' } }] });
    expect(rules(lint(body(), swapped))).toEqual(['error:tool-order@tools[0]']);
    const keys = body({ tools: [{ input_schema: { type: 'object' }, name: 'a' }, { name: 'b', input_schema: { type: 'object' } }] });
    expect(rules(lint(body(), keys))).toEqual(['error:json-key-order@tools[0]']);
  });

  it('thinking, effort, tool_choice changes and images added mid-conversation', () => {
    expect(rules(lint(body(), body({ thinking: { type: 'enabled', budget_tokens: 1024 } })))).toEqual(['error:settings-changed@messages[0].content[0]']);
    expect(rules(lint(body(), body({ output_config: { effort: 'low' } })))).toEqual(['error:settings-changed@messages[0].content[0]']);
    const img = body({}, ['hi', 'ok', 'look']);
    (img['messages'] as { content: unknown[] }[])[2]!.content.unshift({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA' } });
    expect(rules(lint(body({}, ['hi']), img))).toEqual(['error:images-changed@messages[0].content[0]']);
  });

  it('automatic caching whose last block is replaced every request', () => {
    const tail = (q: string) => ({ ...body({ cache_control: cc }), messages: [{ role: 'user', content: [{ type: 'text', text: big }, { type: 'text', text: q }] }] });
    const r = lint(tail('question one'), tail('question two'));
    expect(rules(r)).toContain('error:auto-moving-tail@messages[0].content[1]');
    expect(r.findings.find((f) => f.rule === 'auto-moving-tail')!.fix).toMatch(/messages\[0\]\.content\[0\]/);
  });

  it('a breakpoint more than 19 blocks after the previous write', () => {
    const turns = (n: number) => Array.from({ length: n }, (_, i) => `turn ${i}`);
    const r = lint(body({}, turns(3)), body({}, turns(25)));
    expect(rules(r)).toEqual(['error:lookback-gap@messages[24].content[0]']);
    expect(r.findings[0]!.message).toMatch(/position 6, .*at position 28, 22 blocks later/);
  });

  it('a fan-out of parallel requests sharing a prefix without a warm-up', () => {
    const line = (at: string, q: string) => JSON.stringify({ at, ttft_ms: 3000, body: body({}, [q]) });
    const text = [line('2026-03-01T10:00:00Z', 'a'), line('2026-03-01T10:00:00.100Z', 'b'), line('2026-03-01T10:00:00.200Z', 'c')].join('\n');
    const r = lintRequests(parseRequests('fan.jsonl', text), { pricing });
    expect(rules(r)).toEqual(['error:fan-out@system[0]']);
    expect(r.findings[0]!.count).toBe(2);
  });
});

describe('diff', () => {
  it('names the first diverging block and prices the divergence', () => {
    const at = (t: string) => body({ system: [{ type: 'text', text: `${big} now ${t}`, cache_control: cc }] });
    const [a, b] = [parseRequests('a.json', JSON.stringify(at('10:00')))[0]!, parseRequests('b.json', JSON.stringify(at('10:01')))[0]!];
    const d = diffRequests(a, b, { pricing });
    expect(d.divergence).toMatchObject({ position: 3, pathA: 'system[0]', pathB: 'system[0]', reason: 'content' });
    expect(d.divergence!.excerptA).toContain('10:00');
    expect(d.divergence!.excerptB).toContain('10:01');
    // as sent: tools are not marked, so nothing is read; matched: the system and messages prefix is read
    expect(d.actual.usage!.cache_read_input_tokens).toBe(0);
    const all = d.b.tokens;
    expect(d.ifMatched.usage!.cache_read_input_tokens).toBe(all);
    const w = d.actual.usage!.cache_creation_input_tokens;
    expect(w).toBe(all);
    // Sonnet 4.5: write 3.75, read 0.30 per million
    expect(d.divergenceCostUSD).toBeCloseTo((all * 3.75 - all * 0.3) / 1e6, 12);
  });

  it('says when the model differs', () => {
    const a = parseRequests('a.json', JSON.stringify(body()))[0]!;
    const b = parseRequests('b.json', JSON.stringify(body({ model: 'claude-opus-4-5' })))[0]!;
    expect(diffRequests(a, b, { pricing }).divergence!.reason).toMatch(/^model:/);
  });
});

describe('input errors name the file and line', () => {
  it('not JSON, not a body, no model, no token count', () => {
    const err = (text: string, opts = {}) => {
      try {
        parseRequests('x.jsonl', text, opts);
      } catch (e) {
        expect(e).toBeInstanceOf(SimInputError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    const ok = JSON.stringify(body());
    expect(err(`${ok}\n{oops`)).toMatch(/^x\.jsonl:2: not JSON/);
    expect(err(`${ok}\n\n{"prompt":"x"}`)).toMatch(/^x\.jsonl:3: messages: not a Messages API body/);
    expect(err(JSON.stringify({ messages: [] }))).toMatch(/^x\.jsonl:1: no model/);
    expect(err(JSON.stringify({ at: 'yesterday', body: body() }))).toMatch(/^x\.jsonl:1: "at" must be/);
    expect(err(ok, { estimate: false })).toMatch(/^x\.jsonl:1: tools\[0\]: no token count/);
    expect(err(JSON.stringify({ body: { ...body(), messages: 'x' } }))).toMatch(/^x\.jsonl:1: body\.messages: /);
  });

  it('finds the offset of a JSON syntax error (for the line number)', () => {
    for (const ok of ['{}', '[]', ' {"a": [1, -2.5e3, true, null, "x\\"y\\u00e9"]} ', JSON.stringify(body())]) expect(jsonErrorOffset(ok)).toBe(-1);
    expect(jsonErrorOffset('{"a": 1,}')).toBe(8);
    expect(jsonErrorOffset('{"a" 1}')).toBe(5);
    expect(jsonErrorOffset('[1, 2')).toBe(5);
    expect(jsonErrorOffset('{"a": tru}')).toBe(6);
    expect(jsonErrorOffset('{} {}')).toBe(3);
  });

  it('a .json file may hold an array of requests; errors name the element', () => {
    const reqs = parseRequests('two.json', JSON.stringify([body(), body({}, ['hi', 'ok', 'more'])]));
    expect(reqs.map((r) => r.request.id)).toEqual(['two.json:1[0]', 'two.json:1[1]']);
    expect(() => parseRequests('two.json', JSON.stringify([body(), { prompt: 'x' }]))).toThrow(/^two\.json:1: request \[1\]: messages: not a Messages API body/);
    expect(() => parseRequests('bad.json', '{\n  "messages": [\n}')).toThrow(/^bad\.json:3: not JSON/);
  });
});
