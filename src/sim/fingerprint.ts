// Messages API body → the prompt prefix as the cache sees it: one position per
// tool definition, system block and message content block (tools → system →
// messages), each with its own hash and the cumulative hash of the prefix
// ending there. Settings that invalidate a level (facts §1.9) are mixed into
// the cumulative hash where that level starts, so a changed tool_choice
// changes every messages position and nothing before it.
import { DEFAULT_CHARS_PER_TOKEN, estimateTokens } from './estimate.js';
import { combine, EMPTY_PREFIX, hashString } from './hash.js';
import type { Fingerprint, Level, LevelSettings, PrefixBlock, Ttl } from './types.js';

/** A body that is not a Messages API request, or a block without a token count. */
export class BodyError extends Error {
  constructor(
    message: string,
    /** where in the body: 'messages[2].content[0]' */
    readonly path: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

export interface FingerprintOptions {
  /** token counts in prefix order (overrides per-block `tokens`) */
  tokens?: readonly number[];
  /** estimate missing counts (chars-per-token rule); false: a missing count is a BodyError */
  estimate?: boolean;
  charsPerToken?: number;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Server tools rendered into the system prompt, not the tools level ("web search toggle" row). */
const SYSTEM_TOOL = /^(web_search|web_fetch)/;
const NOT_CACHEABLE = new Set(['thinking', 'redacted_thinking']);

/** `cache_control` → its TTL; absent → null. */
export function parseCacheControl(v: unknown, path: string): Ttl | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v) || v['type'] !== 'ephemeral') throw new BodyError('cache_control must be {"type":"ephemeral"} with an optional "ttl"', path);
  const ttl = v['ttl'];
  if (ttl === undefined) return '5m';
  if (ttl === '5m' || ttl === '1h') return ttl;
  throw new BodyError(`cache_control ttl must be "5m" or "1h", got ${JSON.stringify(ttl)}`, path);
}

// cache_control does not change the prompt (a marker moved or dropped still hits); `tokens` is ours
const hashedJson = (block: Obj): string =>
  JSON.stringify(block, function (this: unknown, k, v) {
    if (k === 'cache_control') return undefined;
    if (k === 'tokens' && this === block) return undefined;
    return v;
  });

interface RawBlock {
  level: Level;
  kind: string;
  path: string;
  json: string;
  /** salt for the role / message boundary, so [user a, assistant b] ≠ [user a, b] */
  tag: string;
  block: Obj;
  cacheable: boolean;
  cacheControl: Ttl | null;
}

function contentBlocks(level: Level, tag: string, path: string, content: unknown, out: RawBlock[], count: { images: number; citations: boolean }): void {
  if (typeof content === 'string') {
    const block = { type: 'text', text: content };
    out.push({ level, kind: 'text', path, json: JSON.stringify(block), tag: `${tag}+`, block, cacheable: content !== '', cacheControl: null });
    return;
  }
  if (!Array.isArray(content)) throw new BodyError('content must be a string or an array of blocks', path);
  content.forEach((b, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(b) || typeof b['type'] !== 'string') throw new BodyError('a content block must be an object with a "type"', p);
    const kind = b['type'];
    let cc = parseCacheControl(b['cache_control'], p);
    if (kind === 'image') count.images++;
    if (kind === 'document' && isObj(b['citations']) && b['citations']['enabled'] === true) count.citations = true;
    if (kind === 'tool_result' || kind === 'document') {
      const inner = kind === 'tool_result' ? b['content'] : isObj(b['source']) ? b['source']['content'] : undefined;
      if (Array.isArray(inner)) {
        for (const x of inner) if (isObj(x) && x['type'] === 'image') count.images++;
        // a marker on the last inner block is moved to the parent (release notes 2025-05-01)
        const last = inner[inner.length - 1];
        if (cc === null && isObj(last)) cc = parseCacheControl(last['cache_control'], `${p}.content[${inner.length - 1}]`);
      }
    }
    const cacheable = !NOT_CACHEABLE.has(kind) && !(kind === 'text' && b['text'] === '');
    out.push({ level, kind, path: p, json: hashedJson(b), tag: i === 0 ? `${tag}+` : tag, block: b, cacheable, cacheControl: cc });
  });
}

/** The body's blocks and settings, before token counts and hashes. */
function readBody(body: unknown): { raw: RawBlock[]; autoCache: Ttl | null; settings: LevelSettings; images: number } {
  if (!isObj(body)) throw new BodyError('a request body must be a JSON object', '');
  if (!Array.isArray(body['messages'])) throw new BodyError('not a Messages API body: "messages" must be an array', 'messages');
  const raw: RawBlock[] = [];
  const count = { images: 0, citations: false };
  const systemTools: unknown[] = [];
  const tools = body['tools'];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw new BodyError('"tools" must be an array', 'tools');
    tools.forEach((t, i) => {
      const p = `tools[${i}]`;
      if (!isObj(t)) throw new BodyError('a tool definition must be an object', p);
      if (typeof t['type'] === 'string' && SYSTEM_TOOL.test(t['type'])) {
        systemTools.push(t);
        return;
      }
      raw.push({ level: 'tools', kind: 'tool', path: p, json: hashedJson(t), tag: 'tool', block: t, cacheable: true, cacheControl: parseCacheControl(t['cache_control'], p) });
    });
  }
  const system = body['system'];
  if (system !== undefined && system !== null) contentBlocks('system', 'system', 'system', system, raw, count);
  body['messages'].forEach((m, i) => {
    const p = `messages[${i}]`;
    if (!isObj(m) || (m['role'] !== 'user' && m['role'] !== 'assistant' && m['role'] !== 'system')) {
      throw new BodyError('a message must be an object with role "user" or "assistant"', p);
    }
    contentBlocks('messages', String(m['role']), `${p}.content`, m['content'], raw, count);
  });
  const outputConfig = isObj(body['output_config']) ? body['output_config'] : {};
  const settings: LevelSettings = {
    system: { speed: body['speed'] ?? null, serverTools: systemTools, citations: count.citations },
    messages: { tool_choice: body['tool_choice'] ?? null, thinking: body['thinking'] ?? null, effort: outputConfig['effort'] ?? null, images: count.images },
  };
  return { raw, autoCache: parseCacheControl(body['cache_control'], 'cache_control'), settings, images: count.images };
}

/** Stable text of a settings object (for hashing and for saying what changed). */
export function settingsKey(s: Record<string, unknown>): string {
  return JSON.stringify(s);
}

/** The hashes mixed in where the system and messages levels start (pass them to prefixFromHashes). */
export function settingsSalts(settings: LevelSettings): { system: number; messages: number } {
  return { system: hashString(settingsKey(settings.system)), messages: hashString(settingsKey(settings.messages)) };
}

/**
 * Fingerprint a Messages API body: every prefix position with its hash,
 * cumulative hash, size, token count (given or estimated) and marker.
 * Throws BodyError on a malformed body or a missing count with estimate off.
 */
export function fingerprintRequest(body: unknown, opts: FingerprintOptions = {}): Fingerprint {
  const { raw, autoCache, settings, images } = readBody(body);
  const given = opts.tokens;
  if (given !== undefined && given.length !== raw.length) {
    throw new BodyError(`${given.length} token counts given for ${raw.length} blocks`, 'tokens');
  }
  const cpt = opts.charsPerToken ?? DEFAULT_CHARS_PER_TOKEN;
  const blocks: PrefixBlock[] = new Array(raw.length);
  const { system: systemSalt, messages: messagesSalt } = settingsSalts(settings);
  let cum = EMPTY_PREFIX;
  let seenSystemSalt = false;
  let seenMessagesSalt = false;
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    // settings sit between levels: a change there invalidates everything after it
    if (r.level !== 'tools' && !seenSystemSalt) {
      cum = combine(cum, systemSalt);
      seenSystemSalt = true;
    }
    if (r.level === 'messages' && !seenMessagesSalt) {
      cum = combine(cum, messagesSalt);
      seenMessagesSalt = true;
    }
    const hash = hashString(`${r.tag}\u0000${r.json}`);
    cum = combine(cum, hash);
    let tokens = given?.[i];
    let estimated = false;
    if (tokens === undefined) {
      const t = r.block['tokens'];
      if (typeof t === 'number') tokens = t;
      else if (t !== undefined) throw new BodyError('"tokens" must be a whole number ≥ 0', r.path);
    }
    if (tokens === undefined) {
      if (opts.estimate === false) throw new BodyError('no token count (add "tokens": N to the block, a "tokens" array to the request, or allow estimates)', r.path);
      tokens = estimateTokens(r.block, r.kind, cpt);
      estimated = true;
    }
    if (!Number.isInteger(tokens) || tokens < 0) throw new BodyError(`token count must be a whole number ≥ 0, got ${tokens}`, r.path);
    blocks[i] = {
      position: i + 1,
      level: r.level,
      kind: r.kind,
      path: r.path,
      hash,
      cumulativeHash: cum,
      bytes: r.json.length,
      tokens,
      estimated,
      cacheable: r.cacheable,
      cacheControl: r.cacheControl,
    };
  }
  return { blocks, autoCache, settings, images };
}

/** Per-block hashes supplied by a caller (e.g. a proxy) → positions with cumulative hashes. */
export function prefixFromHashes(
  items: readonly { level: Level; kind?: string; path?: string; hash: number; tokens: number; cacheable?: boolean; cacheControl?: Ttl | null }[],
  salts: { system?: number; messages?: number } = {},
): PrefixBlock[] {
  let cum = EMPTY_PREFIX;
  let sys = false;
  let msg = false;
  return items.map((it, i) => {
    if (it.level !== 'tools' && !sys) {
      cum = combine(cum, salts.system ?? 0);
      sys = true;
    }
    if (it.level === 'messages' && !msg) {
      cum = combine(cum, salts.messages ?? 0);
      msg = true;
    }
    cum = combine(cum, it.hash);
    return {
      position: i + 1,
      level: it.level,
      kind: it.kind ?? 'text',
      path: it.path ?? `#${i + 1}`,
      hash: it.hash,
      cumulativeHash: cum,
      bytes: 0,
      tokens: it.tokens,
      estimated: false,
      cacheable: it.cacheable ?? true,
      cacheControl: it.cacheControl ?? null,
    };
  });
}
