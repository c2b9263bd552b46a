// Shared output of the generator: file buffers, unique responses and scripted events,
// plus the small helpers every writer needs. Kept apart from the Thread so the scenario
// files can record events without depending on the line writer.

import type { Rng } from './_random.js';
import type { DemoEvent, DemoEventKind } from './types.js';

export type Obj = Record<string, unknown>;
export type Ttl = '5m' | '1h';

export type Block =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Obj };

/** One unique API response, as the generator produced it. */
export interface ResponseRecord {
  messageId: string;
  requestId: string;
  sessionId: string;
  agentId: string | null;
  model: string;
  /** ms of the first line */
  timestamp: number;
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
  /** the line objects, in file order (shared with the file buffer) */
  lines: Obj[];
}

export interface FileBuf {
  path: string;
  lines: Obj[];
}

/** Everything generated so far: files, unique responses, events. */
export class World {
  readonly files = new Map<string, FileBuf>();
  readonly responses: ResponseRecord[] = [];
  readonly events: DemoEvent[] = [];
  readonly metaFiles = new Map<string, string>();
  apiErrors = 0;

  constructor(readonly rng: Rng) {}

  file(path: string): FileBuf {
    let f = this.files.get(path);
    if (!f) {
      f = { path, lines: [] };
      this.files.set(path, f);
    }
    return f;
  }

  event(
    kind: DemoEventKind,
    at: { sessionId: string; agentId: string | null; messageId: string; requestId: string | null; timestamp: number },
    tokensRewritten?: number,
  ): void {
    const e: DemoEvent = {
      kind,
      sessionId: at.sessionId,
      agentId: at.agentId,
      messageId: at.messageId,
      requestId: at.requestId,
      timestamp: iso(at.timestamp),
    };
    if (tokensRewritten !== undefined) e.tokensRewritten = tokensRewritten;
    this.events.push(e);
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** true when version a >= b (dotted numeric) */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Where an event happened: the response it is attached to. */
export function at(rec: ResponseRecord) {
  return {
    sessionId: rec.sessionId,
    agentId: rec.agentId,
    messageId: rec.messageId,
    requestId: rec.requestId,
    timestamp: rec.timestamp,
  };
}
