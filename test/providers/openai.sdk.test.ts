/**
 * Proves the OpenAI fake is honest: the official `openai` SDK talks to it directly and
 * parses its JSON, its SSE chunks (incl. the usage chunk and `[DONE]`) and its errors.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';

let fake: FakeUpstream;
let client: OpenAI;
const weather = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };

beforeAll(async () => {
  fake = await startFakeUpstream(openaiWire);
  client = new OpenAI({ apiKey: 'sk-test-sdk', baseURL: fake.baseUrl, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('the official openai SDK against the fake', () => {
  it('parses a non-streaming completion with tool calls and usage', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Checking.', toolCalls: [weather], usage: { input: 20, output: 5 } } });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather?' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toBe('Checking.');
    expect(completion.choices[0]!.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 });
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-test-sdk');
  });

  it('parses a stream: deltas, finish chunk, usage chunk, and stops at [DONE]', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Hello world', chunks: ['Hello', ' world'], usage: { input: 3, output: 2 } } });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello world');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2 });
  });

  it('assembles streamed tool calls with the SDK helper', async () => {
    fake.enqueue({ type: 'ok', reply: { content: '', toolCalls: [weather] } });
    const runner = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather?' }] });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
  });

  it('parses the OpenAI error shape into the SDK error classes', async () => {
    fake.enqueue({ type: 'error', kind: 'quota' }, { type: 'error', kind: 'context_length' });
    const quota = await client.chat.completions.create({ model: 'gpt-4o', messages: [] }).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect((quota as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota');
    const tooLong = await client.chat.completions.create({ model: 'gpt-4o', messages: [] }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooLong as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data[0]).toMatchObject({ id: 'gpt-4o', object: 'model' });
  });
});
