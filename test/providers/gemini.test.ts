/**
 * Gemini-specific behaviour on the wire: the exact request sent, the parameter mapping and
 * its warnings, finish reasons and usage, blocked prompts, Google error details (RetryInfo,
 * API_KEY_INVALID, daily quotas), streams without a finishReason, thought signatures both ways
 * (and Google's stand-in for Gemini 3), and token estimation.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../../src/core/adapter.js';
import type { ChatRequest } from '../../src/core/types.js';
import { createGeminiAdapter, createGeminiStreamMapper, estimateTokens, modelPath, toGeminiRequest } from '../../src/providers/gemini/index.js';
import { parseSse } from '../../src/providers/shared/sse.js';
import { createUpstream } from '../../src/providers/shared/upstream.js';
import { resolveReply } from '../fakes/server.js';
import { retryAfterFromBody } from '../../src/providers/shared/retry-after.js';
import { blockedPrompt, geminiWire, googleError, retryInfo, sseFrame } from '../fakes/gemini.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import type { Behaviour, RecordedRequest } from '../fakes/types.js';
import { collect, createHarness, failure, textOf, toolCallsOf } from './helpers.js';

const KEY = 'AIzaSyTestKey0123456789abcdefghijkl';
let fake: FakeUpstream;
let harness: ReturnType<typeof createHarness>;
let adapter: ProviderAdapter;
const create = (model = 'gemini-2.5-flash') =>
  createGeminiAdapter({ name: 'gem', type: 'gemini', baseUrl: fake.baseUrl, apiKey: KEY, model, headers: { 'x-extra': 'yes' }, options: {} }, harness.environment);
const hi: ChatRequest = { messages: [{ role: 'user', content: 'Hi' }] };
const PNG = 'iVBORw0KGgo=';

beforeAll(async () => {
  fake = await startFakeUpstream(geminiWire);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  harness = createHarness();
  adapter = create();
});

/** A 200 reply with an exact body. */
const reply = (body: unknown): Behaviour => ({ type: 'status', status: 200, body });
/** A 200 SSE reply with exact chunks. */
const sse = (...chunks: unknown[]): Behaviour => ({ type: 'status', status: 200, body: chunks.map(sseFrame).join(''), headers: { 'content-type': 'text/event-stream' } });
const candidate = (parts: unknown[], finishReason?: string) => ({ candidates: [{ content: { parts, role: 'model' }, index: 0, ...(finishReason ? { finishReason } : {}) }] });

const full: ChatRequest = {
  model: 'my-route',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'system', content: [{ type: 'text', text: 'Answer in English.' }] },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', url: `data:image/png;base64,${PNG}` }] },
    { role: 'user', content: 'And the weather?' },
    { role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{"q":"cat"}' }, { id: 'c2', name: 'weather', arguments: '{}' }] },
    { role: 'tool', toolCallId: 'c1', content: 'a cat' },
    { role: 'tool', toolCallId: 'c2', content: '{"temp":21}' },
  ],
  maxTokens: 100,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  tools: [{ name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }, { name: 'weather' }],
  toolChoice: 'required',
  responseFormat: { type: 'json_schema', schema: { type: 'object' } },
  seed: 7,
  task: 'code',
  metadata: { team: 'a' },
};

describe('the request on the wire', () => {
  it('POSTs {baseUrl}/models/{model}:generateContent with x-goog-api-key, JSON, extra headers and the request id', async () => {
    await adapter.chat(hi, harness.context());
    const sent = fake.requests[0]!;
    expect([sent.method, sent.path]).toEqual(['POST', '/v1beta/models/gemini-2.5-flash:generateContent']);
    expect(sent.headers['x-goog-api-key']).toBe(KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['content-type']).toMatch(/^application\/json/);
    expect(sent.headers['x-extra']).toBe('yes');
    expect(sent.headers['x-request-id']).toBe('req-1');
  });

  it('streams from :streamGenerateContent?alt=sse with the same body', async () => {
    await collect(adapter.stream(full, harness.context()));
    await adapter.chat(full, harness.context());
    expect(fake.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(fake.requests[0]!.json).toEqual(fake.requests[1]!.json);
  });

  it('maps every unified parameter, merges same-role turns and never forwards routing fields', async () => {
    await adapter.chat(full, harness.context());
    expect(fake.requests[0]!.json).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG } }, { text: 'And the weather?' }] },
        { role: 'model', parts: [{ text: 'Let me look.' }, { functionCall: { name: 'lookup', args: { q: 'cat' } } }, { functionCall: { name: 'weather', args: {} } }] },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'lookup', response: { output: 'a cat' } } },
            { functionResponse: { name: 'weather', response: { temp: 21 } } },
          ],
        },
      ],
      generationConfig: {
        maxOutputTokens: 100,
        temperature: 0.2,
        topP: 0.9,
        stopSequences: ['END'],
        seed: 7,
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
      },
      tools: [
        {
          functionDeclarations: [
            { name: 'lookup', description: 'Looks up', parametersJsonSchema: { type: 'object', properties: { q: { type: 'string' } } } },
            { name: 'weather' },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });
  });

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ name: 'lookup' }, { mode: 'ANY', allowedFunctionNames: ['lookup'] }],
  ] as const)('maps toolChoice %j', (toolChoice, expected) => {
    expect(toGeminiRequest({ ...hi, tools: [{ name: 'lookup' }], toolChoice }).body.toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it('sends penalties to a gemini-1.5 model only; the adapter knows its model (a warning each elsewhere)', async () => {
    const penalised: ChatRequest = { ...hi, frequencyPenalty: 0.5, presencePenalty: 0.25 };
    await create('gemini-1.5-flash').chat(penalised, harness.context());
    expect(fake.requests[0]!.json).toMatchObject({ generationConfig: { frequencyPenalty: 0.5, presencePenalty: 0.25 } });
    const response = await adapter.chat(penalised, harness.context());
    expect(fake.requests[1]!.json).not.toHaveProperty('generationConfig');
    expect(response.warnings).toEqual([
      'Gemini enables penalties only for gemini-1.5 models, not gemini-2.5-flash; "frequencyPenalty" was not sent',
      'Gemini enables penalties only for gemini-1.5 models, not gemini-2.5-flash; "presencePenalty" was not sent',
    ]);
  });

  it('sends json_object as responseMimeType only, and text as nothing', () => {
    expect(toGeminiRequest({ ...hi, responseFormat: { type: 'json_object' } }).body.generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(toGeminiRequest({ ...hi, responseFormat: { type: 'text' } }).body).not.toHaveProperty('generationConfig');
  });

  it('refuses a request with an image given by URL in a user or model turn, naming the part (the engine routes it elsewhere)', () => {
    const byUrl: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'text', text: 'cat?' }, { type: 'image_url', url: 'https://example.com/cat.png' }] }] };
    expect(adapter.refuses!(byUrl)).toEqual({ param: 'messages[0].content[1]', reason: 'Gemini takes images only inline, as base64 data URLs' });
    const inline: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'image_url', url: `data:image/png;name=cat.png;base64,${PNG}` }] }] };
    expect(adapter.refuses!(inline)).toBeUndefined();
  });

  it('warns instead of silently dropping what Gemini cannot take', async () => {
    const request: ChatRequest = {
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'sys' }, { type: 'image_url', url: `data:image/png;base64,${PNG}` }] },
        { role: 'user', name: 'ann', content: [{ type: 'image_url', url: 'https://example.com/cat.png' }, { type: 'text', text: 'cat?' }] },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c9', name: 'f', arguments: 'not json' }] },
        { role: 'tool', toolCallId: 'unknown-call', content: '[1,2]' },
      ],
      temperature: 3,
      stop: ['a', 'b', 'c', 'd', 'e', 'f'],
      responseFormat: { type: 'json_schema' },
      user: 'u-1',
    };
    const response = await adapter.chat(request, harness.context());
    expect(response.warnings).toEqual([
      'Gemini does not support "user"; it was not sent',
      'Gemini does not accept image parts in system messages; an image was not sent',
      'Gemini takes images only inline, as base64 data URLs; an image was not sent',
      'Gemini needs tool-call arguments as a JSON object; the arguments of "f" were sent as {}',
      'Gemini needs the function name of a tool result; the call "unknown-call" was not found',
      'Gemini has no message names; "name" was not sent',
      'Gemini temperature must be within 0..2; 3 was sent as 2',
      'Gemini accepts at most 5 stop sequences; only the first 5 were sent',
      'responseFormat json_schema without a schema was sent as json_object',
    ]);
    expect(fake.requests[0]!.json).toMatchObject({
      systemInstruction: { parts: [{ text: 'sys' }] },
      contents: [
        { role: 'user', parts: [{ text: 'cat?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'unknown', response: { output: [1, 2] } } }] },
      ],
      generationConfig: { temperature: 2, stopSequences: ['a', 'b', 'c', 'd', 'e'], responseMimeType: 'application/json' },
    });
  });

  it('reports the warnings on the finish part of a stream too', async () => {
    const parts = await collect(adapter.stream({ ...hi, user: 'u-1' }, harness.context()));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', warnings: ['Gemini does not support "user"; it was not sent'] });
  });

  it('checks health with GET {baseUrl}/models/{model}', async () => {
    await adapter.check!(harness.context());
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1beta/models/gemini-2.5-flash' });
  });

  it('builds model paths for plain, prefixed and tuned models', () => {
    expect(modelPath('gemini-2.5-pro')).toBe('models/gemini-2.5-pro');
    expect(modelPath('models/gemini-2.5-pro')).toBe('models/gemini-2.5-pro');
    expect(modelPath('tunedModels/my-model-1')).toBe('tunedModels/my-model-1');
  });

  it('defaults to generativelanguage.googleapis.com/v1beta through the injected fetch', async () => {
    const seen: Request[] = [];
    const recording: typeof fetch = async (input, init) => {
      seen.push(new Request(input, init));
      return new Response(JSON.stringify(candidate([{ text: 'ok' }], 'STOP')), { headers: { 'content-type': 'application/json' } });
    };
    const offline = createGeminiAdapter(
      { name: 'g', type: 'gemini', baseUrl: undefined, apiKey: KEY, model: 'gemini-2.5-flash', headers: {}, options: {} },
      { ...harness.environment, fetch: recording },
    );
    expect(await offline.chat(hi, harness.context())).toMatchObject({ content: 'ok', id: 'gemini-req-1', model: 'gemini-2.5-flash' });
    expect(seen[0]!.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
  });
});

describe('Gemini replies', () => {
  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    ['LANGUAGE', 'other'],
    ['OTHER', 'other'],
  ])('maps finishReason %s to %s, keeping the raw value', async (raw, unified) => {
    fake.enqueue(reply(candidate([{ text: 'x' }], raw)));
    expect((await adapter.chat(hi, harness.context())).finishReason).toEqual({ unified, raw });
  });

  it('calls a STOP with function calls tool_calls, and makes ids for calls Gemini did not number', async () => {
    fake.enqueue(reply(candidate([{ functionCall: { name: 'f', args: { a: 1 } } }, { functionCall: { name: 'g' } }], 'STOP')));
    const response = await adapter.chat(hi, harness.context());
    expect(response.finishReason).toEqual({ unified: 'tool_calls', raw: 'STOP' });
    expect(response.toolCalls).toEqual([
      { id: 'gemini-req-1-call-0', name: 'f', arguments: '{"a":1}' },
      { id: 'gemini-req-1-call-1', name: 'g', arguments: '{}' },
    ]);
  });

  it('leaves thought summaries out of the answer and counts thinking tokens as output', async () => {
    fake.enqueue(
      reply({
        ...candidate([{ text: 'Let me think…', thought: true }, { text: 'Four.' }], 'STOP'),
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, thoughtsTokenCount: 30, totalTokenCount: 42 },
      }),
    );
    expect(await adapter.chat(hi, harness.context())).toMatchObject({ content: 'Four.', usage: { inputTokens: 10, outputTokens: 32 } });
  });

  it('reads omitted zero counts (proto3 JSON) from the total, and unknown usage as undefined', async () => {
    fake.enqueue(
      reply({ ...candidate([], 'MAX_TOKENS'), usageMetadata: { promptTokenCount: 10, totalTokenCount: 10 } }),
      reply({ ...candidate([{ text: 'x' }], 'STOP'), usageMetadata: {} }),
    );
    // No cachedContentTokenCount next to a prompt count: nothing was read from a cache.
    expect((await adapter.chat(hi, harness.context())).usage).toEqual({ inputTokens: 10, outputTokens: 0, cachedInputTokens: 0 });
    expect((await adapter.chat(hi, harness.context())).usage).toEqual({ inputTokens: undefined, outputTokens: undefined });
  });

  it('turns a blocked prompt (promptFeedback.blockReason) into a content_filter error, in both modes', async () => {
    fake.enqueue(reply(blockedPrompt('PROHIBITED_CONTENT')), sse(blockedPrompt('SAFETY')));
    const chat = await failure(adapter.chat(hi, harness.context()));
    expect([chat.kind, chat.status, chat.retryable]).toEqual(['content_filter', undefined, false]);
    expect(chat.message).toContain('blockReason PROHIBITED_CONTENT');
    const stream = await failure(collect(adapter.stream(hi, harness.context())));
    expect([stream.kind, stream.retryable]).toEqual(['content_filter', false]);
  });

  it('rejects a reply without candidates or a block reason as malformed', async () => {
    fake.enqueue(reply({ usageMetadata: { promptTokenCount: 3 } }));
    expect((await failure(adapter.chat(hi, harness.context()))).kind).toBe('malformed');
  });
});

describe('Gemini errors', () => {
  it("takes RESOURCE_EXHAUSTED's RetryInfo.retryDelay as retryAfterMs when there is no Retry-After", async () => {
    fake.enqueue({ type: 'error', kind: 'rate_limit' });
    const error = await failure(adapter.chat(hi, harness.context()));
    expect([error.kind, error.status, error.retryAfterMs]).toEqual(['rate_limit', 429, 7000]);
  });

  it('classifies an in-stream RESOURCE_EXHAUSTED with its retry delay', async () => {
    fake.enqueue({ type: 'stream-error', kind: 'rate_limit' });
    const error = await failure(collect(adapter.stream(hi, harness.context())));
    expect([error.kind, error.status, error.retryAfterMs]).toEqual(['rate_limit', undefined, 7000]);
  });

  it('classifies a 200 reply that is a Google error body by its error (its lenient schema would accept it)', async () => {
    fake.enqueue(reply(googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted', [retryInfo('7s')])));
    const error = await failure(adapter.chat(hi, harness.context()));
    expect([error.kind, error.status, error.retryAfterMs]).toEqual(['rate_limit', undefined, 7000]);
  });

  it('classifies RESOURCE_EXHAUSTED on a daily quota as quota (per-minute ones stay rate_limit)', async () => {
    fake.enqueue({ type: 'error', kind: 'quota' });
    expect((await failure(adapter.chat(hi, harness.context()))).kind).toBe('quota');
  });

  it('classifies 400 API_KEY_INVALID and 403 PERMISSION_DENIED as auth, and redacts an echoed AIza key', async () => {
    fake.enqueue(
      { type: 'error', kind: 'auth', message: `API key not valid: ${KEY}` },
      { type: 'status', status: 403, body: googleError(403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.') },
    );
    const invalid = await failure(adapter.chat(hi, harness.context()));
    expect([invalid.kind, invalid.status, invalid.retryable]).toEqual(['auth', 400, true]);
    expect(invalid.message).not.toContain(KEY);
    expect(invalid.message).toContain('[REDACTED]');
    const denied = await failure(adapter.chat(hi, harness.context()));
    expect([denied.kind, denied.status]).toEqual(['auth', 403]);
  });

  it('keeps other INVALID_ARGUMENT errors as bad_request (not retried) and token limits as context_length', async () => {
    fake.enqueue({ type: 'error', kind: 'bad_request' }, { type: 'error', kind: 'context_length' });
    expect((await failure(adapter.chat(hi, harness.context()))).kind).toBe('bad_request');
    expect((await failure(adapter.chat(hi, harness.context()))).kind).toBe('context_length');
  });

  it('classifies 400 FAILED_PRECONDITION (no free tier in the region) and 402 RESOURCE_EXHAUSTED (prepayment depleted) as quota', async () => {
    fake.enqueue(
      { type: 'status', status: 400, body: googleError(400, 'FAILED_PRECONDITION', 'Gemini API free tier is not available in your country. Please enable billing on your project in Google AI Studio.') },
      { type: 'status', status: 402, body: googleError(402, 'RESOURCE_EXHAUSTED', 'Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.') },
    );
    const region = await failure(adapter.chat(hi, harness.context()));
    const prepaid = await failure(adapter.chat(hi, harness.context()));
    expect([region.kind, region.status, prepaid.kind, prepaid.status]).toEqual(['quota', 400, 'quota', 402]);
  });

  it('classifies an SSE event that is a one-element error array like the same error outside an array', async () => {
    fake.enqueue(
      sse([googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')]),
      sse([googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted', [retryInfo('7s')])]),
    );
    const overloaded = await failure(collect(adapter.stream(hi, harness.context())));
    const limited = await failure(collect(adapter.stream(hi, harness.context())));
    expect([overloaded.kind, overloaded.status]).toEqual(['server', undefined]);
    expect([limited.kind, limited.status, limited.retryAfterMs]).toEqual(['rate_limit', undefined, 7000]);
  });

  it('reads a streamed error array (the non-SSE stream format) by its first element', async () => {
    fake.enqueue({ type: 'status', status: 503, body: [googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.', [retryInfo('1.5s')])] });
    const error = await failure(adapter.chat(hi, harness.context()));
    expect([error.kind, error.status, error.retryAfterMs]).toEqual(['server', 503, 1500]);
  });

  it('retryAfterFromBody reads RetryInfo durations and ignores anything else', () => {
    expect(retryAfterFromBody(googleError(429, 'RESOURCE_EXHAUSTED', 'x', [{ '@type': 'other' }, retryInfo('0.25s')]))).toBe(250);
    expect(retryAfterFromBody(googleError(429, 'RESOURCE_EXHAUSTED', 'x', [retryInfo('soon')]))).toBeUndefined();
    expect(retryAfterFromBody({ error: 'text' })).toBeUndefined();
    expect(retryAfterFromBody(undefined)).toBeUndefined();
  });
});

describe('Gemini streams', () => {
  it('is complete once a chunk carried finishReason, even if a usage-only chunk follows', async () => {
    fake.enqueue(
      sse(
        { ...candidate([{ text: 'Hel' }]), responseId: 'r-7', modelVersion: 'gemini-x' },
        { ...candidate([{ text: 'lo' }], 'STOP') },
        { usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 } },
      ),
    );
    const parts = await collect(adapter.stream(hi, harness.context()));
    expect(textOf(parts)).toBe('Hello');
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' }, usage: { inputTokens: 4, outputTokens: 2, cachedInputTokens: 0 }, model: 'gemini-x', id: 'r-7' });
  });

  it('fails as malformed when the body ends without any finishReason', async () => {
    fake.enqueue(sse(candidate([{ text: 'Hel' }]), candidate([{ text: 'lo' }])));
    const error = await failure(collect(adapter.stream(hi, harness.context())));
    expect([error.kind, error.retryable]).toEqual(['malformed', true]);
  });

  it('numbers whole function calls across chunks and reports tool_calls', async () => {
    fake.enqueue(sse(candidate([{ functionCall: { name: 'f', args: { a: 1 } } }]), candidate([{ functionCall: { id: 'x2', name: 'g', args: {} } }], 'STOP')));
    const parts = await collect(adapter.stream(hi, harness.context()));
    expect(toolCallsOf(parts)).toEqual([
      { id: 'gemini-req-1-call-0', name: 'f', arguments: '{"a":1}' },
      { id: 'x2', name: 'g', arguments: '{}' },
    ]);
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'tool_calls', raw: 'STOP' } });
  });

  it('makes a distinct id for each of several unnumbered calls in one chunk', async () => {
    const calls = [{ functionCall: { name: 'f', args: { a: 1 } } }, { functionCall: { name: 'f', args: { a: 2 } } }];
    fake.enqueue(sse(candidate([{ text: 'Two.' }]), candidate(calls, 'STOP')));
    const parts = await collect(adapter.stream(hi, harness.context()));
    expect(toolCallsOf(parts)).toEqual([
      { id: 'gemini-req-1-call-0', name: 'f', arguments: '{"a":1}' },
      { id: 'gemini-req-1-call-1', name: 'f', arguments: '{"a":2}' },
    ]);
  });
});

describe('thought signatures (Gemini 3)', () => {
  const google = (value: string) => ({ vendor: 'google', value });
  const signedParts = [{ functionCall: { id: 'a', name: 'f', args: {} }, thoughtSignature: 'c2lnLWE=' }, { functionCall: { id: 'b', name: 'g', args: {} } }];

  it("reads a functionCall part's thoughtSignature onto its tool call, in both modes", async () => {
    fake.enqueue(reply(candidate(signedParts, 'STOP')), sse(candidate(signedParts, 'STOP')));
    expect((await adapter.chat(hi, harness.context())).toolCalls).toEqual([
      { id: 'a', name: 'f', arguments: '{}', signature: google('c2lnLWE=') },
      { id: 'b', name: 'g', arguments: '{}' },
    ]);
    const deltas = (await collect(adapter.stream(hi, harness.context()))).filter((part) => part.type === 'tool-call-delta');
    expect(deltas.map((part) => part.signature)).toEqual([google('c2lnLWE='), undefined]);
  });

  type Signature = { vendor: string; value: string } | undefined;
  /** A replay of two steps of two calls each; `a` and `c` are the first calls of the steps. */
  const replay = (a?: Signature, c?: Signature): ChatRequest => ({
    messages: [
      hi.messages[0]!,
      { role: 'assistant', content: null, toolCalls: [{ id: 'a', name: 'f', arguments: '{}', ...(a ? { signature: a } : {}) }, { id: 'b', name: 'g', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'a', content: '1' },
      { role: 'tool', toolCallId: 'b', content: '2' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'h', arguments: '{}', ...(c ? { signature: c } : {}) }, { id: 'd', name: 'h', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c', content: '3' },
      { role: 'tool', toolCallId: 'd', content: '4' },
    ],
  });
  const signaturesSent = (body: { contents: { parts: Record<string, unknown>[] }[] }) =>
    body.contents.flatMap((content) => content.parts.filter((part) => 'functionCall' in part).map((part) => part.thoughtSignature));
  const SKIP = 'skip_thought_signature_validator';
  const acme = { vendor: 'acme', value: 'YWNtZQ==' };

  it.each(['gemini-3-pro-preview', 'gemini-3.1-pro-preview', 'models/gemini-3-flash', 'gemini-4-pro', 'gemini-3-pro-image-preview', 'gemini-flash-latest', 'gemini-exp-1206', 'tunedModels/my-model', 'tunedModels/support-bot-2', 'tunedModels/bot-1-5', undefined])(
    'gives %s the sentinel for each unsigned call of an unsigned step, with a warning naming them; real signatures win',
    (model) => {
      const { body, warnings } = toGeminiRequest(replay(google('c2lnLWE='), acme), { model });
      expect(signaturesSent(body)).toEqual(['c2lnLWE=', undefined, SKIP, SKIP]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/"h" \(c\), "h" \(d\).*skip_thought_signature_validator/);
      expect(warnings[0]).not.toMatch(/c2lnLWE=|YWNtZQ==/);
      expect(signaturesSent(toGeminiRequest(replay(), { model }).body)).toEqual([SKIP, SKIP, SKIP, SKIP]);
    },
  );

  it.each([
    'gemini-2.5-flash',
    'gemini-2.0-flash-001',
    'gemini-1.5-pro',
    'models/gemini-2.5-pro',
    'gemini-2.5-flash-preview-05-20',
    'learnlm-2.0-flash-experimental',
    'gemini-live-2.5-flash-preview',
    'gemini-robotics-er-1.5-preview',
    'gemma-3-27b-it',
    'gemma-3n-e4b-it',
  ])(
    "sends %s Google's signatures back, never another vendor's, and never the sentinel",
    (model) => {
      const { body, warnings } = toGeminiRequest(replay(google('c2lnLWE='), acme), { model });
      expect(signaturesSent(body)).toEqual(['c2lnLWE=', undefined, undefined, undefined]);
      expect(warnings).toEqual([]);
    },
  );
});

describe('properties', () => {
  const roles = fc.constantFrom('system', 'user', 'assistant', 'tool') as fc.Arbitrary<'system' | 'user' | 'assistant' | 'tool'>;

  it('always sends alternating user/model turns with at least one part each', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ role: roles, text: fc.string({ maxLength: 5 }), call: fc.boolean() }), { maxLength: 12 }), (messages) => {
        const { body } = toGeminiRequest({
          messages: messages.map(({ role, text, call }, i) =>
            role === 'assistant' && call ? { role, content: text, toolCalls: [{ id: `c${i}`, name: 'f', arguments: '{}' }] } : role === 'tool' ? { role, content: text, toolCallId: `c${i - 1}` } : { role, content: text },
          ),
        });
        body.contents.forEach((turn, i) => {
          expect(turn.parts.length).toBeGreaterThan(0);
          if (i > 0) expect(turn.role).not.toBe(body.contents[i - 1]!.role);
        });
      }),
    );
  });

  it('maps any chunking of a fake stream to the same text and exactly one finish part, last', async () => {
    const upstream = createUpstream({
      settings: { name: 'gem', type: 'gemini', baseUrl: 'http://unused', apiKey: KEY, model: 'm', headers: {}, options: {} },
      environment: createHarness().environment,
      defaultBaseUrl: 'http://unused',
    });
    const request: RecordedRequest = { method: 'POST', path: '/v1beta/models/m:streamGenerateContent?alt=sse', headers: {}, body: '', json: undefined, remotePort: undefined };
    const encoder = new TextEncoder();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 8 }), fc.integer({ min: 1, max: 40 }), async (chunks, cut) => {
        const { frames } = geminiWire.stream(resolveReply({ content: chunks.join(''), chunks }, request), request);
        const wire = frames.join('');
        const bytes = async function* () {
          for (let i = 0; i < wire.length; i += cut) yield encoder.encode(wire.slice(i, i + cut));
        };
        const mapper = createGeminiStreamMapper(upstream, { idPrefix: 'p', warnings: [] });
        const parts = [];
        for await (const event of parseSse(bytes())) parts.push(...(mapper.map(event).parts ?? []));
        const finish = mapper.finish();
        expect(textOf(parts)).toBe(chunks.join(''));
        expect(parts.some((part) => part.type === 'finish')).toBe(false);
        expect(finish).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: 11, outputTokens: 7 } });
      }),
      { numRuns: 100 },
    );
  });
});

describe('estimateTokens', () => {
  it('uses about four characters per token, framing per turn and 258 tokens per image', () => {
    const text = 'x'.repeat(400);
    expect(estimateTokens({ messages: [{ role: 'user', content: text }] })).toBe(104);
    const withImage: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'text', text }, { type: 'image_url', url: 'data:image/png;base64,AA' }] }] };
    expect(estimateTokens(withImage)).toBe(104 + 258);
    expect(estimateTokens({ ...hi, tools: [{ name: 'f' }] })).toBeGreaterThan(estimateTokens(hi));
  });
});
