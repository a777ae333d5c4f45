/**
 * OpenAI-specific behaviour on the wire: the exact request sent, the parameter mapping and
 * its warnings, rate-limit reset headers, in-stream errors, and token estimation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../../src/core/adapter.js';
import type { ChatRequest } from '../../src/core/types.js';
import { createOpenAIAdapter, estimateTokens, toOpenAIRequest } from '../../src/providers/openai/index.js';
import { estimateInputTokens } from '../../src/core/tokens.js';
import { openaiWire, refusalStream } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import type { RecordedRequest } from '../fakes/types.js';
import { collect, createHarness, failure, textOf } from './helpers.js';

const KEY = 'sk-proj-testkey0123456789';
const NO_REQUEST: RecordedRequest = { method: 'POST', path: '/', headers: {}, body: '', json: undefined, remotePort: undefined };
let fake: FakeUpstream;
let harness: ReturnType<typeof createHarness>;
let adapter: ProviderAdapter;
const create = (options: Record<string, unknown> = {}, model = 'gpt-4o') =>
  createOpenAIAdapter(
    { name: 'oa', type: 'openai', baseUrl: fake.baseUrl, apiKey: KEY, model, headers: { 'x-extra': 'yes' }, options },
    harness.environment,
  );

beforeAll(async () => {
  fake = await startFakeUpstream(openaiWire);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  harness = createHarness();
  adapter = create();
});

const full: ChatRequest = {
  model: 'my-route',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', name: 'ann', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', url: 'https://x/cat.png', detail: 'low' }] },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' }] },
    { role: 'tool', toolCallId: 'call_1', content: 'a cat' },
  ],
  maxTokens: 100,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  tools: [{ name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
  toolChoice: { name: 'lookup' },
  responseFormat: { type: 'json_schema', schema: { type: 'object' } },
  seed: 7,
  user: 'u-1',
  task: 'code',
  metadata: { team: 'a' },
};

describe('the request on the wire', () => {
  it('POSTs {baseUrl}/chat/completions with Bearer auth, JSON, extra headers and the request id', async () => {
    await adapter.chat(full, harness.context());
    const sent = fake.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['content-type']).toMatch(/^application\/json/);
    expect(sent.headers['x-extra']).toBe('yes');
    expect(sent.headers['x-request-id']).toBe('req-1');
  });

  it('maps every unified parameter and never forwards routing fields', async () => {
    await adapter.chat(full, harness.context());
    expect(fake.requests[0]!.json).toEqual({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://x/cat.png', detail: 'low' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      ],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      user: 'u-1',
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } },
    });
  });

  it('asks for usage in streams', async () => {
    await collect(adapter.stream({ messages: [{ role: 'user', content: 'hi' }] }, harness.context()));
    expect(fake.requests[0]!.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('uses max_completion_tokens for reasoning models, or when configured', () => {
    const req: ChatRequest = { messages: [], maxTokens: 5 };
    expect(toOpenAIRequest(req, { model: 'o3-mini', stream: false }).body).toMatchObject({ max_completion_tokens: 5 });
    expect(toOpenAIRequest(req, { model: 'gpt-5', stream: false }).body).not.toHaveProperty('max_tokens');
    expect(toOpenAIRequest(req, { model: 'llama3', stream: false, maxTokensField: 'max_completion_tokens' }).body).toMatchObject({ max_completion_tokens: 5 });
    expect(toOpenAIRequest(req, { model: 'o1', stream: false, maxTokensField: 'max_tokens' }).body).toMatchObject({ max_tokens: 5 });
  });

  it('does not send temperature or top_p to reasoning models, which take only the default (a warning each)', () => {
    const req: ChatRequest = { messages: [], temperature: 0.2, topP: 0.9 };
    for (const model of ['o3-mini', 'gpt-5']) {
      const { body, warnings } = toOpenAIRequest(req, { model, stream: false });
      expect([body.temperature, body.top_p]).toEqual([undefined, undefined]);
      expect(warnings).toEqual([
        `OpenAI reasoning models (${model}) take only the default temperature; "temperature" was not sent`,
        `OpenAI reasoning models (${model}) take only the default top_p; "topP" was not sent`,
      ]);
    }
    expect(toOpenAIRequest(req, { model: 'gpt-4o', stream: false })).toMatchObject({ body: { temperature: 0.2, top_p: 0.9 }, warnings: [] });
  });

  describe('by model family', () => {
    const every: ChatRequest = {
      messages: [],
      maxTokens: 5,
      temperature: 0.2,
      topP: 0.9,
      frequencyPenalty: 0.5,
      presencePenalty: 0.5,
      logitBias: { '50256': -100 },
      stop: ['END'],
      tools: [{ name: 'f' }],
      parallelToolCalls: false,
      reasoningEffort: 'low',
    };
    const SAMPLING = ['temperature', 'top_p', 'frequency_penalty', 'presence_penalty', 'logit_bias'];
    const refusedBy = {
      oSeries: [...SAMPLING, 'stop', 'parallel_tool_calls', 'max_tokens'],
      gpt5: [...SAMPLING, 'stop', 'max_tokens'],
      chat: ['reasoning_effort', 'max_completion_tokens'],
    };
    it.each([
      ['o1', refusedBy.oSeries],
      ['o3', refusedBy.oSeries],
      ['o3-mini', refusedBy.oSeries],
      ['o4-mini', refusedBy.oSeries],
      ['gpt-5', refusedBy.gpt5],
      ['gpt-5-mini', refusedBy.gpt5],
      ['gpt-5-nano', refusedBy.gpt5],
      ['gpt-5-chat-latest', refusedBy.chat],
      ['gpt-4o', refusedBy.chat],
      ['gpt-4.1', refusedBy.chat],
    ])('%s is sent only what it takes, with one warning naming the model per field left out', (model, refused) => {
      const { body, warnings } = toOpenAIRequest(every, { model, stream: false });
      const fields = ['max_tokens', 'max_completion_tokens', ...SAMPLING, 'stop', 'parallel_tool_calls', 'reasoning_effort'];
      expect(fields.filter((field) => !(field in body))).toEqual(fields.filter((field) => refused.includes(field)));
      // Every field but the max-tokens one not chosen is a warning.
      expect(warnings).toHaveLength(refused.length - 1);
      for (const warning of warnings) expect(warning).toMatch(new RegExp(`^OpenAI (non-)?reasoning models \\(${model.replace('.', '\\.')}\\) .*was not sent$`));
    });

    it('names the field in each warning; a neutral value (parallel tool calls allowed) is left out without one', () => {
      expect(toOpenAIRequest({ messages: [], stop: ['END'] }, { model: 'gpt-5', stream: false }).warnings).toEqual([
        'OpenAI reasoning models (gpt-5) do not take stop; "stop" was not sent',
      ]);
      expect(toOpenAIRequest({ messages: [], reasoningEffort: 'high' }, { model: 'gpt-5-chat-latest', stream: false }).warnings).toEqual([
        'OpenAI non-reasoning models (gpt-5-chat-latest) do not take reasoning_effort; "reasoningEffort" was not sent',
      ]);
      const allowed = toOpenAIRequest({ messages: [], tools: [{ name: 'f' }], parallelToolCalls: true }, { model: 'o3', stream: false });
      expect(allowed.body).not.toHaveProperty('parallel_tool_calls');
      expect(allowed.warnings).toEqual([]);
    });

    it('follows the provider option reasoning over the model name (Azure deployments, compatible servers)', async () => {
      const request: ChatRequest = { messages: [{ role: 'user', content: 'hi' }], maxTokens: 5, temperature: 0.2, stop: ['END'], reasoningEffort: 'high' };
      const response = await create({ reasoning: true }, 'my-deployment').chat(request, harness.context());
      expect(fake.requests[0]!.json).toMatchObject({ max_completion_tokens: 5, reasoning_effort: 'high' });
      expect(fake.requests[0]!.json).not.toHaveProperty('temperature');
      expect(fake.requests[0]!.json).not.toHaveProperty('stop');
      expect(response.warnings).toEqual([
        'OpenAI reasoning models (my-deployment) take only the default temperature; "temperature" was not sent',
        'OpenAI reasoning models (my-deployment) do not take stop; "stop" was not sent',
      ]);
      await create({ reasoning: false }, 'o3-mini').chat(request, harness.context());
      expect(fake.requests[1]!.json).toMatchObject({ max_tokens: 5, temperature: 0.2, stop: ['END'] });
      expect(fake.requests[1]!.json).not.toHaveProperty('reasoning_effort');
    });
  });

  it('sends tool_choice only with tools (OpenAI refuses it without)', async () => {
    const response = await adapter.chat({ messages: [{ role: 'user', content: 'hi' }], toolChoice: 'required' }, harness.context());
    expect(fake.requests[0]!.json).not.toHaveProperty('tool_choice');
    expect(response.warnings).toEqual(['toolChoice without tools was not sent to OpenAI']);
  });

  it('sends logit_bias only to OpenAI hosts: not to this fake, with a warning naming its host', async () => {
    const response = await adapter.chat({ messages: [{ role: 'user', content: 'hi' }], logitBias: { '50256': -100 } }, harness.context());
    expect(fake.requests[0]!.json).not.toHaveProperty('logit_bias');
    expect(response.warnings).toEqual(['logit_bias holds OpenAI token ids, which may mean other tokens on 127.0.0.1; "logitBias" was not sent']);
  });

  it('sends at most 4 stop sequences, the first ones, with a warning', () => {
    const { body, warnings } = toOpenAIRequest({ messages: [], stop: ['a', 'b', 'c', 'd', 'e'] }, { model: 'gpt-4o', stream: false });
    expect(body.stop).toEqual(['a', 'b', 'c', 'd']);
    expect(warnings).toEqual(['OpenAI accepts at most 4 stop sequences; only the first 4 were sent']);
  });

  it('warns instead of silently dropping what OpenAI cannot take', async () => {
    const response = await adapter.chat(
      {
        messages: [{ role: 'assistant', content: [{ type: 'image_url', url: 'https://x/y.png' }] }],
        responseFormat: { type: 'json_schema' },
      },
      harness.context(),
    );
    expect(response.warnings).toHaveLength(2);
    // Not an empty array, which OpenAI refuses: an empty text.
    expect(fake.requests[0]!.json).toMatchObject({ messages: [{ role: 'assistant', content: '' }], response_format: { type: 'json_object' } });
  });

  it('puts the warnings of a stream on its finish part', async () => {
    const parts = await collect(adapter.stream({ messages: [{ role: 'user', content: 'Hi' }], responseFormat: { type: 'json_schema' } }, harness.context()));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', warnings: ['responseFormat json_schema without a schema was sent as json_object'] });
  });

  it('takes every image a user sends, by URL or inline (it refuses nothing)', () => {
    const request: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'image_url', url: 'https://x/y.png' }, { type: 'image_url', url: 'gs://bucket/z.png' }] }] };
    expect(adapter.refuses?.(request)).toBeUndefined();
  });

  it('checks health with GET {baseUrl}/models', async () => {
    await adapter.check!(harness.context());
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });

  it('defaults to api.openai.com, goes through the injected fetch, and sends no Authorization without a key', async () => {
    const seen: Request[] = [];
    const recording: typeof fetch = async (input, init) => {
      seen.push(new Request(input, init));
      return new Response(JSON.stringify(openaiWire.json({ content: 'ok', chunks: [], toolCalls: [], finish: 'stop', reasoning: '', reasoningChunks: [], usage: null, model: 'gpt-4o' }, NO_REQUEST)), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const offline = createOpenAIAdapter(
      { name: 'oa', type: 'openai', baseUrl: undefined, apiKey: undefined, model: 'gpt-4o', headers: {}, options: {} },
      { ...harness.environment, fetch: recording },
    );
    expect((await offline.chat({ messages: [] }, harness.context())).content).toBe('ok');
    expect(seen[0]!.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(seen[0]!.headers.has('authorization')).toBe(false);
  });
});

describe('OpenAI-specific replies', () => {
  it("uses x-ratelimit-reset-* of the exhausted limit when there is no Retry-After", async () => {
    fake.enqueue({ type: 'error', kind: 'rate_limit' }); // remaining-requests 0, reset-requests 120ms
    const error = await failure(adapter.chat(full, harness.context()));
    expect([error.kind, error.retryAfterMs]).toEqual(['rate_limit', 120]);
  });

  it('treats insufficient_quota as quota, not as a rate limit', async () => {
    fake.enqueue({ type: 'error', kind: 'quota', headers: { 'retry-after': '1' } });
    expect((await failure(adapter.chat(full, harness.context()))).kind).toBe('quota');
  });

  it('redacts the key even when the upstream echoes it partly masked', async () => {
    fake.enqueue({ type: 'error', kind: 'auth', message: `Incorrect API key provided: sk-proj-****************6789.` });
    const error = await failure(adapter.chat(full, harness.context()));
    expect(error.message).not.toMatch(/sk-proj/);
    expect(error.message).toContain('[REDACTED]');
  });

  it('maps a refusal into the content, finishing as content_filter (raw refusal), and keeps id and model from the reply', async () => {
    fake.enqueue({ type: 'status', status: 200, body: { id: 'r1', model: 'gpt-4o-x', choices: [{ message: { content: null, refusal: 'I cannot.' }, finish_reason: 'stop' }] } });
    expect(await adapter.chat(full, harness.context())).toMatchObject({ id: 'r1', model: 'gpt-4o-x', content: 'I cannot.', finishReason: { unified: 'content_filter', raw: 'refusal' } });
  });

  it('streams a refusal as text marked refusal and finishes it as content_filter (raw refusal)', async () => {
    fake.enqueue({ type: 'status', status: 200, body: refusalStream(['I cannot ', 'help.']), headers: { 'content-type': 'text/event-stream' } });
    const parts = await collect(adapter.stream(full, harness.context()));
    expect(textOf(parts)).toBe('I cannot help.');
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.refusal)).toEqual([true, true]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'content_filter', raw: 'refusal' } });
  });

  it('adds reasoning tokens a compatible server (xAI) leaves out of completion_tokens, as its total_tokens shows', async () => {
    // xAI's wire: total_tokens = prompt + completion + reasoning (OpenAI's completion_tokens already includes reasoning).
    const usage = {
      prompt_tokens: 663,
      completion_tokens: 50,
      total_tokens: 837,
      prompt_tokens_details: { text_tokens: 663, audio_tokens: 0, image_tokens: 0, cached_tokens: 654 },
      completion_tokens_details: { reasoning_tokens: 124, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      num_sources_used: 0,
    };
    const base = { id: 'x1', object: 'chat.completion.chunk', created: 1, model: 'grok-4-fast-reasoning' };
    const stream = [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Two and two.' } }] },
      { ...base, choices: [{ index: 0, delta: { content: 'Four.' } }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage },
    ];
    fake.enqueue(
      { type: 'status', status: 200, body: { id: 'x1', model: 'grok-4-fast-reasoning', choices: [{ message: { role: 'assistant', content: 'Four.', reasoning_content: 'Two and two.' }, finish_reason: 'stop' }], usage } },
      { type: 'status', status: 200, body: [...stream.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'].join(''), headers: { 'content-type': 'text/event-stream' } },
      { type: 'status', status: 200, body: { choices: [{ message: { content: 'ok' } }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 'n/a', completion_tokens_details: 'n/a' } } },
    );
    expect(await adapter.chat({ messages: [{ role: 'user', content: '2+2?' }] }, harness.context())).toMatchObject({ content: 'Four.', usage: { inputTokens: 663, outputTokens: 174 } });
    const parts = await collect(adapter.stream({ messages: [{ role: 'user', content: '2+2?' }] }, harness.context()));
    expect(textOf(parts)).toBe('Four.');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 663, outputTokens: 174 } });
    // Detail fields only refine the count: odd values there are ignored, never malformed.
    expect((await adapter.chat({ messages: [{ role: 'user', content: 'x' }] }, harness.context())).usage).toEqual({ inputTokens: 5, outputTokens: 2 });
  });

  it('fills id and model when an OpenAI-compatible server omits them', async () => {
    fake.enqueue({ type: 'status', status: 200, body: { choices: [{ message: { content: 'ok' } }] } });
    expect(await adapter.chat(full, harness.context())).toMatchObject({ id: 'chatcmpl-req-1', model: 'gpt-4o', finishReason: { unified: 'other', raw: undefined } });
  });

  it('classifies an error object inside a 200 reply (compatible proxies) instead of calling it malformed', async () => {
    fake.enqueue({ type: 'status', status: 200, body: { error: { message: 'Rate limit exceeded', code: 'rate_limit_exceeded' } } });
    const error = await failure(adapter.chat(full, harness.context()));
    expect([error.kind, error.status]).toEqual(['rate_limit', undefined]);
  });

  it('rejects a reply without choices as malformed', async () => {
    fake.enqueue({ type: 'status', status: 200, body: { id: 'x', choices: [] } });
    expect((await failure(adapter.chat(full, harness.context()))).kind).toBe('malformed');
  });

  it('passes an in-stream rate-limit error through as rate_limit', async () => {
    fake.enqueue({ type: 'stream-error', kind: 'rate_limit' });
    expect((await failure(collect(adapter.stream(full, harness.context())))).kind).toBe('rate_limit');
  });

  it('classifies in-stream errors without a status by their numeric code (OpenRouter) or their text', async () => {
    const errorEvent = (error: Record<string, unknown>) => ({ type: 'status' as const, status: 200, body: `data: ${JSON.stringify({ error })}\n\n`, headers: { 'content-type': 'text/event-stream' } });
    fake.enqueue(
      errorEvent({ code: 429, message: 'Rate limit exceeded: free-models-per-min' }),
      errorEvent({ message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens." }),
    );
    const limited = await failure(collect(adapter.stream(full, harness.context())));
    const tooLong = await failure(collect(adapter.stream(full, harness.context())));
    expect([limited.kind, limited.status, tooLong.kind, tooLong.status]).toEqual(['rate_limit', undefined, 'context_length', undefined]);
  });

  it("classifies llama.cpp's exceed_context_size_error as context_length", async () => {
    const body = { error: { code: 400, type: 'exceed_context_size_error', message: 'request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it', n_ctx: 8192 } };
    fake.enqueue({ type: 'status', status: 400, body });
    expect((await failure(adapter.chat(full, harness.context()))).kind).toBe('context_length');
  });
});

describe('estimateTokens', () => {
  it('counts with the o200k tokenizer, close to the heuristic for plain English', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const request: ChatRequest = { messages: [{ role: 'user', content: text }] };
    const exact = estimateTokens(request);
    expect(exact).toBeGreaterThan(180);
    expect(Math.abs(exact - estimateInputTokens(request)) / exact).toBeLessThan(0.35);
  });

  it('adds tools, tool calls and images', () => {
    const base: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };
    const more: ChatRequest = {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', url: 'u' }] }],
      tools: [{ name: 'lookup', parameters: { type: 'object' } }],
    };
    expect(estimateTokens(more)).toBeGreaterThan(estimateTokens(base) + 85);
  });

  it('counts an image by its detail: 85 tokens at low, 765 (a 1024×1024 image) at high or auto', () => {
    const withImage = (detail?: 'low' | 'high' | 'auto'): ChatRequest => ({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', url: 'u', ...(detail === undefined ? {} : { detail }) }] }],
    });
    const text: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
    expect(estimateTokens(withImage('low')) - estimateTokens(text)).toBe(85);
    for (const detail of ['high', 'auto', undefined] as const) expect(estimateTokens(withImage(detail)) - estimateTokens(text)).toBe(765);
  });
});
