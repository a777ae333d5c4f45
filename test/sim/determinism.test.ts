/** Same seed, same report; another seed, another run; and the fast drain loses nothing. */
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/sim/human.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { example } from './helpers.js';

describe('determinism', () => {
  it('the same seed gives the same report, for both policies', async () => {
    const scenario = example('primary-outage', { durationS: 200, rps: 8 });
    for (const policy of ['switchyard', 'naive'] as const) {
      const first = await runScenario(scenario, { policy });
      const second = await runScenario(scenario, { policy });
      expect(second.report).toEqual(first.report);
      expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));
    }
  });

  it('reports no latency (null, "n/a"), not a latency of 0, when nothing succeeded', async () => {
    const scenario = parseScenario({
      durationS: 30,
      config: { providers: [{ name: 'down', type: 'simulated', latencyMs: 50 }] },
      traffic: { rps: 2 },
      incidents: [{ provider: 'down', at: 0, for: 60, mode: 'error' }],
    });
    const { report } = await runScenario(scenario);
    expect(report.succeeded).toBe(0);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.latencyMs).toEqual({ p50: null, p95: null, p99: null });
    expect(formatSummary(report, 0.1)).toContain('latency    p50 n/a   p95 n/a   p99 n/a');
  });

  it('a different seed gives a different run', async () => {
    const scenario = example('primary-outage', { durationS: 200, rps: 8 });
    const a = (await runScenario(scenario, { seed: 1 })).report;
    const b = (await runScenario(scenario, { seed: 2 })).report;
    expect(a.seed).toBe(1);
    expect(b.seed).toBe(2);
    expect(b.requests).not.toBe(a.requests);
    expect(b.latencyMs).not.toEqual(a.latencyMs);
  });

  it.each(['primary-outage', 'rate-limit-storm', 'hanging-provider', 'flaky-provider', 'total-outage'])(
    '%s: draining microtasks after each step gives the same report as a full event-loop turn',
    async (name) => {
      const scenario = example(name, { durationS: 240, rps: 4 });
      const fast = await runScenario(scenario, { drain: 'microtasks' });
      const full = await runScenario(scenario, { drain: 'event-loop' });
      expect(fast.report).toEqual(full.report);
    },
  );

  it('every arrival ends in exactly one outcome, and time in states adds up to the duration', async () => {
    const scenario = example('total-outage', { durationS: 240, rps: 5 });
    const { report } = await runScenario(scenario);
    expect(report.succeeded + report.failed).toBe(report.requests);
    expect(Object.values(report.errors).reduce((a, b) => a + b, 0)).toBe(report.failed);
    for (const provider of Object.values(report.byProvider)) {
      const total = Object.values(provider.timeInStateS).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(240, 2);
      expect(provider.successes + provider.failures).toBe(provider.requests);
    }
    const shares = Object.values(report.byProvider).reduce((sum, p) => sum + p.share, 0);
    expect(shares).toBeCloseTo(1, 3);
  });
});
