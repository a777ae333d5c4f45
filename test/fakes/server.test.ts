/** The fake framework itself: queue order, recording, and byte-exact OpenAI frames. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiWire } from './openai.js';
import { startFakeUpstream, type FakeUpstream } from './server.js';

let fake: FakeUpstream;
const post = (body: unknown) =>
  fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-x' }, body: JSON.stringify(body) });

beforeAll(async () => {
  fake = await startFakeUpstream(openaiWire);
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('startFakeUpstream', () => {
  it('binds 127.0.0.1, plays behaviours in order, then defaults to ok, and records each request', async () => {
    expect(fake.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    fake.enqueue({ type: 'status', status: 418, body: 'teapot' }, { type: 'error', kind: 'server' });
    expect((await post({ model: 'a' })).status).toBe(418);
    expect((await post({ model: 'b' })).status).toBe(500);
    const ok = await post({ model: 'c' });
    expect([ok.status, ((await ok.json()) as { model: string }).model]).toEqual([200, 'c']);
    expect(fake.requests.map((r) => [r.method, r.path, (r.json as { model: string }).model, r.headers.authorization])).toEqual([
      ['POST', '/v1/chat/completions', 'a', 'Bearer sk-x'],
      ['POST', '/v1/chat/completions', 'b', 'Bearer sk-x'],
      ['POST', '/v1/chat/completions', 'c', 'Bearer sk-x'],
    ]);
  });

  it('streams exact SSE frames: role chunk, deltas, finish, usage chunk, [DONE]', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Hi there', chunks: ['Hi', ' there'], usage: { input: 2, output: 2 } } });
    const response = await post({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true } });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.every((f) => f.startsWith('data: '))).toBe(true);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)) as { choices: { delta: unknown; finish_reason: unknown }[]; usage: unknown });
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([{ role: 'assistant', content: '', refusal: null }, { content: 'Hi' }, { content: ' there' }, {}, null]);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } });
  });

  it('omits the usage chunk unless asked, and truncated streams lack [DONE]', async () => {
    fake.enqueue({ type: 'ok' }, { type: 'truncated-stream' });
    const plain = await (await post({ model: 'm', stream: true })).text();
    expect(plain).not.toContain('"usage"');
    expect(plain.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await (await post({ model: 'm', stream: true })).text()).not.toContain('[DONE]');
  });

  it('answers GET /models and reports hanging calls until the client leaves', async () => {
    expect(((await (await fetch(`${fake.baseUrl}/models`)).json()) as { object: string }).object).toBe('list');
    fake.enqueue({ type: 'hang-before-headers' });
    const pending = post({ model: 'm' }).catch(() => 'aborted');
    await fake.until((f) => f.hanging === 1);
    fake.reset();
    await fake.until((f) => f.hanging === 0);
    expect(await pending).toBe('aborted');
  });
});
