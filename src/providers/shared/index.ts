/**
 * Shared plumbing for provider adapters: HTTP, body reading with idle timeouts, SSE/NDJSON
 * decoding, event-mapper streams, error classification, redaction, finish-reason tables and prompt-cache counts.
 */
export { readChunks, readText, type ReadOptions } from './body.js';
export {
  classifyFailure,
  classifyThrown,
  errorDetails,
  invalidRequestError,
  kindForStatus,
  malformedError,
  type ErrorDetails,
  type ErrorRefiner,
  type ErrorScope,
  type UpstreamFailure,
} from './errors.js';
export { mapFinishReason, type FinishReasonTable } from './finish-reason.js';
export { createHttpClient, joinUrl, mergeHeaders, pathUnder, urlBase, type HttpClientOptions, type UrlBase } from './http.js';
export { parseDataUrl, refuseImages, type ImagePart } from './images.js';
export { parseJson } from './json.js';
export { createPooledFetch, type PooledFetch, type PooledFetchOptions } from './pooled-fetch.js';
export { parseNdjson } from './ndjson.js';
export { REDACTED, redactSecrets, secretsOf } from './redact.js';
export { parseDuration, parseRetryAfter, retryAfterFromHeaders } from './retry-after.js';
export { parseSse, type SseEvent } from './sse.js';
export { failedStream, mapStream, type FinishPart, type MapStep, type StreamEventMapper } from './stream.js';
export { withCacheCounts } from './usage.js';
export { asksFor, strictToolsWarning, toolChoiceWithoutToolsWarning, unsupportedWarnings } from './warnings.js';
export { createUpstream, DEFAULT_IDLE_TIMEOUT_MS, type Upstream, type UpstreamEvents, type UpstreamOptions, type UpstreamRequest } from './upstream.js';
