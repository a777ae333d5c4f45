/** Runs of small scenarios: what incidents do to latencies, and how seeds pick a run. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

describe('runs', () => {
  it('a failure under a slow incident arrives after the slow latency, then the fallback answers', async () => {
    const scenario = parseScenario({
      durationS: 100,
      config: {
        health: { consecutiveFailures: 1_000_000, minCalls: 1_000_000 },
        providers: [
          { name: 'a', type: 'simulated', latencyMs: 100 },
          { name: 'b', type: 'simulated', latencyMs: 100 },
        ],
      },
      traffic: { rps: 5 },
      incidents: [
        { provider: 'a', at: 0, for: 100, mode: 'slow', latencyMs: 3000 },
        { provider: 'a', at: 0, for: 100, mode: 'error' },
      ],
    }, { env: {} });
    const { report } = await runScenario(scenario);
    expect(report.failed).toBe(0);
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(3100);
    expect(report.latencyMs.p50).toBeLessThan(3300);
  });

  it.each([
    [5, 2 ** 32 + 5],
    [0, 2 ** 32],
    [2 ** 31, -(2 ** 31)],
    [1, Number.MAX_SAFE_INTEGER],
  ])('seeds %s and %s give different runs', async (a, b) => {
    const scenario = parseScenario({
      durationS: 60,
      config: { providers: [{ name: 'a', type: 'simulated', latencyMs: { p50: 100, p99: 900 }, failureRate: 0.1 }, { name: 'b', type: 'simulated' }] },
      traffic: { rps: 5, streamRatio: 0.5 },
    }, { env: {} });
    const first = (await runScenario(scenario, { seed: a })).report;
    const second = (await runScenario(scenario, { seed: b })).report;
    expect({ ...second, seed: a }).not.toEqual(first);
  });
});
