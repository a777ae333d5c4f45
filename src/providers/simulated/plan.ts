/**
 * What one simulated call will do, decided when it starts: answer after a latency, fail after
 * a latency, or hang until aborted. Pure, so every rule is testable without a clock.
 */
import type { Incident, SimulatedOptions } from '../../config/types.js';
import { ProviderError } from '../../core/errors.js';
import { sampleLatency } from './latency.js';

/** Latency of the fast failures of `error` and `rate_limit` incidents (capped by the sampled one; a `slow` incident replaces it). */
export const FAST_FAILURE_MS = 20;
/** A `slow` incident without `latencyMs` multiplies the sampled latency by this. */
export const DEFAULT_SLOW_FACTOR = 10;
/** A `flaky` incident without `failureRate` fails this share of calls. */
export const DEFAULT_FLAKY_RATE = 0.5;

/** Uniform draws in [0, 1) for one call; always the same four, so outcomes stay aligned. */
export interface CallDraws {
  latency: [number, number];
  failure: number;
  flaky: number;
}

/** The fate of one call. `hang` never answers: only the caller's signal ends it. */
export type CallPlan =
  | { outcome: 'answer'; latencyMs: number }
  | { outcome: 'fail'; latencyMs: number; error: ProviderError }
  | { outcome: 'hang' };

/**
 * Decides a call from the provider's options, the incidents active when it starts and its
 * draws. Precedence: timeout, error, rate_limit, flaky, then the base `failureRate`; a `slow`
 * incident sets the latency of the answer or failure that remains (a timeout still hangs).
 */
export function planCall(provider: string, options: SimulatedOptions, active: readonly Incident[], draws: CallDraws): CallPlan {
  const sampled = sampleLatency(options.latencyMs, draws.latency[0], draws.latency[1]);
  const slow = active.filter((incident) => incident.mode === 'slow');
  const latencyMs =
    slow.length === 0 ? sampled : Math.max(...slow.map((incident) => incident.latencyMs ?? sampled * DEFAULT_SLOW_FACTOR));
  // A `slow` incident delays whatever remains, fast failures included.
  const fastMs = slow.length === 0 ? Math.min(sampled, FAST_FAILURE_MS) : latencyMs;
  const has = (mode: Incident['mode']) => active.find((incident) => incident.mode === mode);

  if (has('timeout')) return { outcome: 'hang' };
  if (has('error')) {
    const error = new ProviderError({ provider, kind: 'server', status: 503, message: 'simulated outage: service unavailable' });
    return { outcome: 'fail', latencyMs: fastMs, error };
  }
  const limited = has('rate_limit');
  if (limited) {
    const retryAfterMs = limited.retryAfterS === undefined ? undefined : limited.retryAfterS * 1000;
    const error = new ProviderError({ provider, kind: 'rate_limit', status: 429, message: 'simulated rate limit', retryAfterMs });
    return { outcome: 'fail', latencyMs: fastMs, error };
  }
  const flakyRate = Math.max(0, ...active.filter((i) => i.mode === 'flaky').map((i) => i.failureRate ?? DEFAULT_FLAKY_RATE));
  if (draws.flaky < flakyRate || draws.failure < options.failureRate) {
    const error = new ProviderError({ provider, kind: 'server', status: 500, message: 'simulated internal server error' });
    return { outcome: 'fail', latencyMs, error };
  }
  return { outcome: 'answer', latencyMs };
}
