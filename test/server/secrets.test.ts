/**
 * A canary credential configured for providers, gateway keys and the admin key never shows
 * in logs, metrics, `/providers` or error bodies, even when an upstream echoes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fakes/server.js';
import { CALM, CANARY, openaiProviders, startGateway, startOpenAIFakes, type TestGateway } from './helpers.js';

const GATEWAY_KEY = 'gw-canary-key-5a6b7c8d9e';
const ADMIN_KEY = 'admin-canary-key-1f2e3d4c';
const CANARIES = [CANARY, GATEWAY_KEY, ADMIN_KEY, CANARY.slice(3)];
let fakes: FakeUpstream[];
let gw: TestGateway;
const bodies: string[] = [];
const auth = { authorization: `Bearer ${GATEWAY_KEY}` };
const ask = { messages: [{ role: 'user', content: 'Hi' }] };

beforeAll(async () => {
  fakes = await startOpenAIFakes(2);
  gw = await startGateway({
    server: { apiKeys: [GATEWAY_KEY], adminKey: ADMIN_KEY },
    providers: openaiProviders(fakes, { headers: { 'x-custom-token': CANARY } }),
    ...CALM,
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});

function reset(): void {
  for (const fake of fakes) fake.reset();
  for (const provider of gw.engine.providers()) gw.engine.operate(provider.name, 'reset');
}

async function record(response: Response): Promise<string> {
  const text = await response.text();
  bodies.push(text);
  return text;
}

describe('secrets', () => {
  it('upstream errors that echo the key are scrubbed from error bodies', async () => {
    for (const fake of fakes) fake.enqueue({ type: 'echo-key-in-error' }, { type: 'echo-key-in-error' });
    const response = await gw.post('/v1/chat/completions', ask, auth);
    expect(response.status).toBe(502);
    expect(await record(response)).toContain('REDACTED');
    reset();

    for (const fake of fakes) fake.enqueue({ type: 'status', status: 400, body: { error: { message: `bad request for key ${CANARY} (${GATEWAY_KEY})`, type: 'invalid_request_error' } } });
    const bad = await gw.post('/v1/chat/completions', ask, auth);
    expect(bad.status).toBe(400);
    await record(bad);
    reset();

    fakes[0]!.enqueue({ type: 'status', status: 500, body: { error: { message: `server broke with ${CANARY}` } } });
    fakes[1]!.enqueue({ type: 'status', status: 500, body: `plain text ${CANARY}` });
    fakes[0]!.enqueue({ type: 'status', status: 500, body: `again ${CANARY}` });
    await record(await gw.post('/v1/chat/completions', { ...ask, stream: true }, auth));
  });

  it('gateway errors do not echo keys either', async () => {
    await record(await gw.fetch(`/v1/${GATEWAY_KEY}`, { headers: auth }));
    await record(await gw.post('/v1/chat/completions', ask, { authorization: `Bearer ${CANARY}` }));
    await record(await gw.post('/v1/chat/completions', { ...ask, model: GATEWAY_KEY }, auth));
    await record(await gw.post(`/providers/${ADMIN_KEY}/disable`, {}, { authorization: `Bearer ${ADMIN_KEY}` }));
  });

  it('an operator\'s disable reason that holds a key is redacted in the answer and in /providers', async () => {
    const name = gw.engine.providers()[0]!.name;
    await record(await gw.post(`/providers/${name}/disable?reason=${CANARY}`, {}, { authorization: `Bearer ${ADMIN_KEY}` }));
    const listed = await record(await gw.fetch('/providers'));
    expect(listed).toContain('[REDACTED]');
    reset();
  });

  it('appears nowhere: error bodies, logs, metrics, /providers, /ready, /v1/models', async () => {
    // Each answered in full (a 401 or 404 would hide nothing).
    for (const response of [
      await gw.post('/v1/chat/completions', ask, auth),
      await gw.fetch('/providers'),
      await gw.fetch('/ready'),
      await gw.fetch('/metrics'),
      await gw.fetch('/v1/models', { headers: auth }),
    ]) {
      expect(response.status, response.url).toBe(200);
      await record(response);
    }
    expect(bodies.at(-2)).toContain('switchyard_requests_total{');
    const everything = [...bodies, ...gw.lines].join('\n');
    expect(gw.lines.length).toBeGreaterThan(5);
    for (const canary of CANARIES) expect(everything).not.toContain(canary);
  });
});
