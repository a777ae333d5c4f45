import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SimulatedOptions } from '../../src/config/types.js';
import type { CallContext, ProviderSettings } from '../../src/core/adapter.js';
import { VirtualClock } from '../../src/core/clock.js';
import { ConfigError, ProviderError } from '../../src/core/errors.js';
import { createRandom } from '../../src/core/random.js';
import { estimateInputTokens } from '../../src/core/tokens.js';
import type { ChatRequest, StreamPart } from '../../src/core/types.js';
import { ADAPTERS, createAdapter } from '../../src/providers/registry.js';
import { ANSWER_TOKENS } from '../../src/providers/simulated/answer.js';
import { createSimulatedAdapter } from '../../src/providers/simulated/index.js';
import { fitLogNormal, sampleLatency } from '../../src/providers/simulated/latency.js';
import { resolveSimulatedOptions, SIMULATED_DEFAULTS } from '../../src/providers/simulated/options.js';

const REQUEST: ChatRequest = { messages: [{ role: 'user', content: 'Where is the nearest switchyard?' }] };

function settings(options: Partial<SimulatedOptions>, name = 'sim-a'): ProviderSettings {
  return { name, type: 'simulated', baseUrl: undefined, apiKey: undefined, model: 'sim-model', headers: {}, options: { ...options } };
}

function setup(options: Partial<SimulatedOptions> = {}, seed = 1, name = 'sim-a') {
  const clock = new VirtualClock(1_700_000_000_000);
  const adapter = createSimulatedAdapter(settings(options, name), { clock, fetch: globalThis.fetch, seed, startedAt: clock.now() });
  const context = (signal: AbortSignal = new AbortController().signal): CallContext => ({ clock, signal, requestId: 'req-1' });
  return { clock, adapter, context };
}

/** Runs `count` calls one after another; records each one's latency and outcome. */
async function runCalls(options: Partial<SimulatedOptions>, seed: number, count: number, name = 'sim-a') {
  const { clock, adapter, context } = setup(options, seed, name);
  const results: { latencyMs: number; outcome: string }[] = [];
  for (let i = 0; i < count; i++) {
    const call = adapter.chat(REQUEST, context()).then(
      () => 'ok',
      (error: unknown) => (error instanceof ProviderError ? `${error.kind}:${error.status}` : 'unexpected'),
    );
    const latencyMs = clock.nextDeadline()! - clock.now();
    await clock.advance(latencyMs);
    results.push({ latencyMs, outcome: await call });
  }
  expect(clock.pending).toBe(0);
  return results;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Consumes a stream while the clock runs; records each part with the time it arrived. */
async function collect(stream: AsyncIterable<StreamPart>, clock: VirtualClock) {
  const parts: { part: StreamPart; at: number }[] = [];
  const start = clock.now();
  const done = (async () => {
    for await (const part of stream) parts.push({ part, at: clock.now() - start });
  })();
  await clock.runAll();
  await done;
  return parts;
}

describe('latency', () => {
  it('fits a log-normal whose median is p50 and 99th percentile is p99', () => {
    const { mu, sigma } = fitLogNormal(200, 800);
    expect(Math.exp(mu)).toBeCloseTo(200, 6);
    expect(sigma).toBeCloseTo(Math.log(4) / 2.326, 9);
    const random = createRandom(7);
    const samples = Array.from({ length: 20_000 }, () => sampleLatency({ p50: 200, p99: 800 }, random(), random()));
    expect(quantile(samples, 0.5)).toBeGreaterThan(190);
    expect(quantile(samples, 0.5)).toBeLessThan(210);
    expect(quantile(samples, 0.99)).toBeGreaterThan(720);
    expect(quantile(samples, 0.99)).toBeLessThan(880);
  });

  it('is a whole, non-negative number of milliseconds for any spec and draws', () => {
    const spec = fc.oneof(
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.tuple(fc.double({ min: 0.01, max: 1e4, noNaN: true }), fc.double({ min: 1, max: 50, noNaN: true })).map(([p50, ratio]) => ({ p50, p99: p50 * ratio })),
    );
    const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
    fc.assert(
      fc.property(spec, unit, unit, (latency, u1, u2) => {
        const ms = sampleLatency(latency, u1, u2);
        return Number.isInteger(ms) && ms >= 0;
      }),
    );
  });

  it('is constant when p99 equals p50, and exact when fixed', () => {
    expect(sampleLatency({ p50: 300, p99: 300 }, 0.001, 0.3)).toBe(300);
    expect(sampleLatency(125, 0.9, 0.9)).toBe(125);
  });

  it('the adapter waits the configured distribution before answering', async () => {
    const results = await runCalls({ latencyMs: { p50: 200, p99: 800 } }, 3, 3000);
    const latencies = results.map((r) => r.latencyMs);
    expect(quantile(latencies, 0.5)).toBeGreaterThan(185);
    expect(quantile(latencies, 0.5)).toBeLessThan(215);
    expect(quantile(latencies, 0.99)).toBeGreaterThan(650);
    expect(quantile(latencies, 0.99)).toBeLessThan(1000);
  });
});

describe('answers', () => {
  it('are deterministic text with usage, finish reason, model and id', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 100 });
    const call = adapter.chat(REQUEST, context());
    await clock.advance(100);
    const answer = await call;
    expect(answer.content.startsWith('Simulated answer from sim-a (#1).')).toBe(true);
    expect(answer).toMatchObject({
      id: 'sim-sim-a-1',
      model: 'sim-model',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: estimateInputTokens(REQUEST), outputTokens: ANSWER_TOKENS },
    });
    const second = adapter.chat(REQUEST, context());
    await clock.advance(100);
    expect((await second).id).toBe('sim-sim-a-2');
  });

  it('are cut by maxTokens with finish reason length', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 10 });
    const call = adapter.chat({ ...REQUEST, maxTokens: 3 }, context());
    await clock.advance(10);
    expect(await call).toMatchObject({
      content: 'Simulated answer from',
      finishReason: { unified: 'length', raw: 'length' },
      usage: { outputTokens: 3 },
    });
  });

  it('end before the first stop sequence they contain, with finish reason stop (as OpenAI: the sequence is not sent)', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 10 });
    const call = adapter.chat({ ...REQUEST, maxTokens: 20, stop: ['lazy', 'fox'] }, context());
    await clock.advance(10);
    const answer = await call;
    expect(answer.content).toBe('Simulated answer from sim-a (#1). The quick brown ');
    expect(answer).toMatchObject({ finishReason: { unified: 'stop', raw: 'stop' }, usage: { outputTokens: 9 } });
    // A stop sequence the answer does not contain changes nothing.
    const other = adapter.chat({ ...REQUEST, maxTokens: 20, stop: ['zebra'] }, context());
    const plain = adapter.chat({ ...REQUEST, maxTokens: 20 }, context());
    await clock.advance(10);
    expect((await other).content).toBe((await plain).content.replace('(#3)', '(#2)'));
    expect((await other).finishReason).toEqual({ unified: 'length', raw: 'length' });
  });

  it('streamed, end before the first stop sequence too, finishing stop', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 0, tokensPerSecond: 50 });
    const parts = await collect(adapter.stream({ ...REQUEST, maxTokens: 40, stop: ['fox'] }, context()), clock);
    const text = parts.map((p) => (p.part.type === 'text-delta' ? p.part.text : '')).join('');
    expect(text).toBe('Simulated answer from sim-a (#1). The quick brown ');
    expect(parts.every((p) => p.part.type !== 'text-delta' || p.part.text !== '')).toBe(true);
    expect(parts.at(-1)!.part).toMatchObject({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: { outputTokens: 9 } });
    expect(parts.at(-1)!.at).toBe(9 * 20);
  });

  it('do not arrive before the latency has passed', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 100 });
    let settled = false;
    const call = adapter.chat(REQUEST, context()).finally(() => (settled = true));
    await clock.advance(99);
    expect(settled).toBe(false);
    await clock.advance(1);
    await call;
    expect(settled).toBe(true);
  });
});

describe('determinism and failure rate', () => {
  const options = { latencyMs: { p50: 100, p99: 900 }, failureRate: 0.3 };

  it('the same seed and name give the same latencies and outcomes', async () => {
    expect(await runCalls(options, 42, 200)).toEqual(await runCalls(options, 42, 200));
  });

  it('another seed or another provider name gives another sequence', async () => {
    const base = await runCalls(options, 42, 200);
    expect(await runCalls(options, 43, 200)).not.toEqual(base);
    expect(await runCalls(options, 42, 200, 'sim-b')).not.toEqual(base);
  });

  it('fails about failureRate of calls with a server error, status 500, retryable', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 5, failureRate: 0.3 }, 9);
    const calls = Array.from({ length: 4000 }, () => adapter.chat(REQUEST, context()).then(() => undefined, (error: unknown) => error));
    await clock.advance(5);
    const errors = (await Promise.all(calls)).filter((error) => error !== undefined);
    expect(errors.length / 4000).toBeGreaterThan(0.27);
    expect(errors.length / 4000).toBeLessThan(0.33);
    for (const error of errors) expect(error).toMatchObject({ kind: 'server', status: 500, retryable: true, provider: 'sim-a' });
    expect(clock.pending).toBe(0);
  });

  it('never fails with failureRate 0 and always with failureRate 1', async () => {
    expect((await runCalls({ latencyMs: 1, failureRate: 0 }, 5, 300)).every((r) => r.outcome === 'ok')).toBe(true);
    expect((await runCalls({ latencyMs: 1, failureRate: 1 }, 5, 300)).every((r) => r.outcome === 'server:500')).toBe(true);
  });
});

describe('streaming', () => {
  it('sends the first part at the latency, one token per part, and finishes after tokens/tokensPerSecond', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 100, tokensPerSecond: 50 });
    const parts = await collect(adapter.stream({ ...REQUEST, maxTokens: 5 }, context()), clock);
    expect(parts.map((p) => p.at)).toEqual([100, 120, 140, 160, 180, 200]);
    expect(parts.slice(0, 5).map((p) => (p.part.type === 'text-delta' ? p.part.text : '')).join('')).toBe('Simulated answer from sim-a (#1).');
    expect(parts[5]!.part).toEqual({
      type: 'finish',
      finishReason: { unified: 'length', raw: 'length' },
      usage: { inputTokens: estimateInputTokens(REQUEST), outputTokens: 5 },
      model: 'sim-model',
      id: 'sim-sim-a-1',
    });
    expect(clock.pending).toBe(0);
  });

  it('groups tokens when they come faster than one part per 20 ms', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 0, tokensPerSecond: 200 });
    const parts = await collect(adapter.stream({ ...REQUEST, maxTokens: 10 }, context()), clock);
    expect(parts.map((p) => p.at)).toEqual([0, 20, 40, 50]);
    expect(parts.map((p) => p.part.type)).toEqual(['text-delta', 'text-delta', 'text-delta', 'finish']);
    expect(parts.at(-1)!.part).toMatchObject({ finishReason: { unified: 'length' }, usage: { outputTokens: 10 } });
  });

  it('a full answer streams ANSWER_TOKENS tokens in ANSWER_TOKENS / tokensPerSecond seconds', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 250, tokensPerSecond: 32 });
    const parts = await collect(adapter.stream(REQUEST, context()), clock);
    expect(parts.at(-1)!.at).toBe(250 + (ANSWER_TOKENS / 32) * 1000);
    expect(parts.filter((p) => p.part.type === 'text-delta')).toHaveLength(ANSWER_TOKENS);
  });

  it('throws a failure from the first next(), at the latency', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 70, failureRate: 1 });
    const start = clock.now();
    const iterator = adapter.stream(REQUEST, context())[Symbol.asyncIterator]();
    const first = iterator.next().then(
      () => undefined,
      (error: unknown) => ({ error, at: clock.now() - start }),
    );
    await clock.runAll();
    const failed = await first;
    expect(failed?.at).toBe(70);
    expect(failed?.error).toMatchObject({ kind: 'server', status: 500 });
  });
});

describe('aborts', () => {
  it('an abort during the latency rejects with aborted and clears the timer', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 100 });
    const controller = new AbortController();
    const call = adapter.chat(REQUEST, context(controller.signal)).catch((error: unknown) => error);
    await clock.advance(50);
    expect(clock.pending).toBe(1);
    controller.abort();
    expect(await call).toMatchObject({ kind: 'aborted', retryable: false });
    expect(clock.pending).toBe(0);
  });

  it('an already aborted signal rejects at once without a timer', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 100 });
    const controller = new AbortController();
    controller.abort();
    await expect(adapter.chat(REQUEST, context(controller.signal))).rejects.toMatchObject({ kind: 'aborted' });
    await expect(adapter.check!(context(controller.signal))).rejects.toMatchObject({ kind: 'aborted' });
    expect(clock.pending).toBe(0);
  });

  it('an abort mid-stream ends the stream with aborted and leaves no timer', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 100, tokensPerSecond: 10 });
    const controller = new AbortController();
    const iterator = adapter.stream(REQUEST, context(controller.signal))[Symbol.asyncIterator]();
    const first = iterator.next();
    await clock.advance(100);
    expect((await first).value).toMatchObject({ type: 'text-delta' });
    const second = iterator.next().catch((error: unknown) => error);
    await clock.advance(50);
    expect(clock.pending).toBe(1);
    controller.abort();
    expect(await second).toMatchObject({ kind: 'aborted' });
    expect(clock.pending).toBe(0);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('an abort while the consumer holds a part ends the stream at its next read', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 10, tokensPerSecond: 10 });
    const controller = new AbortController();
    const iterator = adapter.stream(REQUEST, context(controller.signal))[Symbol.asyncIterator]();
    const first = iterator.next();
    await clock.advance(10);
    await first;
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ kind: 'aborted' });
    expect(clock.pending).toBe(0);
  });

  it('a consumer that stops reading early leaves no timer', async () => {
    const { clock, adapter, context } = setup({ latencyMs: 10, tokensPerSecond: 10 });
    const received: StreamPart[] = [];
    const reading = (async () => {
      for await (const part of adapter.stream(REQUEST, context())) {
        received.push(part);
        if (received.length === 2) break;
      }
    })();
    await clock.runAll();
    await reading;
    expect(received).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });
});

describe('options and registry', () => {
  it('applies the documented defaults', () => {
    expect(resolveSimulatedOptions('x', {})).toEqual(SIMULATED_DEFAULTS);
  });

  it('names every invalid option', () => {
    const bad = { latencyMs: { p50: 500, p99: 100 }, failureRate: 2, tokensPerSecond: 0, incidents: [{ at: -1, for: 5, mode: 'boom' }] };
    try {
      resolveSimulatedOptions('x', bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.join('\n');
      for (const field of ['latencyMs', 'failureRate', 'tokensPerSecond', 'incidents[0].mode', 'incidents[0].at']) expect(issues).toContain(field);
    }
  });

  it('registers simulated and builds it by type', async () => {
    expect(ADAPTERS.simulated).toBe(createSimulatedAdapter);
    const clock = new VirtualClock();
    const adapter = createAdapter(settings({ latencyMs: 1 }), { clock, fetch: globalThis.fetch, seed: 1, startedAt: 0 });
    const call = adapter.chat(REQUEST, { clock, signal: new AbortController().signal, requestId: 'r' });
    await clock.advance(1);
    expect((await call).model).toBe('sim-model');
  });

  it('refuses an unknown type with a clear error, including prototype keys', () => {
    const environment = { clock: new VirtualClock(), fetch: globalThis.fetch, seed: 1, startedAt: 0 };
    for (const type of ['openia', 'toString', '__proto__']) {
      const build = () => createAdapter({ ...settings({}), type }, environment);
      expect(build).toThrow(ConfigError);
      expect(build).toThrow(`unknown type "${type}"`);
    }
  });
});
