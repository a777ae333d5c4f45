/**
 * The HTTP client adapters use over a `fetch`: ky with its own retries and timeouts off (the
 * router is the only retry layer; timeouts arrive as AbortSignals) and HTTP errors returned
 * rather than thrown (shared code classifies them). It serves any injected `fetch`; with the
 * engine's own pool (`pooled-fetch.ts`) adapters send straight to the pool instead
 * (upstream.ts, docs/decisions.md).
 */
import ky, { type KyInstance } from 'ky';

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Base URL; request paths are appended to it (no leading slash). */
  baseUrl: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /** Headers sent on every request (credentials, versions, the user's extra headers). @default {} */
  headers?: Record<string, string>;
}

/** A ky instance with `retry: 0`, `timeout: false` and `throwHttpErrors: false`. */
export function createHttpClient(options: HttpClientOptions): KyInstance {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return ky.create({
    prefixUrl: options.baseUrl.replace(/\/+$/, ''),
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
    headers: options.headers ?? {},
    // Bound so that a fetch that relies on `this` (globalThis.fetch) keeps working.
    fetch: (input, init) => fetchImpl(input, init),
  });
}

/** Joins a base URL and a path, for error messages and tests. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
