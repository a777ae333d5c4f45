/**
 * The HTTP client every adapter uses: ky with its own retries and timeouts off (the router
 * is the only retry layer; timeouts arrive as AbortSignals), HTTP errors returned rather than
 * thrown (shared code classifies them), and the engine's injectable `fetch` (by default the
 * engine's pooled fetch, `pooled-fetch.ts`: keep-alive connections on undici's `Agent`).
 */
import ky, { type BeforeRequestHook, type KyInstance } from 'ky';
import { isPooledFetch, type PooledFetch } from './pooled-fetch.js';

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
    ...(isPooledFetch(fetchImpl) ? { hooks: { beforeRequest: [directTo(fetchImpl)] } } : {}),
  });
}

/**
 * With the engine's pooled fetch, a request goes to the pool straight from ky's
 * `beforeRequest` hook (a hook that returns a Response ends ky's request, as ky documents):
 * ky still builds the request (URL, headers, JSON body, the combined signal), but does not
 * clone it for retries (a `tee` of its body) nor hand it to `fetch`, which would read the
 * body stream back. About a third of ky's cost per call (docs/decisions.md).
 */
function directTo(pooled: PooledFetch): BeforeRequestHook {
  return (request, options) => {
    const body = options.body;
    if (body !== undefined && typeof body !== 'string') return undefined; // not JSON: ky's own way
    return pooled.send({ url: request.url, method: request.method, headers: request.headers, body, signal: options.signal ?? request.signal });
  };
}

/** Joins a base URL and a path, for error messages and tests. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
