/**
 * The naive baseline of `--compare naive`: what most hand-written routers do. It runs on the
 * same engine and the same seed; only configuration and the provider machine's named
 * guards change. Exactly what it disables:
 *
 * - **no breaker**: `outcomeOpens` and `outcomeDegrades` never hold, so a provider never
 *   leaves `healthy` (no `open`, no `half_open`, no `degraded`), whatever fails;
 * - **no rate-limit parking**: a 429 is recorded but does not move the provider to
 *   `rate_limited`; the next request calls it again;
 * - **try in order on every request**: the route's strategy becomes `priority` and
 *   `routing.maxAttempts` the number of providers in the route (each tried once);
 * - **no retry budget**: the budget is made too large to ever refuse a retry.
 *
 * Per-attempt timeouts, the request deadline and backoff stay as configured.
 */
import { providerSetup, buildProviderConfig } from '../../machines/provider.machine.js';
import type { SwitchyardConfig } from '../config/types.js';
import type { ProviderMachine } from '../engine/provider-handle.js';

/** A retry budget no run can exhaust. */
const UNLIMITED = 1e12;

function naiveMachineConfig() {
  const config = buildProviderConfig();
  const healthy = config.states!.healthy!;
  return {
    ...config,
    states: {
      ...config.states,
      healthy: { ...healthy, on: { ...healthy.on, 'attempt.rate_limited': { actions: 'settleReport' as const } } },
    },
  };
}

/** The provider machine with the breaker and rate-limit parking switched off (see the module doc). */
export const naiveProviderMachine = providerSetup
  .createMachine(naiveMachineConfig())
  .provide({ guards: { outcomeOpens: () => false, outcomeDegrades: () => false } }) as unknown as ProviderMachine;

/**
 * The raw configuration of the naive baseline: the same providers and incidents, with the
 * scenario's route turned into "try each in priority order" and no retry budget.
 */
export function naiveConfig(raw: Record<string, unknown>, parsed: SwitchyardConfig, route: string): Record<string, unknown> {
  const routes = { ...(raw.routes as Record<string, unknown> | undefined) };
  const target = Object.hasOwn(parsed.routes, route) ? route : route === 'auto' ? 'default' : undefined;
  let members = 1;
  if (target !== undefined) {
    const providers = parsed.routes[target]!.providers;
    routes[target] = { providers, strategy: 'priority' };
    members = providers.length;
  }
  const routing = (raw.routing as Record<string, unknown> | undefined) ?? {};
  return {
    ...raw,
    routes,
    routing: { ...routing, maxAttempts: members, retryBudget: { ratio: UNLIMITED, minPerSecond: UNLIMITED } },
  };
}
