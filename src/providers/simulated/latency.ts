/**
 * Simulated time to first token: a fixed number, or a log-normal distribution fitted so its
 * median is `p50` and its 99th percentile is `p99`.
 */
import type { SimulatedOptions } from '../../config/types.js';

/** The standard normal's 99th percentile: a log-normal's p99/p50 ratio is `exp(sigma * Z99)`. */
export const Z99 = 2.326;

/** Parameters of the log-normal (of the natural log of the latency) fitted to p50 and p99. */
export function fitLogNormal(p50: number, p99: number): { mu: number; sigma: number } {
  return { mu: Math.log(p50), sigma: Math.max(0, Math.log(p99 / p50)) / Z99 };
}

/**
 * One latency in whole milliseconds from two uniform draws in [0, 1) (Box–Muller), so a
 * call always consumes the same number of draws whatever the configuration.
 */
export function sampleLatency(spec: SimulatedOptions['latencyMs'], u1: number, u2: number): number {
  if (typeof spec === 'number') return Math.round(spec);
  const { mu, sigma } = fitLogNormal(spec.p50, spec.p99);
  const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  return Math.round(Math.exp(mu + sigma * z));
}
