/**
 * Every status code of CONTRACT §3, each produced over real HTTP, with OpenAI-shaped errors;
 * plus `/generate`, `/v1/models`, `/health`, `/ready`, `/providers` and operator actions.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fakes/server.js';
import { CALM, openaiProviders, resetAll, startGateway, startOpenAIFakes, type TestGateway } from './helpers.js';
import { VirtualClock } from '../../src/core/clock.js';
import { createSwitchyard } from '../../src/engine/switchyard.js';
import { createGateway } from '../../src/server/gateway.js';

let fakes: FakeUpstream[];
let gw: TestGateway;
const KEY = 'gateway-key-0123456789';
const ADMIN = 'admin-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };
const ask = { messages: [{ role: 'user', content: 'Hi' }] };

beforeAll(async () => {
  fakes = await startOpenAIFakes(2);
  gw = await startGateway({
    server: { apiKeys: [KEY], adminKey: ADMIN, maxBodyBytes: 4096 },
    providers: [...openaiProviders(fakes), { name: 'lonely', type: 'simulated', latencyMs: 1 }],
    routes: { default: { providers: ['a', 'b'] }, solo: { providers: ['lonely'] }, cheap: { providers: ['b'], strategy: 'lowest-cost' } },
    ...CALM,
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});
beforeEach(() => resetAll(gw, fakes));

async function expectError(response: Response, status: number, code?: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String), code: expect.any(String) });
  expect(body.error).toHaveProperty('param');
  if (code !== undefined) expect(body.error.code).toBe(code);
  return body.error;
}

describe('status codes', () => {
  it('200 with a valid key, in the Authorization header or x-api-key', async () => {
    expect((await gw.post('/v1/chat/completions', ask, auth)).status).toBe(200);
    expect((await gw.post('/v1/chat/completions', ask, { 'x-api-key': KEY })).status).toBe(200);
  });

  it('400 names the offending field', async () => {
    const response = await gw.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], temperature: 7 }, auth);
    const error = await expectError(response, 400, 'invalid_request');
    expect(error.param).toBe('temperature');
    expect(error.message).toContain('temperature');
    expect(response.headers.get('x-switchyard-attempts')).toBeNull(); // no upstream call was made
  });

  it.each([
    ['an OpenAI 400', { type: 'error', kind: 'bad_request' }, 'upstream_bad_request', 'temperature'],
    ['context_length_exceeded', { type: 'error', kind: 'context_length' }, 'context_length_exceeded', 'messages'],
    ['a compatible server', { type: 'status', status: 400, body: { error: { message: 'Unrecognized request argument supplied: foo', type: 'invalid_request_error', param: 'foo', code: null } } }, 'upstream_bad_request', 'foo'],
    ['a path-like param', { type: 'status', status: 422, body: { error: { message: 'bad', param: 'messages[1].content[0].image_url' } } }, 'upstream_bad_request', 'messages[1].content[0].image_url'],
    ['a param that is not identifier-like', { type: 'status', status: 400, body: { error: { message: 'bad', param: 'sk-abc def ghi jkl' } } }, 'upstream_bad_request', null],
    ['an over-long param', { type: 'status', status: 400, body: { error: { message: 'bad', param: 'x'.repeat(200) } } }, 'upstream_bad_request', null],
    ['a param that is not a string', { type: 'status', status: 400, body: { error: { message: 'bad', param: { secret: 1 } } } }, 'upstream_bad_request', null],
  ] as const)("400 from %s carries the upstream's param and the attempts header", async (_name, behaviour, code, param) => {
    fakes[0]!.enqueue(behaviour);
    const response = await gw.post('/v1/chat/completions', ask, auth);
    const error = await expectError(response, 400, code);
    expect(error.param).toBe(param);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
  });

  it('401 without a key, with a wrong key, and for operator actions without the admin key', async () => {
    await expectError(await gw.post('/v1/chat/completions', ask), 401, 'invalid_api_key');
    await expectError(await gw.post('/v1/chat/completions', ask, { authorization: 'Bearer wrong' }), 401);
    await expectError(await gw.post('/generate', { prompt: 'x' }, { 'x-api-key': `${KEY}x` }), 401);
    await expectError(await gw.fetch('/v1/models'), 401);
    await expectError(await gw.post('/providers/a/disable', {}, auth), 401);
  });

  it('a blank admin key counts as none: operator actions then need a gateway key, never nothing', async () => {
    for (const adminKey of ['   ', '\n']) {
      const blank = await startGateway({ providers: [{ name: 'a', type: 'simulated', latencyMs: 1 }], server: { apiKeys: [KEY], adminKey } });
      try {
        await expectError(await blank.post('/providers/a/open', {}), 401, 'invalid_api_key');
        await expectError(await blank.post('/providers/a/open', {}, { 'x-api-key': 'zz' }), 401, 'invalid_api_key');
        expect((await blank.post('/providers/a/open', {}, auth)).status).toBe(200);
        expect(blank.gateway.keysRequired).toBe(true);
      } finally {
        await blank.close();
      }
    }
    const open = await startGateway({ providers: [{ name: 'a', type: 'simulated', latencyMs: 1 }], server: { apiKeys: ['   '] } });
    try {
      expect(open.gateway.keysRequired).toBe(false);
    } finally {
      await open.close();
    }
  });

  it('404 for an unknown model, route or provider', async () => {
    const error = await expectError(await gw.post('/v1/chat/completions', { ...ask, model: 'nope' }, { ...auth, 'x-request-id': 'unknown-model-1' }), 404, 'unknown_model');
    expect(error.param).toBe('model');
    await expect.poll(() => gw.logs().filter((log) => log.request_id === 'unknown-model-1')).toHaveLength(1);
    expect(gw.logs().find((log) => log.request_id === 'unknown-model-1')).toMatchObject({ status: 404, outcome: 'unknown_model' });
    await expectError(await gw.fetch('/v2/unknown'), 404, 'not_found');
    await expectError(await gw.post('/providers/zzz/disable', {}, { authorization: `Bearer ${ADMIN}` }), 404, 'unknown_provider');
  });

  it('405 for a known path with the wrong method, with an Allow header; HEAD works where GET does', async () => {
    const response = await gw.fetch('/v1/chat/completions');
    expect(response.headers.get('allow')).toBe('POST');
    await expectError(response, 405, 'method_not_allowed');
    expect((await gw.fetch('/health', { method: 'DELETE' })).headers.get('allow')).toBe('GET, HEAD');
    const head = await gw.fetch('/health', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('413 for a body over maxBodyBytes, declared or chunked', async () => {
    const big = { messages: [{ role: 'user', content: 'x'.repeat(5000) }] };
    await expectError(await gw.post('/v1/chat/completions', big, auth), 413, 'request_too_large');
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(big)));
        controller.close();
      },
    });
    const response = await gw.fetch('/v1/chat/completions', { method: 'POST', headers: auth, body: chunked, duplex: 'half' } as RequestInit);
    await expectError(response, 413);
  });

  it('429 with Retry-After when every candidate is rate limited', async () => {
    for (const fake of fakes) fake.enqueue({ type: 'error', kind: 'rate_limit', headers: { 'retry-after': '7' } }, { type: 'error', kind: 'rate_limit', headers: { 'retry-after': '7' } });
    const response = await gw.post('/v1/chat/completions', ask, auth);
    const error = await expectError(response, 429, 'rate_limited');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('x-switchyard-attempts')).toBe(String((error.attempts as unknown[]).length));
    expect(error.attempts).toEqual(expect.arrayContaining([expect.objectContaining({ provider: 'a', kind: 'rate_limit', status: 429 })]));
  });

  it('502 when every attempt fails upstream, listing the attempts', async () => {
    for (const fake of fakes) fake.enqueue(...Array.from({ length: 3 }, () => ({ type: 'error' as const, kind: 'server' as const })));
    const response = await gw.post('/v1/chat/completions', ask, auth);
    const error = await expectError(response, 502, 'all_attempts_failed');
    expect(error.attempts).toHaveLength(3);
    expect(response.headers.get('x-switchyard-attempts')).toBe('3');
  });

  it('503 when no provider is selectable, and /ready says so', async () => {
    const admin = { authorization: `Bearer ${ADMIN}` };
    expect((await gw.fetch('/ready')).status).toBe(200);
    for (const name of ['a', 'b']) expect((await gw.post(`/providers/${name}/disable`, {}, admin)).status).toBe(200);
    await expectError(await gw.post('/v1/chat/completions', ask, auth), 503, 'no_provider_available');
    const ready = await gw.fetch('/ready');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { providers: { state: string }[] }).providers[0]!.state).toBe('disabled');
    const enabled = (await (await gw.post('/providers/a/enable', {}, admin)).json()) as { state: string };
    expect(enabled.state).not.toBe('disabled');
    expect((await gw.fetch('/ready')).status).toBe(200);
  });

  it('/ready stays 200 while the only provider is half open with its probe under way', async () => {
    const clock = new VirtualClock(Date.now());
    const [fake] = await startOpenAIFakes(1);
    const engine = createSwitchyard({ providers: openaiProviders([fake!]), health: { cooldownMs: 1000, halfOpenProbes: 1 } }, { clock, seed: 1 });
    const gateway = createGateway(engine, { logDestination: { write: () => undefined } });
    const { url } = await gateway.listen(0, '127.0.0.1');
    let probe: Promise<Response | undefined> | undefined;
    try {
      engine.operate('a', 'open');
      expect((await fetch(`${url}/ready`)).status).toBe(503);
      await clock.advance(1200); // past the jittered cooldown (1000 ms ± 10 %)
      expect(engine.providers()[0]!.state).toBe('half_open');
      fake!.enqueue({ type: 'hang-before-headers' });
      // The engine runs on a virtual clock: the probe is left hanging, then cut by the close below.
      probe = fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) }).catch(() => undefined);
      await fake!.until((f) => f.hanging === 1);
      const ready = await fetch(`${url}/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { providers: unknown[] }).providers[0]).toMatchObject({ state: 'half_open', selectable: false });
    } finally {
      // The drain timer runs on the engine's (virtual) clock too.
      const closing = gateway.close(0);
      await clock.advance(1);
      await closing;
      await fake!.close();
    }
    expect((await probe)?.status).toBe(503); // cut by the shutdown
  });

  it('504 when the deadline passes', async () => {
    // On a virtual clock: timeouts and the deadline pass when the test says, not after a real wait.
    const clock = new VirtualClock(Date.now());
    const hung = await startOpenAIFakes(2);
    const engine = createSwitchyard({ providers: openaiProviders(hung, { timeoutMs: 100 }), ...CALM, routing: { ...CALM.routing, deadlineMs: 150 } }, { clock, seed: 1 });
    const gateway = createGateway(engine, { logDestination: { write: () => undefined } });
    const { url } = await gateway.listen(0, '127.0.0.1');
    try {
      for (const fake of hung) fake.enqueue({ type: 'hang-before-headers' });
      const pending = fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask) });
      await hung[0]!.until((f) => f.hanging === 1);
      await clock.advance(100); // a's attempt times out: failover to b
      await hung[1]!.until((f) => f.hanging === 1);
      await clock.advance(50); // the deadline passes while b hangs
      const response = await pending;
      const error = await expectError(response, 504, 'deadline_exceeded');
      expect((error.attempts as { provider: string; kind: string }[]).map((a) => [a.provider, a.kind])).toEqual([['a', 'timeout'], ['b', 'timeout']]);
      expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    } finally {
      const closing = gateway.close(0);
      await clock.advance(1);
      await closing;
      await Promise.all(hung.map((fake) => fake.close()));
    }
  });
});

describe('other endpoints', () => {
  it('/health answers 200 {"status":"ok"}', async () => {
    const response = await gw.fetch('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/v1/models lists routes and providers in OpenAI shape', async () => {
    const body = (await (await gw.fetch('/v1/models', { headers: auth })).json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(expect.arrayContaining(['default', 'solo', 'cheap', 'a', 'b', 'lonely']));
    expect(body.data.every((m) => m.object === 'model')).toBe(true);
  });

  it('/v1/models/{id} answers one route or provider (the SDK\'s models.retrieve), 404 unknown_model otherwise', async () => {
    const found = await gw.fetch('/v1/models/solo', { headers: auth });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id: 'solo', object: 'model', switchyard: { kind: 'route' } });
    expect(await (await gw.fetch('/v1/models/lonely', { headers: auth })).json()).toMatchObject({ id: 'lonely', switchyard: { kind: 'provider' } });
    await expectError(await gw.fetch('/v1/models/nope', { headers: auth }), 404, 'unknown_model');
    await expectError(await gw.fetch('/v1/models/solo'), 401);
  });

  it('/providers lists every provider with the contract fields', async () => {
    const body = (await (await gw.fetch('/providers')).json()) as Record<string, unknown>[];
    expect(body.map((p) => p.name)).toEqual(['a', 'b', 'lonely']);
    for (const key of ['name', 'type', 'model', 'state', 'selectable', 'inFlight', 'requests', 'failures', 'latencyMs', 'successRate', 'consecutiveFailures', 'cooldownUntil', 'costUsd']) {
      expect(body[0]).toHaveProperty(key);
    }
  });

  it('operator actions open and reset a provider', async () => {
    const admin = { 'x-api-key': ADMIN };
    expect(((await (await gw.post('/providers/a/open', {}, admin)).json()) as { state: string }).state).toBe('open');
    expect(((await (await gw.post('/providers/a/reset', {}, admin)).json()) as { state: string }).state).toBe('healthy');
    await expectError(await gw.post('/providers/a/explode', {}, admin), 404, 'not_found');
  });

  it('/generate answers the simple API, by route, provider or strategy', async () => {
    const response = await gw.post('/generate', { prompt: 'Hello', max_tokens: 5, model: 'solo' }, auth);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ content: expect.any(String), model: expect.any(String), provider: 'lonely', tokens_used: expect.any(Number), response_time: expect.any(Number) });
    const byStrategy = (await (await gw.post('/generate', { prompt: 'Hello', strategy: 'lowest-cost' }, auth)).json()) as Record<string, unknown>;
    expect(byStrategy.provider).toBe('b');
    await expectError(await gw.post('/generate', { prompt: '' }, auth), 400);
    await expectError(await gw.post('/generate', { prompt: 'x', strategy: 'fastest-ever' }, auth), 400);
  });

  it('echoes a well-formed x-request-id and uses it in the log', async () => {
    const response = await gw.post('/v1/chat/completions', ask, { ...auth, 'x-request-id': 'trace-123' });
    expect(response.headers.get('x-switchyard-request-id')).toBe('trace-123');
    await expect.poll(() => gw.logs().some((log) => log.request_id === 'trace-123' && log.status === 200)).toBe(true);
  });
});
