/**
 * Upstream replies as the adapters' shared code reads them, and reading their bodies under an
 * idle timeout on the engine's clock: if no bytes arrive for `idleTimeoutMs`, reading fails
 * with a `timeout` ProviderError and the body is cancelled.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import { ProviderError } from '../../core/errors.js';

/** The one thing read from headers: `Headers` has it, and so has a plain record's reader. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** A body read chunk by chunk: over a web stream (`fetch`) or a Node stream (the pool). */
export interface BodySource {
  read(): Promise<IteratorResult<Uint8Array, unknown>>;
  /** Stops reading and frees the connection; never rejects. */
  cancel(): Promise<void>;
  /**
   * Stops reading at the protocol's terminator: what may still follow (the end of a chunked
   * body) is let through and dropped, so the connection can serve the next request.
   * Sources that cannot do this cancel.
   */
  release(): Promise<void>;
}

/** One upstream reply, whichever transport brought it. */
export interface UpstreamReply {
  status: number;
  headers: HeaderReader;
  /** Null when the reply has no body (204, 205, 304, HEAD). */
  body: BodySource | null;
}

/** A {@link BodySource} over a web stream (a `fetch` Response's body). */
export function webBody(stream: ReadableStream<Uint8Array>): BodySource {
  const reader = stream.getReader();
  const cancel = async (): Promise<void> => {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  };
  return { read: () => reader.read() as Promise<IteratorResult<Uint8Array, unknown>>, cancel, release: cancel };
}

/** A {@link BodySource} over a Node stream (undici's body); errors arrive through `read()`. */
export function nodeBody(stream: Readable): BodySource {
  // A body destroyed while nobody reads (cancelled, never read) must not become an uncaught 'error'.
  stream.on('error', ignore);
  // Not destroyed when the iteration stops: release() lets the rest of the body through.
  const chunks = stream.iterator({ destroyOnReturn: false }) as AsyncIterator<Uint8Array, unknown>;
  const endWhenArrived = (): boolean => {
    if (stream.readableEnded) return true;
    if (!allArrived(stream)) return false;
    // The whole reply is here: consume what is buffered and let it end. Destroying it would
    // abort a finished request and build an error with a stack trace for nothing.
    while (stream.read() !== null);
    return true;
  };
  return {
    read: () => chunks.next(),
    cancel: async () => {
      if (!endWhenArrived()) stream.destroy();
    },
    release: async () => {
      if (endWhenArrived()) return;
      // The end of the body is still on its way: drop what comes until it ends. A body that
      // never ends is cut by the request's body timeout (the provider's idle timeout).
      await chunks.return?.();
      stream.resume();
    },
  };
}

/** Whether the stream has received its last byte (Node's internal state; false if unknown). */
function allArrived(stream: Readable): boolean {
  return (stream as { _readableState?: { ended?: unknown } })._readableState?.ended === true;
}

function ignore(): void {}

/** How to read one body. */
export interface ReadOptions {
  provider: string;
  clock: Clock;
  /** Longest silence tolerated between two chunks. */
  idleTimeoutMs: number;
  /** True once the reader has seen its protocol's terminator (then an early stop releases the body). */
  released?: () => boolean;
}

/** Yields the body's chunks; throws a `timeout` ProviderError when it goes silent. Always releases the body. */
export async function* readChunks(body: BodySource | ReadableStream<Uint8Array>, options: ReadOptions): AsyncGenerator<Uint8Array> {
  const source = body instanceof ReadableStream ? webBody(body) : body;
  let finished = false;
  let failed = false;
  try {
    for (;;) {
      const result = await readWithin(source, options);
      if (result.done === true) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // Stopped by the reader: gracefully when it saw its protocol's terminator, else at once.
    if (!finished) await (!failed && options.released?.() === true ? source.release() : source.cancel());
  }
}

function readWithin(source: BodySource, { provider, clock, idleTimeoutMs }: ReadOptions): Promise<IteratorResult<Uint8Array, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new ProviderError({ provider, kind: 'timeout', message: `${provider}: no data from upstream for ${idleTimeoutMs} ms` }));
    }, idleTimeoutMs);
    source.read().then(
      (result) => {
        clock.clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Reads a whole body as UTF-8 text, keeping at most `maxChars` characters (the rest is still drained). */
export async function readText(body: BodySource | ReadableStream<Uint8Array> | null, options: ReadOptions, maxChars = Infinity): Promise<string> {
  if (body === null) return '';
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of readChunks(body, options)) {
    if (text.length < maxChars) text += decoder.decode(chunk, { stream: true });
  }
  text += decoder.decode();
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
