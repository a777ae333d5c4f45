/**
 * Options of a `simulated` provider: defaults for what the configuration left out, and
 * checks on what it gave (the adapter can be built without the config schema, e.g. in tests).
 */
import type { Incident, SimulatedOptions } from '../../config/types.js';
import { ConfigError } from '../../core/errors.js';

/** Defaults of {@link SimulatedOptions}, as documented there. */
export const SIMULATED_DEFAULTS: Readonly<SimulatedOptions> = {
  latencyMs: { p50: 200, p99: 800 },
  failureRate: 0,
  tokensPerSecond: 50,
  incidents: [],
};

const MODES: ReadonlySet<Incident['mode']> = new Set(['error', 'timeout', 'rate_limit', 'slow', 'flaky']);

/** Fills in defaults and validates; throws a {@link ConfigError} naming every bad field. */
export function resolveSimulatedOptions(provider: string, options: Record<string, unknown>): SimulatedOptions {
  const issues: string[] = [];
  const where = (field: string) => `provider ${provider}: ${field}`;
  const latencyMs = (options.latencyMs ?? SIMULATED_DEFAULTS.latencyMs) as SimulatedOptions['latencyMs'];
  if (typeof latencyMs === 'number') {
    if (!isNonNegative(latencyMs)) issues.push(`${where('latencyMs')} must be a number >= 0`);
  } else if (typeof latencyMs !== 'object' || latencyMs === null || !(latencyMs.p50 > 0) || !(latencyMs.p99 >= latencyMs.p50)) {
    issues.push(`${where('latencyMs')} must be a number or { p50 > 0, p99 >= p50 }`);
  } else if (!Number.isFinite(latencyMs.p99)) {
    issues.push(`${where('latencyMs.p99')} must be finite`);
  }
  const failureRate = options.failureRate ?? SIMULATED_DEFAULTS.failureRate;
  if (!isRate(failureRate)) issues.push(`${where('failureRate')} must be a number in 0..1`);
  const tokensPerSecond = options.tokensPerSecond ?? SIMULATED_DEFAULTS.tokensPerSecond;
  if (typeof tokensPerSecond !== 'number' || !(tokensPerSecond > 0) || !Number.isFinite(tokensPerSecond)) {
    issues.push(`${where('tokensPerSecond')} must be a number > 0`);
  }
  const incidents = options.incidents ?? SIMULATED_DEFAULTS.incidents;
  if (!Array.isArray(incidents)) issues.push(`${where('incidents')} must be a list`);
  else incidents.forEach((incident: unknown, i) => issues.push(...incidentIssues(incident, where(`incidents[${i}]`))));
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    latencyMs,
    failureRate: failureRate as number,
    tokensPerSecond: tokensPerSecond as number,
    incidents: incidents as Incident[],
  };
}

function incidentIssues(value: unknown, where: string): string[] {
  if (typeof value !== 'object' || value === null) return [`${where} must be an object`];
  const incident = value as Partial<Record<keyof Incident, unknown>>;
  const issues: string[] = [];
  if (!MODES.has(incident.mode as Incident['mode'])) issues.push(`${where}.mode must be one of ${[...MODES].join(', ')}`);
  if (!isNonNegative(incident.at)) issues.push(`${where}.at must be a number of seconds >= 0`);
  if (!isNonNegative(incident.for)) issues.push(`${where}.for must be a number of seconds >= 0`);
  if (incident.every !== undefined && !(isNonNegative(incident.every) && incident.every > 0)) {
    issues.push(`${where}.every must be a number of seconds > 0`);
  }
  if (incident.failureRate !== undefined && !isRate(incident.failureRate)) issues.push(`${where}.failureRate must be in 0..1`);
  if (incident.latencyMs !== undefined && !isNonNegative(incident.latencyMs)) issues.push(`${where}.latencyMs must be >= 0`);
  if (incident.retryAfterS !== undefined && !isNonNegative(incident.retryAfterS)) issues.push(`${where}.retryAfterS must be >= 0`);
  return issues;
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isRate(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}
