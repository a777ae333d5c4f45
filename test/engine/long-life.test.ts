/**
 * An engine embedded for months: what a caller hands it (a long-lived AbortSignal) keeps
 * nothing of the requests that have ended.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { scriptedAdapters } from '../helpers/scripted-adapter.js';
import { settle } from '../helpers/virtual.js';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };
let engine: Switchyard | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('a caller\'s long-lived AbortSignal', () => {
  it('keeps no listener of requests that ended before trying any provider', async () => {
    const clock = new VirtualClock(0);
    engine = createSwitchyard({ providers: [{ name: 'a', type: 'simulated' }], routing: { panic: false }, seed: 1 }, { clock });
    engine.operate('a', 'disable');
    const shared = new AbortController();
    for (let i = 0; i < 50; i++) {
      await expect(settle(clock, engine.chat(hello, { signal: shared.signal }))).rejects.toMatchObject({ code: 'no_provider_available' });
      const stream = engine.stream(hello, { signal: shared.signal });
      await expect(stream.info).rejects.toMatchObject({ code: 'no_provider_available' });
    }
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('carries one listener for all the requests under way on it, and aborting it ends each of them', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({ a: { type: 'hang' } });
    engine = createSwitchyard({ providers: [{ name: 'a', type: 'simulated' }], seed: 1 }, { clock, adapters: { simulated: scripted.factory } });
    const shared = new AbortController();
    const requests = Array.from({ length: 30 }, () => engine!.chat(hello, { signal: shared.signal }));
    await clock.advance(10);
    expect(engine.inFlight).toBe(30);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    shared.abort();
    for (const request of requests) await expect(settle(clock, request)).rejects.toMatchObject({ code: 'aborted' });
    expect(engine.inFlight).toBe(0);
    expect(engine.providers()[0]!.inFlight).toBe(0);
  });

  it('is let go by the last request that used it, and serves later requests as a fresh one', async () => {
    const clock = new VirtualClock(0);
    engine = createSwitchyard({ providers: [{ name: 'a', type: 'simulated', latencyMs: 100 }], seed: 1 }, { clock });
    const shared = new AbortController();
    const first = [engine.chat(hello, { signal: shared.signal }), engine.chat(hello, { signal: shared.signal })];
    await settle(clock, Promise.all(first));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    const later = engine.chat(hello, { signal: shared.signal });
    await clock.advance(10);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    shared.abort();
    await expect(settle(clock, later)).rejects.toMatchObject({ code: 'aborted' });
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });
});
