/**
 * Every example scenario, run (shortened where the example is long) under Switchyard and
 * under the naive policy on the same seed, with assertions on what each one demonstrates.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baseCooldownMs } from '../../machines/provider.logic.js';
import { runScenario } from '../../src/sim/run.js';
import type { SimulationReport } from '../../src/sim/report.js';
import { entered, example, EXAMPLES } from './helpers.js';

const health = { cooldownMs: 10_000, maxCooldownMs: 300_000 } as Parameters<typeof baseCooldownMs>[0];

async function both(name: string, overrides: { durationS?: number; rps?: number }) {
  const scenario = example(name, overrides);
  const ours = (await runScenario(scenario)).report;
  const naive = (await runScenario(scenario, { policy: 'naive' })).report;
  return { scenario, ours, naive };
}

/** Every state the breaker entered, for any provider. */
function statesEntered(report: SimulationReport): Set<string> {
  return new Set(Object.values(report.byProvider).flatMap((p) => p.transitions.map((t) => t.to)));
}

/**
 * The breaker's promise after an incident ends at `endS`: the provider is back (healthy)
 * no later than one full cooldown of its last trip (+10 % jitter) plus a few seconds of
 * half-open probing after the incident's end.
 */
function expectRecoveredOnSchedule(report: SimulationReport, provider: string, endS: number) {
  const opens = entered(report, provider, 'open');
  const healthyAgain = entered(report, provider, 'healthy').find((at) => at >= endS);
  expect(healthyAgain, `${provider} back to healthy after ${endS}s`).toBeDefined();
  const lastTrip = opens.filter((at) => at < endS).length;
  const bound = (baseCooldownMs(health, lastTrip) * 1.1) / 1000 + 10;
  expect(healthyAgain! - endS).toBeLessThanOrEqual(bound);
}

describe('example scenarios', () => {
  it('every file in examples/scenarios is covered here', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
    expect(files).toEqual(
      ['flaky-provider', 'hanging-provider', 'mixed-day', 'primary-outage', 'rate-limit-storm', 'total-outage'].map((n) => `${n}.yaml`),
    );
  });

  it('primary outage: no client error, a handful of wasted calls per cooldown, recovery on schedule, naive worse', async () => {
    const { ours, naive } = await both('primary-outage', { durationS: 330, rps: 10 });
    expect(ours.failed).toBe(0);
    const primary = ours.byProvider.primary!;
    const trips = entered(ours, 'primary', 'open').length;
    expect(trips).toBeGreaterThanOrEqual(1);
    // 5 consecutive failures to open, then at most the half-open probes per cooldown (+ calls in flight).
    expect(primary.failures).toBeLessThanOrEqual(5 + trips * 3 + 5);
    // One call per request would be ~1,200 over the two minutes.
    expect(primary.failures).toBeLessThan(0.05 * 120 * 10);
    expectRecoveredOnSchedule(ours, 'primary', 240);
    expect(naive.attempts.wasted).toBeGreaterThan(20 * ours.attempts.wasted);
    expect(naive.byProvider.primary!.transitions).toEqual([]);
  });

  it('rate-limit storm: 429s park providers in rate_limited but never open a breaker', async () => {
    const { ours, naive } = await both('rate-limit-storm', { durationS: 300, rps: 10 });
    expect(ours.failed).toBe(0);
    expect(statesEntered(ours)).toEqual(new Set(['rate_limited', 'healthy']));
    expect(ours.byProvider.primary!.timeInStateS.open).toBe(0);
    expect(ours.byProvider.primary!.timeInStateS.rate_limited).toBeGreaterThan(100);
    // About one 429 per Retry-After window, against one per request for the naive router.
    expect(ours.byProvider.primary!.rateLimited).toBeLessThan(240 / 5 + 20);
    expect(naive.attempts.wasted).toBeGreaterThan(10 * ours.attempts.wasted);
  });

  it('hanging provider: no client error; the breaker cuts the wait, the naive policy waits every time', async () => {
    const { ours, naive } = await both('hanging-provider', { durationS: 480, rps: 10 });
    expect(ours.failed).toBe(0);
    expect(entered(ours, 'primary', 'open').length).toBeGreaterThanOrEqual(1);
    expectRecoveredOnSchedule(ours, 'primary', 300);
    expect(naive.latencyMs.p95).toBeGreaterThan(ours.latencyMs.p95! + 3000);
    expect(naive.attempts.wasted).toBeGreaterThan(5 * ours.attempts.wasted);
  });

  it('flaky provider: no client error, and far fewer wasted calls than the naive policy', async () => {
    const { ours, naive } = await both('flaky-provider', { durationS: 400, rps: 10 });
    expect(ours.failed).toBe(0);
    expect(naive.failed).toBe(0);
    expect(naive.attempts.wasted).toBeGreaterThan(5 * ours.attempts.wasted);
  });

  it('total outage: errors only while nothing can answer, every provider back on schedule, fewer wasted calls', async () => {
    const { ours, naive } = await both('total-outage', { durationS: 300, rps: 10 });
    expect(ours.failed).toBeGreaterThan(0);
    // Only requests arriving during the outage (120..180 s, plus in-flight spill) can fail.
    expect(ours.failed).toBeLessThanOrEqual(65 * 10);
    for (const provider of ['primary', 'secondary', 'local']) expectRecoveredOnSchedule(ours, provider, 180);
    expect(naive.attempts.wasted).toBeGreaterThan(2 * ours.attempts.wasted);
  });

  it('mixed day (first 3 hours): no client error, every incident handled', async () => {
    const scenario = example('mixed-day', { durationS: 3 * 3600 });
    const { report } = await runScenario(scenario);
    expect(report.requests).toBeGreaterThan(20_000);
    expect(report.failed).toBe(0);
    expect(report.byProvider.primary!.failures).toBeGreaterThan(0); // the 2 h flaky blip
  });
});
