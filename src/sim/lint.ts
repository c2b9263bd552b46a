// Cache killers in request bodies, with the exact location and a fix.
// Single-request rules look at one body; sequence rules compare consecutive
// requests of the same model and workspace (the files given, in order); the
// lookback and fan-out rules read the simulator's explanations. Errors are
// things the API rejects or that make a request miss a cache it would
// otherwise hit; warnings may be intended. Rules: docs/simulate.md#lint.
import type { Pricing } from '../pricing/index.js';
import { placeBreakpoints, simulate } from './engine.js';
import type { ParsedRequest } from './input.js';
import { blockAt, blockText, canonicalJson, excerpts } from './locate.js';
import type { SimResult } from './types.js';

export type Severity = 'error' | 'warning';

export interface LintFinding {
  rule: string;
  severity: Severity;
  file: string;
  line: number;
  /** block path in the body ('system[0]'), or null for the whole request */
  path: string | null;
  message: string;
  fix: string;
  /** how many requests had this same finding (the first is the one located) */
  count: number;
}

export interface LintReport {
  files: string[];
  requests: number;
  errors: number;
  warnings: number;
  findings: LintFinding[];
}

const VOLATILE: { what: string; re: RegExp }[] = [
  { what: 'a timestamp', re: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/ },
  { what: 'a date', re: /\b(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},? (19|20)\d{2}\b/ },
  { what: 'a UUID', re: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i },
  { what: 'a random id', re: /\b[0-9a-f]{16,}\b|\b(req|msg|sess|session|run|trace|span|id)_[A-Za-z0-9]{8,}\b/ },
  { what: 'a Unix time', re: /\b1[6-9]\d{8}(\d{3})?\b/ },
];

// ids, signatures and binary data are stable history, not volatile prompt text
const SKIP_KEYS = new Set(['id', 'tool_use_id', 'signature', 'data', 'cache_control', 'tokens']);

function scanText(block: unknown): string {
  return JSON.stringify(block, (k, v) => (SKIP_KEYS.has(k) ? undefined : v)) ?? '';
}

export function findVolatile(text: string): { what: string; match: string } | null {
  for (const v of VOLATILE) {
    const m = v.re.exec(text);
    if (m) return { what: v.what, match: m[0] };
  }
  return null;
}

/** position (1-based) of the last breakpoint, automatic included; 0 when none or rejected */
function lastBreakpoint(p: ParsedRequest): number {
  const placed = placeBreakpoints(p.request.blocks, p.request.autoCache);
  if ('error' in placed) return 0;
  return placed.breakpoints.reduce((m, b) => Math.max(m, b.index + 1), 0);
}

class Collector {
  private readonly byKey = new Map<string, LintFinding>();
  add(p: ParsedRequest, f: Omit<LintFinding, 'file' | 'line' | 'count'>): void {
    const key = `${f.rule}\u0000${f.path}\u0000${f.message}`;
    const seen = this.byKey.get(key);
    if (seen) seen.count++;
    else this.byKey.set(key, { ...f, file: p.file, line: p.line, count: 1 });
  }
  list(): LintFinding[] {
    return [...this.byKey.values()];
  }
}

function singleRules(p: ParsedRequest, res: SimResult, out: Collector): void {
  const placed = placeBreakpoints(p.request.blocks, p.request.autoCache);
  if ('error' in placed) {
    const fixes: Record<typeof placed.code, string> = {
      'too-many-breakpoints': 'keep at most 4 breakpoints (automatic caching takes one): mark the last block of each stable layer and the end of the conversation',
      'ttl-order': 'put 1h breakpoints before every 5m breakpoint (longer TTLs first), or use one TTL',
      'auto-ttl-conflict': 'give the last block the same ttl as the top-level cache_control, or remove one of them',
      'uncacheable-marker': 'move cache_control to the nearest text, tool_use or tool_result block',
    };
    out.add(p, { rule: placed.code, severity: 'error', path: placed.path, message: `the API rejects this request: ${placed.error}`, fix: fixes[placed.code] });
    return;
  }
  for (const bp of res.explain.breakpoints) {
    if (!bp.belowMinimum) continue;
    out.add(p, {
      rule: 'below-minimum', severity: 'warning', path: bp.path,
      message: `the prefix up to this ${bp.auto ? 'automatic ' : ''}breakpoint is ${bp.tokens.toLocaleString('en-US')} tokens; ${p.request.model} caches only from ${res.explain.minimumTokens.toLocaleString('en-US')}: it silently caches nothing`,
      fix: 'move the breakpoint to a later block (or drop it)',
    });
  }
  // volatile text in the stable layers before the last breakpoint
  const last = lastBreakpoint(p);
  for (const b of p.request.blocks) {
    if (b.position > last || b.level === 'messages') continue;
    const hit = findVolatile(scanText(blockAt(p.body, b.path)));
    if (hit) {
      out.add(p, {
        rule: 'volatile-content', severity: 'warning', path: b.path,
        message: `contains ${hit.what} ("${hit.match}") before the last breakpoint: if it changes per request, nothing after it is ever read from cache`,
        fix: 'move per-request values after the last breakpoint (e.g. into the final user message)',
      });
    }
  }
}

function settingsRule(prev: ParsedRequest, p: ParsedRequest, out: Collector): void {
  const a = prev.fingerprint.settings;
  const b = p.fingerprint.settings;
  const firstOf = (level: 'system' | 'messages'): string | null => p.request.blocks.find((x) => (level === 'system' ? x.level !== 'tools' : x.level === 'messages'))?.path ?? null;
  for (const key of Object.keys(b.system)) {
    if (canonicalJson(a.system[key]) === canonicalJson(b.system[key])) continue;
    out.add(p, {
      rule: 'settings-changed', severity: 'error', path: firstOf('system'),
      message: `${key} changed from ${JSON.stringify(a.system[key])} to ${JSON.stringify(b.system[key])}: this invalidates the system and messages cache`,
      fix: `keep ${key} fixed for the whole conversation`,
    });
  }
  for (const key of Object.keys(b.messages)) {
    if (canonicalJson(a.messages[key]) === canonicalJson(b.messages[key])) continue;
    const images = key === 'images';
    out.add(p, {
      rule: images ? 'images-changed' : 'settings-changed', severity: 'error', path: firstOf('messages'),
      message: images
        ? `images went from ${String(a.messages[key])} to ${String(b.messages[key])}: adding or removing images invalidates the messages cache`
        : `${key === 'effort' ? 'output_config.effort' : key} changed from ${JSON.stringify(a.messages[key])} to ${JSON.stringify(b.messages[key])} mid-conversation: this invalidates the messages cache`,
      fix: images ? 'send images from the first request on, or start a new conversation for them' : `keep ${key} fixed for the whole conversation`,
    });
  }
}

function prefixRules(prev: ParsedRequest, p: ParsedRequest, out: Collector): void {
  const pb = prev.request.blocks;
  const cb = p.request.blocks;
  // tool order: same tools, other order
  const names = (r: ParsedRequest): string[] => (Array.isArray(r.body['tools']) ? (r.body['tools'] as { name?: unknown }[]).map((t) => String(t?.name)) : []);
  const na = names(prev);
  const nb = names(p);
  if (na.join('\u0000') !== nb.join('\u0000') && [...na].sort().join('\u0000') === [...nb].sort().join('\u0000')) {
    const i = na.findIndex((n, k) => n !== nb[k]);
    out.add(p, {
      rule: 'tool-order', severity: 'error', path: `tools[${i}]`,
      message: `tool definitions are in another order than in the previous request (${na[i]} → ${nb[i]}): the whole cache is invalidated`,
      fix: 'sort tool definitions by name (or keep one fixed list) before sending',
    });
    return;
  }
  // the first block that changed before the previous request's last breakpoint (the block
  // under that breakpoint may be replaced: sibling requests share a prefix, not a tail)
  const lastPrev = lastBreakpoint(prev);
  for (let i = 0; i < Math.min(pb.length, cb.length, lastPrev - 1); i++) {
    if (pb[i]!.hash === cb[i]!.hash && pb[i]!.path === cb[i]!.path) continue;
    const path = cb[i]!.path;
    const before = blockText(prev.body, pb[i]!.path);
    const after = blockText(p.body, path);
    const ex = excerpts(before, after);
    const at = `${path} (position ${i + 1}, before the previous request's last breakpoint at ${lastPrev})`;
    if (pb[i]!.path === path && canonicalJson(JSON.parse(before || 'null')) === canonicalJson(JSON.parse(after || 'null'))) {
      out.add(p, {
        rule: 'json-key-order', severity: 'error', path,
        message: `${at}: the same JSON with its keys in another order — the cache compares bytes`,
        fix: 'serialize with a fixed key order (e.g. sort keys) every time',
      });
      return;
    }
    const vol = findVolatile(ex.b) ?? findVolatile(ex.a);
    const counter = before.replace(/\d+/g, '#') === after.replace(/\d+/g, '#');
    if (vol || counter) {
      out.add(p, {
        rule: 'volatile-content', severity: 'error', path,
        message: `${at} changed: "${ex.a}" → "${ex.b}" (${counter ? 'a counter' : vol!.what}); everything after it is written again`,
        fix: 'move per-request values after the last breakpoint (e.g. into the final user message)',
      });
    } else {
      out.add(p, {
        rule: 'prefix-changed', severity: 'warning', path,
        message: `${at} changed: "${ex.a}" → "${ex.b}"; everything after it is written again`,
        fix: 'keep earlier blocks byte-identical; append new content instead of editing history',
      });
    }
    return;
  }
  // automatic caching on a replaced last block: writes every time, never read
  if (prev.request.autoCache !== null) {
    const placed = placeBreakpoints(pb, prev.request.autoCache);
    const auto = 'error' in placed ? undefined : placed.breakpoints.find((b) => b.auto);
    if (auto && auto.index > 0 && auto.index < cb.length && cb[auto.index - 1]!.cumulativeHash === pb[auto.index - 1]!.cumulativeHash && cb[auto.index]!.cumulativeHash !== pb[auto.index]!.cumulativeHash) {
      out.add(prev, {
        rule: 'auto-moving-tail', severity: 'error', path: pb[auto.index]!.path,
        message: 'automatic caching puts its breakpoint on the last block, and the next request replaces that block: it writes every time and is never read',
        fix: `put an explicit breakpoint on the last stable block (${pb[auto.index - 1]!.path}) instead of relying on automatic caching`,
      });
    }
  }
}

function simRules(p: ParsedRequest, res: SimResult, out: Collector): void {
  const e = res.explain;
  if (e.outOfReach) {
    const next = e.breakpoints.find((b) => b.position > e.outOfReach!.position);
    out.add(p, {
      rule: 'lookback-gap', severity: 'error', path: next?.path ?? null,
      message: `an earlier request cached the prefix up to ${e.outOfReach.path} (position ${e.outOfReach.position}, ${e.outOfReach.tokens.toLocaleString('en-US')} tokens), but the nearest breakpoint after it is ${next ? `at position ${next.position}, ${next.position - e.outOfReach.position} blocks later` : 'missing'}; the lookback checks only 20 positions`,
      fix: `add a breakpoint no more than 19 blocks after ${e.outOfReach.path} (or on it)`,
    });
  }
  if (p.timed && e.concurrentWrites.length > 0) {
    out.add(p, {
      rule: 'fan-out', severity: 'error', path: e.breakpoints.find((b) => b.position === e.concurrentWrites[0])?.path ?? null,
      message: 'started before the response of an earlier request with the same prefix began, so it writes the same prefix again',
      fix: 'send one request first and start the parallel ones once its response has begun (or pre-warm with max_tokens: 0)',
    });
  }
}

/** Lint a sequence of requests (all files, in order). */
export function lintRequests(reqs: readonly ParsedRequest[], opts: { pricing?: Pricing; minimumTokens?: number } = {}): LintReport {
  const out = new Collector();
  const results = simulate(reqs.map((r) => r.request), { ...opts, explainMisses: true });
  const lastByScope = new Map<string, ParsedRequest>();
  reqs.forEach((p, i) => {
    const res = results[i]!;
    singleRules(p, res, out);
    if (res.error !== null) return;
    const scope = `${opts.pricing?.resolve(p.request.model) ?? p.request.model}\u0000${p.request.workspace}`;
    const prev = lastByScope.get(scope);
    if (prev) {
      settingsRule(prev, p, out);
      prefixRules(prev, p, out);
    }
    simRules(p, res, out);
    lastByScope.set(scope, p);
  });
  const findings = out.list();
  const files = [...new Set(reqs.map((r) => r.file))];
  return {
    files,
    requests: reqs.length,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    findings,
  };
}
