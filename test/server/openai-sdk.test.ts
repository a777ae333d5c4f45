/**
 * The official openai SDK against the gateway in front of OpenAI fakes: answers, streams,
 * failover on 500s, hangs and rate limits, and an upstream 400 passed through.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { FakeUpstream } from '../fakes/server.js';
import { CALM, openaiProviders, resetAll, sseEvents, startGateway, startOpenAIFakes, type TestGateway } from './helpers.js';

let fakes: FakeUpstream[];
let gw: TestGateway;
let client: OpenAI;
const ask = { model: 'default', messages: [{ role: 'user' as const, content: 'Hi' }] };
/** The engine's clock: an attempt times out only when the hang test advances it, never on a slow machine. */
const clock = new VirtualClock(Date.now());

beforeAll(async () => {
  fakes = await startOpenAIFakes(2);
  const providers = openaiProviders(fakes);
  providers[0]!.timeoutMs = 150;
  gw = await startGateway({ providers, ...CALM }, { clock });
  client = gw.client();
});
afterAll(async () => {
  await gw.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});
beforeEach(() => resetAll(gw, fakes));

describe('non-streaming', () => {
  it('answers in OpenAI shape with the upstream model and the x-switchyard headers', async () => {
    fakes[0]!.enqueue({ type: 'ok', reply: { content: 'Hello there', usage: { input: 9, output: 2 } } });
    const { data, response } = await client.chat.completions.create(ask).withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello there');
    expect(data.model).toBe('model-a');
    expect(data.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
    expect(response.headers.get('x-switchyard-provider')).toBe('a');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-switchyard-request-id')).toMatch(/\S+/);
    expect(fakes[0]!.requests[0]!.headers.authorization).toMatch(/^Bearer sk-canary/);
  });

  it('passes tools and tool calls both ways', async () => {
    fakes[0]!.enqueue({ type: 'ok', reply: { content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] } });
    const completion = await client.chat.completions.create({
      ...ask,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect((fakes[0]!.requests[0]!.json as { tools: unknown[] }).tools).toHaveLength(1);
  });

  it.each([
    ['returns 500s', { type: 'error', kind: 'server' }],
    ['hangs', { type: 'hang-before-headers' }],
    ['rate-limits', { type: 'error', kind: 'rate_limit' }],
  ] as const)('fails over when the first provider %s', async (_name, behaviour) => {
    fakes[0]!.enqueue(behaviour, behaviour, behaviour);
    fakes[1]!.enqueue({ type: 'ok', reply: { content: 'from b' } });
    const answer = client.chat.completions.create(ask).withResponse();
    if (behaviour.type === 'hang-before-headers') {
      await fakes[0]!.until((fake) => fake.hanging === 1);
      await clock.advance(150); // a's attempt timeout
    }
    const { data, response } = await answer;
    expect(fakes[0]!.requests).toHaveLength(1);
    expect(data.choices[0]!.message.content).toBe('from b');
    expect(data.model).toBe('model-b');
    expect(response.headers.get('x-switchyard-provider')).toBe('b');
    expect(Number(response.headers.get('x-switchyard-attempts'))).toBeGreaterThanOrEqual(2);
    const line = gw.logs().find((log) => log.request_id === response.headers.get('x-switchyard-request-id'))!;
    expect(line).toMatchObject({ selected_provider: 'b', status: 200 });
    expect(line.failover_attempts).toBeGreaterThanOrEqual(1);
  });

  it('lists and retrieves models', async () => {
    const listed = await client.models.list();
    expect(listed.data.map((m) => m.id)).toContain('default');
    expect((await client.models.retrieve('default')).id).toBe('default');
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('returns an upstream 400 as 400 without trying another provider', async () => {
    fakes[0]!.enqueue({ type: 'error', kind: 'bad_request' });
    const error = await client.chat.completions.create(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('upstream_bad_request');
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
    // Attributed to its provider once, not "a: a: …".
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/^400 a: HTTP 400: /);
    expect(fakes[1]!.requests).toHaveLength(0);
    expect(fakes[0]!.requests).toHaveLength(1);
  });
});

describe('streaming', () => {
  it('streams deltas, the finish reason, the usage chunk and [DONE]', async () => {
    fakes[0]!.enqueue({ type: 'ok', reply: { content: 'Hello world', chunks: ['Hello', ' world'], usage: { input: 3, output: 2 } } });
    const stream = await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello world');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('names the upstream model in every chunk, the first included', async () => {
    fakes[0]!.enqueue({ type: 'ok', reply: { content: 'Hello world', chunks: ['Hello', ' world'], model: 'model-a-2024-08-06' } });
    const stream = await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    const models = new Set<string>();
    for await (const chunk of stream) models.add(chunk.model);
    expect([...models]).toEqual(['model-a-2024-08-06']);
  });

  it('sends no usage chunk unless include_usage is set, and ends with [DONE]', async () => {
    const response = await gw.post('/v1/chat/completions', { ...ask, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await sseEvents(response);
    expect(events.at(-1)).toBe('[DONE]');
    expect(events.slice(0, -1).every((event) => !('usage' in (JSON.parse(event) as object)))).toBe(true);
  });

  it('assembles streamed tool calls with the SDK helper', async () => {
    fakes[0]!.enqueue({ type: 'ok', reply: { content: '', toolCalls: [{ id: 'call_9', name: 'lookup', arguments: '{"q":"x"}' }] } });
    const final = await client.chat.completions.stream(ask).finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'call_9', function: { name: 'lookup', arguments: '{"q":"x"}' } });
  });

  it('keeps failover invisible before the first content byte', async () => {
    fakes[0]!.enqueue({ type: 'error', kind: 'server' }, { type: 'error', kind: 'overloaded' }, { type: 'error', kind: 'server' });
    fakes[1]!.enqueue({ type: 'ok', reply: { content: 'from b', chunks: ['from', ' b'] } });
    const response = await gw.post('/v1/chat/completions', { ...ask, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('b');
    const events = await sseEvents(response);
    const text = events.slice(0, -1).map((e) => (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('from b');
    expect(events.some((e) => e.includes('"error"'))).toBe(false);
  });

  it('ends a stream that fails after it started with exactly one error event', async () => {
    fakes[0]!.enqueue({ type: 'stream-error', kind: 'server' });
    const response = await gw.post('/v1/chat/completions', { ...ask, stream: true });
    expect(response.status).toBe(200);
    const events = await sseEvents(response);
    const errors = events.filter((e) => e.startsWith('{"error"'));
    expect(errors).toHaveLength(1);
    expect(events.at(-1)).toBe(errors[0]);
    expect(JSON.parse(errors[0]!)).toMatchObject({ error: { type: expect.any(String), message: expect.any(String) } });
    expect(fakes[1]!.requests).toHaveLength(0);
    // The SDK surfaces it as an error too.
    fakes[0]!.enqueue({ type: 'stream-error', kind: 'server' });
    const stream = await client.chat.completions.create({ ...ask, stream: true });
    await expect((async () => { for await (const _ of stream) void _; })()).rejects.toThrow();
  });

  it('cancels the upstream call at once when the client disconnects', async () => {
    fakes[0]!.enqueue({ type: 'hang-mid-stream', reply: { content: 'one two three four five six', chunks: ['one ', 'two ', 'three ', 'four ', 'five ', 'six'] } });
    const response = await gw.post('/v1/chat/completions', { ...ask, stream: true });
    const reader = response.body!.getReader();
    await reader.read(); // the first content byte arrived: the stream is committed
    await fakes[0]!.until((fake) => fake.hanging === 1);
    await reader.cancel();
    await fakes[0]!.until((fake) => fake.hanging === 0);
    expect(fakes[0]!.hanging).toBe(0);
    await expect.poll(() => gw.engine.inFlight).toBe(0);
    await expect.poll(() => gw.logs().some((log) => log.outcome === 'aborted' && log.status === 499)).toBe(true);
    // The stream had started: the log names its provider and the call, as the client's headers did.
    expect(gw.logs().find((log) => log.outcome === 'aborted')).toMatchObject({ selected_provider: 'a', attempts: 1, failover_attempts: 0, upstream: [{ provider: 'a', kind: 'aborted' }] });
  });
});
