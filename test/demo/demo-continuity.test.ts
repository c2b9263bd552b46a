// The demo tree's cache story: continuity of reads and writes, and every scripted event where the manifest says.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoEvent } from '../../src/demo/index.js';
import { lines, byFile, files, manifest, isMainFile, isAgentFile, keyOf, responsesOf, type J, type Resp } from './fixture.js';

describe('cache continuity and scripted events', () => {
  const startKinds = new Set(['cold-start', 'clear', 'parallel-fanout', 'progress-only', 'cross-file-duplicate']);
  /** keyed by message id + session id: a copied response is an event only in the file that copied it */
  let eventsById: Map<string, DemoEvent>;
  const conversations: Resp[][] = [];

  beforeAll(() => {
    eventsById = new Map(manifest.events.map((e) => [`${e.messageId}|${e.sessionId}`, e]));
    for (const file of byFile.keys()) conversations.push(responsesOf(file));
  });

  it('lists every kind of scripted event', () => {
    const kinds = new Set(manifest.events.map((e) => e.kind));
    for (const k of [
      'ttl-expired-5m',
      'ttl-expired-1h',
      'model-switch',
      'compaction',
      'claude-code-upgrade',
      'clear',
      'effort',
      'parallel-fanout',
      'partial',
      'unexplained',
      'cold-start',
      'api-error',
      'cross-file-duplicate',
      'progress-only',
    ]) {
      expect(kinds.has(k as DemoEvent['kind']), k).toBe(true);
    }
    expect(manifest.events.filter((e) => e.kind === 'api-error').length).toBeGreaterThanOrEqual(2);
    expect(manifest.events.filter((e) => e.kind === 'parallel-fanout')).toHaveLength(3);
    expect(new Set(manifest.events.map((e) => e.messageId)).size).toBe(manifest.events.length);
  });

  it('holds read[n] = read[n-1] + write[n-1] except at scripted points, and every scripted point breaks it', () => {
    let healthy = 0;
    for (const conv of conversations) {
      if (conv.length === 0) continue;
      const first = conv[0]!;
      expect(startKinds.has(eventsById.get(`${first.messageId}|${first.lines[0]!.sessionId}`)?.kind ?? ''), first.file).toBe(true);
      for (let n = 1; n < conv.length; n++) {
        const prev = conv[n - 1]!;
        const cur = conv[n]!;
        const expected = prev.read + prev.write;
        const event = eventsById.get(`${cur.messageId}|${cur.lines[0]!.sessionId}`);
        if (!event) {
          expect(cur.read, `${cur.file} ${cur.messageId}`).toBe(expected);
          // and no idle gap longer than the TTL in force went unscripted
          const ttl = prev.w1 > 0 ? 3_600_000 : 300_000;
          expect(cur.time - prev.time).toBeLessThan(ttl);
          healthy++;
          continue;
        }
        expect(startKinds.has(event.kind)).toBe(false);
        expect(cur.read).toBeLessThan(expected);
        expect(event.requestId).toBe(cur.requestId);
        expect(event.sessionId).toBe(cur.lines[0]!.sessionId);
        expect(event.timestamp).toBe(cur.lines[0]!.timestamp);
        if (event.kind === 'compaction') expect(event.tokensRewritten).toBe(cur.write);
        else expect(event.tokensRewritten).toBe(expected - cur.read);
      }
    }
    expect(healthy).toBeGreaterThan(1_000);
  });

  it('places each rebuild event in a response that exists, after its evidence', () => {
    const rebuilds = manifest.events.filter((e) => !['api-error', 'progress-only', 'cross-file-duplicate'].includes(e.kind));
    for (const e of rebuilds) {
      const conv = conversations.find((c) => c.some((r) => r.messageId === e.messageId));
      expect(conv, e.kind).toBeDefined();
      const n = conv!.findIndex((r) => r.messageId === e.messageId);
      const cur = conv![n]!;
      const prev = conv![n - 1];
      const fileLines = byFile.get(cur.file)!.map((l) => l.obj);
      const at = fileLines.indexOf(cur.lines[0]);
      const prevAt = prev ? fileLines.indexOf(prev.lines[prev.lines.length - 1]) : -1;
      const between = fileLines.slice(prevAt + 1, at);
      const commands = between
        .filter((l) => l.type === 'user' && typeof l.message.content === 'string')
        .map((l) => /<command-name>(\/\w+)<\/command-name>/.exec(l.message.content)?.[1])
        .filter(Boolean);
      const boundary = between.some((l) => l.type === 'system' && l.subtype === 'compact_boundary');
      const gap = prev ? cur.time - prev.time : 0;
      switch (e.kind) {
        case 'ttl-expired-5m':
          expect(prev!.w5).toBeGreaterThan(0);
          expect(gap).toBeGreaterThan(10 * 60_000);
          expect(gap).toBeLessThan(16 * 60_000);
          break;
        case 'ttl-expired-1h':
          expect(prev!.w1).toBeGreaterThan(0);
          expect(gap).toBeGreaterThan(2.5 * 3_600_000);
          expect(gap).toBeLessThan(3.5 * 3_600_000);
          break;
        case 'model-switch':
          expect(commands).toEqual(['/model']);
          expect(between.some((l) => String(l.message?.content).includes('<local-command-stdout>Set model to'))).toBe(true);
          expect(cur.model).not.toBe(prev!.model);
          break;
        case 'effort':
          expect(commands).toEqual(['/effort']);
          expect(cur.model).toBe(prev!.model);
          break;
        case 'clear':
          expect(prev).toBeUndefined();
          expect(commands).toEqual(['/clear']);
          expect(e.tokensRewritten).toBeGreaterThan(0);
          expect(cur.write).toBeGreaterThan(e.tokensRewritten!);
          break;
        case 'compaction': {
          expect(boundary).toBe(true);
          const b = between.findIndex((l) => l.subtype === 'compact_boundary');
          const boundaryLine = between[b]!;
          expect(boundaryLine.parentUuid).toBeNull();
          expect(typeof boundaryLine.logicalParentUuid).toBe('string');
          expect(boundaryLine.compactMetadata.trigger).toBe('auto');
          expect(boundaryLine.compactMetadata.preTokens).toBeGreaterThan(150_000);
          expect(between[b + 1]!.isCompactSummary).toBe(true);
          expect(cur.read).toBeGreaterThan(15_000);
          expect(cur.read).toBeLessThan(25_000);
          break;
        }
        case 'claude-code-upgrade':
          expect(cur.version).not.toBe(prev!.version);
          expect(cur.read).toBe(0);
          break;
        case 'parallel-fanout':
          expect(prev).toBeUndefined();
          expect(cur.read).toBe(0);
          expect(cur.write).toBeGreaterThan(e.tokensRewritten!);
          break;
        case 'partial':
        case 'unexplained':
          // no evidence: no command, no boundary, same model and version, short gap
          expect(commands).toEqual([]);
          expect(boundary).toBe(false);
          expect(cur.model).toBe(prev!.model);
          expect(cur.version).toBe(prev!.version);
          expect(gap).toBeLessThan(5 * 60_000);
          expect(cur.read).toBe(e.kind === 'partial' ? conv![0]!.read : 0);
          break;
        case 'cold-start':
          expect(prev).toBeUndefined();
          break;
        default:
          throw new Error(`unexpected ${e.kind}`);
      }
      if (e.kind !== 'cold-start' && e.kind !== 'clear' && e.kind !== 'parallel-fanout') {
        expect(commands.filter((c) => c !== '/model' && c !== '/effort')).toEqual([]);
      }
    }
  });

  it('starts new main sessions on the ~20K cross-session prefix', () => {
    for (const e of manifest.events.filter((x) => x.kind === 'cold-start' && x.agentId === null)) {
      const r = conversations.flat().find((x) => x.messageId === e.messageId)!;
      expect(r.read).toBeGreaterThan(15_000);
      expect(r.read).toBeLessThan(25_000);
    }
  });

  it('starts the three fan-out sub-agents within 2 seconds with the same prefix', () => {
    const fan = manifest.events.filter((e) => e.kind === 'parallel-fanout');
    const times = fan.map((e) => Date.parse(e.timestamp));
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(2_000);
    expect(new Set(fan.map((e) => e.sessionId)).size).toBe(1);
    expect(new Set(fan.map((e) => e.agentId)).size).toBe(3);
    expect(new Set(fan.map((e) => e.tokensRewritten)).size).toBe(1);
  });

  it('records API errors as <synthetic> lines without requestId', () => {
    const errors = manifest.events.filter((e) => e.kind === 'api-error');
    for (const e of errors) {
      const line = lines.find((l) => l.obj.message?.id === e.messageId)!.obj;
      expect(line.isApiErrorMessage).toBe(true);
      expect(line.message.model).toBe('<synthetic>');
      expect(line.requestId).toBeUndefined();
      expect(e.requestId).toBeNull();
      expect(line.message.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(line.message.usage.output_tokens).toBe(0);
    }
  });

  it('duplicates one response in a resumed session file of the same project', () => {
    const [dup] = manifest.events.filter((e) => e.kind === 'cross-file-duplicate');
    const holders = new Set(
      lines.filter((l) => l.obj.type === 'assistant' && l.obj.message.id === dup!.messageId && l.obj.requestId === dup!.requestId).map((l) => l.file),
    );
    expect(holders.size).toBe(2);
    const dirs = new Set([...holders].map((f) => f.split('/')[1]));
    expect(dirs.size).toBe(1);
    for (const f of holders) expect(isMainFile(f)).toBe(true);
  });

  it('embeds sub-agent responses in agent_progress lines: one duplicate, one progress-only', () => {
    const agentKeys = new Map<string, number>();
    for (const l of lines) {
      if (isAgentFile(l.file) && l.obj.type === 'assistant') {
        const k = keyOf(l.obj.message, l.obj.requestId);
        agentKeys.set(k, Math.max(agentKeys.get(k) ?? 0, l.obj.message.usage.output_tokens));
      }
    }
    const progress = lines.filter((l) => l.obj.type === 'progress' && l.obj.data?.type === 'agent_progress');
    expect(progress.length).toBe(2);
    let dup = 0;
    let only = 0;
    for (const p of progress) {
      const m = p.obj.data.message;
      expect(isMainFile(p.file)).toBe(true);
      expect(m.message.usage).toBeDefined();
      expect(m.requestId).toMatch(/^req_011C/);
      const k = keyOf(m.message, m.requestId);
      const agentFile = files.some((f) => f.path.endsWith(`/agent-${p.obj.data.agentId}.jsonl`));
      if (agentKeys.has(k)) {
        dup++;
        expect(agentFile).toBe(true);
        // the embedded line is a streamed one: its output is a placeholder below the final count
        expect(m.message.usage.output_tokens).toBeLessThan(agentKeys.get(k)!);
      } else {
        only++;
        expect(agentFile).toBe(false);
        const e = manifest.events.find((x) => x.kind === 'progress-only')!;
        expect(e.messageId).toBe(m.message.id);
        expect(e.agentId).toBe(p.obj.data.agentId);
      }
    }
    expect([dup, only]).toEqual([1, 1]);
  });

  it('expectedTotals equals a naive independent count of the files', () => {
    const seen = new Map<string, { input: number; w5: number; w1: number; read: number; output: number }>();
    let apiErrors = 0;
    const sessions = new Set<string>();
    const add = (msg: J, requestId: string | undefined) => {
      if (msg.model === '<synthetic>') return;
      const k = keyOf(msg, requestId);
      const u = msg.usage;
      const prev = seen.get(k);
      if (prev && prev.output >= u.output_tokens) return;
      seen.set(k, {
        input: u.input_tokens,
        w5: u.cache_creation?.ephemeral_5m_input_tokens ?? 0,
        w1: u.cache_creation?.ephemeral_1h_input_tokens ?? 0,
        read: u.cache_read_input_tokens,
        output: u.output_tokens,
      });
    };
    for (const { obj } of lines) {
      if (obj.sessionId) sessions.add(obj.sessionId);
      if (obj.type === 'assistant') {
        if (obj.isApiErrorMessage) apiErrors++;
        add(obj.message, obj.requestId);
      } else if (obj.type === 'progress' && obj.data?.type === 'agent_progress' && obj.data.message?.message?.usage) {
        add(obj.data.message.message, obj.data.message.requestId);
      }
    }
    const sum = (f: (v: { input: number; w5: number; w1: number; read: number; output: number }) => number) =>
      [...seen.values()].reduce((a, v) => a + f(v), 0);
    expect(manifest.expectedTotals).toEqual({
      requests: seen.size,
      apiErrors,
      sessions: sessions.size,
      inputTokens: sum((v) => v.input),
      outputTokens: sum((v) => v.output),
      cacheWrite5mTokens: sum((v) => v.w5),
      cacheWrite1hTokens: sum((v) => v.w1),
      cacheReadTokens: sum((v) => v.read),
    });
    expect(manifest.expectedTotals.apiErrors).toBe(manifest.events.filter((e) => e.kind === 'api-error').length);
  });
});
