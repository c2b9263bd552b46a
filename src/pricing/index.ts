/**
 * Pricing stage: turns a request's model, date and token counts into USD.
 * Prices are data (`data/prices.json`, optionally overridden by a LiteLLM file);
 * everything here is a pure function of that data. Rules: docs/pricing.md.
 * @module
 */

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CompiledModel } from './_compiled.js';
import { costUSD, noCacheCostUSD, selectUnitPrices } from './_compute.js';
import { type CompiledOverrides, compileOverrides, NO_OVERRIDES } from './_litellm.js';
import { normalizeModelId } from './_model-id.js';
import { type CompiledTable, compileTable, isRecord, lookupKey } from './_table.js';
import type { LiteLLMJson, PriceTable, UnitPrices } from './types.js';

export type {
  FastTier,
  LiteLLMEntry,
  LiteLLMJson,
  LongContextTier,
  ModelEntry,
  PricePeriod,
  PriceTable,
  PriceTier,
  UnitPrices,
} from './types.js';

export interface PriceInput {
  model: string;
  /** ms since epoch */
  timestamp: number;
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
  /** `usage.speed`: 'fast' | 'standard' | null */
  speed: string | null;
  /** `usage.inference_geo` */
  inferenceGeo: string | null;
}

export interface PricedCost {
  costUSD: number;
  /** every input token at the input price, output at the output price (same tier and modifiers) */
  noCacheCostUSD: number;
  modelKey: string;
}

export interface Pricing {
  /** null when the model is unknown (never price unknown models at 0) */
  price(req: PriceInput): PricedCost | null;
  /** canonical key ('claude-sonnet-4-5') or null if unknown */
  resolve(model: string): string | null;
  /** short display name for tables ('Sonnet 4.5'); unknown models return the id itself */
  displayName(model: string): string;
  /** the unit prices (USD per token) in force for this request (shared, read-only), or null when the model is unknown */
  unitPrices(req: PriceInput): UnitPricesPerToken | null;
  /**
   * The same in USD per million tokens, as `price` uses them (shared,
   * read-only): with costOf and noCacheCostOf, `price` without an object per
   * request, for a caller that prices many.
   */
  rates(req: PriceInput): UnitPrices | null;
}

/** `price(req).costUSD` and `.noCacheCostUSD`, given `rates(req)`. */
export { costUSD as costOf, noCacheCostUSD as noCacheCostOf } from './_compute.js';

/** USD per token. */
export type UnitPricesPerToken = Readonly<{ input: number; output: number; cacheWrite5m: number; cacheWrite1h: number; cacheRead: number }>;

/** Where the built-in table lives; `../../data` holds from both `src/pricing` and `dist/pricing`. */
const BUILTIN_TABLE_URL = new URL('../../data/prices.json', import.meta.url);

/**
 * Read the built-in price table and, when given, a LiteLLM-format override file.
 * Throws an Error naming the file when either cannot be read or parsed.
 */
export function loadPricing(opts?: { overrideFile?: string }): Pricing {
  const builtinFile = fileURLToPath(BUILTIN_TABLE_URL);
  const table = readJson(builtinFile) as PriceTable;
  const file = opts?.overrideFile;
  if (file === undefined) return buildPricing(table, undefined, builtinFile);
  const overrides = readJson(file);
  if (!isRecord(overrides)) throw new Error(`pricing file ${file}: expected a JSON object of model entries`);
  return buildPricing(table, overrides, builtinFile);
}

/** Pure constructor over an in-memory table (and optional LiteLLM overrides). Throws on an invalid table. */
export function createPricing(table: PriceTable, overrides?: LiteLLMJson): Pricing {
  return buildPricing(table, overrides, 'price table');
}

// --- internal ---

function buildPricing(table: PriceTable, overrides: LiteLLMJson | undefined, source: string): Pricing {
  const compiled = compileTable(table, source);
  const extra = overrides === undefined ? NO_OVERRIDES : compileOverrides(overrides, compiled);
  // Model ids repeat across thousands of requests: resolve each distinct id once (per instance).
  const resolved = new Map<string, { model: CompiledModel | null; fastId: boolean }>();
  const lookup = (id: string): { model: CompiledModel | null; fastId: boolean } => {
    let r = resolved.get(id);
    if (!r) {
      r = { model: findModel(compiled, extra, id), fastId: normalizeModelId(id)?.fast === true };
      resolved.set(id, r);
    }
    return r;
  };
  const find = (id: string): CompiledModel | null => lookup(id).model;

  // Unit prices depend on the model, the UTC day (every period and tier starts at a UTC midnight),
  // speed, region and which long-context thresholds the request passes: memoised on exactly those,
  // per model and region, under a number (a key string per request was most of pricing's cost).
  type Prices = ReturnType<typeof selectUnitPrices>;
  const memo = new Map<string, Map<string, Map<number, Prices>>>();
  // the last request's model, region and key, and what they gave: consecutive requests mostly share them
  let lastModel: string | null = null;
  let lastGeo: string | null = null;
  let lastKey = NaN;
  let last: { model: CompiledModel; fastId: boolean; byKey: Map<number, Prices>; prices: Prices | null } | null = null;
  /** the per-million prices in force for the request (shared, read-only), null for an unknown model; `last.model` is its model */
  const ratesOf = (req: PriceInput): Prices | null => {
    if (req.model !== lastModel || req.inferenceGeo !== lastGeo || last === null) {
      const { model, fastId } = lookup(req.model);
      if (model === null) return null;
      let byGeo = memo.get(req.model);
      if (!byGeo) memo.set(req.model, (byGeo = new Map()));
      const geo = req.inferenceGeo ?? '';
      let byKey = byGeo.get(geo);
      if (!byKey) byGeo.set(geo, (byKey = new Map()));
      lastModel = req.model;
      lastGeo = req.inferenceGeo;
      lastKey = NaN;
      last = { model, fastId, byKey, prices: null };
    }
    const model = last.model;
    const totalInput = req.input + req.cacheWrite5m + req.cacheWrite1h + req.cacheRead;
    const fast = req.speed === 'fast' || last.fastId;
    let tiers = 0;
    const lc = model.longContext;
    for (let i = 0; i < lc.length; i++) if (totalInput > lc[i]!.aboveTokens) tiers |= 1 << i;
    // day, tiers and speed in one number; -1 days for a missing timestamp
    const day = Number.isFinite(req.timestamp) ? Math.floor(req.timestamp / 86_400_000) : -1;
    const key = (day * 1024 + tiers) * 2 + (fast ? 1 : 0);
    if (key !== lastKey || last.prices === null) {
      let prices = last.byKey.get(key);
      if (!prices) {
        prices = selectUnitPrices(model, { timestamp: req.timestamp, totalInput, fast, inferenceGeo: req.inferenceGeo });
        last.byKey.set(key, prices);
      }
      lastKey = key;
      last.prices = prices;
    }
    return last.prices;
  };

  const perTokenMemo = new WeakMap<Prices, UnitPricesPerToken>();

  return {
    price(req) {
      const prices = ratesOf(req);
      if (prices === null) return null;
      return { costUSD: costUSD(req, prices), noCacheCostUSD: noCacheCostUSD(req, prices), modelKey: last!.model.key };
    },
    rates: ratesOf,
    resolve: (id) => find(id)?.key ?? null,
    displayName: (id) => find(id)?.displayName ?? id,
    unitPrices(req) {
      const p = ratesOf(req);
      if (p === null) return null;
      // one conversion per distinct price set: every rebuild asks, and toPrecision formats a string
      let u = perTokenMemo.get(p);
      if (!u) {
        const perToken = (perMillion: number): number => Number((perMillion / 1_000_000).toPrecision(12));
        u = Object.freeze({
          input: perToken(p.input),
          output: perToken(p.output),
          cacheWrite5m: perToken(p.cacheWrite5m),
          cacheWrite1h: perToken(p.cacheWrite1h),
          cacheRead: perToken(p.cacheRead),
        });
        perTokenMemo.set(p, u);
      }
      return u;
    },
  };
}

function findModel(table: CompiledTable, overrides: CompiledOverrides, id: string): CompiledModel | null {
  const exact = overrides.exact.get(id.trim().toLowerCase());
  if (exact !== undefined) return exact;
  const key = lookupKey(id);
  const builtinKey = table.index.get(key);
  if (builtinKey !== undefined) return overrides.replace.get(builtinKey) ?? table.models.get(builtinKey) ?? null;
  return overrides.added.get(key) ?? null;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new Error(`pricing file ${file}: cannot read (${(cause as Error).message})`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new Error(`pricing file ${file}: invalid JSON (${(cause as Error).message})`, { cause });
  }
}
