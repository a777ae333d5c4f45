/**
 * Outage scenarios (CONTRACT §5): the schema, loading from a file, and the merge of the
 * scenario's incidents into its simulated providers. Every problem is reported at once as
 * `path: message` in one {@link ConfigError}.
 */
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';
import { incidentSchema, interpolateEnv, parseConfig, parseConfigText, readConfigText, validate, type Env } from '../config/index.js';
import { didYouMean, int, num, rate, seconds, strict, text } from '../config/primitives.js';
import type { Incident, SwitchyardConfig } from '../config/types.js';
import { ConfigError } from '../core/errors.js';

/** Synthetic client traffic of a scenario. */
export interface TrafficSpec {
  /** Mean arrival rate (Poisson), requests per simulated second. */
  rps: number;
  /** Share of requests that stream. @default 0 */
  streamRatio: number;
  /** Prompt size of each request, in tokens. @default 500 */
  inputTokens: number;
  /** `maxTokens` of each request: the answer's size. @default 200 */
  outputTokens: number;
  /** Route (or provider) every request names as `model`. @default 'default' */
  route: string;
}

/** A validated scenario, ready to run. */
export interface Scenario {
  /** File name without extension, or `scenario` for an inline one. */
  name: string;
  description: string | undefined;
  /** @default 1 */
  seed: number;
  durationS: number;
  traffic: TrafficSpec;
  /** Scenario-level incidents, each naming its provider. */
  incidents: Incident[];
  /** The configuration as written, `${VAR}` interpolated, incidents merged in (the naive baseline re-derives from it). */
  rawConfig: Record<string, unknown>;
  /** The validated configuration. */
  config: SwitchyardConfig;
}

const trafficSchema = strict({
  rps: num(z.number().positive().finite()),
  streamRatio: rate().default(0),
  inputTokens: int(0, 10_000_000).default(500),
  outputTokens: int(1, 10_000_000).default(200),
  route: text().default('default'),
});

const scenarioIncidentSchema = incidentSchema.superRefine((incident, ctx) => {
  if (typeof incident === 'object' && incident !== null && incident.provider === undefined) {
    ctx.addIssue({ code: 'custom', path: ['provider'], message: 'required: the provider this incident hits' });
  }
});

const configRef = z.custom<string | Record<string, unknown>>(
  (value) => typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value)),
  { message: 'expected a configuration (as in a config file) or the path of one' },
);

/** The top level of a scenario file. */
export const scenarioSchema = strict({
  description: z.string().optional(),
  seed: int().default(1),
  durationS: seconds({ positive: true }),
  config: configRef,
  traffic: trafficSchema,
  incidents: z.array(scenarioIncidentSchema).default([]),
});

/** Reads and validates a scenario file (YAML or JSON). Throws {@link ConfigError}. */
export function loadScenario(path: string, env: Env = process.env): Scenario {
  const raw = parseConfigText(readText(path), path);
  const name = basename(path).replace(/\.(ya?ml|json)$/i, '');
  return parseScenario(raw, { name, baseDir: dirname(resolve(path)), env });
}

/**
 * Validates a parsed scenario. A `config` path is read relative to `baseDir`.
 * @example parseScenario({ durationS: 60, traffic: { rps: 5 }, config: { providers: [{ name: 'a', type: 'simulated' }] } })
 */
export function parseScenario(raw: unknown, options: { name?: string; baseDir?: string; env?: Env } = {}): Scenario {
  const env = options.env ?? process.env;
  const scenario = validate(scenarioSchema, raw);
  const issues: string[] = [];
  let prefix = 'config.';
  let rawConfig: Record<string, unknown>;
  if (typeof scenario.config === 'string') {
    const file = resolve(options.baseDir ?? '.', scenario.config);
    prefix = `config (${scenario.config}): `;
    const loaded = parseConfigText(readText(file, 'config'), file);
    if (typeof loaded !== 'object' || loaded === null || Array.isArray(loaded)) throw new ConfigError([`config: ${scenario.config} does not hold a configuration object`]);
    rawConfig = loaded as Record<string, unknown>;
  } else {
    rawConfig = scenario.config;
  }

  const entries = Array.isArray(rawConfig.providers) ? (rawConfig.providers as unknown[]) : undefined;
  const byName = new Map<string, Record<string, unknown>>();
  for (const entry of entries ?? []) {
    if (typeof entry === 'object' && entry !== null && typeof (entry as { name?: unknown }).name === 'string') {
      byName.set((entry as { name: string }).name, entry as Record<string, unknown>);
    }
  }
  if (entries !== undefined) {
    scenario.incidents.forEach((incident, i) => {
      const entry = byName.get(incident.provider!);
      if (entry === undefined) {
        issues.push(`incidents[${i}].provider: unknown provider '${incident.provider}'${didYouMean(incident.provider!, byName.keys())}`);
      } else if (entry.type !== 'simulated') {
        issues.push(`incidents[${i}].provider: '${incident.provider}' is of type ${String(entry.type)}; incidents only apply to simulated providers`);
      }
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const withAll = { ...rawConfig, providers: entries?.map((entry) => withIncidents(entry, scenario.incidents)) ?? rawConfig.providers };
  let config: SwitchyardConfig;
  let merged: Record<string, unknown>;
  try {
    // Interpolated once here, so the engine of each run needs no environment.
    merged = interpolateEnv(withAll, env) as Record<string, unknown>;
    config = parseConfig(merged, {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.issues.map((issue) => (prefix === 'config.' && issue.startsWith('(root)') ? issue.replace('(root)', 'config') : prefix + issue)));
  }
  config.providers.forEach((provider, i) => {
    if (provider.type !== 'simulated') issues.push(`${prefix}providers[${i}].type: the simulator runs only simulated providers (got ${provider.type})`);
  });
  const route = scenario.traffic.route;
  if (!Object.hasOwn(config.routes, route) && route !== 'auto' && !config.providers.some((p) => p.name === route)) {
    issues.push(`traffic.route: unknown route or provider '${route}'${didYouMean(route, [...Object.keys(config.routes), ...config.providers.map((p) => p.name)])}`);
  }
  if (issues.length > 0) throw new ConfigError(issues);

  return {
    name: options.name ?? 'scenario',
    description: scenario.description,
    seed: scenario.seed,
    durationS: scenario.durationS,
    traffic: scenario.traffic,
    incidents: scenario.incidents,
    rawConfig: merged,
    config,
  };
}

function withIncidents(entry: unknown, incidents: readonly Incident[]): unknown {
  if (typeof entry !== 'object' || entry === null) return entry;
  const record = entry as Record<string, unknown>;
  const own = incidents.filter((incident) => incident.provider === record.name);
  if (own.length === 0) return entry;
  const existing = Array.isArray(record.incidents) ? record.incidents : [];
  return { ...record, incidents: [...existing, ...own] };
}

function readText(path: string, what = path): string {
  try {
    return readConfigText(path);
  } catch (error) {
    if (what === path || !(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.issues.map((issue) => `${what}: ${issue}`));
  }
}
