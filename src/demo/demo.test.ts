import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { DEMO_NOW, buildDemoFiles, writeDemoTree, type DemoEvent, type DemoFile, type DemoManifest } from './index.js';

type J = Record<string, any>;

interface Line {
  file: string;
  index: number;
  obj: J;
}

/** One API response as read back from the files (first line attributes, max output). */
interface Resp {
  key: string;
  messageId: string;
  requestId: string;
  file: string;
  agentId: string | null;
  model: string;
  version: string;
  time: number;
  read: number;
  write: number;
  w5: number;
  w1: number;
  output: number;
  lines: J[];
}

let files: DemoFile[];
let manifest: DemoManifest;
let lines: Line[];
const byFile = new Map<string, Line[]>();

const isMainFile = (p: string) => /^projects\/[^/]+\/[0-9a-f-]{36}\.jsonl$/.test(p);
const isAgentFile = (p: string) => /^projects\/[^/]+\/[0-9a-f-]{36}\/subagents\/agent-a[0-9a-f]{16}\.jsonl$/.test(p);
const keyOf = (msg: J, requestId: string | undefined) => `${msg.id}|${requestId ?? ''}`;

/** Unique responses of one file, in order of their first line (assistant lines only). */
function responsesOf(file: string): Resp[] {
  const out = new Map<string, Resp>();
  for (const { obj } of byFile.get(file) ?? []) {
    if (obj.type !== 'assistant' || obj.message.model === '<synthetic>') continue;
    const key = keyOf(obj.message, obj.requestId);
    const u = obj.message.usage;
    const prev = out.get(key);
    if (prev) {
      prev.output = Math.max(prev.output, u.output_tokens);
      prev.lines.push(obj);
      continue;
    }
    out.set(key, {
      key,
      messageId: obj.message.id,
      requestId: obj.requestId,
      file,
      agentId: obj.agentId ?? null,
      model: obj.message.model,
      version: obj.version,
      time: Date.parse(obj.timestamp),
      read: u.cache_read_input_tokens,
      write: u.cache_creation_input_tokens,
      w5: u.cache_creation.ephemeral_5m_input_tokens,
      w1: u.cache_creation.ephemeral_1h_input_tokens,
      output: u.output_tokens,
      lines: [obj],
    });
  }
  return [...out.values()];
}

beforeAll(() => {
  ({ files, manifest } = buildDemoFiles());
  lines = [];
  for (const f of files) {
    if (!f.path.endsWith('.jsonl')) continue;
    const ls = f.content.split('\n');
    expect(ls.pop()).toBe('');
    const parsed = ls.map((l, index) => ({ file: f.path, index, obj: JSON.parse(l) as J }));
    byFile.set(f.path, parsed);
    lines.push(...parsed);
  }
});

describe('buildDemoFiles', () => {
  it('is deterministic: two runs give byte-identical files and equal manifests', () => {
    const again = buildDemoFiles();
    expect(again.files.map((f) => f.path)).toEqual(files.map((f) => f.path));
    for (let i = 0; i < files.length; i++) expect(again.files[i]?.content).toBe(files[i]?.content);
    expect(JSON.stringify(again.manifest)).toBe(JSON.stringify(manifest));
  });

  it('has a realistic shape: 4 projects, 40-70 sessions over 8 weeks, a few MB', () => {
    expect(manifest.projects).toEqual([
      '-Users-demo-code-webshop',
      '-Users-demo-code-api-server',
      '-Users-demo-code-ml-pipeline',
      '-Users-demo-notes',
    ]);
    expect(manifest.now).toBe('2026-11-16T18:00:00.000Z');
    expect(DEMO_NOW).toBe(Date.parse(manifest.now));
    expect(manifest.sessions.length).toBeGreaterThanOrEqual(40);
    expect(manifest.sessions.length).toBeLessThanOrEqual(70);
    expect(manifest.sessionIds).toEqual(manifest.sessions.map((s) => s.sessionId));
    expect(manifest.expectedTotals.requests).toBeGreaterThan(1_500);
    const bytes = files.reduce((a, f) => a + Buffer.byteLength(f.content), 0);
    expect(bytes).toBeLessThan(5_500_000);
    const first = Math.min(...manifest.sessions.map((s) => Date.parse(s.startedAt)));
    expect(DEMO_NOW - first).toBeGreaterThan(54 * 86_400_000);
    expect(DEMO_NOW - first).toBeLessThanOrEqual(57 * 86_400_000);
    for (const s of manifest.sessions) {
      expect(files.some((f) => f.path === s.path)).toBe(true);
      expect(s.path).toBe(`projects/${s.project}/${s.sessionId}.jsonl`);
    }
  });

  it('writes only valid JSON lines with the real timestamp format, all before DEMO_NOW', () => {
    const tsRe = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    for (const f of files) {
      if (f.path.endsWith('.meta.json')) {
        const meta = JSON.parse(f.content) as J;
        expect(typeof meta.agentType).toBe('string');
        expect(typeof meta.description).toBe('string');
        continue;
      }
      expect(f.path.endsWith('.jsonl')).toBe(true);
    }
    for (const { obj } of lines) {
      if (obj.type === 'file-history-snapshot') continue;
      expect(obj.timestamp).toMatch(tsRe);
      expect(Date.parse(obj.timestamp)).toBeLessThan(DEMO_NOW);
      expect(typeof obj.uuid).toBe('string');
      expect(typeof obj.sessionId).toBe('string');
      expect(typeof obj.version).toBe('string');
      expect(obj.userType).toBe('external');
    }
  });

  it('keeps uuid/parentUuid chains inside each file and timestamps in order', () => {
    for (const [file, ls] of byFile) {
      const uuids = new Set<string>();
      let last = 0;
      for (const { obj } of ls) {
        if (obj.type === 'file-history-snapshot') continue;
        expect(uuids.has(obj.uuid)).toBe(false);
        if (obj.parentUuid !== null) expect(uuids.has(obj.parentUuid), `${file} ${obj.uuid}`).toBe(true);
        uuids.add(obj.uuid);
        const t = Date.parse(obj.timestamp);
        expect(t).toBeGreaterThanOrEqual(last);
        last = t;
      }
    }
  });

  it('uses the 2.1 sub-agent layout with meta files and parent session ids', () => {
    const mainIds = new Set(files.filter((f) => isMainFile(f.path)).map((f) => path.posix.basename(f.path, '.jsonl')));
    const agentFiles = files.filter((f) => f.path.includes('/subagents/') && f.path.endsWith('.jsonl'));
    expect(agentFiles.length).toBeGreaterThan(20);
    for (const f of agentFiles) {
      expect(isAgentFile(f.path)).toBe(true);
      const agentId = path.posix.basename(f.path, '.jsonl').slice('agent-'.length);
      const sessionId = f.path.split('/')[2]!;
      expect(mainIds.has(sessionId)).toBe(true);
      expect(files.some((m) => m.path === f.path.replace(/\.jsonl$/, '.meta.json'))).toBe(true);
      for (const { obj } of byFile.get(f.path)!) {
        if (obj.type === 'file-history-snapshot') continue;
        expect(obj.isSidechain).toBe(true);
        expect(obj.agentId).toBe(agentId);
        expect(obj.sessionId).toBe(sessionId);
      }
      expect(manifest.sessions.find((s) => s.sessionId === sessionId)?.agentIds).toContain(agentId);
    }
    for (const f of files.filter((x) => isMainFile(x.path))) {
      for (const { obj } of byFile.get(f.path)!) if (obj.uuid) expect(obj.isSidechain).toBe(false);
    }
  });

  it('streams responses as 1-4 lines with identical input/cache fields and a final line carrying the output', () => {
    for (const file of byFile.keys()) {
      for (const r of responsesOf(file)) {
        expect(r.messageId).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
        expect(r.requestId).toMatch(/^req_011C[A-Za-z0-9]{20}$/);
        expect(r.lines.length).toBeGreaterThanOrEqual(1);
        expect(r.lines.length).toBeLessThanOrEqual(4);
        const u0 = r.lines[0]!.message.usage;
        r.lines.forEach((l, i) => {
          const u = l.message.usage;
          const last = i === r.lines.length - 1;
          expect(l.message.content).toHaveLength(1);
          expect(l.requestId).toBe(r.requestId);
          expect(u.input_tokens).toBe(u0.input_tokens);
          expect(u.cache_read_input_tokens).toBe(u0.cache_read_input_tokens);
          expect(u.cache_creation_input_tokens).toBe(u0.cache_creation_input_tokens);
          expect(u.cache_creation.ephemeral_5m_input_tokens + u.cache_creation.ephemeral_1h_input_tokens).toBe(
            u.cache_creation_input_tokens,
          );
          expect(l.message.stop_reason === null).toBe(!last);
          if (!last) expect(u.output_tokens).toBeLessThan(r.output);
          else expect(u.output_tokens).toBe(r.output);
          if (last && l.version.startsWith('2.1.')) {
            expect(u.inference_geo).toBe('');
            expect(u.iterations).toEqual([]);
            expect(u.speed).toBe('standard');
          }
        });
      }
    }
  });

  it('writes 1h on 2.1.x main threads, 5m on 2.0.x main threads and on sub-agents', () => {
    const models = new Set<string>();
    for (const file of byFile.keys()) {
      for (const r of responsesOf(file)) {
        models.add(r.model);
        const fiveMinute = r.agentId !== null || r.version.startsWith('2.0.');
        expect(fiveMinute ? r.w1 : r.w5).toBe(0);
      }
    }
    expect([...models].sort()).toEqual(['claude-haiku-4-5-20251001', 'claude-opus-4-6', 'claude-sonnet-4-6']);
  });
});

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

describe('writeDemoTree', () => {
  it('writes the tree, creates directories, and leaves foreign files alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelens-demo-'));
    try {
      const foreign = path.join(dir, 'projects', 'someone-else', 'keep.jsonl');
      fs.mkdirSync(path.dirname(foreign), { recursive: true });
      fs.writeFileSync(foreign, 'mine\n');
      const m1 = writeDemoTree(dir);
      const m2 = writeDemoTree(dir); // idempotent: overwrites its own files
      expect(JSON.stringify(m2)).toBe(JSON.stringify(m1));
      expect(JSON.stringify(m1)).toBe(JSON.stringify(manifest));
      expect(fs.readFileSync(foreign, 'utf8')).toBe('mine\n');
      for (const f of files) expect(fs.readFileSync(path.join(dir, f.path), 'utf8')).toBe(f.content);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
