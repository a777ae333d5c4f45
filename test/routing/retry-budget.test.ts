import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRetryBudget } from '../../src/routing/retry-budget.js';

describe('createRetryBudget', () => {
  it('allows ratio × requests plus the floor, then refuses', () => {
    const budget = createRetryBudget({ ratio: 0.2, minPerSecond: 0 });
    for (let i = 0; i < 100; i++) budget.recordRequest(i);
    let allowed = 0;
    while (budget.canRetry(200)) {
      budget.recordRetry(200);
      allowed++;
    }
    expect(allowed).toBe(20);
    expect(budget.stats(200)).toEqual({ requests: 100, retries: 20, allowance: 20 });
  });

  it('allows minPerSecond × window seconds with no traffic at all', () => {
    const budget = createRetryBudget({ ratio: 0.2, minPerSecond: 1 }, 5000);
    let allowed = 0;
    for (; budget.canRetry(0); allowed++) budget.recordRetry(0);
    expect(allowed).toBe(5);
  });

  it('recovers as the window slides past spent retries', () => {
    const budget = createRetryBudget({ ratio: 0, minPerSecond: 1 }); // 10 per 10 s window, 1 s buckets
    for (let i = 0; i < 10; i++) budget.recordRetry(0);
    expect(budget.canRetry(0)).toBe(false);
    expect(budget.canRetry(9_999)).toBe(false);
    expect(budget.canRetry(10_000)).toBe(true);
    expect(budget.stats(10_000).retries).toBe(0);
  });

  it('forgets requests as the window slides, shrinking the allowance', () => {
    const budget = createRetryBudget({ ratio: 1, minPerSecond: 0 }, 1000);
    budget.recordRequest(0);
    expect(budget.canRetry(999)).toBe(true);
    expect(budget.canRetry(1000)).toBe(false);
  });

  it('a clock that steps back counts into the current slice', () => {
    const budget = createRetryBudget({ ratio: 0, minPerSecond: 0.1 }); // 1 per window
    budget.recordRetry(5000);
    expect(budget.canRetry(4000)).toBe(false);
    expect(budget.stats(5000).retries).toBe(1);
  });

  type Op = { type: 'request' | 'retry'; dt: number };
  const ops = fc.array(
    fc.record({ type: fc.constantFrom('request' as const, 'retry' as const), dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 12_000 })) }),
    { maxLength: 300 },
  );

  it('never allows more retries than the formula, against an exact event log (property)', () => {
    fc.assert(
      fc.property(
        ops,
        fc.constantFrom(0, 0.1, 0.2, 1),
        fc.constantFrom(0, 0.5, 1),
        fc.constantFrom(1000, 10_000),
        fc.integer({ min: 1, max: 10 }),
        (script: Op[], ratio, minPerSecond, windowMs, buckets) => {
          const budget = createRetryBudget({ ratio, minPerSecond }, windowMs, buckets);
          const bucketMs = windowMs / buckets;
          const floor = minPerSecond * (windowMs / 1000);
          const requests: number[] = [];
          const retries: number[] = [];
          const since = (log: number[], from: number): number => log.filter((t) => t > from).length;
          const inBucketWindow = (log: number[], now: number): number =>
            log.filter((t) => Math.floor(t / bucketMs) > Math.floor(now / bucketMs) - buckets).length;
          let now = 0;
          for (const op of script) {
            now += op.dt;
            if (op.type === 'request') {
              budget.recordRequest(now);
              requests.push(now);
              continue;
            }
            // The bucketed window: the current slice and the buckets - 1 before it.
            const allowed = inBucketWindow(retries, now) < ratio * inBucketWindow(requests, now) + floor;
            expect(budget.canRetry(now)).toBe(allowed);
            if (!allowed) continue;
            // Implementation-independent bound: retries over the last (window - slice) stay
            // below the allowance earned over the whole last window.
            expect(since(retries, now - (windowMs - bucketMs))).toBeLessThan(ratio * since(requests, now - windowMs) + floor);
            budget.recordRetry(now);
            retries.push(now);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
