/**
 * Streaming through the library API: failover is invisible before the first part; after it,
 * a failure ends the stream with one error part; a consumer that stops early cancels upstream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flushMicrotasks, VirtualClock } from '../../src/core/clock.js';
import { RequestError } from '../../src/core/errors.js';
import type { StreamPart } from '../../src/core/types.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { scriptedAdapters, type Script } from '../helpers/scripted-adapter.js';
import { collect, settle } from '../helpers/virtual.js';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };
let engine: Switchyard | undefined;

function setup(script: Script) {
  const clock = new VirtualClock(0);
  const scripted = scriptedAdapters(script);
  engine = createSwitchyard(
    { providers: ['a', 'b'].map((name, i) => ({ name, type: 'simulated', priority: i + 1 })), seed: 1 },
    { clock, adapters: { simulated: scripted.factory } },
  );
  return { clock, scripted, engine };
}

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

const text = (parts: StreamPart[]) => parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');

describe('stream', () => {
  it('streams parts then one finish part, and reports the provider once committed', async () => {
    const { clock, engine } = setup({ a: { type: 'stream', parts: ['Hel', 'lo'] } });
    const stream = engine.stream(hello);
    const parts = await collect(clock, stream);
    expect(text(parts)).toBe('Hello');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: { outputTokens: 2 } });
    await expect(stream.info).resolves.toMatchObject({ provider: 'a', failedAttempts: 0 });
    expect(engine.providers()[0]).toMatchObject({ requests: 1, inFlight: 0 });
  });

  it("measures a stream's latency to its first part: a long answer is not a slow call", async () => {
    const clock = new VirtualClock(0);
    engine = createSwitchyard(
      { providers: [{ name: 'a', type: 'simulated', latencyMs: 100, tokensPerSecond: 50 }], health: { slowCallMs: 1000, minCalls: 5 }, seed: 1 },
      { clock },
    );
    const latencies: number[] = [];
    engine.on('attempt.finished', (event) => latencies.push(event.attempt.latencyMs));
    for (let i = 0; i < 8; i++) {
      const parts = await collect(clock, engine.stream({ ...hello, maxTokens: 200 }));
      expect(parts.at(-1)?.type).toBe('finish');
    }
    // Each stream lasted about 4 s (200 tokens at 50 per second); its first token came after 100 ms.
    expect(Math.min(...latencies)).toBeGreaterThan(3000);
    expect(engine.providers()[0]).toMatchObject({ state: 'healthy', latencyMs: 100 });
  });

  it('lists the committed attempt when the consumer stops early, and keeps the provider neutral', async () => {
    const { clock, engine } = setup({ a: { type: 'stream', parts: ['one', 'two', 'three'], partGapMs: 100 } });
    const finished: { provider: string | undefined; answered: boolean; status: string; attempts: { provider: string; kind: string }[] }[] = [];
    engine.on('request.finished', (event) => finished.push(event));
    const run = (async () => {
      for await (const part of engine.stream(hello)) if (part.type === 'text-delta') break;
    })();
    await settle(clock, run);
    await flushMicrotasks();
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ provider: 'a', answered: true, status: 'aborted', attempts: [{ provider: 'a', kind: 'aborted' }] });
    expect(engine.providers()[0]).toMatchObject({ failures: 0, inFlight: 0, state: 'healthy' });
  });

  it('says a stream cut by the deadline did not finish, and keeps its provider neutral', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({ a: { type: 'stream', parts: ['one', 'two', 'three'], partGapMs: 3000 } });
    engine = createSwitchyard({ providers: [{ name: 'a', type: 'simulated' }], routing: { deadlineMs: 5000 }, seed: 1 }, { clock, adapters: { simulated: scripted.factory } });
    const parts = await collect(clock, engine.stream(hello));
    const error = parts.at(-1);
    expect(error?.type).toBe('error');
    expect(error?.type === 'error' ? error.error.message : '').toBe('the stream from a did not finish within the 5000 ms deadline');
    expect(engine.providers()[0]).toMatchObject({ failures: 0, inFlight: 0, state: 'healthy' });
    // Cut while answering: aborted, not a timeout of the provider's.
    expect(error?.type === 'error' ? (error.error as RequestError).attempts.map((a) => a.kind) : []).toEqual(['aborted']);
  });

  it('fails over before the first part, invisibly to the consumer', async () => {
    const { clock, engine } = setup({ a: { type: 'fail', kind: 'server', status: 503 }, b: { type: 'stream', parts: ['from b'] } });
    const stream = engine.stream(hello);
    const parts = await collect(clock, stream);
    expect(text(parts)).toBe('from b');
    expect(parts.some((p) => p.type === 'error')).toBe(false);
    await expect(stream.info).resolves.toMatchObject({ provider: 'b', failedAttempts: 1 });
  });

  it('ends with one error part when the provider fails after the first part, without failover', async () => {
    const { clock, engine, scripted } = setup({ a: { type: 'stream', parts: ['one', 'two', 'three'], failAfter: 2 } });
    const parts = await collect(clock, engine.stream(hello));
    expect(text(parts)).toBe('onetwo');
    const errors = parts.filter((p) => p.type === 'error');
    expect(errors).toHaveLength(1);
    expect(parts.at(-1)!.type).toBe('error');
    expect(scripted.calls).toHaveLength(1);
    expect(engine.providers()[0]).toMatchObject({ failures: 1, inFlight: 0 });
  });

  it('throws the request error from iteration when every attempt fails before a part', async () => {
    const { clock, engine } = setup({ a: { type: 'fail', kind: 'server' }, b: { type: 'fail', kind: 'server' } });
    const stream = engine.stream(hello);
    const error = await settle(clock, collect(clock, stream)).catch((e: unknown) => e);
    expect(RequestError.is(error)).toBe(true);
    expect((error as RequestError).code).toBe('all_attempts_failed');
    await expect(stream.info).rejects.toBe(error);
  });

  it('frees the slot at once for a stream cancelled, or whose iteration stops before its first part', async () => {
    const { clock, engine } = setup({ a: { type: 'stream', latencyMs: 50, parts: ['Hel', 'lo'] } });
    const statuses: string[] = [];
    engine.on('request.finished', (event) => statuses.push(event.status));
    const unread = engine.stream(hello);
    await clock.advance(10);
    expect(engine.providers()[0]!.inFlight).toBe(1);
    unread.cancel();
    await flushMicrotasks();
    expect([engine.inFlight, engine.providers()[0]!.inFlight]).toEqual([0, 0]);
    const stopped = engine.stream(hello);
    await clock.advance(10);
    await stopped[Symbol.asyncIterator]().return!();
    await flushMicrotasks();
    expect([engine.inFlight, engine.providers()[0]!.inFlight]).toEqual([0, 0]);
    const thrown = engine.stream(hello);
    await clock.advance(10);
    await expect(thrown[Symbol.asyncIterator]().throw!(new Error('not wanted'))).rejects.toThrow('not wanted');
    await flushMicrotasks();
    expect([engine.inFlight, engine.providers()[0]!.inFlight]).toEqual([0, 0]);
    expect(statuses).toEqual(['aborted', 'aborted', 'aborted']);
    expect(engine.providers()[0]).toMatchObject({ state: 'healthy', failures: 0 });
  });

  it('a second, unused iterator stopping does not cancel the one reading the stream; an iterator is iterable', async () => {
    const { clock, engine } = setup({ a: { type: 'stream', parts: ['Hel', 'lo'] } });
    const stream = engine.stream(hello);
    const reader = stream[Symbol.asyncIterator]();
    expect(reader[Symbol.asyncIterator]()).toBe(reader);
    const first = reader.next();
    await clock.advance(100);
    expect((await first).value).toMatchObject({ type: 'text-delta', text: 'Hel' });
    await stream[Symbol.asyncIterator]().return!();
    const rest = await collect(clock, { [Symbol.asyncIterator]: () => reader });
    expect(rest.map((part) => part.type)).toEqual(['text-delta', 'finish']);
  });

  it('cancels the upstream stream and frees the slot when the consumer stops early', async () => {
    const { clock, engine, scripted } = setup({ a: { type: 'stream', parts: ['1', '2', '3', '4'], partGapMs: 1000 } });
    const run = (async () => {
      for await (const part of engine.stream(hello)) {
        if (part.type === 'text-delta' && part.text === '2') break;
      }
    })();
    await settle(clock, run);
    expect(scripted.calls.map((call) => [call.provider, call.signal.aborted])).toEqual([['a', true]]);
    await clock.advance(10_000);
    expect(engine.providers()[0]).toMatchObject({ inFlight: 0, failures: 0 });
    expect(clock.pending).toBe(0);
  });

  it('fails a stream with an invalid request through iteration, not by throwing at once', async () => {
    const { clock, engine } = setup({});
    const stream = engine.stream({ messages: [] });
    const error = await settle(clock, collect(clock, stream)).catch((e: unknown) => e);
    expect((error as RequestError).code).toBe('invalid_request');
  });
});
