// cachelens simulate / lint / diff through the built CLI: output formats,
// exit codes, and malformed input (exit 2, file and line named, nothing on stdout).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { haveCli, runCli, SKIP_NO_CLI } from './oracle/cli.js';

if (!haveCli) console.warn(SKIP_NO_CLI);

const cc = { type: 'ephemeral' };
/** system block of 5,000 tokens (1h marker), then the turns with a 5m marker on the last one, 100 tokens each */
function body(turns: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const messages = Array.from({ length: turns }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: [{ type: 'text', text: `turn ${i}`, tokens: 100 } as Record<string, unknown>] }));
  messages[turns - 1]!.content[0]!['cache_control'] = cc;
  return { model: 'claude-sonnet-4-5', system: [{ type: 'text', text: 'You are terse.', tokens: 5000, cache_control: { type: 'ephemeral', ttl: '1h' } }], messages, ...over };
}

let dir = '';
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const jsonl = (...lines: unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

(haveCli ? describe : describe.skip)('cachelens simulate / lint / diff', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-sim-'));
  });

  it('simulate --json: per-request usage, cost and why; totals with the no-cache cost', () => {
    const seq = file('seq.jsonl', jsonl(
      { at: '2026-03-01T10:00:00Z', output_tokens: 200, body: body(1) },
      { at: '2026-03-01T10:02:00Z', output_tokens: 200, body: body(3) },
      { at: '2026-03-01T10:20:00Z', output_tokens: 200, body: body(5) }, // the 5m entry has expired, the 1h one has not
    ));
    const res = runCli(['simulate', seq, '--json']);
    expect(res.status).toBe(0);
    const out = JSON.parse(res.stdout);
    const usage = out.requests.map((r: { usage: { input_tokens: number; cache_read_input_tokens: number; cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number } } }) => [
      r.usage.cache_read_input_tokens, r.usage.cache_creation.ephemeral_1h_input_tokens, r.usage.cache_creation.ephemeral_5m_input_tokens, r.usage.input_tokens,
    ]);
    expect(usage).toEqual([[0, 5000, 100, 0], [5100, 0, 200, 0], [5000, 0, 500, 0]]);
    expect(out.estimate).toBeNull();
    // Sonnet 4.5: input $3, 5m $3.75, 1h $6, read $0.30, output $15 per million
    const cost = (5000 * 6 + 100 * 3.75 + 5100 * 0.3 + 200 * 3.75 + 5000 * 0.3 + 500 * 3.75 + 600 * 15) / 1e6;
    expect(out.totals.costUSD).toBeCloseTo(cost, 12);
    expect(out.totals.noCacheCostUSD).toBeCloseTo(((5100 + 5300 + 5500) * 3 + 600 * 15) / 1e6, 12);
    expect(out.requests[2].explain.hit).toMatchObject({ position: 1, path: 'system[0]' });
  });

  it('simulate prints a table with totals, and flags estimated token counts', () => {
    const seq = file('est.jsonl', jsonl({ at: '2026-03-01T10:00:00Z', body: { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x'.repeat(7000) }], cache_control: cc } }));
    const res = runCli(['simulate', seq]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Requests\n/);
    expect(res.stdout).toMatch(/^total /m);
    expect(res.stdout).toMatch(/ESTIMATE: 1 of 1 requests .* 3\.5 characters per token/);
    expect(runCli(['simulate', seq, '--csv']).stdout).toMatch(/^request,start \(UTC\),model,input,write 5m,write 1h,read,cost,why$/m);
    expect(runCli(['simulate', seq, '--md']).stdout).toMatch(/^\| request \| start \(UTC\) \|/m);
  });

  it('lint: exit 0 when clean, 1 with errors; --json lists findings with location and fix', () => {
    const clean = file('clean.jsonl', jsonl(body(1), body(3), body(5)));
    const ok = runCli(['lint', clean]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/no cache killers found/);
    const a = file('a.json', JSON.stringify(body(3)));
    const b = file('b.json', JSON.stringify(body(5, { thinking: { type: 'enabled', budget_tokens: 2048 } })));
    const bad = runCli(['lint', a, b, '--json']);
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.errors).toBe(1);
    expect(report.findings[0]).toMatchObject({ rule: 'settings-changed', severity: 'error', file: b, line: 1, path: 'messages[0].content[0]' });
    expect(report.findings[0].fix).toMatch(/keep thinking fixed/);
  });

  it('diff: the first diverging block and the cost of the divergence', () => {
    const a = file('da.json', JSON.stringify(body(3)));
    const changed = body(5);
    ((changed['messages'] as { content: Record<string, unknown>[] }[])[1]!.content[0]!)['text'] = 'turn one (edited)';
    const b = file('db.json', JSON.stringify(changed));
    const res = runCli(['diff', a, b, '--json']);
    expect(res.status).toBe(0);
    const d = JSON.parse(res.stdout);
    expect(d.divergence).toMatchObject({ position: 3, pathA: 'messages[1].content[0]', reason: 'content', commonTokens: 5100 });
    // as sent B reads the system block only (5,000) and writes 500; had A matched, B reads 5,300 and writes 200
    expect(d.actual.usage.cache_read_input_tokens).toBe(5000);
    expect(d.ifMatched.usage.cache_read_input_tokens).toBe(5300);
    expect(d.divergenceCostUSD).toBeCloseTo((300 * 3.75 - 300 * 0.3) / 1e6, 12);
    const table = runCli(['diff', a, b]);
    expect(table.stdout).toMatch(/first divergence at position 3 \(messages, messages\[1\]\.content\[0\]\): content/);
  });

  it('the example in docs/examples/requests.jsonl gives the numbers docs/simulate.md explains', () => {
    const res = runCli(['simulate', 'docs/examples/requests.jsonl', '--json']);
    expect(res.status).toBe(0);
    const out = JSON.parse(res.stdout);
    const rows = out.requests.map((r: { usage: { cache_read_input_tokens: number; cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number } } }) => [
      r.usage.cache_read_input_tokens, r.usage.cache_creation.ephemeral_1h_input_tokens, r.usage.cache_creation.ephemeral_5m_input_tokens,
    ]);
    // 1: tool 300 + system 6,000 written 1h, first message 20 written 5m
    // 2: reads 6,320 (lookback from the new last message), writes the two new messages (25) 5m
    // 3: 7.5 minutes later the 5m entries have expired: reads the 1h system prefix, writes all 75 message tokens again
    expect(rows).toEqual([[0, 6300, 20], [6320, 0, 25], [6300, 0, 75]]);
    expect(runCli(['lint', 'docs/examples/requests.jsonl']).status).toBe(0);
  });

  it('malformed input: exit 2, one line naming file and line, nothing on stdout', () => {
    const cases: [string, string, RegExp][] = [
      ['notjson.jsonl', `${JSON.stringify(body(1))}\n{"at": 1,\n`, /notjson\.jsonl:2: not JSON/],
      ['notbody.jsonl', `${JSON.stringify(body(1))}\n${JSON.stringify({ prompt: 'hi' })}\n`, /notbody\.jsonl:2: messages: not a Messages API body/],
      ['nocount.jsonl', JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }) + '\n', /nocount\.jsonl:1: messages\[0\]\.content: no token count/],
    ];
    for (const [name, text, re] of cases) {
      const f = file(name, text);
      for (const cmd of [['simulate', f, '--no-estimate'], ['lint', f, '--no-estimate']]) {
        const res = runCli(cmd);
        expect(res.status, `${cmd.join(' ')}`).toBe(2);
        expect(res.stdout).toBe('');
        expect(res.stderr).toMatch(re);
      }
    }
    const missing = runCli(['simulate', path.join(dir, 'nope.jsonl')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: cannot read \(ENOENT\)/);
  });
});
