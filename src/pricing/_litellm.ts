// LiteLLM price-file overrides (`--pricing FILE`): each usable entry replaces
// the built-in model it resolves to, for all dates, or adds a new model.

import type { CompiledLongContextTier, CompiledModel, CompiledTier } from './_compiled.js';
import { normalizeModelId } from './_model-id.js';
import { type CompiledTable, isRecord, lookupKey } from './_table.js';
import type { LiteLLMJson } from './types.js';

export interface CompiledOverrides {
  /** trimmed lower-case entry id → model (an exact id always wins) */
  exact: ReadonlyMap<string, CompiledModel>;
  /** built-in model key → the model replacing it */
  replace: ReadonlyMap<string, CompiledModel>;
  /** normalised id of a Claude-shaped model the table lacks → model */
  added: ReadonlyMap<string, CompiledModel>;
}

export const NO_OVERRIDES: CompiledOverrides = { exact: new Map(), replace: new Map(), added: new Map() };

/** LiteLLM's long-context keys all use this threshold. */
const LITELLM_LONG_CONTEXT_TOKENS = 200_000;

/**
 * Compile a LiteLLM document. Entries without numeric `input_cost_per_token`
 * and `output_cost_per_token` (LiteLLM's `sample_spec`, image or audio models)
 * are skipped. When several entries resolve to one model, a plain Claude id
 * (`claude-sonnet-4-5-20250929`) beats a provider-prefixed one
 * (`us.anthropic.…`, `vertex_ai/…@…`); among equals the first in the file wins.
 * Ids naming a fast variant (`…-fast`) only ever match exactly.
 */
export function compileOverrides(json: LiteLLMJson, table: CompiledTable): CompiledOverrides {
  const exact = new Map<string, CompiledModel>();
  const replace = new Map<string, CompiledModel>();
  const added = new Map<string, CompiledModel>();
  const rankOf = new Map<CompiledModel, number>();
  const offer = (map: Map<string, CompiledModel>, key: string, model: CompiledModel): void => {
    const held = map.get(key);
    if (held === undefined || (rankOf.get(model) ?? 1) < (rankOf.get(held) ?? 1)) map.set(key, model);
  };

  for (const [id, entry] of Object.entries(json)) {
    if (!isRecord(entry)) continue;
    const norm = normalizeModelId(id);
    const builtinKey = table.index.get(lookupKey(id));
    const builtin = builtinKey === undefined ? undefined : table.models.get(builtinKey);
    const key = builtinKey ?? norm?.key ?? id.trim();
    const model = compileEntry(key, builtin?.displayName ?? id.trim(), entry);
    if (model === null) continue;
    rankOf.set(model, isPlainClaudeId(id) ? 0 : 1);

    const lower = id.trim().toLowerCase();
    if (!exact.has(lower)) exact.set(lower, model);
    if (norm?.fast === true) continue;
    if (builtinKey !== undefined) offer(replace, builtinKey, model);
    else if (norm !== null) offer(added, norm.key, model);
  }
  return { exact, replace, added };
}

// --- internal ---

function compileEntry(key: string, displayName: string, e: Record<string, unknown>): CompiledModel | null {
  const input = perMillion(e.input_cost_per_token);
  const output = perMillion(e.output_cost_per_token);
  if (input === undefined || output === undefined) return null;
  const prices = {
    input,
    output,
    cacheWrite5m: perMillion(e.cache_creation_input_token_cost) ?? trim(input * 1.25),
    cacheWrite1h: perMillion(e.cache_creation_input_token_cost_above_1hr) ?? trim(input * 2),
    cacheRead: perMillion(e.cache_read_input_token_cost) ?? trim(input * 0.1),
  };

  const longContext: CompiledLongContextTier[] = [];
  const lcInput = perMillion(e.input_cost_per_token_above_200k_tokens);
  if (lcInput !== undefined) {
    longContext.push({
      ...allDates(lcInput, perMillion(e.output_cost_per_token_above_200k_tokens) ?? output),
      cacheWrite5m: perMillion(e.cache_creation_input_token_cost_above_200k_tokens),
      cacheWrite1h: perMillion(e.cache_creation_input_token_cost_above_1hr_above_200k_tokens),
      cacheRead: perMillion(e.cache_read_input_token_cost_above_200k_tokens),
      aboveTokens: LITELLM_LONG_CONTEXT_TOKENS,
      fast: false,
    });
  }

  const fast: CompiledTier[] = [];
  const geo = new Map<string, number>();
  const provider = isRecord(e.provider_specific_entry) ? e.provider_specific_entry : {};
  for (const [name, value] of Object.entries(provider)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) continue;
    const lower = name.toLowerCase();
    if (lower === 'fast') fast.push(allDates(trim(input * value), trim(output * value)));
    else geo.set(lower, value);
  }

  return { key, displayName, periods: [{ fromMs: -Infinity, prices }], fast, longContext, geo };
}

function allDates(input: number, output: number): CompiledTier {
  return {
    fromMs: -Infinity,
    untilMs: Infinity,
    input,
    output,
    cacheWrite5m: undefined,
    cacheWrite1h: undefined,
    cacheRead: undefined,
  };
}

/** per-token USD → USD per million tokens, without float noise (3e-6 → 3) */
function perMillion(v: unknown): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
  return trim(v * 1_000_000);
}

function trim(v: number): number {
  return Number(v.toPrecision(12));
}

function isPlainClaudeId(id: string): boolean {
  const s = id.trim().toLowerCase();
  return s.startsWith('claude') && !/[/@]/.test(s) && !/-v\d+(?::\d+)?$/.test(s);
}
