/**
 * Proves the Gemini fake is honest: the official `@google/genai` SDK talks to it directly
 * (base URL pointed at the fake) and parses its JSON, its SSE chunks and its errors. Also
 * checks that the adapter's request body has the shape the SDK itself sends.
 */
import { ApiError, FunctionCallingConfigMode, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../../src/providers/gemini/index.js';
import { blockedPrompt, createGeminiWire, geminiWire, stepSignature } from '../fakes/gemini.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import { createHarness } from './helpers.js';

const KEY = 'AIzaSyFakeKeyForTheSdkTest0123456789';
const MODEL = 'gemini-2.5-flash';
const weather = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
let fake: FakeUpstream;
let ai: GoogleGenAI;

beforeAll(async () => {
  fake = await startFakeUpstream(geminiWire);
  ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: fake.baseUrl.replace(/\/v1beta$/, '') } });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('the official @google/genai SDK against the fake', () => {
  it('parses a non-streaming reply with text, function calls, finish reason and usage', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Checking.', toolCalls: [weather], usage: { input: 20, output: 5 } } });
    const response = await ai.models.generateContent({ model: MODEL, contents: 'Weather in Paris?' });
    expect(response.candidates?.[0]?.content?.parts?.[0]?.text).toBe('Checking.');
    expect(response.functionCalls).toEqual([{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }]);
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 20, candidatesTokenCount: 5, totalTokenCount: 25 });
    expect(response.modelVersion).toBe(MODEL);
    expect(response.responseId).toBeTypeOf('string');
    const sent = fake.requests[0]!;
    expect(sent.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(sent.headers['x-goog-api-key']).toBe(KEY);
  });

  it('parses a stream: text chunks, then the last chunk with finishReason and usage', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Hello world', chunks: ['Hello', ' world'], usage: { input: 3, output: 2 } } });
    let text = '';
    let finish: string | undefined;
    let usage: unknown;
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'Hi' })) {
      text += chunk.text ?? '';
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
      usage = chunk.usageMetadata ?? usage;
    }
    expect(text).toBe('Hello world');
    expect(finish).toBe('STOP');
    expect(usage).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 2 });
    expect(fake.requests[0]!.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
  });

  it('parses a thinking stream: thought parts the SDK keeps out of .text, then the answer', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Four.', chunks: ['Fo', 'ur.'], reasoning: 'Two and two.', usage: { input: 30, output: 12, reasoning: 9, cachedInput: 20 } } });
    let text = '';
    let thoughts = '';
    let usage: unknown;
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'Hi' })) {
      text += chunk.text ?? '';
      for (const part of chunk.candidates?.[0]?.content?.parts ?? []) if (part.thought) thoughts += part.text ?? '';
      usage = chunk.usageMetadata ?? usage;
    }
    expect([text, thoughts]).toEqual(['Four.', 'Two and two.']);
    expect(usage).toMatchObject({ promptTokenCount: 30, cachedContentTokenCount: 20, candidatesTokenCount: 3, thoughtsTokenCount: 9, totalTokenCount: 42 });
  });

  it('parses a streamed function call and MAX_TOKENS', async () => {
    fake.enqueue({ type: 'ok', reply: { content: '', toolCalls: [weather] } }, { type: 'ok', reply: { finish: 'length' } });
    const calls = [];
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'Weather?' })) calls.push(...(chunk.functionCalls ?? []));
    expect(calls).toEqual([{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }]);
    let finish: string | undefined;
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'Go on' })) finish = chunk.candidates?.[0]?.finishReason ?? finish;
    expect(finish).toBe('MAX_TOKENS');
  });

  it('parses a blocked prompt (200, promptFeedback.blockReason, no candidates)', async () => {
    fake.enqueue({ type: 'status', status: 200, body: blockedPrompt('PROHIBITED_CONTENT') });
    const response = await ai.models.generateContent({ model: MODEL, contents: 'something' });
    expect(response.candidates).toBeUndefined();
    expect(response.promptFeedback?.blockReason).toBe('PROHIBITED_CONTENT');
  });

  it('parses Google error JSON into ApiError with the HTTP status', async () => {
    const kinds = ['rate_limit', 'overloaded', 'auth', 'model_not_found', 'context_length'] as const;
    fake.enqueue(...kinds.map((kind) => ({ type: 'error' as const, kind })));
    for (const kind of kinds) {
      const error = await ai.models.generateContent({ model: MODEL, contents: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(geminiWire.error(kind).status);
      expect(JSON.parse((error as ApiError).message)).toEqual(geminiWire.error(kind).body);
    }
  });

  it('raises an in-stream error event as ApiError', async () => {
    fake.enqueue({ type: 'stream-error', kind: 'overloaded' });
    const read = async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'x' })) void chunk;
    };
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
  });

  it('gets a model and lists models', async () => {
    expect(await ai.models.get({ model: MODEL })).toMatchObject({ name: `models/${MODEL}`, inputTokenLimit: 1048576 });
    const pager = await ai.models.list();
    expect(pager.page[0]).toMatchObject({ name: `models/${MODEL}` });
  });

  it('sends the same request body as the adapter for the same conversation', async () => {
    await ai.models.generateContent({
      model: MODEL,
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
      ],
      config: {
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
        maxOutputTokens: 100,
        temperature: 0.5,
        topP: 0.9,
        stopSequences: ['END'],
        seed: 7,
        responseMimeType: 'application/json',
        tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parametersJsonSchema: { type: 'object' } }] }],
        toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_weather'] } },
      },
    });
    const harness = createHarness();
    const adapter = createGeminiAdapter({ name: 'g', type: 'gemini', baseUrl: fake.baseUrl, apiKey: KEY, model: MODEL, headers: {}, options: {} }, harness.environment);
    await adapter.chat(
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
          { role: 'tool', toolCallId: 'c1', content: '{"temp":21}' },
        ],
        maxTokens: 100,
        temperature: 0.5,
        topP: 0.9,
        stop: ['END'],
        seed: 7,
        responseFormat: { type: 'json_object' },
        tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }],
        toolChoice: { name: 'get_weather' },
      },
      harness.context(),
    );
    const [sdk, ours] = fake.requests.map((request) => request.json as Record<string, unknown>);
    // The SDK labels the system instruction with role "user"; the API does not need it.
    expect(ours).toEqual({ ...sdk, systemInstruction: { parts: [{ text: 'Be brief.' }] } });
    expect(fake.requests[1]!.path).toBe(fake.requests[0]!.path);
  });
});

describe('the Gemini 3 fake (gemini3: true) against the official SDK', () => {
  const GEMINI_3 = 'gemini-3-pro-preview';
  let gemini3: FakeUpstream;
  let ai3: GoogleGenAI;
  beforeAll(async () => {
    gemini3 = await startFakeUpstream(createGeminiWire({ gemini3: true }));
    ai3 = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: gemini3.baseUrl.replace(/\/v1beta$/, '') } });
  });
  afterAll(() => gemini3.close());

  it('signs the first call of a step; an SDK chat keeps the signature in its history, so the next turn passes', async () => {
    const rome = { ...weather, id: 'call_2', arguments: '{"city":"Rome"}' };
    gemini3.enqueue({ type: 'ok', reply: { content: '', toolCalls: [weather, rome] } }, { type: 'ok', reply: { content: 'Sunny.' } });
    const chat = ai3.chats.create({ model: GEMINI_3, config: { tools: [{ functionDeclarations: [{ name: 'get_weather' }] }] } });
    const first = await chat.sendMessage({ message: 'Weather in Paris and Rome?' });
    expect(first.candidates?.[0]?.content?.parts?.map((part) => part.thoughtSignature)).toEqual([stepSignature(weather), undefined]);
    const results = first.functionCalls!.map((call) => ({ functionResponse: { id: call.id!, name: call.name!, response: { temp: 21 } } }));
    expect((await chat.sendMessage({ message: results })).text).toBe('Sunny.');
  });

  it("refuses a current turn that replays a step without its signature with Google's 400", async () => {
    const contents = [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
    ];
    const error = await ai3.models.generateContent({ model: GEMINI_3, contents }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect(JSON.parse((error as ApiError).message)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/missing a thought_signature.*get_weather` , position 2\./) } });
    // An earlier turn (before the latest user text) is not checked.
    await ai3.models.generateContent({ model: GEMINI_3, contents: [...contents, { role: 'model', parts: [{ text: '21 C.' }] }, { role: 'user', parts: [{ text: 'Thanks!' }] }] });
  });
});
