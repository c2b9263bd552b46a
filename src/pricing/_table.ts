// Validate the built-in price table and compile it for lookup.

import type { CompiledLongContextTier, CompiledModel, CompiledPeriod, CompiledTier } from './_compiled.js';
import { normalizeModelId } from './_model-id.js';
import type { LongContextTier, ModelEntry, PriceTable, PriceTier, UnitPrices } from './types.js';

export interface CompiledTable {
  models: ReadonlyMap<string, CompiledModel>;
  /** normalised id (or lower-cased id when not Claude-shaped) → model key */
  index: ReadonlyMap<string, string>;
}

/** Comparison key for an id: its normalised form, else the trimmed lower-case id. */
export function lookupKey(id: string): string {
  return normalizeModelId(id)?.key ?? id.trim().toLowerCase();
}

/** Check and compile a price table. Throws an Error naming `source` and the bad field. */
export function compileTable(table: PriceTable, source: string): CompiledTable {
  const fail = (where: string, what: string): never => {
    throw new Error(`${source}: ${where}: ${what}`);
  };
  if (!isRecord(table) || !isRecord(table.models)) fail('models', 'expected an object of model entries');
  if (table.schemaVersion !== 1) fail('schemaVersion', `unsupported version ${JSON.stringify(table.schemaVersion)}`);

  const models = new Map<string, CompiledModel>();
  const index = new Map<string, string>();
  for (const [key, entry] of Object.entries(table.models)) {
    const at = `models.${key}`;
    const model = compileEntry(key, entry, (where, what) => fail(`${at}${where}`, what));
    models.set(key, model);
    for (const id of [key, ...entry.aliases]) {
      const k = lookupKey(id);
      const owner = index.get(k);
      if (owner !== undefined && owner !== key) fail(`${at}.aliases`, `"${id}" also names ${owner}`);
      index.set(k, key);
    }
  }
  return { models, index };
}

type Fail = (where: string, what: string) => never;

function compileEntry(key: string, entry: ModelEntry, fail: Fail): CompiledModel {
  if (!isRecord(entry)) fail('', 'expected an object');
  if (typeof entry.displayName !== 'string' || entry.displayName === '') fail('.displayName', 'expected a name');
  if (!Array.isArray(entry.aliases) || !entry.aliases.every((a) => typeof a === 'string')) {
    fail('.aliases', 'expected a list of ids');
  }
  if (!Array.isArray(entry.prices) || entry.prices.length === 0) fail('.prices', 'expected at least one period');

  const periods: CompiledPeriod[] = entry.prices.map((p, i) => {
    const where = `.prices[${i}]`;
    return {
      fromMs: parseDay(p.from, `${where}.from`, fail),
      prices: {
        input: price(p.input, `${where}.input`, fail),
        output: price(p.output, `${where}.output`, fail),
        cacheWrite5m: price(p.cacheWrite5m, `${where}.cacheWrite5m`, fail),
        cacheWrite1h: price(p.cacheWrite1h, `${where}.cacheWrite1h`, fail),
        cacheRead: price(p.cacheRead, `${where}.cacheRead`, fail),
      },
    };
  });
  periods.forEach((p, i) => {
    const prev = periods[i - 1];
    if (prev !== undefined && p.fromMs <= prev.fromMs) fail(`.prices[${i}].from`, 'periods must be in ascending date order');
  });

  const fast = (entry.fast ?? []).map((t, i) => compileTier(t, `.fast[${i}]`, fail));
  const longContext = (entry.longContext ?? []).map((t, i) => compileLongContext(t, `.longContext[${i}]`, fail));
  const geo = new Map<string, number>();
  for (const [name, factor] of Object.entries(entry.inferenceGeo ?? {})) {
    geo.set(name.toLowerCase(), positive(factor, `.inferenceGeo.${name}`, fail));
  }
  return { key, displayName: entry.displayName, periods, fast, longContext, geo };
}

function compileTier(t: PriceTier, where: string, fail: Fail): CompiledTier {
  if (!isRecord(t)) fail(where, 'expected an object');
  const fromMs = parseDay(t.from, `${where}.from`, fail);
  const untilMs = t.until === undefined ? Infinity : parseDay(t.until, `${where}.until`, fail);
  if (untilMs <= fromMs) fail(`${where}.until`, 'must be after "from"');
  const optional = (v: number | undefined, name: string): number | undefined =>
    v === undefined ? undefined : price(v, `${where}.${name}`, fail);
  return {
    fromMs,
    untilMs,
    input: price(t.input, `${where}.input`, fail),
    output: price(t.output, `${where}.output`, fail),
    cacheWrite5m: optional(t.cacheWrite5m, 'cacheWrite5m'),
    cacheWrite1h: optional(t.cacheWrite1h, 'cacheWrite1h'),
    cacheRead: optional(t.cacheRead, 'cacheRead'),
  };
}

function compileLongContext(t: LongContextTier, where: string, fail: Fail): CompiledLongContextTier {
  const tier = compileTier(t, where, fail);
  const above = t.aboveTokens;
  if (typeof above !== 'number' || !Number.isInteger(above) || above <= 0) {
    fail(`${where}.aboveTokens`, 'expected a positive whole number of tokens');
  }
  if (t.speed !== undefined && t.speed !== 'standard' && t.speed !== 'fast') {
    fail(`${where}.speed`, 'expected "standard" or "fast"');
  }
  return { ...tier, aboveTokens: above, fast: t.speed === 'fast' };
}

// --- internal ---

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDay(value: unknown, where: string, fail: Fail): number {
  const m = typeof value === 'string' ? DAY.exec(value) : null;
  if (m === null) return fail(where, `expected a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== value) return fail(where, `not a calendar date: ${String(value)}`);
  return ms;
}

function price(value: unknown, where: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    return fail(where, `expected a non-negative number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positive(value: unknown, where: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    return fail(where, `expected a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Cache prices a tier leaves out, derived from the standard period's multipliers. */
export function fillTier(tier: CompiledTier, base: UnitPrices): UnitPrices {
  // multiply before dividing and trim float noise: 30 × 0.5 / 5 is exactly 3
  const scale = (p: number): number => (base.input === 0 ? 0 : Number(((tier.input * p) / base.input).toPrecision(12)));
  return {
    input: tier.input,
    output: tier.output,
    cacheWrite5m: tier.cacheWrite5m ?? scale(base.cacheWrite5m),
    cacheWrite1h: tier.cacheWrite1h ?? scale(base.cacheWrite1h),
    cacheRead: tier.cacheRead ?? scale(base.cacheRead),
  };
}
