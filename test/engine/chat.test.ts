/**
 * The library API end to end on a virtual clock: routing, failover, retries, deadlines,
 * aborts and the error that lists every attempt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { RequestError } from '../../src/core/errors.js';
import type { ChatRequest } from '../../src/core/types.js';
import type { AdapterFactory } from '../../src/core/adapter.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import type { RequestFinishedEvent } from '../../src/engine/events.js';
import { MAX_SCHEMA_DEPTH } from '../../src/engine/validate-request.js';
import { scriptedAdapters, type Script } from '../helpers/scripted-adapter.js';
import { settle } from '../helpers/virtual.js';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };
/** An object nesting objects `levels` deep (`{}` is one level). */
const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { properties: value };
  return value;
};
let engine: Switchyard | undefined;

function setup(script: Script, extra: Record<string, unknown> = {}, names = ['a', 'b', 'c']) {
  const clock = new VirtualClock(1_700_000_000_000);
  const scripted = scriptedAdapters(script);
  engine = createSwitchyard(
    {
      providers: names.map((name, i) => ({ name, type: 'simulated', priority: i + 1 })),
      routing: { backoff: { baseMs: 100, maxMs: 1000 }, ...((extra.routing as object) ?? {}) },
      ...(extra.health === undefined ? {} : { health: extra.health }),
      seed: 7,
    },
    { clock, adapters: { simulated: scripted.factory } },
  );
  const finished: RequestFinishedEvent[] = [];
  engine.on('request.finished', (event) => finished.push(event));
  return { clock, scripted, engine, finished };
}

afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

async function failure(clock: VirtualClock, promise: Promise<unknown>): Promise<RequestError> {
  const error = await settle(clock, promise).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(RequestError.is(error)).toBe(true);
  return error as RequestError;
}

describe('chat', () => {
  it('answers from the first provider by priority', async () => {
    const { clock, engine, finished } = setup({});
    const result = await settle(clock, engine.chat(hello));
    expect(result.provider).toBe('a');
    expect(result.content).toBe('answer from a');
    expect(result.attempts).toEqual([{ provider: 'a', kind: 'ok', status: 200, latencyMs: 10 }]);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ status: 'ok', provider: 'a', route: 'default', inputTokens: 10, outputTokens: 5 });
  });

  it('fails over to the next provider on a server error, without backoff', async () => {
    const { clock, engine, scripted } = setup({ a: { type: 'fail', kind: 'server', status: 503 } });
    const result = await settle(clock, engine.chat(hello));
    expect(result.provider).toBe('b');
    expect(result.attempts.map((a) => [a.provider, a.kind])).toEqual([
      ['a', 'server'],
      ['b', 'ok'],
    ]);
    // a's call started at t0, b's right after a's failure at t0+10: no backoff between them.
    expect(scripted.calls[1]!.at - scripted.calls[0]!.at).toBe(10);
  });

  it('never retries a client error elsewhere and returns it as an upstream bad request', async () => {
    const { clock, engine, scripted } = setup({ a: { type: 'fail', kind: 'bad_request', status: 400 } });
    const error = await failure(clock, engine.chat(hello));
    expect(error.code).toBe('upstream_bad_request');
    expect(error.attempts).toHaveLength(1);
    expect(scripted.calls).toHaveLength(1);
  });

  it('stops at maxAttempts and lists every attempt', async () => {
    const { clock, engine, scripted } = setup({ a: { type: 'fail', kind: 'server', status: 500 }, b: { type: 'fail', kind: 'network' }, c: { type: 'fail', kind: 'server', status: 502 } }, { routing: { maxAttempts: 2 } });
    const error = await failure(clock, engine.chat(hello));
    expect(error.code).toBe('all_attempts_failed');
    expect(error.attempts.map((a) => a.provider)).toEqual(['a', 'b']);
    expect(scripted.calls).toHaveLength(2);
  });

  it('backs off with full jitter before re-trying a provider it already tried', async () => {
    const { clock, engine, scripted } = setup({ a: (i) => (i < 2 ? { type: 'fail', kind: 'server', status: 500 } : { type: 'ok' }) }, { routing: { maxAttempts: 3 } }, ['a']);
    const result = await settle(clock, engine.chat(hello));
    expect(result.attempts.map((a) => a.kind)).toEqual(['server', 'server', 'ok']);
    const gaps = [scripted.calls[1]!.at - scripted.calls[0]!.at - 10, scripted.calls[2]!.at - scripted.calls[1]!.at - 10];
    expect(gaps[0]).toBeGreaterThanOrEqual(0);
    expect(gaps[0]).toBeLessThanOrEqual(100);
    expect(gaps[1]).toBeLessThanOrEqual(200);
  });

  it('times out an attempt that hangs and fails over', async () => {
    const { clock, engine } = setup({ a: { type: 'hang' } });
    const started = clock.now();
    const result = await settle(clock, engine.chat(hello));
    expect(result.provider).toBe('b');
    expect(result.attempts[0]).toMatchObject({ provider: 'a', kind: 'timeout' });
    expect(clock.now() - started).toBe(30_000 + 10);
  });

  it('ends at the deadline with deadline_exceeded', async () => {
    const { clock, engine, scripted } = setup({ a: { type: 'hang' }, b: { type: 'hang' }, c: { type: 'hang' } }, { routing: { deadlineMs: 45_000 } });
    const started = clock.now();
    const error = await failure(clock, engine.chat(hello));
    expect(error.code).toBe('deadline_exceeded');
    expect(clock.now() - started).toBe(45_000);
    // Both upstream calls were cancelled: a's by its attempt timeout, b's by the deadline.
    expect(scripted.calls.map((call) => [call.provider, call.signal.aborted])).toEqual([['a', true], ['b', true]]);
    expect(engine.providers().every((p) => p.inFlight === 0)).toBe(true);
    // The attempt the deadline cut short is listed too: a timed out at 30 s, b was cut at 45 s.
    expect(error.attempts.map((a) => [a.provider, a.kind, a.latencyMs])).toEqual([
      ['a', 'timeout', 30_000],
      ['b', 'timeout', 15_000],
    ]);
    // b had only the 15 s a left it: not held against b (a's own timeout is).
    expect(engine.providers().map((p) => [p.name, p.failures])).toEqual([['a', 1], ['b', 0], ['c', 0]]);
  });

  it('counts a deadline that passes before the first byte as a timeout: a provider hanging past every deadline trips', async () => {
    const { clock, engine, finished } = setup({ a: { type: 'hang' } }, { routing: { deadlineMs: 5000 }, health: { consecutiveFailures: 3 } }, ['a']);
    const announced: string[] = [];
    engine.on('attempt.finished', (event) => announced.push(`${event.attempt.provider}:${event.attempt.kind}`));
    for (let i = 0; i < 3; i++) expect((await failure(clock, engine.chat(hello))).code).toBe('deadline_exceeded');
    expect(announced).toEqual(['a:timeout', 'a:timeout', 'a:timeout']);
    expect(finished.map((event) => event.provider)).toEqual(['a', 'a', 'a']);
    expect(engine.providers()[0]).toMatchObject({ state: 'open', failures: 3, inFlight: 0 });
  });

  it('cancels the upstream call when the caller aborts, and counts it nowhere', async () => {
    const { clock, engine, finished, scripted } = setup({ a: { type: 'hang' } });
    const controller = new AbortController();
    const pending = engine.chat(hello, { signal: controller.signal });
    await clock.advance(1000);
    expect(scripted.calls.map((call) => [call.provider, call.signal.aborted])).toEqual([['a', false]]);
    controller.abort();
    const error = await failure(clock, pending);
    expect(error.code).toBe('aborted');
    expect(scripted.calls[0]!.signal.aborted).toBe(true);
    const a = engine.providers().find((p) => p.name === 'a')!;
    expect(a).toMatchObject({ inFlight: 0, failures: 0, state: 'healthy' });
    // Listed all the same, so logs and metrics know which provider was called.
    expect(error.attempts).toEqual([{ provider: 'a', kind: 'aborted', status: undefined, latencyMs: 1000 }]);
    expect(finished.at(-1)).toMatchObject({ provider: 'a', status: 'aborted' });
    expect(clock.pending).toBe(0);
  });

  it('answers 429 with Retry-After when every candidate is rate limited', async () => {
    const { clock, engine } = setup({ a: { type: 'fail', kind: 'rate_limit', status: 429, retryAfterMs: 5000 } }, {}, ['a']);
    const first = await failure(clock, engine.chat(hello));
    expect(first.code).toBe('rate_limited');
    // The provider's own wait: the upstream's 5 s plus up to 10 % of jitter.
    expect(first.retryAfterMs).toBeGreaterThanOrEqual(5000);
    expect(first.retryAfterMs).toBeLessThanOrEqual(5500);
    const second = await failure(clock, engine.chat(hello));
    expect(second.code).toBe('rate_limited');
    expect(second.attempts).toHaveLength(0);
    expect(second.retryAfterMs).toBeGreaterThan(4000);
  });

  it('routes a model naming a provider to that provider alone, and rejects unknown models', async () => {
    const { clock, engine } = setup({});
    const result = await settle(clock, engine.chat({ ...hello, model: 'c' }));
    expect(result.provider).toBe('c');
    const error = await failure(clock, engine.chat({ ...hello, model: 'nope' }));
    expect(error.code).toBe('unknown_model');
    expect(error.param).toBe('model');
  });

  it('rejects an empty message list without any upstream call', async () => {
    const { clock, engine, scripted } = setup({});
    const error = await failure(clock, engine.chat({ messages: [] }));
    expect(error.code).toBe('invalid_request');
    expect(scripted.calls).toHaveLength(0);
  });

  it.each([
    [{ messages: [{ role: 'bogus', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'user', content: 'x' }, 'hi'] }, 'messages[1]'],
    [{ messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
    [{ ...hello, maxTokens: -5 }, 'maxTokens'],
    [{ ...hello, maxTokens: 2.5 }, 'maxTokens'],
    [{ ...hello, temperature: 'hot' }, 'temperature'],
    [{ ...hello, topP: 3 }, 'topP'],
    [{ ...hello, stop: 'END' }, 'stop'],
    [{ ...hello, task: 7 }, 'task'],
    [{ messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }, 'messages[0].content[0].text'],
    [{ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'audio' }] }] }, 'messages[0].content[1].type'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }, 'messages[0].content[0].url'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', url: 'https://x/y.png', detail: 'max' }] }] }, 'messages[0].content[0].detail'],
    [{ messages: [{ role: 'user', content: ['plain'] }] }, 'messages[0].content[0]'],
    [{ messages: [{ role: 'tool', content: 'sunny' }] }, 'messages[0].toolCallId'],
    [{ messages: [{ role: 'user', content: 'x', name: 3 }] }, 'messages[0].name'],
    [{ messages: [{ role: 'assistant', content: null, toolCalls: {} }] }, 'messages[0].toolCalls'],
    [{ messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: { city: 'Oslo' } }] }] }, 'messages[0].toolCalls[0].arguments'],
    [{ messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: '', arguments: '{}' }] }] }, 'messages[0].toolCalls[0].name'],
    [{ messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: '{}', signature: 'sig' }] }] }, 'messages[0].toolCalls[0].signature'],
    [{ messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: '{}', signature: { vendor: 'google' } }] }] }, 'messages[0].toolCalls[0].signature'],
    [{ ...hello, tools: [{ description: 'no name' }] }, 'tools[0].name'],
    [{ ...hello, tools: [{ name: 'f', parameters: 'schema' }] }, 'tools[0].parameters'],
    [{ ...hello, toolChoice: 'always' }, 'toolChoice'],
    [{ ...hello, responseFormat: { type: 'yaml' } }, 'responseFormat'],
    [{ ...hello, seed: 1.5 }, 'seed'],
    [{ ...hello, tools: [{ name: 'f', strict: 'yes' }] }, 'tools[0].strict'],
    [{ ...hello, responseFormat: { type: 'json_schema', name: 7 } }, 'responseFormat.name'],
    [{ ...hello, responseFormat: { type: 'json_schema', strict: 1 } }, 'responseFormat.strict'],
    [{ ...hello, frequencyPenalty: 3 }, 'frequencyPenalty'],
    [{ ...hello, presencePenalty: 'low' }, 'presencePenalty'],
    [{ ...hello, logitBias: { '42': 101 } }, 'logitBias'],
    [{ ...hello, parallelToolCalls: 'no' }, 'parallelToolCalls'],
    [{ ...hello, reasoningEffort: 'Max effort' }, 'reasoningEffort'],
    [{ ...hello, serviceTier: 3 }, 'serviceTier'],
    [{ ...hello, store: 'yes' }, 'store'],
    [{ ...hello, metadata: { team: 7 } }, 'metadata'],
  ])('rejects a malformed request before any upstream call: %j → %s', async (request, param) => {
    const { clock, engine, scripted } = setup({});
    const error = await failure(clock, engine.chat(request as never));
    expect([error.code, error.param]).toEqual(['invalid_request', param]);
    expect(error.message.startsWith(`${param}: `)).toBe(true);
    expect(scripted.calls).toHaveLength(0);
  });

  it.each([
    ['failover and backoff retries, default budget', ['a', 'b'], 100, { ratio: 0.2, minPerSecond: 10 }, 120],
    ['backoff retries on one provider', ['a'], 500, { ratio: 0.1, minPerSecond: 0 }, 50],
  ])('keeps retries within the engine-wide budget during an outage: %s', async (_name, names, requests, retryBudget, allowance) => {
    const down = { type: 'fail', kind: 'server', status: 503 } as const;
    const { clock, engine, scripted } = setup({ a: down, b: down }, { routing: { retryBudget }, health: { consecutiveFailures: 10_000, minCalls: 10_000 } }, names);
    const results = await settle(clock, Promise.allSettled(Array.from({ length: requests }, () => engine.chat(hello))));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    // Every request made its first call; retries on top stay within ratio × requests + floor.
    expect(scripted.calls.length - requests).toBeLessThanOrEqual(allowance);
    expect(scripted.calls.length - requests).toBeGreaterThan(0);
  });

  it.each([
    ['no Retry-After from the upstream', { a: { type: 'fail', kind: 'rate_limit', status: 429 } }, ['a']],
    ['a Retry-After of 3 s (the provider waits a jittered bit longer)', { a: { type: 'fail', kind: 'rate_limit', status: 429, retryAfterMs: 3000 } }, ['a']],
    ['a long Retry-After from one, none from the other', { a: { type: 'fail', kind: 'rate_limit', status: 429, retryAfterMs: 30_000 }, b: { type: 'fail', kind: 'rate_limit', status: 429 } }, ['a', 'b']],
  ] as [string, Script, string[]][])('answers 429 with a Retry-After after which a provider accepts calls again: %s', async (_name, script, names) => {
    const { clock, engine, scripted } = setup(script, {}, names);
    const error = await failure(clock, engine.chat(hello));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(engine.providers().filter((p) => names.includes(p.name)).every((p) => p.state === 'rate_limited')).toBe(true);
    for (const name of names) scripted.set(name, { type: 'ok' });
    // A client that waits exactly that long gets an answer, not another 429.
    await clock.advance(error.retryAfterMs!);
    expect((await settle(clock, engine.chat(hello))).content).toBeTypeOf('string');
  });

  it('fails over at once, and backs off before every re-try of a provider already tried', async () => {
    const down = { type: 'fail', kind: 'server', status: 503, latencyMs: 10 } as const;
    const { clock, engine, scripted } = setup({ a: down, b: down }, { routing: { maxAttempts: 4, backoff: { baseMs: 1000, maxMs: 1000 } } }, ['a', 'b']);
    await failure(clock, engine.chat(hello));
    const calls = scripted.calls.map((call) => [call.provider, call.at - scripted.calls[0]!.at]);
    expect(calls.map(([provider]) => provider)).toEqual(['a', 'b', 'a', 'b']);
    expect(calls[1]![1]).toBe(10); // failover: right after a's failure
    // Each re-try waits a jittered backoff after the previous failure (10 ms each).
    const gaps = [(calls[2]![1] as number) - (calls[1]![1] as number) - 10, (calls[3]![1] as number) - (calls[2]![1] as number) - 10];
    expect(gaps.every((gap) => gap > 0 && gap <= 1000)).toBe(true);
  });

  /** `gen`, and `coder` (capability `code`, slow) half open with one probe permit. */
  async function recovering() {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({ coder: { type: 'ok', latencyMs: 5000 } });
    engine = createSwitchyard(
      { providers: [{ name: 'gen', type: 'simulated' }, { name: 'coder', type: 'simulated', capabilities: ['code'] }], health: { cooldownMs: 1000, halfOpenProbes: 1 }, seed: 1 },
      { clock, adapters: { simulated: scripted.factory } },
    );
    engine.operate('coder', 'open');
    await clock.advance(1200);
    return { clock, engine };
  }

  it('sends a task request elsewhere while its only capable provider is half open with every probe out', async () => {
    const { clock, engine } = await recovering();
    const probe = engine.chat({ ...hello, task: 'code' });
    await clock.advance(1);
    expect(engine.providers().find((p) => p.name === 'coder')).toMatchObject({ state: 'half_open', selectable: false });
    expect((await settle(clock, engine.chat({ ...hello, task: 'code' }))).provider).toBe('gen');
    expect((await settle(clock, probe)).provider).toBe('coder');
  });

  it('plans at most as many probes as a half-open provider admits, also for requests started in the same tick', async () => {
    const { clock, engine } = await recovering();
    const results = await settle(clock, Promise.all([engine.chat({ ...hello, task: 'code' }), engine.chat({ ...hello, task: 'code' })]));
    expect(results.map((result) => result.provider).sort()).toEqual(['coder', 'gen']);
  });

  it('never lets a task preference narrow the route to providers that refuse the request', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    const factory: AdapterFactory = (settings, environment) => {
      const adapter = scripted.factory(settings, environment);
      return settings.name !== 'g' ? adapter : { ...adapter, refuses: () => ({ param: 'messages[0].content[1]', reason: 'inline images only' }) };
    };
    engine = createSwitchyard(
      { providers: [{ name: 'g', type: 'simulated', capabilities: ['vision'] }, { name: 'o', type: 'simulated', priority: 2 }], seed: 1 },
      { clock, adapters: { simulated: factory } },
    );
    const request: ChatRequest = { task: 'vision', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', url: 'https://x/cat.png' }] }] };
    expect((await settle(clock, engine.chat(request))).provider).toBe('o');
  });

  it('asks refuses() about a response format too: routes it to a provider that can honour it, or refuses it naming the field', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    const asked: string[] = [];
    const factory: AdapterFactory = (settings, environment) => {
      const adapter = scripted.factory(settings, environment);
      const refuses = (request: ChatRequest) => {
        asked.push(settings.name);
        return request.responseFormat?.type === 'json_object' && settings.name === 'prose' ? { param: 'response_format', reason: 'no JSON mode' } : undefined;
      };
      return { ...adapter, refuses };
    };
    engine = createSwitchyard(
      { providers: [{ name: 'prose', type: 'simulated' }, { name: 'json', type: 'simulated', priority: 2 }], routes: { solo: { providers: ['prose'] } }, seed: 1 },
      { clock, adapters: { simulated: factory } },
    );
    const json: ChatRequest = { ...hello, responseFormat: { type: 'json_object' } };
    expect((await settle(clock, engine.chat(json))).provider).toBe('json');
    const error = await failure(clock, engine.chat({ ...json, model: 'solo' }));
    expect([error.code, error.param]).toEqual(['invalid_request', 'response_format']);
    expect(error.message).toBe("response_format: no provider of route 'solo' can take it (prose: no JSON mode)");
    expect(scripted.calls.map((call) => call.provider)).toEqual(['json']);
    // Requests with neither content parts nor a response format are not checked at all.
    asked.length = 0;
    await settle(clock, engine.chat(hello));
    expect(asked).toEqual([]);
  });

  it('accepts every field of the request model when well formed', async () => {
    const { clock, engine, scripted } = setup({});
    const request: ChatRequest = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', url: 'https://example.com/cat.png', detail: 'low' }], name: 'ada' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' }] },
        { role: 'tool', content: 'a cat', toolCallId: 'call_1' },
      ],
      maxTokens: 64,
      tools: [{ name: 'lookup', description: 'Looks things up', parameters: { type: 'object' }, strict: true }],
      toolChoice: { name: 'lookup' },
      responseFormat: { type: 'json_schema', name: 'answer', description: 'The answer', strict: true, schema: { type: 'object' } },
      seed: 7,
      user: 'u-1',
      metadata: { team: 'search' },
      frequencyPenalty: -2,
      presencePenalty: 2,
      logitBias: { '50256': -100 },
      parallelToolCalls: false,
      reasoningEffort: 'minimal',
      serviceTier: 'priority',
      store: false,
    };
    const result = await settle(clock, engine.chat(request));
    expect(result.content).toBeTypeOf('string');
    // Levels and tiers OpenAI added later are words like the others: the upstream judges them.
    await settle(clock, engine.chat({ ...hello, reasoningEffort: 'none', serviceTier: 'scale' }));
    await settle(clock, engine.chat({ ...hello, reasoningEffort: 'xhigh' }));
    expect(scripted.calls).toHaveLength(3);
  });

  it('refuses a JSON Schema nested deeper than MAX_SCHEMA_DEPTH (adapters walk it recursively), and takes one at the limit', async () => {
    const { clock, engine, scripted } = setup({});
    const tooDeep = nested(MAX_SCHEMA_DEPTH + 1);
    expect((await failure(clock, engine.chat({ ...hello, tools: [{ name: 'f', parameters: tooDeep }] }))).param).toBe('tools[0].parameters');
    expect((await failure(clock, engine.chat({ ...hello, responseFormat: { type: 'json_schema', schema: tooDeep } }))).param).toBe('responseFormat.schema');
    expect(scripted.calls).toHaveLength(0);
    await settle(clock, engine.chat({ ...hello, tools: [{ name: 'f', parameters: nested(MAX_SCHEMA_DEPTH) }] }));
    expect(scripted.calls).toHaveLength(1);
  });

  it('refuses a caller\'s requestId that could not be a header, without an upstream call', async () => {
    const { clock, engine, scripted, finished } = setup({});
    for (const requestId of ['a\nb', 'ok-✓', 'x'.repeat(129), '']) {
      const error = await failure(clock, engine.chat(hello, { requestId }));
      expect([error.code, error.param]).toEqual(['invalid_request', 'requestId']);
    }
    expect(scripted.calls).toHaveLength(0);
    // Still one request.finished each, under a generated id.
    expect(finished.map((event) => event.status)).toEqual(['invalid_request', 'invalid_request', 'invalid_request', 'invalid_request']);
    expect(finished.every((event) => event.requestId.startsWith('sy-'))).toBe(true);
    expect(engine.providers().every((p) => p.state === 'healthy' && p.failures === 0)).toBe(true);
    expect((await settle(clock, engine.chat(hello, { requestId: 'req-1:a.b_c' }))).requestId).toBe('req-1:a.b_c');
  });

  it('generates request ids that differ between engines of the same seed', async () => {
    const { clock, engine: first } = setup({});
    const other = createSwitchyard({ providers: [{ name: 'a', type: 'simulated' }], seed: 7 }, { clock, adapters: { simulated: scriptedAdapters({}).factory } });
    try {
      const [a, b] = await Promise.all([settle(clock, first.chat(hello)), settle(clock, other.chat(hello))]);
      expect(a.requestId).not.toBe(b.requestId);
    } finally {
      await other.stop();
    }
  });

  it('emits exactly one request.finished event also for requests rejected before routing', async () => {
    const { clock, engine, finished } = setup({});
    await failure(clock, engine.chat({ ...hello, model: 'nope' }));
    await failure(clock, engine.chat({ messages: [] }));
    await failure(clock, engine.chat(null as never));
    expect(finished.map((event) => [event.route, event.status, event.attempts.length])).toEqual([
      ['nope', 'unknown_model', 0],
      ['default', 'invalid_request', 0],
      ['default', 'invalid_request', 0],
    ]);
  });

  it('spreads requests started in the same tick with least-busy (attempts planned count as busy)', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({ a: { type: 'ok', latencyMs: 100 }, b: { type: 'ok', latencyMs: 100 }, c: { type: 'ok', latencyMs: 100 } });
    engine = createSwitchyard(
      { providers: ['a', 'b', 'c'].map((name) => ({ name, type: 'simulated' })), routes: { default: { providers: ['a', 'b', 'c'], strategy: 'least-busy' } }, seed: 1 },
      { clock, adapters: { simulated: scripted.factory } },
    );
    const results = await settle(clock, Promise.all(Array.from({ length: 9 }, () => engine!.chat(hello))));
    const counts = Object.fromEntries(['a', 'b', 'c'].map((name) => [name, results.filter((r) => r.provider === name).length]));
    expect(counts).toEqual({ a: 3, b: 3, c: 3 });
    // Nothing stays counted once every attempt has taken its slot and finished.
    const next = await settle(clock, Promise.all(Array.from({ length: 3 }, () => engine!.chat(hello))));
    expect(next.map((r) => r.provider).sort()).toEqual(['a', 'b', 'c']);
    expect(engine.providers().map((p) => p.inFlight)).toEqual([0, 0, 0]);
  });

  it('re-measures a provider that lost least-latency once its sample is older than the health window', async () => {
    const clock = new VirtualClock(0);
    // a had a slow spell (its first call), then is fast again; b is steady.
    const scripted = scriptedAdapters({ a: (call) => ({ type: 'ok', latencyMs: call === 0 ? 2000 : 100 }), b: { type: 'ok', latencyMs: 400 } });
    engine = createSwitchyard(
      { providers: ['a', 'b'].map((name) => ({ name, type: 'simulated' })), routes: { default: { providers: ['a', 'b'], strategy: 'least-latency' } }, health: { windowMs: 10_000 }, seed: 1 },
      { clock, adapters: { simulated: scripted.factory } },
    );
    const picks: string[] = [];
    const ask = async () => picks.push((await settle(clock, engine!.chat(hello))).provider);
    for (let i = 0; i < 4; i++) await ask(); // a (unknown, slow), b (unknown), then b, b
    expect(picks).toEqual(['a', 'b', 'b', 'b']);
    // Every sample is now older than the window: the stale values still rank (b), and once b
    // has a fresh sample, the stale a is measured again, and wins.
    await clock.advance(11_000);
    for (let i = 0; i < 5; i++) await ask();
    expect(picks.slice(4)).toEqual(['b', 'a', 'a', 'a', 'a']);
  });

  it('under sparse traffic (every sample stale), least-latency still goes by the samples it has', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({ slow: { type: 'ok', latencyMs: 2000 }, fast: { type: 'ok', latencyMs: 100 } });
    engine = createSwitchyard(
      { providers: ['slow', 'fast'].map((name) => ({ name, type: 'simulated' })), routes: { default: { providers: ['slow', 'fast'], strategy: 'least-latency' } }, seed: 1 },
      { clock, adapters: { simulated: scripted.factory } },
    );
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      picks.push((await settle(clock, engine.chat(hello))).provider);
      await clock.advance(61_000); // longer than the default 60 s window
    }
    expect(picks).toEqual(['slow', 'fast', 'fast', 'fast', 'fast', 'fast']);
  });

  it('leaves no timer, actor or slot behind after stop()', async () => {
    const { clock, engine } = setup({ a: { type: 'hang' } });
    const pending = engine.chat(hello);
    await clock.advance(100);
    await engine.stop();
    const error = await failure(clock, pending);
    // Nobody aborted: the engine stopped, and says so.
    expect([error.code, error.message]).toEqual(['stopped', 'the Switchyard instance was stopped before the request finished']);
    expect(error.attempts).toEqual([{ provider: 'a', kind: 'aborted', status: undefined, latencyMs: 100 }]);
    expect(clock.pending).toBe(0);
    expect(engine.inFlight).toBe(0);
  });
});

describe('providers that cannot serve a request as asked (unsupported)', () => {
  const unsupported = { type: 'fail' as const, kind: 'unsupported' as const, status: 400 };

  it('moves on to the next provider without spending the retry budget (routing, not a retry)', async () => {
    const { clock, scripted } = setup({ a: unsupported }, { routing: { retryBudget: { ratio: 0, minPerSecond: 0 } } });
    const result = await settle(clock, engine!.chat(hello));
    expect(result.provider).toBe('b');
    expect(result.attempts.map((attempt) => attempt.kind)).toEqual(['unsupported', 'ok']);
    expect(scripted.callsTo('a')).toBe(1);
  });

  it('is a 400 when every provider of the route said so', async () => {
    const { clock } = setup({ a: unsupported, b: unsupported, c: unsupported });
    const error = await settle(clock, engine!.chat(hello)).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'upstream_bad_request', attempts: [{ kind: 'unsupported' }, { kind: 'unsupported' }, { kind: 'unsupported' }] });
  });

  it('is not a 400 when a provider of the route was never asked (maxAttempts ran out)', async () => {
    const { clock, scripted } = setup({ a: unsupported, b: unsupported }, { routing: { maxAttempts: 2 } });
    const error = await settle(clock, engine!.chat(hello)).catch((thrown: unknown) => thrown);
    expect(scripted.callsTo('c')).toBe(0);
    expect(error).toMatchObject({ code: 'all_attempts_failed' });
  });
});
