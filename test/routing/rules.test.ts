import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleConfig } from '../../src/config/types.js';
import { matchRule, numberMatches } from '../../src/routing/rules.js';

const RULES: RuleConfig[] = [
  { when: { inputTokens: { gt: 100_000 } }, route: 'long-context' },
  { when: { task: 'code', stream: true }, route: 'code-stream' },
  { when: { task: 'code' }, route: 'code' },
  { when: { model: 'cheap', inputTokens: { gte: 10, lte: 1000 } }, route: 'cheap-small' },
];

describe('matchRule', () => {
  it.each([
    { case: 'first match wins', facts: { inputTokens: 200_000, task: 'code', stream: true }, expected: 'long-context' },
    { case: 'every present condition must hold', facts: { inputTokens: 10, task: 'code', stream: false }, expected: 'code' },
    { case: 'stream condition', facts: { inputTokens: 10, task: 'code', stream: true }, expected: 'code-stream' },
    { case: 'absent fact fails a present condition', facts: { inputTokens: 10, stream: false }, expected: undefined },
    { case: 'model and a range', facts: { inputTokens: 1000, model: 'cheap', stream: false }, expected: 'cheap-small' },
    { case: 'outside the range', facts: { inputTokens: 1001, model: 'cheap', stream: false }, expected: undefined },
    { case: 'gt is strict', facts: { inputTokens: 100_000, stream: false }, expected: undefined },
  ])('$case', ({ facts, expected }) => {
    expect(matchRule(RULES, facts)).toBe(expected);
  });

  it('an empty `when` matches everything; no rules match nothing', () => {
    expect(matchRule([{ when: {}, route: 'all' }], { inputTokens: 0, stream: false })).toBe('all');
    expect(matchRule([], { inputTokens: 0, stream: false })).toBeUndefined();
  });
});

describe('numberMatches', () => {
  it('agrees with the bounds it names (property)', () => {
    const bound = fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined });
    fc.assert(
      fc.property(bound, bound, bound, bound, fc.integer({ min: -6, max: 6 }), (gt, gte, lt, lte, value) => {
        const expected =
          (gt === undefined || value > gt) && (gte === undefined || value >= gte) && (lt === undefined || value < lt) && (lte === undefined || value <= lte);
        expect(numberMatches({ gt, gte, lt, lte }, value)).toBe(expected);
      }),
    );
  });
});
