/**
 * The adapter contract (Hono's pattern: one suite, every implementation registers).
 * `runAdapterContract` starts a wire-faithful fake on a real socket and checks answers,
 * streams, usage, finish reasons and the whole fault list against one adapter.
 *
 * @example
 * runAdapterContract({ name: 'openai', factory: createOpenAIAdapter, wire: openaiWire });
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AdapterFactory, ProviderAdapter } from '../../src/core/adapter.js';
import { OUTCOME_BY_KIND, type ErrorKind } from '../../src/core/errors.js';
import type { ChatRequest } from '../../src/core/types.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import type { FakeWire, FaultKind } from '../fakes/types.js';
import { faultCases } from './contract-faults.js';
import { createPooledFetch, type PooledFetch } from '../../src/providers/shared/pooled-fetch.js';
import { advanceUntilSettled, collect, createHarness, failure, textOf, toolCallsOf } from './helpers.js';

/** Registration of one adapter with the contract suite. */
export interface AdapterContract {
  name: string;
  factory: AdapterFactory;
  wire: FakeWire;
  /** @default 'fake-model' */
  model?: string;
  /** Extra `settings.options`. @default {} */
  options?: Record<string, unknown>;
  /** Provider-specific classification of semantic faults, where it differs from the default. */
  faultKinds?: Partial<Record<FaultKind, ErrorKind>>;
  /** Which prompt-cache counts the provider reports (cache reads, cache writes). @default neither */
  cacheCounts?: { reads: boolean; writes: boolean };
}

/** A credential shaped like none of the known key patterns, so only exact redaction can hide it. */
export const CONTRACT_KEY = 'contract-secret-0123456789-abcdef';
const IDLE_MS = 1000;
const request: ChatRequest = { messages: [{ role: 'user', content: 'Say hello.' }], maxTokens: 50 };
const weather = { id: 'call_abc123', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' };

/**
 * Registers the whole contract suite for one adapter, once per transport: Node's `fetch` and
 * the engine's default pooled fetch (undici `Agent`), which must be indistinguishable.
 */
export function runAdapterContract(contract: AdapterContract): void {
  runWithTransport(contract, 'fetch');
  runWithTransport(contract, 'pooled fetch');
}

function runWithTransport(contract: AdapterContract, transport: 'fetch' | 'pooled fetch'): void {
  describe(`adapter contract: ${contract.name} over ${transport}`, () => {
    let fake: FakeUpstream;
    let pooled: PooledFetch | undefined;
    let harness: ReturnType<typeof createHarness>;
    let adapter: ProviderAdapter;
    const create = (baseUrl: string) =>
      contract.factory(
        { name: contract.name, type: contract.name, baseUrl, apiKey: CONTRACT_KEY, model: contract.model ?? 'fake-model', headers: {}, options: { idleTimeoutMs: IDLE_MS, ...contract.options } },
        harness.environment,
      );

    beforeAll(async () => {
      fake = await startFakeUpstream(contract.wire);
      if (transport === 'pooled fetch') pooled = createPooledFetch();
    });
    afterAll(async () => {
      await adapter?.close?.();
      await pooled?.close();
      await fake.close();
    });
    beforeEach(() => {
      fake.reset();
      harness = createHarness(pooled ?? globalThis.fetch);
      adapter = create(fake.baseUrl);
    });

    describe('answers', () => {
      it('maps a text answer with usage, finish reason, model and id', async () => {
        fake.enqueue({ type: 'ok', reply: { content: 'Hello there!', usage: { input: 12, output: 3 }, model: 'upstream-model-1' } });
        const response = await adapter.chat(request, harness.context());
        expect(response).toMatchObject({ content: 'Hello there!', model: 'upstream-model-1', usage: { inputTokens: 12, outputTokens: 3 } });
        expect(response.finishReason.unified).toBe('stop');
        expect(response.finishReason.raw).toBeTypeOf('string');
        expect(response.id).toBeTypeOf('string');
        expect(harness.clock.pending).toBe(0);
      });

      it('sends its request under the base URL (path, query) with merged, trimmed headers and the request id', async () => {
        adapter = contract.factory(
          {
            name: contract.name,
            type: contract.name,
            baseUrl: `${fake.baseUrl}/?tenant=t1#ignored`,
            apiKey: `${CONTRACT_KEY}\n`, // read from a file: a trailing newline
            model: contract.model ?? 'fake-model',
            headers: { 'x-extra': 'first', 'X-Extra': '  second\n' },
            options: { idleTimeoutMs: IDLE_MS, ...contract.options },
          },
          harness.environment,
        );
        fake.enqueue({ type: 'ok', reply: { content: 'Hi.' } });
        const context = harness.context();
        await adapter.chat(request, context);
        const [sent] = fake.requests;
        expect(sent!.path.startsWith(`${contract.wire.basePath}/`)).toBe(true);
        expect(sent!.path).not.toContain(`${contract.wire.basePath}//`);
        expect(new URL(sent!.path, 'http://x').searchParams.get('tenant')).toBe('t1');
        expect(sent!.path).not.toContain('ignored');
        expect(sent!.headers['x-extra']).toBe('second');
        expect(sent!.headers['x-request-id']).toBe(context.requestId);
        for (const value of Object.values(sent!.headers)) expect(String(value)).not.toMatch(/\n/);
        // The key as sent (trimmed) is still redacted when an upstream error echoes it.
        fake.enqueue({ type: 'echo-key-in-error' });
        const error = await failure(adapter.chat(request, harness.context()));
        expect(error.message).not.toContain(CONTRACT_KEY);
      });

      it('reuses connections for consecutive streams (when the body ends with its terminator)', async () => {
        for (let i = 0; i < 4; i++) {
          fake.enqueue({ type: 'ok', reply: { content: 'One two.', chunks: ['One', ' two.'], usage: { input: 9, output: 2 } } });
          await collect(adapter.stream(request, harness.context()));
        }
        expect(fake.requests).toHaveLength(4);
        expect(new Set(fake.requests.map((r) => r.remotePort)).size).toBeLessThan(4);
      });

      it('maps tool calls', async () => {
        fake.enqueue({ type: 'ok', reply: { content: '', toolCalls: [weather] } });
        const response = await adapter.chat({ ...request, tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }, harness.context());
        expect(response.toolCalls).toEqual([weather]);
        expect(response.finishReason.unified).toBe('tool_calls');
      });

      it.each(['length', 'content_filter'] as const)('maps finish reason %s', async (finish) => {
        fake.enqueue({ type: 'ok', reply: { finish } });
        expect((await adapter.chat(request, harness.context())).finishReason.unified).toBe(finish);
      });

      it('leaves usage undefined (never 0) when the provider omits it', async () => {
        fake.enqueue({ type: 'ok', reply: { usage: null } });
        expect((await adapter.chat(request, harness.context())).usage).toEqual({ inputTokens: undefined, outputTokens: undefined });
      });

      it('reuses connections for consecutive calls (keep-alive)', async () => {
        for (let i = 0; i < 4; i++) await adapter.chat(request, harness.context());
        expect(fake.requests).toHaveLength(4);
        // Node's fetch may open a second connection while the first is being released; never one per call.
        expect(new Set(fake.requests.map((r) => r.remotePort)).size).toBeLessThan(4);
      });
    });

    describe('streams', () => {
      it('streams text deltas then exactly one finish part with usage', async () => {
        fake.enqueue({ type: 'ok', reply: { content: 'One two three.', chunks: ['One', ' two', ' three.'], usage: { input: 9, output: 4 }, model: 'upstream-model-7' } });
        const parts = await collect(adapter.stream(request, harness.context()));
        expect(textOf(parts)).toBe('One two three.');
        expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
        const last = parts.at(-1)!;
        expect(last).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: 9, outputTokens: 4 }, model: 'upstream-model-7' });
        // The first part already names the model, so a gateway's first chunk can too.
        expect(parts[0]).toMatchObject({ type: 'text-delta', model: 'upstream-model-7' });
        expect(harness.clock.pending).toBe(0);
      });

      it('never names an empty model: an empty upstream name is no name', async () => {
        fake.enqueue({ type: 'ok', reply: { content: 'Hi', model: '' } }, { type: 'ok', reply: { content: 'Hi', model: '' } });
        expect((await adapter.chat(request, harness.context())).model).toBe(contract.model ?? 'fake-model');
        const parts = await collect(adapter.stream(request, harness.context()));
        expect(parts.filter((part) => 'model' in part && part.model === '')).toEqual([]);
      });

      it('streams tool calls as deltas that assemble to the calls', async () => {
        fake.enqueue({ type: 'ok', reply: { content: '', toolCalls: [weather] } });
        const parts = await collect(adapter.stream({ ...request, tools: [{ name: 'get_weather' }] }, harness.context()));
        expect(toolCallsOf(parts)).toEqual([{ id: weather.id, name: weather.name, arguments: weather.arguments }]);
        expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls' } });
      });

      it('reports a length finish and unknown usage as undefined', async () => {
        fake.enqueue({ type: 'ok', reply: { finish: 'length', usage: null } });
        const parts = await collect(adapter.stream(request, harness.context()));
        expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'length' }, usage: { inputTokens: undefined, outputTokens: undefined } });
      });

      it('lets a consumer stop early without error and leaves no timer behind', async () => {
        fake.enqueue({ type: 'ok', reply: { content: 'a b c d e f' } });
        for await (const part of adapter.stream(request, harness.context())) if (part.type === 'text-delta') break;
        expect(harness.clock.pending).toBe(0);
        await expect(adapter.chat(request, harness.context())).resolves.toBeDefined();
      });
    });

    describe('thinking models', () => {
      // 1,000 of the 1,200 prompt tokens come from a prompt cache; 40 of the 50 output tokens are thinking.
      const thinking = {
        content: 'Four.',
        chunks: ['Fo', 'ur.'],
        reasoning: 'The user asks for 2 + 2, which is four.',
        usage: { input: 1200, output: 50, reasoning: 40, cachedInput: 1000 },
      };

      it('keeps the thinking out of the answer and counts it as output, and cached prompt tokens as input', async () => {
        fake.enqueue({ type: 'ok', reply: thinking }, { type: 'ok', reply: thinking });
        expect(await adapter.chat(request, harness.context())).toMatchObject({ content: 'Four.', usage: { inputTokens: 1200, outputTokens: 50 } });
        const parts = await collect(adapter.stream(request, harness.context()));
        expect(textOf(parts)).toBe('Four.');
        // Thinking is no part: the stream's first part (the point of no failover) is the answer's.
        expect(parts[0]).toMatchObject({ type: 'text-delta', text: 'Fo' });
        expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: 1200, outputTokens: 50 } });
      });

      it('fails a stream cut while thinking before it yields any part, so the request can still fail over', async () => {
        fake.enqueue({ type: 'reset-mid-body', reply: { ...thinking, reasoning: 'a b c d e f g h i j k l m n o p q r s t', chunks: ['Four.'] } });
        const parts: unknown[] = [];
        const error = await failure((async () => {
          for await (const part of adapter.stream(request, harness.context())) parts.push(part);
        })());
        expect([error.kind, parts]).toEqual(['network', []]);
      });
    });

    describe('prompt cache', () => {
      const { reads, writes } = contract.cacheCounts ?? { reads: false, writes: false };

      it('reports the cache reads and writes it knows of as parts of the input, 0 when none, in both modes', async () => {
        const cached = { content: 'Hi.', usage: { input: 3000, output: 5, cachedInput: 1000, cacheWriteInput: 1500 } };
        const fresh = { content: 'Hi.', usage: { input: 12, output: 3 } };
        fake.enqueue({ type: 'ok', reply: cached }, { type: 'ok', reply: cached }, { type: 'ok', reply: fresh }, { type: 'ok', reply: fresh });
        const usageOf = async (mode: 'chat' | 'stream') =>
          mode === 'chat' ? (await adapter.chat(request, harness.context())).usage : ((await collect(adapter.stream(request, harness.context()))).at(-1) as { usage: unknown }).usage;
        const expected = (input: number, output: number, read: number, written: number) => ({
          inputTokens: input,
          outputTokens: output,
          ...(reads ? { cachedInputTokens: read } : {}),
          ...(writes ? { cacheWriteInputTokens: written } : {}),
        });
        expect(await usageOf('chat')).toStrictEqual(expected(3000, 5, 1000, 1500));
        expect(await usageOf('stream')).toStrictEqual(expected(3000, 5, 1000, 1500));
        expect(await usageOf('chat')).toStrictEqual(expected(12, 3, 0, 0));
        expect(await usageOf('stream')).toStrictEqual(expected(12, 3, 0, 0));
      });
    });

    describe('health check', () => {
      it('resolves when the upstream answers and fails classified when it does not', async () => {
        if (!adapter.check) return;
        await expect(adapter.check(harness.context())).resolves.toBeUndefined();
        fake.enqueue({ type: 'error', kind: 'auth' });
        expect((await failure(adapter.check(harness.context()))).kind).toBe('auth');
      });
    });

    for (const mode of ['chat', 'stream'] as const) {
      const call = (context = harness.context()) =>
        mode === 'chat' ? adapter.chat(request, context) : collect(adapter.stream(request, context));

      describe(`faults (${mode})`, () => {
        for (const fault of faultCases(contract.wire, contract.faultKinds).filter((c) => !c.only || c.only === mode)) {
          it(`${fault.title} → ${fault.kind}`, async () => {
            fake.enqueue(fault.behaviour);
            const error = await failure(call());
            expect({ kind: error.kind, status: error.status, retryAfterMs: error.retryAfterMs }).toEqual({
              kind: fault.kind,
              status: fault.status,
              retryAfterMs: fault.retryAfterMs,
            });
            expect(error.retryable).toBe(OUTCOME_BY_KIND[fault.kind].retryable);
            expect(error.provider).toBe(contract.name);
            expect(error.message).not.toContain(CONTRACT_KEY);
            expect(harness.clock.pending).toBe(0);
          });
        }

        it('connection refused → network', async () => {
          const closed = createServer();
          await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
          const { port } = closed.address() as AddressInfo;
          await new Promise<void>((resolve) => closed.close(() => resolve()));
          adapter = create(`http://127.0.0.1:${port}${contract.wire.basePath}`);
          const error = await failure(call());
          expect([error.kind, error.retryable]).toEqual(['network', true]);
        });

        it('hang before headers, attempt timeout (TimeoutError) → timeout', async () => {
          fake.enqueue({ type: 'hang-before-headers' });
          const controller = new AbortController();
          const pending = failure(call(harness.context(controller)));
          await fake.until((f) => f.hanging === 1);
          controller.abort(new DOMException('attempt timed out', 'TimeoutError'));
          const error = await pending;
          expect([error.kind, error.retryable]).toEqual(['timeout', true]);
          await fake.until((f) => f.hanging === 0);
        });

        it('hang before headers, client aborts → aborted (not retryable)', async () => {
          fake.enqueue({ type: 'hang-before-headers' });
          const controller = new AbortController();
          const pending = failure(call(harness.context(controller)));
          await fake.until((f) => f.hanging === 1);
          controller.abort();
          const error = await pending;
          expect([error.kind, error.retryable]).toEqual(['aborted', false]);
        });

        it('client aborts mid-body → aborted, and the upstream connection is closed', async () => {
          fake.enqueue({ type: 'hang-mid-stream' });
          const controller = new AbortController();
          const pending = failure(call(harness.context(controller)));
          await fake.until((f) => f.hanging === 1);
          controller.abort();
          const error = await pending;
          expect([error.kind, error.retryable]).toEqual(['aborted', false]);
          await fake.until((f) => f.hanging === 0);
          expect(harness.clock.pending).toBe(0);
        });

        it('hang mid-body: idle timeout on the injected clock → timeout', async () => {
          fake.enqueue({ type: 'hang-mid-stream' });
          const pending = failure(call());
          await fake.until((f) => f.hanging === 1);
          const error = await advanceUntilSettled(harness.clock, pending, IDLE_MS);
          expect([error.kind, error.retryable]).toEqual(['timeout', true]);
          expect(harness.clock.pending).toBe(0);
          await fake.until((f) => f.hanging === 0);
        });
      });
    }
  });
}
