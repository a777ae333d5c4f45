/** Route labels come from configuration only, and follow a config reload. */
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import type { RequestFinishedEvent } from '../../src/engine/events.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

const finished = (route: string): RequestFinishedEvent => ({
  requestId: 'r',
  route,
  provider: undefined,
  answered: false,
  status: 'all_attempts_failed',
  attempts: [],
  inputTokens: undefined,
  outputTokens: undefined,
  costUsd: undefined,
  latencyMs: 1,
  stream: false,
  cacheHit: false,
  errorMessage: undefined, warnings: undefined,
  at: 0,
});

let engine: Switchyard | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('metrics route labels', () => {
  it('keep configured routes and provider names, fold anything else into "none", and follow reloads', async () => {
    const config = (names: string[]) => ({ providers: names.map((name) => ({ name, type: 'simulated' })), routes: { fast: { providers: names } } });
    engine = createSwitchyard(config(['sim']), { env: {} });
    const metrics = createMetrics(engine);
    for (const route of ['fast', 'sim', 'gpt-x', 'sim2']) metrics.finished(finished(route), 502);
    engine.updateConfig(config(['sim', 'sim2']));
    metrics.finished(finished('sim2'), 502);
    const text = await metrics.render();
    const count = (route: string) => Number(new RegExp(`switchyard_requests_total\\{route="${route}",provider="none",status="502"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect([count('fast'), count('sim'), count('none'), count('sim2'), count('gpt-x')]).toEqual([1, 1, 2, 1, 0]);
    metrics.detach();
  });

  it('name the route a request was routed to when it is refused after routing (too long for every provider)', async () => {
    engine = createSwitchyard(
      {
        providers: [{ name: 'small', type: 'simulated', contextWindow: 100 }, { name: 'coder', type: 'simulated', contextWindow: 100 }],
        routes: { default: { providers: ['small'] }, code: { providers: ['coder'] } },
        rules: [{ when: { task: 'code' }, route: 'code' }],
      },
      { env: {} },
    );
    const metrics = createMetrics(engine);
    const routes: string[] = [];
    engine.on('request.finished', (event) => {
      routes.push(event.route);
      metrics.finished(event, 400);
    });
    const long = [{ role: 'user' as const, content: 'word '.repeat(2000) }];
    await expect(engine.chat({ model: 'auto', messages: long })).rejects.toMatchObject({ code: 'context_length_exceeded' });
    await expect(engine.chat({ task: 'code', messages: long })).rejects.toMatchObject({ code: 'context_length_exceeded' });
    expect(routes).toEqual(['default', 'code']);
    const text = await metrics.render();
    expect(text).toMatch(/switchyard_requests_total\{route="default",provider="none",status="400"\} 1/);
    expect(text).toMatch(/switchyard_requests_total\{route="code",provider="none",status="400"\} 1/);
    metrics.detach();
  });
});
