/** Scenario files: validation with `path: message` issues, config by path, incident merge. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { loadScenario, parseScenario } from '../../src/sim/scenario.js';

const config = {
  providers: [
    { name: 'a', type: 'simulated' },
    { name: 'b', type: 'simulated', incidents: [{ at: 5, for: 5, mode: 'error' }] },
  ],
};
const valid = { seed: 3, durationS: 60, config, traffic: { rps: 5 }, incidents: [{ provider: 'b', at: 10, for: 20, mode: 'rate_limit', retryAfterS: 2 }] };

function issuesOf(raw: unknown): string[] {
  try {
    parseScenario(raw, { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario', () => {
  it('applies defaults and merges incidents into their providers', () => {
    const scenario = parseScenario(valid, { env: {} });
    expect(scenario.traffic).toEqual({ rps: 5, streamRatio: 0, inputTokens: 500, outputTokens: 200, route: 'default' });
    expect(scenario.config.providers[1]!.simulated!.incidents).toEqual([
      { at: 5, for: 5, mode: 'error' },
      { provider: 'b', at: 10, for: 20, mode: 'rate_limit', retryAfterS: 2 },
    ]);
    expect(scenario.config.providers[0]!.simulated!.incidents).toEqual([]);
  });

  it('accepts durations with units', () => {
    const scenario = parseScenario({ ...valid, durationS: '2h', incidents: [{ provider: 'a', at: '10m', for: '30s', mode: 'error' }] }, { env: {} });
    expect(scenario.durationS).toBe(7200);
    expect(scenario.incidents[0]).toMatchObject({ at: 600, for: 30 });
  });

  it.each([
    ['an unknown provider in an incident', { ...valid, incidents: [{ provider: 'x', at: 1, for: 1, mode: 'error' }] }, "incidents[0].provider: unknown provider 'x'"],
    ['a negative duration', { ...valid, durationS: -5 }, 'durationS: must be greater than 0'],
    ['a negative incident length', { ...valid, incidents: [{ provider: 'a', at: 1, for: -1, mode: 'error' }] }, 'incidents[0].for: must be greater than 0'],
    ['a typo in a key', { ...valid, trafic: { rps: 1 } }, 'trafic: unknown key (did you mean "traffic"?)'],
    ['a typo in a nested key', { ...valid, traffic: { rps: 1, streamRatoi: 0.5 } }, 'traffic.streamRatoi: unknown key (did you mean "streamRatio"?)'],
    ['a typo in an incident key', { ...valid, incidents: [{ provider: 'a', at: 1, for: 1, mode: 'rate_limit', retryAfter: 3 }] }, 'incidents[0].retryAfter: unknown key (did you mean "retryAfterS"?)'],
    ['an unknown mode', { ...valid, incidents: [{ provider: 'a', at: 1, for: 1, mode: 'down' }] }, 'incidents[0].mode: must be one of'],
    ['a misspelt mode', { ...valid, incidents: [{ provider: 'a', at: 1, for: 1, mode: 'eror' }] }, 'incidents[0].mode: must be one of "error", "timeout", "rate_limit", "slow", "flaky" (did you mean "error"?)'],
    ['an incident without mode', { ...valid, incidents: [{ provider: 'a', at: 1, for: 1 }] }, 'incidents[0].mode: required'],
    ['an absurd rate', { ...valid, traffic: { rps: 1_000_000_000 } }, 'traffic.rps: must be at most 10000'],
    ['an absurd duration', { ...valid, durationS: 1e15 }, 'durationS: must be at most 31622400 (366 days)'],
    ['too many requests in all', { ...valid, durationS: '24h', traffic: { rps: 2000 } }, 'traffic.rps: 2000 requests per second for 86400 s is 172,800,000 requests; a run takes at most 100,000,000'],
    ['an incident without provider', { ...valid, incidents: [{ at: 1, for: 1, mode: 'error' }] }, 'incidents[0].provider: required'],
    ['a missing rps', { ...valid, traffic: {} }, 'traffic.rps: required'],
    ['a stream ratio above 1', { ...valid, traffic: { rps: 1, streamRatio: 2 } }, 'traffic.streamRatio: must be at most 1'],
    ['answers of no token', { ...valid, traffic: { rps: 1, outputTokens: 0 } }, 'traffic.outputTokens: must be at least 1'],
    ['an invalid config', { ...valid, config: { providers: [{ name: 'a', type: 'simulated', failureRate: 3 }] }, incidents: [] }, 'config.providers[0].failureRate: must be at most 1'],
    ['a non-simulated provider', { ...valid, config: { providers: [{ name: 'a', type: 'openai', model: 'gpt-4o' }] }, incidents: [] }, 'config.providers[0].type: the simulator runs only simulated providers'],
    ['an unknown route', { ...valid, traffic: { rps: 1, route: 'cheap' } }, "traffic.route: unknown route or provider 'cheap'"],
  ])('rejects %s', (_what, raw, message) => {
    expect(issuesOf(raw).join('\n')).toContain(message);
  });

  it("refuses a provider's own incidents that are not a list, even when a scenario incident names that provider", () => {
    const providers = [
      { name: 'a', type: 'simulated', latencyMs: 100, incidents: { at: 0, for: 60, mode: 'error' } },
      { name: 'b', type: 'simulated', latencyMs: 100 },
    ];
    const raw = { durationS: 60, config: { providers }, traffic: { rps: 2 }, incidents: [{ provider: 'a', at: 50, for: 5, mode: 'slow', latencyMs: 300 }] };
    expect(issuesOf(raw)).toEqual(['config.providers[0].incidents: expected an array, got an object']);
  });

  it('reports the problems of the scenario, its traffic, its incidents and its config at once', () => {
    const raw = {
      durationS: 10,
      config: { providers: [{ name: 'primary', type: 'simulated', wieght: 2 }] },
      traffic: { rps: 1, route: 'defualt' },
      incidents: [{ provider: 'primry', at: 1, for: 2, mode: 'eror' }],
    };
    expect(issuesOf(raw)).toEqual([
      'incidents[0].mode: must be one of "error", "timeout", "rate_limit", "slow", "flaky" (did you mean "error"?)',
      `incidents[0].provider: unknown provider 'primry' (did you mean "primary"?)`,
      'config.providers[0].wieght: unknown key (did you mean "weight"?)',
    ]);
    // With a configuration that parses, the route is checked too.
    const fixed = { ...raw, durationS: -1, config: { providers: [{ name: 'primary', type: 'simulated' }] } };
    expect(issuesOf(fixed)).toEqual([
      'durationS: must be greater than 0',
      'incidents[0].mode: must be one of "error", "timeout", "rate_limit", "slow", "flaky" (did you mean "error"?)',
      `incidents[0].provider: unknown provider 'primry' (did you mean "primary"?)`,
      `traffic.route: unknown route or provider 'defualt' (did you mean "default"?)`,
    ]);
  });

  it('reports a seed beyond the safe integers once', () => {
    expect(issuesOf({ ...valid, seed: 9007199254740993 })).toEqual(['seed: must be at most 9007199254740991']);
  });

  it('takes the largest runs within the bounds', () => {
    expect(parseScenario({ ...valid, durationS: 366 * 86_400, traffic: { rps: 3 } }, { env: {} }).durationS).toBe(31_622_400);
    expect(parseScenario({ ...valid, durationS: 1000, traffic: { rps: 10_000 } }, { env: {} }).traffic.rps).toBe(10_000);
  });

  it('reads a config given as a path, relative to the scenario file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-scenario-'));
    writeFileSync(join(dir, 'config.yaml'), 'providers:\n  - { name: a, type: simulated }\n');
    writeFileSync(join(dir, 'run.yaml'), 'durationS: 10\nconfig: config.yaml\ntraffic: { rps: 1 }\nincidents:\n  - { provider: a, at: 1, for: 2, mode: timeout }\n');
    const scenario = loadScenario(join(dir, 'run.yaml'), {});
    expect(scenario.name).toBe('run');
    expect(scenario.config.providers[0]!.simulated!.incidents).toHaveLength(1);
    writeFileSync(join(dir, 'bad.yaml'), 'durationS: 10\nconfig: missing.yaml\ntraffic: { rps: 1 }\n');
    expect(() => loadScenario(join(dir, 'bad.yaml'), {})).toThrow(/config: .*missing\.yaml: file not found/);
  });
});

describe('scenario environment', () => {
  it('interpolates ${VAR} in the configuration once, with the given environment', () => {
    const raw = { ...valid, config: { providers: [{ name: 'a', type: 'simulated', failureRate: '${RATE}' }, { name: 'b', type: 'simulated' }] } };
    const scenario = parseScenario(raw, { env: { RATE: '0.25' } });
    expect(scenario.config.providers[0]!.simulated!.failureRate).toBe(0.25);
    expect(JSON.stringify(scenario.rawConfig)).not.toContain('${');
    expect(() => parseScenario(raw, { env: {} })).toThrow(/RATE/);
  });
});
