// Model-id normalisation: every spelling of a Claude model id (API, gateway,
// Bedrock, Vertex, dated or not) maps to one comparison key.

export interface NormalizedModelId {
  /** 'claude-<family>-<version digits>', e.g. 'claude-sonnet-4-5', 'claude-haiku-3-5' */
  key: string;
  /** the id itself names a fast-mode variant (gateway ids such as 'claude-opus-5-fast') */
  fast: boolean;
}

const PREFIX_PROVIDER = /^(?:[a-z0-9_-]+\.)*anthropic\./;
const SUFFIX_VERTEX = /@.*$/;
const SUFFIX_BEDROCK = /-v\d+(?::\d+)?$/;
const SUFFIX_VARIANT = /:[a-z0-9_-]+$/;
const SUFFIX_BRACKET = /\[[^\]]*\]$/;
const DATE = /^\d{8}$/;
const VERSION = /^\d{1,2}$/;
const FAMILY = /^[a-z]+$/;
/** trailing words that name a variant of the same model, not another model */
const IGNORED_WORDS = new Set(['latest', 'thinking']);

/**
 * Reduce a model id to its comparison key, or null when it is not shaped like a
 * Claude id. Case-insensitive; strips provider prefixes (`anthropic/`,
 * `us.anthropic.`), Bedrock `-v1:0`, Vertex `@20250929`, 8-digit dates, `[1m]`;
 * reads `.` as `-`; accepts both word orders (`claude-3-7-sonnet`,
 * `claude-sonnet-3-7`). Version digits are kept whole, so a date can never turn
 * one model into another (`claude-opus-4-1-20250805` → `claude-opus-4-1`).
 */
export function normalizeModelId(id: string): NormalizedModelId | null {
  let s = id.trim().toLowerCase().replace(SUFFIX_BRACKET, '');
  s = s.slice(s.lastIndexOf('/') + 1);
  s = s.replace(PREFIX_PROVIDER, '').replace(SUFFIX_VERTEX, '').replace(SUFFIX_BEDROCK, '');
  s = s.replace(SUFFIX_VARIANT, '').replace(SUFFIX_BEDROCK, '');
  const tokens = s.split(/[-._\s]+/).filter((t) => t.length > 0);
  if (tokens[0] !== 'claude') return null;

  let fast = false;
  for (;;) {
    const last = tokens[tokens.length - 1];
    if (last === undefined) break;
    if (DATE.test(last) || IGNORED_WORDS.has(last)) tokens.pop();
    else if (last === 'fast') {
      fast = true;
      tokens.pop();
    } else break;
  }

  const rest = tokens.slice(1);
  const families = rest.filter((t) => !VERSION.test(t));
  const versions = rest.filter((t) => VERSION.test(t));
  if (versions.length === 0 || families.length > 1) return null;
  const family = families[0];
  if (family === undefined) return { key: ['claude', ...versions].join('-'), fast };
  if (!FAMILY.test(family)) return null;
  // the family word must sit at one end: claude-sonnet-4-5 or claude-3-7-sonnet
  if (rest[0] !== family && rest[rest.length - 1] !== family) return null;
  return { key: ['claude', family, ...versions].join('-'), fast };
}
