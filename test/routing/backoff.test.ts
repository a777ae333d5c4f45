import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random.js';
import { backoffCeiling, fullJitterBackoff } from '../../src/routing/backoff.js';

describe('fullJitterBackoff', () => {
  it('stays within [0, min(maxMs, baseMs·2^retryIndex)] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retryIndex, baseMs, maxMs, u) => {
          const delay = fullJitterBackoff(retryIndex, { baseMs, maxMs }, () => u);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(maxMs, baseMs === 0 ? 0 : baseMs * 2 ** retryIndex));
        },
      ),
    );
  });

  it.each([
    { retryIndex: 0, expected: 100 },
    { retryIndex: 1, expected: 200 },
    { retryIndex: 4, expected: 1600 },
    { retryIndex: 5, expected: 2000 },
    { retryIndex: 5000, expected: 2000 },
  ])('ceiling of retry $retryIndex is $expected', ({ retryIndex, expected }) => {
    expect(backoffCeiling(retryIndex, { baseMs: 100, maxMs: 2000 })).toBe(expected);
  });

  it('spreads delays over the whole range (jitter)', () => {
    const random = createRandom(9);
    const delays = Array.from({ length: 2000 }, () => fullJitterBackoff(3, { baseMs: 100, maxMs: 2000 }, random));
    expect(Math.min(...delays)).toBeLessThan(40);
    expect(Math.max(...delays)).toBeGreaterThan(760);
  });
});
