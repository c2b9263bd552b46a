// The cache model behind a thread, as pure functions: given the previous request's
// numbers, what the next request reads and writes, and how its usage block looks in
// each Claude Code version. No clock or rng here, so the arithmetic is easy to audit.

import type { Obj } from './_world.js';

/** The previous request's cache position, as the Thread keeps it. */
export interface CacheState {
  started: boolean;
  read: number;
  write: number;
  output: number;
  /** new context since the previous request */
  pending: number;
}

/**
 * Next request's numbers. Healthy: read what the previous one read and wrote. First
 * request, compaction (`reset`) or a rebuild (`level`): read falls to the given level.
 */
export function cacheStep(
  s: CacheState,
  opts: { level?: number; reset?: boolean },
): { expectedRead: number; read: number; write: number } {
  const expectedRead = s.started ? s.read + s.write : 0;
  let read: number;
  let write: number;
  if (!s.started) {
    read = opts.level ?? 0;
    write = s.pending;
  } else if (opts.reset) {
    read = opts.level ?? 0;
    write = s.pending;
  } else if (opts.level !== undefined) {
    read = opts.level;
    write = expectedRead - read + s.output + s.pending;
  } else {
    read = expectedRead;
    write = s.output + s.pending;
  }
  return { expectedRead, read, write };
}

/**
 * The `usage` object of one streamed line. Key order and fields differ by version and by
 * whether the line is the response's last (only the last carries the real output count).
 */
export function usageFor(
  v21: boolean,
  last: boolean,
  u: { input: number; read: number; write: number; w5: number; w1: number; output: number; placeholder: number },
): Obj {
  const { input, read, write, w5, w1, output, placeholder } = u;
  if (!v21) {
    return {
      input_tokens: input,
      cache_creation_input_tokens: write,
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 },
      output_tokens: last ? output : placeholder,
      service_tier: 'standard',
    };
  }
  if (!last) {
    return {
      input_tokens: input,
      cache_creation_input_tokens: write,
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 },
      output_tokens: placeholder,
      service_tier: 'standard',
      inference_geo: 'not_available',
    };
  }
  return {
    input_tokens: input,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    output_tokens: output,
    server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
    service_tier: 'standard',
    cache_creation: { ephemeral_1h_input_tokens: w1, ephemeral_5m_input_tokens: w5 },
    inference_geo: '',
    iterations: [],
    speed: 'standard',
  };
}
