import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogHistogram } from '../../src/sim/histogram.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('LogHistogram', () => {
  it('quantiles are within 2 % (or 1 ms) of the exact ones', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, q) => {
        const histogram = new LogHistogram();
        for (const v of values) histogram.record(v);
        const exact = exactQuantile([...values].sort((a, b) => a - b), q);
        const estimate = histogram.quantile(q);
        expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(Math.max(1, exact * 0.02));
      }),
    );
  });

  it('is empty-safe and clamps odd values', () => {
    const histogram = new LogHistogram();
    expect(histogram.quantile(0.5)).toBe(0);
    histogram.record(-5);
    histogram.record(Number.POSITIVE_INFINITY);
    expect(histogram.count).toBe(2);
    expect(histogram.quantile(0.5)).toBeLessThanOrEqual(1); // the first bucket holds 0..1 ms
    expect(histogram.quantile(1)).toBe(1e7);
  });

  it('keeps a fixed size however many samples it holds', () => {
    const histogram = new LogHistogram();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) histogram.record((i % 5000) + 0.5);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
    expect(histogram.quantile(0.5)).toBeGreaterThan(2400);
    expect(histogram.quantile(0.5)).toBeLessThan(2600);
  });
});
