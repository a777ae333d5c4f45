import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterCandidates } from '../../src/routing/filters.js';
import { candidateList, candidates } from './fixtures.js';

describe('filterCandidates', () => {
  it('returns the same array when nothing is filtered out', () => {
    const list = candidates({ contextWindow: 8000, capabilities: ['code'] }, { capabilities: ['code'] });
    expect(filterCandidates(list, { requiredTokens: 8000, task: 'code' }).candidates).toBe(list);
    expect(filterCandidates(list, { requiredTokens: 100 }).candidates).toBe(list);
  });

  it.each([
    { case: 'drops windows that are too small', list: candidates({ contextWindow: 4000 }, { contextWindow: 9000 }, {}), task: undefined, expected: ['p1', 'p2'] },
    { case: 'keeps only capable candidates', list: candidates({ capabilities: ['code'] }, {}, { capabilities: ['vision', 'code'] }), task: 'code', expected: ['p0', 'p2'] },
    { case: 'no candidate lists the task: keep all', list: candidates({ capabilities: ['vision'] }, {}), task: 'code', expected: ['p0', 'p1'] },
    {
      case: 'capable ones all unavailable: keep all (a preference, not a limit)',
      list: candidates({ capabilities: ['code'], selectable: false }, {}),
      task: 'code',
      expected: ['p0', 'p1'],
    },
    {
      case: 'context first: a capable candidate that cannot fit does not narrow',
      list: candidates({ capabilities: ['code'], contextWindow: 1000 }, {}),
      task: 'code',
      expected: ['p1'],
    },
    {
      case: 'narrowing keeps unavailable capable ones (for panic)',
      list: candidates({ capabilities: ['code'] }, { capabilities: ['code'], selectable: false, state: 'open' }, {}),
      task: 'code',
      expected: ['p0', 'p1'],
    },
  ])('$case', ({ list, task, expected }) => {
    const result = filterCandidates(list, { requiredTokens: 5000, task });
    expect(result.rejected).toBeUndefined();
    expect(result.candidates.map((c) => c.name)).toEqual(expected);
  });

  it('rejects with context_length when no window fits', () => {
    expect(filterCandidates(candidates({ contextWindow: 4000 }, { contextWindow: 8000 }), { requiredTokens: 9000 })).toEqual({
      candidates: [],
      rejected: 'context_length',
    });
  });

  it('an empty route is not a context-length rejection', () => {
    expect(filterCandidates([], { requiredTokens: 9000 }).rejected).toBeUndefined();
  });

  it('excluded capable candidates do not count as available', () => {
    const list = candidates({ capabilities: ['code'] }, {});
    expect(filterCandidates(list, { requiredTokens: 1, task: 'code', exclude: new Set(['p0']) }).candidates).toBe(list);
  });

  it('keeps exactly the fitting candidates, in order (property)', () => {
    fc.assert(
      fc.property(candidateList, fc.integer({ min: 0, max: 250_000 }), (list, requiredTokens) => {
        const result = filterCandidates(list, { requiredTokens });
        const fitting = list.filter((c) => c.contextWindow === undefined || c.contextWindow >= requiredTokens);
        expect(result.candidates).toEqual(fitting);
        expect(result.rejected).toBe(list.length > 0 && fitting.length === 0 ? 'context_length' : undefined);
      }),
    );
  });
});
