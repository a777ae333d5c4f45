/**
 * The six routing strategies of CONTRACT §2. Each is one pass over the candidates with no
 * allocation: it keeps the best candidate seen so far, reads each live field at most once per
 * candidate, and reads tie-break fields only on ties. Degraded candidates get
 * {@link DEGRADED_WEIGHT} of a healthy one's share.
 */
import type { StrategyName } from '../config/types.js';
import { isEligible, type Candidate, type SelectionContext, type Strategy } from './candidate.js';

/** A degraded candidate's share relative to a healthy one (weights, penalties, round-robin turns). */
export const DEGRADED_WEIGHT = 0.25;

/** Round-robin gives a degraded candidate its turn once every this many rounds. */
export const DEGRADED_ROUND_PERIOD = Math.round(1 / DEGRADED_WEIGHT);

/** Lowest priority; among equal priority non-degraded first, then lowest index. */
export const priority: Strategy = (candidates, exclude) => {
  let best: Candidate | undefined;
  let bestPriority = 0;
  let bestDegraded: boolean | undefined; // read lazily: only ties need it
  for (const c of candidates) {
    if (!isEligible(c, exclude)) continue;
    const p = c.priority;
    if (best === undefined || p < bestPriority) {
      best = c;
      bestPriority = p;
      bestDegraded = undefined;
      continue;
    }
    if (p !== bestPriority) continue;
    bestDegraded ??= best.degraded;
    const d = c.degraded;
    if (d !== bestDegraded ? !d : c.index < best.index) {
      best = c;
      bestDegraded = d;
    }
  }
  return best;
};

/**
 * Starts at `sequence % n` and takes the first eligible candidate scanning forward. A
 * degraded candidate is taken only on its own turn in one round out of
 * {@link DEGRADED_ROUND_PERIOD} (otherwise its turn passes on), or when nothing healthier is eligible.
 */
export const roundRobin: Strategy = (candidates, exclude, context) => {
  const n = candidates.length;
  if (n === 0) return undefined;
  const sequence = Math.floor(context.sequence);
  const start = ((sequence % n) + n) % n;
  const degradedTurn = Math.floor(sequence / n) % DEGRADED_ROUND_PERIOD === 0;
  let fallback: Candidate | undefined;
  for (let step = 0; step < n; step++) {
    const position = start + step < n ? start + step : start + step - n;
    const c = candidates[position]!;
    if (!isEligible(c, exclude)) continue;
    if (!c.degraded || (step === 0 && degradedTurn)) return c;
    fallback ??= c;
  }
  return fallback;
};

/**
 * A random draw proportional to weight (× {@link DEGRADED_WEIGHT} when degraded), in one pass
 * (weighted reservoir sampling). When no eligible candidate has a positive weight, falls back to {@link priority}.
 */
export const weighted: Strategy = (candidates, exclude, context) => {
  // Chao's reservoir keeps item j with probability w_j / W_j. Given the last keep at total W,
  // no keep happens through total W' with probability W / W', so one draw u says where the
  // next keep is: at the first total above W / u. Same distribution, about ln n draws, not n.
  let picked: Candidate | undefined;
  let total = 0;
  let threshold = 0;
  for (const c of candidates) {
    if (!isEligible(c, exclude)) continue;
    let weight = c.weight;
    if (!(weight > 0 && weight < Infinity)) continue;
    if (c.degraded) weight *= DEGRADED_WEIGHT;
    total += weight;
    if (total > threshold) {
      picked = c;
      threshold = total / (1 - context.random());
    }
  }
  return picked ?? priority(candidates, exclude, context);
};

/**
 * Lowest latency; unknown latency counts as 0 so new providers get explored; a degraded
 * candidate's latency counts as latency / {@link DEGRADED_WEIGHT}. Ties: non-degraded, then index.
 * A stale sample (`latencyStale`) counts as 0 too, so the provider is measured again, but
 * only while some other eligible candidate has a fresh one: when every sample is stale
 * (sparse traffic), the stale values are still the best knowledge and are compared as they
 * are. Never-measured candidates go before stale ones on a tie. One pass, two running picks.
 */
export const leastLatency: Strategy = (candidates, exclude) => {
  let anyFresh = false;
  // `explore`: stale counts as 0; `known`: stale counts as its value.
  let explore: Candidate | undefined;
  let exploreScore = 0;
  let exploreRank = 0;
  let known: Candidate | undefined;
  let knownScore = 0;
  let knownRank = 0;
  for (const c of candidates) {
    if (!isEligible(c, exclude)) continue;
    const d = c.degraded;
    const latency = c.latencyMs;
    const stale = latency !== undefined && c.latencyStale === true;
    if (latency !== undefined && !stale) anyFresh = true;
    const value = latency ?? 0;
    const score = d ? value / DEGRADED_WEIGHT : value;
    // Tie rank: healthy before degraded; never measured before stale; then list order.
    const rank = (d ? 4 : 0) + (stale ? 2 : 0);
    const exploreAs = stale ? 0 : score;
    if (explore === undefined || before(exploreAs, rank, c, exploreScore, exploreRank, explore)) {
      explore = c;
      exploreScore = exploreAs;
      exploreRank = rank;
    }
    if (known === undefined || before(score, rank, c, knownScore, knownRank, known)) {
      known = c;
      knownScore = score;
      knownRank = rank;
    }
  }
  return anyFresh ? explore : known;
};

/** Whether `c` (with `score` and tie `rank`) goes before the running pick: lower score, then rank, then list order. */
function before(score: number, rank: number, c: Candidate, bestScore: number, bestRank: number, best: Candidate): boolean {
  return score < bestScore || (score === bestScore && (rank < bestRank || (rank === bestRank && c.index < best.index)));
}

/**
 * Lowest estimated cost (pricing × estimated tokens). Unknown pricing sorts after every known
 * price: we cannot claim it is cheap. Ties: non-degraded, then priority, then index.
 */
export const lowestCost: Strategy = (candidates, exclude, context) => {
  const input = context.estimatedInputTokens;
  const output = context.estimatedOutputTokens;
  let best: Candidate | undefined;
  let bestCost = 0;
  let bestDegraded: boolean | undefined; // read lazily: only ties need it
  for (const c of candidates) {
    if (!isEligible(c, exclude)) continue;
    const pricing = c.pricing;
    const cost = pricing === undefined ? Infinity : input * pricing.inputPerMTok + output * pricing.outputPerMTok;
    if (best === undefined || cost < bestCost) {
      best = c;
      bestCost = cost;
      bestDegraded = undefined;
      continue;
    }
    if (cost !== bestCost) continue;
    bestDegraded ??= best.degraded;
    const d = c.degraded;
    if (d !== bestDegraded ? !d : c.priority !== best.priority ? c.priority < best.priority : c.index < best.index) {
      best = c;
      bestDegraded = d;
    }
  }
  return best;
};

/**
 * Fewest requests in flight; a degraded candidate counts as (inFlight + 1) / {@link DEGRADED_WEIGHT}.
 * Ties: lower latency (unknown counts as 0), then index.
 */
export const leastBusy: Strategy = (candidates, exclude) => {
  let best: Candidate | undefined;
  let bestLoad = 0;
  let bestLatency = NaN; // read lazily: only ties need it
  for (const c of candidates) {
    if (!isEligible(c, exclude)) continue;
    const load = c.degraded ? (c.inFlight + 1) / DEGRADED_WEIGHT : c.inFlight;
    if (best === undefined || load < bestLoad) {
      best = c;
      bestLoad = load;
      bestLatency = NaN;
      continue;
    }
    if (load !== bestLoad) continue;
    if (Number.isNaN(bestLatency)) bestLatency = best.latencyMs ?? 0;
    const latency = c.latencyMs ?? 0;
    if (latency < bestLatency || (latency === bestLatency && c.index < best.index)) {
      best = c;
      bestLatency = latency;
    }
  }
  return best;
};

/** Every strategy by its configuration name. */
export const STRATEGIES: Record<StrategyName, Strategy> = {
  priority,
  'round-robin': roundRobin,
  weighted,
  'least-latency': leastLatency,
  'lowest-cost': lowestCost,
  'least-busy': leastBusy,
};
