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
  /** Base URL; request paths are appended to it (no leading slash). @default none: requests name whole URLs */
  baseUrl?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /** Headers sent on every request (credentials, versions, the user's extra headers). @default {} */
  headers?: Record<string, string>;
}

/** A ky instance with `retry: 0`, `timeout: false` and `throwHttpErrors: false`. */
export function createHttpClient(options: HttpClientOptions): KyInstance {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  return ky.create({
    ...(options.baseUrl === undefined ? {} : { prefixUrl: options.baseUrl.replace(/\/+$/, '') }),
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
    headers: options.headers ?? {},
    // Bound so that a fetch that relies on `this` (globalThis.fetch) keeps working.
    fetch: (input, init) => fetchImpl(input, init),
  });
}

/** A base URL split once, so that each request only appends its path. */
export interface UrlBase {
  /** `http://host:port` */
  origin: string;
  /** The base path without its trailing slash (`''` for the root). */
  prefix: string;
  /** The base URL's query without `?` (`''` for none), e.g. Azure's `api-version=…`. */
  query: string;
}

/** Splits `baseUrl` (its fragment is dropped). */
export function urlBase(baseUrl: string): UrlBase {
  const url = new URL(baseUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, ''), query: url.search.slice(1) };
}

/**
 * The path and query of `path` under `base`: the base path, `/`, the request path, then the
 * base's query parameters followed by the request's own.
 * @example pathUnder(urlBase('https://x/openai/deployments/d?api-version=1'), 'chat/completions')
 * // '/openai/deployments/d/chat/completions?api-version=1'
 */
export function pathUnder(base: UrlBase, path: string): string {
  // A request has no fragment: a `#` in an adapter's path is data, not the end of the URL
  // (which would drop the rest, the base's query with it).
  if (path.includes('#')) path = path.replaceAll('#', '%23');
  const mark = path.indexOf('?');
  const own = (mark < 0 ? path : path.slice(0, mark)).replace(/^\/+/, '');
  const query = [base.query, mark < 0 ? '' : path.slice(mark + 1)].filter((part) => part !== '').join('&');
  return `${base.prefix}/${own}${query === '' ? '' : `?${query}`}`;
}

/** Joins a base URL and a path as adapters send it (see {@link pathUnder}). */
export function joinUrl(baseUrl: string, path: string): string {
  const base = urlBase(baseUrl);
  return base.origin + pathUnder(base, path);
}

/**
 * Header records merged in order, as one request sends them: names lower-cased, a later
 * spelling of a name replacing an earlier one, values stripped of surrounding whitespace
 * (as `Headers` does: a key read from a file keeps no trailing newline).
 */
export function mergeHeaders(...records: (Record<string, string> | undefined)[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const record of records) {
    if (record === undefined) continue;
    for (const [name, value] of Object.entries(record)) merged[name.toLowerCase()] = value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  }
  return merged;
}

/** `decodeURIComponent`, or the text as it is when it is not valid percent-encoding. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
