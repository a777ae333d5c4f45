import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Incident, SimulatedOptions } from '../../src/config/types.js';
import type { CallContext } from '../../src/core/adapter.js';
import { VirtualClock } from '../../src/core/clock.js';
import { ProviderError } from '../../src/core/errors.js';
import type { ChatRequest } from '../../src/core/types.js';
import { activeIncidents, isIncidentActive } from '../../src/providers/simulated/incidents.js';
import { createSimulatedAdapter } from '../../src/providers/simulated/index.js';
import { DEFAULT_SLOW_FACTOR, FAST_FAILURE_MS } from '../../src/providers/simulated/plan.js';

const REQUEST: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };
const LATENCY = 100;

/** An adapter whose engine started at clock time 5,000,000 ms; `at(s)` moves the clock there. */
function setup(incidents: Incident[], options: Partial<SimulatedOptions> = {}, seed = 1) {
  const clock = new VirtualClock(5_000_000);
  const startedAt = clock.now();
  const adapter = createSimulatedAdapter(
    { name: 'sim-a', type: 'simulated', baseUrl: undefined, apiKey: undefined, model: 'm', headers: {}, options: { latencyMs: LATENCY, incidents, ...options } },
    { clock, fetch: globalThis.fetch, seed, startedAt },
  );
  const context = (signal: AbortSignal = new AbortController().signal): CallContext => ({ clock, signal, requestId: 'r' });
  const at = async (seconds: number) => {
    expect(clock.pending).toBe(0);
    await clock.advance(startedAt + seconds * 1000 - clock.now());
  };
  return { clock, adapter, context, at };
}

/** Starts a chat now; resolves with its outcome and how long it took, running the clock up to `limitMs`. */
async function outcome(env: ReturnType<typeof setup>, limitMs = 60_000) {
  const start = env.clock.now();
  let settled: { result: unknown; ms: number } | undefined;
  const settle = (result: unknown) => (settled = { result, ms: env.clock.now() - start });
  env.adapter.chat(REQUEST, env.context()).then(() => settle('ok'), settle);
  await env.clock.runAll(limitMs);
  return settled;
}

describe('incident windows', () => {
  const once: Incident = { at: 10, for: 5, mode: 'error' };
  const recurring: Incident = { at: 10, for: 5, mode: 'error', every: 60 };

  it.each([
    [9.999, false],
    [10, true],
    [14.999, true],
    [15, false],
    [70, false],
  ])('a one-off incident at 10s for 5s covers %ss: %s', (seconds, active) => {
    expect(isIncidentActive(once, seconds)).toBe(active);
  });

  it.each([
    [9, false],
    [12, true],
    [20, false],
    [69.9, false],
    [70, true],
    [74.9, true],
    [75, false],
    [130, true],
    [3610, true],
  ])('an incident at 10s for 5s every 60s covers %ss: %s', (seconds, active) => {
    expect(isIncidentActive(recurring, seconds)).toBe(active);
  });

  it('a recurring incident repeats exactly every period after it first starts', () => {
    const incident = fc.record({
      at: fc.integer({ min: 0, max: 1000 }),
      for: fc.integer({ min: 0, max: 100 }),
      every: fc.integer({ min: 1, max: 200 }),
    });
    fc.assert(
      fc.property(incident, fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 20 }), (times, t, k) => {
        const spec: Incident = { ...times, mode: 'error' };
        return t < times.at || isIncidentActive(spec, t) === isIncidentActive(spec, t + k * times.every);
      }),
    );
  });

  it('applies only to its provider (or to every provider when it names none)', () => {
    const incidents: Incident[] = [
      { provider: 'sim-b', at: 0, for: 10, mode: 'error' },
      { at: 0, for: 10, mode: 'slow' },
      { provider: 'sim-a', at: 0, for: 10, mode: 'flaky' },
    ];
    expect(activeIncidents(incidents, 'sim-a', 5).map((i) => i.mode)).toEqual(['slow', 'flaky']);
  });
});

describe('incident modes', () => {
  it('error: a fast 503 server error inside the window, normal answers outside', async () => {
    const env = setup([{ at: 10, for: 5, mode: 'error' }]);
    await env.at(9);
    expect(await outcome(env)).toEqual({ result: 'ok', ms: LATENCY });
    await env.at(10);
    const failed = await outcome(env);
    expect(failed?.ms).toBe(FAST_FAILURE_MS);
    expect(failed?.result).toBeInstanceOf(ProviderError);
    expect(failed?.result).toMatchObject({ kind: 'server', status: 503, retryable: true });
    await env.at(15);
    expect(await outcome(env)).toEqual({ result: 'ok', ms: LATENCY });
  });

  it('error with every: fails in each repetition of the window', async () => {
    const env = setup([{ at: 10, for: 5, mode: 'error', every: 60 }]);
    for (const [seconds, ok] of [[12, false], [20, true], [71, false], [76, true], [134, false]] as const) {
      await env.at(seconds);
      expect((await outcome(env))?.result === 'ok').toBe(ok);
    }
  });

  it('timeout: never answers and holds no timer; the caller’s abort ends it', async () => {
    const env = setup([{ at: 0, for: 30, mode: 'timeout' }]);
    const controller = new AbortController();
    let settled: unknown;
    env.adapter.chat(REQUEST, env.context(controller.signal)).then((value) => (settled = value), (error: unknown) => (settled = error));
    await env.clock.advance(3_600_000);
    expect(settled).toBeUndefined();
    expect(env.clock.pending).toBe(0);
    controller.abort(new Error('attempt timeout'));
    await env.clock.advance(0);
    expect(settled).toMatchObject({ kind: 'aborted' });
  });

  it('timeout: a stream sends nothing until aborted', async () => {
    const env = setup([{ at: 0, for: 30, mode: 'timeout' }]);
    const controller = new AbortController();
    const next = env.adapter.stream(REQUEST, env.context(controller.signal))[Symbol.asyncIterator]().next();
    let settled = false;
    next.then(() => (settled = true), () => (settled = true));
    await env.clock.advance(600_000);
    expect(settled).toBe(false);
    controller.abort();
    await expect(next).rejects.toMatchObject({ kind: 'aborted' });
    expect(env.clock.pending).toBe(0);
  });

  it('rate_limit: a 429 carrying retryAfterMs from retryAfterS', async () => {
    const env = setup([{ at: 0, for: 30, mode: 'rate_limit', retryAfterS: 10 }]);
    const limited = await outcome(env);
    expect(limited?.result).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 10_000, retryable: true });
    expect(limited?.ms).toBe(FAST_FAILURE_MS);
  });

  it('rate_limit without retryAfterS: no retryAfterMs', async () => {
    const env = setup([{ at: 0, for: 30, mode: 'rate_limit' }]);
    expect((await outcome(env))?.result).toMatchObject({ kind: 'rate_limit', retryAfterMs: undefined });
  });

  it('slow: the latency becomes latencyMs, for calls that start inside the window', async () => {
    const env = setup([{ at: 10, for: 5, mode: 'slow', latencyMs: 20_000 }]);
    await env.at(9.95);
    expect(await outcome(env)).toEqual({ result: 'ok', ms: LATENCY }); // ends inside the window
    await env.at(14.9);
    expect(await outcome(env)).toEqual({ result: 'ok', ms: 20_000 }); // ends long after it
    await env.at(40);
    expect(await outcome(env)).toEqual({ result: 'ok', ms: LATENCY });
  });

  it('slow without latencyMs multiplies the sampled latency', async () => {
    const env = setup([{ at: 0, for: 30, mode: 'slow' }]);
    expect(await outcome(env)).toEqual({ result: 'ok', ms: LATENCY * DEFAULT_SLOW_FACTOR });
  });

  it('slow also delays a stream’s first part', async () => {
    const env = setup([{ at: 0, for: 30, mode: 'slow', latencyMs: 5000 }]);
    const next = env.adapter.stream(REQUEST, env.context())[Symbol.asyncIterator]().next();
    await env.clock.advance(4999);
    expect(env.clock.nextDeadline()).toBe(env.clock.now() + 1);
    await env.clock.advance(1);
    expect((await next).value).toMatchObject({ type: 'text-delta' });
  });

  it('flaky: about failureRate of calls fail inside the window, none outside', async () => {
    const env = setup([{ at: 100, for: 100, mode: 'flaky', failureRate: 0.3 }], { latencyMs: 1 }, 11);
    const share = async () => {
      const calls = Array.from({ length: 3000 }, () => env.adapter.chat(REQUEST, env.context()).then(() => 0, () => 1));
      await env.clock.advance(1);
      return (await Promise.all(calls)).reduce<number>((a, b) => a + b, 0) / calls.length;
    };
    expect(await share()).toBe(0);
    await env.at(150);
    const inside = await share();
    expect(inside).toBeGreaterThan(0.26);
    expect(inside).toBeLessThan(0.34);
    await env.at(200);
    expect(await share()).toBe(0);
  });

  it.each([
    ['error', { status: 503 }],
    ['rate_limit', { status: 429, kind: 'rate_limit' }],
    ['flaky', { status: 500 }],
  ] as const)('%s under an overlapping slow incident: the failure arrives after the slow latency', async (mode, error) => {
    const env = setup([
      { at: 0, for: 30, mode: 'slow', latencyMs: 9000 },
      { at: 0, for: 30, mode, ...(mode === 'flaky' ? { failureRate: 1 } : {}) },
    ]);
    const failed = await outcome(env);
    expect(failed?.result).toBeInstanceOf(ProviderError);
    expect(failed?.result).toMatchObject(error);
    expect(failed?.ms).toBe(9000);
  });

  it('timeout under an overlapping slow incident still hangs', async () => {
    const env = setup([
      { at: 0, for: 30, mode: 'slow', latencyMs: 9000 },
      { at: 0, for: 30, mode: 'timeout' },
    ]);
    expect(await outcome(env)).toBeUndefined();
    expect(env.clock.pending).toBe(0);
  });

  it('incidents do not shift the random sequence of later calls', async () => {
    const run = async (incidents: Incident[]) => {
      const env = setup(incidents, { latencyMs: { p50: 100, p99: 400 }, failureRate: 0.2 }, 77);
      const log: unknown[] = [];
      for (let i = 0; i < 40; i++) {
        await env.at(i);
        const result = await outcome(env);
        if (i >= 20) log.push(result);
      }
      return log;
    };
    expect(await run([{ at: 5, for: 10, mode: 'flaky', failureRate: 0.9 }])).toEqual(await run([]));
  });
});

describe('check()', () => {
  it('fails during error and timeout incidents, passes otherwise (rate_limit and slow included)', async () => {
    const env = setup([
      { at: 10, for: 10, mode: 'error' },
      { at: 30, for: 10, mode: 'timeout' },
      { at: 50, for: 10, mode: 'rate_limit' },
      { at: 70, for: 10, mode: 'slow' },
    ]);
    for (const [seconds, healthy] of [[0, true], [15, false], [35, false], [55, true], [75, true], [90, true]] as const) {
      await env.at(seconds);
      const check = env.adapter.check!(env.context());
      if (healthy) await expect(check).resolves.toBeUndefined();
      else await expect(check).rejects.toMatchObject({ kind: 'server', status: 503 });
    }
    expect(env.clock.pending).toBe(0);
  });
});
