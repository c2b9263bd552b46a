// What counts as a rebuild, apart so that the live views (status line, watch)
// can use the rule without loading the whole analysis.

/** Claude Code's own rule: a miss counts when more than 5% and at least 2,000 tokens are re-processed. */
export const REBUILD_MIN_TOKENS = 2000;
export const REBUILD_MIN_SHARE = 0.05;
/**
 * Transcript times are when a response's first block was written; the API
 * counts the TTL from the request's start, seconds (rarely a minute) earlier.
 * A gap this close to the TTL already counts as past it.
 */
export const TTL_SLACK_MS = 60_000;
