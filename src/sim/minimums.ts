// Minimum cacheable prompt length per model (facts §1.5, docs of 2026-08-22).
// A breakpoint whose prefix is shorter caches nothing and raises no error.
// Keys are the price table's canonical model keys (pricing.resolve).

const MINIMUMS: Readonly<Record<string, number>> = {
  'claude-opus-5': 512,
  'claude-fable-5': 512,
  'claude-mythos-5': 512,
  'claude-fable-5-1': 512, // third-party: "the 512-token cache minimum carries over"
  'claude-mythos-5-1': 512,
  'claude-opus-4-7': 2048,
  'claude-opus-4-6': 4096,
  'claude-opus-4-5': 4096,
  'claude-opus-4-8': 1024,
  'claude-sonnet-5': 1024,
  'claude-sonnet-4-6': 1024, // the docs went 1,024 → 2,048 → 1,024; one user measured ≥ 2,048
  'claude-sonnet-4-5': 1024,
  'claude-opus-4-1': 1024,
  'claude-opus-4': 1024,
  'claude-sonnet-4': 1024,
  'claude-3-7-sonnet': 1024,
  'claude-3-opus': 1024,
  'claude-haiku-4-5': 4096,
  'claude-3-5-haiku': 2048,
  'claude-3-haiku': 2048,
};

/** Used when the model's minimum is not documented (Opus 5.5, Sonnet 5.5, Haiku 5.5, Fable 5.2, unknown ids). */
export const FALLBACK_MINIMUM = 1024;

/** The documented minimum for a canonical model key, or null when none is documented. */
export function documentedMinimum(modelKey: string | null): number | null {
  return modelKey === null ? null : (MINIMUMS[modelKey] ?? null);
}
