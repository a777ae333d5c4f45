/**
 * The whole configuration schema (CONTRACT §2): sections, cross-references between them
 * (routes name providers, rules name routes) and the implicit `default` route. Parsing
 * with it yields exactly a {@link SwitchyardConfig}.
 */
import { z } from 'zod';
import { gated } from './gates.js';
import { didYouMean, EVEN_IF_INVALID, int, strict } from './primitives.js';
import { providerSchema } from './provider-schema.js';
import {
  budgetSchema,
  cacheSchema,
  healthSchema,
  logSchema,
  routeSchema,
  routingSchema,
  ruleSchema,
  serverSchema,
  storeSchema,
} from './sections.js';
import type { SwitchyardConfig } from './types.js';

/** The route used when a request names no model, `auto` or `default`. */
export const DEFAULT_ROUTE = 'default';

const rootFields = {
  server: serverSchema,
  providers: z.array(providerSchema).min(1),
  routes: z.record(z.string().min(1), routeSchema).optional(),
  rules: z.array(ruleSchema).default([]),
  routing: routingSchema,
  health: healthSchema,
  budget: gated('budget', budgetSchema),
  cache: gated('cache', cacheSchema),
  store: gated('store', storeSchema),
  log: logSchema,
  seed: int().optional(),
};

type RootInput = z.output<ReturnType<typeof strict<typeof rootFields>>>;

/** Validates a configuration object (after `${VAR}` interpolation) into a {@link SwitchyardConfig}. */
export const configSchema = strict(rootFields)
  .superRefine(checkReferences, EVEN_IF_INVALID)
  .transform(toConfig);

/**
 * Provider names are unique, routes name existing providers, rules name existing routes.
 * Runs even when other parts failed, on whatever parsed, so every problem shows at once.
 */
function checkReferences(config: RootInput, ctx: z.RefinementCtx): void {
  if (typeof config !== 'object' || config === null || !Array.isArray(config.providers)) return;
  const providers = new Map<string, number>();
  config.providers.forEach((provider: unknown, index) => {
    const name = (provider as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string') return;
    const first = providers.get(name);
    if (first === undefined) providers.set(name, index);
    else ctx.addIssue({ code: 'custom', path: ['providers', index, 'name'], message: `duplicate provider name "${name}" (first used by providers[${first}])` });
  });

  const routes = isRecord(config.routes) ? config.routes : {};
  if (Object.hasOwn(routes, 'auto')) {
    ctx.addIssue({ code: 'custom', path: ['routes', 'auto'], message: 'reserved: model "auto" always means the default route' });
  }
  for (const [routeName, route] of Object.entries(routes)) {
    const names: unknown = (route as { providers?: unknown } | undefined)?.providers;
    if (!Array.isArray(names)) continue;
    const seen = new Set<string>();
    names.forEach((name: unknown, index) => {
      if (typeof name !== 'string') return;
      const path = ['routes', routeName, 'providers', index];
      if (!providers.has(name)) {
        ctx.addIssue({ code: 'custom', path, message: `unknown provider "${name}"${didYouMean(name, providers.keys())}` });
      } else if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path, message: `provider "${name}" is listed twice` });
      }
      seen.add(name);
    });
  }

  const routeNames = new Set([DEFAULT_ROUTE, ...Object.keys(routes)]);
  (Array.isArray(config.rules) ? config.rules : []).forEach((rule: unknown, index) => {
    const route = (rule as { route?: unknown } | undefined)?.route;
    if (typeof route === 'string' && !routeNames.has(route)) {
      ctx.addIssue({ code: 'custom', path: ['rules', index, 'route'], message: `unknown route "${route}"${didYouMean(route, routeNames)}` });
    }
  });
}

function toConfig(config: RootInput): SwitchyardConfig {
  const routes = { ...config.routes };
  routes[DEFAULT_ROUTE] ??= { providers: config.providers.map((p) => p.name), strategy: 'priority' };
  return {
    server: config.server,
    providers: config.providers,
    routes,
    rules: config.rules,
    routing: config.routing,
    health: config.health,
    budget: config.budget,
    cache: config.cache,
    store: config.store,
    log: config.log,
    seed: config.seed,
  };
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
