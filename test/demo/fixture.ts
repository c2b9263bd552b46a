// The built-in demo tree, generated once and read back line by line, for the
// demo's tests (test/demo/*.test.ts).
import { buildDemoFiles, type DemoFile, type DemoManifest } from '../../src/demo/index.js';

export type J = Record<string, any>;

export interface Line {
  file: string;
  index: number;
  obj: J;
}

/** One API response as read back from the files (first line attributes, max output). */
export interface Resp {
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

export const { files, manifest } = buildDemoFiles() as { files: DemoFile[]; manifest: DemoManifest };
export const lines: Line[] = [];
export const byFile = new Map<string, Line[]>();
for (const f of files) {
  if (!f.path.endsWith('.jsonl')) continue;
  const ls = f.content.split('\n');
  // every file ends with a newline (checked by the tests: the last piece is empty)
  if (ls.pop() !== '') throw new Error(`${f.path} does not end with a newline`);
  const parsed = ls.map((l, index) => ({ file: f.path, index, obj: JSON.parse(l) as J }));
  byFile.set(f.path, parsed);
  lines.push(...parsed);
}

export const isMainFile = (p: string) => /^projects\/[^/]+\/[0-9a-f-]{36}\.jsonl$/.test(p);
export const isAgentFile = (p: string) => /^projects\/[^/]+\/[0-9a-f-]{36}\/subagents\/agent-a[0-9a-f]{16}\.jsonl$/.test(p);
export const keyOf = (msg: J, requestId: string | undefined) => `${msg.id}|${requestId ?? ''}`;

/** Unique responses of one file, in order of their first line (assistant lines only). */
export function responsesOf(file: string): Resp[] {
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
