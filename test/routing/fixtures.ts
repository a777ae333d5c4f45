/** Candidate builders and fast-check arbitraries shared by the routing tests. */
import fc from 'fast-check';
import { createRandom } from '../../src/core/random.js';
import type { Candidate, SelectionContext } from '../../src/routing/candidate.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A healthy, selectable candidate at `index`, with `overrides` applied. */
export function candidate(index: number, overrides: Partial<Candidate> = {}): Candidate {
  const base: Mutable<Candidate> = {
    name: `p${index}`,
    index,
    priority: 1,
    weight: 1,
    pricing: undefined,
    contextWindow: undefined,
    capabilities: [],
    selectable: true,
    degraded: false,
    state: 'healthy',
    latencyMs: undefined,
    inFlight: 0,
    cooldownUntil: undefined,
    rateLimitedUntil: undefined,
  };
  return { ...base, ...overrides };
}

/** Candidates built from a list of overrides, indexed by position. */
export function candidates(...overrides: Partial<Candidate>[]): Candidate[] {
  return overrides.map((o, i) => candidate(i, o));
}

/** A selection context with a seeded random. */
export function selection(overrides: Partial<SelectionContext> = {}): SelectionContext {
  return { estimatedInputTokens: 1000, estimatedOutputTokens: 256, sequence: 0, random: createRandom(1), ...overrides };
}

const STATES = ['healthy', 'degraded', 'open', 'half_open', 'rate_limited', 'disabled', 'warming'] as const;

/** One arbitrary candidate's fields, excluding its name and index. */
const candidateFields = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  weight: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.01, max: 10, noNaN: true })),
  pricing: fc.option(fc.record({ inputPerMTok: fc.integer({ min: 0, max: 20 }), outputPerMTok: fc.integer({ min: 0, max: 60 }) }), { nil: undefined }),
  contextWindow: fc.option(fc.integer({ min: 1000, max: 200_000 }), { nil: undefined }),
  capabilities: fc.subarray(['code', 'reasoning', 'vision']),
  selectable: fc.boolean(),
  degraded: fc.boolean(),
  state: fc.constantFrom(...STATES),
  latencyMs: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
  inFlight: fc.integer({ min: 0, max: 6 }),
  cooldownUntil: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
  rateLimitedUntil: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
});

/** A route's candidate list (0 to 12 candidates with many ties), indexed by position. */
export const candidateList = fc
  .array(candidateFields, { maxLength: 12 })
  .map((list) => list.map((fields, i) => candidate(i, fields)));

/** A candidate list plus an exclusion set drawn from its names (and one unknown name). */
export const listWithExclusions = candidateList.chain((list) =>
  fc.tuple(fc.constant(list), fc.subarray([...list.map((c) => c.name), 'unknown']).map((names) => new Set(names))),
);

/** A selection context with a seeded random. */
export const selectionContext = fc
  .record({
    estimatedInputTokens: fc.integer({ min: 0, max: 100_000 }),
    estimatedOutputTokens: fc.integer({ min: 0, max: 4096 }),
    sequence: fc.nat(),
    seed: fc.integer(),
  })
  .map(({ seed, ...rest }): SelectionContext => ({ ...rest, random: createRandom(seed) }));
