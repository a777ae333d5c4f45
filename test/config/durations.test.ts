import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/primitives.js';
import { issuesOf, minimal } from './helpers.js';

describe('parseDuration', () => {
  it.each([
    [250, 250],
    ['250', 250],
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    [' 2 s ', 2000],
    ['10S', 10_000],
  ])('%j → %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['5x', '1d', 'soon', '', '-5s', '1e3s', 's'])('rejects %j', (input) => {
    expect(parseDuration(input)).toEqual({ error: expect.stringContaining('invalid duration:') });
    expect((parseDuration(input) as { error: string }).error).not.toContain(`"${input}"`); // never quoted
  });
});

describe('durations in the configuration', () => {
  it('accepts numbers and unit strings in every *Ms key', () => {
    const config = parseConfig(
      minimal({
        server: { drainTimeoutMs: '2s' },
        providers: [{ name: 'a', type: 'simulated', timeoutMs: '45s', latencyMs: '150ms' }],
        routing: { backoff: { baseMs: '50ms', maxMs: '1s' }, deadlineMs: '2m' },
        health: { windowMs: '1m', slowCallMs: '5s', cooldownMs: '10s', maxCooldownMs: '1h', probeIntervalMs: '30s' },
      }),
      {},
    );
    expect(config.server.drainTimeoutMs).toBe(2000);
    expect(config.providers[0]?.timeoutMs).toBe(45_000);
    expect(config.providers[0]?.simulated?.latencyMs).toBe(150);
    expect(config.routing).toMatchObject({ backoff: { baseMs: 50, maxMs: 1000 }, deadlineMs: 120_000 });
    expect(config.health).toMatchObject({ windowMs: 60_000, slowCallMs: 5000, cooldownMs: 10_000, maxCooldownMs: 3_600_000, probeIntervalMs: 30_000 });
  });

  it('reads incident times as seconds, with units converted to seconds', () => {
    const config = parseConfig(
      { providers: [{ name: 'a', type: 'simulated', incidents: [{ at: '1m', for: 30, mode: 'rate_limit', retryAfterS: '500ms', every: '5m' }] }] },
      {},
    );
    expect(config.providers[0]?.simulated?.incidents).toEqual([{ at: 60, for: 30, mode: 'rate_limit', retryAfterS: 0.5, every: 300 }]);
  });

  it.each([
    [minimal({ routing: { deadlineMs: '2 weeks' } }), 'routing.deadlineMs: invalid duration: write a number, or a number with a unit ms, s, m or h (e.g. "30s")'],
    [{ providers: [{ name: 'a', type: 'simulated', timeoutMs: '10x' }] }, 'providers[0].timeoutMs: invalid duration: write a number, or a number with a unit ms, s, m or h (e.g. "30s")'],
    [minimal({ health: { windowMs: 0 } }), 'health.windowMs: must be greater than 0'],
    [minimal({ server: { drainTimeoutMs: -1 } }), 'server.drainTimeoutMs: must be at least 0'],
    [minimal({ health: { slowCallMs: true } }), 'health.slowCallMs: expected a number, got a boolean'],
  ])('names the path of a bad duration (%#)', (raw, expected) => {
    expect(issuesOf(() => parseConfig(raw, {}))).toEqual([expected]);
  });
});
