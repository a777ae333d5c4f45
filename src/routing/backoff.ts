/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * a uniform delay between 0 and the capped exponential.
 */
import type { Random } from '../core/random.js';

/** Backoff settings, as in `routing.backoff`. */
export interface BackoffOptions {
  /** @default 100 */
  baseMs: number;
  /** @default 2000 */
  maxMs: number;
}

/** The ceiling of retry `retryIndex` (0-based): min(maxMs, baseMs · 2^retryIndex), never negative. */
export function backoffCeiling(retryIndex: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(0, Math.floor(retryIndex)), 1023);
  const base = Math.max(0, options.baseMs);
  const ceiling = Math.min(Math.max(0, options.maxMs), base * 2 ** exponent);
  return Number.isNaN(ceiling) ? 0 : ceiling;
}

/** A delay in [0, min(maxMs, baseMs · 2^retryIndex)] drawn from `random`. */
export function fullJitterBackoff(retryIndex: number, options: BackoffOptions, random: Random): number {
  return random() * backoffCeiling(retryIndex, options);
}
