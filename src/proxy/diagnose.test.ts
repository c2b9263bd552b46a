// The pure diagnosis on hand-built fingerprints: the causes the loopback
// tests do not reach (lookback, unexplained, beta headers, a change behind an
// expired TTL, growth that is not a rebuild).
import { describe, expect, it } from 'vitest';
import type { ProxySettings, ProxyUsage } from '../domain/proxy.js';
import { combine, EMPTY_PREFIX, hashString, type Level, type Ttl } from '../sim/index.js';
import { diagnose, type DiagnoseContext, type SeenBlock, type SeenRequest } from './diagnose.js';

const ctx: DiagnoseContext = { minimumTokens: () => 1024, premium: () => 3e-6 };

const settings = (over: Partial<ProxySettings> = {}): ProxySettings => ({
  thinking: null, effort: null, speed: null, toolChoice: null, disableParallelToolUse: false, betas: [], serverTools: 0, citations: false, images: 0,
  autoCache: null, systemSalt: '0', messagesSalt: '0', ...over,
});

/** blocks named by content; every block 1,000 tokens; markers at the given 0-based positions */
function blocks(names: string[], markers: Record<number, Ttl>): SeenBlock[] {
  let cum = EMPTY_PREFIX;
  return names.map((n, i) => {
    const level: Level = n.startsWith('tool') ? 'tools' : n.startsWith('sys') ? 'system' : 'messages';
    const hash = hashString(n);
    cum = combine(cum, hash);
    return { level, kind: level === 'tools' ? 'tool' : 'text', path: `${level}[${i}]`, hash, cumulativeHash: cum, tokens: 1000, cacheControl: markers[i] ?? null };
  });
}

function req(id: number, start: number, names: string[], markers: Record<number, Ttl>, usage: Partial<ProxyUsage>, s: Partial<ProxySettings> = {}): SeenRequest {
  return {
    id, start, model: 'claude-sonnet-4-5', modelKey: 'claude-sonnet-4-5', settings: settings(s), blocks: blocks(names, markers),
    usage: { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 10, ...usage },
  };
}

const msgs = (n: number): string[] => ['sys0', ...Array.from({ length: n }, (_, i) => `m${i}`)];

describe('diagnose', () => {
  it('growth is not a rebuild: the new request read what the previous one cached', () => {
    const a = req(1, 0, msgs(5), { 5: '5m' }, { cacheWrite5m: 6000 });
    const b = req(2, 60_000, msgs(8), { 8: '5m' }, { cacheRead: 6000, cacheWrite5m: 3000 });
    expect(diagnose([a], b, ctx)).toBeNull();
  });

  it('a breakpoint more than 20 blocks past the cached prefix: lookback exceeded', () => {
    const a = req(1, 0, msgs(5), { 5: '5m' }, { cacheWrite5m: 6000 });
    const b = req(2, 60_000, msgs(30), { 30: '5m' }, { cacheWrite5m: 31_000 });
    expect(diagnose([a], b, ctx)).toMatchObject({ cause: 'lookback-exceeded', position: null, expectedReadTokens: 6000, tokensRewritten: 6000 });
  });

  it('nothing changed, within TTL and reach, yet written again: unexplained', () => {
    const a = req(1, 0, msgs(5), { 5: '5m' }, { cacheWrite5m: 6000 });
    const b = req(2, 60_000, msgs(7), { 7: '5m' }, { cacheWrite5m: 8000 });
    const d = diagnose([a], b, ctx)!;
    expect(d.cause).toBe('unexplained');
    expect(d.wastedUSD).toBeCloseTo(6000 * 3e-6, 12);
  });

  it('a changed anthropic-beta set with an intact prefix: settings changed', () => {
    const a = req(1, 0, msgs(5), { 5: '5m' }, { cacheWrite5m: 6000 }, { betas: ['a'] });
    const b = req(2, 60_000, msgs(7), { 7: '5m' }, { cacheWrite5m: 8000 }, { betas: ['a', 'fast-mode-2026-02-01'] });
    expect(diagnose([a], b, ctx)).toMatchObject({ cause: 'settings-changed', detail: 'anthropic-beta changed: a → a,fast-mode-2026-02-01' });
  });

  it('an expired TTL wins over a changed block, which stays in the evidence', () => {
    const a = req(1, 0, msgs(5), { 5: '5m' }, { cacheWrite5m: 6000 });
    const names = msgs(7);
    names[2] = 'm1-edited';
    const b = req(2, 10 * 60_000, names, { 7: '5m' }, { cacheWrite5m: 8000 });
    const d = diagnose([a], b, ctx)!;
    expect(d).toMatchObject({ cause: 'ttl-expired', position: 3, ttl: '5m', gapMs: 600_000 });
    expect(d.evidence).toEqual(['also: message 2 edited at block 3 (messages[2])']);
  });

  it('compares with the best previous request: the longest common prefix, the latest on a tie', () => {
    const a = req(1, 0, msgs(5), { 5: '1h' }, { cacheWrite1h: 6000 });
    const other = ['sys-other', 'x'];
    const b = req(2, 30_000, other, { 1: '1h' }, { cacheWrite1h: 2000 });
    const names = msgs(7);
    names[3] = 'm2-edited';
    const c = req(3, 60_000, names, { 7: '1h' }, { cacheRead: 0, cacheWrite1h: 8000 });
    const d = diagnose([a, b], c, ctx)!;
    expect(d).toMatchObject({ cause: 'message-edited', position: 4, previousRequestId: 1 });
  });
});
