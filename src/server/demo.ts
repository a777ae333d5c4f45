/**
 * The demo default (CONTRACT §6): three simulated providers behind `default`, one with a
 * recurring scripted outage so failover shows within a minute, without keys or network.
 * Real providers join when their key is set (or Ollama answers locally), after the simulated
 * ones in priority, and only for provider types this build has an adapter for.
 */
import { sleep, type Clock } from '../core/clock.js';
import { ADAPTERS } from '../providers/registry.js';

/** The demo configuration and what was decided while building it (for the log). */
export interface Demo {
  config: Record<string, unknown>;
  notes: string[];
}

/** Real providers that join when their environment variable is set. */
const KEYED = [
  { type: 'openai', env: 'OPENAI_API_KEY', model: 'gpt-4o-mini', modelEnv: 'OPENAI_MODEL' },
  { type: 'anthropic', env: 'ANTHROPIC_API_KEY', model: 'claude-3-5-haiku-latest', modelEnv: 'ANTHROPIC_MODEL' },
  { type: 'gemini', env: 'GEMINI_API_KEY', model: 'gemini-2.0-flash', modelEnv: 'GEMINI_MODEL' },
] as const;

const OLLAMA_URL = 'http://127.0.0.1:11434';

/** Builds the demo configuration; probes Ollama for at most `ollamaTimeoutMs`. */
export async function demoConfig(
  env: Record<string, string | undefined>,
  clock: Clock,
  options: { fetch?: typeof fetch; ollamaTimeoutMs?: number } = {},
): Promise<Demo> {
  const notes = ['no configuration given: serving the built-in demo (simulated providers; sim-alpha fails from 0:20 to 0:45 of every 1:30)'];
  const providers: Record<string, unknown>[] = [
    {
      name: 'sim-alpha',
      type: 'simulated',
      model: 'sim-alpha-1',
      priority: 1,
      latencyMs: { p50: 150, p99: 600 },
      tokensPerSecond: 80,
      pricing: { inputPerMTok: 2.5, outputPerMTok: 10 },
      incidents: [{ mode: 'error', at: 20, for: 25, every: 90 }],
    },
    { name: 'sim-beta', type: 'simulated', model: 'sim-beta-1', priority: 2, latencyMs: { p50: 250, p99: 900 }, failureRate: 0.02, tokensPerSecond: 60, pricing: { inputPerMTok: 1, outputPerMTok: 4 } },
    { name: 'sim-gamma', type: 'simulated', model: 'sim-gamma-1', priority: 3, latencyMs: { p50: 400, p99: 1200 }, tokensPerSecond: 40, pricing: { inputPerMTok: 0.2, outputPerMTok: 0.8 } },
  ];
  let priority = 10;
  for (const keyed of KEYED) {
    if (!env[keyed.env]) continue;
    if (!Object.hasOwn(ADAPTERS, keyed.type)) {
      notes.push(`${keyed.env} is set, but this build has no ${keyed.type} adapter yet: not added`);
      continue;
    }
    const model = env[keyed.modelEnv] || keyed.model;
    providers.push({ name: keyed.type, type: keyed.type, apiKey: `\${${keyed.env}}`, model, priority: priority++ });
    notes.push(`${keyed.env} is set: provider '${keyed.type}' (${model}) joins the default route after the simulated ones; ask for it with "model": "${keyed.type}"`);
  }
  const ollama = await probeOllama(clock, options.fetch ?? globalThis.fetch, options.ollamaTimeoutMs ?? 300);
  if (ollama !== undefined) {
    if (Object.hasOwn(ADAPTERS, 'ollama')) {
      providers.push({ name: 'ollama', type: 'ollama', baseUrl: OLLAMA_URL, model: ollama, priority: priority++ });
      notes.push(`Ollama answers on ${OLLAMA_URL}: provider 'ollama' (${ollama}) joins the default route`);
    } else {
      notes.push(`Ollama answers on ${OLLAMA_URL}, but this build has no ollama adapter yet: not added`);
    }
  }
  return {
    config: {
      providers,
      routes: { default: { providers: providers.map((p) => p.name), strategy: 'priority' } },
      // Active checks let the outage show in /providers even without traffic.
      health: { probeIntervalMs: 5000, cooldownMs: 5000, consecutiveFailures: 3, minCalls: 5 },
      routing: { deadlineMs: 30000 },
    },
    notes,
  };
}

/** The first model of a local Ollama server, or `undefined` when none answers in time. */
async function probeOllama(clock: Clock, fetchImpl: typeof fetch, timeoutMs: number): Promise<string | undefined> {
  const controller = new AbortController();
  const timeout = sleep(clock, timeoutMs, controller.signal).then(() => undefined, () => undefined);
  const probe = fetchImpl(`${OLLAMA_URL}/api/tags`, { signal: controller.signal })
    .then(async (response) => {
      if (!response.ok) return undefined;
      const body = (await response.json()) as { models?: { name?: unknown }[] };
      const name = body.models?.[0]?.name;
      return typeof name === 'string' ? name : undefined;
    })
    .catch(() => undefined);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    controller.abort();
  }
}
