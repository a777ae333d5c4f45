/**
 * A gateway in front of an engine whose configuration is reloaded (`engine.updateConfig`):
 * what the gateway derives from the configuration (upstream model names, keys, limits,
 * secrets to redact) follows the reload.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createSwitchyard } from '../../src/engine/switchyard.js';
import { createGateway, type Gateway } from '../../src/server/gateway.js';
import { startGateway, type TestGateway } from './helpers.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const providers = [{ name: 'a', type: 'simulated', model: 'model-a', latencyMs: 0, tokensPerSecond: 1e6 }];
const hello = (model: string) => ({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true });

/** The `model` of every chunk of a streamed answer. */
async function streamedModels(response: Response): Promise<string[]> {
  const text = await response.text();
  return [...text.matchAll(/^data: (\{.*\})$/gm)].map((m) => (JSON.parse(m[1]!) as { model: string }).model);
}

describe('a gateway whose engine is reloaded', () => {
  it('names the upstream model of a provider added or changed by the reload in every stream chunk', async () => {
    gw = await startGateway({ providers });
    gw.engine.updateConfig({ providers: [{ ...providers[0], model: 'model-a2' }, { name: 'c', type: 'simulated', model: 'model-c', latencyMs: 0, tokensPerSecond: 1e6 }] });
    const fromC = await streamedModels(await gw.post('/v1/chat/completions', hello('c')));
    expect(fromC.length).toBeGreaterThan(1);
    expect(new Set(fromC)).toEqual(new Set(['model-c']));
    expect(new Set(await streamedModels(await gw.post('/v1/chat/completions', hello('a'))))).toEqual(new Set(['model-a2']));
  });

  it('enforces gateway keys, the admin key and the body limit set by a reload', async () => {
    gw = await startGateway({ providers });
    expect((await gw.post('/v1/chat/completions', hello('a'))).status).toBe(200);
    gw.engine.updateConfig({ providers, server: { apiKeys: ['gw-key-reloaded'], adminKey: 'admin-reloaded', maxBodyBytes: 2000 } });
    expect((await gw.post('/v1/chat/completions', hello('a'))).status).toBe(401);
    expect((await gw.post('/v1/chat/completions', hello('a'), { authorization: 'Bearer gw-key-reloaded' })).status).toBe(200);
    expect((await gw.post('/providers/a/open', {}, { authorization: 'Bearer gw-key-reloaded' })).status).toBe(401);
    expect((await gw.post('/providers/a/open', {}, { authorization: 'Bearer admin-reloaded' })).status).toBe(200);
    const big = { ...hello('a'), messages: [{ role: 'user', content: 'x'.repeat(3000) }] };
    expect((await gw.post('/v1/chat/completions', big, { authorization: 'Bearer gw-key-reloaded' })).status).toBe(413);
  });

  it("sets Node's keep-alive, headers and request timeouts from server, and follows a reload from the next request", async () => {
    gw = await startGateway({ server: { keepAliveTimeoutMs: '65s', headersTimeoutMs: '70s', requestTimeoutMs: '2m' }, providers });
    expect([gw.gateway.server.keepAliveTimeout, gw.gateway.server.headersTimeout, gw.gateway.server.requestTimeout]).toEqual([65_000, 70_000, 120_000]);
    gw.engine.updateConfig({ server: { keepAliveTimeoutMs: 1000, requestTimeoutMs: 0 }, providers });
    await gw.fetch('/health');
    expect([gw.gateway.server.keepAliveTimeout, gw.gateway.server.headersTimeout, gw.gateway.server.requestTimeout]).toEqual([1000, 60_000, 0]);
  });

  it('writes request lines at the log level a reload set, also for requests made through the library', async () => {
    gw = await startGateway({ providers });
    gw.engine.updateConfig({ providers, log: { level: 'warn' } });
    await gw.engine.chat({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(gw.lines.filter((line) => line.includes('"msg":"request"'))).toEqual([]);
  });

  it('redacts a credential added by a reload, and still the ones it replaced', async () => {
    gw = await startGateway({ providers: [{ name: 'a', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-first-0123456789', model: 'm' }] });
    gw.engine.updateConfig({ providers: [{ name: 'a', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'second-key-not-key-shaped', model: 'm' }] });
    gw.gateway.logger.info('echo', { a: 'second-key-not-key-shaped', b: 'sk-first-0123456789' });
    const line = gw.lines.join('');
    expect(line).not.toContain('second-key-not-key-shaped');
    expect(line).not.toContain('sk-first-0123456789');
  });

  it('forgets a replaced credential once every call that could echo it has passed its deadline: rotating keys does not grow the list', async () => {
    const clock = new VirtualClock(0);
    const at = (key: string) => ({ routing: { deadlineMs: 30_000 }, providers: [{ name: 'a', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: key, model: 'm' }] });
    // Not key-shaped, so only the list of configured secrets can scrub them.
    const key = (i: number) => `rotated-${i}-not-key-shaped`;
    const scrubbed = () => {
      const before = gw!.lines.length;
      gw!.gateway.logger.info('echo', Object.fromEntries(Array.from({ length: 52 }, (_, i) => [`k${i}`, key(i)])));
      const line = gw!.lines.slice(before).join('');
      return Array.from({ length: 52 }, (_, i) => i).filter((i) => !line.includes(key(i)));
    };
    gw = await startGateway(at(key(0)), { clock });
    for (let i = 1; i <= 50; i++) {
      gw.engine.updateConfig(at(key(i)));
      // Just replaced: still scrubbed (a call started before the reload may echo it).
      expect(scrubbed()).toEqual([i - 1, i]);
      await clock.advance(30_001);
    }
    gw.engine.updateConfig(at(key(51)));
    expect(scrubbed()).toEqual([50, 51]);
  });

  it('keeps a replaced credential scrubbed for the longest deadline a call started before the reload may have, not only the last one', async () => {
    const clock = new VirtualClock(0);
    const at = (key: string, deadlineMs: number) => ({ routing: { deadlineMs }, providers: [{ name: 'a', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: key, model: 'm' }] });
    gw = await startGateway(at('kept-key-not-key-shaped', 120_000), { clock });
    // A call started now may run for 120 s; shortening the deadline does not shorten it.
    gw.engine.updateConfig(at('kept-key-not-key-shaped', 10_000));
    gw.engine.updateConfig(at('new-key-not-key-shaped', 10_000));
    await clock.advance(11_000);
    gw.engine.updateConfig(at('newer-key-not-key-shaped', 10_000));
    expect(gw.gateway.secrets).toContain('kept-key-not-key-shaped');
    await clock.advance(110_000);
    gw.engine.updateConfig(at('newest-key-not-key-shaped', 10_000));
    expect(gw.gateway.secrets).not.toContain('kept-key-not-key-shaped');
  });

  it('scrubs the credentials of every configuration, also one that two reloads in a row replaced with no request between them', async () => {
    const at = (key: string) => ({ providers: [{ name: 'a', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: key, model: 'm' }] });
    gw = await startGateway(at('first-not-key-shaped'));
    gw.engine.updateConfig(at('middle-not-key-shaped'));
    gw.engine.updateConfig(at('last-not-key-shaped'));
    // A call started under the middle configuration may echo its key when it ends.
    gw.gateway.logger.info('echo', { a: 'first-not-key-shaped', b: 'middle-not-key-shaped', c: 'last-not-key-shaped' });
    expect(gw.lines.at(-1)).not.toMatch(/not-key-shaped/);
  });


  it('POST /admin/reload awaits an embedder\'s asynchronous readConfig, and applies reloads in the order they were asked', async () => {
    const engine = createSwitchyard({ providers });
    const files = [
      { providers: [...providers, { name: 'slow', type: 'simulated', latencyMs: 0 }] },
      { providers: [...providers, { name: 'fast', type: 'simulated', latencyMs: 0 }] },
    ];
    let reads = 0;
    // The first read takes longer than the second: the second must still apply last.
    const readConfig = () => {
      const index = reads++;
      return new Promise((resolve) => setImmediate(() => (index === 0 ? setImmediate(() => resolve(files[0])) : resolve(files[1]))));
    };
    const gateway: Gateway = createGateway(engine, { logDestination: { write: () => undefined }, readConfig });
    const { url } = await gateway.listen(0, '127.0.0.1');
    try {
      const [first, second] = await Promise.all([fetch(`${url}/admin/reload`, { method: 'POST' }), fetch(`${url}/admin/reload`, { method: 'POST' })]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(engine.providers().map((p) => p.name)).toEqual(['a', 'fast']);
    } finally {
      await gateway.close(0);
    }
  });
});
