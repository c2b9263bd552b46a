// Made-up transcript lines for the scan's tests (a fixture: not built into
// dist/): a plain assistant line with usage, which a test varies field by
// field, and the line context it is read in.
import type { LineContext } from './line.js';

export const ctx: LineContext = { file: '/p/f.jsonl', project: 'p', fileAgentId: 'agentfile', fileSessionId: 'file-session' };

const base = {
  parentUuid: 'ff47d8d3-5a25-42ae-869b-05726986e2fd',
  isSidechain: false,
  userType: 'external',
  cwd: '/Users/dev/project',
  sessionId: '9e953218-585f-4692-89df-9e0747a31c68',
  version: '2.0.5',
  gitBranch: 'main',
};
export const usage = {
  input_tokens: 4,
  cache_creation_input_tokens: 14202,
  cache_read_input_tokens: 5161,
  cache_creation: { ephemeral_5m_input_tokens: 14202, ephemeral_1h_input_tokens: 0 },
  output_tokens: 1,
  service_tier: 'standard',
};
export function line(over: Record<string, unknown> = {}, message: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ...base,
    message: { id: 'msg_01JTYeTNdx3Cxj5p84DbzvX8', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'hi' }], stop_reason: null, usage, ...message },
    requestId: 'req_011CTmASeVdRncP2oV9M3Eo2',
    type: 'assistant',
    uuid: '3db02418-3536-43ba-bf2d-34f344154b46',
    timestamp: '2025-10-03T23:52:01.650Z',
    ...over,
  });
}
