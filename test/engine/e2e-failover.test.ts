/**
 * Failover through the whole engine over real sockets: an OpenAI-type provider whose fake
 * upstream fails (500s, a hang past the attempt timeout, a reset connection) and an
 * Anthropic-type provider whose fake answers. Real sockets, virtual engine clock: a hung
 * attempt times out when the test advances the clock, never because a machine was slow.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { StreamPart } from '../../src/core/types.js';
import type { RequestFinishedEvent } from '../../src/engine/events.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';

const OPENAI_KEY = 'sk-proj-e2e-openai-0123456789';
const ANTHROPIC_KEY = 'sk-ant-e2e-anthropic-0123456789';
/** On the virtual clock: passes only when a test advances it. */
const ATTEMPT_TIMEOUT_MS = 200;
const clock = new VirtualClock(Date.now());
const hello = { messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hello' }], maxTokens: 64 };

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let engine: Switchyard;
let finished: RequestFinishedEvent[];

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startFakeUpstream(openaiWire), startFakeUpstream(anthropicWire)]);
  engine = createSwitchyard(
    {
      providers: [
        { name: 'gpt', type: 'openai', baseUrl: openai.baseUrl, apiKey: OPENAI_KEY, model: 'gpt-4o', priority: 1, timeoutMs: ATTEMPT_TIMEOUT_MS },
        { name: 'claude', type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: ANTHROPIC_KEY, model: 'claude-sonnet-4-5', priority: 2, timeoutMs: 5000 },
      ],
      routes: { default: { providers: ['gpt', 'claude'], strategy: 'priority' } },
      routing: { maxAttempts: 2, backoff: { baseMs: 1, maxMs: 5 }, deadlineMs: 10_000 },
      // Keep the OpenAI provider selectable across the cases: its breaker must not open.
      health: { consecutiveFailures: 100, minCalls: 100 },
      seed: 1,
    },
    { env: {}, clock },
  );
  engine.on('request.finished', (event) => finished.push(event));
});

afterAll(async () => {
  await engine.stop();
  await Promise.all([openai.close(), anthropic.close()]);
});

beforeEach(() => {
  openai.reset();
  anthropic.reset();
  finished = [];
});

const failures = [
  { name: '500s', behaviour: { type: 'error', kind: 'server' } as const, kind: 'server', status: 500 },
  { name: 'a hang past the attempt timeout', behaviour: { type: 'hang-before-headers' } as const, kind: 'timeout', status: undefined },
  { name: 'a reset connection', behaviour: { type: 'reset-before-headers' } as const, kind: 'network', status: undefined },
];

/** For a hang: waits until the OpenAI call hangs on the wire, then lets its attempt time out. */
async function timeOutIfHanging(behaviour: { type: string }): Promise<void> {
  if (behaviour.type !== 'hang-before-headers') return;
  await openai.until((fake) => fake.hanging === 1);
  await clock.advance(ATTEMPT_TIMEOUT_MS);
}

/** What both fakes received: one failed OpenAI call, then one Anthropic call for the same request. */
async function expectWireRequests(stream: boolean): Promise<void> {
  // The fake records a request once its body is read, which may come after a timed-out client gave up.
  await openai.until((fake) => fake.requests.length > 0);
  expect(openai.requests).toHaveLength(1);
  expect(anthropic.requests).toHaveLength(1);
  const [first, second] = [openai.requests[0]!, anthropic.requests[0]!];
  expect([first.method, first.path, first.headers.authorization]).toEqual(['POST', '/v1/chat/completions', `Bearer ${OPENAI_KEY}`]);
  expect([second.method, second.path, second.headers['x-api-key'], second.headers['anthropic-version']]).toEqual(['POST', '/v1/messages', ANTHROPIC_KEY, '2023-06-01']);
  expect(second.headers['x-request-id']).toBe(first.headers['x-request-id']);
  expect(second.json).toEqual({
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'Hello' }],
    ...(stream ? { stream: true } : {}),
  });
}

describe('failover from OpenAI to Anthropic, end to end', () => {
  for (const failure of failures) {
    it(`chat: ${failure.name} on OpenAI → answered by Anthropic`, async () => {
      openai.enqueue(failure.behaviour);
      anthropic.enqueue({ type: 'ok', reply: { content: 'Hi from Claude.', usage: { input: 12, output: 4 } } });
      const pending = engine.chat(hello);
      await timeOutIfHanging(failure.behaviour);
      const result = await pending;
      expect(result).toMatchObject({ provider: 'claude', content: 'Hi from Claude.', model: 'claude-sonnet-4-5', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 12, outputTokens: 4 } });
      expect(result.attempts.map(({ provider, kind, status }) => ({ provider, kind, status }))).toEqual([
        { provider: 'gpt', kind: failure.kind, status: failure.status },
        { provider: 'claude', kind: 'ok', status: 200 },
      ]);
      await expectWireRequests(false);
    });

    it(`stream: ${failure.name} on OpenAI → streamed by Anthropic`, async () => {
      openai.enqueue(failure.behaviour);
      anthropic.enqueue({ type: 'ok', reply: { content: 'Hi from Claude.', chunks: ['Hi', ' from', ' Claude.'], usage: { input: 12, output: 4 } } });
      const stream = engine.stream(hello);
      const parts: StreamPart[] = [];
      const read = (async () => {
        for await (const part of stream) parts.push(part);
      })();
      await timeOutIfHanging(failure.behaviour);
      await read;
      expect(parts.map((p) => (p.type === 'text-delta' ? p.text : p.type))).toEqual(['Hi', ' from', ' Claude.', 'finish']);
      expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'stop' }, usage: { inputTokens: 12, outputTokens: 4 }, model: 'claude-sonnet-4-5' });
      await expect(stream.info).resolves.toMatchObject({ provider: 'claude', failedAttempts: 1 });
      await expect.poll(() => finished.length).toBe(1);
      expect(finished[0]!.attempts.map(({ provider, kind, status }) => ({ provider, kind, status }))).toEqual([
        { provider: 'gpt', kind: failure.kind, status: failure.status },
        { provider: 'claude', kind: 'ok', status: 200 },
      ]);
      expect(finished[0]).toMatchObject({ provider: 'claude', status: 'ok', stream: true });
      await expectWireRequests(true);
    });
  }

  it('times the hung attempt out quickly and drops its connection', async () => {
    openai.enqueue({ type: 'hang-before-headers' });
    const pending = engine.chat(hello);
    await openai.until((fake) => fake.hanging === 1);
    await clock.advance(ATTEMPT_TIMEOUT_MS);
    const result = await pending;
    const [timedOut] = result.attempts;
    expect(timedOut).toMatchObject({ provider: 'gpt', kind: 'timeout', latencyMs: ATTEMPT_TIMEOUT_MS });
    await openai.until((fake) => fake.hanging === 0);
  });
});
