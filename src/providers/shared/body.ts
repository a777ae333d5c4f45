/**
 * Upstream replies as the adapters' shared code reads them, and reading their bodies under an
 * idle timeout on the engine's clock: if no bytes arrive for `idleTimeoutMs`, reading fails
 * with a `timeout` ProviderError and the body is cancelled.
 */
import { finished, type Readable } from 'node:stream';
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
  /**
   * Reads the whole body as {@link readText} does, when the source can do it in one go
   * (a Node stream: its chunks as they come, without an iterator step, promise and timer
   * per chunk). Same text, same idle timeout, same errors, same release of the body.
   */
  text?(options: ReadOptions, maxChars: number): Promise<string>;
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
  let iterated = false;
  const cancelNow = (): void => {
    if (!endWhenArrived()) stream.destroy();
  };
  return {
    read: () => {
      iterated = true;
      return chunks.next();
    },
    cancel: async () => cancelNow(),
    release: async () => {
      if (endWhenArrived()) return;
      // The end of the body is still on its way: drop what comes until it ends. A body that
      // never ends is cut by the request's body timeout (the provider's idle timeout).
      await chunks.return?.();
      stream.resume();
    },
    text: (options, maxChars) => (iterated ? readTextByChunks(nodeSource(chunks, cancelNow), options, maxChars) : streamText(stream, options, maxChars, cancelNow)),
  };
}

/** The chunk-by-chunk view of a Node body whose iteration has begun (a reader mixing both ways). */
function nodeSource(chunks: AsyncIterator<Uint8Array, unknown>, cancel: () => void): BodySource {
  return { read: () => chunks.next(), cancel: async () => cancel(), release: async () => cancel() };
}

/** Shared: a decoder that is not streaming keeps no state between calls. */
const UTF8 = new TextDecoder();

/**
 * The most a whole (non-streamed) reply may carry, in bytes. A chat completion is a few
 * kilobytes, an answer with base64 audio or images a few megabytes; an upstream that sends
 * more (a wrong `baseUrl` serving a file, a server that never ends its body) is `malformed`,
 * before its bytes exhaust memory or exceed what one JavaScript string can hold.
 */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

function tooLarge(provider: string): ProviderError {
  return new ProviderError({ provider, kind: 'malformed', message: `${provider}: the reply is larger than ${MAX_REPLY_BYTES / 1024 / 1024} MiB` });
}

/**
 * {@link readText} over a Node stream read by 'data' events: the chunks kept are decoded once
 * at the end (the same text as a streaming decode cut at `maxChars`: a UTF-8 prefix of
 * 3 × maxChars + 6 bytes decodes to at least maxChars UTF-16 units of the whole text: at most
 * 3 bytes a unit, 3 more to complete the last character, and 3 for a byte order mark), under
 * one idle timer restarted per chunk. On a timeout or an error the body is cancelled.
 */
function streamText(stream: Readable, { provider, clock, idleTimeoutMs }: ReadOptions, maxChars: number, cancel: () => void): Promise<string> {
  const keepBytes = maxChars === Infinity ? Infinity : maxChars * 3 + 6;
  return new Promise<string>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let kept = 0;
    let received = 0;
    let settled = false;
    const onIdle = (): void => {
      fail(new ProviderError({ provider, kind: 'timeout', message: `${provider}: no data from upstream for ${idleTimeoutMs} ms` }));
    };
    let timer = clock.setTimeout(onIdle, idleTimeoutMs);
    const stop = (): void => {
      settled = true;
      clock.clearTimeout(timer);
      stream.off('data', onData).off('end', onEnd).off('error', fail).off('close', onClose);
    };
    function fail(error: unknown): void {
      if (settled) return;
      stop();
      cancel();
      reject(error);
    }
    function onData(chunk: Uint8Array): void {
      received += chunk.byteLength;
      if (received > MAX_REPLY_BYTES) return fail(tooLarge(provider));
      clock.clearTimeout(timer);
      timer = clock.setTimeout(onIdle, idleTimeoutMs);
      if (kept < keepBytes) {
        chunks.push(chunk);
        kept += chunk.byteLength;
      }
    }
    function onEnd(): void {
      if (settled) return;
      stop();
      if (maxChars <= 0 || kept === 0) return resolve('');
      // Never a throw out of an event listener (an uncaught exception): a failure rejects.
      try {
        const text = UTF8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, kept));
        resolve(text.length > maxChars ? text.slice(0, maxChars) : text);
      } catch (error) {
        reject(error);
      }
    }
    function onClose(): void {
      // Closed before its end without an 'error' (destroyed by someone else): the error the
      // stream's own iterator gives (a premature close, or what it failed with).
      if (settled || stream.readableEnded) return;
      finished(stream, (error) => fail(error ?? new Error('premature close')));
    }
    if (stream.errored !== null && stream.errored !== undefined) return fail(stream.errored);
    if (stream.destroyed) return onClose();
    stream.on('data', onData).on('end', onEnd).on('error', fail).on('close', onClose);
  });
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
  if (!(body instanceof ReadableStream) && body.text !== undefined) return body.text(options, maxChars);
  return readTextByChunks(body, options, maxChars);
}

async function readTextByChunks(body: BodySource | ReadableStream<Uint8Array>, options: ReadOptions, maxChars: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  for await (const chunk of readChunks(body, options)) {
    received += chunk.byteLength;
    if (received > MAX_REPLY_BYTES) throw tooLarge(options.provider);
    if (text.length < maxChars) text += decoder.decode(chunk, { stream: true });
  }
  text += decoder.decode();
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
