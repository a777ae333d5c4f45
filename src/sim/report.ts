/**
 * The simulation report (CONTRACT §5): built from {@link RunStats} once a run ends. The same
 * scenario and seed always give the same report (no wall-clock figure is part of it).
 */
import { STATES, round, type RunStats, type Transition } from './stats.js';

/** Which router ran the scenario. */
export type Policy = 'switchyard' | 'naive';

/** One provider's part of a report. */
export interface ProviderReport {
  /** Upstream calls made to it. */
  requests: number;
  successes: number;
  /** Calls that failed (5xx, timeouts, 429s). */
  failures: number;
  /** Failed calls that were 429s. */
  rateLimited: number;
  /** Share of the answered client requests that this provider answered (0..1). */
  share: number;
  costUsd: number;
  /** Seconds spent in each state over the scenario. */
  timeInStateS: Record<string, number>;
  transitions: Transition[];
  /** Transitions beyond the first {@link MAX_TRANSITIONS}, counted but not listed. */
  transitionsTruncated: number;
}

/** The `--json` report. */
export interface SimulationReport {
  scenario: string;
  policy: Policy;
  seed: number;
  durationS: number;
  /** Client requests that arrived during the scenario (each ends in exactly one outcome). */
  requests: number;
  succeeded: number;
  failed: number;
  /** `failed / requests`. */
  errorRate: number;
  /** Failed client requests by error code (`all_attempts_failed`, `rate_limited`, …). */
  errors: Record<string, number>;
  /** End-to-end latency of the succeeded requests (streams: to the last part). */
  /** `null` when no request succeeded (there is no latency to report, not a latency of 0). */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  attempts: { total: number; wasted: number; perRequest: number };
  costUsd: number;
  byProvider: Record<string, ProviderReport>;
}

/** Builds the report of a finished run. */
export function buildReport(stats: RunStats, meta: { scenario: string; policy: Policy; seed: number; durationS: number }): SimulationReport {
  const byProvider: Record<string, ProviderReport> = {};
  for (const [name, totals] of stats.providers) {
    const timeInStateS: Record<string, number> = {};
    for (const state of STATES) timeInStateS[state] = 0;
    for (const [state, ms] of totals.timeInStateMs) timeInStateS[state] = round(ms / 1000, 3);
    byProvider[name] = {
      requests: totals.calls,
      successes: totals.successes,
      failures: totals.failures,
      rateLimited: totals.rateLimited,
      share: stats.succeeded === 0 ? 0 : round(totals.successes / stats.succeeded, 4),
      costUsd: round(totals.costUsd, 6),
      timeInStateS,
      transitions: totals.transitions,
      transitionsTruncated: totals.transitionsTruncated,
    };
  }
  return {
    ...meta,
    requests: stats.requests,
    succeeded: stats.succeeded,
    failed: stats.failed,
    errorRate: stats.requests === 0 ? 0 : round(stats.failed / stats.requests, 6),
    errors: Object.fromEntries([...stats.errors].sort(([a], [b]) => a.localeCompare(b))),
    latencyMs:
      stats.succeeded === 0
        ? { p50: null, p95: null, p99: null }
        : {
            p50: round(stats.latency.quantile(0.5), 1),
            p95: round(stats.latency.quantile(0.95), 1),
            p99: round(stats.latency.quantile(0.99), 1),
          },
    attempts: { total: stats.attempts, wasted: stats.wasted, perRequest: stats.requests === 0 ? 0 : round(stats.attempts / stats.requests, 4) },
    costUsd: round(stats.costUsd, 6),
    byProvider,
  };
}
