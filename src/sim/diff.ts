// Where two requests' prefixes diverge, and what that costs: B is simulated
// right after A as sent, and right after A with A's blocks made identical to
// B's wherever both have a block (same markers, same sizes). The difference
// is the price of the divergence.
import type { Pricing } from '../pricing/index.js';
import { simulate } from './engine.js';
import type { ParsedRequest } from './input.js';
import { blockText, canonicalJson, excerpts } from './locate.js';
import type { SimRequest, Usage } from './types.js';

export interface DiffReport {
  a: { file: string; line: number; model: string; blocks: number; tokens: number };
  b: { file: string; line: number; model: string; blocks: number; tokens: number };
  /** null when B's prefix starts with all of A (or they are equal) */
  divergence: {
    position: number;
    level: string;
    pathA: string | null;
    pathB: string | null;
    /** 'model', 'workspace', 'settings: …', 'key order', 'content', 'removed', 'added' */
    reason: string;
    excerptA: string;
    excerptB: string;
    /** tokens of the prefix both share */
    commonTokens: number;
  } | null;
  /** B's usage and cost after A as sent, and after A had it matched */
  actual: { usage: Usage | null; costUSD: number | null };
  ifMatched: { usage: Usage | null; costUSD: number | null };
  /** actual − ifMatched (null when unpriced) */
  divergenceCostUSD: number | null;
}

function firstDifference(a: ParsedRequest, b: ParsedRequest): DiffReport['divergence'] {
  const pa = a.request.blocks;
  const pb = b.request.blocks;
  const n = Math.min(pa.length, pb.length);
  let i = 0;
  while (i < n && pa[i]!.cumulativeHash === pb[i]!.cumulativeHash) i++;
  if (i === pa.length) return null; // B extends A
  const common = i > 0 ? pb.slice(0, i).reduce((s, x) => s + x.tokens, 0) : 0;
  const x = pa[i];
  const y = pb[i];
  const base = { position: i + 1, level: (y ?? x)!.level, pathA: x?.path ?? null, pathB: y?.path ?? null, commonTokens: common };
  if (!y) return { ...base, reason: 'removed: B ends here', excerptA: blockText(a.body, x!.path).slice(0, 80), excerptB: '' };
  const sa = a.fingerprint.settings;
  const sb = b.fingerprint.settings;
  const changed = (s1: Record<string, unknown>, s2: Record<string, unknown>): string[] => Object.keys(s2).filter((k) => canonicalJson(s1[k]) !== canonicalJson(s2[k]));
  let reason = 'content';
  // a settings change shows up at the first block of its level, with equal block hashes
  if (x!.hash === y.hash && x!.path === y.path) {
    const keys = [...changed(sa.system, sb.system), ...changed(sa.messages, sb.messages)];
    reason = keys.length ? `settings: ${keys.join(', ')} changed` : 'content';
  }
  const ta = blockText(a.body, x!.path);
  const tb = blockText(b.body, y.path);
  if (reason === 'content' && ta !== tb && canonicalJson(JSON.parse(ta || 'null')) === canonicalJson(JSON.parse(tb || 'null'))) reason = 'key order';
  if (reason.startsWith('settings')) {
    // the blocks are equal; show the settings that differ instead
    const keys = [...changed(sa.system, sb.system), ...changed(sa.messages, sb.messages)];
    const of = (s: { system: Record<string, unknown>; messages: Record<string, unknown> }): string =>
      JSON.stringify(Object.fromEntries(keys.map((k) => [k, k in s.system ? s.system[k] : s.messages[k]])));
    return { ...base, reason, excerptA: of(sa), excerptB: of(sb) };
  }
  const ex = excerpts(ta, tb);
  return { ...base, reason, excerptA: ex.a, excerptB: ex.b };
}

export function diffRequests(a: ParsedRequest, b: ParsedRequest, opts: { pricing?: Pricing; minimumTokens?: number } = {}): DiffReport {
  const ra = a.request;
  const rb: SimRequest = { ...b.request, start: ra.start + 1000, responseStart: ra.start + 1000 };
  const actual = simulate([{ ...ra, responseStart: ra.start }, rb], opts)[1]!;
  // A as if it had matched B wherever both have a block (B's model and workspace, A's markers)
  const matchedBlocks = ra.blocks.map((blk, i) => {
    const other = rb.blocks[i];
    return other ? { ...blk, hash: other.hash, cumulativeHash: other.cumulativeHash, tokens: other.tokens } : blk;
  });
  const matchedA: SimRequest = { ...ra, model: rb.model, workspace: rb.workspace, blocks: matchedBlocks, responseStart: ra.start };
  const matched = simulate([matchedA, rb], opts)[1]!;
  let divergence = firstDifference(a, b);
  const scope = (r: SimRequest): string => opts.pricing?.resolve(r.model) ?? r.model;
  if (scope(ra) !== scope(rb)) divergence = { position: 1, level: 'tools', pathA: null, pathB: null, reason: `model: ${ra.model} → ${rb.model} (one cache per model)`, excerptA: '', excerptB: '', commonTokens: 0 };
  else if (ra.workspace !== rb.workspace) divergence = { position: 1, level: 'tools', pathA: null, pathB: null, reason: `workspace: ${ra.workspace} → ${rb.workspace}`, excerptA: '', excerptB: '', commonTokens: 0 };
  const sum = (r: SimRequest): number => r.blocks.reduce((s, x) => s + x.tokens, 0);
  return {
    a: { file: a.file, line: a.line, model: ra.model, blocks: ra.blocks.length, tokens: sum(ra) },
    b: { file: b.file, line: b.line, model: rb.model, blocks: rb.blocks.length, tokens: sum(rb) },
    divergence,
    actual: { usage: actual.usage, costUSD: actual.costUSD },
    ifMatched: { usage: matched.usage, costUSD: matched.costUSD },
    divergenceCostUSD: actual.costUSD !== null && matched.costUSD !== null ? actual.costUSD - matched.costUSD : null,
  };
}
