/**
 * Schemas of the configuration sections other than `providers` (CONTRACT §2). Every
 * section has defaults, so an absent section parses to its defaults.
 */
import { z } from 'zod';
import { bool, duration, EVEN_IF_INVALID, inOrder, int, num, rate, strict, text } from './primitives.js';
import type { HealthConfig, RoutingConfig, RuleConfig, ServerConfig, StrategyName } from './types.js';

/** Strategies a route may name. */
export const STRATEGIES = [
  'priority',
  'round-robin',
  'weighted',
  'least-latency',
  'lowest-cost',
  'least-busy',
] as const satisfies readonly StrategyName[];

/** Log levels. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** The longest delay a Node timer takes (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** `server`: where the gateway listens and who may call it. */
export const serverSchema = strict({
  host: text().default('127.0.0.1'),
  port: int(0, 65_535).default(8080),
  apiKeys: z.array(z.string()).default([]),
  adminKey: z.string().optional(),
  maxBodyBytes: int(1).default(1_048_576),
  drainTimeoutMs: duration().default(10_000),
  keepAliveTimeoutMs: duration().default(5_000),
  headersTimeoutMs: duration({ positive: true }).default(60_000),
  requestTimeoutMs: duration().default(300_000),
})
  .prefault({})
  .superRefine((server, ctx) => {
    if (typeof server !== 'object' || server === null) return;
    // Node's http server takes whole milliseconds only (and throws at start otherwise); its timers hold 2^31 - 1.
    for (const key of ['keepAliveTimeoutMs', 'headersTimeoutMs', 'requestTimeoutMs'] as const) {
      const value = server[key];
      if (typeof value === 'number' && !(Number.isInteger(value) && value <= MAX_TIMER_MS)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must be a whole number of milliseconds, at most ${MAX_TIMER_MS} (about 24 days)` });
      }
    }
    // Node refuses a headers timeout longer than a (non-zero) request timeout.
    const { headersTimeoutMs, requestTimeoutMs } = server;
    if (typeof headersTimeoutMs === 'number' && typeof requestTimeoutMs === 'number' && requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['headersTimeoutMs'], message: 'must be at most requestTimeoutMs (unless requestTimeoutMs is 0)' });
    }
  })
  .transform(
    (server): ServerConfig => ({
      ...server,
      // `${KEY:-}` with KEY unset means "no key", not "the empty key".
      apiKeys: server.apiKeys.filter((key) => key !== ''),
      adminKey: server.adminKey === '' ? undefined : server.adminKey,
    }),
  );

/** One entry of `routes`. */
export const routeSchema = strict({
  providers: z.array(text()).min(1),
  strategy: z.enum(STRATEGIES).default('priority'),
});

const numberMatch = strict({
  gt: num().optional(),
  gte: num().optional(),
  lt: num().optional(),
  lte: num().optional(),
}).refine((match) => Object.values(match).some((v) => v !== undefined), {
  message: 'needs at least one of gt, gte, lt, lte',
});

/** One entry of `rules`: first match wins. */
export const ruleSchema = strict({
  when: strict({
    inputTokens: numberMatch.optional(),
    task: text().optional(),
    model: text().optional(),
    stream: bool().optional(),
  }),
  route: text(),
}).transform((rule): RuleConfig => ({
  when: Object.fromEntries(Object.entries(rule.when).filter(([, v]) => v !== undefined)),
  route: rule.route,
}));

/** `routing`: attempts, backoff, deadline and retry budget of every request. */
export const routingSchema = strict({
  maxAttempts: int(1).default(3),
  backoff: strict({ baseMs: duration().default(100), maxMs: duration().default(2_000) })
    .refine((b) => inOrder(b, 'baseMs', 'maxMs'), { path: ['maxMs'], message: 'must be at least baseMs', ...EVEN_IF_INVALID })
    .prefault({}),
  deadlineMs: duration({ positive: true }).default(120_000),
  retryBudget: strict({
    ratio: num(z.number().nonnegative().finite()).default(0.2),
    minPerSecond: num(z.number().nonnegative().finite()).default(10),
  }).prefault({}),
  panic: bool().default(true),
})
  .prefault({})
  .transform((routing): RoutingConfig => routing);

const openRate = () => num(z.number().gt(0).max(1));

/** `health`: thresholds of every provider actor. */
export const healthSchema = strict({
  consecutiveFailures: int(1).default(5),
  failureRate: openRate().default(0.5),
  degradedFailureRate: openRate().default(0.2),
  minCalls: int(1).default(10),
  windowMs: duration({ positive: true }).default(60_000),
  slowCallMs: duration({ positive: true }).default(10_000),
  cooldownMs: duration({ positive: true }).default(10_000),
  maxCooldownMs: duration({ positive: true }).default(300_000),
  halfOpenProbes: int(1).default(3),
  probeIntervalMs: duration().default(0),
})
  .refine((h) => inOrder(h, 'cooldownMs', 'maxCooldownMs'), {
    path: ['cooldownMs'],
    message: 'must not exceed maxCooldownMs',
    ...EVEN_IF_INVALID,
  })
  .prefault({})
  .transform((health): HealthConfig => health);

/** Top-level `budget` (gated: see `gates.ts`). */
export const budgetSchema = strict({
  monthlyUsd: num(z.number().positive().finite()),
  softLimit: rate().default(0.8),
});

/** `cache` (gated: see `gates.ts`). */
export const cacheSchema = strict({
  enabled: bool().default(false),
  ttlMs: duration({ positive: true }).default(3_600_000),
  maxEntries: int(1).default(10_000),
});

/** `store` (gated: see `gates.ts`). */
export const storeSchema = strict({
  redis: z.string().regex(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' }),
});

/** `log`. */
export const logSchema = strict({ level: z.enum(LOG_LEVELS).default('info') }).prefault({});
