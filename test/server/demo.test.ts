/** The demo default (CONTRACT §6): valid, three simulated providers, real ones joining by key. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { VirtualClock } from '../../src/core/clock.js';
import { demoConfig } from '../../src/server/demo.js';

const noOllama = (async () => {
  throw new TypeError('fetch failed');
}) as unknown as typeof fetch;
const ollama = (async () => Response.json({ models: [{ name: 'llama3.2:1b' }] })) as unknown as typeof fetch;

describe('demoConfig', () => {
  it('serves three simulated providers, one with a recurring outage within the first minute', async () => {
    const demo = await demoConfig({}, new VirtualClock(), { fetch: noOllama });
    const config = parseConfig(demo.config, {});
    expect(config.providers.map((p) => [p.name, p.type])).toEqual([['sim-alpha', 'simulated'], ['sim-beta', 'simulated'], ['sim-gamma', 'simulated']]);
    expect(config.routes.default!.providers).toEqual(['sim-alpha', 'sim-beta', 'sim-gamma']);
    const outage = config.providers[0]!.simulated!.incidents[0]!;
    expect(outage.at).toBeLessThan(60);
    expect(outage.every).toBeGreaterThan(0);
    expect(demo.notes[0]).toContain('built-in demo');
  });

  it('adds the providers whose keys are set, and a local Ollama, after the simulated ones', async () => {
    const env = { OPENAI_API_KEY: 'sk-demo-000000000000', ANTHROPIC_API_KEY: 'sk-ant-demo-00000000', GEMINI_API_KEY: 'AIzaDemo000000000000000000' };
    const demo = await demoConfig(env, new VirtualClock(), { fetch: ollama });
    const config = parseConfig(demo.config, env);
    expect(config.providers.map((p) => p.name)).toEqual(['sim-alpha', 'sim-beta', 'sim-gamma', 'openai', 'anthropic', 'gemini', 'ollama']);
    expect(config.providers.find((p) => p.name === 'ollama')!.model).toBe('llama3.2:1b');
    expect(config.providers.find((p) => p.name === 'openai')!.apiKey).toBe(env.OPENAI_API_KEY);
    expect(JSON.stringify(demo)).not.toContain(env.OPENAI_API_KEY);
    expect(demo.notes.join('\n')).toMatch(/OPENAI_API_KEY is set/);
  });

  it('gives up on Ollama after the probe timeout', async () => {
    const clock = new VirtualClock();
    const never = (() => new Promise(() => undefined)) as unknown as typeof fetch;
    const pending = demoConfig({}, clock, { fetch: never, ollamaTimeoutMs: 300 });
    await clock.advance(300);
    expect((await pending).config.providers).toHaveLength(3);
  });
});
