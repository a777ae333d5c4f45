import { describe, expect, it } from 'vitest';
import type { StrategyName } from '../../src/config/types.js';
import { createRandom } from '../../src/core/random.js';
import type { Candidate } from '../../src/routing/candidate.js';
import { panicCandidate, rateLimitRetryAfter } from '../../src/routing/panic.js';
import { STRATEGIES } from '../../src/routing/strategies.js';
import { candidate } from './fixtures.js';

/** Candidates whose every field is a counting getter, as the engine's live candidates are getters. */
function countingCandidates(n: number): { list: Candidate[]; reads: () => number } {
  let reads = 0;
  const list = Array.from({ length: n }, (_, i) => {
    // Many ties (priority, latency, cost, load) so tie-breaks run too.
    const fields = candidate(i, {
      priority: i % 3,
      latencyMs: i % 7 === 0 ? undefined : 100 + (i % 5),
      inFlight: i % 4,
      degraded: i % 11 === 0,
      selectable: i % 13 !== 0,
      pricing: i % 9 === 0 ? undefined : { inputPerMTok: 1 + (i % 3), outputPerMTok: 2 },
      state: i % 13 === 0 ? 'open' : 'healthy',
      cooldownUntil: i % 13 === 0 ? 5000 - i : undefined,
    });
    const live = {} as Candidate;
    for (const [key, value] of Object.entries(fields)) {
      Object.defineProperty(live, key, { get: () => (reads++, value), enumerable: true });
    }
    return live;
  });
  return { list, reads: () => reads };
}

describe('selection is one pass (reads per candidate are bounded, so no sorting)', () => {
  const NAMES = Object.keys(STRATEGIES) as StrategyName[];
  it.each(NAMES)('%s reads at most 8 fields per candidate over 1000 candidates', (name) => {
    const { list, reads } = countingCandidates(1000);
    const exclude = new Set(['p1', 'p2']);
    const context = { estimatedInputTokens: 1000, estimatedOutputTokens: 200, sequence: 12345, random: createRandom(3) };
    expect(STRATEGIES[name](list, exclude, context)).toBeDefined();
    expect(reads()).toBeLessThanOrEqual(8 * 1000);
  });

  it('panic and Retry-After are one pass too', () => {
    const { list, reads } = countingCandidates(1000);
    expect(panicCandidate(list, new Set())).toBeDefined();
    rateLimitRetryAfter(list, 0);
    expect(reads()).toBeLessThanOrEqual(8 * 1000);
  });
});
