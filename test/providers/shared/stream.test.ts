/** The shared event-mapper stream: order, one finish, terminator required, errors classified. */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AdapterEnvironment, CallContext } from '../../../src/core/adapter.js';
import { VirtualClock } from '../../../src/core/clock.js';
import { ProviderError } from '../../../src/core/errors.js';
import type { StreamPart } from '../../../src/core/types.js';
import { MAX_REPLY_BYTES, nodeBody, readChunks, readText } from '../../../src/providers/shared/body.js';
import { mapStream, type StreamEventMapper } from '../../../src/providers/shared/stream.js';
import { createUpstream } from '../../../src/providers/shared/upstream.js';
import { advanceUntilSettled, collect, failure } from '../helpers.js';

const clock = new VirtualClock();
const environment: AdapterEnvironment = { clock, fetch: globalThis.fetch, seed: 1, startedAt: 0 };
const upstream = createUpstream({
  settings: { name: 'p', type: 't', baseUrl: 'http://127.0.0.1:9', apiKey: 'k-secret-1', model: 'm', headers: {}, options: {} },
  environment,
  defaultBaseUrl: 'http://unused',
});
const context: CallContext = { signal: new AbortController().signal, clock, requestId: 'r' };

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** A toy wire: "t:<text>", "end", "err". */
function toyMapper(): StreamEventMapper<string> {
  let ended = false;
  return {
    map(event) {
      if (event === 'end') return { done: (ended = true) };
      if (event === 'err') throw upstream.errorFromPayload({ error: { message: 'overloaded', type: 'overloaded_error' } });
      if (event === 'bad') throw upstream.malformed('bad event');
      return { parts: [{ type: 'text-delta', text: event.slice(2) }] };
    },
    finish: () => (ended ? { type: 'finish', finishReason: { unified: 'stop', raw: 'end' }, usage: { inputTokens: 1, outputTokens: 2 } } : undefined),
  };
}

describe('mapStream', () => {
  it('yields mapped parts then exactly one finish, and stops reading at the terminator', async () => {
    const parts = await collect(mapStream(upstream, from(['t:a', 't:b', 'end', 't:never']), toyMapper(), context));
    expect(parts.map((p: StreamPart) => p.type)).toEqual(['text-delta', 'text-delta', 'finish']);
  });

  it('fails as malformed when the wire ends before the terminator', async () => {
    const error = await failure(collect(mapStream(upstream, from(['t:a']), toyMapper(), context)));
    expect([error.kind, error.message]).toEqual(['malformed', 'p: stream ended before its terminator']);
  });

  it('throws classified in-stream errors after the parts already yielded', async () => {
    const seen: StreamPart[] = [];
    const error = await failure(
      (async () => {
        for await (const part of mapStream(upstream, from(['t:a', 'err']), toyMapper(), context)) seen.push(part);
      })(),
    );
    expect(seen).toHaveLength(1);
    expect([error.kind, error.status]).toEqual(['server', undefined]);
  });

  it('turns anything else thrown by the wire into a ProviderError', async () => {
    async function* broken(): AsyncGenerator<string> {
      yield 't:a';
      throw Object.assign(new TypeError('terminated'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    }
    const error = await failure(collect(mapStream(upstream, broken(), toyMapper(), context)));
    expect(ProviderError.is(error) && error.kind).toBe('network');
  });
});

describe('readChunks', () => {
  it('times out on the injected clock when the body goes silent, and cancels it', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new Uint8Array([1])),
      cancel: () => {
        cancelled = true;
      },
    });
    const reading = (async () => {
      for await (const chunk of readChunks(body, { provider: 'p', clock, idleTimeoutMs: 500 })) void chunk;
    })();
    const error = await advanceUntilSettled(clock, failure(reading), 500);
    expect([error.kind, cancelled, clock.pending]).toEqual(['timeout', true, 0]);
  });
});

describe('nodeBody (the pool transport reading undici bodies)', () => {
  const reading = { provider: 'p', clock, idleTimeoutMs: 500 };

  it('ends a fully arrived body when reading stops early, rather than destroying it', async () => {
    // Object mode: each read takes one chunk, so the terminator's chunk is still unread.
    const stream = new Readable({ objectMode: true, read: () => undefined });
    stream.push(Buffer.from('data: 1\n\n'));
    stream.push(Buffer.from('data: [DONE]\n\n'));
    stream.push(null);
    for await (const _chunk of readChunks(nodeBody(stream), reading)) break;
    // Settled either way: 'end' when it ends, 'close' when it is destroyed.
    await new Promise<void>((resolve) => (stream.readableEnded || stream.destroyed ? resolve() : (stream.once('end', () => resolve()), stream.once('close', () => resolve()))));
    expect([stream.readableEnded, stream.errored]).toEqual([true, null]);
    expect(clock.pending).toBe(0);
  });

  it('destroys a body still arriving when reading stops early, and times out a silent one', async () => {
    const stream = new Readable({ read: () => undefined });
    stream.push('data: 1\n\n');
    for await (const _chunk of readChunks(nodeBody(stream), reading)) break;
    expect([stream.destroyed, stream.readableEnded]).toEqual([true, false]);

    const silent = new Readable({ read: () => undefined });
    const drained = (async () => {
      for await (const chunk of readChunks(nodeBody(silent), reading)) void chunk;
    })();
    const error = await advanceUntilSettled(clock, failure(drained), 500);
    expect([error.kind, silent.destroyed, clock.pending]).toEqual(['timeout', true, 0]);
  });
});

describe('readText over a Node body (a whole reply read by its events)', () => {
  const reading = { provider: 'p', clock, idleTimeoutMs: 500 };
  /** A body that delivers `chunks` then ends. */
  const bodyOf = (chunks: Uint8Array[]) => Readable.from(chunks, { objectMode: false });

  it('gives the text, cut at maxChars, that decoding chunk by chunk gives, however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
        fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 70 })),
        fc.boolean(),
        async (text, cuts, maxChars, bom) => {
          // Any bytes: whole characters, and split or broken UTF-8 sequences.
          const bytes = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8').subarray(cuts[0]! % 3)]);
          const chunks: Uint8Array[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length]!;
            chunks.push(bytes.subarray(at, at + size));
            at += size;
          }
          const decoder = new TextDecoder();
          let expected = '';
          for (const chunk of chunks) expected += decoder.decode(chunk, { stream: true });
          expected += decoder.decode();
          if (expected.length > maxChars) expected = expected.slice(0, maxChars);
          expect(await readText(nodeBody(bodyOf(chunks)), reading, maxChars)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
    expect(clock.pending).toBe(0);
  });

  it('fails with the error of the stream, or a premature close, and leaves no timer', async () => {
    const broken = new Readable({ read: () => undefined });
    broken.push('{"id":');
    const failed = readText(nodeBody(broken), reading);
    broken.destroy(new Error('other side closed'));
    await expect(failed).rejects.toThrow('other side closed');

    const closed = new Readable({ read: () => undefined });
    closed.push('{"id":');
    const cut = readText(nodeBody(closed), reading);
    closed.destroy();
    await expect(cut).rejects.toThrow(/premature close/i);
    expect(clock.pending).toBe(0);
  });

  it('fails a reply larger than MAX_REPLY_BYTES as malformed, read either way, rather than keep it all', async () => {
    const mib = Buffer.alloc(1024 * 1024, 0x61);
    const endless = () => {
      let sent = 0;
      return new Readable({ read() { this.push(sent++ < 1000 ? mib : null); } }); // 1000 MiB if read to the end
    };
    const byEvents = endless();
    const error = await failure(readText(nodeBody(byEvents), reading));
    expect([error.kind, error.message, byEvents.destroyed]).toEqual(['malformed', `p: the reply is larger than ${MAX_REPLY_BYTES / 1024 / 1024} MiB`, true]);
    // The chunk-by-chunk reader (a web stream, or a body whose reading began chunk by chunk) stops at the same size.
    const web = Readable.toWeb(endless()) as ReadableStream<Uint8Array>;
    expect(await failure(readText(web, reading))).toMatchObject({ kind: 'malformed' });
    expect(clock.pending).toBe(0);
  });

  it('times out a body that stops arriving, restarting the idle timer on each chunk', async () => {
    const slow = new Readable({ read: () => undefined });
    const pending = failure(readText(nodeBody(slow), reading));
    await clock.advance(400);
    slow.push('{"id":');
    await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(400); // 800 ms in, but only 400 since the last chunk
    slow.push('"x"');
    await new Promise((resolve) => setImmediate(resolve));
    const error = await advanceUntilSettled(clock, pending, 500);
    expect([error.kind, slow.destroyed, clock.pending]).toEqual(['timeout', true, 0]);
  });
});
