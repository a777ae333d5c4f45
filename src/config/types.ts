/**
 * The validated, defaults-applied configuration (CONTRACT §2). The zod schema in
 * `schema.ts` produces exactly this shape; everything past config loading reads only this.
 * All durations are milliseconds.
 */
import type { Pricing } from '../core/types.js';

/** Routing strategies a route can use. */
export type StrategyName = 'priority' | 'round-robin' | 'weighted' | 'least-latency' | 'lowest-cost' | 'least-busy';

/** One scripted incident on a provider (CONTRACT §5), times in seconds from engine start. */
export interface Incident {
  provider?: string;
  at: number;
  for: number;
  mode: 'error' | 'timeout' | 'rate_limit' | 'slow' | 'flaky';
  retryAfterS?: number;
  latencyMs?: number;
  failureRate?: number;
  /** Repeat the incident every `every` seconds (the demo's recurring outage). */
  every?: number;
}

/** Options of a `simulated` provider. */
export interface SimulatedOptions {
  /** Time to first token: a fixed number, or a log-normal fitted to p50/p99. @default { p50: 200, p99: 800 } */
  latencyMs: number | { p50: number; p99: number };
  /** Probability that a call fails with a 5xx. @default 0 */
  failureRate: number;
  /** Streaming speed. @default 50 */
  tokensPerSecond: number;
  /** Scripted incidents. @default [] */
  incidents: Incident[];
}

export interface ProviderConfig {
  name: string;
  type: 'openai' | 'anthropic' | 'gemini' | 'ollama' | 'simulated';
  /** Per-type default when omitted; `undefined` for simulated. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  model: string;
  /** @default 1 */
  priority: number;
  /** @default 1 */
  weight: number;
  pricing: Pricing | undefined;
  contextWindow: number | undefined;
  /** @default [] */
  capabilities: string[];
  /** Per attempt, to the first byte of the answer. @default 30000 */
  timeoutMs: number;
  limits: { rpm?: number; tpm?: number } | undefined;
  budget: { dailyUsd?: number; monthlyUsd?: number } | undefined;
  /** @default {} */
  headers: Record<string, string>;
  /** Adapter options (`idleTimeoutMs`, `maxTokensField`, `reasoning`, `defaultMaxTokens`, `anthropicVersion`, `structuredOutputs`, `strictTools`), by type. @default {} */
  options: AdapterOptions;
  /** Only for `type: simulated`. */
  simulated: SimulatedOptions | undefined;
}

/** Options of a network provider's adapter (docs/providers.md lists which type reads which). */
export interface AdapterOptions {
  idleTimeoutMs?: number;
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** `openai`: whether the model reasons (o-series, gpt-5), for names that do not tell. @default guessed from the model name */
  reasoning?: boolean;
  defaultMaxTokens?: number;
  anthropicVersion?: string;
  /** `anthropic`: whether the model takes structured outputs (`output_config.format`). @default by the model name (Claude 4.5 and later) */
  structuredOutputs?: boolean;
  /** `anthropic`: send tools marked `strict` as strict tools (on a model with structured outputs). @default false */
  strictTools?: boolean;
}

export interface RouteConfig {
  providers: string[];
  /** @default 'priority' */
  strategy: StrategyName;
}

/** A comparison on a number, as used in rules. */
export interface NumberMatch {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export interface RuleConfig {
  when: { inputTokens?: NumberMatch; task?: string; model?: string; stream?: boolean };
  route: string;
}

export interface RoutingConfig {
  /** Upstream calls per client request, all providers together. @default 3 */
  maxAttempts: number;
  /** Full-jitter backoff before re-trying a provider already tried. @default { baseMs: 100, maxMs: 2000 } */
  backoff: { baseMs: number; maxMs: number };
  /** Whole request. @default 120000 */
  deadlineMs: number;
  /** Engine-wide retries allowed: `ratio` of recent requests plus `minPerSecond`. @default { ratio: 0.2, minPerSecond: 10 } */
  retryBudget: { ratio: number; minPerSecond: number };
  /** When no candidate is selectable because all are open, try the one closest to recovery. @default true */
  panic: boolean;
}

export interface HealthConfig {
  /** @default 5 */
  consecutiveFailures: number;
  /** Window failure rate that opens the breaker. @default 0.5 */
  failureRate: number;
  /** Window rate of failed or slow calls that marks the provider degraded. @default 0.2 */
  degradedFailureRate: number;
  /** Calls in the window before rates are judged. @default 10 */
  minCalls: number;
  /** @default 60000 */
  windowMs: number;
  /** Time to first token above this is a slow call. @default 10000 */
  slowCallMs: number;
  /** First open period; doubles on each consecutive trip. @default 10000 */
  cooldownMs: number;
  /** @default 300000 */
  maxCooldownMs: number;
  /** Concurrent probes admitted in half_open; that many successes close the breaker. @default 3 */
  halfOpenProbes: number;
  /** Active health checks; 0 = off. @default 0 */
  probeIntervalMs: number;
}

export interface ServerConfig {
  /** @default '127.0.0.1' */
  host: string;
  /** @default 8080 */
  port: number;
  /** @default [] */
  apiKeys: string[];
  adminKey: string | undefined;
  /** @default 1048576 */
  maxBodyBytes: number;
  /** @default 10000 */
  drainTimeoutMs: number;
  /** How long an idle keep-alive connection stays open; above a load balancer's idle timeout behind one. @default 5000 */
  keepAliveTimeoutMs: number;
  /** Time for a request's headers to arrive (then 408). @default 60000 */
  headersTimeoutMs: number;
  /** Time for a whole request (headers and body) to arrive (then 408); 0 = no limit. @default 300000 */
  requestTimeoutMs: number;
}

/** The whole validated configuration. */
export interface SwitchyardConfig {
  server: ServerConfig;
  providers: ProviderConfig[];
  /** Always has `default` (all providers by priority when not configured). */
  routes: Record<string, RouteConfig>;
  /** @default [] */
  rules: RuleConfig[];
  routing: RoutingConfig;
  health: HealthConfig;
  budget: { monthlyUsd: number; softLimit: number } | undefined;
  cache: { enabled: boolean; ttlMs: number; maxEntries: number } | undefined;
  store: { redis: string } | undefined;
  /** @default { level: 'info' } */
  log: { level: 'debug' | 'info' | 'warn' | 'error' | 'silent' };
  /** Seed for all randomness (jitter, weighted picks, simulated providers). @default random per process */
  seed: number | undefined;
}
