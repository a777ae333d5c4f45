/**
 * What a routing strategy sees of a provider, and what it is asked. Candidates are live:
 * the engine implements the state fields as getters over the provider actor's snapshot, so
 * strategies read each field once per candidate and never hold on to candidates.
 */
import type { Random } from '../core/random.js';
import type { Pricing } from '../core/types.js';

/** A provider as a strategy sees it: static config plus live state (the engine implements the live fields as getters over the actor snapshot). */
export interface Candidate {
  readonly name: string;
  /** Position in the route's provider list. */
  readonly index: number;
  /** Lower is tried first. */
  readonly priority: number;
  readonly weight: number;
  readonly pricing: Pricing | undefined;
  readonly contextWindow: number | undefined;
  readonly capabilities: readonly string[];
  /** May get traffic: the state has tag `selectable`, or tag `probe` with a probe permit left. */
  readonly selectable: boolean;
  /** The state has tag `degraded`. */
  readonly degraded: boolean;
  /** `healthy` | `degraded` | `open` | `half_open` | `rate_limited` | `disabled` | a custom state. */
  readonly state: string;
  /** EWMA time to first token; `undefined` = no data yet. */
  readonly latencyMs: number | undefined;
  /** The latency sample is older than the health window (and nothing is under way to renew it). @default false */
  readonly latencyStale?: boolean;
  readonly inFlight: number;
  readonly cooldownUntil: number | undefined;
  readonly rateLimitedUntil: number | undefined;
}

/** Per-request facts a strategy may use. */
export interface SelectionContext {
  estimatedInputTokens: number;
  estimatedOutputTokens: number;
  /** Per-route request counter (round-robin). */
  sequence: number;
  /** Seeded. */
  random: Random;
}

/** Picks the best candidate not in `exclude`, or undefined. Never returns a non-selectable or excluded candidate. */
export type Strategy = (candidates: readonly Candidate[], exclude: ReadonlySet<string>, context: SelectionContext) => Candidate | undefined;

/** True when `candidate` may be picked: selectable and not excluded. */
export function isEligible(candidate: Candidate, exclude: ReadonlySet<string>): boolean {
  return candidate.selectable && (exclude.size === 0 || !exclude.has(candidate.name));
}
