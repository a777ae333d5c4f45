/**
 * `costOf`: fresh input, cache reads, cache writes and output each at their price; without the
 * cache prices, exactly the input × inputPerMTok + output × outputPerMTok it always was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costOf, type Pricing, type Usage } from '../../src/core/types.js';

// Claude Sonnet 4.5's list prices: reads 0.1×, 5-minute writes 1.25× the input price.
const sonnet: Pricing = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWriteInputPerMTok: 3.75 };
const usage: Usage = { inputTokens: 3550, outputTokens: 7, cachedInputTokens: 1500, cacheWriteInputTokens: 2000 };

describe('costOf', () => {
  it('prices fresh input, cache reads, cache writes and output apart', () => {
    // 50 fresh × 3 + 1,500 reads × 0.3 + 2,000 writes × 3.75 + 7 output × 15, per million.
    expect(costOf(usage, sonnet)).toBeCloseTo((50 * 3 + 1500 * 0.3 + 2000 * 3.75 + 7 * 15) / 1e6, 15);
  });

  it('prices a count without its own price at inputPerMTok', () => {
    const readsOnly: Pricing = { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 };
    expect(costOf(usage, readsOnly)).toBeCloseTo(((50 + 2000) * 2.5 + 1500 * 1.25 + 7 * 10) / 1e6, 15);
    expect(costOf({ inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920 }, readsOnly)).toBeCloseTo((86 * 2.5 + 1920 * 1.25 + 300 * 10) / 1e6, 15);
  });

  it('prices the whole input at inputPerMTok without the cache keys, as before', () => {
    expect(costOf(usage, { inputPerMTok: 3, outputPerMTok: 15 })).toBe((3550 * 3 + 7 * 15) / 1e6);
  });

  it('prices unknown cache counts as fresh input', () => {
    expect(costOf({ inputTokens: 3550, outputTokens: 7 }, sonnet)).toBe((3550 * 3 + 7 * 15) / 1e6);
  });

  it('never prices more cache tokens than the input holds', () => {
    expect(costOf({ inputTokens: 100, outputTokens: 0, cachedInputTokens: 80, cacheWriteInputTokens: 80 }, sonnet)).toBeCloseTo((80 * 0.3 + 20 * 3.75) / 1e6, 15);
  });

  it('is undefined without pricing or without any count', () => {
    expect(costOf(usage, undefined)).toBeUndefined();
    expect(costOf({ inputTokens: undefined, outputTokens: undefined, cachedInputTokens: 5 }, sonnet)).toBeUndefined();
  });

  const count = fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined });
  const price = fc.double({ min: 0, max: 1000, noNaN: true });
  const usages: fc.Arbitrary<Usage> = fc.record({ inputTokens: count, outputTokens: count, cachedInputTokens: count, cacheWriteInputTokens: count });

  it('is exactly the old formula whenever pricing has no cache keys, whatever the cache counts (property)', () => {
    fc.assert(
      fc.property(usages, price, price, (u, inputPerMTok, outputPerMTok) => {
        const before = u.inputTokens === undefined && u.outputTokens === undefined ? undefined : ((u.inputTokens ?? 0) * inputPerMTok + (u.outputTokens ?? 0) * outputPerMTok) / 1e6;
        expect(costOf(u, { inputPerMTok, outputPerMTok })).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it('lies between the cost at the cheapest and at the dearest input price, and never below 0 (property)', () => {
    fc.assert(
      fc.property(usages, price, price, price, price, (u, inputPerMTok, outputPerMTok, cachedInputPerMTok, cacheWriteInputPerMTok) => {
        const cost = costOf(u, { inputPerMTok, outputPerMTok, cachedInputPerMTok, cacheWriteInputPerMTok });
        if (u.inputTokens === undefined && u.outputTokens === undefined) {
          expect(cost).toBeUndefined();
          return;
        }
        const at = (p: number) => ((u.inputTokens ?? 0) * p + (u.outputTokens ?? 0) * outputPerMTok) / 1e6;
        const prices = [inputPerMTok, cachedInputPerMTok, cacheWriteInputPerMTok];
        const slack = 1e-9 * Math.max(1, at(Math.max(...prices)));
        expect(cost!).toBeGreaterThanOrEqual(Math.max(0, at(Math.min(...prices)) - slack));
        expect(cost!).toBeLessThanOrEqual(at(Math.max(...prices)) + slack);
      }),
      { numRuns: 500 },
    );
  });
});
