/**
 * Simulator stage: the Messages API prompt cache as documented (facts §1),
 * over a sequence of requests; lint rules for cache killers; prefix diffs.
 * Pure functions over plain data; files are read by the CLI. Rules and input
 * format: docs/simulate.md.
 * @module
 */
export type { Breakpoint, Explanation, Fingerprint, Level, LevelSettings, PrefixBlock, SimRequest, SimResult, Ttl, Usage } from './types.js';
export { TTL_MS } from './types.js';
export { combine, EMPTY_PREFIX, hashHex, hashString } from './hash.js';
export { BodyError, fingerprintRequest, parseCacheControl, prefixFromHashes, settingsKey, settingsSalts, type FingerprintOptions } from './fingerprint.js';
export { DEFAULT_CHARS_PER_TOKEN, estimateTokens, IMAGE_TOKENS } from './estimate.js';
export { documentedMinimum, FALLBACK_MINIMUM } from './minimums.js';
export { createCache, LOOKBACK, MAX_BREAKPOINTS, placeBreakpoints, simulate, simulateRequest, type CacheState, type Placement, type PlacementError, type SimOptions } from './engine.js';
export { parseRequests, SimInputError, type InputOptions, type ParsedRequest } from './input.js';
export { summarize, type SimTotals } from './summary.js';
export { findVolatile, lintRequests, type LintFinding, type LintReport, type Severity } from './lint.js';
export { diffRequests, type DiffReport } from './diff.js';
export { blockAt, canonicalJson } from './locate.js';
