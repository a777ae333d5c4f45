/**
 * A `fetch` for adapters built on undici's `Agent.request` (a keep-alive connection pool
 * per origin) instead of the WHATWG `fetch`. Same contract for the parts adapters use
 * (method, URL, headers, body, signal; status, headers, body as a stream or as text), at
 * about half the CPU per upstream call (docs/benchmarks.md). The engine uses it by default
 * and closes it on `stop()`, so no socket outlives the engine.
 *
 * What it does not do, unlike `fetch`: follow redirects (LLM APIs do not redirect a POST;
 * a 3xx comes back as it is and is classified as an error) or ask for compression.
 */
import type { Readable } from 'node:stream';
import { Agent } from 'undici';

const POOLED = Symbol('switchyard.pooledFetch');

/** One request for {@link PooledFetch.send}: what a `Request` carries, without building one. */
export interface DirectRequest {
  url: string;
  method: string;
  headers: ConstructorParameters<typeof Headers>[0];
  body: string | Uint8Array | undefined;
  signal: AbortSignal | undefined;
}

/** A `fetch` that owns a connection pool. */
export type PooledFetch = typeof fetch & {
  readonly [POOLED]: true;
  /** Sends without a `Request` object (the HTTP client's fast path; see http.ts). */
  send(request: DirectRequest): Promise<Response>;
  /** Ends every connection at once (calls in flight fail). */
  close(): Promise<void>;
};

/** Whether `fetch` is a {@link PooledFetch}. */
export function isPooledFetch(fetch: typeof globalThis.fetch): fetch is PooledFetch {
  return (fetch as Partial<PooledFetch>)[POOLED] === true;
}

export interface PooledFetchOptions {
  /** Connections per origin. @default 64 */
  connections?: number;
  /** How long an idle connection is kept. @default 30000 */
  keepAliveTimeoutMs?: number;
}

const NULL_BODY_STATUS = new Set([204, 205, 304]);

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';

/**
 * Creates a pooled `fetch`.
 * @example
 * const fetch = createPooledFetch();
 * const engine = createSwitchyard(config, { fetch });
 */
export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000 });

  const send = async (request: DirectRequest): Promise<Response> => {
    const url = new URL(request.url);
    const method = request.method.toUpperCase() as Method;
    request.signal?.throwIfAborted();
    const answer = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method,
      headers: headerRecord(request.headers),
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else responseHeaders.append(name, value);
    }
    const status = answer.statusCode;
    if (status < 200 || status > 599) {
      // `Response` cannot carry it (a misbehaving proxy); free the connection, fail the call.
      answer.body.on('error', ignore).destroy();
      throw new TypeError(`upstream answered with an invalid HTTP status ${status}`);
    }
    if (NULL_BODY_STATUS.has(status) || method === 'HEAD') {
      answer.body.on('error', ignore).resume();
      return new Response(null, { status, headers: responseHeaders });
    }
    // Always a stream, as with `fetch`: the adapter reads it under its own idle timeout.
    return new Response(toWebStream(answer.body), { status, headers: responseHeaders });
  };

  const pooledFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    return send({
      url: request?.url ?? String(input),
      method: init?.method ?? request?.method ?? 'GET',
      headers: init?.headers ?? request?.headers ?? {},
      body: await bodyOf(init?.body, request),
      signal: init?.signal ?? request?.signal ?? undefined,
    });
  };

  return Object.assign(pooledFetch as typeof fetch, { send, close: () => agent.destroy(), [POOLED]: true as const });
}

function headerRecord(headers: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers === undefined) return record;
  (headers instanceof Headers ? headers : new Headers(headers)).forEach((value, name) => {
    record[name] = value;
  });
  // undici sets the length of the body it sends itself.
  delete record['content-length'];
  return record;
}

async function bodyOf(body: RequestInit['body'], request: Request | undefined): Promise<string | Uint8Array | undefined> {
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body !== undefined && body !== null) return new Uint8Array(await new Response(body).arrayBuffer());
  if (request?.body) return new Uint8Array(await request.arrayBuffer());
  return undefined;
}

/**
 * A pull-based web stream over a Node body. Not `Readable.toWeb`: on Node 20 it can enqueue
 * into a cancelled stream and throw an uncaught exception when a reader stops early.
 */
function toWebStream(body: Readable): ReadableStream<Uint8Array> {
  // Errors reach the reader through the iterator; a body destroyed while nobody iterates
  // (cancelled, never read) must not become an uncaught 'error' event.
  body.on('error', ignore);
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (cancelled) return;
          if (next.done === true) controller.close();
          else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
        } catch (error) {
          if (!cancelled) controller.error(error);
        }
      },
      cancel() {
        cancelled = true;
        body.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}

function ignore(): void {}
