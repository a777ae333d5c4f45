/**
 * A `fetch` for adapters built on undici's `Pool.request` (a keep-alive connection pool
 * per origin, see {@link Pools}) instead of the WHATWG `fetch`. Same contract for the parts adapters use
 * (method, URL, headers, body, signal; status, headers, body as a stream or as text), at
 * about half the CPU per upstream call (docs/benchmarks.md). The engine uses it by default
 * and closes it on `stop()`, so no socket outlives the engine.
 *
 * What it does not do, unlike `fetch`: follow redirects (LLM APIs do not redirect a POST;
 * a 3xx comes back as it is and is classified as an error) or ask for compression.
 */
import type { Readable } from 'node:stream';
import { errors, Pool } from 'undici';
import { nodeBody, type HeaderReader, type UpstreamReply } from './body.js';

const POOLED = Symbol('switchyard.pooledFetch');

/** One request for {@link PooledFetch.request}: what a `Request` carries, without building one. */
export interface DirectRequest {
  /** `http://host:port`, no path. */
  origin: string;
  /** Path and query string, starting with `/`. */
  path: string;
  method: string;
  /** Lower-case names (undici sends them as they are; two spellings of one name would both go). */
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  signal: AbortSignal | undefined;
  /** Longest silence inside the reply's body before the connection is dropped. @default undici's (300 s) */
  bodyTimeoutMs?: number;
}

/** A `fetch` that owns a connection pool. */
export type PooledFetch = typeof fetch & {
  readonly [POOLED]: true;
  /**
   * Sends without any WHATWG object (`Request`, `Headers`, `Response`, web stream): the
   * adapters' transport when the engine owns the pool (upstream.ts, docs/decisions.md).
   */
  request(request: DirectRequest): Promise<UpstreamReply>;
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
type RawHeaders = Record<string, string | string[] | undefined>;

/**
 * Creates a pooled `fetch`.
 * @example
 * const fetch = createPooledFetch();
 * const engine = createSwitchyard(config, { fetch });
 */
export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const pools = new Pools({ connections: options.connections ?? 64, keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000 });

  /** The reply's status, raw headers and Node body (null when the status or method has none). */
  const dispatch = async (request: DirectRequest): Promise<{ status: number; headers: RawHeaders; body: Readable | null }> => {
    const method = request.method.toUpperCase() as Method;
    request.signal?.throwIfAborted();
    const answer = await pools.of(request.origin).request({
      path: request.path,
      method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(request.bodyTimeoutMs === undefined ? {} : { bodyTimeout: request.bodyTimeoutMs }),
    });
    const status = answer.statusCode;
    if (status < 200 || status > 599) {
      // No `Response` can carry it (a misbehaving proxy); free the connection, fail the call.
      answer.body.on('error', ignore).destroy();
      throw new TypeError(`upstream answered with an invalid HTTP status ${status}`);
    }
    if (NULL_BODY_STATUS.has(status) || method === 'HEAD') {
      answer.body.on('error', ignore).resume();
      return { status, headers: answer.headers, body: null };
    }
    return { status, headers: answer.headers, body: answer.body };
  };

  const request = async (direct: DirectRequest): Promise<UpstreamReply> => {
    const { status, headers, body } = await dispatch(direct);
    return { status, headers: headerReader(headers), body: body === null ? null : nodeBody(body) };
  };

  const pooledFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const source = input instanceof Request ? input : undefined;
    const url = new URL(source?.url ?? String(input));
    const { status, headers, body } = await dispatch({
      origin: url.origin,
      path: url.pathname + url.search,
      method: init?.method ?? source?.method ?? 'GET',
      headers: headerRecord(init?.headers ?? source?.headers ?? {}),
      body: await bodyOf(init?.body, source),
      signal: init?.signal ?? source?.signal ?? undefined,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else responseHeaders.append(name, value);
    }
    // Always a stream, as with `fetch`: the adapter reads it under its own idle timeout.
    return new Response(body === null ? null : toWebStream(body), { status, headers: responseHeaders });
  };

  return Object.assign(pooledFetch as typeof fetch, { request, close: () => pools.destroy(), [POOLED]: true as const });
}

/**
 * A keep-alive pool per origin, as undici's `Agent` keeps, except that a pool is dropped
 * once its last connection has closed with nothing queued: the `Agent` keeps every origin it
 * ever called for its whole life (about 20 KB each), and an engine lives for months while
 * its providers' URLs come and go.
 */
export class Pools {
  private readonly pools = new Map<string, Pool>();
  private destroyed = false;

  constructor(private readonly options: Pool.Options) {}

  /** Origins with a pool now. */
  get size(): number {
    return this.pools.size;
  }

  /** The pool of `origin`, created when it has none. */
  of(origin: string): Pool {
    const pool = this.pools.get(origin);
    if (pool !== undefined) return pool;
    if (this.destroyed) throw new errors.ClientDestroyedError();
    const created = new Pool(origin, this.options);
    const dropIfIdle = () => {
      const stats = created.stats;
      if (stats.connected === 0 && stats.size === 0 && this.pools.get(origin) === created) this.pools.delete(origin);
    };
    created.on('disconnect', dropIfIdle).on('connectionError', dropIfIdle);
    this.pools.set(origin, created);
    return created;
  }

  /** Ends every connection at once (calls in flight fail). */
  async destroy(): Promise<void> {
    this.destroyed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

/** `get()` over undici's lower-case header record, as `Headers.get` answers it. */
function headerReader(headers: RawHeaders): HeaderReader {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
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
