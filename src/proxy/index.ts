/**
 * Proxy stage: `cachelens proxy` sits between a client and the Messages API,
 * forwards everything unchanged, fingerprints each Messages request (hashes
 * and sizes, never content), reads the usage off the response and names the
 * block that broke the cache. Pure diagnosis (diagnose.ts) apart from the I/O
 * (server.ts; the bytes move in relay.ts). Docs: docs/proxy.md.
 * @module
 */
export { DEFAULT_TIMEOUT_MS, DEFAULT_UPSTREAM, startProxy, type ProxyOptions, type RunningProxy } from './server.js';
export { captureRequest, isMessagesRequest, sessionIdOf, toProxyBlocks, type Capture, type CapturedRequest, type CaptureHeaders } from './capture.js';
export { createCapturer, type Capturer } from './capturer.js';
export { breakpointsOf, commonPrefix, diagnose, type DiagnoseContext, type Diagnosis, type SeenBlock, type SeenRequest } from './diagnose.js';
export { createRecorder, diagnoseContext, type Exchange, type Recorder } from './record.js';
export { createUsageTap, mergeUsage, type TapResult, type UsageTap } from './usage-tap.js';
export { buildProxyReport, type ProxyConversation, type ProxyReport } from './report.js';
