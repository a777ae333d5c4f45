import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StrategyName } from '../../src/config/types.js';
import { createRandom } from '../../src/core/random.js';
import { isEligible, type Candidate } from '../../src/routing/candidate.js';
import { DEGRADED_WEIGHT, STRATEGIES } from '../../src/routing/strategies.js';
import { candidate, candidates, listWithExclusions, selection, selectionContext } from './fixtures.js';

const NAMES = Object.keys(STRATEGIES) as StrategyName[];
const NONE = new Set<string>();

/** Lexicographic comparison of number tuples. */
const compareKeys = (a: number[], b: number[]): number => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
};

/** Reference: sort the eligible candidates by `key` and take the first. */
const minBy =
  (key: (c: Candidate, input: number, output: number) => number[]) =>
  (list: readonly Candidate[], exclude: ReadonlySet<string>, input = 0, output = 0): Candidate | undefined =>
    list.filter((c) => isEligible(c, exclude)).sort((a, b) => compareKeys(key(a, input, output), key(b, input, output)))[0];

const deg = (c: Candidate): number => (c.degraded ? 1 : 0);
const REFERENCES = {
  priority: minBy((c) => [c.priority, deg(c), c.index]),
  'least-latency': minBy((c) => [(c.latencyMs ?? 0) / (c.degraded ? DEGRADED_WEIGHT : 1), deg(c), c.index]),
  'lowest-cost': minBy((c, input, output) => [
    c.pricing === undefined ? Infinity : input * c.pricing.inputPerMTok + output * c.pricing.outputPerMTok,
    deg(c),
    c.priority,
    c.index,
  ]),
  'least-busy': minBy((c) => [c.degraded ? (c.inFlight + 1) / DEGRADED_WEIGHT : c.inFlight, c.latencyMs ?? 0, c.index]),
};

describe('every strategy', () => {
  it.each(NAMES)('%s never returns a non-selectable or excluded candidate, and undefined only when none is eligible', (name) => {
    fc.assert(
      fc.property(listWithExclusions, selectionContext, ([list, exclude], context) => {
        const picked = STRATEGIES[name](list, exclude, context);
        const anyEligible = list.some((c) => isEligible(c, exclude));
        if (picked === undefined) expect(anyEligible).toBe(false);
        else {
          expect(list).toContain(picked);
          expect(picked.selectable).toBe(true);
          expect(exclude.has(picked.name)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it.each(NAMES)('%s returns undefined for an empty list', (name) => {
    expect(STRATEGIES[name]([], NONE, selection())).toBeUndefined();
  });

  it.each(Object.keys(REFERENCES) as (keyof typeof REFERENCES)[])('%s picks the minimum (agrees with a sorting reference)', (name) => {
    fc.assert(
      fc.property(listWithExclusions, selectionContext, ([list, exclude], context) => {
        const expected = REFERENCES[name](list, exclude, context.estimatedInputTokens, context.estimatedOutputTokens);
        expect(STRATEGIES[name](list, exclude, context)?.name).toBe(expected?.name);
      }),
      { numRuns: 500 },
    );
  });
});

describe('priority', () => {
  it.each([
    { case: 'lowest priority wins', list: candidates({ priority: 2 }, { priority: 1 }, { priority: 3 }), expected: 'p1' },
    { case: 'equal priority: lowest index', list: candidates({ priority: 1 }, { priority: 1 }), expected: 'p0' },
    { case: 'equal priority: non-degraded first', list: candidates({ degraded: true }, {}), expected: 'p1' },
    { case: 'degraded still beats a worse priority', list: candidates({ degraded: true }, { priority: 2 }), expected: 'p0' },
    { case: 'non-selectable skipped', list: candidates({ selectable: false }, { priority: 5 }), expected: 'p1' },
  ])('$case', ({ list, expected }) => {
    expect(STRATEGIES.priority(list, NONE, selection())?.name).toBe(expected);
  });

  it('honours exclusions in order (failover walks the priority list)', () => {
    const list = candidates({ priority: 3 }, { priority: 1 }, { priority: 2 });
    const order: string[] = [];
    const tried = new Set<string>();
    for (let c = STRATEGIES.priority(list, tried, selection()); c; c = STRATEGIES.priority(list, tried, selection())) {
      order.push(c.name);
      tried.add(c.name);
    }
    expect(order).toEqual(['p1', 'p2', 'p0']);
  });
});

describe('round-robin', () => {
  const spread = (list: Candidate[], requests: number): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (let sequence = 0; sequence < requests; sequence++) {
      const name = STRATEGIES['round-robin'](list, NONE, selection({ sequence }))!.name;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    return counts;
  };

  it('spreads evenly over healthy candidates', () => {
    expect(spread(candidates({}, {}, {}, {}, {}), 1000)).toEqual({ p0: 200, p1: 200, p2: 200, p3: 200, p4: 200 });
  });

  it('any n consecutive requests visit each of n healthy candidates once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.nat(1e9), (n, first) => {
        const list = Array.from({ length: n }, (_, i) => candidate(i));
        const seen = new Set<string>();
        for (let s = first; s < first + n; s++) seen.add(STRATEGIES['round-robin'](list, NONE, selection({ sequence: s }))!.name);
        expect(seen.size).toBe(n);
      }),
    );
  });

  it('gives a degraded candidate a quarter of its turns; its other turns pass to the next one', () => {
    expect(spread(candidates({}, { degraded: true }, {}, {}), 1600)).toEqual({ p0: 400, p1: 100, p2: 700, p3: 400 });
  });

  it('passes over non-selectable and excluded candidates to the next one', () => {
    const list = candidates({}, { selectable: false }, {});
    expect(STRATEGIES['round-robin'](list, NONE, selection({ sequence: 1 }))?.name).toBe('p2');
    expect(STRATEGIES['round-robin'](list, new Set(['p2']), selection({ sequence: 1 }))?.name).toBe('p0');
  });

  it('takes a degraded candidate when nothing else is eligible', () => {
    const list = candidates({ degraded: true }, { selectable: false }, { degraded: true });
    expect(STRATEGIES['round-robin'](list, NONE, selection({ sequence: 4 }))?.name).toBe('p2');
  });
});

describe('weighted', () => {
  const draw = (list: Candidate[], draws: number, exclude: ReadonlySet<string> = NONE): Record<string, number> => {
    const counts: Record<string, number> = {};
    const context = selection({ random: createRandom(42) });
    for (let i = 0; i < draws; i++) {
      const name = STRATEGIES.weighted(list, exclude, context)!.name;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    return counts;
  };

  it('follows the weights, a degraded one at a quarter', () => {
    const draws = 40_000;
    const counts = draw(candidates({ weight: 1 }, { weight: 2 }, { weight: 3 }, { weight: 4, degraded: true }, { weight: 5, selectable: false }), draws);
    const total = 1 + 2 + 3 + 4 * DEGRADED_WEIGHT;
    for (const [name, weight] of [['p0', 1], ['p1', 2], ['p2', 3], ['p3', 4 * DEGRADED_WEIGHT]] as const) {
      expect(Math.abs((counts[name] ?? 0) / draws - weight / total)).toBeLessThan(0.015);
    }
    expect(counts.p4).toBeUndefined();
  });

  it('follows the weights over a long list too (the reservoir jumps are exact)', () => {
    const draws = 100_000;
    const list = Array.from({ length: 30 }, (_, i) => candidate(i, { weight: (i % 6) + 1, degraded: i % 5 === 0, selectable: i % 7 !== 3 }));
    const effective = list.map((c) => (c.selectable ? c.weight * (c.degraded ? DEGRADED_WEIGHT : 1) : 0));
    const total = effective.reduce((a, b) => a + b, 0);
    const counts = draw(list, draws, new Set(['p29']));
    const excludedShare = effective[29]! / total;
    list.forEach((c, i) => {
      const expected = i === 29 ? 0 : effective[i]! / total / (1 - excludedShare);
      expect(Math.abs((counts[c.name] ?? 0) / draws - expected)).toBeLessThan(0.006);
    });
  });

  it('never picks a zero weight while a positive one is eligible', () => {
    expect(draw(candidates({ weight: 0, priority: 0 }, { weight: 1 }), 1000)).toEqual({ p1: 1000 });
  });

  it('falls back to priority order when every eligible weight is zero', () => {
    expect(draw(candidates({ weight: 0, priority: 2 }, { weight: 0, priority: 1 }, { weight: 3, selectable: false }), 50)).toEqual({ p1: 50 });
  });

  it('is reproducible under a seed', () => {
    const list = candidates({ weight: 1 }, { weight: 1 }, { weight: 1 });
    const run = (): string[] => {
      const context = selection({ random: createRandom(7) });
      return Array.from({ length: 20 }, () => STRATEGIES.weighted(list, NONE, context)!.name);
    };
    expect(run()).toEqual(run());
  });
});

describe('least-latency', () => {
  it.each([
    { case: 'lowest latency', list: candidates({ latencyMs: 300 }, { latencyMs: 100 }, { latencyMs: 200 }), expected: 'p1' },
    { case: 'unknown latency is explored first', list: candidates({ latencyMs: 50 }, {}), expected: 'p1' },
    { case: 'degraded latency counts four times', list: candidates({ latencyMs: 100, degraded: true }, { latencyMs: 350 }), expected: 'p1' },
    { case: 'degraded still wins when far faster', list: candidates({ latencyMs: 50, degraded: true }, { latencyMs: 350 }), expected: 'p0' },
    { case: 'ties by index', list: candidates({ latencyMs: 100 }, { latencyMs: 100 }), expected: 'p0' },
  ])('$case', ({ list, expected }) => {
    expect(STRATEGIES['least-latency'](list, NONE, selection())?.name).toBe(expected);
  });
});

describe('lowest-cost', () => {
  const context = selection({ estimatedInputTokens: 1000, estimatedOutputTokens: 1000 });
  it.each([
    {
      case: 'cheapest estimate (input and output both count)',
      list: candidates({ pricing: { inputPerMTok: 1, outputPerMTok: 10 } }, { pricing: { inputPerMTok: 5, outputPerMTok: 2 } }),
      expected: 'p1',
    },
    { case: 'unknown pricing sorts after known', list: candidates({}, { pricing: { inputPerMTok: 50, outputPerMTok: 50 } }), expected: 'p1' },
    {
      case: 'equal cost: non-degraded first',
      list: candidates({ pricing: { inputPerMTok: 1, outputPerMTok: 1 }, degraded: true }, { pricing: { inputPerMTok: 1, outputPerMTok: 1 } }),
      expected: 'p1',
    },
    {
      case: 'equal cost: then priority',
      list: candidates({ pricing: { inputPerMTok: 1, outputPerMTok: 1 }, priority: 2 }, { pricing: { inputPerMTok: 1, outputPerMTok: 1 } }),
      expected: 'p1',
    },
    { case: 'all unknown: priority then index', list: candidates({ priority: 2 }, {}, {}), expected: 'p1' },
  ])('$case', ({ list, expected }) => {
    expect(STRATEGIES['lowest-cost'](list, NONE, context)?.name).toBe(expected);
  });
});

describe('least-busy', () => {
  it.each([
    { case: 'fewest in flight', list: candidates({ inFlight: 3 }, { inFlight: 1 }, { inFlight: 2 }), expected: 'p1' },
    { case: 'idle degraded counts as 4', list: candidates({ inFlight: 0, degraded: true }, { inFlight: 3 }), expected: 'p1' },
    { case: 'ties by latency', list: candidates({ inFlight: 1, latencyMs: 200 }, { inFlight: 1, latencyMs: 100 }), expected: 'p1' },
    { case: 'unknown latency counts as 0', list: candidates({ inFlight: 1, latencyMs: 100 }, { inFlight: 1 }), expected: 'p1' },
    { case: 'then by index', list: candidates({ inFlight: 1, latencyMs: 100 }, { inFlight: 1, latencyMs: 100 }), expected: 'p0' },
  ])('$case', ({ list, expected }) => {
    expect(STRATEGIES['least-busy'](list, NONE, selection())?.name).toBe(expected);
  });
});
