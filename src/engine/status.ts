/**
 * A provider's public status: the shape of `GET /providers` (CONTRACT §3). Never contains a
 * credential.
 */
import { wallTime } from '../core/clock.js';
import type { ProviderHandle } from './provider-handle.js';

/** Operator actions on a provider actor. */
export type OperatorAction = 'disable' | 'enable' | 'open' | 'reset';

/** The operator actions, for checking an action that came from outside the type system. */
export const OPERATOR_ACTIONS: ReadonlySet<string> = new Set<OperatorAction>(['disable', 'enable', 'open', 'reset']);

export interface ProviderStatus {
  name: string;
  type: string;
  model: string;
  state: string;
  /** May get traffic now (what the router obeys). */
  selectable: boolean;
  /** Recovering: in a probe state (half_open), admitting a few trial calls. */
  probing: boolean;
  /** Attempts under way, including those still running on an actor a reload replaced. */
  inFlight: number;
  requests: number;
  failures: number;
  /** Smoothed time to first token, ms; null before the first success. */
  latencyMs: number | null;
  /**
   * Successes / (successes + failures): the share of calls that judged the provider. Client
   * aborts, client errors (400) and rate limits (429) are not counted, as in the health
   * window. Null before the first judged call.
   */
  successRate: number | null;
  consecutiveFailures: number;
  /** ISO time when an open breaker admits probes again; null when not open. */
  cooldownUntil: string | null;
  /** ISO time when a rate limit ends; null when not rate limited. */
  rateLimitedUntil: string | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  tripCount: number;
  disabledReason: string | null;
}

/** Builds the status of one provider from its live view. */
export function providerStatus(handle: ProviderHandle): ProviderStatus {
  const view = handle.view;
  const stats = view.stats;
  const iso = (at: number | undefined) => (at === undefined ? null : new Date(wallTime(handle.clock, at)).toISOString());
  return {
    name: handle.name,
    type: handle.config.type,
    model: handle.config.model,
    state: handle.state,
    selectable: handle.selectable,
    probing: handle.probing,
    inFlight: view.inFlight + handle.drainingInFlight,
    requests: stats.requests,
    failures: stats.failures,
    latencyMs: view.latencyMs === undefined ? null : Math.round(view.latencyMs * 10) / 10,
    successRate: stats.successes + stats.failures === 0 ? null : stats.successes / (stats.successes + stats.failures),
    consecutiveFailures: view.consecutiveFailures,
    cooldownUntil: handle.state === 'open' ? iso(view.cooldownUntil) : null,
    rateLimitedUntil: handle.state === 'rate_limited' ? iso(view.rateLimitedUntil) : null,
    costUsd: stats.costUsd,
    inputTokens: stats.inputTokens,
    outputTokens: stats.outputTokens,
    tripCount: view.tripCount,
    disabledReason: handle.state === 'disabled' ? (view.disabledReason ?? null) : null,
  };
}
