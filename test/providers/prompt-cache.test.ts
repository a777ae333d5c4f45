/**
 * Prompt-cache counts as each provider writes them, both modes: OpenAI's
 * `prompt_tokens_details` (in the reply and the final usage chunk), Anthropic's
 * `cache_read_input_tokens` / `cache_creation_input_tokens` (in the reply, and in `message_start`
 * then `message_delta`'s cumulative usage), Gemini's `cachedContentTokenCount`; Ollama has none.
 * The counts are parts of `inputTokens`; an unknown one is `undefined`, never 0.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '../../src/core/adapter.js';
import type { ChatRequest, StreamPart, Usage } from '../../src/core/types.js';
import { createAnthropicAdapter } from '../../src/providers/anthropic/index.js';
import { createGeminiAdapter } from '../../src/providers/gemini/index.js';
import { createOllamaAdapter } from '../../src/providers/ollama/index.js';
import { createOpenAIAdapter } from '../../src/providers/openai/index.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { geminiWire, sseFrame } from '../fakes/gemini.js';
import { ollamaWire } from '../fakes/ollama.js';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import type { Behaviour, FakeWire } from '../fakes/types.js';
import { collect, createHarness } from './helpers.js';

const hi: ChatRequest = { messages: [{ role: 'user', content: 'Hi' }] };
const json = (body: unknown): Behaviour => ({ type: 'status', status: 200, body, headers: { 'content-type': 'application/json' } });
const events = (body: string): Behaviour => ({ type: 'status', status: 200, body, headers: { 'content-type': 'text/event-stream' } });

/** One fake upstream and a way to call an adapter of its type, answer and stream. */
function upstream(wire: FakeWire, factory: AdapterFactory, type: string, model: string) {
  let fake: FakeUpstream;
  let harness = createHarness();
  beforeAll(async () => {
    fake = await startFakeUpstream(wire);
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    harness = createHarness();
  });
  const adapter = () => factory({ name: type, type, baseUrl: fake.baseUrl, apiKey: 'k-test', model, headers: {}, options: {} }, harness.environment);
  return {
    enqueue: (...behaviours: Behaviour[]) => fake.enqueue(...behaviours),
    chat: async (): Promise<Usage> => (await adapter().chat(hi, harness.context())).usage,
    stream: async (): Promise<Usage> => {
      const last = (await collect(adapter().stream(hi, harness.context()))).at(-1) as Extract<StreamPart, { type: 'finish' }>;
      expect(last.type).toBe('finish');
      return last.usage;
    },
  };
}

describe('OpenAI: prompt_tokens_details', () => {
  const openai = upstream(openaiWire, createOpenAIAdapter, 'openai', 'gpt-4o');
  const completion = (usage: unknown) => ({ id: 'c1', object: 'chat.completion', model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage });
  const stream = (usage: unknown) => {
    const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o' };
    const chunks = [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null },
      { ...base, choices: [], usage },
    ];
    return events([...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n'].join(''));
  };
  // OpenAI's own numbers: cached_tokens is part of prompt_tokens.
  const cached = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };

  it('reads cached_tokens as the cache reads of the prompt, from the reply and from the final usage chunk', async () => {
    openai.enqueue(json(completion(cached)), stream(cached));
    const expected = { inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920 };
    // OpenAI does not report cache writes: unknown, not 0.
    expect(await openai.chat()).toStrictEqual(expected);
    expect(await openai.stream()).toStrictEqual(expected);
  });

  it('reads cache_write_tokens where a compatible server (OpenRouter) reports cache writes', async () => {
    const usage = { prompt_tokens: 3000, completion_tokens: 10, total_tokens: 3010, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 2500 } };
    openai.enqueue(json(completion(usage)), stream(usage));
    const expected = { inputTokens: 3000, outputTokens: 10, cachedInputTokens: 0, cacheWriteInputTokens: 2500 };
    expect(await openai.chat()).toStrictEqual(expected);
    expect(await openai.stream()).toStrictEqual(expected);
  });

  it('reads DeepSeek\'s prompt_cache_hit_tokens when a server sends no prompt_tokens_details', async () => {
    const usage = { prompt_tokens: 10_000, completion_tokens: 100, total_tokens: 10_100, prompt_cache_hit_tokens: 9_900, prompt_cache_miss_tokens: 100 };
    openai.enqueue(json(completion(usage)), stream(usage));
    const expected = { inputTokens: 10_000, outputTokens: 100, cachedInputTokens: 9_900 };
    expect(await openai.chat()).toStrictEqual(expected);
    expect(await openai.stream()).toStrictEqual(expected);
  });

  it('reads LiteLLM\'s top-level cache_creation_input_tokens as the cache writes (LiteLLM in front of Anthropic)', async () => {
    // LiteLLM's documented shape: prompt_tokens counts every prompt token, cached or not.
    const usage = { prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 0 }, cache_creation_input_tokens: 1920 };
    openai.enqueue(json(completion(usage)), stream(usage));
    const expected = { inputTokens: 2006, outputTokens: 300, cachedInputTokens: 0, cacheWriteInputTokens: 1920 };
    expect(await openai.chat()).toStrictEqual(expected);
    expect(await openai.stream()).toStrictEqual(expected);
  });

  it('leaves the counts unknown when a server omits them, and ignores ones that are odd or exceed the prompt', async () => {
    const bare = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };
    const odd = { ...bare, prompt_tokens_details: { cached_tokens: 'n/a' } };
    const tooMany = { ...bare, prompt_tokens_details: { cached_tokens: 13 } };
    openai.enqueue(json(completion(bare)), stream(bare), json(completion(odd)), stream(tooMany));
    for (const usage of [await openai.chat(), await openai.stream(), await openai.chat(), await openai.stream()]) {
      expect(usage).toStrictEqual({ inputTokens: 12, outputTokens: 3 });
    }
  });
});

describe('Anthropic: cache_read_input_tokens and cache_creation_input_tokens', () => {
  const anthropic = upstream(anthropicWire, createAnthropicAdapter, 'anthropic', 'claude-sonnet-4-5');
  const message = (usage: unknown) => ({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage });
  const sse = (start: unknown, delta: unknown) =>
    events(
      [
        { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], usage: start } },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: delta },
        { type: 'message_stop' },
      ]
        .map((data) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`)
        .join(''),
    );
  const counts = { input_tokens: 50, cache_creation_input_tokens: 2000, cache_read_input_tokens: 1500 };
  // input_tokens excludes both: the prompt is their sum.
  const expected = { inputTokens: 3550, outputTokens: 7, cachedInputTokens: 1500, cacheWriteInputTokens: 2000 };

  it('reads both counts, parts of the input, from a reply', async () => {
    anthropic.enqueue(json(message({ ...counts, cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 0 }, output_tokens: 7 })));
    expect(await anthropic.chat()).toStrictEqual(expected);
  });

  it("takes message_delta's cumulative counts, as the current API sends them", async () => {
    anthropic.enqueue(sse({ ...counts, output_tokens: 1 }, { ...counts, output_tokens: 7 }));
    expect(await anthropic.stream()).toStrictEqual(expected);
  });

  it("keeps message_start's counts when message_delta carries only output_tokens (older wire)", async () => {
    anthropic.enqueue(sse({ ...counts, output_tokens: 1 }, { output_tokens: 7 }));
    expect(await anthropic.stream()).toStrictEqual(expected);
  });

  it("lets message_delta's cumulative counts win when they grew (a server-tool turn reads the cache again)", async () => {
    anthropic.enqueue(sse({ ...counts, output_tokens: 1 }, { input_tokens: 80, cache_creation_input_tokens: 2000, cache_read_input_tokens: 5000, output_tokens: 7 }));
    expect(await anthropic.stream()).toStrictEqual({ inputTokens: 7080, outputTokens: 7, cachedInputTokens: 5000, cacheWriteInputTokens: 2000 });
  });

  it('leaves the counts unknown when the usage has none (older API versions)', async () => {
    anthropic.enqueue(json(message({ input_tokens: 12, output_tokens: 3 })), sse({ input_tokens: 12, output_tokens: 1 }, { output_tokens: 3 }));
    expect(await anthropic.chat()).toStrictEqual({ inputTokens: 12, outputTokens: 3 });
    expect(await anthropic.stream()).toStrictEqual({ inputTokens: 12, outputTokens: 3 });
  });
});

describe('Gemini: cachedContentTokenCount', () => {
  const gemini = upstream(geminiWire, createGeminiAdapter, 'gemini', 'gemini-2.5-flash');
  const response = (usageMetadata: unknown) => ({ candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }], usageMetadata, modelVersion: 'gemini-2.5-flash', responseId: 'r1' });
  const stream = (usageMetadata: unknown) =>
    events(
      [
        { candidates: [{ content: { role: 'model', parts: [{ text: 'o' }] }, index: 0 }], usageMetadata: { promptTokenCount: 1200, totalTokenCount: 1200 } },
        { ...response(usageMetadata), candidates: [{ content: { role: 'model', parts: [{ text: 'k' }] }, finishReason: 'STOP', index: 0 }] },
      ]
        .map(sseFrame)
        .join(''),
    );
  // promptTokenCount includes the cached content.
  const usage = { promptTokenCount: 1200, cachedContentTokenCount: 1000, candidatesTokenCount: 5, totalTokenCount: 1205, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 1000 }] };

  it('reads it as the cache reads of the prompt, from a reply and from the last chunk', async () => {
    gemini.enqueue(json(response(usage)), stream(usage));
    const expected = { inputTokens: 1200, outputTokens: 5, cachedInputTokens: 1000 };
    expect(await gemini.chat()).toStrictEqual(expected);
    expect(await gemini.stream()).toStrictEqual(expected);
  });

  it('reads an omitted count (proto3 leaves out zeros) as no cache read, and no usage as unknown', async () => {
    const plain = { promptTokenCount: 12, candidatesTokenCount: 3, totalTokenCount: 15 };
    gemini.enqueue(json(response(plain)), stream(plain), json(response(undefined)));
    expect(await gemini.chat()).toStrictEqual({ inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 });
    expect(await gemini.stream()).toStrictEqual({ inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 });
    expect(await gemini.chat()).toStrictEqual({ inputTokens: undefined, outputTokens: undefined });
  });

  it('ignores a count larger than the prompt', async () => {
    gemini.enqueue(json(response({ promptTokenCount: 12, cachedContentTokenCount: 20, candidatesTokenCount: 3 })));
    expect(await gemini.chat()).toStrictEqual({ inputTokens: 12, outputTokens: 3 });
  });
});

describe('Ollama: no cache counts', () => {
  const ollama = upstream(ollamaWire, createOllamaAdapter, 'ollama', 'llama3.2');

  it('reports none, in both modes (Ollama says nothing about its KV cache)', async () => {
    const reply = { content: 'ok', usage: { input: 30, output: 4, cachedInput: 20 } };
    ollama.enqueue({ type: 'ok', reply }, { type: 'ok', reply });
    expect(await ollama.chat()).toStrictEqual({ inputTokens: 30, outputTokens: 4 });
    expect(await ollama.stream()).toStrictEqual({ inputTokens: 30, outputTokens: 4 });
  });
});
