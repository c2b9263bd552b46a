// Request body bytes → a fingerprint of the prompt prefix and the settings
// that select a cache, never the content. The simulator's fingerprint gives
// the positions and hashes (so a proxied request can be fed to `simulate` or
// compared with `diff`); here we keep only structure, sizes and hashes.
import type { ProxyBlock, ProxySettings } from '../domain/proxy.js';
import { BodyError, fingerprintRequest, hashHex, settingsSalts, type PrefixBlock } from '../sim/index.js';

/** A Messages API request as the proxy keeps it. Numbers for hashes, so comparisons stay cheap. */
export interface CapturedRequest {
  model: string;
  stream: boolean;
  sessionId: string | null;
  conversation: string;
  settings: ProxySettings;
  blocks: PrefixBlock[];
}

export type Capture = { ok: true; request: CapturedRequest } | { ok: false; note: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Claude Code's session id: the x-claude-code-session-id header (2.1.86+), else metadata.user_id (JSON since 2.1.78, `…_session_<uuid>` before). */
export function sessionIdOf(headers: CaptureHeaders, body: Obj): string | null {
  const h = headers['x-claude-code-session-id'];
  if (typeof h === 'string' && h.trim() !== '') return h.trim();
  const meta = body['metadata'];
  const userId = isObj(meta) ? meta['user_id'] : undefined;
  if (typeof userId !== 'string') return null;
  if (userId.startsWith('{')) {
    try {
      const o: unknown = JSON.parse(userId);
      if (isObj(o) && typeof o['session_id'] === 'string' && o['session_id'] !== '') return o['session_id'];
    } catch (err) {
      // not JSON after all: fall through to the legacy pattern
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  const m = /_session_([0-9a-fA-F-]{8,})$/.exec(userId);
  return m ? m[1]! : null;
}

function betasOf(headers: CaptureHeaders): string[] {
  return (headers['anthropic-beta'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Is this a request the proxy fingerprints? POST /v1/messages (Claude Code adds `?beta=true`). */
export function isMessagesRequest(method: string, pathname: string): boolean {
  return method === 'POST' && /\/v1\/messages$/.test(pathname);
}

/** The only request headers the capture reads (never an auth header). */
export interface CaptureHeaders {
  'x-claude-code-session-id'?: string;
  'anthropic-beta'?: string;
}

/** Fingerprint a Messages API body. A body that is not one comes back as a note; the request is forwarded anyway. */
export function captureRequest(bytes: Buffer, headers: CaptureHeaders): Capture {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) return { ok: false, note: `body is not JSON (${bytes.length} bytes)` };
    throw err;
  }
  if (!isObj(body)) return { ok: false, note: 'body is not a JSON object' };
  const model = body['model'];
  if (typeof model !== 'string' || model === '') return { ok: false, note: 'no "model" in the body' };
  let fp;
  try {
    fp = fingerprintRequest(body);
  } catch (err) {
    if (err instanceof BodyError) return { ok: false, note: `not a Messages API body: ${err.message}` };
    throw err;
  }
  const salts = settingsSalts(fp.settings);
  const toolChoice = body['tool_choice'];
  const outputConfig = isObj(body['output_config']) ? body['output_config'] : {};
  const thinking = isObj(body['thinking']) ? { type: body['thinking']['type'] ?? null, budget_tokens: body['thinking']['budget_tokens'] ?? null } : null;
  const settings: ProxySettings = {
    thinking,
    effort: typeof outputConfig['effort'] === 'string' ? outputConfig['effort'] : null,
    speed: typeof body['speed'] === 'string' ? body['speed'] : null,
    toolChoice: isObj(toolChoice) && typeof toolChoice['type'] === 'string' ? toolChoice['type'] : null,
    disableParallelToolUse: isObj(toolChoice) && toolChoice['disable_parallel_tool_use'] === true,
    betas: betasOf(headers),
    serverTools: (fp.settings.system['serverTools'] as unknown[]).length,
    citations: fp.settings.system['citations'] === true,
    images: fp.images,
    autoCache: fp.autoCache,
    systemSalt: hashHex(salts.system),
    messagesSalt: hashHex(salts.messages),
  };
  const sessionId = sessionIdOf(headers, body);
  // the first message block names the conversation: a sub-agent or a compacted thread starts another one
  const first = fp.blocks.find((b) => b.level === 'messages');
  const conversation = `${sessionId ?? '-'}:${first ? hashHex(first.hash) : 'none'}`;
  return { ok: true, request: { model, stream: body['stream'] === true, sessionId, conversation, settings, blocks: fp.blocks } };
}

/** The stored form of the blocks: structure, sizes and hashes only. */
export function toProxyBlocks(blocks: readonly PrefixBlock[]): ProxyBlock[] {
  return blocks.map((b) => ({
    position: b.position,
    level: b.level,
    kind: b.kind,
    path: b.path,
    hash: hashHex(b.hash),
    cumulativeHash: hashHex(b.cumulativeHash),
    bytes: b.bytes,
    tokens: b.tokens,
    cacheControl: b.cacheControl,
  }));
}
