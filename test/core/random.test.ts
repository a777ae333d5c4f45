/** Seeded randomness: the same seed, the same numbers; every allowed seed its own. */
import { describe, expect, it } from 'vitest';
import { createRandom, deriveRandom, hashString } from '../../src/core/random.js';

describe('seeds', () => {
  it.each([
    [0, 3378443065, 0.26642920868471265, 0.4112340498249978],
    [1, 243624466, 0.6270739405881613, 0.63289395859465],
    [42, 3127037271, 0.6011037519201636, 0.806585650658235],
    [2 ** 31, 1230959417, 0.8205775609239936, 0.42231089319102466],
    [2 ** 32 - 1, 3462713884, 0.8964226141106337, 0.5255469882395118],
  ])('seed %s draws what it always drew', (seed, hash, first, derived) => {
    expect(hashString('traffic', seed)).toBe(hash);
    expect(createRandom(seed)()).toBe(first);
    expect(deriveRandom(seed, 'primary')()).toBe(derived);
  });

  it.each([
    [5, 2 ** 32 + 5],
    [0, 2 ** 32],
    [2 ** 31, -(2 ** 31)],
    [2 ** 32 - 1, -1],
    [7, Number.MAX_SAFE_INTEGER - 2 ** 32 + 8],
    [-5, -(2 ** 32) - 5],
  ])('seeds %s and %s draw different numbers', (a, b) => {
    expect(hashString('traffic', b)).not.toBe(hashString('traffic', a));
    expect(createRandom(b)()).not.toBe(createRandom(a)());
    expect(deriveRandom(b, 'primary')()).not.toBe(deriveRandom(a, 'primary')());
  });
});
