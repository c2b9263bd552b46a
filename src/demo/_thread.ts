// Line writer for one conversation (a main thread or a sub-agent). It holds the cache
// state of the previous request; the arithmetic that derives the next request's numbers
// from it lives in _cache.ts, so this file is only about which lines get written.

import type { Rng } from './_random.js';
import { cacheStep, usageFor } from './_cache.js';
import { iso, versionAtLeast, type Block, type FileBuf, type Obj, type ResponseRecord, type Ttl, type World } from './_world.js';

export interface ThreadSpec {
  path: string | null; // null: lines are produced but not written to any file
  sessionId: string;
  agentId: string | null;
  cwd: string;
  gitBranch: string;
  version: string;
  slug: string;
  model: string;
  ttl: Ttl;
}

/** Cache position of a request, handed to the scenario for events. */
export interface RequestResult {
  rec: ResponseRecord;
  /** what a healthy request would have read (previous read + write); 0 for the first */
  expectedRead: number;
  read: number;
  write: number;
  /** uuid of each line, aligned with the blocks */
  uuids: string[];
}

export interface RequestOptions {
  /** first request of the conversation, or a rebuild: read falls to this level */
  level?: number;
  /** compaction: the conversation was replaced, write only what is pending */
  reset?: boolean;
  /** per-block output tokens (same length as blocks) */
  outputs: number[];
  /** time to the first streamed line, ms [min, max] */
  latency?: [number, number];
}

export class Thread {
  readonly buf: FileBuf;
  sessionId: string;
  agentId: string | null;
  cwd: string;
  gitBranch: string;
  version: string;
  slug: string;
  model: string;
  ttl: Ttl;
  /** uuid of the last line of the conversation chain */
  parent: string | null = null;
  /** clock, ms */
  t: number;

  // cache state of the previous request
  read = 0;
  write = 0;
  output = 0;
  /** new context since the previous request (prompt, tool results, project context) */
  pending = 0;
  started = false;
  startLevel = 0;
  requests = 0;
  lastRequestAt = 0;

  constructor(
    private readonly world: World,
    spec: ThreadSpec,
    t: number,
  ) {
    this.buf = spec.path === null ? { path: '', lines: [] } : world.file(spec.path);
    this.sessionId = spec.sessionId;
    this.agentId = spec.agentId;
    this.cwd = spec.cwd;
    this.gitBranch = spec.gitBranch;
    this.version = spec.version;
    this.slug = spec.slug;
    this.model = spec.model;
    this.ttl = spec.ttl;
    this.t = t;
  }

  get rng(): Rng {
    return this.world.rng;
  }

  get isV21(): boolean {
    return versionAtLeast(this.version, '2.1.0');
  }

  /** Wraps line-specific fields in the envelope, in the key order of the thread's version. */
  envelope(parentUuid: string | null, core: Obj, logicalParentUuid?: string): Obj {
    const o: Obj = { parentUuid };
    if (logicalParentUuid !== undefined) o.logicalParentUuid = logicalParentUuid;
    o.isSidechain = this.agentId !== null;
    if (versionAtLeast(this.version, '2.1.81')) {
      if (this.agentId !== null) o.agentId = this.agentId;
      Object.assign(o, core);
      o.userType = 'external';
      o.entrypoint = 'cli';
      o.cwd = this.cwd;
      o.sessionId = this.sessionId;
      o.version = this.version;
      o.gitBranch = this.gitBranch;
      o.slug = this.slug;
    } else {
      o.userType = 'external';
      o.cwd = this.cwd;
      o.sessionId = this.sessionId;
      o.version = this.version;
      o.gitBranch = this.gitBranch;
      if (this.agentId !== null) o.agentId = this.agentId;
      o.slug = this.slug;
      Object.assign(o, core);
    }
    return o;
  }

  push(line: Obj): void {
    this.buf.lines.push(line);
  }

  advance(minMs: number, maxMs: number): number {
    this.t += this.rng.int(minMs, maxMs);
    return this.t;
  }

  /** A typed prompt (or any plain user string); adds `tokens` to the pending context. */
  userText(text: string, tokens: number, opts: { isMeta?: boolean; snapshot?: boolean; parentUuid?: string | null } = {}): string {
    const uuid = this.rng.uuid();
    const ts = iso(this.t);
    if (opts.snapshot) {
      this.push({
        type: 'file-history-snapshot',
        messageId: uuid,
        snapshot: { messageId: uuid, trackedFileBackups: {}, timestamp: ts },
        isSnapshotUpdate: false,
      });
    }
    const core: Obj = {};
    if (versionAtLeast(this.version, '2.1.81') && !opts.isMeta && this.agentId === null) core.promptId = this.rng.uuid();
    core.type = 'user';
    core.message = { role: 'user', content: text };
    if (opts.isMeta) core.isMeta = true;
    core.uuid = uuid;
    core.timestamp = ts;
    this.push(this.envelope(opts.parentUuid === undefined ? this.parent : opts.parentUuid, core));
    this.parent = uuid;
    this.pending += tokens;
    return uuid;
  }

  /** `/model`, `/effort`, `/clear`: caveat + command + stdout lines (no context added). */
  command(name: string, args: string, stdout: string, parentUuid?: string | null): void {
    this.userText(
      '<local-command-caveat>Caveat: The messages below were generated by the user while running local commands. DO NOT respond to these messages or otherwise consider them in your response unless the user explicitly asks you to.</local-command-caveat>',
      0,
      { isMeta: true, parentUuid: parentUuid === undefined ? this.parent : parentUuid },
    );
    this.t += this.rng.int(5, 40);
    this.userText(
      `<command-name>/${name}</command-name>\n            <command-message>${name}</command-message>\n            <command-args>${args}</command-args>`,
      0,
      { snapshot: true },
    );
    this.t += this.rng.int(20, 900);
    this.userText(`<local-command-stdout>${stdout}</local-command-stdout>`, 0);
  }

  toolResult(toolUseId: string, sourceUuid: string, content: string, tokens: number, toolUseResult: unknown): string {
    const uuid = this.rng.uuid();
    const core: Obj = {
      type: 'user',
      message: { role: 'user', content: [{ tool_use_id: toolUseId, type: 'tool_result', content, is_error: false }] },
      uuid,
      timestamp: iso(this.t),
      toolUseResult,
    };
    if (this.isV21) core.sourceToolAssistantUUID = sourceUuid;
    this.push(this.envelope(this.parent, core));
    this.parent = uuid;
    this.pending += tokens;
    return uuid;
  }

  system(subtype: string, fields: Obj, opts: { parentUuid?: string | null; logicalParentUuid?: string } = {}): string {
    const uuid = this.rng.uuid();
    const core: Obj = { type: 'system', subtype, ...fields, timestamp: iso(this.t), uuid };
    this.push(this.envelope(opts.parentUuid === undefined ? this.parent : opts.parentUuid, core, opts.logicalParentUuid));
    this.parent = uuid;
    return uuid;
  }

  turnDuration(ms: number): void {
    if (!this.isV21) return;
    this.system('turn_duration', { durationMs: ms, isMeta: false });
  }

  /** Auto-compaction: boundary line (parentUuid null) + compact summary user line. */
  compact(preTokens: number, summaryTokens: number, summary: string): void {
    const logical = this.parent ?? undefined;
    const boundary = this.rng.uuid();
    const ts = iso(this.t);
    this.push(
      this.envelope(
        null,
        {
          type: 'system',
          subtype: 'compact_boundary',
          content: 'Conversation compacted',
          isMeta: false,
          timestamp: ts,
          uuid: boundary,
          level: 'info',
          compactMetadata: { trigger: 'auto', preTokens },
        },
        logical,
      ),
    );
    const uuid = this.rng.uuid();
    this.push(
      this.envelope(boundary, {
        type: 'user',
        message: { role: 'user', content: summary },
        isVisibleInTranscriptOnly: true,
        isCompactSummary: true,
        uuid,
        timestamp: ts,
      }),
    );
    this.parent = uuid;
    this.pending = summaryTokens;
    this.output = 0;
  }

  /** A `<synthetic>` API-error line: zero usage, UUID message id, no requestId. */
  apiError(error: string, text: string): { messageId: string; timestamp: number } {
    const uuid = this.rng.uuid();
    const messageId = this.rng.uuid();
    this.push(
      this.envelope(this.parent, {
        type: 'assistant',
        uuid,
        timestamp: iso(this.t),
        message: {
          id: messageId,
          container: null,
          model: '<synthetic>',
          role: 'assistant',
          stop_reason: 'stop_sequence',
          stop_sequence: '',
          type: 'message',
          usage: {
            input_tokens: 0,
            output_tokens: 0,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
            service_tier: null,
            cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
            inference_geo: null,
            iterations: null,
            speed: null,
          },
          content: [{ type: 'text', text }],
          context_management: null,
        },
        error,
        isApiErrorMessage: true,
      }),
    );
    this.parent = uuid;
    this.world.apiErrors++;
    return { messageId, timestamp: this.t };
  }

  /**
   * One API response, streamed as one line per content block. Computes the cache numbers
   * from the previous request (healthy), or from `level` (first request / rebuild).
   */
  request(blocks: Block[], opts: RequestOptions): RequestResult {
    const rng = this.rng;
    const { expectedRead, read, write } = cacheStep(this, opts);
    if (!this.started) {
      this.startLevel = read;
      this.started = true;
    }
    const input = rng.int(1, 9);
    const output = opts.outputs.reduce((a, b) => a + b, 0);
    const placeholder = rng.int(1, 12);
    const w5 = this.ttl === '5m' ? write : 0;
    const w1 = this.ttl === '1h' ? write : 0;
    const messageId = rng.messageId();
    const requestId = rng.requestId();
    const v21 = this.isV21;

    this.advance(...(opts.latency ?? [1_500, 6_500]));
    const first = this.t;
    const lines: Obj[] = [];
    const uuids: string[] = [];
    blocks.forEach((block, i) => {
      if (i > 0) this.advance(300, block.type === 'tool_use' ? 7_000 : 3_000);
      const last = i === blocks.length - 1;
      const usage = usageFor(v21, last, { input, read, write, w5, w1, output, placeholder });
      const content: Obj = block.type === 'tool_use' && v21 ? { ...block, caller: { type: 'direct' } } : { ...block };
      const lastBlock = blocks[blocks.length - 1];
      const stop = last ? (lastBlock?.type === 'tool_use' ? 'tool_use' : 'end_turn') : null;
      const uuid = rng.uuid();
      const line = this.envelope(this.parent, {
        message: {
          model: this.model,
          id: messageId,
          type: 'message',
          role: 'assistant',
          content: [content],
          stop_reason: stop,
          stop_sequence: null,
          usage,
        },
        requestId,
        type: 'assistant',
        uuid,
        timestamp: iso(this.t),
      });
      this.push(line);
      lines.push(line);
      uuids.push(uuid);
      this.parent = uuid;
    });

    const rec: ResponseRecord = {
      messageId,
      requestId,
      sessionId: this.sessionId,
      agentId: this.agentId,
      model: this.model,
      timestamp: first,
      input,
      cacheWrite5m: w5,
      cacheWrite1h: w1,
      cacheRead: read,
      output,
      lines,
    };
    this.world.responses.push(rec);
    this.read = read;
    this.write = write;
    this.output = output;
    this.pending = 0;
    this.requests++;
    this.lastRequestAt = first;
    return { rec, expectedRead, read, write, uuids };
  }
}
