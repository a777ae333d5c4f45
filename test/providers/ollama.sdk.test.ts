/**
 * Proves the Ollama fake is honest: the official `ollama` client talks to it directly and
 * parses its `/api/chat` JSON, its NDJSON stream (stopping at `done: true`), its in-stream and
 * HTTP errors, and `GET /api/tags`.
 */
import { Ollama, type ChatResponse } from 'ollama';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ollamaWire } from '../fakes/ollama.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';

let fake: FakeUpstream;
let client: Ollama;
const weather = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };

beforeAll(async () => {
  fake = await startFakeUpstream(ollamaWire);
  client = new Ollama({ host: fake.baseUrl });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('the official ollama client against the fake', () => {
  it('parses a non-streaming chat with tool calls and counts', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Checking.', toolCalls: [weather], usage: { input: 20, output: 5 }, model: 'llama3.2' } });
    const response = await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Weather?' }] });
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/api/chat', json: { stream: false } });
    expect(response).toMatchObject({ model: 'llama3.2', done: true, done_reason: 'stop', prompt_eval_count: 20, eval_count: 5 });
    expect(response.message.content).toBe('Checking.');
    expect(response.message.tool_calls).toEqual([{ id: 'call_1', function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } }]);
    expect(typeof response.created_at).toBe('string');
    expect(response.total_duration).toBeGreaterThan(0);
  });

  it('parses an NDJSON stream of deltas and stops at the done line', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Hello world', chunks: ['Hello', ' world'], usage: { input: 3, output: 2 }, finish: 'length' } });
    const stream = await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const lines: ChatResponse[] = [];
    for await (const line of stream) lines.push(line);
    expect(lines.map((line) => line.done)).toEqual([false, false, true]);
    expect(lines.map((line) => line.message.content).join('')).toBe('Hello world');
    expect(lines.at(-1)).toMatchObject({ done_reason: 'length', prompt_eval_count: 3, eval_count: 2 });
    expect(fake.requests[0]!.json).toMatchObject({ stream: true });
  });

  it('rejects a stream without its done line, and an in-stream error line', async () => {
    fake.enqueue({ type: 'truncated-stream' }, { type: 'stream-error', kind: 'server' });
    const drain = async () => {
      for await (const _ of await client.chat({ model: 'llama3.2', messages: [], stream: true })) void _;
    };
    await expect(drain()).rejects.toThrow('Did not receive done or success response in stream.');
    await expect(drain()).rejects.toThrow('llama runner process has terminated: exit status 2');
  });

  it("parses Ollama's error JSON (model not found, 404)", async () => {
    fake.enqueue({ type: 'error', kind: 'model_not_found' });
    const error = await client.chat({ model: 'llama3.2-nonexistent', messages: [] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResponseError', status_code: 404, error: "model 'llama3.2-nonexistent' not found" });
  });

  it('lists the local models (GET /api/tags)', async () => {
    const list = await client.list();
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/api/tags' });
    expect(list.models[0]).toMatchObject({ name: 'llama3.2:latest', details: { family: 'llama', quantization_level: 'Q4_K_M' } });
  });
});
