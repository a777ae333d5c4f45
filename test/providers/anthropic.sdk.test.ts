/**
 * Proves the Anthropic fake is honest: the official `@anthropic-ai/sdk` talks to it directly
 * and parses its JSON, its SSE event sequence (with `event:` lines, `ping`, `message_stop`),
 * its in-stream error events and its error replies.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anthropicWire } from '../fakes/anthropic.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';

let fake: FakeUpstream;
let client: Anthropic;
const weather = { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"city":"Paris"}' };
const params = { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Weather?' }] };

beforeAll(async () => {
  fake = await startFakeUpstream(anthropicWire);
  client = new Anthropic({ apiKey: 'sk-ant-test-sdk', baseURL: fake.baseUrl.replace(/\/v1$/, ''), maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('the official @anthropic-ai/sdk against the fake', () => {
  it('parses a non-streaming message with text, a tool_use block and usage', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Checking.', toolCalls: [weather], usage: { input: 20, output: 5 } } });
    const message = await client.messages.create(params);
    expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'tool_use', usage: { input_tokens: 20, output_tokens: 5 } });
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking.', citations: null },
      { type: 'tool_use', id: weather.id, name: 'get_weather', input: { city: 'Paris' } },
    ]);
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    // SDK 1.x authenticates with `Authorization: Bearer` (the adapter sends `x-api-key`); the fake takes both.
    expect(anthropicWire.credential(sent)).toBe('sk-ant-test-sdk');
    expect(sent.headers['anthropic-version']).toBeTypeOf('string');
  });

  it('parses the raw event stream in order, skipping ping', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Hello world', chunks: ['Hello', ' world'], usage: { input: 3, output: 2 } } });
    const stream = await client.messages.create({ ...params, stream: true });
    const types: string[] = [];
    let text = '';
    let stop: string | null | undefined;
    let input: number | undefined;
    let output: number | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'message_start') input = event.message.usage.input_tokens;
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') {
        stop = event.delta.stop_reason;
        output = event.usage.output_tokens;
      }
    }
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect([text, stop, input, output]).toEqual(['Hello world', 'end_turn', 3, 2]);
  });

  it('assembles a streamed tool call with the SDK MessageStream helper', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Let me check.', toolCalls: [weather], usage: { input: 9, output: 4 } } });
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content).toEqual([
      { type: 'text', text: 'Let me check.', citations: null },
      { type: 'tool_use', id: weather.id, name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(final).toMatchObject({ stop_reason: 'tool_use', usage: { input_tokens: 9, output_tokens: 4 } });
  });

  it('assembles a streamed thinking block (thinking_delta, signature_delta) before the text', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Four.', reasoning: 'Two and two make four.', usage: { input: 30, output: 12, cachedInput: 20, cacheWriteInput: 6 } } });
    const final = await client.messages.stream(params).finalMessage();
    expect(final.content).toEqual([
      { type: 'thinking', thinking: 'Two and two make four.', signature: expect.any(String) as string },
      { type: 'text', text: 'Four.', citations: null },
    ]);
    // message_delta's cumulative counts are what the SDK keeps.
    expect(final.usage).toMatchObject({ input_tokens: 4, cache_read_input_tokens: 20, cache_creation_input_tokens: 6, output_tokens: 12 });
  });

  it('raises an in-stream error event as an APIError of its type', async () => {
    fake.enqueue({ type: 'stream-error', kind: 'overloaded' });
    const failure = await (async () => {
      for await (const _event of await client.messages.create({ ...params, stream: true })) void _event;
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
  });

  it('parses the Anthropic error shape into the SDK error classes (529, 429 with retry-after, 402)', async () => {
    fake.enqueue({ type: 'error', kind: 'overloaded' }, { type: 'error', kind: 'rate_limit' }, { type: 'error', kind: 'quota' });
    const overloaded = await client.messages.create(params).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect(overloaded).toMatchObject({ status: 529, type: 'overloaded_error', requestID: 'req_011CFakeA1b2C3d4E5f6G7h8' });
    const limited = await client.messages.create(params).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('20');
    const billing = await client.messages.create(params).catch((e: unknown) => e);
    expect(billing).toMatchObject({ status: 402, type: 'billing_error' });
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data[0]).toMatchObject({ type: 'model', id: 'claude-sonnet-4-6' });
  });
});
