/**
 * The provider actor's protocol: its input, the events it accepts, the replies it sends and
 * the tags the router obeys. The router and the engine depend on this file only, never on
 * the machine's internal state names.
 */
import type { AnyActorRef } from 'xstate';
import type { HealthConfig } from '../src/config/types.js';
import type { ErrorKind } from '../src/core/errors.js';

/** Tags on provider states. The router obeys tags, not state names. */
export const TAGS = {
  /** The router may send this provider traffic. */
  selectable: 'selectable',
  /** The provider admits a limited number of probe calls (acquisition may be denied). */
  probe: 'probe',
  /** Selectable but unhealthy: strategies give it a reduced share. */
  degraded: 'degraded',
} as const;

/** The contract's state names; a custom machine may add more. */
export type ProviderStateName = 'healthy' | 'degraded' | 'open' | 'half_open' | 'rate_limited' | 'disabled';

export interface ProviderInput {
  name: string;
  health: HealthConfig;
  /** Seeds the actor's own jitter (cooldowns, rate-limit waits). */
  seed: number;
  /** Creation time on the engine clock. */
  now: number;
}

/**
 * Proof of an acquired slot, handed back with the outcome. `generation` changes whenever the
 * breaker changes generation (open, half_open, disabled, operator reset/enable): a report
 * whose generation is not current is stale and decides nothing.
 */
export interface SlotToken {
  generation: number;
  /** This call is a half-open probe. */
  probe: boolean;
}

/** Events a provider actor accepts. Every event that needs time carries `at` (clock ms). */
export type ProviderEvent =
  /**
   * Ask for a slot. The answer, a {@link SlotReply}, is always kept as `context.lastSlot`
   * (a new object per answer), and also sent to `replyTo` when one is given. The router
   * sends it from a promise job, when no actor is mid-step, and reads the answer from the
   * snapshot right after `send` returns (docs/decisions.md).
   */
  | { type: 'slot.acquire'; at: number; requestId: string; replyTo?: AnyActorRef; panic?: boolean }
  | {
      type: 'attempt.succeeded';
      at: number;
      token: SlotToken;
      /** Time to first token (whole response time for non-streaming calls). */
      latencyMs: number;
      inputTokens?: number;
      outputTokens?: number;
      costUsd?: number;
    }
  | { type: 'attempt.failed'; at: number; token: SlotToken; kind: ErrorKind; latencyMs: number }
  | { type: 'attempt.rate_limited'; at: number; token: SlotToken; retryAfterMs?: number }
  | { type: 'attempt.config_error'; at: number; token: SlotToken; kind: ErrorKind; reason: string }
  /** Client abort or client error: counts nowhere, returns the probe permit. */
  | { type: 'attempt.neutral'; at: number; token: SlotToken }
  | { type: 'operator.disable'; at: number; reason?: string }
  | { type: 'operator.enable'; at: number }
  | { type: 'operator.open'; at: number }
  | { type: 'operator.reset'; at: number }
  | { type: 'check.passed'; at: number }
  | { type: 'check.failed'; at: number }
  | { type: 'config.update'; at: number; health: HealthConfig };

/** The provider's answer to `slot.acquire`: kept as `context.lastSlot`, and sent to its `replyTo` if any. */
export type SlotReply =
  | { type: 'slot.granted'; provider: string; requestId: string; token: SlotToken }
  | {
      type: 'slot.denied';
      provider: string;
      requestId: string;
      /** `retry_budget` is the router's own: the engine-wide retry budget ran out while this retry waited. */
      reason: 'not_selectable' | 'probes_busy' | 'rate_limited' | 'disabled' | 'retry_budget';
      /** When the provider may accept again, if known (rate limits). */
      retryAfterMs?: number;
    };

/** Counters shown by `GET /providers`; part of the actor's context. */
export interface ProviderStats {
  /**
   * Clock time of the latest latency sample (a success), `undefined` before the first. Kept
   * here rather than as a context field of its own: one more top-level context field made
   * every provider step measurably slower (docs/decisions.md).
   */
  latencyAt: number | undefined;
  /**
   * Start of the stretch of health the trip count decays over: set on recovery, one window
   * later at each decay, and on a new `windowMs`; a rate-limit detour leaves it (a 429 is
   * not an outage). Here for the same reason as `latencyAt`.
   */
  healthySince: number;
  /**
   * Generation of the last `operator.reset` or `operator.enable`: a config error from a call
   * granted before it is evidence the operator has already overruled (0 before any).
   */
  freshGeneration: number;
  requests: number;
  successes: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}
