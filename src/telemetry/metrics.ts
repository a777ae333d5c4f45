/**
 * Prometheus metrics (CONTRACT §4) on a registry of their own (never prom-client's global
 * one), fed by the engine's events; provider states and in-flight requests are read when
 * scraped.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SwitchyardConfig } from '../config/types.js';
import type { Switchyard } from '../engine/switchyard.js';
import type { RequestFinishedEvent } from '../engine/events.js';

/** States every provider reports a 0/1 sample for; custom states are added when seen. */
const STATES = ['healthy', 'degraded', 'open', 'half_open', 'rate_limited', 'disabled'];

/** The gateway's metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** Counts a request the engine finished; `status` is its HTTP status. */
  finished(event: RequestFinishedEvent, status: number): void;
  /** Counts a request the gateway answered itself (bad input, bad key, unknown route), after `latencyMs`. */
  rejected(status: number, route: string | undefined, latencyMs: number): void;
  /** Counts a configuration reload that changed nothing: an invalid file, or a read that failed (applied ones are counted from the engine's `config.updated`). */
  reloadRefused(): void;
  /** The exposition text. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Creates the metric families and subscribes them to `engine`; `detach()` undoes it. */
export function createMetrics(engine: Switchyard): Metrics & { detach(): void } {
  const registry = new Registry();
  const requests = new Counter({ name: 'switchyard_requests_total', help: 'Client requests by route, answering provider and HTTP status.', labelNames: ['route', 'provider', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Client request duration in seconds, to the end of the answer.',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const attempts = new Counter({ name: 'switchyard_upstream_attempts_total', help: 'Upstream calls by provider and outcome (ok or an error kind).', labelNames: ['provider', 'outcome'], registers: [registry] });
  const failovers = new Counter({ name: 'switchyard_failovers_total', help: 'Times a request moved on to another provider.', labelNames: ['route'], registers: [registry] });
  const tokens = new Counter({ name: 'switchyard_tokens_total', help: 'Tokens by provider and direction (input or output).', labelNames: ['provider', 'direction'], registers: [registry] });
  const cost = new Counter({ name: 'switchyard_cost_usd_total', help: 'Spend in USD by provider.', labelNames: ['provider'], registers: [registry] });
  const cacheHits = new Counter({ name: 'switchyard_cache_hits_total', help: 'Requests answered from the response cache.', registers: [registry] });
  const reloads = new Counter({ name: 'switchyard_config_reloads_total', help: 'Configuration reloads by result: applied, or refused (nothing changed: an invalid file, or a read that failed).', labelNames: ['result'], registers: [registry] });
  reloads.inc({ result: 'applied' }, 0);
  reloads.inc({ result: 'refused' }, 0);
  new Gauge({
    name: 'switchyard_in_flight_requests',
    help: 'Client requests under way.',
    registers: [registry],
    collect() {
      this.set(engine.inFlight);
    },
  });
  const known = new Set(STATES);
  new Gauge({
    name: 'switchyard_provider_state',
    help: 'Provider state: 1 for the current state, else 0.',
    labelNames: ['provider', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      const providers = engine.providers();
      for (const provider of providers) known.add(provider.state);
      for (const provider of providers) for (const state of known) this.set({ provider: provider.name, state }, provider.state === state ? 1 : 0);
    },
  });

  // Label values come from configuration only: a client's unknown `model` must not become a series.
  // The set of known names follows config reloads (a new config is a new object).
  let labelsOf: SwitchyardConfig | undefined;
  let labels = new Set<string>();
  const routeLabel = (route: string) => {
    if (labelsOf !== engine.config) {
      labelsOf = engine.config;
      labels = new Set([...Object.keys(labelsOf.routes), ...labelsOf.providers.map((p) => p.name)]);
    }
    return labels.has(route) ? route : 'none';
  };
  const unsubscribeAttempts = engine.on('attempt.finished', (event) => attempts.inc({ provider: event.attempt.provider, outcome: event.attempt.kind }));
  const unsubscribeReloads = engine.on('config.updated', () => reloads.inc({ result: 'applied' }));
  return {
    registry,
    contentType: registry.contentType,
    finished(event, status) {
      const route = routeLabel(event.route);
      requests.inc({ route, provider: event.answered ? (event.provider ?? 'none') : 'none', status: String(status) });
      duration.observe({ route }, event.latencyMs / 1000);
      let moves = 0;
      for (let i = 1; i < event.attempts.length; i++) if (event.attempts[i]!.provider !== event.attempts[i - 1]!.provider) moves++;
      if (moves > 0) failovers.inc({ route }, moves);
      if (event.status === 'ok' && event.provider !== undefined) {
        if (event.inputTokens !== undefined) tokens.inc({ provider: event.provider, direction: 'input' }, event.inputTokens);
        if (event.outputTokens !== undefined) tokens.inc({ provider: event.provider, direction: 'output' }, event.outputTokens);
        if (event.costUsd !== undefined) cost.inc({ provider: event.provider }, event.costUsd);
      }
      if (event.cacheHit) cacheHits.inc();
    },
    rejected(status, route, latencyMs) {
      requests.inc({ route: route ?? 'none', provider: 'none', status: String(status) });
      duration.observe({ route: route ?? 'none' }, latencyMs / 1000);
    },
    reloadRefused: () => reloads.inc({ result: 'refused' }),
    render: () => registry.metrics(),
    detach: () => {
      unsubscribeAttempts();
      unsubscribeReloads();
    },
  };
}
