/**
 * One provider's HTTP upstream as adapters see it: send a request, get back a validated JSON
 * body or a stream of decoded events, with every failure already a classified ProviderError.
 *
 * @example
 * const upstream = createUpstream({ settings, environment, defaultBaseUrl, headers: { authorization: `Bearer ${key}` } });
 * const reply = await upstream.json({ path: 'chat/completions', body }, ReplySchema, context);
 */
import type { KyInstance } from 'ky';
import type { ZodType } from 'zod';
import type { AdapterEnvironment, CallContext, ProviderSettings } from '../../core/adapter.js';
import { wallTime } from '../../core/clock.js';
import type { ProviderError } from '../../core/errors.js';
import { readChunks, readText, webBody, type HeaderReader, type ReadOptions, type UpstreamReply } from './body.js';
import { classifyFailure, classifyThrown, invalidRequestError, malformedError, type ErrorRefiner, type ErrorScope } from './errors.js';
import { createHttpClient, mergeHeaders, pathUnder, urlBase, type UrlBase } from './http.js';
import { isPooledFetch, type PooledFetch } from './pooled-fetch.js';
import { decodeJson, hasErrorObject, parseJson, validateJson } from './json.js';
import { parseNdjson } from './ndjson.js';
import { secretsOf } from './redact.js';
import { parseSse, type SseEvent } from './sse.js';

/** Longest silence tolerated inside a body or stream when the settings do not say. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Distinct request paths remembered per provider, already encoded (adapters use a handful). */
const MAX_CACHED_PATHS = 64;
/** Error bodies are kept up to this many characters. */
const MAX_ERROR_CHARS = 16_384;

/** Options of {@link createUpstream}. */
export interface UpstreamOptions {
  settings: ProviderSettings;
  environment: AdapterEnvironment;
  /** Used when `settings.baseUrl` is undefined (CONTRACT §2 per-type defaults). */
  defaultBaseUrl: string;
  /** Provider headers (credentials, API version); the user's `settings.headers` are added over them. */
  headers?: Record<string, string>;
  /** Provider-specific refinement of error classification. */
  refine?: ErrorRefiner;
}

/** One HTTP call. `path` is relative to the base URL and may carry a query string. */
export interface UpstreamRequest {
  path: string;
  /** @default 'POST' when `body` is set, else 'GET' */
  method?: 'GET' | 'POST';
  /** Sent as JSON. */
  body?: unknown;
}

/** A provider's upstream: HTTP, body reading and error classification in one object. */
export interface Upstream {
  readonly provider: string;
  readonly baseUrl: string;
  /** Sends `request` and validates the JSON reply with `schema` (mismatch → `malformed`). */
  json<T>(request: UpstreamRequest, schema: ZodType<T>, context: CallContext): Promise<T>;
  /** Sends `request` and succeeds on any 2xx (the body is drained). For `check()`. */
  ping(request: UpstreamRequest, context: CallContext): Promise<void>;
  /** Sends `request` and yields its SSE events (content type must be `text/event-stream`). */
  sse(request: UpstreamRequest, context: CallContext): UpstreamEvents<SseEvent>;
  /** Sends `request` and yields its NDJSON lines (content type must mention `json`). */
  ndjson(request: UpstreamRequest, context: CallContext): UpstreamEvents<string>;
  /** Classifies an error object found inside a successful stream or body. */
  errorFromPayload(body: unknown): ProviderError;
  /** A `malformed` error for a reply that breaks the provider's protocol. */
  malformed(message: string, cause?: unknown): ProviderError;
  /** A `bad_request` error for a request the provider cannot take, thrown instead of sending it. */
  invalid(message: string): ProviderError;
  /** Classifies anything thrown during a call of this provider. */
  classify(error: unknown, context: CallContext): ProviderError;
  /** Parses JSON text with `schema`; failure → `malformed`. For stream event data. */
  parse<T>(text: string, schema: ZodType<T>, what: string): T;
  /**
   * Parses one stream event's JSON once: an object with a non-null `error` is thrown as the
   * provider's error (see `errorFromPayload`), anything else must match `schema` (else `malformed`).
   */
  parseEvent<T>(text: string, schema: ZodType<T>, what: string): T;
  /** Parses JSON text without validating it; invalid JSON → `malformed`. Validate with {@link validate}. */
  decode(text: string, what: string): unknown;
  /** Validates an already parsed value with `schema`; failure → `malformed`. */
  validate<T>(value: unknown, schema: ZodType<T>, what: string): T;
}

/**
 * The decoded events of one reply. Call `release()` on the protocol's terminator, before
 * leaving the loop: the end of the body may still be on its way, and is then let through
 * so that the connection serves the next request instead of being closed.
 */
export type UpstreamEvents<E> = AsyncGenerator<E> & { release(): void };

/** Builds the {@link Upstream} of one configured provider. */
export function createUpstream(options: UpstreamOptions): Upstream {
  const { settings, environment } = options;
  const provider = settings.name;
  const baseUrl = settings.baseUrl ?? options.defaultBaseUrl;
  const scope: ErrorScope = {
    provider,
    secrets: secretsOf(settings.apiKey, { ...options.headers, ...settings.headers }, baseUrl),
    now: () => wallTime(environment.clock),
    refine: options.refine,
  };
  const idle = settings.options.idleTimeoutMs;
  const idleTimeoutMs = typeof idle === 'number' && idle > 0 ? idle : DEFAULT_IDLE_TIMEOUT_MS;
  // One merge and one URL split for both transports, so they send the same request.
  const headers = mergeHeaders(options.headers, settings.headers);
  const base = urlBase(baseUrl);
  const send = isPooledFetch(environment.fetch)
    ? pooledTransport(environment.fetch, base, headers, idleTimeoutMs)
    : kyTransport(createHttpClient({ fetch: environment.fetch, headers }), base);
  const reading = (context: CallContext): ReadOptions => ({ provider, clock: context.clock, idleTimeoutMs });

  const open = async (request: UpstreamRequest, context: CallContext, accept: RegExp, what: string): Promise<UpstreamReply> => {
    const response = await send(request, context);
    if (response.status < 200 || response.status > 299) {
      const text = await readText(response.body, reading(context), MAX_ERROR_CHARS);
      throw classifyFailure(scope, { status: response.status, headers: response.headers, body: tryJson(text), text });
    }
    const type = response.headers.get('content-type') ?? '';
    if (!accept.test(type)) {
      await response.body?.cancel();
      throw malformedError(scope, `expected ${what}, got content-type "${type || 'none'}" (HTTP ${response.status})`);
    }
    return response;
  };
  const errorFromPayload = (body: unknown): ProviderError => classifyFailure(scope, { status: undefined, headers: NO_HEADERS, body, text: '' });
  const guard = async <T>(context: CallContext, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw classifyThrown(scope, error, context.signal);
    }
  };
  function events<E>(
    request: UpstreamRequest,
    context: CallContext,
    accept: RegExp,
    what: string,
    decode: (chunks: AsyncIterable<Uint8Array>) => AsyncGenerator<E>,
  ): UpstreamEvents<E> {
    let released = false;
    const generator = (async function* () {
      try {
        const response = await open(request, context, accept, what);
        if (response.body === null) throw malformedError(scope, `empty ${what} body`);
        yield* decode(readChunks(response.body, { ...reading(context), released: () => released }));
      } catch (error) {
        throw classifyThrown(scope, error, context.signal);
      }
    })();
    return Object.assign(generator, {
      release: () => {
        released = true;
      },
    });
  }

  return {
    provider,
    baseUrl,
    json: (request, schema, context) =>
      guard(context, async () => {
        const response = await open(request, context, /json/i, 'a JSON reply');
        const text = await readText(response.body, reading(context));
        const body = decodeJson(scope, text, 'reply');
        // Some proxies answer 200 with an error object: classify it as one, also when the
        // reply's schema is lenient enough to accept it (Gemini's fields are all optional).
        if (hasErrorObject(body)) throw classifyFailure(scope, { status: undefined, headers: response.headers, body, text });
        return validateJson(scope, body, schema, 'reply');
      }),
    ping: (request, context) =>
      guard(context, async () => {
        const response = await open(request, context, /(?:)/, 'a reply');
        await readText(response.body, reading(context), 0);
      }),
    sse: (request, context) => events(request, context, /text\/event-stream/i, 'an SSE stream', parseSse),
    ndjson: (request, context) => events(request, context, /json/i, 'an NDJSON stream', parseNdjson),
    errorFromPayload,
    malformed: (message, cause) => malformedError(scope, message, cause),
    invalid: (message) => invalidRequestError(scope, message),
    classify: (error, context) => classifyThrown(scope, error, context.signal),
    parse: (text, schema, what) => parseJson(scope, text, schema, what),
    parseEvent: (text, schema, what) => {
      const value = decodeJson(scope, text, what);
      if (hasErrorObject(value)) throw errorFromPayload(value);
      return validateJson(scope, value, schema, what);
    },
    decode: (text, what) => decodeJson(scope, text, what),
    validate: (value, schema, what) => validateJson(scope, value, schema, what),
  };
}

/** Sends one request and gives back its reply, whatever its status. */
type Transport = (request: UpstreamRequest, context: CallContext) => Promise<UpstreamReply>;

function methodOf(request: UpstreamRequest): 'GET' | 'POST' {
  return request.method ?? (request.body === undefined ? 'GET' : 'POST');
}

/** Through ky over any `fetch` (Node's, a test's, a caller's tuned one). */
function kyTransport(client: KyInstance, base: UrlBase): Transport {
  return async (request, context) => {
    const response = await client(base.origin + pathUnder(base, request.path), {
      method: methodOf(request),
      signal: context.signal,
      headers: { 'x-request-id': context.requestId },
      ...(request.body === undefined ? {} : { json: request.body }),
    });
    return { status: response.status, headers: response.headers, body: response.body === null ? null : webBody(response.body) };
  };
}

/**
 * Straight to the engine's connection pool, with the request ky would have built (URL under
 * the base URL, merged headers, JSON body, the caller's signal) but none of the WHATWG
 * objects around it, which cost about 40 % of the gateway's CPU per call (docs/decisions.md).
 */
function pooledTransport(pooled: PooledFetch, base: UrlBase, headers: Record<string, string>, idleTimeoutMs: number): Transport {
  const fixed = { ...headers };
  // undici sets the length of the body it sends itself.
  delete fixed['content-length'];
  // An adapter sends few distinct paths (one per operation and model): each is worked out once.
  const paths = new Map<string, string>();
  const target = (path: string): string => {
    let sent = paths.get(path);
    if (sent === undefined) {
      // Percent-encoded as fetch encodes it: undici refuses a raw space or accent, which a
      // third-party adapter's path may hold (the built-in adapters encode their own).
      const url = new URL(base.origin + pathUnder(base, path));
      sent = url.pathname + url.search;
      if (paths.size < MAX_CACHED_PATHS) paths.set(path, sent);
    }
    return sent;
  };
  return (request, context) => {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const sent: Record<string, string> = { ...fixed, 'x-request-id': context.requestId };
    if (body !== undefined) sent['content-type'] ??= 'application/json';
    // undici's body timeout bounds a body let through after its terminator (BodySource.release),
    // which nobody reads any more; while it is read, the idle timeout on the engine clock,
    // a second shorter, ends a silence first.
    return pooled.request({ origin: base.origin, path: target(request.path), method: methodOf(request), headers: sent, body, signal: context.signal, bodyTimeoutMs: idleTimeoutMs + 1000 });
  };
}

/** The headers of an error found inside a body: none of its own. */
const NO_HEADERS: HeaderReader = { get: () => null };

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
