/**
 * Pure parsing of "when may I retry" headers: `Retry-After` (seconds or HTTP date),
 * `retry-after-ms`, and OpenAI's `x-ratelimit-reset-*` durations (`"1s"`, `"6m0s"`, `"20ms"`);
 * and Google's `RetryInfo.retryDelay` in error bodies.
 */
import type { HeaderReader } from './body.js';

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000_001,
};

const DURATION = /^(?:(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const SECONDS = /^\d+(?:\.\d+)?$/;

/** Parses a Go-style duration (`"1h2m3.5s"`, `"20ms"`) to milliseconds; `undefined` when invalid. */
export function parseDuration(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !DURATION.test(text)) return undefined;
  let ms = 0;
  for (const match of text.matchAll(DURATION_PART)) ms += Number(match[1]) * MS_PER_UNIT[match[2]!]!;
  return Number.isFinite(ms) ? Math.ceil(ms) : undefined;
}

/**
 * Parses a `Retry-After` value: delta-seconds (decimals tolerated) or an HTTP date, relative to
 * `nowMs`. Dates in the past give 0; anything unparseable gives `undefined`.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (SECONDS.test(text)) {
    const ms = Math.ceil(Number(text) * 1000);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Milliseconds until a retry may succeed, from response headers, or `undefined`.
 * Order: `retry-after-ms`, `retry-after`, then the `x-ratelimit-reset-*` of the limits whose
 * `x-ratelimit-remaining-*` is 0 (the longest), else the shortest reset given.
 */
export function retryAfterFromHeaders(headers: HeaderReader, nowMs: number): number | undefined {
  const explicitMs = headers.get('retry-after-ms')?.trim();
  if (explicitMs && SECONDS.test(explicitMs)) return Math.ceil(Number(explicitMs));
  const retryAfter = parseRetryAfter(headers.get('retry-after'), nowMs);
  if (retryAfter !== undefined) return retryAfter;
  const exhausted: number[] = [];
  const all: number[] = [];
  for (const limit of ['requests', 'tokens']) {
    const reset = parseDuration(headers.get(`x-ratelimit-reset-${limit}`));
    if (reset === undefined) continue;
    all.push(reset);
    if (headers.get(`x-ratelimit-remaining-${limit}`)?.trim() === '0') exhausted.push(reset);
  }
  if (exhausted.length > 0) return Math.max(...exhausted);
  return all.length > 0 ? Math.min(...all) : undefined;
}

/**
 * Milliseconds until a retry may succeed, from a Google error body: the `retryDelay` of a
 * `google.rpc.RetryInfo` in `error.details` (a proto Duration, `"7s"`, `"0.5s"`), or `undefined`.
 * A streamed error array is read by its first element.
 */
export function retryAfterFromBody(body: unknown): number | undefined {
  const root: unknown = Array.isArray(body) ? body[0] : body;
  const error = typeof root === 'object' && root !== null ? (root as { error?: unknown }).error : undefined;
  const details = typeof error === 'object' && error !== null ? (error as { details?: unknown }).details : undefined;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = typeof detail === 'object' && detail !== null ? (detail as { retryDelay?: unknown }).retryDelay : undefined;
    const ms = typeof delay === 'string' ? parseDuration(delay) : undefined;
    if (ms !== undefined) return ms;
  }
  return undefined;
}
