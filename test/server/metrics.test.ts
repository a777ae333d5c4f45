/**
 * `/metrics`: the contract's families, fed by traffic, and an exposition that passes
 * `promtool check metrics` (required in CI, where `.ci/run` installs promtool).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fakes/server.js';
import { CALM, openaiProviders, startGateway, startOpenAIFakes, type TestGateway } from './helpers.js';

let fakes: FakeUpstream[];
let gw: TestGateway;
const ask = { messages: [{ role: 'user', content: 'Hi' }] };
const FAMILIES = [
  'switchyard_requests_total',
  'switchyard_request_duration_seconds',
  'switchyard_upstream_attempts_total',
  'switchyard_failovers_total',
  'switchyard_provider_state',
  'switchyard_in_flight_requests',
  'switchyard_tokens_total',
  'switchyard_cost_usd_total',
  'switchyard_cache_hits_total',
];

beforeAll(async () => {
  fakes = await startOpenAIFakes(2);
  gw = await startGateway({ providers: openaiProviders(fakes, { pricing: { inputPerMTok: 1, outputPerMTok: 2 } }), ...CALM });
  fakes[0]!.enqueue({ type: 'error', kind: 'server' }, { type: 'error', kind: 'server' }, { type: 'error', kind: 'server' });
  expect((await gw.post('/v1/chat/completions', ask)).status).toBe(200);
  expect((await gw.post('/v1/chat/completions', { ...ask, stream: true })).status).toBe(200);
  expect((await gw.post('/v1/chat/completions', { messages: [] })).status).toBe(400);
});
afterAll(async () => {
  await gw.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});

describe('/metrics', () => {
  it('exposes every contract family with live values', async () => {
    const response = await gw.fetch('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    if (process.env.DEBUG_METRICS) console.log(text);
    for (const family of FAMILIES) expect(text).toContain(`# TYPE ${family} `);
    expect(text).toMatch(/switchyard_requests_total\{route="default",provider="b",status="200"\} 2/);
    expect(text).toMatch(/switchyard_requests_total\{route="none",provider="none",status="400"\} 1/);
    // A request the gateway refused itself is timed too.
    expect(text).toMatch(/switchyard_request_duration_seconds_count\{route="none"\} 1/);
    expect(text).toMatch(/switchyard_upstream_attempts_total\{provider="a",outcome="server"\} [1-9]/);
    expect(text).toMatch(/switchyard_failovers_total\{route="default"\} 2/);
    expect(text).toMatch(/switchyard_provider_state\{provider="b",state="healthy"\} 1/);
    expect(text).toMatch(/switchyard_provider_state\{provider="b",state="open"\} 0/);
    expect(text).toMatch(/switchyard_tokens_total\{provider="b",direction="output"\} \d+/);
    expect(text).toMatch(/switchyard_cost_usd_total\{provider="b"\} [0-9.e-]+/);
    expect(text).toMatch(/switchyard_in_flight_requests 0/);
  });

  const hasPromtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).status === 0;
  const inCI = process.env.CI === 'true';
  it.runIf(hasPromtool || inCI)('passes promtool check metrics', async () => {
    expect(hasPromtool, 'promtool must be installed in CI (.ci/run installs Debian\'s prometheus package)').toBe(true);
    const text = await (await gw.fetch('/metrics')).text();
    const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(out).not.toMatch(/error/i);
  });
});
