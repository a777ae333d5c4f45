/**
 * Ollama-specific behaviour on the wire: the exact `/api/chat` body (options, format, images,
 * object tool arguments), warnings, `done_reason` mapping, partial counts, NDJSON error lines,
 * usage-limit 429s, the default base URL and token estimation.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../../src/core/adapter.js';
import { estimateInputTokens } from '../../src/core/tokens.js';
import type { ChatRequest, StreamPart } from '../../src/core/types.js';
import { createOllamaAdapter, estimateTokens, OLLAMA_BASE_URL, toOllamaRequest } from '../../src/providers/ollama/index.js';
import { ollamaWire } from '../fakes/ollama.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import { collect, createHarness, failure, textOf } from './helpers.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
let fake: FakeUpstream;
let harness: ReturnType<typeof createHarness>;
let adapter: ProviderAdapter;
const create = (apiKey: string | undefined = undefined) =>
  createOllamaAdapter(
    { name: 'local', type: 'ollama', baseUrl: fake.baseUrl, apiKey, model: 'llama3.2', headers: { 'x-extra': 'yes' }, options: {} },
    harness.environment,
  );

beforeAll(async () => {
  fake = await startFakeUpstream(ollamaWire);
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
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', url: `data:image/png;base64,${PNG}` },
        { type: 'text', text: 'And this?' },
        { type: 'image_url', url: 'https://example.com/cat.png' },
      ],
    },
    { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' }] },
    { role: 'tool', toolCallId: 'call_1', content: 'a cat' },
  ],
  maxTokens: 100,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  tools: [{ name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
  toolChoice: 'auto',
  responseFormat: { type: 'json_schema', schema: { type: 'object', properties: { answer: { type: 'string' } } } },
  seed: 7,
  task: 'code',
  metadata: { team: 'a' },
};

/** An NDJSON body played by the fake as-is. */
const ndjson = (...lines: unknown[]) => ({
  type: 'status' as const,
  status: 200,
  body: lines.map((line) => `${JSON.stringify(line)}\n`).join(''),
  headers: { 'content-type': 'application/x-ndjson' },
});
const final = (extra: Record<string, unknown> = {}) => ({ model: 'llama3.2', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content: '' }, done: true, ...extra });

describe('the request on the wire', () => {
  it('POSTs {baseUrl}/api/chat with JSON, extra headers and the request id, and no credentials without a key', async () => {
    await adapter.chat(full, harness.context());
    const sent = fake.requests[0]!;
    expect(sent).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(sent.headers['content-type']).toMatch(/^application\/json/);
    expect(sent.headers['x-extra']).toBe('yes');
    expect(sent.headers['x-request-id']).toBe('req-1');
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('sends Authorization: Bearer when an apiKey is set (cloud or an authenticating proxy)', async () => {
    await create('ollama-cloud-key-0123456789').chat(full, harness.context());
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer ollama-cloud-key-0123456789');
  });

  it('maps every unified parameter, never forwards routing fields and never sets keep_alive', async () => {
    const response = await adapter.chat(full, harness.context());
    expect(fake.requests[0]!.json).toEqual({
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is this?\nAnd this?', images: [PNG] },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', function: { name: 'lookup', arguments: { q: 'cat' } } }] },
        { role: 'tool', content: 'a cat', tool_name: 'lookup', tool_call_id: 'call_1' },
      ],
      stream: false,
      options: { num_predict: 100, temperature: 0.2, top_p: 0.9, stop: ['END'], seed: 7 },
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      format: { type: 'object', properties: { answer: { type: 'string' } } },
    });
    expect(response.warnings).toEqual(['Ollama takes images only as base64 data URLs; an image given by URL was not sent']);
  });

  it('refuses a request with an image given by URL, naming the part (the engine routes it elsewhere)', () => {
    expect(adapter.refuses!(full)).toEqual({ param: 'messages[1].content[3]', reason: 'Ollama takes images only as base64 data URLs' });
    const inline: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'image_url', url: `data:image/png;base64,${PNG}` }] }] };
    expect(adapter.refuses!(inline)).toBeUndefined();
  });

  it('asks for a stream with stream: true and sends no options when none are set', async () => {
    await collect(adapter.stream({ messages: [{ role: 'user', content: 'Hi' }] }, harness.context()));
    expect(fake.requests[0]!.json).toEqual({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: true });
  });

  it.each([
    [{ type: 'json_object' }, 'json', []],
    [{ type: 'json_schema' }, 'json', ['responseFormat json_schema without a schema was sent as format "json"']],
    [{ type: 'text' }, undefined, []],
  ] as const)('maps responseFormat %o to format %o', (responseFormat, format, warnings) => {
    const mapped = toOllamaRequest({ messages: [], responseFormat }, { model: 'm', stream: false });
    expect(mapped.body.format).toEqual(format);
    expect(mapped.warnings).toEqual(warnings);
  });

  it('warns instead of silently dropping what Ollama cannot take', () => {
    const { body, warnings } = toOllamaRequest(
      {
        messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: '[1, 2]' }] }],
        tools: [{ name: 'f' }],
        toolChoice: { name: 'f' },
        user: 'u-1',
      },
      { model: 'm', stream: false, provider: 'local' },
    );
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }]);
    expect(body.messages[0]!.tool_calls).toEqual([{ id: 'c1', function: { name: 'f', arguments: {} } }]);
    expect(body).not.toHaveProperty('user');
    expect(warnings).toEqual([
      'local does not support "user"; it was not sent',
      'the arguments of tool call c1 are not a JSON object; they were sent as {}',
      'local does not support "toolChoice" (the model decides whether to call a tool); it was not sent',
    ]);
  });

  it('carries toolChoice "none" by not sending the tools', () => {
    const { body, warnings } = toOllamaRequest({ messages: [], tools: [{ name: 'f' }], toolChoice: 'none' }, { model: 'm', stream: false });
    expect(body).not.toHaveProperty('tools');
    expect(warnings).toEqual([]);
  });

  it('keeps every text part and every base64 image of a message (property)', () => {
    const part = fc.oneof(
      fc.string().map((text) => ({ type: 'text' as const, text })),
      fc.base64String({ minLength: 4 }).map((data) => ({ type: 'image_url' as const, url: `data:image/jpeg;base64,${data}` })),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), (content) => {
        const { body, warnings } = toOllamaRequest({ messages: [{ role: 'user', content }] }, { model: 'm', stream: false });
        const message = body.messages[0]!;
        const texts = content.flatMap((p) => (p.type === 'text' ? [p.text] : []));
        const images = content.flatMap((p) => (p.type === 'image_url' ? [p.url.slice(p.url.indexOf(',') + 1)] : []));
        expect(message.content).toBe(texts.join('\n'));
        expect(message.images ?? []).toEqual(images);
        expect(warnings).toEqual([]);
      }),
    );
  });

  it('checks health with GET {baseUrl}/api/tags', async () => {
    await adapter.check!(harness.context());
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/api/tags' });
  });

  it('defaults to http://127.0.0.1:11434 and goes through the injected fetch', async () => {
    const seen: Request[] = [];
    const recording: typeof fetch = async (input, init) => {
      seen.push(new Request(input, init));
      return new Response(JSON.stringify(final({ message: { role: 'assistant', content: 'ok' }, done_reason: 'stop' })), {
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
    };
    const local = createOllamaAdapter(
      { name: 'local', type: 'ollama', baseUrl: undefined, apiKey: undefined, model: 'llama3.2', headers: {}, options: {} },
      { ...harness.environment, fetch: recording },
    );
    expect((await local.chat({ messages: [] }, harness.context())).content).toBe('ok');
    expect(OLLAMA_BASE_URL).toBe('http://127.0.0.1:11434');
    expect(seen[0]!.url).toBe('http://127.0.0.1:11434/api/chat');
    expect(seen[0]!.headers.has('authorization')).toBe(false);
  });
});

describe('Ollama replies', () => {
  it.each([
    ['load', 'other'],
    ['unload', 'other'],
    ['stop', 'stop'],
    ['length', 'length'],
    ['something_new', 'other'],
  ])('maps done_reason %s to %s, keeping the raw value', async (raw, unified) => {
    fake.enqueue({ type: 'status', status: 200, body: final({ done_reason: raw }) });
    expect((await adapter.chat(full, harness.context())).finishReason).toEqual({ unified, raw });
  });

  it('reports tool calls (which Ollama ends with "stop") as tool_calls and makes up stable ids when Ollama sends none', async () => {
    const call = { function: { name: 'lookup', arguments: { q: 'cat', n: 2 } } };
    fake.enqueue({ type: 'status', status: 200, body: final({ message: { role: 'assistant', content: '', tool_calls: [call, call] }, done_reason: 'stop' }) });
    const response = await adapter.chat(full, harness.context());
    expect(response.finishReason).toEqual({ unified: 'tool_calls', raw: 'stop' });
    expect(response.toolCalls).toEqual([
      { id: 'call_req-1_0', name: 'lookup', arguments: '{"q":"cat","n":2}' },
      { id: 'call_req-1_1', name: 'lookup', arguments: '{"q":"cat","n":2}' },
    ]);
    expect(response.id).toBe('ollama-req-1');
  });

  it('leaves a count Ollama omitted (a fully cached prompt) undefined, never 0', async () => {
    fake.enqueue({ type: 'status', status: 200, body: final({ done_reason: 'stop', eval_count: 4 }) });
    expect((await adapter.chat(full, harness.context())).usage).toEqual({ inputTokens: undefined, outputTokens: 4 });
  });

  it('rejects a non-streaming reply that is not done as malformed', async () => {
    fake.enqueue({ type: 'status', status: 200, body: final({ done: false }) });
    expect((await failure(adapter.chat(full, harness.context()))).kind).toBe('malformed');
  });

  it("classifies 404 {\"error\": \"model 'x' not found\"} as model_not_found with Ollama's message", async () => {
    fake.enqueue({ type: 'status', status: 404, body: { error: "model 'llama3.2' not found" } });
    const error = await failure(adapter.chat(full, harness.context()));
    expect([error.kind, error.status, error.retryable]).toEqual(['model_not_found', 404, true]);
    expect(error.message).toBe("local: HTTP 404: model 'llama3.2' not found");
  });

  it.each([
    ["you've reached your hourly usage limit, please wait or upgrade to continue", 'rate_limit'],
    ['you (ann) have reached your session usage limit, upgrade for higher limits: https://ollama.com/upgrade', 'quota'],
    ['you (ann) have reached your weekly usage limit, upgrade for higher limits: https://ollama.com/upgrade', 'quota'],
  ])('classifies the cloud 429 "%s" as %s', async (message, kind) => {
    fake.enqueue({ type: 'status', status: 429, body: { error: message } });
    expect((await failure(adapter.chat(full, harness.context()))).kind).toBe(kind);
  });
});

describe('Ollama streams', () => {
  it('streams text, whole tool calls by index, and one finish with counts, model and the warnings', async () => {
    const delta = (message: Record<string, unknown>) => ({ model: 'llama3.2', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', ...message }, done: false });
    fake.enqueue(
      ndjson(
        delta({ content: 'Let me ' }),
        delta({ content: 'check.' }),
        delta({ content: '', tool_calls: [{ id: 'call_a', function: { index: 0, name: 'lookup', arguments: { q: 'cat' } } }] }),
        delta({ content: '', tool_calls: [{ function: { name: 'lookup', arguments: { q: 'dog' } } }] }),
        final({ done_reason: 'stop', prompt_eval_count: 30, eval_count: 12 }),
      ),
    );
    const parts = await collect(adapter.stream(full, harness.context()));
    expect(textOf(parts)).toBe('Let me check.');
    expect(parts.filter((p) => p.type === 'tool-call-delta')).toEqual([
      { type: 'tool-call-delta', index: 0, id: 'call_a', name: 'lookup', argumentsDelta: '{"q":"cat"}' },
      { type: 'tool-call-delta', index: 1, id: 'call_req-1_1', name: 'lookup', argumentsDelta: '{"q":"dog"}' },
    ]);
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'tool_calls', raw: 'stop' },
      usage: { inputTokens: 30, outputTokens: 12 },
      model: 'llama3.2',
      warnings: ['Ollama takes images only as base64 data URLs; an image given by URL was not sent'],
    });
  });

  it('stops reading at the done line', async () => {
    fake.enqueue(ndjson(final({ done_reason: 'stop' }), { model: 'llama3.2', message: { content: 'after the end' }, done: false }));
    const parts = await collect(adapter.stream({ messages: [] }, harness.context()));
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: undefined, outputTokens: undefined } });
  });

  it('fails with the classified error after the parts already sent when an {"error"} line arrives', async () => {
    fake.enqueue(ndjson({ model: 'llama3.2', message: { role: 'assistant', content: 'Hel' }, done: false }, { error: 'an error was encountered while running the model: unexpected EOF' }));
    const parts: StreamPart[] = [];
    const error = await failure(
      (async () => {
        for await (const part of adapter.stream(full, harness.context())) parts.push(part);
      })(),
    );
    expect(textOf(parts)).toBe('Hel');
    expect([error.kind, error.status]).toEqual(['server', undefined]);
    expect(error.message).toBe('local: error in a successful reply: an error was encountered while running the model: unexpected EOF');
  });

  it('rejects a line that is not an Ollama chunk as malformed', async () => {
    fake.enqueue(ndjson({ model: 'llama3.2', message: { content: 'x' } }));
    expect((await failure(collect(adapter.stream(full, harness.context())))).kind).toBe('malformed');
  });
});

describe('estimateTokens', () => {
  it('is the core heuristic for plain text', () => {
    const request: ChatRequest = { messages: [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog.' }] };
    expect(estimateTokens(request)).toBe(estimateInputTokens(request));
  });

  it('adds tool definitions at four characters per token and a flat 576 tokens per image', () => {
    const tools = [{ name: 'lookup', parameters: { type: 'object' } }];
    const request: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', url: `data:image/png;base64,${PNG}` }] }], tools };
    const text: ChatRequest = { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] };
    expect(estimateTokens(request)).toBe(estimateInputTokens(text) + 576 + Math.ceil(JSON.stringify(tools).length / 4));
  });
});
