/**
 * What to do when no candidate is selectable. Envoy's panic mode, narrowed: one attempt on the
 * open candidate closest to recovery; rate-limited and disabled candidates are never forced.
 */
import type { Candidate } from './candidate.js';

/**
 * The non-excluded candidate in state `open` whose cooldown ends soonest (unknown cooldown
 * last, ties by index), or undefined. Call it only after the strategy found nothing, at most once per request.
 */
export function panicCandidate<C extends Candidate>(candidates: readonly C[], exclude: ReadonlySet<string>): C | undefined {
  let best: C | undefined;
  let bestUntil = 0;
  for (const c of candidates) {
    if (c.state !== 'open' || (exclude.size !== 0 && exclude.has(c.name))) continue;
    const until = c.cooldownUntil ?? Infinity;
    if (best === undefined || until < bestUntil || (until === bestUntil && c.index < best.index)) {
      best = c;
      bestUntil = until;
    }
  }
  return best;
}

/**
 * Milliseconds (rounded up, at least 0) until the first rate-limited candidate accepts calls
 * again, for a 429's Retry-After; undefined when no candidate is rate limited with a known deadline.
 */
export function rateLimitRetryAfter(candidates: readonly Candidate[], now: number): number | undefined {
  let soonest = Infinity;
  for (const c of candidates) {
    if (c.state !== 'rate_limited') continue;
    const until = c.rateLimitedUntil;
    if (until !== undefined && until < soonest) soonest = until;
  }
  return soonest === Infinity ? undefined : Math.max(0, Math.ceil(soonest - now));
}
