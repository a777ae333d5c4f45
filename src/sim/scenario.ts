/**
 * Outage scenarios (CONTRACT §5): the schema, loading from a file, and the merge of the
 * scenario's incidents into its simulated providers. Every problem is reported at once as
 * `path: message` in one {@link ConfigError}.
 */
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';
import { incidentSchema, interpolateEnv, isRecord, parseConfig, parseConfigText, readConfigText, validateCollecting, type Env } from '../config/index.js';
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

/** Most requests per simulated second: beyond it a run is slower than real time and its requests under way take gigabytes. */
export const MAX_RPS = 10_000;
/** Longest scenario: 366 days. */
export const MAX_DURATION_S = 366 * 86_400;
/** Most requests in one run (`rps × durationS`): hours of wall time at the simulator's speed. */
export const MAX_REQUESTS = 100_000_000;

const trafficSchema = strict({
  rps: num(z.number().positive().max(MAX_RPS)),
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
  (value) => typeof value === 'string' || isRecord(value),
  { message: 'expected a configuration (as in a config file) or the path of one' },
);

/** The top level of a scenario file. */
export const scenarioSchema = strict({
  description: z.string().optional(),
  seed: int().default(1),
  durationS: seconds({ positive: true }).refine((s) => s <= MAX_DURATION_S, { message: `must be at most ${MAX_DURATION_S} (366 days)` }),
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
 * Validates a parsed scenario. A `config` path is read relative to `baseDir`. Every problem
 * is reported at once: a part that failed its schema is left out of the checks that need it
 * (an incident's provider is checked against the configuration as written, the route against
 * the configuration once it is valid).
 * @example parseScenario({ durationS: 60, traffic: { rps: 5 }, config: { providers: [{ name: 'a', type: 'simulated' }] } })
 */
export function parseScenario(raw: unknown, options: { name?: string; baseDir?: string; env?: Env } = {}): Scenario {
  const env = options.env ?? process.env;
  const { value: scenario, issues } = validateCollecting(scenarioSchema, raw);
  const record = isRecord(raw) ? raw : {};
  const traffic = isRecord(record.traffic) ? record.traffic : undefined;
  const rawIncidents: unknown[] = Array.isArray(record.incidents) ? record.incidents : [];
  const incidents = scenario?.incidents ?? rawIncidents.map((incident) => validateCollecting(scenarioIncidentSchema, incident).value);
  const source = configSource(record.config, options.baseDir, issues);

  const entries = source !== undefined && Array.isArray(source.raw.providers) ? (source.raw.providers as unknown[]) : undefined;
  const byName = new Map<string, Record<string, unknown>>();
  for (const entry of entries ?? []) {
    if (isRecord(entry) && typeof entry.name === 'string') byName.set(entry.name, entry);
  }
  const merged: Incident[] = [];
  if (entries !== undefined) {
    rawIncidents.forEach((incident, i) => {
      const provider = isRecord(incident) ? incident.provider : undefined;
      if (typeof provider !== 'string' || provider === '') return; // the schema says what is wrong
      const entry = byName.get(provider);
      if (entry === undefined) {
        issues.push(`incidents[${i}].provider: unknown provider '${provider}'${didYouMean(provider, byName.keys())}`);
      } else if (entry.type !== 'simulated') {
        issues.push(`incidents[${i}].provider: '${provider}' is of type ${String(entry.type)}; incidents only apply to simulated providers`);
      } else if (incidents[i] !== undefined) {
        merged.push(incidents[i]);
      }
    });
  }

  let config: SwitchyardConfig | undefined;
  let rawConfig: Record<string, unknown> | undefined;
  if (source !== undefined) {
    const { prefix } = source;
    const withAll = { ...source.raw, providers: entries?.map((entry) => withIncidents(entry, merged)) ?? source.raw.providers };
    try {
      config = parseConfig(withAll, env);
      // Interpolated once here, so the engine of each run needs no environment.
      rawConfig = interpolateEnv(withAll, env) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues.map((issue) => (prefix === 'config.' && issue.startsWith('(root)') ? issue.replace('(root)', 'config') : prefix + issue)));
    }
  }
  if (config !== undefined && source !== undefined) {
    const { routes, providers } = config;
    providers.forEach((provider, i) => {
      if (provider.type !== 'simulated') issues.push(`${source.prefix}providers[${i}].type: the simulator runs only simulated providers (got ${provider.type})`);
    });
    const route = scenario?.traffic.route ?? (traffic === undefined ? undefined : part(trafficSchema.shape.route, traffic.route));
    if (route !== undefined && !Object.hasOwn(routes, route) && route !== 'auto' && !providers.some((p) => p.name === route)) {
      issues.push(`traffic.route: unknown route or provider '${route}'${didYouMean(route, [...Object.keys(routes), ...providers.map((p) => p.name)])}`);
    }
  }
  const durationS = scenario?.durationS ?? part(scenarioSchema.shape.durationS, record.durationS);
  const rps = scenario?.traffic.rps ?? (traffic === undefined ? undefined : part(trafficSchema.shape.rps, traffic.rps));
  if (durationS !== undefined && rps !== undefined && rps * durationS > MAX_REQUESTS) {
    const total = Math.round(rps * durationS).toLocaleString('en');
    issues.push(`traffic.rps: ${rps} requests per second for ${durationS} s is ${total} requests; a run takes at most ${MAX_REQUESTS.toLocaleString('en')}`);
  }
  if (issues.length > 0 || scenario === undefined || config === undefined || rawConfig === undefined) throw new ConfigError(issues);

  return {
    name: options.name ?? 'scenario',
    description: scenario.description,
    seed: scenario.seed,
    durationS: scenario.durationS,
    traffic: scenario.traffic,
    incidents: scenario.incidents,
    rawConfig,
    config,
  };
}

/** The configuration a scenario names, as written, with the prefix of its problems; `undefined` when it cannot be had. */
function configSource(ref: unknown, baseDir: string | undefined, issues: string[]): { raw: Record<string, unknown>; prefix: string } | undefined {
  if (isRecord(ref)) return { raw: ref, prefix: 'config.' };
  if (typeof ref !== 'string') return undefined; // the schema says what is wrong
  const file = resolve(baseDir ?? '.', ref);
  try {
    const loaded = parseConfigText(readText(file, 'config'), file);
    if (isRecord(loaded)) return { raw: loaded, prefix: `config (${ref}): ` };
    issues.push(`config: ${ref} does not hold a configuration object`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  return undefined;
}

/** A provider entry with the scenario's incidents on it appended to its own (left as written when those are not a list: the schema refuses them). */
function withIncidents(entry: unknown, incidents: readonly Incident[]): unknown {
  if (!isRecord(entry)) return entry;
  const own = incidents.filter((incident) => incident.provider === entry.name);
  if (own.length === 0 || (entry.incidents !== undefined && !Array.isArray(entry.incidents))) return entry;
  const existing = Array.isArray(entry.incidents) ? entry.incidents : [];
  return { ...entry, incidents: [...existing, ...own] };
}

/** One field's parsed value, or `undefined` when it is invalid (its problem is already reported). */
function part<T extends z.ZodType>(schema: T, value: unknown): z.output<T> | undefined {
  return validateCollecting(schema, value).value;
}

function readText(path: string, what = path): string {
  try {
    return readConfigText(path);
  } catch (error) {
    if (what === path || !(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.issues.map((issue) => `${what}: ${issue}`));
  }
}
