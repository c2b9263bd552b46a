// Test fixtures for the proxy: a fake Anthropic API on loopback that runs the
// simulator's prompt-cache model on every Messages request and answers with
// the usage it computes, as JSON or as an SSE stream (message_start,
// content_block_*, message_delta, message_stop); and request bodies shaped
// like Claude Code's (facts §3.1: tools, a billing-header system block, two
// marked system blocks, the marker on the last message block).
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Pricing } from '../src/pricing/index.js';
import { createCache, fingerprintRequest, simulateRequest, type Ttl } from '../src/sim/index.js';

export interface SeenByUpstream {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

export interface FakeUpstream {
  url: string;
  seen: SeenByUpstream[];
  /** set before a streamed request: the stream pauses after its first text delta until it resolves */
  hold: Promise<void> | null;
  /** what happened at the hold: 'released' by the test, or 'timeout' */
  holdOutcome: string | null;
  close(): Promise<void>;
}

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function startFakeUpstream(opts: { now: () => number; pricing: Pricing }): Promise<FakeUpstream> {
  const cache = createCache();
  let n = 0;
  const fake: FakeUpstream = { url: '', seen: [], hold: null, holdOutcome: null, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fake.seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body });
      const id = `req_fake_${++n}`;
      const json = (status: number, v: unknown): void => {
        const text = JSON.stringify(v);
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': id, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.headers['x-fake-hang']) return; // never answers
      const forced = Number(req.headers['x-fake-status'] ?? 0);
      if (forced) return json(forced, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      if (!(req.method === 'POST' && /^\/v1\/messages(\?|$)/.test(req.url ?? ''))) {
        return json(200, { echo: { method: req.method, url: req.url, rawHeaders: req.rawHeaders, sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length } });
      }
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return json(400, { type: 'error', error: { type: 'invalid_request_error', message: 'body is not valid JSON' } });
      }
      let fp;
      try {
        fp = fingerprintRequest(parsed);
      } catch (err) {
        return json(400, { type: 'error', error: { type: 'invalid_request_error', message: (err as Error).message } });
      }
      const model = String(parsed['model']);
      const start = opts.now();
      const r = simulateRequest(
        cache,
        { id, start, responseStart: start, model, workspace: 'default', blocks: fp.blocks, autoCache: fp.autoCache, outputTokens: 25, speed: null, inferenceGeo: null },
        { pricing: opts.pricing },
        n,
      );
      if (r.error !== null || r.usage === null) return json(400, { type: 'error', error: { type: 'invalid_request_error', message: r.error } });
      const usage = { ...r.usage, service_tier: 'standard' };
      const message = { id: `msg_${n}`, type: 'message', role: 'assistant', model, content: [] as unknown[], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } };
      if (parsed['stream'] !== true) {
        return json(200, { ...message, content: [{ type: 'text', text: 'Hello world' }], stop_reason: 'end_turn', usage });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': id });
      res.write(sse('message_start', { type: 'message_start', message }));
      res.write(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
      res.write(sse('ping', { type: 'ping' }));
      res.write(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }));
      if (req.headers['x-fake-cut']) return void setTimeout(() => res.socket?.destroy(), 20); // the connection drops mid-stream
      const rest = (): void => {
        res.write(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' world' } }));
        res.write(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
        res.write(sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 25 } }));
        res.end(sse('message_stop', { type: 'message_stop' }));
      };
      const hold = fake.hold;
      if (!hold) return rest();
      fake.hold = null;
      const timer = setTimeout(() => {
        fake.holdOutcome = 'timeout';
        rest();
      }, 5000);
      void hold.then(() => {
        if (fake.holdOutcome) return;
        clearTimeout(timer);
        fake.holdOutcome = 'released';
        rest();
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address() as { port: number };
      fake.url = `http://127.0.0.1:${addr.port}`;
      fake.close = () =>
        new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
      resolve(fake);
    });
  });
}

export interface CcOptions {
  session: string;
  model?: string;
  /** conversation turns after the first user message */
  turns: number;
  tools?: number;
  /** a per-request timestamp in the dynamic system block */
  systemTime?: string;
  ttl?: Ttl;
  stream?: boolean;
  effort?: string;
  /** replaces the text of the tool result of this turn (an edit of history) */
  editTurn?: number;
  /** text put in the user's prompt and tool results (the privacy test looks for it) */
  secret?: string;
}

const words = (seed: string, chars: number): string => {
  let s = '';
  for (let i = 0; s.length < chars; i++) s += `${seed} ${i} lorem ipsum dolor sit amet consectetur. `;
  return s.slice(0, chars);
};

/** A Messages API body shaped like Claude Code's. Token counts are left to the estimate (3.5 chars per token). */
export function ccBody(o: CcOptions): Record<string, unknown> {
  const cc = { type: 'ephemeral', ...(o.ttl === '5m' ? {} : { ttl: o.ttl ?? '1h' }) };
  const tools = Array.from({ length: o.tools ?? 12 }, (_, i) => ({
    name: `Tool${i}`,
    description: words(`tool ${i} does things`, 1000),
    input_schema: { type: 'object', properties: { path: { type: 'string', description: 'where' } }, required: ['path'] },
  }));
  const system = [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.250.abc; cc_entrypoint=cli;' },
    { type: 'text', text: `You are Claude Code, Anthropic's official CLI for Claude. ${words('instructions', 24_000)}`, cache_control: cc },
    { type: 'text', text: `Working directory: /home/dev/project\nPlatform: linux\nShell: bash${o.systemTime ? `\nCurrent time: ${o.systemTime}` : ''}`, cache_control: cc },
  ];
  const secret = o.secret ?? '';
  const messages: { role: string; content: Record<string, unknown>[] }[] = [
    {
      role: 'user',
      content: [
        { type: 'text', text: `<system-reminder>CLAUDE.md of ${o.session}: ${words('project rules', 8000)}</system-reminder>` },
        { type: 'text', text: `Please fix the failing test. ${secret}` },
      ],
    },
  ];
  for (let k = 1; k <= o.turns; k++) {
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Step ${k}: reading a file.` }, { type: 'tool_use', id: `toolu_${k}`, name: 'Tool1', input: { path: `/home/dev/project/src/f${k}.ts` } }] });
    const text = o.editTurn === k ? `EDITED ${words(`file ${k}`, 2000)}` : `${words(`file ${k}`, 2000)} ${secret}`;
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${k}`, content: text }] });
  }
  const last = messages[messages.length - 1]!.content;
  last[last.length - 1]!['cache_control'] = cc;
  return {
    model: o.model ?? 'claude-sonnet-4-5',
    max_tokens: 32_000,
    stream: o.stream ?? true,
    metadata: { user_id: JSON.stringify({ device_id: 'dev123', account_uuid: '', session_id: o.session }) },
    ...(o.effort ? { output_config: { effort: o.effort } } : {}),
    tools,
    system,
    messages,
  };
}

/** POST a body to the proxy; resolves with status, headers and the whole response text. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}
