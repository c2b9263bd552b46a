// The demo tree's files: deterministic, realistic in shape and format, written without touching anything else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_NOW, buildDemoFiles, writeDemoTree } from '../../src/demo/index.js';
import { lines, byFile, files, manifest, isMainFile, isAgentFile, responsesOf, type J } from './fixture.js';

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
