/**
 * The official openai SDK against the gateway in front of a fake upstream of each provider
 * type (OpenAI, Anthropic, Gemini, Ollama), streaming and not, and failover across types.
 */
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOllamaWire } from '../fakes/ollama.js';
import { refusalStream } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import { CALM, CANARY, PROVIDER_TYPES, startGateway, startTypedGateway, type TestGateway, type TypedGateway } from './helpers.js';

let typed: TypedGateway;
let gw: TestGateway;
let fakes: TypedGateway['fakes'];
let client: OpenAI;

beforeAll(async () => {
  typed = await startTypedGateway();
  ({ gw, fakes } = typed);
  client = gw.client();
});
afterAll(() => typed.close());
beforeEach(() => {
  typed.reset();
});

describe.each(PROVIDER_TYPES.map(([type]) => type))('in front of a %s upstream', (type) => {
  it('answers a completion', async () => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: { content: `Hi from ${type}`, usage: { input: 4, output: 3 } } });
    const { data, response } = await client.chat.completions.create({ model: type, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe(`Hi from ${type}`);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(response.headers.get('x-switchyard-provider')).toBe(type);
    expect(data.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3 });
  });

  it('streams with usage', async () => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: { content: `Hi from ${type}`, usage: { input: 4, output: 3 } } });
    const stream = await client.chat.completions.create({ model: type, messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(`Hi from ${type}`);
    expect(usage?.completion_tokens).toBe(3);
  });
});

describe('images', () => {
  const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
  const GIF = 'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==';
  // Gemini and Ollama first: they take images only inline.
  let vision: TestGateway;
  let textOnly: FakeUpstream;
  beforeAll(async () => {
    textOnly = await startFakeUpstream(createOllamaWire({ vision: false }));
    const order = ['gemini', 'ollama', 'anthropic', 'openai'];
    vision = await startGateway({
      providers: [
        { name: 'ollama-text', type: 'ollama', baseUrl: textOnly.baseUrl, model: 'llama3.2', priority: 1 },
        ...order.map((type, i) => ({ name: type, type, baseUrl: fakes.get(type)!.baseUrl, apiKey: CANARY, model: `${type}-model`, priority: i + 2 })),
      ],
      routes: {
        'inline-first': { providers: order },
        'inline-only': { providers: ['gemini', 'ollama'] },
        'gemini-first': { providers: ['gemini', 'openai'] },
        'anthropic-first': { providers: ['anthropic', 'openai'] },
        'text-first': { providers: ['ollama-text', 'openai'] },
      },
      ...CALM,
    });
  });
  afterAll(async () => {
    await vision.close();
    await textOnly.close();
  });
  beforeEach(() => textOnly.reset());
  const ask = (model: string, url: string) =>
    vision.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }] }] });
  const images = (...urls: string[]): OpenAI.ChatCompletionContentPart[] => [{ type: 'text', text: 'What is this?' }, ...urls.map((url) => ({ type: 'image_url' as const, image_url: { url } }))];

  it('given by URL go to the first provider of the route that can take them, never silently dropped', async () => {
    const response = await ask('inline-first', 'https://example.com/cat.png');
    expect(response.status).toBe(200);
    // Gemini and Ollama take images only inline: skipped, not called. Anthropic takes a URL.
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
    expect(fakes.get('gemini')!.requests).toHaveLength(0);
    expect(fakes.get('ollama')!.requests).toHaveLength(0);
    expect((fakes.get('anthropic')!.requests[0]!.json as { messages: { content: unknown[] }[] }).messages[0]!.content).toContainEqual({
      type: 'image',
      source: { type: 'url', url: 'https://example.com/cat.png' },
    });
  });

  it('given inline go to the first provider of the route as usual', async () => {
    const response = await ask('inline-first', `data:image/png;base64,${PNG}`);
    expect(response.headers.get('x-switchyard-provider')).toBe('gemini');
    expect(JSON.stringify(fakes.get('gemini')!.requests[0]!.json)).toContain(PNG);
  });

  it('that no provider of the route can take are refused with a 400 naming the part, before any upstream call', async () => {
    const response = await ask('inline-only', 'https://example.com/cat.png');
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; param: string; message: string } };
    expect(error).toMatchObject({ code: 'invalid_request', param: 'messages[0].content[1]' });
    expect(error.message).toContain('gemini: Gemini takes images only inline');
    expect(error.message).toContain('ollama: Ollama takes images only as base64 data URLs');
    expect(fakes.get('gemini')!.requests).toHaveLength(0);
    expect(fakes.get('ollama')!.requests).toHaveLength(0);
  });

  it('of a type Gemini does not take (GIF) go past it to a provider that does, not to a Gemini 400', async () => {
    const { data, response } = await vision.client().chat.completions.create({ model: 'gemini-first', messages: [{ role: 'user', content: images(`data:image/gif;base64,${GIF}`) }] }).withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(fakes.get('gemini')!.requests).toHaveLength(0);
  });

  it('more than Anthropic takes in one request (100) go past it, not to an Anthropic 400', async () => {
    const many = Array.from({ length: 101 }, () => `data:image/png;base64,${PNG}`);
    const { response } = await vision.client().chat.completions.create({ model: 'anthropic-first', messages: [{ role: 'user', content: images(...many) }] }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(fakes.get('anthropic')!.requests).toHaveLength(0);
  });

  it("sent to a text-only Ollama model fail over as unsupported (its runner's 500 is no outage)", async () => {
    const { response } = await vision.client().chat.completions.create({ model: 'text-first', messages: [{ role: 'user', content: images(`data:image/png;base64,${PNG}`) }] }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(textOnly.requests).toHaveLength(1);
    expect(vision.logs().at(-1)).toMatchObject({ upstream: [{ provider: 'ollama-text', kind: 'unsupported', status: 500 }, { provider: 'openai', kind: 'ok' }] });
  });
});

describe('refusals', () => {
  it('writes a model\'s refusal where OpenAI does (message.refusal, content null, finish stop); a content filter stays one', async () => {
    fakes.get('anthropic')!.enqueue({ type: 'ok', reply: { content: 'I cannot help with that.', finish: 'content_filter' } });
    const refused = await client.chat.completions.create({ model: 'anthropic', messages: [{ role: 'user', content: 'Hi' }] });
    expect(refused.choices[0]!.message).toMatchObject({ content: null, refusal: 'I cannot help with that.' });
    expect(refused.choices[0]!.finish_reason).toBe('stop');
    fakes.get('openai')!.enqueue({ type: 'ok', reply: { content: 'partial', finish: 'content_filter' } });
    const filtered = await client.chat.completions.create({ model: 'openai', messages: [{ role: 'user', content: 'Hi' }] });
    expect(filtered.choices[0]!.message).toMatchObject({ content: 'partial', refusal: null });
    expect(filtered.choices[0]!.finish_reason).toBe('content_filter');
  });
});

describe('streamed refusals', () => {
  it("reach the openai SDK's streaming parse() as OpenAI streams them (delta.refusal, finish stop): message.refusal, no throw", async () => {
    fakes.get('openai')!.enqueue({ type: 'status', status: 200, body: refusalStream(["I'm sorry, ", 'I cannot help with that.']), headers: { 'content-type': 'text/event-stream' } });
    const stream = client.chat.completions.stream({
      model: 'openai',
      messages: [{ role: 'user', content: 'Hi' }],
      // Parseable (zod): the SDK throws ContentFilterFinishReasonError on finish_reason content_filter.
      response_format: zodResponseFormat(z.object({ city: z.string() }), 'weather_report'),
    });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]!.message).toMatchObject({ content: null, refusal: "I'm sorry, I cannot help with that.", parsed: null });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
  });

  it('finish stop from Anthropic too, whose refusal is known only at the end (its text already went out as content)', async () => {
    fakes.get('anthropic')!.enqueue({ type: 'ok', reply: { content: 'I cannot help with that.', finish: 'content_filter' } });
    const chunks = [];
    for await (const chunk of await client.chat.completions.create({ model: 'anthropic', stream: true, messages: [{ role: 'user', content: 'Hi' }] })) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('I cannot help with that.');
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);
  });
});

describe('JSON response formats', () => {
  // Anthropic first: json_object has no Anthropic equivalent (and `anthropic-model` has no structured outputs).
  let json: TestGateway;
  beforeAll(async () => {
    json = await startGateway({
      providers: ['anthropic', 'openai'].map((type, i) => ({ name: type, type, baseUrl: fakes.get(type)!.baseUrl, apiKey: CANARY, model: `${type}-model`, priority: i + 1 })),
      ...CALM,
    });
  });
  afterAll(() => json.close());
  const ask = (model: string, stream = false) => json.post('/v1/chat/completions', { model, stream, messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_object' } });

  it.each([false, true])('go to a provider of the route that can honour them, never answered in prose (stream: %s)', async (stream) => {
    const response = await ask('default', stream);
    await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(fakes.get('anthropic')!.requests).toHaveLength(0);
    expect(fakes.get('openai')!.requests[0]!.json).toMatchObject({ response_format: { type: 'json_object' } });
  });

  it('that no provider of the route can honour are refused with a 400 naming response_format, before any upstream call', async () => {
    const response = await ask('anthropic');
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; param: string; message: string } };
    expect(error).toMatchObject({ code: 'invalid_request', param: 'response_format' });
    expect(error.message).toContain('anthropic: Anthropic has no JSON output mode');
    expect(fakes.get('anthropic')!.requests).toHaveLength(0);
  });
});

describe('what an adapter could not carry', () => {
  it.each([false, true])('is in the request log line (stream: %s)', async (stream) => {
    const before = gw.logs().length;
    const response = await gw.post('/v1/chat/completions', { model: 'anthropic', seed: 3, stream, messages: [{ role: 'user', content: 'Hi' }] });
    await response.text();
    const line = gw.logs().slice(before).find((entry) => entry.msg === 'request');
    expect(line).toMatchObject({ status: 200, selected_provider: 'anthropic', warnings: ['Anthropic does not support "seed"; it was not sent'] });
  });

  it('is absent when everything was carried', async () => {
    const before = gw.logs().length;
    await (await gw.post('/v1/chat/completions', { model: 'anthropic', messages: [{ role: 'user', content: 'Hi' }] })).text();
    expect(gw.logs().slice(before).find((entry) => entry.msg === 'request')).not.toHaveProperty('warnings');
  });
});

describe('across provider types', () => {
  it('fails over from an openai 500, an anthropic overload and a gemini 503 to ollama', async () => {
    fakes.get('openai')!.enqueue({ type: 'error', kind: 'server' });
    fakes.get('anthropic')!.enqueue({ type: 'error', kind: 'overloaded' });
    fakes.get('gemini')!.enqueue({ type: 'error', kind: 'unavailable' });
    fakes.get('ollama')!.enqueue({ type: 'ok', reply: { content: 'from ollama' } });
    const gateway = await startGatewayWithAttempts(4);
    const { data, response } = await gateway.client().chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('from ollama');
    expect(response.headers.get('x-switchyard-attempts')).toBe('4');
    await gateway.close();
  });
});

describe('a client that goes away', () => {
  it('cancels a non-streaming upstream call at once', async () => {
    const fake = fakes.get('anthropic')!;
    fake.enqueue({ type: 'hang-before-headers' });
    const controller = new AbortController();
    const request = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'anthropic', messages: [{ role: 'user', content: 'Hi' }] }),
      signal: controller.signal,
    }).catch(() => 'aborted');
    await fake.until((f) => f.hanging === 1);
    controller.abort();
    expect(await request).toBe('aborted');
    // The upstream timeout is 30 s: only the client's disconnect can end this call now.
    await fake.until((f) => f.hanging === 0);
    await expect.poll(() => gw.engine.inFlight).toBe(0);
  });
});

function startGatewayWithAttempts(maxAttempts: number) {
  return startGateway({
    providers: PROVIDER_TYPES.map(([type], i) => ({ name: type, type, baseUrl: fakes.get(type)!.baseUrl, apiKey: CANARY, model: `${type}-model`, priority: i + 1 })),
    ...CALM,
    routing: { ...CALM.routing, maxAttempts },
  });
}
