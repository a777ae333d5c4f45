import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { panicCandidate, rateLimitRetryAfter } from '../../src/routing/panic.js';
import { candidates, listWithExclusions } from './fixtures.js';

const NONE = new Set<string>();
const closed = { selectable: false } as const;

describe('panicCandidate', () => {
  it.each([
    {
      case: 'the open candidate closest to recovery',
      list: candidates({ ...closed, state: 'open', cooldownUntil: 900 }, { ...closed, state: 'open', cooldownUntil: 500 }),
      expected: 'p1',
    },
    {
      case: 'never disabled or rate limited, even when sooner',
      list: candidates(
        { ...closed, state: 'disabled' },
        { ...closed, state: 'rate_limited', rateLimitedUntil: 1 },
        { ...closed, state: 'open', cooldownUntil: 5000 },
      ),
      expected: 'p2',
    },
    { case: 'unknown cooldown last', list: candidates({ ...closed, state: 'open' }, { ...closed, state: 'open', cooldownUntil: 9e9 }), expected: 'p1' },
    { case: 'ties by index', list: candidates({ ...closed, state: 'open', cooldownUntil: 7 }, { ...closed, state: 'open', cooldownUntil: 7 }), expected: 'p0' },
    { case: 'nothing open: none', list: candidates({ ...closed, state: 'rate_limited' }, { ...closed, state: 'disabled' }, { ...closed, state: 'warming' }), expected: undefined },
  ])('$case', ({ list, expected }) => {
    expect(panicCandidate(list, NONE)?.name).toBe(expected);
  });

  it('skips excluded candidates, so a request panics on each open candidate at most once', () => {
    const list = candidates({ ...closed, state: 'open', cooldownUntil: 1 }, { ...closed, state: 'open', cooldownUntil: 2 });
    expect(panicCandidate(list, new Set(['p0']))?.name).toBe('p1');
  });

  it('only ever returns a non-excluded open candidate, and one whenever there is one', () => {
    fc.assert(
      fc.property(listWithExclusions, ([list, exclude]) => {
        const picked = panicCandidate(list, exclude);
        const open = list.filter((c) => c.state === 'open' && !exclude.has(c.name));
        if (picked === undefined) expect(open).toEqual([]);
        else {
          expect(picked.state).toBe('open');
          expect(exclude.has(picked.name)).toBe(false);
          for (const c of open) expect(picked.cooldownUntil ?? Infinity).toBeLessThanOrEqual(c.cooldownUntil ?? Infinity);
        }
      }),
    );
  });
});

describe('rateLimitRetryAfter', () => {
  it.each([
    {
      case: 'soonest rate-limit deadline, from now',
      list: candidates({ state: 'rate_limited', rateLimitedUntil: 5000 }, { state: 'rate_limited', rateLimitedUntil: 3000 }),
      expected: 2000,
    },
    { case: 'rounded up', list: candidates({ state: 'rate_limited', rateLimitedUntil: 1000.2 }), expected: 1 },
    { case: 'a passed deadline is 0', list: candidates({ state: 'rate_limited', rateLimitedUntil: 10 }), expected: 0 },
    { case: 'other states ignored', list: candidates({ state: 'open', rateLimitedUntil: 1500 }, { state: 'healthy' }), expected: undefined },
    { case: 'unknown deadline: undefined', list: candidates({ state: 'rate_limited' }), expected: undefined },
  ])('$case', ({ list, expected }) => {
    expect(rateLimitRetryAfter(list, 1000)).toBe(expected);
  });
});
