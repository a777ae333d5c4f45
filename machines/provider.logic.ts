/**
 * The provider actor's context and the pure arithmetic behind its guards and actions:
 * jitter, cooldowns, rate-limit waits, outcome accounting and threshold judgments.
 */
import type { HealthConfig } from '../src/config/types.js';
import { hashString } from '../src/core/random.js';
import { emptyWindow, recordOutcome, windowTotals, type HealthWindow } from './health-window.js';
import type { ProviderEvent, ProviderInput, ProviderStats, SlotReply } from './provider.types.js';

/** Everything a provider actor knows. The engine reads it for `GET /providers` and routing. */
export interface ProviderContext {
  name: string;
  health: HealthConfig;
  /** Bumped on open, half_open, disabled, reset and enable; reports of older ones are stale. */
  generation: number;
  /** Granted slots not yet reported back. */
  inFlight: number;
  /** Half-open probes of the current generation not yet reported back. */
  probesInFlight: number;
  probeSuccesses: number;
  consecutiveFailures: number;
  /** EWMA (alpha 0.3) of successes' time to first token; `undefined` before the first. */
  latencyMs: number | undefined;
  /** Consecutive trips; sets the next cooldown, decays by one per `windowMs` spent healthy (from `stats.healthySince`). */
  tripCount: number;
  cooldownUntil: number | undefined;
  rateLimitedUntil: number | undefined;
  /** Consecutive 429s without a success, for the backoff when no Retry-After is given. */
  rateLimitStreak: number;
  /** The state `rate_limited` returns to when its wait ends. */
  resumeTo: string;
  disabledReason: string | undefined;
  stats: ProviderStats;
  window: HealthWindow;
  /** State of the actor's own mulberry32 generator (jitter). */
  rng: number;
  /** Clock time of the last timed decision (open, rate limit, re-check, recovery, decay, new `windowMs`): the anchor of pending delays. */
  decidedAt: number;
  /** The answer to the latest `slot.acquire` (a new object per answer). */
  lastSlot: SlotReply | undefined;
}

/** Events that report the outcome of a granted slot. */
export type ReportEvent = Extract<ProviderEvent, { token: unknown }>;

/** EWMA weight of the newest latency sample. */
export const LATENCY_ALPHA = 0.3;
/** Bounds of a Retry-After wait before jitter, in ms (the upper one is `maxCooldownMs`). */
export const MIN_RETRY_AFTER_MS = 100;
/** Cap of the rate-limit backoff without Retry-After, in ms. */
export const MAX_RATE_LIMIT_BACKOFF_MS = 60_000;

/** One step of mulberry32: `[uniform in [0, 1), next state]` (same sequence as `createRandom`). */
export function nextRandom(state: number): [number, number] {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next];
}

/** Zeroed counters, healthy since `now`. */
export function emptyStats(now: number): ProviderStats {
  return { requests: 0, successes: 0, failures: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, latencyAt: undefined, healthySince: now, freshGeneration: 0 };
}

/** The context of a fresh actor. */
export function initialContext(input: ProviderInput): ProviderContext {
  return {
    name: input.name,
    health: input.health,
    generation: 0,
    inFlight: 0,
    probesInFlight: 0,
    probeSuccesses: 0,
    consecutiveFailures: 0,
    latencyMs: undefined,
    tripCount: 0,
    cooldownUntil: undefined,
    rateLimitedUntil: undefined,
    rateLimitStreak: 0,
    resumeTo: 'healthy',
    disabledReason: undefined,
    stats: emptyStats(input.now),
    window: emptyWindow(input.health.windowMs),
    rng: hashString(input.name, input.seed),
    decidedAt: input.now,
    lastSlot: undefined,
  };
}

/** Un-jittered cooldown of the `tripCount`-th consecutive trip. */
export function baseCooldownMs(health: HealthConfig, tripCount: number): number {
  return Math.min(health.maxCooldownMs, health.cooldownMs * 2 ** Math.max(0, tripCount - 1));
}

/** Cooldown jittered by ±10 % (`r` uniform in [0, 1)), never above `maxCooldownMs`. */
export function cooldownMs(health: HealthConfig, tripCount: number, r: number): number {
  const jittered = Math.round(baseCooldownMs(health, tripCount) * (0.9 + 0.2 * r));
  return Math.max(0, Math.min(health.maxCooldownMs, jittered));
}

/**
 * Un-jittered rate-limit wait: Retry-After clamped to [100, maxCooldownMs], else
 * `1000 * 2^(streak-1)` capped at 60 s.
 */
export function baseRateLimitMs(health: HealthConfig, retryAfterMs: number | undefined, streak: number): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    return Math.min(Math.max(MIN_RETRY_AFTER_MS, health.maxCooldownMs), Math.max(MIN_RETRY_AFTER_MS, retryAfterMs));
  }
  return Math.min(MAX_RATE_LIMIT_BACKOFF_MS, 1000 * 2 ** Math.max(0, streak - 1));
}

/** Rate-limit wait: Retry-After gets +0..10 % jitter, the backoff ±20 %. */
export function rateLimitMs(health: HealthConfig, retryAfterMs: number | undefined, streak: number, r: number): number {
  const base = baseRateLimitMs(health, retryAfterMs, streak);
  const hasRetryAfter = retryAfterMs !== undefined && Number.isFinite(retryAfterMs);
  return Math.round(base * (hasRetryAfter ? 1 + 0.1 * r : 0.8 + 0.4 * r));
}

/**
 * The longer wait a 429 reported while already rate-limited asks for, with the generator's
 * next state; `undefined` when it would not end the wait later. The streak does not grow:
 * such a call was sent before the rate limit began, so it is part of the same episode.
 */
export function extendedRateLimit(context: ProviderContext, event: ProviderEvent): { until: number; rng: number } | undefined {
  if (event.type !== 'attempt.rate_limited') return undefined;
  const [r, rng] = nextRandom(context.rng);
  const until = event.at + rateLimitMs(context.health, event.retryAfterMs, Math.max(1, context.rateLimitStreak), r);
  // Compared with the wait before this step (a re-entry clears `rateLimitedUntil` on exit,
  // before the action reads it; by then the guard has already compared).
  return context.rateLimitedUntil === undefined || until > context.rateLimitedUntil ? { until, rng } : undefined;
}

/**
 * The trip count when the decay timer fires: one trip fewer per whole window of health
 * since `stats.healthySince` (more than one when a rate-limit detour outlasted several),
 * the start of the next window, and the time now. The timer fires only once a window has
 * passed, so at least one trip goes, whatever the rounding of `(since + w) - since` (a
 * float a hair under `w` once made the timer fire at delay 0 forever).
 */
export function decayedTrips(context: ProviderContext): { tripCount: number; healthySince: number; now: number } {
  const windowMs = context.health.windowMs;
  const since = context.stats.healthySince;
  const now = Math.max(context.decidedAt, since + windowMs);
  const windows = Math.max(1, Math.floor((now - since) / windowMs));
  return { tripCount: Math.max(0, context.tripCount - windows), healthySince: since + windows * windowMs, now };
}

/**
 * How often a degraded provider's evidence is judged again: once per window, so that what
 * degraded it has aged out by the next check unless newer calls confirm it.
 */
export function recheckMs(context: ProviderContext): number {
  return context.health.windowMs;
}

/**
 * At `at`, the window no longer holds enough calls to judge (its bad calls have aged out),
 * or what it holds is below the recovery threshold.
 */
export function evidenceFaded(context: ProviderContext, at: number): boolean {
  const health = context.health;
  const totals = windowTotals(context.window, at, health.windowMs);
  if (totals.calls === 0 || totals.calls < health.minCalls) return true;
  return (totals.failures + totals.slow) / totals.calls < health.degradedFailureRate / 2;
}

/** The report's generation is not the current one: it updates accounting only. */
export function isStale(context: ProviderContext, event: ProviderEvent): boolean {
  return 'token' in event && event.token.generation !== context.generation;
}

/** Accounting every report gets, stale or not: slot release, stats, latency, 429 streak. */
export function settle(context: ProviderContext, event: ReportEvent): Partial<ProviderContext> {
  const current = event.token.generation === context.generation;
  // Object.assign to a fresh object takes V8's fast clone path; a spread followed by a
  // property does not (about 3x slower here).
  const stats = Object.assign({}, context.stats);
  stats.requests += 1;
  const update: Partial<ProviderContext> = {
    inFlight: Math.max(0, context.inFlight - 1),
    probesInFlight: event.token.probe && current ? Math.max(0, context.probesInFlight - 1) : context.probesInFlight,
    stats,
  };
  if (event.type === 'attempt.succeeded') {
    stats.successes += 1;
    stats.inputTokens += event.inputTokens ?? 0;
    stats.outputTokens += event.outputTokens ?? 0;
    stats.costUsd += event.costUsd ?? 0;
    // An average whose latest sample is older than the window is stale: the new sample replaces it.
    const last = context.stats.latencyAt;
    const stale = context.latencyMs === undefined || last === undefined || event.at - last > context.health.windowMs;
    update.latencyMs = stale ? event.latencyMs : LATENCY_ALPHA * event.latencyMs + (1 - LATENCY_ALPHA) * context.latencyMs!;
    stats.latencyAt = event.at;
    update.rateLimitStreak = 0;
  } else if (event.type === 'attempt.failed' || event.type === 'attempt.config_error') {
    stats.failures += 1;
  }
  return update;
}

/** The health-relevant outcome an event carries, if any (a 429 never is one). */
export function outcomeOf(event: ProviderEvent): { at: number; failed: boolean; latencyMs: number } | undefined {
  if (event.type === 'attempt.succeeded') return { at: event.at, failed: false, latencyMs: event.latencyMs };
  if (event.type === 'attempt.failed') return { at: event.at, failed: true, latencyMs: event.latencyMs };
  if (event.type === 'check.failed') return { at: event.at, failed: true, latencyMs: 0 };
  return undefined;
}

/** Window and consecutive count after recording the event's outcome (unchanged if none). */
export function withOutcome(context: ProviderContext, event: ProviderEvent): Pick<ProviderContext, 'window' | 'consecutiveFailures'> {
  return judgement(context, event).next;
}

/** Threshold verdicts on the context as it would be after the event's outcome. */
export function judge(context: ProviderContext, event: ProviderEvent): Verdict {
  return judgement(context, event).verdict;
}

/** Report accounting and outcome recording in one update (one `assign` per report). */
export function settleAndRecord(context: ProviderContext, event: ReportEvent): Partial<ProviderContext> {
  const update = settle(context, event);
  const next = withOutcome(context, event);
  update.window = next.window;
  update.consecutiveFailures = next.consecutiveFailures;
  return update;
}

/** What `judge` says about an outcome. */
export interface Verdict {
  opens: boolean;
  degrades: boolean;
  recovers: boolean;
}

interface Judgement {
  context: ProviderContext;
  event: ProviderEvent;
  next: Pick<ProviderContext, 'window' | 'consecutiveFailures'>;
  verdict: Verdict;
}

/**
 * The outcome of one event on one context, computed once: a transition asks up to three
 * guards and then records the same outcome. Contexts and events are never mutated, so a
 * one-entry cache keyed by their identity is exact.
 */
let lastJudgement: Judgement | undefined;

function judgement(context: ProviderContext, event: ProviderEvent): Judgement {
  if (lastJudgement !== undefined && lastJudgement.context === context && lastJudgement.event === event) return lastJudgement;
  const health = context.health;
  const outcome = outcomeOf(event);
  const next =
    outcome === undefined
      ? { window: context.window, consecutiveFailures: context.consecutiveFailures }
      : {
          window: recordOutcome(context.window, outcome.at, { failed: outcome.failed, slow: !outcome.failed && outcome.latencyMs > health.slowCallMs }),
          consecutiveFailures: outcome.failed ? context.consecutiveFailures + 1 : 0,
        };
  const at = 'at' in event ? event.at : context.decidedAt;
  const totals = windowTotals(next.window, at, health.windowMs);
  const judged = totals.calls > 0 && totals.calls >= health.minCalls;
  const failureRate = judged ? totals.failures / totals.calls : 0;
  const badRate = judged ? (totals.failures + totals.slow) / totals.calls : 0;
  const verdict = {
    opens: next.consecutiveFailures >= health.consecutiveFailures || (judged && failureRate >= health.failureRate),
    degrades: judged && badRate >= health.degradedFailureRate,
    recovers: judged && badRate < health.degradedFailureRate / 2,
  };
  lastJudgement = { context, event, next, verdict };
  return lastJudgement;
}

/** Counters cleared when a provider starts afresh (reset, enable); stats are kept. */
export function freshStart(context: ProviderContext): Partial<ProviderContext> {
  return {
    generation: context.generation + 1,
    stats: { ...context.stats, freshGeneration: context.generation + 1 },
    tripCount: 0,
    consecutiveFailures: 0,
    probesInFlight: 0,
    probeSuccesses: 0,
    window: emptyWindow(context.health.windowMs),
    cooldownUntil: undefined,
    rateLimitedUntil: undefined,
    rateLimitStreak: 0,
    disabledReason: undefined,
  };
}
