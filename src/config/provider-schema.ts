/**
 * Schema of one `providers[]` entry (CONTRACT §2), including the options of `simulated`
 * providers, which are written as top-level keys of the entry and end up in
 * `ProviderConfig.simulated`.
 */
import { z } from 'zod';
import { gated } from './gates.js';
import { bool, duration, EVEN_IF_INVALID, inOrder, int, num, rate, seconds, strict, text } from './primitives.js';
import type { Incident, ProviderConfig, SimulatedOptions } from './types.js';

/** Provider types, in the order the docs list them. */
export const PROVIDER_TYPES = ['openai', 'anthropic', 'gemini', 'ollama', 'simulated'] as const;

/** `baseUrl` used when a provider entry omits it; simulated providers have none. */
export const DEFAULT_BASE_URL: Readonly<Record<ProviderConfig['type'], string | undefined>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  ollama: 'http://127.0.0.1:11434',
  simulated: undefined,
};

/** What a provider name may contain. */
export const PROVIDER_NAME = /^[a-zA-Z0-9._-]+$/;

/** Defaults of a simulated provider's options. */
export const SIMULATED_DEFAULTS: Readonly<SimulatedOptions> = {
  latencyMs: { p50: 200, p99: 800 },
  failureRate: 0,
  tokensPerSecond: 50,
  incidents: [],
};

/** Keys of a provider entry that only `type: simulated` accepts. */
const SIMULATED_KEYS = ['latencyMs', 'failureRate', 'tokensPerSecond', 'incidents'] as const;
/** Keys a simulated provider has no use for. */
const NETWORK_KEYS = ['baseUrl', 'apiKey'] as const;

const INCIDENT_MODES = ['error', 'timeout', 'rate_limit', 'slow', 'flaky'] as const;
/** Incident keys that belong to one mode only, with the mode that requires them. */
const MODE_KEYS = [
  { key: 'retryAfterS', mode: 'rate_limit', required: false },
  { key: 'latencyMs', mode: 'slow', required: true },
  { key: 'failureRate', mode: 'flaky', required: true },
] as const;

/** One scripted incident (CONTRACT §5); `at`, `for`, `every` and `retryAfterS` are seconds. */
export const incidentSchema = strict({
  provider: text().optional(),
  at: seconds(),
  for: seconds({ positive: true }),
  mode: z.enum(INCIDENT_MODES),
  retryAfterS: seconds().optional(),
  latencyMs: duration().optional(),
  failureRate: rate().optional(),
  every: seconds({ positive: true }).optional(),
})
  .superRefine((incident, ctx) => {
    if (typeof incident !== 'object' || incident === null || !INCIDENT_MODES.includes(incident.mode)) return;
    for (const { key, mode, required } of MODE_KEYS) {
      if (incident[key] !== undefined && incident.mode !== mode) {
        ctx.addIssue({ code: 'custom', path: [key], message: `only used by mode: ${mode}` });
      } else if (required && incident[key] === undefined && incident.mode === mode) {
        ctx.addIssue({ code: 'custom', path: [key], message: `required for mode: ${mode}` });
      }
    }
    if (!inOrder(incident, 'for', 'every')) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'must be at least `for` (incidents must not overlap)' });
    }
  }, EVEN_IF_INVALID)
  .transform((incident): Incident => dropUndefined(incident));

const latencyQuantiles = strict({ p50: duration({ positive: true }), p99: duration({ positive: true }) }).refine(
  (q) => inOrder(q, 'p50', 'p99'),
  { path: ['p99'], message: 'must be at least p50', ...EVEN_IF_INVALID },
);

/** Time to first token of a simulated provider: a duration or `{ p50, p99 }`. */
const latencySchema = z.union([duration(), latencyQuantiles], {
  error: 'expected a duration (e.g. 200 or "200ms") or { p50, p99 }',
});

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string' }).transform(String);

function httpUrl() {
  return z.string().refine(
    (value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: 'must be an http:// or https:// URL' },
  );
}

const nonNegative = () => num(z.number().nonnegative().finite());

/** Adapter options a provider entry may set under `options`, by type (docs/providers.md). */
export const ADAPTER_OPTIONS: Readonly<Record<Exclude<ProviderConfig['type'], 'simulated'>, readonly string[]>> = {
  openai: ['idleTimeoutMs', 'maxTokensField', 'reasoning'],
  anthropic: ['idleTimeoutMs', 'defaultMaxTokens', 'anthropicVersion', 'structuredOutputs', 'strictTools'],
  gemini: ['idleTimeoutMs'],
  ollama: ['idleTimeoutMs'],
};

const adapterOptionsSchema = strict({
  idleTimeoutMs: duration({ positive: true }).optional(),
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  reasoning: bool().optional(),
  defaultMaxTokens: int(1).optional(),
  anthropicVersion: text().optional(),
  structuredOutputs: bool().optional(),
  strictTools: bool().optional(),
});

/** A simulated provider's own keys ({@link SIMULATED_KEYS}). */
const simulatedFields = {
  latencyMs: latencySchema.optional(),
  failureRate: rate().optional(),
  tokensPerSecond: num(z.number().positive().finite()).optional(),
  incidents: z.array(incidentSchema).optional(),
};

const providerFields = {
  name: z.string().regex(PROVIDER_NAME, { message: 'must be non-empty and use only letters, digits, ".", "_" and "-"' }),
  type: z.enum(PROVIDER_TYPES),
  baseUrl: httpUrl().optional(),
  apiKey: z.string().optional(),
  model: text().optional(),
  priority: num(z.number().finite()).default(1),
  weight: nonNegative().default(1),
  pricing: strict({
    inputPerMTok: nonNegative(),
    outputPerMTok: nonNegative(),
    cachedInputPerMTok: nonNegative().optional(),
    cacheWriteInputPerMTok: nonNegative().optional(),
  }).optional(),
  contextWindow: int(1).optional(),
  capabilities: z.array(text()).default([]),
  timeoutMs: duration({ positive: true }).default(30_000),
  limits: gated('providers.limits', strict({ rpm: int(1).optional(), tpm: int(1).optional() })),
  budget: gated('providers.budget', strict({ dailyUsd: nonNegative().optional(), monthlyUsd: nonNegative().optional() })),
  headers: z.record(z.string().regex(HEADER_NAME, { message: 'not a valid HTTP header name' }), headerValue).default({}),
  options: adapterOptionsSchema.optional(),
  ...simulatedFields,
  /**
   * The simulated keys as a parsed configuration holds them (`engine.config`), so that a
   * parsed configuration can be passed back to `updateConfig` as it is.
   */
  simulated: strict(simulatedFields).optional(),
};

type ProviderInput = z.output<ReturnType<typeof strict<typeof providerFields>>>;

/** One `providers[]` entry, checked against its type and turned into a {@link ProviderConfig}. */
export const providerSchema = strict(providerFields)
  .superRefine(checkTypeSpecificKeys, EVEN_IF_INVALID)
  .transform(toProviderConfig);

/** Runs even when other keys failed, so every problem of an entry is reported at once. */
function checkTypeSpecificKeys(entry: ProviderInput, ctx: z.RefinementCtx): void {
  if (typeof entry !== 'object' || entry === null || !PROVIDER_TYPES.includes(entry.type)) return;
  const present = (key: string) => (entry as Record<string, unknown>)[key] !== undefined;
  if (entry.type === 'simulated') {
    // An empty `options` is what a parsed configuration holds for every provider.
    const hasOptions = typeof entry.options === 'object' && entry.options !== null && Object.values(entry.options).some((v) => v !== undefined);
    for (const key of [...NETWORK_KEYS, ...(hasOptions ? ['options'] : [])].filter(present)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'not used by type: simulated' });
    }
    const nested = entry.simulated ?? {};
    for (const key of SIMULATED_KEYS.filter((key) => present(key) && nested[key] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['simulated', key], message: `given twice: as ${key} and as simulated.${key}` });
    }
    for (const [at, incidents] of [[['incidents'], entry.incidents], [['simulated', 'incidents'], entry.simulated?.incidents]] as const) {
      (Array.isArray(incidents) ? incidents : []).forEach((incident, index) => {
        if (incident?.provider !== undefined && incident.provider !== entry.name) {
          ctx.addIssue({
            code: 'custom',
            path: [...at, index, 'provider'],
            message: `an incident of a provider entry can only name that provider ("${entry.name}")`,
          });
        }
      });
    }
    return;
  }
  for (const key of [...SIMULATED_KEYS, 'simulated'].filter(present)) {
    ctx.addIssue({ code: 'custom', path: [key], message: `only used by type: simulated (this provider is ${entry.type})` });
  }
  const options = typeof entry.options === 'object' && entry.options !== null ? (entry.options as Record<string, unknown>) : {};
  const allowed = ADAPTER_OPTIONS[entry.type];
  for (const key of Object.keys(options).filter((key) => options[key] !== undefined && !allowed.includes(key))) {
    const types = Object.entries(ADAPTER_OPTIONS).filter(([, keys]) => keys.includes(key)).map(([type]) => type);
    ctx.addIssue({ code: 'custom', path: ['options', key], message: `only used by type: ${types.join(', ')} (this provider is ${entry.type})` });
  }
  if (!present('model')) {
    ctx.addIssue({ code: 'custom', path: ['model'], message: `required for type: ${entry.type} (the upstream model id)` });
  }
}

function toProviderConfig(entry: ProviderInput): ProviderConfig {
  const simulated = entry.type === 'simulated';
  return {
    name: entry.name,
    type: entry.type,
    baseUrl: (entry.baseUrl ?? DEFAULT_BASE_URL[entry.type])?.replace(/\/+$/, ''),
    apiKey: entry.apiKey === '' ? undefined : entry.apiKey,
    model: entry.model ?? entry.name,
    priority: entry.priority,
    weight: entry.weight,
    pricing: entry.pricing,
    contextWindow: entry.contextWindow,
    capabilities: entry.capabilities,
    timeoutMs: entry.timeoutMs,
    limits: entry.limits,
    budget: entry.budget,
    headers: entry.headers,
    options: dropUndefined(entry.options ?? {}),
    simulated: simulated
      ? {
          latencyMs: entry.latencyMs ?? entry.simulated?.latencyMs ?? structuredClone(SIMULATED_DEFAULTS.latencyMs),
          failureRate: entry.failureRate ?? entry.simulated?.failureRate ?? SIMULATED_DEFAULTS.failureRate,
          tokensPerSecond: entry.tokensPerSecond ?? entry.simulated?.tokensPerSecond ?? SIMULATED_DEFAULTS.tokensPerSecond,
          incidents: entry.incidents ?? entry.simulated?.incidents ?? [],
        }
      : undefined,
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
