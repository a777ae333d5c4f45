/**
 * Reading response bodies under an idle timeout on the engine's clock: if no bytes arrive
 * for `idleTimeoutMs`, reading fails with a `timeout` ProviderError and the body is cancelled.
 */
import type { Clock } from '../../core/clock.js';
import { ProviderError } from '../../core/errors.js';

/** How to read one body. */
export interface ReadOptions {
  provider: string;
  clock: Clock;
  /** Longest silence tolerated between two chunks. */
  idleTimeoutMs: number;
}

/** Yields the body's chunks; throws a `timeout` ProviderError when it goes silent. Always releases the body. */
export async function* readChunks(body: ReadableStream<Uint8Array>, options: ReadOptions): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const result = await readWithin(reader, options);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  { provider, clock, idleTimeoutMs }: ReadOptions,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new ProviderError({ provider, kind: 'timeout', message: `${provider}: no data from upstream for ${idleTimeoutMs} ms` }));
    }, idleTimeoutMs);
    reader.read().then(
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
export async function readText(body: ReadableStream<Uint8Array> | null, options: ReadOptions, maxChars = Infinity): Promise<string> {
  if (body === null) return '';
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of readChunks(body, options)) {
    if (text.length < maxChars) text += decoder.decode(chunk, { stream: true });
  }
  text += decoder.decode();
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
